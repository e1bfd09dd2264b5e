"""Freezing as in Keras: ``layer.trainable`` / ``model.trainable``, taken at compile, counted by summary,
kept in saved files; a frozen BatchNormalization runs in inference mode; ``layer.get_weights`` /
``set_weights``."""

import warnings

import numpy as np
import pytest

from cnnviz import keras


def _model():
    model = keras.Sequential(
        [
            keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
            keras.layers.BatchNormalization(),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        seed=0,
    )
    model.build()
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((64, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 64)


def test_fit_leaves_frozen_layers_unchanged_and_trains_the_rest():
    model, (x, y) = _model(), _data()
    model.layers[0].trainable = False
    model.layers[1].trainable = False  # a frozen BN: inference mode, its moving averages kept too
    model.compile("sgd", "sparse_categorical_crossentropy")
    before = [layer.get_weights() for layer in model.layers]
    model.fit(x, y, epochs=1, verbose=0)
    after = [layer.get_weights() for layer in model.layers]
    for k in (0, 1):
        assert all(np.array_equal(a, b) for a, b in zip(before[k], after[k]))
    assert not np.array_equal(before[3][0], after[3][0])


def test_summary_counts_frozen_weights_as_non_trainable(capsys):
    model = _model()
    model.layers[0].trainable = False
    model.summary()
    text = capsys.readouterr().out
    assert "Trainable params: 443 " in text and "Non-trainable params: 48 " in text  # 40 conv + BN's 8 moving
    assert model.count_trainable_params() == 435 + 8  # dense, and BN's gamma and beta


def test_a_change_after_compile_waits_for_the_next_compile_and_says_so():
    model, (x, y) = _model(), _data()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.layers[3].trainable = False
    kernel = model.layers[3].get_weights()[0]
    with pytest.warns(UserWarning, match=r"trainable was changed for \['dense'\] after compile"):
        model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(kernel, model.layers[3].get_weights()[0])  # trained as compiled
    model.compile("sgd", "sparse_categorical_crossentropy")
    kernel = model.layers[3].get_weights()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, epochs=1, verbose=0)
    assert np.array_equal(kernel, model.layers[3].get_weights()[0])


def test_model_trainable_freezes_every_layer_and_files_keep_it(tmp_path):
    model = _model()
    model.trainable = False
    assert not model.trainable and not any(layer.trainable for layer in model.layers)
    assert model.count_trainable_params() == 0
    model.save(tmp_path / "frozen.keras")
    loaded = keras.models.load_model(tmp_path / "frozen.keras")
    assert [layer.trainable for layer in loaded.layers] == [False] * 4


def test_get_weights_are_copies_in_keras_order_and_set_weights_checks_everything():
    model = _model()
    bn = model.layers[1]
    assert [w.shape for w in bn.get_weights()] == [(4,)] * 4  # gamma, beta, moving mean, moving variance
    conv = model.layers[0]
    kernel, bias = conv.get_weights()
    kernel[...] = 7
    assert not np.any(conv.params["kernel"] == 7)  # a copy
    conv.set_weights([kernel, bias + 1])
    np.testing.assert_array_equal(conv.params["kernel"], 7)
    with pytest.raises(ValueError, match=r"expects 2 arrays \(kernel, bias\); received 1"):
        conv.set_weights([kernel])
    with pytest.raises(ValueError, match=r"received an array of shape \(3, 3\).*Nothing was changed"):
        conv.set_weights([np.zeros((3, 3)), bias])
    with pytest.raises(ValueError, match="dtype <U1"):
        conv.set_weights([np.full(kernel.shape, "a"), bias])
    with pytest.raises(TypeError, match="expects a list of arrays; received int"):
        conv.set_weights(3)
    np.testing.assert_array_equal(conv.params["kernel"], 7)  # nothing changed by the refusals
    assert keras.layers.Dense(3).get_weights() == []
    with pytest.raises(ValueError, match="not built yet"):
        keras.layers.Dense(3).set_weights([np.zeros((2, 3))])


@pytest.mark.parametrize("value", ["no", 1, None])
def test_trainable_is_true_or_false(value):
    with pytest.raises(TypeError, match="trainable=True or False"):
        keras.layers.Dense(3).trainable = value
    with pytest.raises(TypeError, match="trainable=True or False"):
        _model().trainable = value
