"""Arrays as pictures: images, pixels, grids of numbers, kernels, feature maps, histograms, changes."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, NullLocator

from ..sizes import spatial_pairs
from .style import (
    FONT,
    VISITED_COLOR,
    WINDOW_COLOR,
    cell_ticks,
    grid_format,
    new_axes,
    new_figure,
    no_ticks,
    num,
)

__all__ = [
    "BatchNormPicture",
    "PixelPicture",
    "ShiftPoolingPicture",
    "pooled_shift",
    "show_batchnorm_channel",
    "show_changes",
    "show_channels",
    "show_feature_maps",
    "show_grid",
    "show_histograms",
    "show_image",
    "show_kernel",
    "show_pixel",
    "show_same_scale",
    "show_shift_pooling",
    "update_kernel",
]


def show_image(img, ax=None, title=None):
    """Show an image array (H, W), (H, W, 1) or (H, W, 3), uint8 0..255 or float 0..1.

    The axes' ticks count pixels: rows (height) down, columns (width) across.
    """
    img = np.asarray(img)
    ax = new_axes(ax)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        top = 255 if img.dtype == np.uint8 else max(1.0, float(img.max()))
        ax.imshow(img, cmap="gray", vmin=0, vmax=top)
    else:
        ax.imshow(img)
    ax.set_xlabel(f"width: {img.shape[1]} columns")
    ax.set_ylabel(f"height: {img.shape[0]} rows")
    if title:
        ax.set_title(title)
    return ax


def show_channels(img, axes=None, fig=None):
    """The R, G and B channels of an (H, W, 3) image, each in its own colour; returns the three axes.

    Each channel is drawn from black (0: none of that light) to its full colour (255, or 1.0
    for floats), as the screen would light it, with a colour bar giving the values: dark
    means 0 in every channel, so white parts of the image are bright in all three.
    """
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"show_channels expects an RGB image (H, W, 3); received shape {img.shape}.")
    axes = new_axes(axes, figsize=(12, 4), ncols=3, fig=fig)
    top = 255 if img.dtype == np.uint8 else 1.0
    for c, (name, colour) in enumerate((("R", "red"), ("G", "lime"), ("B", "blue"))):
        cmap = LinearSegmentedColormap.from_list(f"black to {colour}", ["black", colour])
        shown = axes[c].imshow(img[:, :, c], cmap=cmap, vmin=0, vmax=top)
        axes[c].figure.colorbar(shown, ax=axes[c], fraction=0.046, pad=0.03, ticks=np.linspace(0, top, 6))
        axes[c].set_title(f"channel {c} ({name}): shape {img[:, :, c].shape}")
        axes[c].set_axis_off()
    return axes


def show_grid(
    a,
    ax=None,
    window=None,
    cell=None,
    cmap="Greys",
    fmt=None,
    vmin=None,
    vmax=None,
    title=None,
    padding=0,
    fontsize=FONT,
    ticks=True,
):
    """A small 2D array as a grid of numbers.

    Parameters
    ----------
    a : array_like, shape (rows, cols)
    window : (row, col, height, width), optional
        A rectangle to outline (the current sliding window), in cells.
    cell : (row, col), optional
        One cell to fill (an output cell, a pooled maximum).
    padding : int, (rows, cols) or ((top, bottom), (left, right))
        How many rows/columns at each edge are padding (Keras' forms); they are drawn hatched.
    fmt : str, optional
        Format of the numbers (default: ``grid_format``, integers if all values are whole).
    """
    a = np.atleast_2d(np.asarray(a, dtype=float)) + 0.0  # + 0.0 turns −0 into 0
    ax = new_axes(ax, figsize=(0.6 * a.shape[1] + 1, 0.6 * a.shape[0] + 1))
    finite = a[np.isfinite(a)]
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0)
    hi = vmax if vmax is not None else (finite.max() if finite.size else 1)
    ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1, alpha=0.35)
    fmt = fmt or grid_format(a)
    if a.size <= 400:
        for (r, c), v in np.ndenumerate(a):
            if not np.isnan(v):  # NaN marks a cell not computed yet: left blank
                ax.text(c, r, num(v, fmt=fmt), ha="center", va="center", fontsize=fontsize)
    (pt, pb), (pl, pr) = spatial_pairs("padding", padding, "show_grid")
    rows, cols = a.shape
    for r0, r1, c0, c1 in (
        (0, pt, 0, cols),
        (rows - pb, rows, 0, cols),
        (pt, rows - pb, 0, pl),
        (pt, rows - pb, cols - pr, cols),
    ):
        if r1 > r0 and c1 > c0:  # one hatched block per padded side
            ax.add_patch(
                Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, hatch="//", ec="0.6", lw=0)
            )
    if cell is not None:
        ax.add_patch(Rectangle((cell[1] - 0.5, cell[0] - 0.5), 1, 1, color=WINDOW_COLOR, alpha=0.35))
    if window is not None:
        r, c, h, w = window
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, ec=WINDOW_COLOR, lw=3))
    cell_ticks(ax, a.shape) if ticks else no_ticks(ax)
    if title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def show_kernel(w, ax=None, title=None, values=None, fontsize=FONT, ticks=True, vmax=None):
    """A 2D kernel in a diverging colour map centred at 0 (red positive, blue negative).

    Values are printed when the kernel is small (``values=None`` decides by size).
    """
    w = np.asarray(w, dtype=float) + 0.0  # + 0.0 turns −0 into 0
    if w.ndim == 1:
        w = w[None, :]
    ax = new_axes(ax, figsize=(0.7 * w.shape[1] + 1, 0.7 * w.shape[0] + 1))
    top = vmax if vmax is not None else _kernel_scale(w)  # vmax: one scale for compared kernels
    ax.imshow(w, cmap="RdBu_r", vmin=-top, vmax=top)
    if values if values is not None else w.size <= 49:
        for (r, c), text, colour in _kernel_labels(w, top):
            ax.text(c, r, text, ha="center", va="center", fontsize=fontsize, color=colour)
    cell_ticks(ax, w.shape) if ticks else no_ticks(ax)
    if title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def _kernel_scale(w) -> float:
    """The colour scale of a kernel's picture: −top … top with top = max |w| (1 for a kernel of zeros)."""
    return float(np.abs(w).max()) or 1.0


def _kernel_labels(w, top):
    """The numbers written on a kernel's cells, one format for all: [((row, col), text, colour), ...].

    The text is white on the strong colours (|w| above 0.6·top), black elsewhere.
    """
    fmt = grid_format(w)
    return [
        ((r, c), num(v, fmt=fmt), "white" if abs(v) > 0.6 * top else "black")
        for (r, c), v in np.ndenumerate(w)
    ]


def update_kernel(ax, w):
    """Show other weights ``w`` (the shape drawn) in the kernel ``show_kernel`` drew on ``ax``, in place.

    The colours, their scale and the numbers change (``set_data``, ``set_clim``, ``set_text``);
    the picture is the one ``show_kernel(w, ax=...)`` draws.
    """
    w = np.asarray(w, dtype=float) + 0.0  # + 0.0 turns −0 into 0, as show_kernel does
    w = w[None, :] if w.ndim == 1 else w
    top = _kernel_scale(w)
    (image,) = ax.images
    image.set_data(w)
    image.set_clim(-top, top)
    for text, (_, label, colour) in zip(ax.texts, _kernel_labels(w, top)):
        text.set_text(label)
        text.set_color(colour)
    return ax


def show_feature_maps(y, axes=None, titles=None, cmap="viridis", ncols=None, fig=None, vmin=None, vmax=None):
    """Each channel of ``y`` (H, W, k) as its own small image; returns the k axes used.

    Without ``axes``, the maps fill ``ncols`` columns (at most 8 by default) of
    ``fig`` or of a new figure at most 14 inches wide.
    """
    y = np.asarray(y)
    if y.ndim == 2:
        y = y[:, :, None]
    k = y.shape[2]
    if axes is None:
        ncols = ncols or min(k, 8)
        nrows = -(-k // ncols)
        size = min(2.0, 14.0 / ncols)  # at most 14 inches wide
        figsize = (size * ncols, size * nrows + 0.3)
        axes = new_axes(figsize=figsize, nrows=nrows, ncols=ncols, fig=fig, squeeze=False).ravel()
        for extra in axes[k:]:
            extra.set_axis_off()
    for o in range(k):
        axes[o].imshow(y[:, :, o], cmap=cmap, vmin=vmin, vmax=vmax)  # vmin, vmax: one scale for all maps
        axes[o].set_title(titles[o] if titles else f"map {o}", fontsize=10)
        no_ticks(axes[o])
    return axes[:k]


class PixelPicture:
    """An image with one pixel marked and the numbers around it, one grid per channel.

    The grids always show (2·radius+1)² cells centred on the pixel (blank
    beyond the image's border). ``set(row, col)`` moves to another pixel by
    changing only the artists in ``dynamic``.
    """

    def __init__(self, img, axes=None, radius=3, fontsize=FONT - 1, fig=None):
        self.img = np.asarray(img)
        self.radius = radius
        gray = self.img.ndim == 2
        channels = 1 if gray else self.img.shape[2]
        self.axes = axes = new_axes(
            axes,
            figsize=(4 + 2.6 * channels, 3.6),
            ncols=1 + channels,
            fig=fig,
            width_ratios=[1.6] + [1] * channels,
        )
        show_image(self.img, ax=axes[0])
        (self.marker,) = axes[0].plot(
            [], [], marker="s", ms=10, mfc="none", mec=WINDOW_COLOR, mew=2, ls="none"
        )
        self.title = axes[0].set_title(" ", fontsize=fontsize)
        n = 2 * radius + 1
        top = 255 if self.img.dtype == np.uint8 else 1.0
        self.fmt = "{:.0f}" if self.img.dtype == np.uint8 else "{:.2f}"
        self.names = ["value"] if gray else ["R", "G", "B", "A"][:channels]
        self.grids, self.texts, self.titles, self.labels = [], [], [], []
        for c in range(channels):
            ax = axes[1 + c]
            cmap = "Greys_r" if gray else ("Reds", "Greens", "Blues", "Greys")[c]
            self.grids.append(ax.imshow(np.zeros((n, n)), cmap=cmap, vmin=0, vmax=top, alpha=0.35))
            self.texts.append(
                [
                    [ax.text(q, r, "", ha="center", va="center", fontsize=fontsize - 2) for q in range(n)]
                    for r in range(n)
                ]
            )
            ax.add_patch(Rectangle((radius - 0.5, radius - 0.5), 1, 1, fill=False, ec=WINDOW_COLOR, lw=2))
            self.titles.append(ax.set_title(" ", fontsize=fontsize))
            # a text of the axes, not its xlabel: axis labels cannot be redrawn on their own
            self.labels.append(
                ax.text(0.5, -0.08, " ", fontsize=fontsize - 2, ha="center", va="top", transform=ax.transAxes)
            )
            no_ticks(ax)
        self.dynamic = [
            self.marker,
            self.title,
            *self.grids,
            *self.titles,
            *self.labels,
            *(t for rows in self.texts for row in rows for t in row),
        ]

    def set(self, row, col):
        """Mark pixel (row, col) and show the numbers around it."""
        H, W = self.img.shape[:2]
        r0, c0 = row - self.radius, col - self.radius
        n = 2 * self.radius + 1
        self.marker.set_data([col], [row])
        self.title.set_text(f"pixel (row {row}, column {col})")
        inside = np.zeros((n, n), dtype=bool)
        inside[max(-r0, 0) : n - max(r0 + n - H, 0), max(-c0, 0) : n - max(c0 + n - W, 0)] = True
        for c, (grid, texts) in enumerate(zip(self.grids, self.texts)):
            channel = self.img if self.img.ndim == 2 else self.img[:, :, c]
            values = np.full((n, n), np.nan)
            values[inside] = channel[max(r0, 0) : r0 + n, max(c0, 0) : c0 + n].ravel()
            grid.set_data(values)
            for (r, q), v in np.ndenumerate(values):
                texts[r][q].set_text("" if np.isnan(v) else num(v, fmt=self.fmt))
            self.titles[c].set_text(f"{self.names[c]} at the pixel: {num(channel[row, col])}")
            self.labels[c].set_text(
                f"rows {max(r0, 0)}–{min(r0 + n, H) - 1}, columns {max(c0, 0)}–{min(c0 + n, W) - 1}"
            )
        return self


def show_pixel(img, row, col, axes=None, radius=3, fontsize=FONT - 1, fig=None):
    """An image with pixel (row, col) marked, and the numbers around it (one grid per channel).

    ``img`` is (H, W) or (H, W, C); the grids show the (2·radius+1)² cells
    around the pixel, which is framed in the middle. Returns the axes.
    """
    return PixelPicture(img, axes, radius, fontsize, fig=fig).set(row, col).axes


def show_changes(before, after, ax=None, title=None, fontsize=FONT):
    """Two same-shaped grids compared cell by cell: ``after`` in grey, its changed cells in red.

    The grid itself stays visible, so a comparison with no change shows the picture, not
    an empty square.
    """
    after, scale, overlay, changed = _changes(before, after)
    ax = new_axes(ax, figsize=(4, 4))
    ax.imshow(after, cmap="gray", vmin=scale[0], vmax=scale[1])
    ax.imshow(overlay)
    no_ticks(ax)
    ax.set_title(title or f"changed: {changed.sum()} of {changed.size} cells", fontsize=fontsize)
    return ax


def _changes(before, after):
    """What ``show_changes`` draws: ``after`` (float), its grey scale (vmin, vmax), the red RGBA overlay, the changed mask."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    changed = ~np.isclose(before, after)
    overlay = np.zeros((*changed.shape, 4))  # RGBA: red, opaque where a cell changed, clear elsewhere
    overlay[changed] = (0.85, 0.1, 0.1, 0.85)
    return after, (min(0.0, float(after.min())), float(after.max()) or 1.0), overlay, changed


def show_same_scale(arrays, titles, scale=1, dpi=100, label=None, **imshow):
    """Grids drawn side by side at one scale: each cell of every array is ``scale`` × ``scale``
    pixels of the picture, so a map half as high is drawn half as high.

    The axes are placed in inches (not fitted to the figure), so the scale holds in the
    saved picture at ``dpi``. ``imshow`` options (``cmap``, ``vmin``, ``vmax``) apply to all;
    ``label`` adds a colour bar with that label. Returns the axes.
    """
    arrays = [np.asarray(a) for a in arrays]
    if len(titles) != len(arrays):
        raise ValueError(
            f"show_same_scale expects one title per array; received {len(arrays)} arrays and {len(titles)} titles."
        )
    inch = scale / dpi  # one cell, in inches
    left, gap, top, bottom, bar = 0.6, 0.7, 0.5, 0.45, 1.2 if label else 0.2
    heights = [a.shape[0] * inch for a in arrays]
    width = left + sum(a.shape[1] * inch for a in arrays) + gap * (len(arrays) - 1) + bar
    height = bottom + max(heights) + top
    fig = new_figure((width, height))
    fig.set_layout_engine("none")  # the axes are placed by hand, in inches: no layout may resize them
    fig.set_dpi(dpi)
    axes, x = [], left
    for a, h, title in zip(arrays, heights, titles):
        w = a.shape[1] * inch
        ax = fig.add_axes((x / width, (height - top - h) / height, w / width, h / height))
        image = ax.imshow(a, interpolation="nearest", **imshow)
        ax.set_title(title, fontsize=FONT - 1)
        ax.tick_params(labelsize=FONT - 3)
        axes.append(ax)
        x += w + gap
    if label:
        bar_height = 0.6 * max(heights)
        cax = fig.add_axes(
            ((x - gap + 0.3) / width, (height - top - bar_height) / height, 0.15 / width, bar_height / height)
        )
        fig.colorbar(image, cax=cax, label=label)
    return axes


def show_shift_pooling(img, shifted, before, after, shift, K, axes=None, fig=None):
    """An image, the image shifted, its max-pooled output, and which pooled outputs the shift changed.

    Parameters
    ----------
    img, shifted : array_like, shape (H, W)
        The image and the same image moved by ``shift`` pixels.
    before, after : array_like, shape (H', W')
        The max-pooled ``img`` and ``shifted``.
    shift : (int, int)
        (down, right) in pixels, for the title.
    K : int
        The pool size, for the title.
    axes : four axes, optional

    Returns
    -------
    The four axes.
    """
    return ShiftPoolingPicture(img, shifted, before, after, shift, K, axes=axes, fig=fig).axes


class ShiftPoolingPicture:
    """``show_shift_pooling``'s picture, built once: ``set(shifted, after, shift)`` shows another shift.

    The input and the max-pooled input (``before``) stay; the shifted image, its pooled map and
    the comparison move in place (``set_data``, ``set_clim``, ``set_text``). ``dynamic`` lists
    the three axes that change, drawn whole, so that their titles move with them.
    """

    def __init__(self, img, shifted, before, after, shift, K, axes=None, fig=None):
        self.before, self.K = np.asarray(before, dtype=float), K
        self.axes = axes = new_axes(axes, figsize=(11, 3.6), ncols=4, fig=fig)
        for ax, data in zip(axes[:3], (img, shifted, after)):
            ax.imshow(data, cmap="gray")
            no_ticks(ax)
        show_changes(self.before, after, ax=axes[3], title=" ", fontsize=FONT - 1)
        axes[0].set_title("input", fontsize=FONT - 1)
        self._compare(np.asarray(after, dtype=float), shift)
        self.dynamic = list(axes[1:])

    def set(self, shifted, after, shift) -> ShiftPoolingPicture:
        """Show the image shifted by ``shift`` = (down, right) pixels, and ``after``, its max-pooled map."""
        for ax, data in ((self.axes[1], shifted), (self.axes[2], after)):
            (image,) = ax.images
            image.set_data(data)
            image.autoscale()  # the grey scale imshow gives new data: its minimum to its maximum
        self._compare(np.asarray(after, dtype=float), shift)
        return self

    def _compare(self, after, shift):
        """The titles, and the last panel: the pooled map against the one before the shift (in place, or moved)."""
        K = self.K
        self.axes[1].set_title(f"shifted by ({shift[0]}, {shift[1]}) pixels", fontsize=FONT - 1)
        self.axes[2].set_title(
            f"the shifted image, max-pooled\n{K}×{K} (stride {K}): {after.shape}", fontsize=FONT - 1
        )
        # a shift by whole windows moves the pooled map by whole cells: compare with that
        moved = pooled_shift(shift, K)
        reference = self.before if moved is None else np.roll(self.before, moved, axis=(0, 1))
        after, scale, overlay, changed = _changes(reference, after)
        differ = f"{changed.sum()} of {changed.size} differ"
        if moved is None:
            title = f"vs the old map, in place:\n{differ} ({changed.mean():.0%})"
        else:
            title = f"vs the old map moved {moved} cells:\n{differ}"
        grey, red = self.axes[3].images
        grey.set_data(after)
        grey.set_clim(*scale)
        red.set_data(overlay)
        self.axes[3].set_title(title, fontsize=FONT - 1)


def pooled_shift(shift, K):
    """(rows, cols) the max-pooled map moves when the input moves by ``shift`` pixels (stride K),
    or None when the shift is not a whole number of windows (then values change, not just places).

    >>> pooled_shift((0, 4), 2), pooled_shift((0, 1), 2)
    ((0, 2), None)
    """
    if shift[0] % K or shift[1] % K:
        return None
    return shift[0] // K, shift[1] // K


def _histogram(ax, values, after, bins, fontsize=FONT - 3, live=False):
    """One channel's values as a filled histogram: grey before a normalization, blue after.

    Counts are on a log scale: one bin (the background's value) can hold most of the values,
    and a linear axis would flatten all the others. ``live=True``, for an explorer that
    redraws as a slider moves, leaves out the unlabelled ticks between the decades and
    labels the decades as plain numbers (100, 1000) rather than typeset powers (10²):
    laying out the one and typesetting the other took about half of each redraw.
    """
    _, _, patches = ax.hist(
        values, bins=bins, color=VISITED_COLOR if after else "0.55", histtype="stepfilled", log=True
    )
    ax.set_ylabel("count (log scale)", fontsize=fontsize)
    if live:
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda count, _: f"{count:g}"))
    return patches


def show_histograms(before, after, axes=None, channels=None, bins=40, fontsize=FONT - 1, fig=None):
    """Per-channel histograms of activations (..., C) before and after a normalization.

    Each panel gives the channel's mean and (biased) variance, so that the
    effect of batch normalization (mean 0, variance 1, then γ and β) can be read
    off the picture. ``axes`` is a (2, channels) array: before on top, after below.
    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    C = before.shape[-1]
    channels = range(C) if channels is None else channels
    axes = new_axes(
        axes, figsize=(3 * len(channels), 4.4), nrows=2, ncols=len(channels), fig=fig, squeeze=False
    )
    for col, c in enumerate(channels):
        for row, (data, name) in enumerate(((before, "before"), (after, "after"))):
            values = data[..., c].ravel()
            ax = axes[row][col]
            _histogram(ax, values, row == 1, bins)
            mean, var = round(values.mean(), 2) + 0.0, round(values.var(), 2) + 0.0  # + 0.0: no "-0.00"
            ax.set_title(f"channel {c}, {name}\nmean {mean:.2f}, var {var:.2f}", fontsize=fontsize)
            ax.tick_params(labelsize=fontsize - 3)
    return axes


def show_batchnorm_channel(
    batch, y, channel, mean, var, gamma, beta, epsilon, population=None, axes=None, bins=60, fig=None
):
    """One channel of a batch before and after batch normalization, with the batch's statistics.

    Parameters
    ----------
    batch : array_like, shape (N, H, W, C)
        The batch's activations.
    y : array_like, shape (N, H, W, C)
        The batch normalization's output γ·x̂ + β.
    channel : int
        The channel c to draw.
    mean, var : float
        The batch's statistics μ_B and σ²_B of that channel.
    gamma, beta, epsilon : float
        The layer's γ, β and ε, for the title.
    population : array_like, shape (M, H, W, C), optional
        All the images the batch was drawn from: their mean is marked and their
        statistics are given beside the batch's.
    axes : two axes, optional

    Returns
    -------
    The two axes (before, after).
    """
    picture = BatchNormPicture(
        batch, channel, mean, var, population=population, axes=axes, bins=bins, fig=fig
    )
    return picture.set(y, gamma, beta, epsilon).axes


class BatchNormPicture:
    """``show_batchnorm_channel``'s picture: the batch's channel before normalization, built once,
    and after it, drawn again by ``set(y, gamma, beta, epsilon)``.

    γ, β and ε change the values after normalization and with them the histogram's bins, its
    axis' limits and ticks and its title: ``set`` puts a new histogram in place of the old one
    (the same calls as the first time) and writes the title; ``dynamic`` lists that axes,
    drawn whole (ticks and all), so that an explorer draws only it again.
    """

    def __init__(self, batch, channel, mean, var, population=None, axes=None, bins=60, fig=None):
        batch = np.asarray(batch, dtype=float)
        N, H, W, _ = batch.shape
        self.channel, self.bins = channel, bins
        before = batch[..., channel].ravel()
        self.axes = axes = new_axes(axes, figsize=(11, 3.4), ncols=2, fig=fig)
        _histogram(axes[0], before, False, bins, live=True)  # (drawn live by BatchNormExplorer)
        # the two means are often a hair apart: the batch's line fills the lower half, all images' the upper
        axes[0].axvline(mean, ymax=0.5, color=WINDOW_COLOR, lw=2.5, label="batch mean μ_B (lower half)")
        statistics = f"μ_B = {_three(mean)}, σ²_B = {_three(var)}"
        if population is not None:
            everything = np.asarray(population)[..., channel]
            axes[0].axvline(
                everything.mean(),
                ymin=0.5,
                color="black",
                ls="--",
                lw=2,
                label="mean of all images (upper half)",
            )
            statistics += f"  (all images: {_three(everything.mean())}, {_three(everything.var())})"
        axes[0].legend(fontsize=9)
        axes[0].set_title(
            f"before: batch of N={N} (m = N·{H}·{W} = {before.size} values)\n{statistics}", fontsize=FONT - 1
        )
        self.bars = []  # the histogram after normalization: drawn by set()
        self.dynamic = [axes[1]]

    def set(self, y, gamma, beta, epsilon) -> BatchNormPicture:
        """Draw the channel after normalization: ``y`` (N, H, W, C) = γ·x̂ + β, with γ, β and ε in the title."""
        after = np.asarray(y, dtype=float)[..., self.channel].ravel()
        ax = self.axes[1]
        for patch in self.bars:  # a new range: new bins, so a new histogram in place of the old
            patch.remove()
        self.bars = _histogram(ax, after, True, self.bins, live=True)
        ax.relim()  # limits (and so ticks) for the new histogram alone, as the first time
        ax.set_title(
            f"after: γ·x̂ + β with γ = {gamma:.1f}, β = {beta:.1f}, ε = {epsilon:.0e}\n"
            f"mean {_three(after.mean())}, variance {_three(after.var())}",
            fontsize=FONT - 1,
        )
        return self


def _three(v):
    """Three decimals, and 0.000 rather than −0.000 for a mean that rounds to 0."""
    return f"{round(float(v), 3) + 0.0:.3f}"
