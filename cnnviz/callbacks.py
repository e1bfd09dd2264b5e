"""Callbacks: code that ``fit`` calls at the start, after every batch and epoch, and at the end.

A callback overrides the hooks it needs. ``History`` is what ``fit`` returns; ``BatchLogger``
keeps the running loss of every batch, for curves finer than one point per epoch. The live
training picture, ``LivePlot``, is drawn with the other pictures, in ``cnnviz.plot``.
"""

from __future__ import annotations

__all__ = ["BatchLogger", "Callback", "History"]


class Callback:
    """Hooks called by ``fit``; override the ones you need. ``model.stop_training = True`` stops after the epoch."""

    def on_train_begin(self, model):
        pass

    def on_batch_end(self, model, batch, logs):
        pass

    def on_epoch_end(self, model, epoch, logs):
        pass

    def on_train_end(self, model):
        pass


class History:
    """What ``fit`` returns: ``history`` maps "loss", "accuracy", "val_loss", ... to per-epoch lists."""

    def __init__(self):
        self.history, self.epoch = {}, []

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


class BatchLogger(Callback):
    """Records the running loss (and accuracy) after every batch, in ``self.batches``."""

    def on_train_begin(self, model):
        self.batches = []

    def on_batch_end(self, model, batch, logs):
        self.batches.append(dict(logs))
