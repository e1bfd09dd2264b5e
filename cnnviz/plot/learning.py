"""Pictures of learning: a loss curve and its slope, descent runs, kernels as they learn, signed
gradient maps, optimizers' paths on a loss surface, batch normalization's three gradient paths.

Each takes ``ax=None`` or ``axes=None`` (and ``fig=None``) and returns the axes it drew on,
as every cnnviz picture does. Signed maps (gradients, saliency) share one colour scale centred
at 0, with a labelled colour bar: red raises the loss (or the score), blue lowers it.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = show_loss_curve(np.linspace(0, 4, 9), np.linspace(0, 4, 9) ** 2, w=1.0, slope=2.0, loss=1.0)
>>> ax.get_xlabel()
'weight w'
"""

from __future__ import annotations

import numpy as np

from .style import FONT, WINDOW_COLOR, cell_ticks, grid_format, new_axes, num

__all__ = [
    "OptimizerPicture",
    "left_note",
    "path_in_picture",
    "show_batch_losses",
    "show_bn_terms",
    "show_descent_runs",
    "show_kernel_steps",
    "show_loss_curve",
    "show_optimizer_paths",
    "show_saliency",
    "show_signed_maps",
]

SIGNED = "RdBu_r"  # red positive, blue negative, white 0


def show_loss_curve(w_values, losses, w, slope, loss, ax=None, learning_rate=None, fontsize=FONT):
    """The loss as a function of one weight, the current weight, the tangent there, and one step downhill.

    Parameters
    ----------
    w_values, losses : array_like, shape (n,)
        The curve L(w).
    w, slope, loss : float
        The current weight, dL/dw there and L(w).
    learning_rate : float, optional
        If given, an arrow shows the step w → w − η · slope.
    """
    w_values, losses = np.asarray(w_values, float), np.asarray(losses, float)
    if w_values.shape != losses.shape or w_values.ndim != 1:
        raise ValueError(
            f"show_loss_curve expects w_values and losses of one shape (n,); received {w_values.shape}, {losses.shape}."
        )
    ax = new_axes(ax, figsize=(6, 3.6))
    ax.plot(w_values, losses, color="0.2", lw=2, label="loss L(w)")
    half = 0.25 * (w_values.max() - w_values.min())
    ends = np.array([w - half, w + half])
    ax.plot(ends, loss + slope * (ends - w), color=WINDOW_COLOR, lw=2, label=f"slope dL/dw = {num(slope)}")
    ax.plot([w], [loss], "o", color=WINDOW_COLOR, ms=9)
    if learning_rate is not None:
        new = w - learning_rate * slope
        ax.annotate("", xy=(new, loss), xytext=(w, loss),
                    arrowprops={"arrowstyle": "->", "color": "tab:blue", "lw": 2})  # fmt: skip
        above = loss + 0.06 * (losses.max() - min(0, losses.min()))
        ax.text(max(w, new) + 0.02 * (w_values.max() - w_values.min()), above, f"step −η·slope = {num(new - w)}",
                color="tab:blue", ha="left", va="bottom", fontsize=fontsize - 2)  # fmt: skip
    ax.set_xlabel("weight w", fontsize=fontsize)
    ax.set_ylabel("loss L(w)", fontsize=fontsize)
    ax.set_ylim(min(0, losses.min()), losses.max() * 1.05)
    ax.legend(fontsize=fontsize - 2, loc="upper center")
    return ax


def show_descent_runs(w_values, losses, runs, axes=None, fig=None, fontsize=FONT - 1):
    """Gradient-descent runs with different learning rates: on the loss curve, and the loss per step.

    ``runs`` maps a label to ``(ws, run_losses)`` (``learning.descend_one_weight``). Axes: one
    per run (the curve with the run's weights, joined in order), then one for the loss of every
    run against the step, on a log scale. A weight beyond the picture (a diverging run) is not
    drawn on the curve: a hollow arrow on the side of the frame points the way it left, and a note
    in the panel says how many steps are off the chart.
    """
    runs = dict(runs)
    if not runs:
        raise ValueError("show_descent_runs expects at least one run; received none.")
    axes = new_axes(axes, figsize=(2.9 * (len(runs) + 1), 3.1), ncols=len(runs) + 1, fig=fig)
    w_values, losses = np.asarray(w_values, float), np.asarray(losses, float)
    lo, hi = w_values.min(), w_values.max()
    for ax, (label, (ws, _)) in zip(axes, runs.items()):
        ax.plot(w_values, losses, color="0.6", lw=1.5)
        ws = np.asarray(ws, float)
        inside = np.isfinite(ws) & (ws >= lo) & (ws <= hi)
        on_curve = np.where(inside, ws, np.nan)  # NaN breaks the line: only steps inside are joined
        ax.plot(
            on_curve, np.interp(np.nan_to_num(on_curve), w_values, losses), "o-", color="tab:blue", ms=4, lw=1
        )
        ax.plot(ws[:1], [np.interp(ws[0], w_values, losses)], "o", color=WINDOW_COLOR, ms=8)
        for side, edge, marker in (ws < lo, lo, "<"), (ws > hi, hi, ">"):
            if side.any():  # off the chart this way: an arrow on the frame, not a point on the curve
                ax.plot([edge], [losses.max() / 2], marker, mfc="white", mec=WINDOW_COLOR, mew=1.5, ms=9,
                        clip_on=False)  # fmt: skip
        off = int((~inside).sum())
        if off:
            ax.text(0.5, 0.45, f"{off} steps off\nthe chart (◁ ▷)", transform=ax.transAxes,
                    ha="center", va="center", color=WINDOW_COLOR, fontsize=fontsize - 1)  # fmt: skip
        ax.set_title(label, fontsize=fontsize)
        ax.set_xlabel("weight w", fontsize=fontsize)
        ax.set_ylabel("loss L(w)", fontsize=fontsize)
    last = axes[len(runs)]
    for label, (_, run_losses) in runs.items():
        last.plot(np.arange(len(run_losses)), run_losses, "o-", ms=3, label=label)
    last.set_yscale("log")
    last.set_xlabel("step", fontsize=fontsize)
    last.set_ylabel("loss (log scale)", fontsize=fontsize)
    # beside the axes, where it covers no curve (inside, every corner holds one of the runs)
    last.legend(fontsize=fontsize - 2, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    return axes


def _signed_grid(ax, a, top, fontsize, values):
    image = ax.imshow(a + 0.0, cmap=SIGNED, vmin=-top, vmax=top)
    if values:
        decimals = 3 if grid_format(a) == "{:.3f}" else 2  # three when every value has exactly three (0.125)
        a = np.round(a, decimals) + 0.0  # as written: no −0.00
        fmt = grid_format(a)
        for (r, c), v in np.ndenumerate(a):
            ax.text(c, r, num(v, fmt=fmt), ha="center", va="center", fontsize=fontsize,
                    color="white" if abs(v) > 0.6 * top else "black")  # fmt: skip
    if max(a.shape) <= 12:
        cell_ticks(ax, a.shape)  # one tick per cell; larger maps keep matplotlib's sparser ticks
    else:
        ax.tick_params(labelsize=9)
    return image


def show_signed_maps(maps, titles, axes=None, fig=None, label="value", values=None, fontsize=FONT - 1):
    """Several 2D arrays side by side on ONE colour scale centred at 0, with one labelled colour bar.

    ``values=None`` writes the numbers in the cells when every map has at most 49 of them.
    """
    maps = [np.asarray(m, float) for m in maps]
    if not maps or any(m.ndim != 2 for m in maps) or len(titles) != len(maps):
        raise ValueError(
            "show_signed_maps expects a list of 2D arrays and one title each; received shapes "
            f"{[m.shape for m in maps]} and {len(titles)} titles."
        )
    axes = new_axes(axes, figsize=(2.9 * len(maps) + 1, 3), ncols=len(maps), fig=fig, squeeze=False)
    axes = np.ravel(axes)
    top = max(float(np.abs(m).max()) for m in maps) or 1.0
    write = values if values is not None else all(m.size <= 49 for m in maps)
    for ax, m, title in zip(axes, maps, titles):
        image = _signed_grid(ax, m, top, fontsize - 1, write)
        ax.set_title(title, fontsize=fontsize)
    bar = axes[0].figure.colorbar(image, ax=list(axes), fraction=0.046, pad=0.03)
    bar.set_label(label, fontsize=fontsize)
    return axes


def show_kernel_steps(kernels, steps, target, axes=None, fig=None, fontsize=FONT - 1):
    """A kernel at some steps of gradient descent, then the kernel it should become; one signed scale."""
    kernels = np.asarray(kernels, float)
    if kernels.ndim != 3:
        raise ValueError(f"show_kernel_steps expects kernels (steps, K, K); received shape {kernels.shape}.")
    steps = [int(s) for s in steps]
    if any(not 0 <= s < len(kernels) for s in steps):
        raise ValueError(f"show_kernel_steps: steps must be in 0..{len(kernels) - 1}; received {steps}.")
    maps = [kernels[s] for s in steps] + [np.asarray(target, float)]
    titles = [f"step {s}" for s in steps] + ["target kernel"]
    return show_signed_maps(maps, titles, axes=axes, fig=fig, label="weight", fontsize=fontsize)


def show_saliency(images, maps, titles, fig=None, axes=None, fontsize=FONT - 1):
    """Each image (grey) above its saliency map; the maps share one scale centred at 0 and a colour bar.

    ``axes``: two rows (images, maps) of ``len(images)`` axes.
    """
    images, maps = [np.asarray(a, float) for a in images], [np.asarray(a, float) for a in maps]
    if len(images) != len(maps) or len(titles) != len(images) or not images:
        raise ValueError(
            f"show_saliency expects as many images, maps and titles; received {len(images)}, {len(maps)}, {len(titles)}."
        )
    n = len(images)
    axes = new_axes(axes, figsize=(2.3 * n + 1, 4.8), nrows=2, ncols=n, fig=fig, squeeze=False)
    top = max(float(np.abs(m).max()) for m in maps) or 1.0
    for k in range(n):
        axes[0, k].imshow(images[k], cmap="gray", vmin=0, vmax=1)  # as show_image draws digits
        axes[0, k].set_title(titles[k], fontsize=fontsize)
        shown = axes[1, k].imshow(maps[k], cmap=SIGNED, vmin=-top, vmax=top)
        for ax in axes[:, k]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("digit", fontsize=fontsize)
    axes[1, 0].set_ylabel("d score / d pixel", fontsize=fontsize)
    bar = axes[0, 0].figure.colorbar(shown, ax=list(axes[1]), fraction=0.046, pad=0.03)
    bar.set_label("saliency", fontsize=fontsize)
    return axes


PATH_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")
NOTE_BOX = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}  # a note stays readable over contours


def _check_surface(w1_values, w2_values, surface, where):
    surface = np.asarray(surface, float)
    if surface.shape != (len(w2_values), len(w1_values)):
        raise ValueError(
            f"{where} expects surface of shape (len(w2_values), len(w1_values)) = "
            f"{(len(w2_values), len(w1_values))}; received {surface.shape}."
        )
    return surface


def _loss_contours(ax, w1_values, w2_values, surface, names, fontsize):
    """The loss surface as labelled contours, the axes limited to the grid and named."""
    lines = ax.contour(w1_values, w2_values, surface, levels=np.geomspace(surface.min() * 1.05, surface.max(), 14),
                       cmap="Greys_r", linewidths=1)  # fmt: skip
    ax.clabel(lines, fontsize=fontsize - 2, fmt="%.2g")  # 10 pt with FONT: readable, as the other labels
    ax.set_xlim(min(w1_values), max(w1_values))
    ax.set_ylim(min(w2_values), max(w2_values))
    ax.set_xlabel(names[0], fontsize=fontsize)
    ax.set_ylabel(names[1], fontsize=fontsize)


def path_in_picture(path, w1_values, w2_values):
    """A path (steps + 1, 2) as drawn: points beyond the grid pinned to its edge; and the first step that left it.

    Returns ``(shown, left)``: ``shown`` (steps + 1, 2), and the index of the first point outside
    the grid (or not finite), None when every point is inside.

    >>> path_in_picture([[0.5, 0.5], [2.0, 0.5], [0.2, 0.1]], [0, 1], [0, 1])
    (array([[0.5, 0.5],
           [1. , 0.5],
           [0.2, 0.1]]), 1)
    """
    try:
        path = np.asarray(path, float)
    except (TypeError, ValueError):
        raise TypeError(
            f"path_in_picture expects a path of numbers, shape (steps + 1, 2); received {path!r}."
        ) from None
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(
            f"path_in_picture expects a path of shape (steps + 1, 2); received shape {path.shape}."
        )
    lo1, hi1, lo2, hi2 = min(w1_values), max(w1_values), min(w2_values), max(w2_values)
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(path).all(axis=1) & (path[:, 0] >= lo1) & (path[:, 0] <= hi1)
        inside &= (path[:, 1] >= lo2) & (path[:, 1] <= hi2)
    shown = np.column_stack([np.clip(path[:, 0], lo1, hi1), np.clip(path[:, 1], lo2, hi2)])
    return shown, (None if inside.all() else int(np.argmin(inside)))


def left_note(left, label=None) -> str:
    """The words for a path that left the picture at step ``left`` ("" when it did not)."""
    if left is None:
        return ""
    who = f"{label}: " if label else ""
    return f"{who}the path left the picture at step {left} (points outside are drawn on its edge)"


def show_optimizer_paths(w1_values, w2_values, surface, paths, ax=None, names=("w₁", "w₂"), fontsize=FONT):
    """Contours of a loss over two weights, and each optimizer's path on it (``paths``: label → (steps, 2)).

    A path that leaves the picture is drawn on its edge from there on, and a note says at which step.
    The first path is drawn on top, with large hollow markers: where another path runs along the
    same line (momentum's first steps lie on plain SGD's), both still show, and the gaps between
    the rings show how the first one's steps grow.
    """
    surface = _check_surface(w1_values, w2_values, surface, "show_optimizer_paths")
    ax = new_axes(ax, figsize=(6.5, 5))
    _loss_contours(ax, w1_values, w2_values, surface, names, fontsize)
    notes = []
    for k, ((label, path), colour) in enumerate(zip(paths.items(), PATH_COLOURS)):
        shown, left = path_in_picture(path, w1_values, w2_values)
        look = {"ms": 7, "mfc": "none", "mew": 1.5, "zorder": 3} if k == 0 and len(paths) > 1 else {"ms": 3}
        ax.plot(shown[:, 0], shown[:, 1], "o-", lw=1.5, color=colour, label=label, **look)
        notes.append(left_note(left, label if len(paths) > 1 else None))
    if paths:
        first = np.asarray(next(iter(paths.values())), float)[0]
        ax.plot(*first, "o", color=WINDOW_COLOR, ms=9, label="start")
    if any(notes):
        ax.text(0.02, 0.98, "\n".join(n for n in notes if n), transform=ax.transAxes, color=WINDOW_COLOR,
                fontsize=fontsize - 2, va="top", ha="left", bbox=NOTE_BOX)  # fmt: skip
    # above the axes, where it hides no contour and no label (inside, a corner holds one or the other)
    ax.legend(fontsize=fontsize - 3, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncols=2, borderaxespad=0)
    return ax


class OptimizerPicture:
    """One optimizer's path on a loss surface, built once and moved: ``set(path, label, title)``.

    The contours are drawn once; the path, the start, the legend, the title and the note
    (which says at which step a path left the picture) are ``dynamic``: an explorer draws
    only those again, over the saved contours.
    """

    def __init__(self, w1_values, w2_values, surface, ax=None, names=("w₁", "w₂"), fontsize=FONT):
        self.w1_values, self.w2_values = np.asarray(w1_values, float), np.asarray(w2_values, float)
        surface = _check_surface(w1_values, w2_values, surface, "OptimizerPicture")
        self.ax = ax = new_axes(ax, figsize=(6.5, 5))
        _loss_contours(ax, self.w1_values, self.w2_values, surface, names, fontsize)
        (self.line,) = ax.plot([], [], "o-", ms=3, lw=1.5, color=PATH_COLOURS[0], label=" ")
        (self.start,) = ax.plot([], [], "o", color=WINDOW_COLOR, ms=9, label="start")
        self.note = ax.text(0.02, 0.98, "", transform=ax.transAxes, color=WINDOW_COLOR, fontsize=fontsize - 2,
                            va="top", ha="left", bbox=NOTE_BOX, visible=False)  # fmt: skip
        self.fontsize = fontsize
        self.legend = ax.legend(fontsize=fontsize - 3, loc="upper right")  # fits its text at each draw
        self.left = None  # the step at which the path shown left the picture (None: it stayed)

    def set(self, path, label, title="") -> OptimizerPicture:
        """Show ``path`` (steps + 1, 2) labelled ``label`` in the legend, under ``title``."""
        shown, self.left = path_in_picture(path, self.w1_values, self.w2_values)
        self.line.set_data(shown[:, 0], shown[:, 1])
        self.line.set_label(label)
        self.legend.get_texts()[0].set_text(label)
        self.start.set_data(np.asarray(path, float)[:1].T)
        self.note.set_text(left_note(self.left))
        self.note.set_visible(self.left is not None)  # no empty white box
        self.ax.set_title(title, fontsize=self.fontsize)
        return self

    @property
    def dynamic(self) -> list:
        return [self.line, self.start, self.note, self.ax.title, self.legend]


def show_bn_terms(terms, ax=None, fontsize=FONT - 1):
    """Batch normalization's dL/dx per sample, split into its three paths (``learning.batchnorm_backward_terms``)."""
    parts = [np.ravel(terms[k]) for k in ("direct", "mean", "variance")]
    ax = new_axes(ax, figsize=(7, 3.4))
    m = len(parts[0])
    x = np.arange(m)
    for k, (part, name) in enumerate(zip(parts, ("direct (own x̂)", "through μ_B", "through σ²_B"))):
        ax.bar(x + (k - 1.5) * 0.2, part, width=0.2, label=name)
    ax.bar(x + 1.5 * 0.2, sum(parts), width=0.2, color="black", label="sum = dL/dx")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xticks(x)
    ax.set_xlabel("sample k in the batch", fontsize=fontsize)
    ax.set_ylabel("contribution to dL/dx[k]", fontsize=fontsize)
    ax.legend(fontsize=fontsize - 2, ncols=2)
    return ax


def show_batch_losses(series, ax=None, fontsize=FONT - 1):
    """The loss of each batch during one epoch, for each way of ordering the data (``series``: label → losses)."""
    ax = new_axes(ax, figsize=(7, 3.2))
    for label, losses in series.items():
        ax.plot(np.arange(1, len(losses) + 1), losses, "o-", ms=3, label=label)
    ax.set_xlabel("batch (in the order trained)", fontsize=fontsize)
    ax.set_ylabel("loss of the batch", fontsize=fontsize)
    ax.legend(fontsize=fontsize - 2)
    return ax
