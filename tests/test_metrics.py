"""Metrics (cnnviz.metrics): names resolved as Keras resolves them, and wrong names explained."""

import pytest

from cnnviz import losses, metrics


@pytest.mark.parametrize(
    "loss, shape, kind",
    [
        (losses.SparseCategoricalCrossentropy(), (None, 10), metrics.SparseCategoricalAccuracy),
        (losses.CategoricalCrossentropy(), (None, 10), metrics.CategoricalAccuracy),
        (losses.BinaryCrossentropy(), (None, 1), metrics.BinaryAccuracy),
        (losses.MeanSquaredError(), (None, 1), metrics.BinaryAccuracy),  # one output value: yes or no
    ],
)
def test_accuracy_is_resolved_by_the_loss_and_keeps_the_name_written(loss, shape, kind):
    for name in ("accuracy", "acc"):
        metric = metrics.get(name, loss, shape)
        assert type(metric) is kind and metric.name == name


def test_a_name_in_any_case_makes_a_fresh_metric_named_as_written():
    metric = metrics.get("MAE")
    assert type(metric) is metrics.MeanAbsoluteError and metric.name == "MAE"
    assert metrics.get("mae") is not metrics.get("mae")
    given = metrics.TopKCategoricalAccuracy()
    assert metrics.get(given) is given


@pytest.mark.parametrize(
    "metric, error, message",
    [
        ("acuracy", ValueError, r"Unknown metric 'acuracy'; expected one of \('accuracy', 'acc', "),
        (None, ValueError, "Unknown metric None"),
        (metrics.BinaryAccuracy, TypeError, r"received the class BinaryAccuracy: write BinaryAccuracy\(\)"),
    ],
)
def test_wrong_metrics_are_named(metric, error, message):
    with pytest.raises(error, match=message):
        metrics.get(metric)
