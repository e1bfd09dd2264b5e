"""Training (cnnviz.training): compile's one decision about the softmax + cross-entropy fusion,
and a training step whose data flow can be followed by hand."""

import numpy as np
import pytest

from cnnviz import losses, optimizers
from cnnviz.keras import layers, models


def dense_model(activation, units=3, seed=0):
    return models.Sequential([layers.Dense(units, activation=activation, input_shape=(4,))], seed=seed)


@pytest.mark.parametrize(
    "activation, loss, fused",
    [
        ("softmax", "sparse_categorical_crossentropy", "softmax"),
        ("softmax", "categorical_crossentropy", "softmax"),
        ("softmax", losses.SparseCategoricalCrossentropy(from_logits=True), None),
        (None, losses.SparseCategoricalCrossentropy(from_logits=True), None),
        ("sigmoid", "binary_crossentropy", "sigmoid"),
        (None, "binary_crossentropy", None),
        ("softmax", "mse", None),
    ],
)
def test_compile_decides_the_fusion_once(activation, loss, fused):
    model = dense_model(activation, units=1 if "binary" in str(loss) else 3)
    assert model.fused is None
    model.compile("sgd", loss)
    assert model.fused == fused


def test_compile_refuses_a_probability_loss_on_a_model_without_a_softmax_end():
    with pytest.raises(ValueError, match="expects the model to end in a softmax; give the last layer"):
        dense_model("relu").compile("sgd", "sparse_categorical_crossentropy")


def test_adding_a_layer_after_compile_decides_the_fusion_again():
    model = models.Sequential([layers.Dense(5, activation="relu", input_shape=(4,))], seed=0)
    model.compile("sgd", "mse")
    model.add(layers.Dense(3, activation="softmax"))
    assert model.fused is None  # mse fuses nothing
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert model.fused == "softmax"


def test_a_training_step_is_forward_loss_backward_and_a_step_of_pairs():
    """train_on_batch equals its four stages written out: the logits' loss, backward below the softmax, step."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)).astype(np.float32), rng.integers(0, 3, 6)
    trained, by_hand = dense_model("softmax"), dense_model("softmax")
    for model in (trained, by_hand):
        model.compile(optimizers.SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
    loss = trained.train_on_batch(x, y)

    z = by_hand.forward(x, training=True, activation=False)  # 1. forward, stopped before the softmax
    value, dz = by_hand.loss.logits_value_and_gradient(y, z)  # 2. the loss of the logits, (p − t)/N
    by_hand.backward(dz, activation=False)  # 3. backward from below the softmax
    pairs = optimizers.trainable_pairs(by_hand.layers)  # 4. {key: (weight, gradient)}
    assert sorted(name for _, name in pairs) == ["bias", "kernel"]
    by_hand.optimizer.step(pairs)

    assert loss == pytest.approx(value, rel=1e-6)
    for a, b in zip(trained.get_weights(), by_hand.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert trained.optimizer.iterations == by_hand.optimizer.iterations == 1
