"""Models in files (issue 20, points 1-3 and 11): every layer class saves and loads, saves are
atomic, loads check everything before they change anything, and checkpoints say what is wrong.

The layer classes are found by walking ``cnnviz.layers`` and ``cnnviz.keras.layers``, so a new
class is tested as soon as it exists (if it needs an argument this file has no example value
for, the test names it)."""

import inspect
import math
import os
import re

import numpy as np
import pytest

from cnnviz import architectures, keras
from cnnviz import layers as L
from cnnviz.callbacks import EarlyStopping, ModelCheckpoint
from cnnviz.keras import layers as keras_layers
from cnnviz.models import Model, Sequential, load_model
from cnnviz.optimizers import SGD, Adam


def layer_classes():
    """Every public layer class of cnnviz (what a learner can put in a model), by name."""
    found = {}
    for module in (L, keras_layers):
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, L.Layer)
                and not name.startswith("_")
                and value not in (L.Layer, L.InputLayer)  # the base; keras.Input's is in every Model here
            ):
                found[name] = value
    return found


# A value for each argument some layer requires (an image of 6×6×2 is the usual input)
REQUIRED = {
    "filters": 3,
    "kernel_size": 3,
    "units": 4,
    "rate": 0.5,
    "activation": "tanh",
    "scale": 0.5,
    "target_shape": (12, 6),
}
INPUTS = [(6, 6, 2), (6, 2), (5,)]  # an image, a signal, a vector: the first the layer takes is used

# Arguments other than the defaults, to round-trip too
VARIANTS = [
    (
        "Conv2D",
        dict(filters=2, kernel_size=(3, 2), strides=2, padding="same", activation="relu", use_bias=False),
    ),
    (
        "Conv2D",
        dict(
            filters=2,
            kernel_size=2,
            padding=((1, 0), (0, 1)),
            dilation_rate=2,
            kernel_initializer="he_normal",
        ),
    ),
    ("Conv1D", dict(filters=2, kernel_size=2, strides=2, padding="same", activation="sigmoid")),
    ("Conv2DTranspose", dict(filters=2, kernel_size=2, strides=2, padding="same", activation="relu")),
    ("Dense", dict(units=3, activation="softmax", use_bias=False, kernel_initializer="glorot_normal")),
    ("MaxPooling2D", dict(pool_size=3, strides=1, padding="same")),
    ("AveragePooling2D", dict(pool_size=(2, 3), strides=(1, 2))),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same")),
    ("BatchNormalization", dict(momentum=0.9, epsilon=1e-5)),
    ("Dropout", dict(rate=0.25, seed=3)),
    ("LeakyReLU", dict(negative_slope=0.1)),
    ("Softmax", dict(axis=1)),
    ("Rescaling", dict(scale=1 / 255, offset=-0.5)),
    ("ZeroPadding2D", dict(padding=((1, 2), (0, 1)))),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1)))),
    ("UpSampling2D", dict(size=(1, 3))),
    ("GlobalMaxPooling2D", dict(keepdims=True)),
    ("GlobalMaxPooling1D", dict(keepdims=True)),
    ("Concatenate", dict(axis=1)),
]


def example(cls):
    """(arguments, input shape) for a small instance of ``cls``."""
    arguments = {}
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.name != "self" and p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD:
            if p.name not in REQUIRED:
                pytest.fail(
                    f"tests/test_saving.py has no example value for {cls.__name__}'s argument {p.name!r}"
                )
            arguments[p.name] = REQUIRED[p.name]
    return arguments, input_shape_for(cls(**arguments))


def input_shape_for(layer):
    for shape in INPUTS:
        try:
            layer.output_shape([shape, shape] if layer.merges else shape)
            return shape
        except ValueError:
            continue
    pytest.fail(f"{layer!r} takes none of the example inputs {INPUTS}")


def models_with(cls, arguments, shape):
    """The models to save: a functional one and, for one-input layers, a Sequential one."""
    x = L.Input(shape)
    if cls.merges:  # two branches to join
        made = [Model(x, cls(**arguments)([x, L.Rescaling(2.0, 1.0)(x)]), seed=1)]
    else:
        made = [Model(x, cls(**arguments)(x), seed=1), Sequential([L.Input(shape), cls(**arguments)], seed=2)]
    for model in made:
        model.build(shape)
        rng = np.random.default_rng(0)
        # weights other than their initial values, all positive (a moving variance must be)
        model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in model.get_weights()])
    return made


def round_trip(model, path, rng):
    """Save, load, and check the loaded model computes what the saved one did."""
    model.save(path)
    loaded = load_model(path)
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert [a.get_config() for a in loaded.layers] == [b.get_config() for b in model.layers]
    x = rng.normal(size=(3, *model.expected_input_shape())).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    return loaded


def all_examples():
    cases = [(name, None) for name in sorted(layer_classes())]
    return cases + [(name, arguments) for name, arguments in VARIANTS]


@pytest.mark.parametrize(("name", "arguments"), all_examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_layer_class_round_trips_through_a_file(name, arguments, rng, tmp_path):
    cls = layer_classes()[name]
    if arguments is None:
        arguments, shape = example(cls)
    else:
        shape = input_shape_for(cls(**arguments))
    for k, model in enumerate(models_with(cls, arguments, shape)):
        round_trip(model, tmp_path / f"{k}.npz", rng)
        layer = model.layers[-1]
        copy = type(layer).from_config(layer.get_config())  # the same, without a file
        assert copy.get_config() == layer.get_config()


def test_the_layer_walk_finds_every_layer():
    # a guard on the walk itself: the classes the issue names, and the merges, are all in it
    found = layer_classes()
    for name in ("ReLU", "UpSampling2D", "BatchNormalization", "Add", "Concatenate", "Softmax", "Dropout"):
        assert name in found
    assert len(found) >= 30
    assert {name for name, _ in VARIANTS} <= set(found)


def test_the_issues_examples_save(rng, tmp_path):
    model = Sequential([L.Conv2D(2, 3, input_shape=(8, 8, 1)), L.ReLU()])
    round_trip(model, tmp_path / "m.npz", rng)  # was KeyError: 'activation'
    model = Sequential([L.Conv2D(2, 3, input_shape=(8, 8, 1)), L.UpSampling2D()])
    round_trip(model, tmp_path / "u.npz", rng)  # was AttributeError: no attribute 'interpolation'


def notebook_09_bn_model(seed=1):
    """Notebook 10's small network with BatchNormalization between each convolution and its ReLU."""

    def block(filters, **first):
        return [
            keras.layers.Conv2D(filters, 3, padding="same", **first),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.ReLU(),
        ]

    return keras.models.Sequential(
        [
            *block(16, input_shape=[28, 28, 1]),
            keras.layers.MaxPooling2D(2),
            *block(32),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ],
        seed=seed,
    )


def test_notebook_09_bn_model_trains_checkpoints_and_reloads(rng, tmp_path):
    x = rng.normal(size=(64, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    model = notebook_09_bn_model()
    model.compile(SGD(learning_rate=3e-2), "sparse_categorical_crossentropy", ["accuracy"])
    checkpoint = ModelCheckpoint(str(tmp_path / "bn-{epoch}.npz"), monitor="loss")
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[checkpoint])  # crashed at epoch 1's end
    loaded = round_trip(model, tmp_path / "bn.npz", rng)
    assert loaded.loss is not None and type(loaded.optimizer) is SGD
    np.testing.assert_array_equal(load_model(tmp_path / "bn-2.npz").predict(x[:4]), model.predict(x[:4]))


def test_resnet50_round_trips(rng, tmp_path):
    model = architectures.resnet50(input_shape=(32, 32, 3), classes=5, seed=0)
    round_trip(model, tmp_path / "resnet50.npz", rng)


def test_a_functional_model_with_shortcuts_and_skips_round_trips(rng, tmp_path):
    x = L.Input((8, 8, 2))
    a = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    b = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(a)))
    c = L.Add()([a, b])
    d = L.UpSampling2D()(L.MaxPooling2D()(c))
    e = L.Concatenate()([c, d, L.Conv2DTranspose(2, 1)(x)])
    model = Model(x, L.Dense(3, activation="softmax")(L.GlobalAveragePooling2D()(e)), seed=3)
    model.compile(Adam(learning_rate=np.float32(0.01)), "sparse_categorical_crossentropy", ["accuracy"])
    loaded = round_trip(model, tmp_path / "graph.npz", rng)
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)


# -- saving: atomic, and numpy numbers as plain ones -----------------------------------------------


def small(seed=0):
    model = Sequential(
        [L.Conv2D(2, 3, input_shape=(6, 6, 1)), L.Flatten(), L.Dense(3, activation="softmax")], seed=seed
    )
    model.compile(Adam(), "sparse_categorical_crossentropy")
    model.build()
    return model


def test_a_numpy_learning_rate_is_saved_as_a_number(tmp_path):
    model = small()
    model.save(tmp_path / "g.npz")
    model.optimizer.learning_rate = np.float32(0.01)  # was TypeError: float32 is not JSON serializable
    model.save(tmp_path / "g.npz")
    assert load_model(tmp_path / "g.npz").optimizer.learning_rate == pytest.approx(0.01)


@pytest.mark.parametrize("method", ["save", "save_weights"])
def test_a_failed_save_leaves_the_old_file_byte_identical(method, tmp_path, monkeypatch):
    model = small()
    path = tmp_path / "g.npz"
    getattr(model, method)(path)
    before = path.read_bytes()
    # fail halfway through writing: after some arrays are in the archive
    original = np.lib.format.write_array
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(OSError, match="disk full"):
        getattr(model, method)(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.npz"]  # no temporary file left behind


def test_a_description_that_cannot_be_written_leaves_the_old_file(tmp_path):
    model = small()
    path = tmp_path / "g.npz"
    model.save(path)
    before = path.read_bytes()
    model.optimizer.learning_rate = object()  # no number at all
    with pytest.raises(TypeError, match=r"cannot save .*object"):
        model.save(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("method", ["save", "save_weights", "load_weights"])
@pytest.mark.parametrize("path", [1, None, b"x.npz", 2.5])
def test_a_path_that_is_not_one_is_refused(method, path, capsys):
    model = small()
    with pytest.raises(TypeError, match=f"{method} expects a file path .*received"):
        getattr(model, method)(path)
    print("stdout still open")  # save(1) used to write to file descriptor 1, then close it
    assert "stdout still open" in capsys.readouterr().out


def test_load_model_refuses_a_path_that_is_not_one():
    with pytest.raises(TypeError, match="load_model expects a file path"):
        load_model(3)


def test_checkpoint_saves_atomically_and_keeps_the_best_file(tmp_path, rng):
    x = rng.normal(size=(32, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    model = small()
    path = tmp_path / "best.npz"
    model.fit(
        x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(str(path), monitor="loss", save_best_only=True)]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz"]


# -- loading: everything checked, then everything assigned ---------------------------------------


def write_weights(path, arrays, config=None):
    """A weights file as cnnviz writes it, with chosen arrays."""
    import json

    from cnnviz._files import CONFIG_KEY

    np.savez(
        path, **{CONFIG_KEY: np.array(json.dumps(config or {"kind": "weights", "model": "m"}))}, **arrays
    )


def weights_of(model):
    return {f"{layer.name}/{name}": layer.params[name] for layer in model.layers for name in layer.params}


@pytest.mark.parametrize(
    ("last", "match"),
    [
        (lambda shape: np.full(shape, "x"), r"dense/bias: the file holds <U1 values, not real numbers"),
        (
            lambda shape: np.zeros(shape, "datetime64[s]"),
            r"dense/bias: the file holds datetime64\[s\] values",
        ),
        (lambda shape: np.zeros(shape, complex), r"dense/bias: the file holds complex128 values"),
        (
            lambda shape: np.full(shape, 1e300),
            r"dense/bias holds values up to 1e\+300, beyond float32's range",
        ),
        (
            lambda shape: np.full(shape, 2**64 - 1, np.uint64),
            r"whole numbers up to 18,446,744,073,709,551,615",
        ),
        (lambda shape: np.full(shape, 2**24 + 1, np.int64), r"float32 would round"),
    ],
)
def test_a_failed_load_changes_nothing(last, match, tmp_path):
    model = small()
    arrays = {key: value + 1 for key, value in weights_of(model).items()}  # different values...
    arrays["dense/bias"] = last(arrays["dense/bias"].shape)  # ...and a bad last array
    write_weights(tmp_path / "bad.npz", arrays)
    before = [w.tobytes() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.load_weights(tmp_path / "bad.npz")
    assert [w.tobytes() for w in model.get_weights()] == before


def test_weights_of_other_real_dtypes_load(tmp_path):
    model = small()
    arrays = {key: np.round(value * 10).astype(np.int16) for key, value in weights_of(model).items()}
    arrays["conv2d/kernel"] = weights_of(model)["conv2d/kernel"].astype(np.float64)
    write_weights(tmp_path / "ints.npz", arrays)
    model.load_weights(tmp_path / "ints.npz")
    assert all(w.dtype == np.float32 for w in model.get_weights())
    np.testing.assert_array_equal(model.layers[-1].params["bias"], arrays["dense/bias"])


def test_nan_weights_load_with_a_warning(tmp_path):
    model = small()
    arrays = dict(weights_of(model))
    arrays["dense/kernel"] = arrays["dense/kernel"].copy()
    arrays["dense/kernel"][0, :2] = [np.nan, np.inf]
    write_weights(tmp_path / "nan.npz", arrays)
    with pytest.warns(UserWarning, match=r"NaN or infinite weights: dense/kernel \(2 values\)"):
        model.load_weights(tmp_path / "nan.npz")
    assert np.isnan(model.layers[-1].params["kernel"][0, 0])


# -- callbacks after a NaN, and a checkpoint's file name ------------------------------------------


def diverging(rng):
    x = rng.normal(size=(64, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    model = small()
    model.compile(SGD(1e6), "sparse_categorical_crossentropy")
    return model, x, y


@pytest.mark.parametrize(
    "callback",
    [
        lambda path: EarlyStopping(restore_best_weights=True),
        lambda path: ModelCheckpoint(str(path), save_best_only=True),
        lambda path: ModelCheckpoint(str(path) + "-{val_loss:.2f}.npz"),
    ],
)
def test_callbacks_after_the_loss_turns_nan_do_not_blame_validation(callback, rng, tmp_path, capsys):
    model, x, y = diverging(rng)
    history = model.fit(
        x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0, callbacks=[callback(tmp_path / "w")]
    )
    assert not math.isfinite(history.history["loss"][-1])
    out = capsys.readouterr().out
    assert "Training stopped" in out and "validation" not in out
    assert not list(tmp_path.iterdir())  # no NaN weights written


def test_a_checkpoint_never_writes_nan_weights_over_a_good_file(rng, tmp_path, capsys):
    model, x, y = diverging(rng)
    path = tmp_path / "w.npz"
    model.save(path)
    before = path.read_bytes()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[ModelCheckpoint(str(path), monitor="loss")])
    assert path.read_bytes() == before
    assert "nothing saved" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("callback", "match"),
    [
        (
            lambda: ModelCheckpoint("w-{val_loss:.2f}.npz"),
            r"ModelCheckpoint needs \['val_loss'\], which fit logs only with validation data",
        ),
        (lambda: ModelCheckpoint("w.npz", save_best_only=True), r"ModelCheckpoint needs \['val_loss'\]"),
        (lambda: EarlyStopping(), r"EarlyStopping needs \['val_loss'\].*validation_split=0.1"),
    ],
)
def test_val_numbers_without_validation_data_are_refused_before_training(
    callback, match, rng, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    model, x, y = diverging(rng)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callback()])
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # refused before the first step


def test_a_checkpoint_name_with_an_unlogged_number_names_it(rng, tmp_path):
    model = small()
    x, y = rng.normal(size=(8, 6, 6, 1)).astype(np.float32), rng.integers(0, 3, 8)
    checkpoint = ModelCheckpoint(str(tmp_path / "w-{acuracy:.2f}.npz"), monitor="loss")
    with pytest.raises(
        ValueError, match=re.escape("names ['acuracy'], which fit does not log at epoch 1; it logs ['loss']")
    ):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    with pytest.raises(ValueError, match="has a field without a name"):
        ModelCheckpoint("w-{}.npz")
    with pytest.raises(ValueError, match="not a valid template"):
        ModelCheckpoint("w-{epoch.npz")


def test_a_nan_value_is_never_the_best(rng):
    stop = EarlyStopping(monitor="loss")
    assert stop.improved(1.0, None) and not stop.improved(float("nan"), None)
    assert not stop.improved(float("nan"), 1.0)


def test_load_model_takes_linear_time_in_the_number_of_layers(tmp_path):
    import time

    def seconds(n):
        model = Sequential([L.Rescaling(1.0, input_shape=(2,)) for _ in range(n)])
        model.save(tmp_path / f"{n}.npz")
        start = time.perf_counter()
        load_model(tmp_path / f"{n}.npz")
        return time.perf_counter() - start

    small_time, large_time = min(seconds(500) for _ in range(2)), min(seconds(4000) for _ in range(2))
    assert large_time < 1.5 and large_time < 8 * 4 * small_time  # 8 times the layers: n² would be 64 times
    assert os.path.exists(tmp_path / "4000.npz")


def test_keras_saving_functions(rng, tmp_path):
    model = small()
    keras.saving.save_model(model, tmp_path / "k.npz")
    round_trip(keras.saving.load_model(tmp_path / "k.npz"), tmp_path / "k2.npz", rng)
    with pytest.raises(TypeError, match=r"save_model expects a cnnviz model .* received model of type str"):
        keras.saving.save_model("model.npz", model)


def test_set_weights_checks_every_dtype_before_changing_anything():
    model = small()
    before = [w.tobytes() for w in model.get_weights()]
    weights = [w + 1 for w in model.get_weights()]
    weights[-1] = np.full(weights[-1].shape, "x")
    with pytest.raises(TypeError, match=r"dense/bias holds real numbers; received an array of dtype <U1"):
        model.set_weights(weights)
    assert [w.tobytes() for w in model.get_weights()] == before


def test_monitoring_val_loss_skips_the_epochs_validation_freq_leaves_out(rng):
    model, x, y = diverging(rng)
    model.compile(SGD(0.01), "sparse_categorical_crossentropy")
    stop = EarlyStopping(patience=5)
    history = model.fit(x, y, epochs=4, validation_split=0.25, validation_freq=2, verbose=0, callbacks=[stop])
    assert len(history.history["val_loss"]) == 2
    with pytest.warns(  # as Keras: a warning, and the run carries on
        UserWarning,
        match=r"monitors 'val_acuracy', which fit does not log; it logs \['loss', 'val_loss'\], so",
    ):
        history = model.fit(
            x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[EarlyStopping("val_acuracy")]
        )
    assert len(history.history["loss"]) == 2
