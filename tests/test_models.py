"""The Keras-like model API: shapes and counts, layer gradients, training, optimizers, errors."""

import re

import numpy as np
import pytest
from _helpers import numerical_gradient

from cnnviz import keras, layers, optimizers
from cnnviz.models import Sequential


def notes_model():
    """The model of the notes' Keras code, with the import line changed and nothing else."""
    return keras.models.Sequential([
        keras.layers.Conv2D(filters=32, kernel_size=3, activation="relu", padding="same", input_shape=[28, 28, 1]),
        keras.layers.Conv2D(filters=64, kernel_size=3, activation="relu", padding="same"),
        keras.layers.Conv2D(filters=64, kernel_size=3, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Flatten(),
        keras.layers.Dense(units=7744, activation="relu"),
        keras.layers.Dense(units=128, activation="relu"),
        keras.layers.Dense(units=10, activation="softmax"),
    ])  # fmt: skip


def test_the_notes_model_has_the_parameter_counts_of_the_errata(capsys):
    model = notes_model()
    assert model.count_params() == 98_196_874
    counts = {layer.name: params for layer, _, params in model.shapes()}
    assert counts["dense"] == 97_148_480 and counts["conv2d"] == 320 and counts["conv2d_1"] == 18_496
    assert [shape for _, shape, _ in model.shapes()][3:5] == [(14, 14, 64), (12544,)]
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 98,196,874" in out and "max_pooling2d (MaxPooling2D)" in out
    assert not any(layer.built for layer in model.layers)  # counted from shapes: nothing allocated


def test_layer_names_are_unique_like_keras():
    model = Sequential(
        [layers.Dense(4, input_shape=[3]), layers.Dense(4), layers.BatchNormalization(), layers.ReLU()]
    )
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "batch_normalization", "re_lu"]


def layer_gradients(layer, x, rng, training=True):
    """Backward of a float64 layer vs centred differences of sum(forward(x) · dy)."""
    layer.build(x.shape[1:], rng)
    layer.params = {k: v.astype(np.float64) for k, v in layer.params.items()}
    frozen = {k: v.copy() for k, v in layer.params.items()}  # BN's moving averages change on every forward

    def run(v):
        layer.params.update({k: val.copy() for k, val in frozen.items() if k.startswith("moving")})
        return layer.forward(v, training)

    y = run(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, numerical_gradient(run, x, dy), rtol=1e-5, atol=1e-7)
    for name in layer.trainable_names:
        p = layer.params[name]

        def with_param(v, p=p):
            p[...] = v
            return run(x)

        expected = numerical_gradient(with_param, p.copy(), dy)
        np.testing.assert_allclose(layer.grads[name], expected, rtol=1e-5, atol=1e-7, err_msg=name)


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: layers.Dense(5, activation="relu"), (4, 6)),
        (lambda: layers.Dense(3, activation="softmax"), (4, 6)),
        (lambda: layers.Dense(3, activation="tanh", use_bias=False), (2, 5)),
        (lambda: layers.Conv2D(3, 2, strides=2, padding="same", activation="sigmoid"), (2, 5, 5, 2)),
        (lambda: layers.Conv1D(2, 3, padding="same", activation="relu"), (2, 7, 3)),
        (lambda: layers.BatchNormalization(), (6, 3, 3, 2)),
        (lambda: layers.MaxPooling2D(2), (2, 4, 4, 2)),
        (lambda: layers.AveragePooling2D(2, strides=1), (1, 4, 5, 2)),
        (lambda: layers.Flatten(), (2, 3, 3, 2)),
    ],
    ids=[
        "dense_relu",
        "dense_softmax",
        "dense_tanh_nobias",
        "conv2d_sigmoid",
        "conv1d",
        "bn",
        "maxpool",
        "avgpool",
        "flatten",
    ],
)
def test_layer_backward_matches_numerical_gradients(make, shape, rng):
    x = rng.permutation(np.prod(shape)).reshape(shape) / np.prod(shape) - 0.3  # distinct values: no max ties
    layer_gradients(make(), x.astype(np.float64), rng)


def test_dropout_is_inverted_and_only_in_training(rng):
    layer = layers.Dropout(0.5, seed=0)
    layer.build((1000,), rng)
    x = np.ones((4, 1000))
    assert np.array_equal(layer.forward(x, training=False), x)
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, 2.0} and abs(y.mean() - 1) < 0.05
    assert np.array_equal(layer.backward(np.ones_like(x)), y)  # gradient flows where values were kept


def test_batchnorm_layer_keeps_moving_averages_and_uses_them_at_inference(rng):
    layer = layers.BatchNormalization(momentum=0.9)
    x = rng.normal(5.0, 2.0, size=(64, 3)).astype(np.float32)
    layer.forward(x, training=True)
    np.testing.assert_allclose(layer.params["moving_mean"], 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.params["moving_variance"], 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    y = layer.forward(x[:1], training=False)  # one sample: uses the moving statistics, not all-β
    expected = (x[:1] - layer.params["moving_mean"]) / np.sqrt(layer.params["moving_variance"] + 1e-3)
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_sgd_momentum_and_nesterov_follow_keras_rules():
    for nesterov in (False, True):
        p, g, v = np.array([1.0]), np.array([0.5]), 0.0
        layer = layers.Dense(1)
        layer.params, layer.grads = {"kernel": p.copy(), "bias": np.zeros(1)}, {"kernel": g}
        opt = optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=nesterov)
        expected = p.copy()
        for _ in range(3):
            opt.apply([layer])
            v = 0.9 * v - 0.1 * g  # v ← μv − ηg
            expected = expected + (0.9 * v - 0.1 * g if nesterov else v)
        np.testing.assert_allclose(layer.params["kernel"], expected)


def test_adam_first_step_moves_each_weight_by_the_learning_rate():
    layer = layers.Dense(1)
    layer.params, layer.grads = {"kernel": np.array([1.0, 1.0])}, {"kernel": np.array([3.0, -0.01])}
    layer.trainable_names = ("kernel",)
    optimizers.Adam(learning_rate=0.01).apply([layer])
    np.testing.assert_allclose(layer.params["kernel"], [0.99, 1.01], rtol=1e-5)  # m/√v = sign(g) at t = 1


def blobs(rng, n=400):
    """Two 8×8×1 'images' classes: a bright left half or a bright right half, plus noise."""
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 8, 8, 1))
    x[y == 0, :, :4] += 1.0
    x[y == 1, :, 4:] += 1.0
    return x.astype(np.float32), y


def small_cnn(seed):
    return Sequential([
        layers.Conv2D(4, 3, activation="relu", padding="same", input_shape=[8, 8, 1]),
        layers.MaxPooling2D(2),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dropout(0.1),
        layers.Dense(2, activation="softmax"),
    ], seed=seed)  # fmt: skip


def test_a_small_cnn_learns_and_reports_its_history(rng):
    x, y = blobs(rng)
    model = small_cnn(seed=1)
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.25, verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 3 and history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x, y)
    assert accuracy > 0.95 and history.history["val_accuracy"][-1] > 0.95
    probs = model.predict(x[:5])
    assert probs.shape == (5, 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_the_same_seed_repeats_a_run_exactly(rng):
    x, y = blobs(rng, 128)
    runs = []
    for _ in range(2):
        model = small_cnn(seed=7)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        runs.append(model.fit(x, y, epochs=2, batch_size=16, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_categorical_crossentropy_and_mse_train_too(rng):
    x, y = blobs(rng, 200)
    model = small_cnn(seed=3)
    model.compile(
        loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"]
    )
    model.fit(x, np.eye(2)[y], epochs=2, batch_size=32, verbose=0)
    assert model.evaluate(x, np.eye(2)[y])[1] > 0.9
    regressor = Sequential([layers.Flatten(input_shape=[8, 8, 1]), layers.Dense(1)], seed=0)
    regressor.compile(loss="mse", optimizer=keras.optimizers.SGD(0.01))
    history = regressor.fit(x, x.mean(axis=(1, 2)), epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_verbose_2_prints_one_line_per_epoch(rng, capsys):
    x, y = blobs(rng, 64)
    model = small_cnn(seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - 2/2 batches - ") and " - loss: " in lines[1]


def test_model_errors_say_what_to_do(rng):
    x, y = blobs(rng, 8)
    model = small_cnn(seed=0)
    with pytest.raises(
        ValueError, match=re.escape("Call compile(optimizer=..., loss=..., metrics=[...]) before fit")
    ):
        model.fit(x, y)
    with pytest.raises(ValueError, match="Unknown loss 'crossentropy'; expected one of"):
        model.compile(loss="crossentropy")
    with pytest.raises(ValueError, match=re.escape("put a Flatten() layer before it")):
        Sequential([layers.Dense(3, input_shape=[4, 4, 1])]).count_params()
    no_softmax = Sequential([layers.Flatten(input_shape=[8, 8, 1]), layers.Dense(2)])
    with pytest.raises(ValueError, match="expects the model to end in a softmax"):
        no_softmax.compile(loss="sparse_categorical_crossentropy")  # compile decides the fusion, and checks it
    with pytest.raises(ValueError, match="received 8 inputs and 3 labels"):
        model.compile(loss="sparse_categorical_crossentropy")
        model.fit(x, y[:3])
    with pytest.raises(ValueError, match="Unknown activation 'gelu'"):
        layers.Dense(3, activation="gelu")


def test_keras_namespace_offers_the_datasets_and_optimizers():
    assert keras.datasets.mnist.load_data.__name__ == "load_mnist"
    assert isinstance(keras.optimizers.SGD(learning_rate=3e-2), optimizers.SGD)


def test_the_first_layer_skips_the_gradient_of_the_images(rng):
    from cnnviz import ops

    x, w = rng.normal(size=(2, 5, 5, 1)), rng.normal(size=(3, 3, 1, 4))
    y, cache = ops.conv2d_forward(x, w, padding="same")
    dy = rng.normal(size=y.shape)
    full, skipped = ops.conv2d_backward(dy, cache), ops.conv2d_backward(dy, cache, input_gradient=False)
    assert skipped[0] is None and np.array_equal(skipped[1], full[1])
    model = small_cnn(seed=0)
    x = rng.normal(size=(2, 8, 8, 1)).astype(np.float32)
    dout = rng.normal(size=model.forward(x).shape).astype(np.float32)
    assert model.backward(dout) is None  # training: the images' gradient is neither computed nor returned
    d_images = model.backward(dout, input_gradient=True)  # asked for: an argument of backward, down to the layer
    assert d_images.shape == x.shape and np.any(d_images)
    first = model.layers[0]
    dy = rng.normal(size=(2, 8, 8, 4)).astype(np.float32)
    assert first.backward(dy, input_gradient=False) is None and first.backward(dy).shape == x.shape
    assert not hasattr(first, "input_gradient")  # no flag written on the layer


NOTES_CODE = """
import numpy as np
from cnnviz import keras

# define the model structure using Keras
model = keras.models.Sequential([
    # Convolutional block
    keras.layers.Conv2D(filters=32, kernel_size=3, activation="relu", padding="same", input_shape=[28, 28, 1]), # [height, width, channels]
    keras.layers.Conv2D(filters=64, kernel_size=3, activation="relu", padding="same"),
    keras.layers.Conv2D(filters=64, kernel_size=3, activation="relu", padding="same"),
    keras.layers.MaxPooling2D(pool_size=2),

    keras.layers.Flatten(), # Flatten into a 1 dimensioal vector

    # FCNN
    keras.layers.Dense(units=7744, activation='relu'),
    keras.layers.Dense(units=128, activation='relu'),
    keras.layers.Dense(units=10, activation='softmax'),
])

# compile model by attaching loss/optimizer/metrics components
model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(learning_rate=3e-2), metrics=["accuracy"])

# learning a model
history = model.fit(X_train, y_train, epochs=10, validation_data=(X_test, y_test))
"""


def test_the_notes_code_runs_with_only_the_import_and_the_typo_changed(rng):
    """The notes' Keras code, verbatim but for two lines, on a tiny stand-in for MNIST (32 images)."""
    data = {
        "X_train": rng.random((32, 28, 28, 1), dtype=np.float32),
        "y_train": rng.integers(0, 10, 32),
        "X_test": rng.random((16, 28, 28, 1), dtype=np.float32),
        "y_test": rng.integers(0, 10, 16),
    }
    exec(
        NOTES_CODE.replace("epochs=10", "epochs=10, verbose=0"), data
    )  # (a progress bar is no use in a test)
    history = data["history"].history
    assert len(history["loss"]) == 10 and set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(np.isfinite(history["loss"]))
