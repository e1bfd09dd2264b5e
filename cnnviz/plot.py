"""Pictures of what the ops compute: images, grids of numbers, kernels, windows, sizes.

Every function draws into ``ax`` (or a new figure when ``ax`` is None) and
returns the axes it drew on; none calls ``plt.show()``. In a notebook, end the
cell with ``;`` so the figure is shown once. Explorers pass axes of a
``matplotlib.figure.Figure`` they own, so no pyplot state is involved there.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .sizes import formula_text, kernel_extent

WINDOW_COLOR = "#d62728"  # the current window / output cell
VISITED_COLOR = "#1f77b4"  # window positions, padding outlines
FONT = 12


def new_axes(ax=None, figsize=(4, 4), ncols=1, nrows=1):
    """``ax`` if given, else fresh axes from ``plt.subplots`` (shown inline in notebooks)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=True)
    return axes


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


def show_channels(img, axes=None):
    """The R, G and B channels of an (H, W, 3) image, each in its own colour.

    Returns the three axes.
    """
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"show_channels expects an RGB image (H, W, 3); received shape {img.shape}.")
    axes = new_axes(axes, figsize=(12, 4), ncols=3) if axes is None else axes
    top = 255 if img.dtype == np.uint8 else 1.0
    for c, (name, cmap) in enumerate((("R", "Reds"), ("G", "Greens"), ("B", "Blues"))):
        axes[c].imshow(img[:, :, c], cmap=cmap, vmin=0, vmax=top)
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
    padding : int or ((top, bottom), (left, right))
        How many rows/columns at each edge are padding; they are drawn hatched.
    fmt : str, optional
        Format of the numbers (default: integers if all values are whole).
    """
    a = np.atleast_2d(np.asarray(a, dtype=float)) + 0.0  # + 0.0 turns −0 into 0
    ax = new_axes(ax, figsize=(0.6 * a.shape[1] + 1, 0.6 * a.shape[0] + 1))
    finite = a[np.isfinite(a)]
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0)
    hi = vmax if vmax is not None else (finite.max() if finite.size else 1)
    ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1, alpha=0.35)
    if fmt is None:
        fmt = "{:.0f}" if np.all(np.mod(finite, 1) == 0) else "{:.2f}"
    if a.size <= 400:
        for (r, c), v in np.ndenumerate(a):
            if not np.isnan(v):  # NaN marks a cell not computed yet: left blank
                text = fmt.format(v) if np.isfinite(v) else ("−∞" if v < 0 else "∞")
                ax.text(c, r, text.replace("-", "−"), ha="center", va="center", fontsize=fontsize)
    (pt, pb), (pl, pr) = _pads2(padding)
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
    _cell_ticks(ax, a.shape) if ticks else _no_ticks(ax)
    if title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def show_kernel(w, ax=None, title=None, values=None, fontsize=FONT, ticks=True):
    """A 2D kernel in a diverging colour map centred at 0 (red positive, blue negative).

    Values are printed when the kernel is small (``values=None`` decides by size).
    """
    w = np.asarray(w, dtype=float) + 0.0  # + 0.0 turns −0 into 0
    if w.ndim == 1:
        w = w[None, :]
    ax = new_axes(ax, figsize=(0.7 * w.shape[1] + 1, 0.7 * w.shape[0] + 1))
    top = float(np.abs(w).max()) or 1.0
    ax.imshow(w, cmap="RdBu_r", vmin=-top, vmax=top)
    if values if values is not None else w.size <= 49:
        fmt = "{:.0f}" if np.all(np.mod(w, 1) == 0) else "{:.2f}"
        for (r, c), v in np.ndenumerate(w):
            ax.text(
                c,
                r,
                fmt.format(v).replace("-", "−"),
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if abs(v) > 0.6 * top else "black",
            )
    _cell_ticks(ax, w.shape) if ticks else _no_ticks(ax)
    if title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def show_feature_maps(y, axes=None, titles=None, cmap="viridis", ncols=None, fig=None):
    """Each channel of ``y`` (H, W, k) as its own small image; returns the axes used."""
    y = np.asarray(y)
    if y.ndim == 2:
        y = y[:, :, None]
    k = y.shape[2]
    if axes is None:
        ncols = ncols or min(k, 8)
        nrows = -(-k // ncols)
        if fig is None:
            import matplotlib.pyplot as plt

            size = min(2.0, 14.0 / ncols)  # at most 14 inches wide
            fig = plt.figure(figsize=(size * ncols, size * nrows + 0.3), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for extra in axes[k:]:
            extra.set_axis_off()
    for o in range(k):
        axes[o].imshow(y[:, :, o], cmap=cmap)
        axes[o].set_title(titles[o] if titles else f"map {o}", fontsize=10)
        axes[o].set_xticks([])
        axes[o].set_yticks([])
    return axes[:k]


def show_signal(x, ax=None, w=None, position=None, S=1, P=0, title=None, fontsize=FONT):
    """A 1D signal as a row of numbered cells, with the window at output ``position``.

    With ``w`` and ``position`` given, the kernel's weights are written under the
    window and the products and their sum are written out, y_i = Σ_j w_j · x_{i·S+j}.
    ``P`` cells of zero padding are drawn hatched at each end.
    """
    x = np.asarray(x, dtype=float)
    before, after = (P, P) if np.isscalar(P) else P
    x_pad = np.concatenate([np.zeros(before), x, np.zeros(after)])
    ax = new_axes(ax, figsize=(0.6 * len(x_pad) + 1, 2.4))
    show_grid(x_pad[None, :], ax=ax, padding=((0, 0), (before, after)), fontsize=fontsize)
    ax.set_yticks([])
    ax.set_xticks(range(len(x_pad)), [str(i - before) for i in range(len(x_pad))])
    ax.set_xlabel("index in x (padding hatched)")
    if w is not None and position is not None:
        w = np.asarray(w, dtype=float)
        start = position * S
        ax.add_patch(Rectangle((start - 0.5, -0.5), len(w), 1, fill=False, ec=WINDOW_COLOR, lw=3))
        products = " + ".join(f"{_num(wj, True)}·{_num(x_pad[start + j], True)}" for j, wj in enumerate(w))
        total = float(np.dot(w, x_pad[start : start + len(w)]))
        ax.set_title(f"y[{position}] = {products} = {_num(total)}", fontsize=fontsize)
    elif title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def show_output_size(L, K, P=0, S=1, D=1, ax=None, fontsize=FONT):
    """The formula L' = ⌊(L + 2P − K)/S⌋ + 1 with numbers, over a picture of the windows.

    The padded input is a row of L + 2P cells; each window position is a bar
    under it, and cells that no window reaches (thrown away by the floor) are
    marked.
    """
    before, after = (P, P) if np.isscalar(P) else P
    n = L + before + after
    E = kernel_extent(K, D)
    ax = new_axes(ax, figsize=(max(6, 0.45 * n + 2), 3))
    positions = (n - E) // S + 1 if n >= E else 0
    for c in range(n):
        pad = c < before or c >= before + L
        reached = c < (positions - 1) * S + E if positions else False
        face = "white" if reached else "#f7d6d6"
        ax.add_patch(Rectangle((c, 0), 1, 1, fc=face, ec="0.3", hatch="//" if pad else None))
        ax.text(
            c + 0.5,
            0.5,
            "0" if pad else str(c - before),
            ha="center",
            va="center",
            fontsize=fontsize - 2,
            color="0.5" if pad else "black",
        )
    for i in range(positions):
        y0 = -0.5 - 0.45 * i
        ax.plot([i * S + 0.1, i * S + E - 0.1], [y0, y0], color=VISITED_COLOR, lw=4, solid_capstyle="butt")
        ax.text(i * S - 0.2, y0, f"{i}", ha="right", va="center", fontsize=fontsize - 3)
    bottom = -0.8 - 0.45 * max(positions, 1)
    ax.set_xlim(-1, n + 0.5)
    ax.set_ylim(bottom - 0.5, 1.1)
    ax.set_axis_off()
    ax.set_title(formula_text(L, K, (before, after), S, D), fontsize=fontsize)
    legend = "cells: index in x; hatched: zero padding"
    if positions and (positions - 1) * S + E < n:
        legend += "; red: read by no window"
    ax.text(
        0,
        bottom - 0.2,
        legend + f"; bars: the {positions} window positions.",
        fontsize=fontsize - 3,
        color="0.35",
        va="top",
    )
    return ax


def _cell_ticks(ax, shape):
    ax.set_xticks(range(shape[1]))
    ax.set_yticks(range(shape[0]))
    ax.tick_params(length=0, labelsize=9)


def _no_ticks(ax):
    ax.set_xticks([])
    ax.set_yticks([])


def _pads2(padding):
    if np.isscalar(padding):
        return (padding, padding), (padding, padding)
    return tuple((p, p) if np.isscalar(p) else tuple(p) for p in padding)


def _num(v, wrap=False):
    """A number as short text: 3 rather than 3.0, two decimals at most, −1 as (−1) in a product."""
    v = float(v) + 0.0  # + 0.0 turns −0 into 0
    text = f"{v:.0f}" if v == round(v) else f"{v:.2f}".rstrip("0")
    text = text.replace("-", "−")
    return f"({text})" if wrap and v < 0 else text


def window_sum_text(x_pad, w, start, o=0, D=1):
    """The sum behind one output cell of a 1D convolution, written out.

    ``x_pad`` (L_pad, C), ``w`` (K, C, k); the window starts at ``start``.
    One channel gives "1·2 + 0·3 + (−1)·4 = −2"; several channels give one
    partial sum per channel and then their total.
    """
    K, C = w.shape[:2]
    parts = []
    for c in range(C):
        terms = " + ".join(
            f"{_num(w[j, c, o], True)}·{_num(x_pad[start + j * D, c], True)}" for j in range(K)
        )
        parts.append((terms, float(np.dot(w[:, c, o], x_pad[start : start + D * (K - 1) + 1 : D, c]))))
    if C == 1:
        return f"{parts[0][0]} = {_num(parts[0][1])}"
    lines = [f"channel {c}: {terms} = {_num(s)}" for c, (terms, s) in enumerate(parts)]
    total = sum(s for _, s in parts)
    lines.append(" + ".join(_num(s, True) for _, s in parts) + f" = {_num(total)}")
    return "\n".join(lines)


class RevealGrid:
    """An output grid whose cells appear one at a time, for step-through pictures.

    All cells' numbers are drawn once; ``show(mask, cell)`` then decides which
    are visible and which cell is highlighted, without drawing anything new.
    """

    def __init__(self, ax, values, cmap="RdBu_r", fontsize=FONT):
        self.values = np.asarray(values, dtype=float) + 0.0
        finite = self.values[np.isfinite(self.values)]
        top = float(np.abs(finite).max()) if finite.size else 1.0
        self.image = ax.imshow(
            np.full(self.values.shape, np.nan), cmap=cmap, vmin=-top or -1, vmax=top or 1, alpha=0.35
        )
        fmt = "{:.0f}" if np.all(np.mod(finite, 1) == 0) else "{:.2f}"
        self.texts = np.empty(self.values.shape, dtype=object)
        for (r, c), v in np.ndenumerate(self.values):
            self.texts[r, c] = ax.text(
                c,
                r,
                fmt.format(v).replace("-", "−"),
                ha="center",
                va="center",
                fontsize=fontsize,
                visible=False,
            )
        self.cell = ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, color=WINDOW_COLOR, alpha=0.35))
        ax.set_xlim(-0.5, self.values.shape[1] - 0.5)
        ax.set_ylim(self.values.shape[0] - 0.5, -0.5)
        _no_ticks(ax)

    def show(self, mask, cell):
        """Show the cells where ``mask`` is True and highlight ``cell`` = (row, col)."""
        self.image.set_data(np.where(mask, self.values, np.nan))
        for (r, c), text in np.ndenumerate(self.texts):
            text.set_visible(bool(mask[r, c]))
        self.cell.set_xy((cell[1] - 0.5, cell[0] - 0.5))

    @property
    def artists(self):
        return [self.image, *self.texts.ravel(), self.cell]


class Conv1DStep:
    """The picture of a 1D convolution (cases 1–3), built once, then moved from cell to cell.

    ``set(i)`` moves the window to output cell i, rewrites the sum in the title
    and reveals the output up to that cell; ``dynamic`` lists the artists that
    change, so an explorer can redraw only those.
    """

    def __init__(self, x, w, S=1, P=0, o=0, axes=None, fontsize=FONT):
        x = np.asarray(x, dtype=float)
        self.x = x[:, None] if x.ndim == 1 else x
        w = np.asarray(w, dtype=float)
        self.w = w.reshape(w.shape[0], self.x.shape[1], -1)
        before, after = (P, P) if np.isscalar(P) else P
        self.x_pad = np.pad(self.x, ((before, after), (0, 0)))  # (L_pad, C)
        K, C, k = self.w.shape
        self.S, self.o = S, o
        L_out = (len(self.x_pad) - K) // S + 1
        # y[o, i] = Σ_{j,c} w[j, c, o] · x_pad[i·S + j, c], written out so the picture needs no other module
        self.y = np.array(
            [
                [np.sum(self.w[:, :, oo] * self.x_pad[j * S : j * S + K]) for j in range(L_out)]
                for oo in range(k)
            ]
        )
        if axes is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(
                figsize=(max(8, 0.55 * len(self.x_pad) + 3), 1.6 + 0.9 * (C + k)), layout="constrained"
            )
            grid = fig.subplots(2, 2, width_ratios=[len(self.x_pad), max(K, 3)], height_ratios=[C, k + 0.6])
            grid[1, 1].set_axis_off()
            axes = (grid[0, 0], grid[0, 1], grid[1, 0])
        self.axes = ax_x, ax_w, ax_y = axes
        show_grid(self.x_pad.T, ax=ax_x, padding=((0, 0), (before, after)), fontsize=fontsize)
        ax_x.set_xticks(range(len(self.x_pad)), [str(j - before) for j in range(len(self.x_pad))])
        ax_x.set_yticks(range(C), [f"c={c}" for c in range(C)] if C > 1 else ["x"])
        self.window = ax_x.add_patch(Rectangle((-0.5, -0.5), K, C, fill=False, ec=WINDOW_COLOR, lw=3))
        self.title = ax_x.set_title(" ", fontsize=fontsize, loc="left")
        show_kernel(self.w[:, :, o].T, ax=ax_w, fontsize=fontsize, ticks=False)
        ax_w.set_title(f"kernel {o}: K={K}" + (f", depth {C}" if C > 1 else ""), fontsize=fontsize)
        self.output = RevealGrid(ax_y, self.y, fontsize=fontsize)
        for oo in range(k):  # row labels without tick machinery (ticks are slow to draw)
            ax_y.text(
                -0.7, oo, f"kernel {oo}" if k > 1 else "y", ha="right", va="center", fontsize=fontsize - 2
            )
        ax_y.set_title(
            f"output: L' = {L_out} cells" + (f" × {k} kernels" if k > 1 else ""),
            fontsize=fontsize,
            loc="left",
        )
        self.dynamic = [self.window, self.title, *self.output.artists]

    def set(self, i):
        """Show output cell ``i`` (0-based) of kernel ``o``: its window, its sum, the output so far."""
        _, C, k = self.w.shape
        start = i * self.S
        self.window.set_xy((start - 0.5, -0.5))
        label = f"y[{i}, {self.o}]" if k > 1 else f"y[{i}]"
        text = window_sum_text(self.x_pad, self.w, start, self.o)
        self.title.set_text(f"{label} = {text}" if C == 1 else f"{label}, a sum over every channel:\n{text}")
        mask = np.repeat(np.arange(self.y.shape[1])[None, :] <= i, k, axis=0)  # (k, L')
        mask[self.o + 1 :, i] = False  # kernels after o have not reached cell i yet
        self.output.show(mask, (self.o, i))
        return self


def show_conv1d_step(x, w, i, S=1, P=0, o=0, axes=None, fontsize=FONT):
    """One step of a 1D convolution with C channels and k kernels (cases 1–3).

    Draws the padded input (one row per channel) with the window at output
    cell ``i``, kernel ``o`` beside it (one row per channel, so each weight sits
    under the input row it multiplies), and the output (one row per kernel)
    filled up to the cell being computed; the sum is written out in the title.

    Parameters
    ----------
    x : array_like, shape (L,) or (L, C)
    w : array_like, shape (K,), (K, C) or (K, C, k)
    axes : three axes (input, kernel, output), optional

    Returns
    -------
    The three axes (input, kernel, output).
    """
    return Conv1DStep(x, w, S, P, o, axes, fontsize).set(i).axes


class Conv2DStep:
    """The picture of a 2D convolution (case 4) on a small grid, moved from cell to cell.

    For each input channel c: the padded channel with the window, and under it
    kernel o's slice for that channel with its share of the sum; to the right,
    the total (with the bias) and output map o, revealed up to the current
    cell. ``set(i, j)`` moves everything that changes; ``dynamic`` lists it.
    """

    def __init__(self, x, w, S=1, P=0, o=0, b=None, axes=None, fontsize=FONT - 1):
        x = np.asarray(x, dtype=float)
        x = x[:, :, None] if x.ndim == 2 else x
        w = np.asarray(w, dtype=float)
        self.w = w.reshape(*w.shape[:2], x.shape[2], -1)
        (pt, pb), (pl, pr) = _pads2(P)
        self.x_pad = np.pad(x, ((pt, pb), (pl, pr), (0, 0)))
        KH, KW, C, _ = self.w.shape
        self.S, self.o, self.has_bias = S, o, b is not None
        self.bias = 0.0 if b is None else float(np.asarray(b).ravel()[o])
        Ho, Wo = (self.x_pad.shape[0] - KH) // S + 1, (self.x_pad.shape[1] - KW) // S + 1
        # y[i, j] = b[o] + Σ_{u,v,c} w[u, v, c, o] · x_pad[i·S + u, j·S + v, c], written out here
        self.y = np.array(
            [
                [
                    np.sum(self.w[:, :, :, o] * self.x_pad[r * S : r * S + KH, q * S : q * S + KW])
                    + self.bias
                    for q in range(Wo)
                ]
                for r in range(Ho)
            ]
        )
        if axes is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(3.2 * (C + 1), 6), layout="constrained")
            axes = fig.subplots(2, C + 1, height_ratios=[self.x_pad.shape[0], max(KH, Ho)])
        self.axes = axes
        padded = " (padded)" if pt + pb + pl + pr else ""
        self.windows, self.shares = [], []
        for c in range(C):
            show_grid(
                self.x_pad[:, :, c],
                ax=axes[0, c],
                padding=((pt, pb), (pl, pr)),
                fontsize=fontsize,
                title=f"x, channel {c}{padded}",
                ticks=False,
            )
            self.windows.append(
                axes[0, c].add_patch(Rectangle((-0.5, -0.5), KW, KH, fill=False, ec=WINDOW_COLOR, lw=3))
            )
            show_kernel(self.w[:, :, c, o], ax=axes[1, c], fontsize=fontsize, ticks=False)
            self.shares.append(axes[1, c].set_title(" ", fontsize=fontsize))
        self.output = RevealGrid(axes[1, C], self.y, fontsize=fontsize)
        axes[1, C].set_title(f"output map {o}: {Ho}×{Wo}", fontsize=fontsize)
        axes[0, C].set_axis_off()
        self.total = axes[0, C].text(
            0, 0.5, " ", fontsize=fontsize + 1, va="center", transform=axes[0, C].transAxes
        )
        self.dynamic = [*self.windows, *self.shares, self.total, *self.output.artists]

    def set(self, i, j):
        """Show output cell (i, j): the windows, each channel's share, the total, the output so far."""
        KH, KW, C, _ = self.w.shape
        r, q = i * self.S, j * self.S
        partial = [
            float(np.sum(self.w[:, :, c, self.o] * self.x_pad[r : r + KH, q : q + KW, c])) for c in range(C)
        ]
        for c in range(C):
            self.windows[c].set_xy((q - 0.5, r - 0.5))
            self.shares[c].set_text(f"w[:, :, {c}, {self.o}]: Σ w·x = {_num(partial[c])}")
        bias = f" + b[{self.o}] ({_num(self.bias)})" if self.has_bias else ""
        self.total.set_text(
            f"y[{i}, {j}, {self.o}] =\n"
            + " + ".join(_num(p, True) for p in partial)
            + bias
            + f" = {_num(sum(partial) + self.bias)}\n({KH}·{KW}·{C} = {KH * KW * C} products)"
        )
        Ho, Wo = self.y.shape
        self.output.show(np.arange(Ho * Wo).reshape(Ho, Wo) <= i * Wo + j, (i, j))
        return self


def show_conv2d_step(x, w, i, j, o=0, S=1, P=0, b=None, axes=None, fontsize=FONT - 1):
    """One output cell (i, j) of a 2D convolution (case 4) on a small grid.

    Draws, for each input channel c, the padded channel with the window of
    output cell (i, j) and, under it, kernel o's slice for that channel with
    its share of the sum; to the right, the total (plus the bias) and output
    map o filled up to the cell.

    Parameters
    ----------
    x : array_like, shape (H, W) or (H, W, C)
    w : array_like, shape (KH, KW), (KH, KW, C) or (KH, KW, C, k)
    b : array_like of shape (k,), optional
    axes : array of axes of shape (2, C + 1), optional

    Returns
    -------
    The (2, C + 1) array of axes.
    """
    return Conv2DStep(x, w, S, P, o, b, axes, fontsize).set(i, j).axes


def show_filtered(y, w, ax):
    """A filtered grayscale image: as an image when the kernel keeps brightness (weights sum
    to 1), else as signed responses in a diverging map (red positive, blue negative)."""
    y = np.asarray(y, dtype=float)
    y = y[:, :, 0] if y.ndim == 3 else y
    if abs(float(np.sum(w)) - 1) < 1e-9:  # blur, sharpen, identity: still an image (clipped to 0..1)
        ax.imshow(np.clip(y, 0, 1), cmap="gray", vmin=0, vmax=1)
    else:
        # scale by the 99.5th percentile: a few extreme pixels would wash out the rest
        top = float(np.percentile(np.abs(y), 99.5)) or float(np.abs(y).max()) or 1.0
        signed = y.min() < 0
        ax.imshow(y, cmap="RdBu_r" if signed else "gray", vmin=-top if signed else 0, vmax=top)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def show_image_filter(img, y, w, axes=None, titles=("input", "kernel", "output")):
    """Input image, kernel and the filtered output side by side (output in a diverging map)."""
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(12, 4), layout="constrained")
        axes = fig.subplots(1, 3, width_ratios=[4, 1.6, 4])
    show_image(img, ax=axes[0], title=titles[0])
    show_kernel(w, ax=axes[1], title=titles[1])
    show_filtered(y, w, ax=axes[2])
    axes[2].set_title(f"{titles[2]}: shape {y.shape}")
    axes[2].set_xticks([])
    axes[2].set_yticks([])
    return axes


def show_responses(x, responses, axes=None, fontsize=FONT):
    """A 1D signal and the feature maps of several kernels, one row each.

    ``responses`` maps a label to an output ``y``; y[i] is drawn under the
    centre of the window that made it, so peaks line up with what caused them.
    """
    x = np.asarray(x, dtype=float)
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(9, 1.8 * (1 + len(responses))), layout="constrained")
        axes = fig.subplots(1 + len(responses), 1, sharex=True)
    axes[0].bar(range(len(x)), x, color="0.6")
    axes[0].set_title("input x", fontsize=fontsize, loc="left")
    for ax, (label, y) in zip(axes[1:], responses.items()):
        y = np.asarray(y, dtype=float)
        centre = (len(x) - len(y)) / 2  # a kernel of size K = L − L' + 1 is centred K−1 / 2 cells in
        ax.bar(np.arange(len(y)) + centre, y, color=np.where(y >= 0, "#d6604d", "#4393c3"))
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(label, fontsize=fontsize, loc="left")
    axes[-1].set_xlabel("position")
    return axes


def show_filter_gallery(img, kernels, ncols=4, fig=None):
    """A grayscale image filtered by each kernel of ``kernels`` (name -> (KH, KW) array)."""
    from .cases import conv2d  # the real computation, not a copy of it

    img = np.asarray(img, dtype=float)
    n = len(kernels) + 1
    nrows = -(-n // ncols)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(3 * ncols, 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    axes[0].imshow(img, cmap="gray")
    axes[0].set_title(f"input {img.shape}")
    for ax, (name, w) in zip(axes[1:], kernels.items()):
        show_filtered(conv2d(img, w, padding="same"), w, ax=ax)
        ax.set_title(name)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes[:n]


class PixelPicture:
    """An image with one pixel marked and the numbers around it, one grid per channel.

    The grids always show (2·radius+1)² cells centred on the pixel (blank
    beyond the image's border). ``set(row, col)`` moves to another pixel by
    changing only the artists in ``dynamic``.
    """

    def __init__(self, img, axes=None, radius=3, fontsize=FONT - 1):
        self.img = np.asarray(img)
        self.radius = radius
        gray = self.img.ndim == 2
        channels = 1 if gray else self.img.shape[2]
        if axes is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(4 + 2.6 * channels, 3.6), layout="constrained")
            axes = fig.subplots(1, 1 + channels, width_ratios=[1.6] + [1] * channels)
        self.axes = axes
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
            _no_ticks(ax)
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
                texts[r][q].set_text("" if np.isnan(v) else self.fmt.format(v))
            self.titles[c].set_text(f"{self.names[c]} at the pixel: {_num(channel[row, col])}")
            self.labels[c].set_text(
                f"rows {max(r0, 0)}–{min(r0 + n, H) - 1}, columns {max(c0, 0)}–{min(c0 + n, W) - 1}"
            )
        return self


def show_pixel(img, row, col, axes=None, radius=3, fontsize=FONT - 1):
    """An image with pixel (row, col) marked, and the numbers around it (one grid per channel).

    ``img`` is (H, W) or (H, W, C); the grids show the (2·radius+1)² cells
    around the pixel, which is framed in the middle. Returns the axes.
    """
    return PixelPicture(img, axes, radius, fontsize).set(row, col).axes


def show_cnn_pipeline(image, kernels, fig=None, seed=0):
    """A digit's way through a small CNN: conv + ReLU → max-pool → flatten → dense → softmax.

    Every array drawn is computed by cnnviz's ops, and every title gives its
    shape. The dense layer's weights are random (seeded): the picture shows the
    shapes and the flow, not a trained classifier.

    Parameters
    ----------
    image : array_like, shape (H, W)
        A grayscale image with values in [0, 1].
    kernels : array_like, shape (KH, KW, 1, k)
        The convolution's kernels.
    """
    from . import ops

    rng = np.random.default_rng(seed)
    x = np.asarray(image, dtype=float)[None, :, :, None]  # (1, H, W, 1)
    conv, _ = ops.conv2d_forward(x, kernels, padding="same")
    relu, _ = ops.relu_forward(conv)
    pooled, _ = ops.max_pool2d_forward(relu, 2)
    flat = pooled.reshape(1, -1)
    weights = rng.normal(0, 1 / np.sqrt(flat.shape[1]), (flat.shape[1], 10))
    scores = flat @ weights
    probs = ops.softmax(scores)
    k = conv.shape[3]
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(14, 4.2), layout="constrained")
    grid = fig.add_gridspec(k, 6, width_ratios=[2.2, 1, 1, 0.35, 1.6, 1.6])
    ax = fig.add_subplot(grid[:, 0])
    ax.imshow(x[0, :, :, 0], cmap="gray")
    ax.set_title(f"input {x.shape[1:]}")
    for o in range(k):
        for col, (maps, name) in enumerate(((relu, "conv + ReLU"), (pooled, "max-pool 2×2")), start=1):
            a = fig.add_subplot(grid[o, col])
            a.imshow(maps[0, :, :, o], cmap="viridis")
            a.set_xticks([])
            a.set_yticks([])
            if o == 0:
                a.set_title(f"{name}\n{maps.shape[1:]}", fontsize=10)
    a = fig.add_subplot(grid[:, 3])
    a.imshow(flat.reshape(-1, 1)[:: max(1, flat.shape[1] // 200)], aspect="auto", cmap="viridis")
    a.set_title(f"flatten\n({flat.shape[1]},)", fontsize=10)
    a.set_xticks([])
    a.set_yticks([])
    for col, (values, name) in enumerate(
        ((scores[0], "dense: scores (10,)"), (probs[0], "softmax: p (10,)")), start=4
    ):
        a = fig.add_subplot(grid[:, col])
        a.barh(range(10), values, color=VISITED_COLOR)
        a.set_yticks(range(10))
        a.invert_yaxis()
        a.set_title(name + "\n(random weights)", fontsize=10)
    for a in fig.axes[:1]:
        a.set_xticks([])
        a.set_yticks([])
    return fig


class Pool2DStep:
    """Pooling of one channel on a small grid, moved from window to window.

    The padded grid (padding hatched, counting as −∞ for max and left out of
    the average) with the window and, for max-pooling, the winning cell
    framed; beside it the output, revealed up to the current cell.
    ``set(i, j)`` moves what changes; ``dynamic`` lists it.
    """

    def __init__(self, x, K=2, S=None, P=0, mode="max", axes=None, fontsize=FONT):
        from . import ops  # the real computation

        self.x = np.asarray(x, dtype=float)
        self.K, self.S, self.mode = K, K if S is None else S, mode
        (pt, pb), (pl, pr) = _pads2(P)
        self.pads = ((pt, pb), (pl, pr))
        forward = ops.max_pool2d_forward if mode == "max" else ops.avg_pool2d_forward
        y, cache = forward(self.x[None, :, :, None], K, self.S, self.pads)
        self.y = y[0, :, :, 0]
        self.argmax = cache["argmax"][0, :, :, 0] if mode == "max" else None
        fill = -np.inf if mode == "max" else np.nan
        self.x_pad = np.pad(self.x, self.pads, constant_values=fill)
        if axes is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(9, 4), layout="constrained")
            axes = fig.subplots(1, 2, width_ratios=[self.x_pad.shape[1], max(self.y.shape[1], 2) + 1])
        self.axes = ax_x, ax_y = axes
        show_grid(
            np.where(np.isfinite(self.x_pad), self.x_pad, np.nan),
            ax=ax_x,
            padding=self.pads,
            fontsize=fontsize,
            ticks=False,
            title=f"x (one channel), {mode}-pool K={K}, S={self.S}",
        )
        self.window = ax_x.add_patch(Rectangle((-0.5, -0.5), K, K, fill=False, ec=WINDOW_COLOR, lw=3))
        self.winner = ax_x.add_patch(
            Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="black", lw=2.5, visible=mode == "max")
        )
        self.output = RevealGrid(ax_y, self.y, cmap="Greys", fontsize=fontsize)
        self.title = ax_y.set_title(" ", fontsize=fontsize)
        self.dynamic = [self.window, self.winner, self.title, *self.output.artists]

    def set(self, i, j):
        """Show output cell (i, j): its window, its winner (max) or its mean (average)."""
        r, q = i * self.S, j * self.S
        self.window.set_xy((q - 0.5, r - 0.5))
        if self.mode == "max":
            u, v = divmod(int(self.argmax[i, j]), self.K)
            self.winner.set_xy((q + v - 0.5, r + u - 0.5))
            self.title.set_text(f"y[{i}, {j}] = max of the window = {_num(self.y[i, j])}")
        else:
            self.title.set_text(f"y[{i}, {j}] = mean of the window's real cells = {_num(self.y[i, j])}")
        Ho, Wo = self.y.shape
        self.output.show(np.arange(Ho * Wo).reshape(Ho, Wo) <= i * Wo + j, (i, j))
        return self


def show_pool_step(x, i, j, K=2, S=None, P=0, mode="max", axes=None, fontsize=FONT):
    """One window of max- (or average-) pooling on a one-channel grid; returns the two axes."""
    return Pool2DStep(x, K, S, P, mode, axes, fontsize).set(i, j).axes


def show_changes(before, after, ax=None, title=None, fontsize=FONT):
    """Two same-shaped grids compared cell by cell: unchanged cells grey, changed cells red."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    changed = ~np.isclose(before, after)
    ax = new_axes(ax, figsize=(4, 4))
    ax.imshow(np.where(changed, 1.0, 0.0), cmap="Reds", vmin=0, vmax=1.6)
    _no_ticks(ax)
    ax.set_title(title or f"changed: {changed.sum()} of {changed.size} cells", fontsize=fontsize)
    return ax


def show_histograms(before, after, axes=None, channels=None, bins=40, fontsize=FONT - 1):
    """Per-channel histograms of activations (..., C) before and after a normalization.

    Each panel gives the channel's mean and (biased) variance, so that the
    effect of batch normalization (mean 0, variance 1, then γ and β) can be read
    off the picture.
    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    C = before.shape[-1]
    channels = range(C) if channels is None else channels
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(3 * len(channels), 4.4), layout="constrained")
        axes = fig.subplots(2, len(channels), squeeze=False)
    for col, c in enumerate(channels):
        for row, (data, name) in enumerate(((before, "before"), (after, "after"))):
            values = data[..., c].ravel()
            ax = axes[row][col]
            ax.hist(values, bins=bins, color=VISITED_COLOR if row else "0.55", histtype="stepfilled")
            mean, var = round(values.mean(), 2) + 0.0, round(values.var(), 2) + 0.0  # + 0.0: no "-0.00"
            ax.set_title(f"channel {c}, {name}\nmean {mean:.2f}, var {var:.2f}", fontsize=fontsize)
            ax.tick_params(labelsize=fontsize - 3)
            ax.set_yticks([])
    return axes


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


def show_mistakes(images, y_true, probs, count=8, fig=None, labels=None):
    """The ``count`` wrong predictions the model was most sure of, with what it said."""
    images, y_true, probs = np.asarray(images), np.asarray(y_true), np.asarray(probs)
    y_pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    worst = wrong[np.argsort(-probs[wrong, y_pred[wrong]])][:count]
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(1.8 * count, 2.4), layout="constrained")
    axes = fig.subplots(1, max(count, 1), squeeze=False)[0]
    name = (lambda c: labels[c]) if labels else str
    for ax, i in zip(axes, worst):
        ax.imshow(images[i].squeeze(), cmap="gray")
        ax.set_title(
            f"true {name(y_true[i])}\nsaid {name(y_pred[i])} ({probs[i, y_pred[i]]:.0%})", fontsize=10
        )
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return axes


def show_probabilities(image, probs, axes=None, labels=None):
    """An image and the model's probability for each class, the largest highlighted."""
    probs = np.asarray(probs)
    if axes is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(8, 2.8), layout="constrained")
        axes = fig.subplots(1, 2, width_ratios=[1, 2.5])
    axes[0].imshow(np.asarray(image).squeeze(), cmap="gray")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    colors = [WINDOW_COLOR if c == probs.argmax() else VISITED_COLOR for c in range(len(probs))]
    axes[1].bar(range(len(probs)), probs, color=colors)
    axes[1].set_xticks(range(len(probs)), labels or range(len(probs)), rotation=45 if labels else 0)
    axes[1].set_ylim(0, 1)
    axes[1].set_title(f"softmax output: class {probs.argmax()} with p = {probs.max():.3f}")
    return axes


# -- whole architectures -----------------------------------------------------------------------


def show_architecture_shapes(models, axes=None):
    """How the feature maps change through each model: height (= width) and channels per layer.

    ``models`` maps a label to a model; only layers with an image-shaped output are drawn.
    """
    axes = new_axes(axes, figsize=(12, 3.8), ncols=2)
    for label, model in models.items():
        maps = [shape for _, shape, _ in model.shapes() if len(shape) == 3]
        depth = np.linspace(0, 1, len(maps))
        axes[0].plot(depth, [shape[0] for shape in maps], ".-", label=label)
        axes[1].plot(depth, [shape[2] for shape in maps], ".-", label=label)
    for ax, what in zip(axes, ("height = width (cells)", "channels")):
        ax.set_yscale("log", base=2)
        ax.set_xlabel("position in the network (0 = input, 1 = last image-shaped layer)")
        ax.set_title(what)
        ax.grid(alpha=0.3)
    axes[0].legend()
    return axes


def show_params_and_work(rows, ax=None, title=None):
    """Bars of each row's share of the parameters and of the multiply-adds (rows from ``layer_table``)."""
    rows = [row for row in rows if row["params"] or row["macs"]]
    params = np.array([row["params"] for row in rows], dtype=float)
    macs = np.array([row["macs"] for row in rows], dtype=float)
    ax = new_axes(ax, figsize=(8, 0.28 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y - 0.2, 100 * params / params.sum(), height=0.4, color=VISITED_COLOR, label="parameters")
    ax.barh(y + 0.2, 100 * macs / macs.sum(), height=0.4, color=WINDOW_COLOR, label="multiply-adds")
    ax.set_yticks(y, [row["name"] for row in rows], fontsize=FONT - 3)
    ax.invert_yaxis()
    ax.set_xlabel("% of the model's total")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def show_receptive_fields(models, ax=None):
    """The receptive field (input pixels one cell sees, along one side) layer by layer."""
    from .architectures import receptive_fields

    ax = new_axes(ax, figsize=(8, 3.8))
    for label, model in models.items():
        # in graph order a branch (a shortcut, a skip) can follow a deeper layer: show the largest so far
        fields = np.maximum.accumulate([r for r, _ in receptive_fields(model) if r != np.inf])
        line = ax.plot(np.linspace(0, 1, len(fields)), fields, ".-", label=label)[0]
        ax.axhline(model.input_shape[0], color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("position in the network (0 = input, 1 = last layer before dense/global pooling)")
    ax.set_ylabel("receptive field so far (pixels)")
    ax.set_title("dotted: the input's size")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def show_unet(model, ax=None, fontsize=FONT - 4):
    """The U: every convolution's output as a box (size² and channels), one row per level.

    Right: convolution; down: max-pool; up: up-convolution; dashed: copy (and crop)
    to the expanding path. Levels and positions come from the model's graph.
    """
    from .layers import Concatenate, Conv2D, Conv2DTranspose, Cropping2D, MaxPooling2D

    ax = new_axes(ax, figsize=(14, 5))
    boxes, level, column = {}, {}, 0  # node index -> (column, level)
    for k, ((layer, inputs), (_, shape, _)) in enumerate(zip(model.nodes, model.shapes())):
        lv = level[inputs[0]] if inputs else 0
        if isinstance(layer, MaxPooling2D):
            lv += 1
        elif isinstance(layer, Conv2DTranspose):
            lv -= 1
        level[k] = lv
        if isinstance(layer, Conv2D) or not inputs:
            boxes[k] = (column, lv, shape)
            column += 1
    previous = None
    for k, (col, lv, shape) in boxes.items():
        layer = model.nodes[k].layer
        color = "#9edae5" if isinstance(layer, Conv2DTranspose) else "#c6dbef"
        ax.add_patch(Rectangle((col - 0.4, -lv - 0.35), 0.8, 0.7, facecolor=color, edgecolor="0.3"))
        ax.text(col, -lv, f"{shape[0]}²\n×{shape[2]}", ha="center", va="center", fontsize=fontsize)
        if previous is not None:
            pc, pl = previous
            style = "->" if pl == lv else "-|>"
            ax.annotate("", (col - 0.4, -lv), (pc + 0.4, -pl), arrowprops=dict(arrowstyle=style, color="0.3"))
        previous = (col, lv)
    for layer, inputs in model.nodes:  # the skips: from the contracting path into each concatenation
        if isinstance(layer, Concatenate):
            source = inputs[0]
            crop = model.nodes[source].layer
            if isinstance(crop, Cropping2D):
                source = model.nodes[source].inputs[0]
            (c0, lv, _), (c1, _, _) = boxes[source], boxes[inputs[1]]  # to the up-convolution it joins
            ax.annotate("", (c1 - 0.4, -lv + 0.2), (c0 + 0.4, -lv + 0.2),
                        arrowprops=dict(arrowstyle="->", color="0.5", ls="--"))  # fmt: skip
            label = "copy and crop" if isinstance(crop, Cropping2D) else "copy"
            ax.text(
                (c0 + c1) / 2, -lv + 0.28, label, ha="center", va="bottom", fontsize=fontsize, color="0.4"
            )
    ax.set_xlim(-0.7, column - 0.3)
    ax.set_ylim(-max(level.values()) - 0.6, 0.7)
    ax.set_axis_off()
    ax.set_title(
        "feature-map size² × channels after each convolution (the input first)\n"
        "→ convolution   ↘ max-pool   ↗ up-convolution (teal)   - - → copy, joined by concatenation",
        fontsize=fontsize + 3,
    )
    return ax


def show_image_grid(rows, fig=None, col_titles=None, cmap="gray", fontsize=FONT - 2):
    """Rows of small images with a label on the left of each row: ``{label: array (n, H, W[, 1])}``."""
    rows = {label: np.asarray(images) for label, images in rows.items()}
    n = max(len(images) for images in rows.values())
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(1.3 * n + 1, 1.35 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (label, images) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(images[c].squeeze(), cmap=cmap, vmin=0, vmax=1)
            else:
                ax.set_axis_off()
        axes[r, 0].set_ylabel(label, fontsize=fontsize)
    for c, title in enumerate(col_titles or []):
        axes[0, c].set_title(title, fontsize=fontsize)
    return axes
