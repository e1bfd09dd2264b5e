"""Training and how a trained classifier does: the live training curves (``LivePlot``, a
callback), the confusion matrix, its surest mistakes, its probabilities."""

from __future__ import annotations

import io
import time

import numpy as np
from IPython.display import Image, display
from matplotlib.figure import Figure

from ..callbacks import Callback
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, new_axes, no_ticks

__all__ = ["LivePlot", "show_confusion_matrix", "show_mistakes", "show_probabilities"]


def show_confusion_matrix(y_true, y_pred, ax=None, labels=None, fontsize=FONT - 2):
    """Counts of (true class, predicted class) pairs; the diagonal holds the right answers."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    k = int(max(y_true.max(), y_pred.max())) + 1
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)  # counts[t, p] += 1 for every sample
    ax = new_axes(ax, figsize=(6, 5.5))
    ax.imshow(np.log1p(counts), cmap="Blues")
    for (t, p), n in np.ndenumerate(counts):
        if n:
            ax.text(
                p,
                t,
                str(n),
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if t == p else "black",
            )
    names = labels or [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45 if labels else 0, fontsize=fontsize)
    ax.set_yticks(range(k), names, fontsize=fontsize)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"{np.trace(counts)} of {counts.sum()} right ({np.trace(counts) / counts.sum():.2%})")
    return ax


def show_mistakes(images, y_true, probs, count=8, fig=None, labels=None, axes=None):
    """The ``count`` wrong predictions the model was most sure of, with what it said.

    Parameters
    ----------
    images : array_like, shape (N, H, W) or (N, H, W, 1)
    y_true : array_like of int, shape (N,)
    probs : array_like, shape (N, classes)
        The model's probabilities.
    axes : ``count`` axes, optional

    Returns
    -------
    The ``count`` axes.
    """
    images, y_true, probs = np.asarray(images), np.asarray(y_true), np.asarray(probs)
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    worst = wrong[np.argsort(-probs[wrong, y_pred[wrong]])][:count]
    if axes is None:
        axes = new_axes(figsize=(1.8 * count, 2.4), ncols=max(count, 1), fig=fig, squeeze=False)[0]
    name = (lambda c: labels[c]) if labels else str
    for ax, i in zip(axes, worst):
        ax.imshow(images[i].squeeze(), cmap="gray")
        ax.set_title(
            f"true {name(y_true[i])}\nsaid {name(y_pred[i])} ({probs[i, y_pred[i]]:.0%})", fontsize=10
        )
    for ax in axes:
        no_ticks(ax)
    return axes


def show_probabilities(image, probs, axes=None, labels=None, fig=None):
    """An image and the model's probability for each class, the largest highlighted; returns the two axes."""
    probs = np.asarray(probs)
    axes = new_axes(axes, figsize=(8, 2.8), ncols=2, fig=fig, width_ratios=[1, 2.5])
    axes[0].imshow(np.asarray(image).squeeze(), cmap="gray")
    no_ticks(axes[0])
    colors = [WINDOW_COLOR if c == probs.argmax() else VISITED_COLOR for c in range(len(probs))]
    axes[1].bar(range(len(probs)), probs, color=colors)
    axes[1].set_xticks(range(len(probs)), labels or range(len(probs)), rotation=45 if labels else 0)
    axes[1].set_ylim(0, 1)
    axes[1].set_title(f"softmax output: class {probs.argmax()} with p = {probs.max():.3f}")
    return axes


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
