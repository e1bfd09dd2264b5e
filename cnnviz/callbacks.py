"""Callbacks: code that ``fit`` calls at the start, around every batch and epoch, and at the end.

Keras' protocol: ``fit`` calls ``set_model(model)`` first, so a callback reaches the model as
``self.model``; then ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``. ``logs`` holds the running
"loss" and metrics (and, at an epoch's end, "val_loss", ...). Setting
``self.model.stop_training = True`` stops training after the current batch's epoch.

* ``History``: what ``fit`` returns, ``history.history["loss"]`` and the like.
* ``EarlyStopping``: stop when a monitored number stops improving (and restore the best weights).
* ``ModelCheckpoint``: save the weights (or the model) after every epoch, or the best only.
* ``LearningRateScheduler``: set the learning rate at each epoch's start from ``schedule(epoch, lr)``.
* ``ReduceLROnPlateau``: multiply the learning rate by ``factor`` when a monitored number stops improving.
* ``CSVLogger``: write each epoch's numbers as a row of a CSV file.
* ``LambdaCallback``: hooks given as functions.
* ``TerminateOnNaN``: stop when the loss becomes NaN or infinite (``fit`` always does this).
* ``BatchLogger`` (cnnviz's own): the running loss after every batch, for fine curves.

The live training picture, ``LivePlot``, is drawn with the other pictures, in ``cnnviz.plot``.
"""

from __future__ import annotations

import csv
import difflib
import math
import numbers
import os
import string
import warnings

from ._checks import check_range
from ._files import check_path

__all__ = [
    "BatchLogger",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


class Callback:
    """Hooks called by ``fit``; override the ones you need (Keras' names and arguments)."""

    model = None
    params: dict = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):  # Keras' older names for the two above
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class History(Callback):
    """What ``fit`` returns: ``history`` maps "loss", "accuracy", "val_loss", ... to per-epoch lists.

    ``seconds`` lists how long each epoch took (cnnviz's addition; Keras prints it only).
    """

    def __init__(self):
        self.history, self.epoch, self.seconds = {}, [], []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class BatchLogger(Callback):
    """Records the running loss (and metrics) after every batch, in ``self.batches``."""

    def on_train_begin(self, logs=None):
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs or {}))


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite (``fit`` does this anyway, and says so)."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True


class _Monitor(Callback):
    """What EarlyStopping and ModelCheckpoint share: one logged number, and which way is better."""

    def __init__(self, monitor, mode, min_delta=0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"{type(self).__name__} expects mode 'auto', 'min' or 'max'; received mode={mode!r}."
            )
        if mode == "auto":  # Keras: accuracies and AUCs grow, everything else shrinks
            mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(float(min_delta))

    def on_train_begin(self, logs=None):
        _check_validation(self, [self.monitor] if self.monitors else [])

    monitors = True  # ModelCheckpoint reads its number only with save_best_only

    def value(self, logs):
        """The monitored number in ``logs``, or None when there is nothing to judge.

        None after an epoch whose loss became NaN (fit stops then, without validating), and
        for a val_ number after an epoch that ``validation_freq`` leaves unvalidated.
        """
        logs = logs or {}
        if self.monitor in logs:
            return logs[self.monitor]
        if _diverged(logs):  # fit stopped in the middle of the epoch, and skipped its validation
            return None
        validated = any(_is_val(key) for key in logs)
        if _is_val(self.monitor) and self.params.get("do_validation") and not validated:
            return None  # an epoch that validation_freq leaves out
        warnings.warn(  # Keras warns and carries on: this epoch is not judged
            f"{type(self).__name__} monitors {self.monitor!r}, which fit does not log; it logs "
            f"{sorted(logs)}, so it does nothing this epoch."
            + "".join(f" Did you mean {near!r}?" for near in difflib.get_close_matches(self.monitor, logs, 1))
            + (
                " (val_ numbers need validation_data or validation_split.)"
                * (_is_val(self.monitor) and not validated)
            ),
            stacklevel=2,
        )
        return None

    def improved(self, value, best):
        if not math.isfinite(value):  # NaN compares false with everything: it would stay "best" for ever
            return False
        if best is None:
            return True
        return value < best - self.min_delta if self.mode == "min" else value > best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    With ``restore_best_weights=True`` the model gets back the weights of its best epoch
    when training stops (or ends), as in Keras.
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta)
        self.patience = check_range("EarlyStopping", "patience", patience, low=0, integer=True)
        self.verbose, self.baseline, self.restore_best_weights = verbose, baseline, restore_best_weights
        self.start_from_epoch = check_range(
            "EarlyStopping", "start_from_epoch", start_from_epoch, low=0, integer=True
        )

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = self.baseline, None

    def on_epoch_end(self, epoch, logs=None):
        value = self.value(logs)
        if value is None or epoch < self.start_from_epoch:  # None: the loss became NaN; fit stops anyway
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # the first epoch's, if none is ever better
        self.wait += 1  # epochs since the last improvement
        if self.improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring the weights of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model (or only its weights) after every epoch, or only when ``monitor`` improves.

    ``filepath`` may hold ``{epoch}`` and any logged number, e.g.
    ``"weights-{epoch:02d}-{val_loss:.2f}.weights.npz"``. Files are cnnviz's ``.npz`` format
    (see ``Model.save_weights`` and ``Model.save``).
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
    ):
        super().__init__(monitor, mode)
        if save_freq != "epoch":
            raise ValueError(
                f"cnnviz's ModelCheckpoint saves once per epoch (save_freq='epoch'); received {save_freq!r}."
            )
        self.filepath, self.verbose = str(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.best = None
        self.fields = _fields(self.filepath)  # the logged numbers the file's name holds

    @property
    def monitors(self):
        return self.save_best_only

    def on_train_begin(self, logs=None):
        _check_validation(self, self.fields)
        super().on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if _diverged(logs):  # never write NaN weights over a good file
            print(
                f"ModelCheckpoint: epoch {epoch + 1} ended with loss {logs['loss']}; nothing saved, so the "
                "files already written keep the last good weights."
            )
            return
        if self.save_best_only:
            value = self.value(logs)
            if value is None or not self.improved(value, self.best):
                return
            self.best = value
        missing = [field for field in self.fields if field not in logs and field != "epoch"]
        if missing:
            raise ValueError(
                f"ModelCheckpoint's filepath {self.filepath!r} names {missing}, which fit does not log at epoch "
                f"{epoch + 1}; it logs {sorted(logs)} and 'epoch'."
            )
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.verbose:
            print(
                f"Epoch {epoch + 1}: saving the {'weights' if self.save_weights_only else 'model'} to {path}"
            )
        (self.model.save_weights if self.save_weights_only else self.model.save)(path)


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at each epoch's start to ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler expects a function schedule(epoch, lr); received {schedule!r}."
            )
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, self.model.optimizer.learning_rate)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(
                f"The schedule returned learning rate {lr!r} for epoch {epoch}; it must be a number > 0."
            )
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.learning_rate


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs.

    Keras' arguments, order and defaults. After a reduction, ``cooldown`` epochs pass before
    the waiting starts again; the learning rate never goes below ``min_lr``. An improvement
    is a change of more than ``min_delta`` in the better direction (``mode``, as in
    ``EarlyStopping``). Each epoch's logs get its ``"learning_rate"``, as in Keras.

    >>> reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    >>> reduce.factor, reduce.patience, reduce.min_delta, reduce.cooldown, reduce.min_lr
    (0.5, 2, 0.0001, 0, 0.0)
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
    ):
        super().__init__(monitor, mode, min_delta)
        where = "ReduceLROnPlateau"
        self.factor = check_range(where, "factor", factor, low=0, high=1, low_open=True, high_open=True)
        self.patience = check_range(where, "patience", patience, low=0, integer=True)
        self.cooldown = check_range(where, "cooldown", cooldown, low=0, integer=True)
        self.min_lr = check_range(where, "min_lr", min_lr, low=0)
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        if logs is not None:
            logs["learning_rate"] = lr
        value = self.value(logs)
        if value is None:  # the loss became NaN (fit stops), or an epoch left unvalidated
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1  # epochs without improvement
            if self.wait >= self.patience and lr > self.min_lr:
                new_lr = max(lr * self.factor, self.min_lr)  # η ← max(factor·η, min_lr)
                self.model.optimizer.learning_rate = new_lr
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """Write each epoch's logged numbers as a row of a CSV file: ``epoch`` (from 0), then the names.

    Keras' arguments and file: the columns are the first epoch's names in sorted order (and
    their ``val_`` twins when ``validation_freq`` leaves that epoch unvalidated), "NA" where an
    epoch has no value. ``append=True`` adds to an existing file, without a second header.
    """

    def __init__(self, filename, separator=",", append=False):
        self.filename = check_path(filename, "CSVLogger")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger expects separator as one character; received separator={separator!r}."
            )
        if not isinstance(append, bool):
            raise TypeError(f"CSVLogger expects append=True or False; received append={append!r}.")
        self.sep, self.append = separator, append
        self.keys = self.writer = self.file = None

    def on_train_begin(self, logs=None):
        header = not (self.append and os.path.exists(self.filename) and os.path.getsize(self.filename))
        self.file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self.keys, self.writer, self.header = None, None, header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(_is_val(key) for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]  # an epoch validation_freq left out
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self.header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{key: logs.get(key, "NA") for key in self.keys}})
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None


class LambdaCallback(Callback):
    """A callback made of functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))``."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
    ):
        hooks = {name: function for name, function in locals().items() if name != "self"}  # the six above
        for name, function in hooks.items():
            if function is not None and not callable(function):
                raise TypeError(
                    f"LambdaCallback expects {name} as a function or None; received {name}={function!r}."
                )
            if function is not None:
                setattr(self, name, function)


def _fields(filepath):
    """The names in a file name's {...} fields: "w-{epoch:02d}-{val_loss:.2f}.npz" -> ["epoch", "val_loss"]."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(filepath) if field is not None]
    except ValueError as error:
        raise ValueError(
            f"ModelCheckpoint's filepath {filepath!r} is not a valid template: {error}."
        ) from None
    names = [field.split(".")[0].split("[")[0] for field in fields]
    if any(not name or name.isdigit() for name in names):
        raise ValueError(
            f"ModelCheckpoint's filepath {filepath!r} has a field without a name; name the number it shows, "
            "like 'weights-{epoch:02d}-{val_loss:.2f}.npz'."
        )
    return names


def _is_val(name):
    return name.startswith("val_")


def _check_validation(callback, names):
    """Before training: refuse val_ numbers when fit has no validation data (fit tells, in params)."""
    wanted = [name for name in names if _is_val(name)]
    if wanted and callback.params.get("do_validation") is False:
        raise ValueError(
            f"{type(callback).__name__} needs {wanted}, which fit logs only with validation data: "
            "pass validation_data=(x_val, y_val) or validation_split=0.1 to fit, or use "
            f"{[name[len('val_') :] for name in wanted]} (measured on the training data)."
        )


def _diverged(logs):
    """Whether the epoch's loss became NaN or infinite (fit stopped then, before validating)."""
    loss = logs.get("loss")
    return isinstance(loss, numbers.Real) and not math.isfinite(loss)
