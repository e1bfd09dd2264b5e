"""Keras' function forms of losses and metrics (keras.losses.sparse_categorical_crossentropy and the
like): one value per sample, agreeing with the loss and metric objects that compile uses."""

import numpy as np
import pytest

from cnnviz import keras


@pytest.fixture
def batch(rng):
    logits = rng.normal(size=(6, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, size=6)
    return probs, logits, labels, np.eye(4)[labels]


def test_losses_per_sample_agree_with_the_objects_mean(batch):
    probs, logits, labels, onehot = batch
    per_sample = keras.losses.sparse_categorical_crossentropy(labels, probs)
    assert per_sample.shape == (6,)
    np.testing.assert_allclose(per_sample, -np.log(probs[np.arange(6), labels]), rtol=1e-10)
    np.testing.assert_allclose(
        per_sample.mean(), keras.losses.SparseCategoricalCrossentropy()(labels, probs), rtol=1e-10
    )
    np.testing.assert_allclose(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True), per_sample,
                               rtol=1e-10)  # fmt: skip
    np.testing.assert_allclose(keras.losses.categorical_crossentropy(onehot, probs), per_sample, rtol=1e-10)
    np.testing.assert_allclose(
        keras.losses.mse(onehot, probs), ((onehot - probs) ** 2).mean(axis=1), rtol=1e-10
    )
    np.testing.assert_allclose(
        keras.losses.mae(onehot, probs), np.abs(onehot - probs).mean(axis=1), rtol=1e-10
    )
    p = 1 / (1 + np.exp(-logits))
    t = (logits > 0.3).astype(float)
    want = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(axis=1)
    np.testing.assert_allclose(keras.losses.binary_crossentropy(t, p), want, rtol=1e-6)


def test_metrics_per_sample(batch):
    probs, _, labels, onehot = batch
    right = (probs.argmax(axis=1) == labels).astype(float)
    np.testing.assert_array_equal(keras.metrics.sparse_categorical_accuracy(labels, probs), right)
    np.testing.assert_array_equal(keras.metrics.categorical_accuracy(onehot, probs), right)
    np.testing.assert_array_equal(
        keras.metrics.sparse_top_k_categorical_accuracy(labels, probs, k=4), np.ones(6)
    )
    np.testing.assert_array_equal(keras.metrics.binary_accuracy([[1, 0]], [[0.7, 0.6]]), [0.5])


def test_positions_of_a_segmentation_keep_their_shape(rng):
    probs = rng.dirichlet(np.ones(3), size=(2, 4, 5))  # (N, H, W, K)
    labels = rng.integers(0, 3, size=(2, 4, 5))
    assert keras.losses.sparse_categorical_crossentropy(labels, probs).shape == (2, 4, 5)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: keras.losses.sparse_categorical_crossentropy([0, 1], [0.5, 0.5]), ValueError, "class axis"),
        (lambda: keras.losses.sparse_categorical_crossentropy([0, 1, 1], [[0.5, 0.5]] * 2), ValueError, "y_true of shape"),
        (lambda: keras.losses.categorical_crossentropy([[0, 1]], [[0.5, 0.5]], label_smoothing=0.1), ValueError,
         "label_smoothing"),
        (lambda: keras.losses.sparse_categorical_crossentropy([0], [[0.5, 0.5]], ignore_class=0), ValueError,
         "ignore_class"),
        (lambda: keras.losses.mse([["a"]], [["b"]]), TypeError, "numbers"),
    ],
)  # fmt: skip
def test_function_forms_wrong_use(call, error, words):
    with pytest.raises(error, match=words):
        call()
