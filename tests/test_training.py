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


def recording_steps(model):
    """The inputs of every training step the model takes, as lists (x holds each sample's index)."""
    seen, step = [], model._train_step

    def recorded(x, y, between=None):
        seen.append(x[:, 0].astype(int).tolist())
        return step(x, y, between)

    model._train_step = recorded
    return seen


def test_steps_per_epoch_goes_on_through_the_data_where_the_last_epoch_stopped():
    """``fit(..., steps_per_epoch=5)`` (keras-io's callbacks guide): each epoch takes that many
    batches, going on where the previous epoch stopped, into a new pass when the data runs out."""
    x, y = np.arange(10, dtype=np.float32)[:, None].repeat(4, axis=1), np.zeros((10, 3))
    model = dense_model(None)
    model.compile("sgd", "mse")
    seen = recording_steps(model)
    history = model.fit(x, y, batch_size=4, steps_per_epoch=2, epochs=3, shuffle=False, verbose=0)
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert history.epoch == [0, 1, 2] and history.params["steps"] == 2
    seen.clear()
    model.fit(x, y, batch_size=4, steps_per_epoch=3, epochs=2, verbose=0)  # shuffled: a new order each pass
    first, second = np.concatenate(seen[:3]), np.concatenate(seen[3:])  # each pass: 4 + 4 + 2 samples
    assert sorted(first) == sorted(second) == list(range(10)) and not np.array_equal(first, second)
    with pytest.raises(ValueError, match=r"steps_per_epoch must be >= 1; received steps_per_epoch=0\."):
        model.fit(x, y, steps_per_epoch=0, verbose=0)


def test_labels_without_the_outputs_last_axis_of_1_get_it_as_in_keras():
    """Labels (N,) for a ``Dense(1)`` output (N, 1) under mean squared error (a digit's value, in
    keras-io's callbacks guide) are compared sample with sample, as Keras' losses and metrics do."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 4)), rng.normal(size=20)
    model = dense_model(None, units=1)
    model.compile("sgd", "mse", metrics=["mean_absolute_error"])
    loss, error = model.evaluate(x, y, verbose=0)
    assert [loss, error] == pytest.approx(model.evaluate(x, y[:, None], verbose=0))
    prediction = model.predict(x, verbose=0)[:, 0]
    assert loss == pytest.approx(np.mean((prediction - y) ** 2), rel=1e-5)  # not (N, N) broadcast
    assert error == pytest.approx(np.mean(np.abs(prediction - y)), rel=1e-5)
    history = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
