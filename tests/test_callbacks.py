"""Callbacks (cnnviz.callbacks): ReduceLROnPlateau and CSVLogger as Keras counts and writes them,
EarlyStopping's settings, and fit's progress lines with the validation numbers."""

import csv

import numpy as np
import pytest

from cnnviz import callbacks, keras
from cnnviz.keras import layers, models


class _Optimizer:
    learning_rate = 0.1


class _Model:
    """What a callback reaches through self.model: the optimizer and the stop flag."""

    stop_training = False

    def __init__(self):
        self.optimizer = _Optimizer()


def reductions(values, **settings):
    """The learning rate after each epoch's end, when ``monitor`` logs ``values`` one per epoch."""
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", **settings)
    reduce.set_model(_Model())
    reduce.on_train_begin()
    rates = []
    for epoch, value in enumerate(values):
        logs = {"loss": value}
        reduce.on_epoch_end(epoch, logs)
        assert logs["learning_rate"] == (rates[-1] if rates else 0.1)  # the rate this epoch ran with
        rates.append(reduce.model.optimizer.learning_rate)
    return rates


def test_reduce_lr_on_plateau_has_keras_defaults():
    reduce = keras.callbacks.ReduceLROnPlateau()
    assert (reduce.monitor, reduce.factor, reduce.patience, reduce.verbose, reduce.mode) == (
        "val_loss",
        0.1,
        10,
        0,
        "min",
    )
    assert (reduce.min_delta, reduce.cooldown, reduce.min_lr) == (1e-4, 0, 0.0)


def test_reduce_lr_on_plateau_waits_patience_epochs_then_multiplies_by_factor():
    rates = reductions([1.0, 1.0, 1.0, 0.5, 0.5, 0.5], factor=0.5, patience=2)
    # epochs 1 and 2 do not improve on 1.0: the 2nd of them reduces; 0.5 improves; two more epochs reduce again
    assert rates == [0.1, 0.1, 0.05, 0.05, 0.05, 0.025]


def test_reduce_lr_on_plateau_counts_min_delta_cooldown_and_min_lr_as_keras():
    # a change of 1e-5 is no improvement under min_delta = 1e-4
    assert reductions([1.0, 1.0 - 1e-5], factor=0.5, patience=1) == [0.1, 0.05]
    # after a reduction the cooldown counts down, 2 → 1 → 0, and the epoch it reaches 0 waits again (Keras' order)
    assert reductions([1.0] * 6, factor=0.5, patience=1, cooldown=2) == [
        0.1,
        0.05,
        0.05,
        0.025,
        0.025,
        0.0125,
    ]
    # never below min_lr, and no change once there
    assert reductions([1.0] * 4, factor=0.1, patience=1, min_lr=0.005) == pytest.approx(
        [0.1, 0.01, 0.005, 0.005]
    )
    # mode max (an accuracy grows)
    reduce = callbacks.ReduceLROnPlateau(monitor="val_accuracy", patience=1)
    assert reduce.mode == "max"


def test_reduce_lr_on_plateau_in_fit_logs_the_learning_rate(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 2, 32)
    model = models.Sequential([layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0, verbose=1)
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[reduce])
    # each epoch logs the rate it ran with; min_delta=10: no epoch after the first improves
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05] and model.optimizer.learning_rate == 0.025
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05." in capsys.readouterr().out


@pytest.mark.parametrize(
    "settings, error, message",
    [
        ({"factor": 1.0}, ValueError, r"ReduceLROnPlateau expects factor in \(0, 1\); received factor=1.0"),
        ({"patience": 2.5}, TypeError, "ReduceLROnPlateau expects patience as a whole number"),
        ({"cooldown": -1}, ValueError, "ReduceLROnPlateau expects cooldown >= 0; received cooldown=-1"),
        ({"min_lr": -0.1}, ValueError, "min_lr >= 0"),
        ({"mode": "up"}, ValueError, "expects mode 'auto', 'min' or 'max'"),
    ],
)
def test_reduce_lr_on_plateau_refuses_impossible_settings(settings, error, message):
    with pytest.raises(error, match=message):
        callbacks.ReduceLROnPlateau(**settings)


def fitted_with(logger, epochs=2, **fit):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 4)).astype(np.float32), rng.integers(0, 2, 24)
    model = models.Sequential([layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[logger], **fit)


def test_csv_logger_writes_keras_columns_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    history = fitted_with(keras.callbacks.CSVLogger(path), validation_split=0.25)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]  # epoch, then sorted
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert [float(row["val_loss"]) for row in rows] == history.history["val_loss"]


def test_csv_logger_appends_without_a_second_header_and_marks_missing_values(tmp_path):
    path = tmp_path / "log.csv"
    fitted_with(callbacks.CSVLogger(path, separator=";"), epochs=1)
    fitted_with(callbacks.CSVLogger(path, separator=";", append=True), epochs=1)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch;accuracy;loss;val_accuracy;val_loss"  # val_ twins, as Keras writes them
    assert len(lines) == 3 and lines[1].endswith(";NA;NA") and lines[2].startswith("0;")


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ((1,), TypeError, "CSVLogger expects a file path"),
        (
            ("log.csv", ", "),
            ValueError,
            "CSVLogger expects separator as one character; received separator=', '",
        ),
        (("log.csv", ",", "yes"), TypeError, "CSVLogger expects append=True or False; received append='yes'"),
    ],
)
def test_csv_logger_refuses_wrong_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        callbacks.CSVLogger(*arguments)


@pytest.mark.parametrize(
    "settings, error, message",
    [
        ({"patience": 1.5}, TypeError, r"EarlyStopping expects patience as a whole number \(int\); received"),
        ({"patience": -1}, ValueError, "EarlyStopping expects patience >= 0; received patience=-1"),
        ({"start_from_epoch": True}, TypeError, "EarlyStopping expects start_from_epoch as a whole number"),
    ],
)
def test_early_stopping_refuses_impossible_settings(settings, error, message):
    with pytest.raises(error, match=message):
        callbacks.EarlyStopping(**settings)


def test_fit_progress_lines_end_with_the_validation_numbers(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(24, 4)).astype(np.float32), rng.integers(0, 2, 24)
    model = models.Sequential([layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    for verbose in (1, 2):
        model.fit(x, y, epochs=1, batch_size=8, verbose=verbose, validation_split=0.25)
        captured = capsys.readouterr()
        shown = captured.err if verbose == 1 else captured.out  # tqdm writes its bar to stderr
        assert "val_loss" in shown and "val_accuracy" in shown, verbose


def test_a_monitored_name_fit_does_not_log_is_warned_about_and_the_run_carries_on():
    """Keras' habit: ReduceLROnPlateau(monitor="val_acc") warns (naming the near name) and does nothing."""
    import warnings

    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4)).astype(np.float32), rng.integers(0, 2, 32)
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(
            x,
            y,
            epochs=2,
            validation_split=0.25,
            verbose=0,
            callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="val_acc", patience=0)],
        )
    assert len(history.history["loss"]) == 2 and model.optimizer.learning_rate == pytest.approx(0.1)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and all("Did you mean 'val_accuracy'?" in m for m in messages)


def test_lambda_callback_calls_its_functions_and_refuses_what_is_no_function():
    seen = []
    callback = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    callback.on_epoch_end(3, {})
    callback.on_train_begin({})  # a hook not given does nothing
    assert seen == [3]
    with pytest.raises(TypeError, match=r"on_epoch_end as a function or None; received on_epoch_end='print'"):
        callbacks.LambdaCallback(on_epoch_end="print")
