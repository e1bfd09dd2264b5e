"""A model used as a layer, as Keras tutorials do: ``Sequential([base_model, ...])`` and
``outputs = encoder(inputs)``. The new model shares the layers, so their weights: training one
trains the other, and a frozen base stays frozen."""

import numpy as np
import pytest

from cnnviz import keras

RNG = np.random.default_rng(0)
X = RNG.random((16, 8, 8, 1)).astype(np.float32)
Y = RNG.integers(0, 2, 16)


def _encoder():
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(keras.layers.Conv2D(4, 3, activation="relu")(inputs))
    return keras.Model(inputs, keras.layers.Dense(5)(h), name="encoder", seed=0)


def test_a_functional_model_called_on_a_tensor_shares_its_layers_and_weights():
    encoder = _encoder()
    codes = encoder(X)  # on arrays: its outputs
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(encoder(inputs)), seed=1)
    assert model.layers[1:4] == encoder.layers[1:4]  # the same layer objects
    np.testing.assert_allclose(model.forward(X, keep=True)[3], codes, rtol=1e-6)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=2, verbose=0)
    assert not np.allclose(encoder(X), codes)  # training the new model trained the shared layers


def test_a_frozen_base_in_a_sequential_stays_as_it_was():
    base = keras.Sequential(
        [keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), keras.layers.Flatten()], seed=0
    )
    base.build()
    base.trainable = False
    model = keras.Sequential([base, keras.layers.Dense(2, activation="softmax")], seed=1)
    assert model.expected_input_shape() == (8, 8, 1)
    assert model.count_trainable_params() == 144 * 2 + 2
    kernel = base.layers[0].get_weights()[0]
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=2, verbose=0)
    np.testing.assert_array_equal(base.layers[0].get_weights()[0], kernel)


def test_a_sequential_of_a_model_and_a_softmax_gives_probabilities():
    encoder = _encoder()
    probabilities = keras.Sequential([encoder, keras.layers.Softmax()]).predict(X, verbose=0)
    codes = encoder.predict(X, verbose=0)
    expected = np.exp(codes) / np.exp(codes).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)


def test_wrong_uses_are_named():
    encoder = _encoder()
    with pytest.raises(
        ValueError,
        match=r"takes inputs of shape \(None, 8, 8, 1\); received a tensor of shape \(None, 9, 9, 1\)",
    ):
        encoder(keras.Input((9, 9, 1)))
    inputs = keras.Input((8, 8, 1))
    branch = keras.layers.Conv2D(1, 3, padding="same")(inputs)
    branched = keras.Model(inputs, keras.layers.add([inputs, branch]), name="branched")
    with pytest.raises(TypeError, match=r"has branches or several outputs.*branched\(x\)"):
        keras.Sequential([branched])
    two = keras.Model(inputs, [branch, keras.layers.Flatten()(branch)])
    with pytest.raises(TypeError, match="has 2 outputs"):
        two(keras.Input((8, 8, 1)))
    unknown = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(AttributeError, match="has never been called"):
        unknown(keras.Input((4,)))


def test_clone_model_makes_new_layers_with_new_weights():
    """``keras.models.clone_model`` (Géron's "Reusing a Keras model"): the same architecture, layer
    names and frozen layers in new layers, with new weights, not compiled; training the clone, once
    given the weights (``set_weights(get_weights())``), leaves the original as it was."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(3, 3, activation="relu")(inputs)
    y = keras.layers.add([keras.layers.Conv2D(3, 3, padding="same")(x), x])
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(y))
    model = keras.Model(inputs, outputs, name="branchy")
    model.layers[1].trainable = False
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Model and clone.name == "branchy" and clone.optimizer is None
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert [layer.trainable for layer in clone.layers] == [layer.trainable for layer in model.layers]
    assert not set(map(id, clone.layers)) & set(map(id, model.layers))
    assert all(
        not np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()) if a.ndim > 1
    )
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(X, verbose=0), model.predict(X, verbose=0))
    before = model.get_weights()
    clone.compile(optimizer="adam", loss="binary_crossentropy")
    clone.fit(X, Y, epochs=1, verbose=0)
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    sequential = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert type(keras.models.clone_model(sequential)) is keras.Sequential


def test_clone_model_refuses_what_is_not_a_model():
    with pytest.raises(
        TypeError, match=r"clone_model expects a cnnviz model .* received 'dense' of type str\."
    ):
        keras.models.clone_model("dense")
    with pytest.raises(ValueError, match=r"clone_model: model 'sequential\w*' has no weights yet"):
        keras.models.clone_model(keras.Sequential([keras.layers.Dense(2)]))
