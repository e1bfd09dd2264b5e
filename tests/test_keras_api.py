"""Keras habits on cnnviz (issue: "Keras as learners already write it"): imports, Keras' argument
order and defaults, callbacks, metrics, optimizers, weights in files, and every wrong use found by
trying the API carelessly, each answered with an error that names the argument and the value."""

import math
import re
import warnings

import numpy as np
import pytest

from cnnviz import keras
from cnnviz.keras import layers


def blobs(rng, n=64, classes=3, size=6):
    """n small one-channel images whose class is where a bright square sits."""
    y = rng.integers(0, classes, size=n)
    x = rng.normal(0, 0.3, size=(n, size, size, 1)).astype(np.float32)
    for k, c in enumerate(y):
        x[k, 2 * c % size : 2 * c % size + 2, 1:3, 0] += 2.0
    return x, y


def small(seed=0, classes=3, activation="softmax", size=6):
    return keras.models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(size, size, 1)),
            layers.Flatten(),
            layers.Dense(classes, activation=activation),
        ],
        seed=seed,
    )


# -- imports ------------------------------------------------------------------------------------------


def test_keras_import_habits_work():
    from cnnviz.keras.callbacks import EarlyStopping, ModelCheckpoint  # noqa: F401
    from cnnviz.keras.datasets import fashion_mnist, mnist  # noqa: F401
    from cnnviz.keras.layers import Conv2D, Dense, MaxPooling2D  # noqa: F401
    from cnnviz.keras.losses import SparseCategoricalCrossentropy  # noqa: F401
    from cnnviz.keras.metrics import SparseTopKCategoricalAccuracy  # noqa: F401
    from cnnviz.keras.models import Sequential, load_model  # noqa: F401
    from cnnviz.keras.optimizers import SGD, Adam, AdamW, RMSprop  # noqa: F401
    from cnnviz.keras.utils import set_random_seed, to_categorical  # noqa: F401

    assert callable(keras.datasets.mnist.load_data) and keras.Input is layers.Input


# -- Keras' order and defaults -----------------------------------------------------------------------


def test_fit_takes_keras_positional_order(rng):
    x, y = blobs(rng, 64)
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])  # optimizer, loss, metrics
    history = model.fit(x, y, 32, 1, 0)  # batch 32, one epoch, silent
    assert len(history.history["loss"]) == 1 and history.params["steps"] == 2


def test_defaults_are_keras_defaults(rng):
    assert keras.optimizers.SGD().learning_rate == 0.01
    assert (
        keras.optimizers.Adam().learning_rate == 0.001 and keras.optimizers.RMSprop().learning_rate == 0.001
    )
    assert keras.optimizers.AdamW().weight_decay == 0.004
    model = small()
    model.compile(loss="sparse_categorical_crossentropy")
    assert type(model.optimizer).__name__ == "RMSprop"  # Keras' default optimizer
    x, y = blobs(rng, 40)
    history = model.fit(x, y, batch_size=None, verbose=0)  # Keras' batch_size=None means 32
    assert history.params["steps"] == 2


def test_padding_in_any_case_and_initializers_by_name():
    conv = layers.Conv2D(2, 3, padding="SAME", kernel_initializer="he_normal", input_shape=(5, 5, 1))
    model = keras.models.Sequential([conv], seed=0)
    assert model.output_shape == (None, 5, 5, 2)
    w = model.get_weights()[0]
    assert w.dtype == np.float32 and abs(w).max() <= 2 * math.sqrt(2 / 9) / 0.8796 + 1e-6  # cut at 2σ


def test_evaluate_returns_a_scalar_or_a_list_as_keras_does(rng):
    x, y = blobs(rng, 32)
    plain, with_metrics = small(), small()
    plain.compile("adam", "sparse_categorical_crossentropy")
    with_metrics.compile(
        "adam", "sparse_categorical_crossentropy", ["accuracy", "sparse_top_k_categorical_accuracy"]
    )
    assert isinstance(plain.evaluate(x, y), float)
    loss, accuracy, top5 = with_metrics.evaluate(x, y)
    assert top5 == 1.0 and 0 <= accuracy <= 1  # 3 classes: the true one is always among the top 5
    assert with_metrics.evaluate(x, y, return_dict=True) == {
        "loss": loss,
        "accuracy": accuracy,
        "sparse_top_k_categorical_accuracy": top5,
    }
    assert with_metrics.metrics_names == ["loss", "accuracy", "sparse_top_k_categorical_accuracy"]


def test_one_hot_labels_with_categorical_crossentropy_and_to_categorical(rng):
    x, y = blobs(rng, 96)
    model = small()
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy", ["accuracy"])
    history = model.fit(
        x, keras.utils.to_categorical(y, 3), epochs=8, batch_size=16, verbose=0, validation_split=0.25
    )
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["accuracy"][-1] > 0.8


def test_binary_crossentropy_with_a_sigmoid_output_learns(rng):
    x, y = blobs(rng, 96, classes=2)
    model = small(classes=1, activation="sigmoid")
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", ["accuracy"])
    model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert type(model.compiled_metrics[0]).__name__ == "BinaryAccuracy"
    assert model.evaluate(x, y)[1] > 0.9


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
def test_every_optimizer_lowers_the_loss(rng, name):
    x, y = blobs(rng, 64)
    model = small()
    model.compile(name, "sparse_categorical_crossentropy")
    first = model.evaluate(x, y)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y) < first


def test_sgd_momentum_and_rmsprop_follow_their_update_rules():
    p, g = np.array([1.0, -2.0], dtype=np.float32), np.array([0.5, 0.25], dtype=np.float32)
    rms = keras.optimizers.RMSprop(learning_rate=0.1, rho=0.9)
    q = p.copy()
    rms.update(q, g, "w", 1)
    s = 0.1 * g**2
    np.testing.assert_allclose(q, p - 0.1 * g / np.sqrt(s + 1e-7), rtol=1e-6)
    adamw = keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    q = p.copy()
    adamw.update(q, np.zeros_like(g), "w", 1)  # step 1 with no gradient: only the decay acts
    np.testing.assert_allclose(q, p * (1 - 0.1 * 0.5), rtol=1e-6)


# -- callbacks ---------------------------------------------------------------------------------------


def test_early_stopping_stops_and_restores_the_best_weights(rng):
    x, y = blobs(rng, 64)
    model = small()
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", ["accuracy"])
    seen = []
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((logs["loss"], model.get_weights()))
    )
    stop.improved = lambda value, best: best is None  # only the first epoch counts as an improvement
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0, callbacks=[spy, stop])
    assert len(history.history["loss"]) == 2 and stop.stopped_epoch == 1  # patience 1: stops at the 2nd epoch
    for restored, best in zip(model.get_weights(), seen[0][1]):
        np.testing.assert_array_equal(restored, best)


def test_early_stopping_patience_counts_like_keras():
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)

    class Fake:
        stop_training = False

    stop.set_model(Fake())
    stop.on_train_begin()
    stopped = []
    for epoch, value in enumerate([1.0, 0.5, 0.6, 0.7, 0.8]):
        stop.on_epoch_end(epoch, {"val_loss": value})
        stopped.append(stop.model.stop_training)
    assert stopped == [False, False, False, True, True]  # two epochs without improvement, then stop


def test_learning_rate_scheduler_and_checkpoint(rng, tmp_path):
    x, y = blobs(rng, 48)
    model = small()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
    save = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "w-{epoch:02d}.weights.npz"), monitor="loss", save_weights_only=True
    )
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[schedule, save])
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"w-0{k}.weights.npz" for k in (1, 2, 3)]
    fresh = small(seed=5)
    fresh.load_weights(tmp_path / "w-03.weights.npz")
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_a_diverging_loss_stops_training_and_says_so(rng, capsys):
    x, y = blobs(rng, 64)
    model = small()
    model.compile(keras.optimizers.SGD(1e6), "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    out = capsys.readouterr().out
    assert "Training stopped" in out and "learning rate" in out
    assert len(history.history["loss"]) == 1 and not math.isfinite(history.history["loss"][0])


# -- weights and whole models in files ------------------------------------------------------------------


def test_weights_and_models_round_trip_exactly(rng, tmp_path):
    x, y = blobs(rng, 32)
    inputs = keras.Input((6, 6, 1))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    b = layers.BatchNormalization()(layers.Conv2D(4, 1)(a))
    outputs = layers.Dense(3, activation="softmax")(layers.Flatten()(layers.Add()([a, b])))
    model = keras.Model(inputs, outputs, seed=1)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    other = keras.Model(*_same_graph(seed=7))
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def _same_graph(seed):
    inputs = keras.Input((6, 6, 1))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    b = layers.BatchNormalization()(layers.Conv2D(4, 1)(a))
    return inputs, layers.Dense(3, activation="softmax")(layers.Flatten()(layers.Add()([a, b])))


def test_mismatched_and_corrupt_files_change_nothing(rng, tmp_path):
    model = small()
    model.save_weights(tmp_path / "small.npz")
    bigger = small(classes=4)
    before = bigger.get_weights()
    with pytest.raises(
        ValueError, match=r"dense/kernel: the model has \(64, 4\), the file \(64, 3\).*Nothing was changed"
    ):
        bigger.load_weights(tmp_path / "small.npz")
    other = keras.models.Sequential([layers.Flatten(input_shape=(6, 6, 1)), layers.Dense(3)])
    with pytest.raises(ValueError, match=re.escape("not in the model: ['conv2d/bias', 'conv2d/kernel']")):
        other.load_weights(tmp_path / "small.npz")
    for got, old in zip(bigger.get_weights(), before):
        np.testing.assert_array_equal(got, old)
    (tmp_path / "broken.npz").write_bytes((tmp_path / "small.npz").read_bytes()[:200])
    with pytest.raises(ValueError, match=r"not a cnnviz weights file.*or it is damaged"):
        model.load_weights(tmp_path / "broken.npz")
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="has no description"):
        model.load_weights(tmp_path / "plain.npz")
    np.save(tmp_path / "pickled.npy", np.array([{"code": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a cnnviz"):
        model.load_weights(tmp_path / "pickled.npy")
    with pytest.raises(ValueError, match="set_weights expects 4 arrays"):
        model.set_weights(model.get_weights()[:2])


# -- wrong use: each finding, answered clearly ----------------------------------------------------------


def test_the_same_layer_twice_in_a_sequential_is_refused():
    relu = layers.ReLU()
    with pytest.raises(ValueError, match="Layer 're_lu' is already in this Sequential model"):
        keras.models.Sequential([layers.Dense(4, input_shape=(3,)), relu, layers.Dense(4), relu])


def test_inputs_are_checked_against_the_declared_shape(rng):
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=re.escape("expected shape=(None, 6, 6, 1), found shape=(2, 12, 12, 1)")
    ):
        model.predict(np.zeros((2, 12, 12, 1)))
    with pytest.raises(ValueError, match=re.escape("found shape=(4, 6, 6, 3)")):
        model.fit(np.zeros((4, 6, 6, 3)), np.zeros(4, int), verbose=0)
    with pytest.raises(ValueError, match=re.escape("add it with x[None]")):
        model.predict(np.zeros((6, 6, 1)))


def test_labels_are_checked(rng):
    x, y = blobs(rng, 8)
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=re.escape("expects whole class numbers as labels; received 0.7")):
        model.fit(x, np.full(8, 0.7), verbose=0)
    with pytest.raises(ValueError, match="which look one-hot: use loss='categorical_crossentropy'"):
        model.fit(x, np.eye(3)[y], verbose=0)
    with pytest.raises(
        ValueError, match=re.escape("expects labels in 0..2 for K=3 classes; received labels from 0 to 7")
    ):
        model.fit(x, np.arange(8), verbose=0)
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(
        ValueError, match="These look like integer class labels: use loss='sparse_categorical_crossentropy'"
    ):
        model.fit(x, y, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y.astype(np.float32), verbose=0)  # whole numbers as floats are classes, as in Keras


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((8.5, 8, 1), "whole sizes >= 1"),
        ("881", "as a tuple of sizes"),
        ((None, 8, 8, 1), re.escape("without the batch axis: use input_shape=(8, 8, 1)")),
        ((0, 8, 1), "whole sizes >= 1"),
    ],
)
def test_input_shape_is_checked(shape, message):
    with pytest.raises((TypeError, ValueError), match=message):
        layers.Dense(3, input_shape=shape)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1; received batch_size=0"),
        ({"batch_size": -1}, ValueError, "batch_size must be >= 1; received batch_size=-1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be a whole number"),
        (
            {"validation_split": 1.0},
            ValueError,
            re.escape("validation_split in [0, 1); received validation_split=1.0"),
        ),
        ({"validation_split": -0.2}, ValueError, re.escape("validation_split in [0, 1)")),
        ({"validation_split": 0.9}, ValueError, "leaves 0 for training and 8 for validation"),
        (
            {"validation_data": np.zeros((2, 6, 6, 1))},
            TypeError,
            re.escape("validation_data as a pair (x_val, y_val)"),
        ),
        ({"epochs": "3"}, TypeError, "epochs must be a whole number"),
        ({"verbose": 3}, ValueError, "verbose must be 0, 1, 2 or 'auto'"),
        ({"sample_weight": np.ones(8)}, ValueError, "cnnviz does not offer sample_weight"),
    ],
)
def test_fit_arguments_are_checked(rng, kwargs, error, message):
    x, y = blobs(rng, 8)
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(error, match=message):
        model.fit(x, y, **{"verbose": 0, **kwargs})


def test_empty_data_and_a_missing_compile_are_explained(rng):
    x, y = blobs(rng, 8)
    model = small()
    for call in (lambda: model.fit(x, y), lambda: model.evaluate(x, y), lambda: model.train_on_batch(x, y)):
        with pytest.raises(
            ValueError, match=re.escape("Call compile(optimizer=..., loss=..., metrics=[...]) before")
        ):
            call()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="fit received 0 samples"):
        model.fit(x[:0], y[:0])
    with pytest.raises(ValueError, match="evaluate received 0 samples"):
        model.evaluate(x[:0], y[:0])
    assert model.predict(x[:0]).shape == (0, 3)


def test_a_nan_pixel_is_refused_before_it_spoils_the_weights(rng):
    x, y = blobs(rng, 8)
    x[3, 1, 1, 0] = np.nan
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=re.escape("x holds 1 NaN or infinite value(s), in sample(s) [3]")):
        model.fit(x, y, verbose=0)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: keras.optimizers.Adam(learning_rate="0.01"),
            TypeError,
            "learning_rate as a number; received learning_rate='0.01'",
        ),
        (
            lambda: keras.optimizers.SGD(learning_rate=math.inf),
            ValueError,
            "learning_rate as a finite number > 0",
        ),
        (
            lambda: keras.optimizers.Adam(beta_1=1.5),
            ValueError,
            re.escape("beta_1 in [0, 1); received beta_1=1.5"),
        ),
        (
            lambda: layers.Conv2D(4, 3, padding="full"),
            ValueError,
            "padding 'valid' or 'same' .*received padding='full'",
        ),
        (lambda: layers.Conv2D(4, 3, strides=0), ValueError, "strides must be >= 1; received strides=0"),
        (
            lambda: layers.BatchNormalization(momentum=2),
            ValueError,
            re.escape("momentum in [0, 1]; received momentum=2"),
        ),
        (lambda: layers.BatchNormalization(epsilon=0), ValueError, "epsilon > 0; received epsilon=0"),
        (lambda: layers.Conv2D(4, 3, data_format="channels_first"), ValueError, "channels last"),
        (lambda: layers.Dense(3, activation=lambda v: v), TypeError, "an activation must be one it knows"),
        (
            lambda: layers.Dense(3, kernel_initializer="orthogonal"),
            ValueError,
            "Unknown kernel_initializer 'orthogonal'",
        ),
    ],
)
def test_impossible_settings_are_refused_when_made(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_compile_mistakes_are_explained():
    model = small()
    with pytest.raises(ValueError, match="Keras' order is compile\\(optimizer, loss, metrics\\)"):
        model.compile("sparse_categorical_crossentropy", "adam")
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        model.compile("adam", "sparse_categorical_crossentropy", ["acuracy"])
    with pytest.raises(TypeError, match="write Adam\\(\\) \\(with parentheses\\) or 'adam'"):
        model.compile(keras.optimizers.Adam, "sparse_categorical_crossentropy")
    model.compile("adam", "sparse_categorical_crossentropy", metrics="accuracy")  # one name: accepted
    assert model.metrics_names == ["loss", "accuracy"]


def test_concatenate_axis_out_of_range_is_explained():
    a = keras.Input((4, 4, 2))
    with pytest.raises(ValueError, match="Concatenate\\(axis=5\\) does not fit inputs"):
        layers.Concatenate(axis=5)([a, layers.Conv2D(2, 1)(a)])


def test_weights_larger_than_memory_are_refused_before_allocating():
    model = keras.models.Sequential([layers.Flatten(input_shape=(1000, 1000, 3)), layers.Dense(10**7)])
    assert model.count_params() == 30_000_010_000_000  # counting costs nothing
    with pytest.raises(ValueError, match=r"the weights would have shape .* GiB, more than this machine's"):
        model.build()


# -- labels: to_categorical's size, booleans (issue 20, point 11) ---------------------------------------


def test_to_categorical_makes_only_the_rows_it_returns():
    """A large label needs one long row, not the num_classes × num_classes identity (7 TiB for 10⁶)."""
    one_hot = keras.utils.to_categorical([10**6])
    assert one_hot.shape == (1, 10**6 + 1) and one_hot[0, 10**6] == 1 and one_hot.sum() == 1
    np.testing.assert_array_equal(keras.utils.to_categorical([[2], [0]], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(
        ValueError, match=r"to_categorical: the one-hot labels would have shape \(100000, 100000\)"
    ):
        keras.utils.to_categorical(np.arange(10**5))  # 80 GB, refused before numpy tries
    with pytest.raises(ValueError, match="to_categorical: the one-hot labels would have shape"):
        keras.utils.to_categorical([0, 1], 10**12)
    with pytest.raises(TypeError, match="expects integer class labels; received dtype float64"):
        keras.utils.to_categorical([1e300])


def test_boolean_labels_are_classes_one_and_zero_as_in_keras(rng):
    np.testing.assert_array_equal(keras.utils.to_categorical([True, False]), [[0, 1], [1, 0]])
    x, y = blobs(rng, 32, classes=2)
    model = small(classes=2)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.fit(x, y.astype(bool), epochs=1, verbose=0)
    assert model.evaluate(x, y.astype(bool), verbose=0) == model.evaluate(x, y, verbose=0)
    assert model.train_on_batch(x, y.astype(bool))
    model.compile("adam", "categorical_crossentropy", ["accuracy"])
    one_hot = np.eye(2, dtype=bool)[y]
    assert model.evaluate(x, one_hot, verbose=0) == model.evaluate(x, one_hot.astype(int), verbose=0)


def test_importing_cnnviz_keras_loads_no_plotting_code():
    """Training code needs no matplotlib or IPython: ``LivePlot`` is imported only when asked for."""
    import subprocess
    import sys

    code = (
        "import sys, cnnviz.keras; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'IPython', 'ipywidgets'}), "
        "'cnnviz.plot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] False"
    from cnnviz.keras.callbacks import LivePlot

    assert LivePlot.__name__ == "LivePlot"


# -- a batch too large for the memory is announced before it runs (issue 20, point 13) ---------------


def mnist_cnn():
    return keras.models.Sequential(
        [
            layers.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, y: m.predict(x, batch_size=60_000, verbose=0),
        lambda m, x, y: m.predict_on_batch(x),
        lambda m, x, y: m.fit(x, y, batch_size=60_000, verbose=0),
        lambda m, x, y: m.evaluate(x, y, batch_size=100_000, verbose=0),
        lambda m, x, y: m.train_on_batch(x, y),
    ],
    ids=["predict", "predict_on_batch", "fit", "evaluate", "train_on_batch"],
)
def test_a_batch_of_all_60000_images_is_announced_before_it_runs(call, monkeypatch):
    """9.3 GB of activations (measured: 9.3 GB and 54 s), announced from the layers' shapes alone."""
    import cnnviz.training

    monkeypatch.setattr(cnnviz.training, "usable_memory_bytes", lambda: 16 * 10**9)
    model = mnist_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    x = np.broadcast_to(np.float32(0.5), (60_000, 28, 28, 1))  # a view: no images are made
    y = np.zeros(60_000, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning stops the call before the 9 GB batch runs
        with pytest.raises(
            UserWarning, match=r"one batch of 60,000 samples will hold about 9\.3 GB of activations"
        ):
            call(model, x, y)


def test_train_on_batch_checks_a_batch_shape_once(rng, monkeypatch):
    """A loop of train_on_batch warns when the batch's shape or the layers change, not at every step (nor reads
    the memory again)."""
    import cnnviz.training

    x, y = blobs(rng, 64)
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    asked = []
    monkeypatch.setattr(cnnviz.training, "usable_memory_bytes", lambda: asked.append(1) or 1000)
    with pytest.warns(UserWarning, match="train_on_batch: one batch of 16 samples") as caught:
        for _ in range(3):
            model.train_on_batch(x[:16], y[:16])
    assert len(caught) == 1 and len(asked) == 1
    with pytest.warns(UserWarning, match="one batch of 8 samples"):  # a new shape: checked again
        model.train_on_batch(x[:8], y[:8])
    model.add(layers.Dense(3, activation="softmax"))  # the same batch, a layer more: checked again
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="one batch of 8 samples"):
        model.train_on_batch(x[:8], y[:8])


def test_the_batch_warning_comes_once_per_call_and_not_for_small_batches(rng, monkeypatch):
    import cnnviz.training

    x, y = blobs(rng, 64)
    model = small()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)  # warnings are errors in the tests: none here
    per_sample = sum(math.prod(out) for _, out in model.node_shapes()) + 6 * 6
    monkeypatch.setattr(
        cnnviz.training, "usable_memory_bytes", lambda: 4 * per_sample * 16 * 4
    )  # 16 samples: a quarter
    with pytest.warns(UserWarning, match="Use a smaller batch_size") as caught:
        model.fit(x, y, batch_size=17, epochs=3, verbose=0)
    assert len(caught) == 1
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # exactly a quarter: no warning
