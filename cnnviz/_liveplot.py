"""TEMPORARY: LivePlot until cnnviz.plot is a package (then it moves to cnnviz/plot/training.py)."""

from __future__ import annotations

import io
import time

from IPython.display import Image, display
from matplotlib.figure import Figure

from .callbacks import Callback

__all__ = ["LivePlot"]


class LivePlot(Callback):
    """Redraws the loss and accuracy curves in one notebook output while ``fit`` runs.

    The picture is replaced in place (not appended), at most every ``seconds``
    and at the end of every epoch, so the notebook does not fill up.
    """

    def __init__(self, seconds=2.0, figsize=(9, 3)):
        self.seconds, self.figsize = seconds, figsize
        self.points, self.epochs, self.batches = [], {}, 0

    def on_train_begin(self, logs=None):
        self.points, self.epochs, self.last = [], {}, 0.0
        self.batches = 0
        self.handle = display(self._png(), display_id=True)

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        self.points.append((self.batches, logs.get("loss"), logs.get("accuracy")))
        if time.perf_counter() - self.last > self.seconds:
            self._redraw()

    def on_epoch_end(self, epoch, logs=None):
        for key, value in logs.items():
            self.epochs.setdefault(key, []).append((self.batches, value))
        self._redraw()

    def _redraw(self):
        self.last = time.perf_counter()
        if self.handle is not None:
            self.handle.update(self._png())

    def _png(self):
        fig = Figure(figsize=self.figsize, dpi=80, layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, key in zip(axes, ("loss", "accuracy")):
            col = 1 if key == "loss" else 2
            pts = [(p[0], p[col]) for p in self.points if p[col] is not None]
            if pts:
                ax.plot(*zip(*pts), color="0.6", lw=1, label=f"{key} (running, training)")
            for name in (key, f"val_{key}"):
                if name in self.epochs:
                    ax.plot(*zip(*self.epochs[name]), "o-", label=f"{name} (epoch)")
            ax.set_xlabel("batches")
            ax.set_title(key)
            if ax.lines:
                ax.legend(fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return Image(data=buffer.getvalue(), format="png")
