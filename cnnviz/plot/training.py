"""Training and how a trained classifier does: the live training curves (``LivePlot``, a
callback), a training run's picture that moves step by step (``TrainingPicture``), the
confusion matrix, its surest mistakes, its probabilities."""

from __future__ import annotations

import io
import time

import numpy as np
from IPython.display import Image, display
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, NullFormatter

from ..callbacks import Callback
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, new_axes, no_ticks

__all__ = [
    "LivePlot",
    "TrainingPicture",
    "show_confusion_matrix",
    "show_kernel_change",
    "show_mistakes",
    "show_probabilities",
]


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
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # batches are whole: no tick at 1.5
            ax.set_title(key)
            if ax.lines:
                ax.legend(fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return Image(data=buffer.getvalue(), format="png")


def show_kernel_change(before, after, channel=0, axes=None, fig=None, titles=("before", "after")):
    """A convolution's kernels before and after some training, and the change, as three mosaics.

    ``before`` and ``after``: kernels (KH, KW, C, F), one input ``channel`` shown. The first two
    panels share one colour scale centred at 0, so that a kernel's change of colour is its
    change of value; the third, after − before, has its own scale and colour bar. NaN and
    infinite weights (a run that diverged) are drawn in magenta, the scales use the finite
    ones, and the panel's title counts them.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> axes = show_kernel_change(np.zeros((3, 3, 1, 4)), np.ones((3, 3, 1, 4)))
    >>> [ax.get_title() for ax in axes]
    ['before', 'after', 'after − before (largest 1)']
    """
    from .network import _beyond, _cmap, _mosaic, mosaic_layout

    before, after = np.asarray(before, float), np.asarray(after, float)
    if before.ndim != 4 or before.shape != after.shape:
        raise ValueError(
            "show_kernel_change expects before and after of one shape (KH, KW, C, F); "
            f"received {before.shape} and {after.shape}."
        )
    if (
        isinstance(channel, bool)
        or not isinstance(channel, (int, np.integer))
        or not 0 <= channel < before.shape[2]
    ):
        raise ValueError(
            f"show_kernel_change: channel must be an index in 0..{before.shape[2] - 1}; received {channel!r}."
        )
    layout = mosaic_layout(before.shape[3])
    with np.errstate(invalid="ignore", over="ignore"):
        change = after - before  # in float64, so that a change of 1e-8 to a weight of 0.5 is kept; inf − inf is NaN
        # drawn, and scaled, as float32, as the mosaics are: a float64 scale could end a hair below the largest
        # value drawn, which would then be painted as "over"; beyond float32's range is ±∞ there
        before, after, change = (w.astype(np.float32) for w in (before, after, change))

    def largest(w):  # the largest finite |w| (0 when there is none)
        finite = np.abs(w[np.isfinite(w)])
        return float(finite.max()) if finite.size else 0.0

    axes = new_axes(axes, figsize=(11, 3.4), ncols=3, fig=fig)
    top = max(largest(before), largest(after)) or 1.0
    moved = largest(change)
    for ax, kernels, title, edge in (
        (axes[0], before, titles[0], top),
        (axes[1], after, titles[1], top),
        (axes[2], change, f"after − before (largest {moved:.2g})", moved or 1.0),
    ):
        shown = kernels[:, :, channel, :]
        bad = int(np.count_nonzero(~np.isfinite(shown)))
        shown = np.where(np.isfinite(shown), shown, _beyond(-edge, edge))  # drawn in the "over" colour
        image = ax.imshow(_mosaic(shown, *layout), cmap=_cmap("RdBu_r"), vmin=-edge, vmax=edge)
        no_ticks(ax)
        if bad:
            title += f"\n{bad} not finite (NaN or ±∞), in magenta"
        ax.set_title(title, fontsize=FONT - 1)
        if ax is not axes[0]:  # one bar for the two kernels' shared scale, one for the change
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).ax.tick_params(labelsize=FONT - 3)
    return axes


class TrainingPicture:
    """A training run as it goes, built once and then moved (``cnnviz.widgets.TrainingExplorer``).

    Four panels: the loss of every batch so far, with each finished epoch's training and
    held-out loss; how large each layer's weight gradients were in the last step; the
    first convolution's kernels (one input channel), with the selected weight framed; and that
    layer's feature maps for one fixed input, shown beside it. ``set(...)`` puts new values into
    the same artists; nothing is made again.

    The kernels' colour scale stays put, so that a picture shows how far they moved: it is
    fixed, centred at 0, at a quarter more than the largest weight of the first picture
    (``kernel_top``), and widened the same way only when a weight leaves it; the panel says so
    under the kernels. The feature maps' scale follows their largest value.

    Parameters
    ----------
    layer_names : list of str
        The layers whose gradient sizes are drawn (those with trainable weights).
    kernel_shape : (KH, KW, C, F)
        The first convolution's kernel shape.
    image : ndarray (H, W, C)
        The fixed input.
    fig : Figure, optional
    """

    def __init__(self, layer_names, kernel_shape, image, fig=None, figsize=(12, 6.2)):
        from .network import GAP, _cmap, mosaic_layout

        self.fig = fig = fig if fig is not None else Figure(figsize=figsize)
        self.gap, self.cmap = GAP, _cmap
        KH, KW, _, F = kernel_shape
        self.kernel_layout = mosaic_layout(F)
        grid = fig.add_gridspec(
            2, 3, width_ratios=[0.8, 1.5, 1.5], height_ratios=[1, 1.25], left=0.06, right=0.97,
            bottom=0.04, top=0.9, wspace=0.3, hspace=0.35,
        )  # fmt: skip
        self.ax_loss = fig.add_subplot(grid[0, :2])
        self.ax_grads = fig.add_subplot(grid[0, 2])
        self.ax_image = fig.add_subplot(grid[1, 0])
        self.ax_kernels = fig.add_subplot(grid[1, 1])
        self.ax_maps = fig.add_subplot(grid[1, 2])

        ax = self.ax_loss
        (self.batch_line,) = ax.plot([], [], color="0.6", lw=1, label="each batch (training)")
        (self.epoch_line,) = ax.plot(
            [], [], "o-", color=VISITED_COLOR, label="epoch mean, training (after each epoch)"
        )
        (self.val_line,) = ax.plot([], [], "s-", color="#ff7f0e", label="held-out data (after each epoch)")
        ax.set_xlabel("batches", fontsize=FONT - 2)
        ax.set_ylabel("loss", fontsize=FONT - 2)
        ax.tick_params(labelsize=FONT - 3)
        ax.legend(fontsize=FONT - 3, loc="upper right")
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.set_xlim(0, 1)
        ax.set_autoscale_on(True)  # set() fits the axes to the curves once there are any
        ax.set_title("loss: every batch so far, and each epoch", fontsize=FONT - 1)

        ax = self.ax_grads
        n = len(layer_names)
        self.grad_bars = ax.barh(np.arange(n), np.ones(n), color=VISITED_COLOR, height=0.7)
        ax.set_yticks(range(n), layer_names, fontsize=FONT - 3)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # labels on the decades only: they would overlap
        ax.tick_params(axis="x", labelsize=FONT - 4)
        ax.set_title("gradient size per layer (last step, RMS)", fontsize=FONT - 2)

        ax = self.ax_image
        self.image = ax.imshow(image[:, :, 0] if image.shape[2] == 1 else image[:, :, :3], cmap="gray")
        no_ticks(ax)
        ax.set_title("the fixed input", fontsize=FONT - 2)

        ax = self.ax_kernels
        rows, cols = self.kernel_layout
        blank = np.full((rows * (KH + GAP) - GAP, cols * (KW + GAP) - GAP), np.nan, dtype=np.float32)
        self.kernels = ax.imshow(blank, cmap=_cmap("RdBu_r"), vmin=-1, vmax=1)
        no_ticks(ax)
        fig.colorbar(self.kernels, ax=ax, fraction=0.046, pad=0.03).ax.tick_params(labelsize=FONT - 4)
        self.frame = ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, ec="#2ca02c", lw=2.5))
        self.kernel_top = None  # the kernels' colour scale, ±kernel_top: set by the first picture
        self.scale_note = ax.set_xlabel(" ", fontsize=FONT - 3)

        ax = self.ax_maps
        self.maps = ax.imshow(
            np.full((2, 2), np.nan, dtype=np.float32), cmap=_cmap("viridis"), vmin=0, vmax=1
        )
        no_ticks(ax)
        fig.colorbar(self.maps, ax=ax, fraction=0.046, pad=0.03).ax.tick_params(labelsize=FONT - 4)
        self.headline = fig.text(0.01, 0.985, " ", fontsize=FONT - 1, va="top", ha="left")

    def set(self, *, batch_losses, epochs, kernels, maps, gradient_sizes, selected, channel, headline, layer):
        """Show the run so far.

        ``batch_losses``: every batch's loss; ``epochs``: [(batches seen, train loss, held-out
        loss or None)]; ``kernels`` (KH, KW, C, F); ``maps`` (H', W', F), the first convolution's
        output for the fixed input; ``gradient_sizes``: one number per layer (NaN before the
        first step); ``selected``: (u, v, c, f), the framed weight; ``channel``: the input channel
        of the kernels shown.
        """
        from .network import _mosaic

        steps = np.arange(1, len(batch_losses) + 1)
        self.batch_line.set_data(steps, batch_losses)
        seen = [e[0] for e in epochs]
        self.epoch_line.set_data(seen, [e[1] for e in epochs])
        held = [(b, v) for b, _, v in epochs if v is not None]
        self.val_line.set_data([b for b, _ in held], [v for _, v in held])
        ax = self.ax_loss
        if len(batch_losses):
            ax.relim()
            ax.autoscale_view()

        sizes = np.asarray(gradient_sizes, dtype=float)
        known = sizes[np.isfinite(sizes) & (sizes > 0)]
        for bar, size in zip(self.grad_bars, sizes):
            bar.set_width(size if np.isfinite(size) and size > 0 else 1e-30)
        if len(known):  # at least a decade and a half, so that a decade's label shows
            self.ax_grads.set_xlim(min(known.min() / 3, known.max() / 30), known.max() * 3)
        else:
            self.ax_grads.set_xlim(1e-3, 1)

        shown = kernels[:, :, channel, :]  # (KH, KW, F)
        self.kernels.set_data(_mosaic(shown, *self.kernel_layout, out=self.kernels.get_array().data))
        self._kernel_scale(kernels, len(batch_losses))
        KH, KW = shown.shape[:2]
        u, v, _, f = selected
        r, q = divmod(f, self.kernel_layout[1])
        self.frame.set_xy((q * (KW + self.gap) + v - 0.5, r * (KH + self.gap) + u - 0.5))
        self.ax_kernels.set_title(
            f"{layer}: the {kernels.shape[3]} kernels (input channel {channel})", fontsize=FONT - 2
        )

        rows, cols = self.kernel_layout
        F = maps.shape[2]
        mosaic = _mosaic(maps, rows, cols)
        lo, hi = float(np.nanmin(mosaic)), float(np.nanmax(mosaic))
        if lo < 0:
            edge = max(-lo, hi) or 1.0
            cmap, lo, hi = "RdBu_r", -edge, edge
        else:
            cmap, hi = "viridis", hi or 1.0
        if self.maps.cmap.name != cmap:
            self.maps.set_cmap(self.cmap(cmap))
        self.maps.set_data(mosaic)
        self.maps.set_extent((-0.5, mosaic.shape[1] - 0.5, mosaic.shape[0] - 0.5, -0.5))
        self.maps.set_clim(min(lo, 0.0), hi)
        self.ax_maps.set_title(f"{layer}'s {F} feature maps of the fixed input", fontsize=FONT - 2)
        self.headline.set_text(headline)

    def _kernel_scale(self, kernels, batches):
        """Keep the kernels' colour scale where the first picture put it; widen it only when a weight leaves it."""
        finite = np.abs(kernels[np.isfinite(kernels)])
        largest = float(finite.max()) if finite.size else 0.0
        when = "at the start" if batches == 0 else f"after batch {batches}"
        if self.kernel_top is None:
            self.kernel_top = 1.25 * largest or 1.0  # room to grow: the first steps need not widen it
            self.scale_note.set_text(
                f"colour scale fixed at ±{self.kernel_top:.2g}: the largest weight {when}, and a quarter more"
            )
        elif largest > self.kernel_top:
            old, self.kernel_top = self.kernel_top, 1.25 * largest
            self.scale_note.set_text(
                f"colour scale widened {when}: a weight left ±{old:.2g}; now ±{self.kernel_top:.2g}"
            )
        self.kernels.set_clim(-self.kernel_top, self.kernel_top)
