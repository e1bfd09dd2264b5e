"""Keras' loss objects (cnnviz.losses): values, gradients by centred differences, per-position
outputs, and the softmax fusion a model uses (logits in, the same number out)."""

import numpy as np
import pytest
from _helpers import GRAD_TOL, numerical_gradient

from cnnviz import losses
from cnnviz.activations import softmax
from cnnviz.keras import layers
from cnnviz.models import Sequential

SPARSE, ONE_HOT = losses.SparseCategoricalCrossentropy, losses.CategoricalCrossentropy


def one_hot(labels, K):
    return np.eye(K)[labels]


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 3, 4)])  # a batch of scores, and per-pixel scores
def test_crossentropy_from_logits_equals_from_probabilities(rng, shape):
    z = rng.normal(size=shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    p = softmax(z)
    expected = -np.mean(np.log(np.take_along_axis(p, labels[..., None], axis=-1)))
    for loss, y in ((SPARSE, labels), (ONE_HOT, one_hot(labels, shape[-1]))):
        assert loss(from_logits=True)(y, z) == pytest.approx(expected, rel=1e-12)
        assert loss()(y, p) == pytest.approx(expected, rel=1e-12)
        assert loss().logits_value_and_gradient(y, z)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("loss_class", [SPARSE, ONE_HOT])
def test_crossentropy_gradients_match_centred_differences(rng, loss_class, from_logits):
    z = rng.normal(size=(4, 3))
    labels = rng.integers(0, 3, size=4)
    y = labels if loss_class is SPARSE else one_hot(labels, 3)
    loss = loss_class(from_logits=from_logits)
    x = z if from_logits else softmax(z)  # probabilities: nudging one leaves the others as they are
    _, grad = loss.value_and_gradient(y, x)
    np.testing.assert_allclose(grad, numerical_gradient(lambda v: loss(y, v), x, 1.0), **GRAD_TOL)


def test_mean_squared_error_value_and_gradient(rng):
    y_true, y_pred = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    loss, grad = losses.get("mse").value_and_gradient(y_true, y_pred)
    assert loss == pytest.approx(np.mean((y_pred - y_true) ** 2))
    np.testing.assert_allclose(
        grad, numerical_gradient(lambda v: losses.MeanSquaredError()(y_true, v), y_pred, 1.0), **GRAD_TOL
    )


def test_get_takes_names_and_objects_and_names_the_choices():
    assert isinstance(losses.get("sparse_categorical_crossentropy"), SPARSE)
    mine = ONE_HOT(from_logits=True)
    assert losses.get(mine) is mine
    with pytest.raises(ValueError, match=r"Unknown loss 'hinge'; expected one of \('sparse_categorical"):
        losses.get("hinge")
    with pytest.raises(TypeError, match="from_logits=True or False; received 'yes'"):
        SPARSE(from_logits="yes")


def test_a_model_without_softmax_trains_with_from_logits(rng):
    x = rng.normal(size=(16, 4, 4, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(int)
    model = Sequential([layers.Flatten(input_shape=(4, 4, 1)), layers.Dense(2)], seed=0)
    model.compile(loss=SPARSE(from_logits=True), optimizer="adam", metrics=["accuracy"])
    first = model.evaluate(x, y)[0]
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y)[0] < first
    assert model.evaluate(x, y)[0] == pytest.approx(SPARSE(from_logits=True)(y, model.predict(x)), rel=1e-5)


def test_the_fused_loss_equals_the_loss_of_the_predicted_probabilities(rng):
    x = rng.normal(size=(8, 4, 4, 1)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    model = Sequential([layers.Flatten(input_shape=(4, 4, 1)), layers.Dense(3, activation="softmax")], seed=1)
    model.compile(loss="sparse_categorical_crossentropy")
    assert model.evaluate(x, y) == pytest.approx(SPARSE()(y, model.predict(x)), rel=1e-5)
