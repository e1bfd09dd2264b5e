"""Step-through pictures: a window moved over a signal or a grid, one output cell at a time.

Each picture is a class built once (``Conv1DStep``, ``Conv2DStep``,
``Pool2DStep``) whose ``set(...)`` moves the window and reveals the output up
to the current cell; ``dynamic`` lists the artists that change, so that an
explorer can redraw only those. The numbers come from cnnviz itself
(``cases.conv1d``, ``cases.conv2d``, ``ops.*_pool2d_forward``) and the sizes
and paddings from ``sizes``; the sum written out in a title is the arithmetic
of the current window, term by term. ``show_*_step`` draw one step.

``Conv2DBackwardStep`` steps through a convolution's backward pass the same
way, one cell of dL/dw (a kernel tap) or of dL/dx (an input cell) at a time,
with the numbers of ``ops.conv2d_backward``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from .. import ops
from ..cases import conv1d, conv2d
from ..inside import cells_reading
from ..sizes import formula_text, kernel_extent, output_length, pad_pair, resolve_padding, window_geometry
from .arrays import show_grid, show_kernel, update_kernel
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, grid_format, new_axes, new_figure, no_ticks, num

CURRENT_COLOR = "black"  # the output cell being computed: a frame without a sign
LINE_INCHES = 0.2  # a line of 11-point text, with matplotlib's spacing of 1.2 lines

__all__ = [
    "Conv1DStep",
    "Conv2DBackwardStep",
    "Conv2DStep",
    "Pool2DStep",
    "ReadersOverlay",
    "RevealGrid",
    "products_text",
    "show_conv1d_step",
    "show_conv2d_step",
    "show_output_size",
    "show_pool_step",
    "show_signal",
    "window_sum_text",
]


def show_signal(x, ax=None, w=None, position=None, S=1, P=0, title=None, fontsize=FONT):
    """A 1D signal as a row of numbered cells, with the window at output ``position``.

    With ``w`` and ``position`` given, the kernel's weights are written under the
    window and the products and their sum are written out, y_i = Σ_j w_j · x_{i·S+j}.
    ``P`` cells of zero padding (an int, or a pair (before, after)) are drawn hatched.
    """
    x = np.asarray(x, dtype=float)
    before, after = pad_pair(P)
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
        ax.set_title(
            f"y[{position}] = {window_sum_text(x_pad[:, None], w[:, None, None], start)}", fontsize=fontsize
        )
    elif title:
        ax.set_title(title, fontsize=fontsize)
    return ax


def show_output_size(L, K, P=0, S=1, D=1, ax=None, fontsize=FONT, note=None):
    """The formula L' = ⌊(L + 2P − K)/S⌋ + 1 with numbers, over a picture of the windows.

    The padded input is a row of L + 2P cells; each window position is a bar
    under it, and cells that no window reaches (thrown away by the floor) are
    marked. ``P`` is an int, a pair (before, after), "valid" or "same";
    ``note`` is added to the title as a line of its own.
    """
    before, after = resolve_padding(P, L, K, S, D)
    n = L + before + after
    E = kernel_extent(K, D)
    ax = new_axes(ax, figsize=(max(6, 0.45 * n + 2), 3))
    positions = output_length(L, K, (before, after), S, D) if n >= E else 0
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
    title = formula_text(L, K, (before, after), S, D)
    ax.set_title(title if note is None else f"{title}\n{note}", fontsize=fontsize)
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


def window_sum_text(x_pad, w, start, o=0, D=1):
    """The sum behind one output cell of a 1D convolution, written out.

    ``x_pad`` (L_pad, C), ``w`` (K, C, k); the window starts at ``start`` and
    its taps are ``D`` cells apart. One channel gives "1·2 + 0·3 + (−1)·4 = −2";
    several channels give one partial sum per channel and then their total.

    >>> window_sum_text(np.array([[2.0], [3.0], [4.0]]), np.array([[[1.0]], [[0.0]], [[-1.0]]]), 0)
    '1·2 + 0·3 + (−1)·4 = −2'
    """
    K, C = w.shape[:2]
    parts = []
    for c in range(C):
        terms = " + ".join(f"{num(w[j, c, o], True)}·{num(x_pad[start + j * D, c], True)}" for j in range(K))
        parts.append((terms, float(np.dot(w[:, c, o], x_pad[start : start + D * (K - 1) + 1 : D, c]))))
    if C == 1:
        return f"{parts[0][0]} = {num(parts[0][1])}"
    lines = [f"channel {c}: {terms} = {num(s)}" for c, (terms, s) in enumerate(parts)]
    total = sum(s for _, s in parts)
    lines.append(" + ".join(num(s, True) for _, s in parts) + f" = {num(total)}")
    return "\n".join(lines)


class RevealGrid:
    """An output grid whose cells appear one at a time, for step-through pictures.

    All cells' numbers are drawn once; ``show(mask, cell)`` then decides which
    are visible and which cell is highlighted, without drawing anything new.
    The highlight is a black frame: the cell's tint alone carries its sign.
    """

    def __init__(self, ax, values, cmap="RdBu_r", fontsize=FONT):
        self.values = np.asarray(values, dtype=float) + 0.0
        top, labels = self._scale_and_labels(self.values)
        self.image = ax.imshow(np.full(self.values.shape, np.nan), cmap=cmap, vmin=-top, vmax=top, alpha=0.35)
        self.texts = np.empty(self.values.shape, dtype=object)
        for (r, c), label in np.ndenumerate(labels):
            self.texts[r, c] = ax.text(
                c, r, label, ha="center", va="center", fontsize=fontsize, visible=False
            )
        # the current cell: a black frame, which says "this one" and nothing about its sign
        # (the cells' own tint already shows the sign: red positive, blue negative)
        self.cell = ax.add_patch(
            Rectangle((-0.45, -0.45), 0.9, 0.9, fill=False, ec=CURRENT_COLOR, lw=3, zorder=3)
        )
        ax.set_xlim(-0.5, self.values.shape[1] - 0.5)
        ax.set_ylim(self.values.shape[0] - 0.5, -0.5)
        no_ticks(ax)

    @staticmethod
    def _scale_and_labels(values):
        """The colour scale's top (−top … top) and each cell's number, in one format for the grid."""
        finite = values[np.isfinite(values)]
        top = (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
        fmt = grid_format(values)
        return top, np.vectorize(lambda v: num(v, fmt=fmt), otypes=[object])(values)

    def set_values(self, values):
        """New numbers for the grid's cells (the same shape); which are visible is left to ``show``."""
        values = np.asarray(values, dtype=float) + 0.0
        if values.shape != self.values.shape:
            raise ValueError(
                f"RevealGrid.set_values expects values of shape {self.values.shape}; received {values.shape}."
            )
        self.values = values
        top, labels = self._scale_and_labels(values)
        self.image.set_clim(-top, top)
        for (r, c), label in np.ndenumerate(labels):
            self.texts[r, c].set_text(label)

    def show(self, mask, cell):
        """Show the cells where ``mask`` is True and highlight ``cell`` = (row, col)."""
        self.image.set_data(np.where(mask, self.values, np.nan))
        for (r, c), text in np.ndenumerate(self.texts):
            text.set_visible(bool(mask[r, c]))
        self.cell.set_xy((cell[1] - 0.45, cell[0] - 0.45))

    def show_upto(self, i, j):
        """Show the cells up to (i, j), row by row, and highlight (i, j)."""
        rows, cols = self.values.shape
        self.show(np.arange(rows * cols).reshape(rows, cols) <= i * cols + j, (i, j))

    @property
    def artists(self):
        return [self.image, *self.texts.ravel(), self.cell]


class Conv1DStep:
    """The picture of a 1D convolution (cases 1–3), built once, then moved from cell to cell.

    ``set(i)`` moves the window to output cell i, rewrites the sum in the title
    and reveals the output up to that cell; ``dynamic`` lists the artists that
    change, so an explorer can redraw only those. With a dilation ``D`` > 1 the
    window spans D·(K − 1) + 1 cells and the K cells it reads are shaded.

    Parameters
    ----------
    x : array_like, shape (L,) or (L, C)
    w : array_like, shape (K,), (K, C) or (K, C, k)
    S, P, D : int
        Stride, padding (an int, a pair (before, after), "valid" or "same") and dilation.
    o : int
        The kernel whose sum is written out.
    b : array_like of shape (k,), optional
        One bias per kernel, added to the output.
    axes : three axes (input, kernel, output), optional
    fig : Figure or SubFigure, optional
        Where to make the axes when ``axes`` is None.
    """

    def __init__(self, x, w, S=1, P=0, o=0, axes=None, fontsize=FONT, D=1, fig=None, b=None):
        x = np.asarray(x, dtype=float)
        self.x = x[:, None] if x.ndim == 1 else x  # (L, C)
        w = np.asarray(w, dtype=float)
        self.w = w.reshape(w.shape[0], self.x.shape[1], -1)  # (K, C, k)
        K, C, k = self.w.shape
        self.pads = before, after = resolve_padding(P, len(self.x), K, S, D)
        self.x_pad = np.pad(self.x, ((before, after), (0, 0)))  # (L_pad, C)
        self.S, self.D, self.o = S, D, o
        self.b = None if b is None else np.broadcast_to(np.ravel(np.asarray(b, dtype=float)), (k,))
        self.y = self._output()  # (k, L')
        L_out = self.y.shape[1]
        E = kernel_extent(K, D)
        if axes is None:
            grid = new_axes(
                figsize=(max(8, 0.55 * len(self.x_pad) + 3), 1.6 + 0.9 * (C + k)),
                nrows=2,
                ncols=2,
                fig=fig,
                width_ratios=[len(self.x_pad), max(K, 3)],
                height_ratios=[C, k + 0.6],
            )
            grid[1, 1].set_axis_off()
            axes = (grid[0, 0], grid[0, 1], grid[1, 0])
        self.axes = ax_x, ax_w, ax_y = axes
        show_grid(self.x_pad.T, ax=ax_x, padding=((0, 0), (before, after)), fontsize=fontsize)
        ax_x.set_xticks(range(len(self.x_pad)), [str(j - before) for j in range(len(self.x_pad))])
        ax_x.set_yticks(range(C), [f"c={c}" for c in range(C)] if C > 1 else ["x"])
        self.window = ax_x.add_patch(Rectangle((-0.5, -0.5), E, C, fill=False, ec=WINDOW_COLOR, lw=3))
        self.taps = [  # the cells a dilated window reads
            ax_x.add_patch(Rectangle((-0.5, -0.5), 1, C, color=WINDOW_COLOR, alpha=0.2))
            for _ in range(K if D > 1 else 0)
        ]
        self.title = ax_x.set_title(" ", fontsize=fontsize, loc="left")
        show_kernel(self.w[:, :, o].T, ax=ax_w, fontsize=fontsize, ticks=False)
        ax_w.set_title(self._kernel_title(), fontsize=fontsize)
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
        self.dynamic = [self.window, *self.taps, self.title, *self.output.artists]

    def _output(self):
        """(k, L'): y[o, i] = b[o] + Σ_{j,c} w[j, c, o] · x_pad[i·S + j·D, c], by cnnviz's own convolution."""
        return conv1d(self.x, self.w, self.b, strides=self.S, padding=self.pads, dilation_rate=self.D).T

    def _kernel_title(self):
        K, C, _ = self.w.shape
        D = self.D
        return f"kernel {self.o}: K={K}" + (f", depth {C}" if C > 1 else "") + (f", D={D}" if D > 1 else "")

    def set_kernel(self, w, o=None):
        """Other weights ``w`` of the same shape (K, C, k), and show kernel ``o`` (default: the same).

        The output is computed again; call ``set(i)`` next to show a cell of it. The kernel is
        not among the ``dynamic`` artists (a step leaves it alone): draw the background again.
        """
        w = np.asarray(w, dtype=float)
        if w.size != self.w.size:
            raise ValueError(
                f"Conv1DStep.set_kernel expects weights of shape {self.w.shape} (K, C, k), as drawn; "
                f"received w of shape {w.shape}. Draw a new picture for another kernel size."
            )
        self.w = w.reshape(self.w.shape)
        self.o = self.o if o is None else o
        self.y = self._output()
        self.output.set_values(self.y)
        update_kernel(self.axes[1], self.w[:, :, self.o].T)  # (C, K): a row per channel
        self.axes[1].set_title(self._kernel_title())
        return self

    def set(self, i):
        """Show output cell ``i`` (0-based) of kernel ``o``: its window, its sum, the output so far."""
        _, C, k = self.w.shape
        start = i * self.S
        self.window.set_xy((start - 0.5, -0.5))
        for j, tap in enumerate(self.taps):
            tap.set_xy((start + j * self.D - 0.5, -0.5))
        label = f"y[{i}, {self.o}]" if k > 1 else f"y[{i}]"
        text = window_sum_text(self.x_pad, self.w, start, self.o, self.D)
        if self.b is not None:  # the bias comes after the products: y = (their sum) + b[o]
            total = float(self.y[self.o, i])
            text += f"\nplus the bias b[{self.o}] = {num(self.b[self.o])}: {label} = {num(total)}"
        self.title.set_text(f"{label} = {text}" if C == 1 else f"{label}, a sum over every channel:\n{text}")
        mask = np.repeat(np.arange(self.y.shape[1])[None, :] <= i, k, axis=0)  # (k, L')
        mask[self.o + 1 :, i] = False  # kernels after o have not reached cell i yet
        self.output.show(mask, (self.o, i))
        return self


def show_conv1d_step(x, w, i, S=1, P=0, o=0, axes=None, fontsize=FONT, D=1, fig=None, b=None):
    """One step of a 1D convolution with C channels and k kernels (cases 1–3).

    Draws the padded input (one row per channel) with the window at output
    cell ``i``, kernel ``o`` beside it (one row per channel, so each weight sits
    under the input row it multiplies), and the output (one row per kernel)
    filled up to the cell being computed; the sum is written out in the title.

    Parameters
    ----------
    x : array_like, shape (L,) or (L, C)
    w : array_like, shape (K,), (K, C) or (K, C, k)
    S, P, D : int
        Stride, padding and dilation, as in ``cnnviz.conv1d``.
    b : array_like of shape (k,), optional
        One bias per kernel, added to the output (and to the sum in the title).
    axes : three axes (input, kernel, output), optional

    Returns
    -------
    The three axes (input, kernel, output).
    """
    return Conv1DStep(x, w, S=S, P=P, o=o, axes=axes, fontsize=fontsize, D=D, fig=fig, b=b).set(i).axes


class Conv2DStep:
    """The picture of a 2D convolution (case 4) on a small grid, moved from cell to cell.

    For each input channel c: the padded channel with the window, and under it
    kernel o's slice for that channel with its share of the sum; to the right,
    the total (with the bias) and output map o, revealed up to the current
    cell. ``set(i, j)`` moves everything that changes; ``dynamic`` lists it.
    """

    def __init__(self, x, w, S=1, P=0, o=0, b=None, axes=None, fontsize=FONT - 1, fig=None):
        x = np.asarray(x, dtype=float)
        x = x[:, :, None] if x.ndim == 2 else x  # (H, W, C)
        w = np.asarray(w, dtype=float)
        self.w = w.reshape(*w.shape[:2], x.shape[2], -1)  # (KH, KW, C, k)
        KH, KW, C, k = self.w.shape
        (Ho, _), pads = window_geometry(x.shape[:2], (KH, KW), S, P)
        (pt, pb), (pl, pr) = pads
        self.x_pad = np.pad(x, (*pads, (0, 0)))  # (H_pad, W_pad, C)
        self.S, self.has_bias = S, b is not None
        b = None if b is None else np.broadcast_to(np.ravel(np.asarray(b, dtype=float)), (k,))
        self.b = np.zeros(k) if b is None else b
        # y[i, j, o] = b[o] + Σ_{u,v,c} w[u, v, c, o] · x_pad[i·S + u, j·S + v, c]: cnnviz's own convolution
        self.maps = conv2d(x, self.w, b, strides=S, padding=pads)  # (H', W', k)
        self._select(o)
        self.axes = axes = new_axes(
            axes,
            figsize=(3.2 * (C + 1), 6),
            nrows=2,
            ncols=C + 1,
            fig=fig,
            height_ratios=[self.x_pad.shape[0], max(KH, Ho)],
        )
        padded = " (padded)" if pt + pb + pl + pr else ""
        self.windows, self.shares = [], []
        for c in range(C):
            show_grid(
                self.x_pad[:, :, c],
                ax=axes[0, c],
                padding=pads,
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
        self.output_title = axes[1, C].set_title(self._output_title(), fontsize=fontsize)
        axes[0, C].set_axis_off()
        self.total = axes[0, C].text(
            0, 0.5, " ", fontsize=fontsize + 1, va="center", transform=axes[0, C].transAxes
        )
        self.dynamic = [*self.windows, *self.shares, self.total, *self.output.artists]

    def _select(self, o):
        """Kernel ``o``'s output map ``y`` (H', W') and bias."""
        self.o, self.y, self.bias = o, self.maps[:, :, o], float(self.b[o])

    def _output_title(self):
        return f"output map {self.o}: {self.y.shape[0]}×{self.y.shape[1]}"

    def set_kernel(self, o):
        """Show kernel ``o``: its slices' colours and numbers and its output map; call ``set(i, j)`` next.

        The kernel and the titles are not among the ``dynamic`` artists: draw the background again.
        """
        self._select(o)
        self.output.set_values(self.y)
        self.output_title.set_text(self._output_title())
        for c, ax in enumerate(self.axes[1, : self.w.shape[2]]):
            update_kernel(ax, self.w[:, :, c, o])
        return self

    def set(self, i, j):
        """Show output cell (i, j): the windows, each channel's share, the total, the output so far."""
        KH, KW, C, _ = self.w.shape
        r, q = i * self.S, j * self.S
        partial = [
            float(np.sum(self.w[:, :, c, self.o] * self.x_pad[r : r + KH, q : q + KW, c])) for c in range(C)
        ]
        for c in range(C):
            self.windows[c].set_xy((q - 0.5, r - 0.5))
            self.shares[c].set_text(f"w[:, :, {c}, {self.o}]: Σ w·x = {num(partial[c])}")
        bias = f" + b[{self.o}] ({num(self.bias)})" if self.has_bias else ""
        self.total.set_text(
            f"y[{i}, {j}, {self.o}] =\n"
            + " + ".join(num(p, True) for p in partial)
            + bias
            + f" = {num(sum(partial) + self.bias)}\n({KH}·{KW}·{C} = {KH * KW * C} products)"
        )
        self.output.show_upto(i, j)
        return self


def show_conv2d_step(x, w, i, j, o=0, S=1, P=0, b=None, axes=None, fontsize=FONT - 1, fig=None):
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
    return Conv2DStep(x, w, S, P, o, b, axes, fontsize, fig=fig).set(i, j).axes


class Pool2DStep:
    """Pooling of one channel on a small grid, moved from window to window.

    The padded grid (padding hatched, counting as −∞ for max and left out of
    the average) with the window and, for max-pooling, the winning cell
    framed; beside it the output, revealed up to the current cell.
    ``set(i, j)`` moves what changes; ``dynamic`` lists it.
    """

    def __init__(self, x, K=2, S=None, P=0, mode="max", axes=None, fontsize=FONT, fig=None):
        self.x = np.asarray(x, dtype=float)
        self.K, self.S = K, K if S is None else S
        _, self.pads = window_geometry(self.x.shape, K, self.S, P)
        self._pool(mode)
        self.axes = ax_x, ax_y = new_axes(
            axes,
            figsize=(9, 4),
            ncols=2,
            fig=fig,
            width_ratios=[self.x_pad.shape[1], max(self.y.shape[1], 2) + 1],
        )
        show_grid(
            np.where(np.isfinite(self.x_pad), self.x_pad, np.nan),
            ax=ax_x,
            padding=self.pads,
            fontsize=fontsize,
            ticks=False,
            title=self._input_title(),
        )
        self.window = ax_x.add_patch(Rectangle((-0.5, -0.5), K, K, fill=False, ec=WINDOW_COLOR, lw=3))
        self.winner = ax_x.add_patch(
            Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="black", lw=2.5, visible=mode == "max")
        )
        self.output = RevealGrid(ax_y, self.y, cmap="Greys", fontsize=fontsize)
        self.title = ax_y.set_title(" ", fontsize=fontsize)
        self.dynamic = [self.window, self.winner, self.title, *self.output.artists]

    def _pool(self, mode):
        """Pool with ``mode`` ("max" or "avg"): the output ``y``, the winners' ``argmax`` and ``x_pad``."""
        self.mode = mode
        forward = ops.max_pool2d_forward if mode == "max" else ops.avg_pool2d_forward
        y, cache = forward(self.x[None, :, :, None], self.K, self.S, self.pads)  # the real computation
        self.y = y[0, :, :, 0]
        self.argmax = cache["argmax"][0, :, :, 0] if mode == "max" else None
        fill = -np.inf if mode == "max" else np.nan
        self.x_pad = np.pad(self.x, self.pads, constant_values=fill)

    def _input_title(self):
        return f"x (one channel), {self.mode}-pool K={self.K}, S={self.S}"

    def set_mode(self, mode):
        """Pool another way ("max" or "avg") over the same windows; call ``set(i, j)`` next to show a cell.

        The input's title is not among the ``dynamic`` artists: draw the background again.
        """
        self._pool(mode)
        self.output.set_values(self.y)
        self.winner.set_visible(mode == "max")
        self.axes[0].set_title(self._input_title())
        return self

    def set(self, i, j):
        """Show output cell (i, j): its window, its winner (max) or its mean (average)."""
        r, q = i * self.S, j * self.S
        self.window.set_xy((q - 0.5, r - 0.5))
        if self.mode == "max":
            u, v = divmod(int(self.argmax[i, j]), self.K)
            self.winner.set_xy((q + v - 0.5, r + u - 0.5))
            self.title.set_text(f"y[{i}, {j}] = max of the window = {num(self.y[i, j])}")
        else:
            self.title.set_text(f"y[{i}, {j}] = mean of the window's real cells = {num(self.y[i, j])}")
        self.output.show_upto(i, j)
        return self


def show_pool_step(x, i, j, K=2, S=None, P=0, mode="max", axes=None, fontsize=FONT, fig=None):
    """One window of max- (or average-) pooling on a one-channel grid; returns the two axes."""
    return Pool2DStep(x, K, S, P, mode, axes, fontsize, fig=fig).set(i, j).axes


def products_text(pairs, total, per_line=8, most=32):
    """Products a·b written out and summed, ``per_line`` to a line, at most ``most`` of them.

    >>> products_text([(2, 1), (-1, 3)], -1)
    '2·1 + (−1)·3 = −1'
    >>> products_text([], 0)
    '0 (no products)'
    """
    if not pairs:
        return f"{num(total)} (no products)"
    terms = [f"{num(a, True)}·{num(b, True)}" for a, b in pairs[:most]]
    if len(pairs) > most:
        terms.append(f"… ({len(pairs) - most} more)")
    lines = [" + ".join(terms[k : k + per_line]) for k in range(0, len(terms), per_line)]
    return "\n      + ".join(lines) + f" = {num(total)}"


def _cell_frames(cells, inset=0.42):
    """The outlines of cells (row, col), as segments for a LineCollection."""
    return [
        [(c - inset, r - inset), (c + inset, r - inset), (c + inset, r + inset), (c - inset, r + inset), (c - inset, r - inset)]
        for r, c in cells
    ]  # fmt: skip


class ReadersOverlay:
    """The reverse link drawn over a step picture: which output cells read one input cell.

    The input cell (row, col) of the padded input is framed in each of ``inputs`` (one axes
    per channel, cell (r, c) drawn at (c, r)), and every output cell whose window reads it is
    framed in ``output``. Built once; ``set(reading, readers)`` moves it, and ``dynamic``
    lists its artists, so that an explorer redraws only those. A cell that no window reads
    (``readers`` empty, possible when S > K) turns the empty frame set red.
    """

    def __init__(self, inputs, output):
        self.marks = [
            ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, ec=VISITED_COLOR, lw=3, visible=False))
            for ax in inputs
        ]
        self.frames = output.add_collection(LineCollection([], colors=VISITED_COLOR, linewidths=3))
        self.dynamic = [*self.marks, self.frames]

    def set(self, reading, readers) -> ReadersOverlay:
        """Frame input cell ``reading`` (or nothing when it is None) and output cells ``readers``."""
        for mark in self.marks:
            mark.set_visible(reading is not None)
            if reading is not None:
                mark.set_xy((reading[1] - 0.5, reading[0] - 0.5))
        self.frames.set_segments(_cell_frames(readers, inset=0.45))
        self.frames.set_color(WINDOW_COLOR if len(readers) == 0 else VISITED_COLOR)
        return self


class Conv2DBackwardStep:
    """The backward pass of a 2D convolution on a small grid, one gradient cell at a time.

    The output's gradient ``dy`` (dL/dy, given) is drawn beside the input. With
    ``wrt="w"`` the picture steps over kernel o's taps (u, v); tap (u, v) read
    x_pad[i·S + u, j·S + v] in window (i, j), so (0-based)

        dL/dw[u, v, c, o] = Σ_{i,j} dy[i, j, o] · x_pad[i·S + u, j·S + v, c]

    the input correlated with dy: the cells of x paired with dy are framed, with
    the dy they are multiplied by in their corner. With ``wrt="x"`` it steps over
    the input's cells (a, b); every window (i, j) that reads x[a, b] does so
    through one tap (u, v), with i·S + u = a + P_top and j·S + v = b + P_left, so

        dL/dx[a, b, c] = Σ_o Σ_{(u, v, i, j) reaching (a, b)} w[u, v, c, o] · dy[i, j, o]

    a cell at the border is reached by fewer windows. Both grids are
    ``ops.conv2d_backward``'s, revealed as ``set(step)`` moves; the products
    are written out under them, and ``dynamic`` lists what moves.

    Parameters
    ----------
    x : array_like, shape (H, W, C)
    w : array_like, shape (KH, KW, C, F)
    dy : array_like, shape (H', W', F)
        The gradient of the loss with respect to the convolution's output.
    S, P : int
        Stride, and padding (an int, or Keras' forms).
    o : int
        The kernel (and output map) drawn; dL/dx sums over all of them.
    wrt : "w" or "x"
        The gradient stepped through.
    fig : Figure, optional
        Where to draw; its height should leave ``figure_height(...)`` inches' room for the text.

    Examples
    --------
    A 3×3 input, a 2×2 kernel, stride 1: dL/dw[0, 1] pairs dy with x shifted one column.

    >>> x = np.arange(9.0).reshape(3, 3, 1)
    >>> picture = Conv2DBackwardStep(x, np.ones((2, 2, 1, 1)), [[[1], [2]], [[0], [-1]]], wrt="w")
    >>> picture.grid[:, :, 0]    # 1·1 + 2·2 + 0·4 − 1·5 = 0 at (0, 1)
    array([[-2.,  0.],
           [ 4.,  6.]])
    """

    def __init__(self, x, w, dy, S=1, P=0, o=0, wrt="w", fig=None, fontsize=FONT - 1):
        if wrt not in ("w", "x"):
            raise ValueError(f"Conv2DBackwardStep steps through wrt='w' or wrt='x'; received wrt={wrt!r}.")
        self.x = np.asarray(x, dtype=float)  # (H, W, C)
        self.w = np.asarray(w, dtype=float)  # (KH, KW, C, F)
        self.dy = np.asarray(dy, dtype=float)  # (H', W', F)
        KH, KW, C, _ = self.w.shape
        # the real computation: cnnviz's own forward and backward passes (a batch of one)
        y, cache = ops.conv2d_forward(self.x[None], self.w, strides=S, padding=P)
        dx, dw, _ = ops.conv2d_backward(self.dy[None], cache)  # raises if dy's shape is not y's
        self.dx, self.dw = dx[0], dw  # (H, W, C), (KH, KW, C, F)
        self.pads = cache["pads"]
        self.x_pad = np.pad(self.x, (*self.pads, (0, 0)))  # (H_pad, W_pad, C)
        self.S, self.o, self.wrt, self.fontsize = S, o, wrt, fontsize
        Ho, Wo = y.shape[1:3]
        self.grid = self.dw[:, :, :, o] if wrt == "w" else self.dx  # (KH, KW, C) or (H, W, C): what fills
        if fig is None:
            fig = new_figure((10, self.figure_height(self.w.shape, (Ho, Wo), wrt)))
            fig.set_layout_engine("none")  # the text's room is set below, in inches
        # the products are written under the grids, in room for the longest step's lines
        height = fig.get_figheight()
        text_top = (LINE_INCHES * self.text_lines(self.w.shape, (Ho, Wo), wrt) + 0.15) / height
        top_rows = self.x_pad.shape[0] if wrt == "w" else max(KH, Ho)
        layout = fig.add_gridspec(
            2,
            C + 1,
            height_ratios=[max(top_rows, 2), max(self.grid.shape[0], 2)],
            bottom=text_top + 0.4 / height,
        )
        self.axes = np.array([[fig.add_subplot(layout[r, c]) for c in range(C + 1)] for r in range(2)])
        self.text = fig.text(fig.subplotpars.left, text_top, " ", va="top", fontsize=fontsize)

        # row 0: what dy is multiplied by (each input channel, or each kernel slice), then dy itself
        self.pairs = []  # per channel: the frames of the cells paired with dy
        self.corners = []  # per channel: the small texts giving each paired cell's multiplier
        for c in range(C):
            ax = self.axes[0, c]
            if wrt == "w":
                show_grid(self.x_pad[:, :, c], ax=ax, padding=self.pads, fontsize=fontsize, ticks=False,
                          title=f"x, channel {c}" + (" (padded)" if np.any(self.pads) else ""))  # fmt: skip
            else:
                show_kernel(
                    self.w[:, :, c, o], ax=ax, fontsize=fontsize, ticks=False, title=f"w[:, :, {c}, {o}]"
                )
            self.pairs.append(ax.add_collection(LineCollection([], colors=WINDOW_COLOR, linewidths=2.5)))
        show_kernel(self.dy[:, :, o], ax=self.axes[0, C], fontsize=fontsize, ticks=False,
                    title=f"dy = dL/dy, map {o} (given)")  # fmt: skip
        self.reaching = self.axes[0, C].add_collection(
            LineCollection([], colors=WINDOW_COLOR, linewidths=2.5)
        )
        # each paired cell shows what it is multiplied by: in x the dy (wrt="w"), in dy the tap (wrt="x")
        small = max(fontsize - 3, 9)  # 9 pt is 12 pixels at 96 dpi
        labelled = self.axes[0, :C] if wrt == "w" else self.axes[0, C:]
        if max(self.x_pad.shape[:2] if wrt == "w" else (Ho, Wo)) > 4:
            labelled = []  # cells too small for a label: the products below say it in order
        for ax in labelled:
            self.corners.append([
                ax.text(0, 0, "", fontsize=small, ha="center", va="center",
                        bbox={"fc": "white", "ec": WINDOW_COLOR, "lw": 0.8, "pad": 0.8})
                for _ in range(Ho * Wo)
            ])  # fmt: skip
        # row 1: the gradient, revealed cell by cell; the last column says what it is
        self.outputs = []
        for c in range(C):
            self.outputs.append(RevealGrid(self.axes[1, c], self.grid[:, :, c], fontsize=fontsize))
            name = f"dL/dw[:, :, {c}, {o}]" if wrt == "w" else f"dL/dx[:, :, {c}]"
            self.axes[1, c].set_title(name, fontsize=fontsize)
        self.axes[1, C].set_axis_off()
        self.axes[1, C].text(0, 0.5, self._caption(KH, KW), fontsize=fontsize, va="center",
                             transform=self.axes[1, C].transAxes)  # fmt: skip
        self.dynamic = [
            *self.pairs,
            self.reaching,
            *(label for row in self.corners for label in row),
            self.text,
        ]
        self.dynamic += [artist for grid in self.outputs for artist in grid.artists]

    @staticmethod
    def text_lines(w_shape, out_shape, wrt):
        """The most lines of text any step writes, for kernels ``w_shape`` and an output ``out_shape`` (H', W')."""
        KH, KW, C, F = w_shape
        if wrt == "w":  # the formula, then the products of each channel, 8 to a line, at most 32 and "…"
            n = out_shape[0] * out_shape[1]
            return 1 + C * -(-(min(n, 32) + (n > 32)) // 8)
        # at most one window per tap reads a cell: the cell and its pairs, then each channel's products
        taps = KH * KW
        return 2 + (taps - 1) // 5 + C * (F * -(-taps // 8) + (F > 1))

    @classmethod
    def figure_height(cls, w_shape, out_shape, wrt):
        """Inches: room for the two rows of grids, and for the text under them."""
        return 5.0 + LINE_INCHES * cls.text_lines(w_shape, out_shape, wrt)

    @property
    def steps(self):
        """How many cells the gradient has: the number of steps."""
        return self.grid.shape[0] * self.grid.shape[1]

    def _caption(self, KH, KW):
        """What the gradient is, as a whole: a correlation (dL/dw) or a convolution (dL/dx)."""
        S = self.S
        if self.wrt == "w":
            spread = f",\nits cells {S} apart (stride {S})" if S > 1 else ""
            return f"dL/dw is x correlated with dy:\ndy slides over x as the\nkernel did in the forward pass{spread}"
        spread = f",\nwith {S - 1} zero{'s' * (S > 2)} between\ndy's cells (stride {S})" if S > 1 else ""
        cut = ";\nthe padding's cells are then cut off" if np.any(self.pads) else ""
        return (
            "dL/dx is dy convolved with\nthe flipped kernel (w[::−1, ::−1])\n"
            f"over 'full' padding: {KH - 1} row{'s' * (KH != 2)}\nand {KW - 1} column{'s' * (KW != 2)} "
            f"of zeros{spread}{cut}"
        )

    def set(self, step):
        """Show gradient cell ``step`` (row by row): its pairs, its products and sum, the grid so far."""
        r, q = divmod(step, self.grid.shape[1])
        if self.wrt == "w":
            self._set_tap(r, q)
        else:
            self._set_input_cell(r, q)
        for grid in self.outputs:
            grid.show_upto(r, q)
        return self

    def _set_tap(self, u, v):
        S, o = self.S, self.o
        Ho, Wo = self.dy.shape[:2]
        # the cells of x_pad that tap (u, v) read in windows (i, j): paired with dy[i, j]
        cells = [(i * S + u, j * S + v) for i in range(Ho) for j in range(Wo)]
        for frames in self.pairs:
            frames.set_segments(_cell_frames(cells))
        for corners in self.corners:
            for corner, (a, b), d in zip(corners, cells, self.dy[:, :, o].ravel()):
                corner.set_position((b, a + 0.33))
                corner.set_text(f"×{num(d, True)}")
        self.reaching.set_segments(_cell_frames([(i, j) for i in range(Ho) for j in range(Wo)]))
        index = "i" if S == 1 else f"{S}i"
        lines = [
            f"dL/dw[{u}, {v}, c, {o}] = Σ_ij dy[i, j, {o}] · x_pad[{index} + {u}, {index.replace('i', 'j')} + {v}, c]"
            f":  {Ho}·{Wo} = {Ho * Wo} products per channel"
        ]
        for c in range(self.x.shape[2]):
            pairs = [
                (self.dy[i, j, o], self.x_pad[i * S + u, j * S + v, c]) for i in range(Ho) for j in range(Wo)
            ]
            lines.append(f"c = {c}: " + products_text(pairs, self.dw[u, v, c, o]))
        self.text.set_text("\n".join(lines))

    def _set_input_cell(self, a, b):
        S = self.S
        KH, KW, C, F = self.w.shape
        ap, bp = a + self.pads[0][0], b + self.pads[1][0]  # the cell in the padded input
        readers = cells_reading(ap, bp, (KH, KW), S, self.dy.shape[:2])
        taps = [(ap - i * S, bp - j * S) for i, j in readers]  # the tap of window (i, j) that reads it
        for frames in self.pairs:
            frames.set_segments(_cell_frames(taps))
        self.reaching.set_segments(_cell_frames(readers))
        for corners in self.corners:
            for k, corner in enumerate(corners):
                corner.set_text("")  # only the cells that reach x[a, b] are labelled
                if k < len(readers):
                    (u, v), (i, j) = taps[k], readers[k]
                    corner.set_position((j, i + 0.33))
                    corner.set_text(f"w[{u},{v}]")
        total = self.dy.shape[0] * self.dy.shape[1]
        where = f"x[{a}, {b}]" + (f" (x_pad[{ap}, {bp}])" if (ap, bp) != (a, b) else "")
        if not readers:
            head = f"{where} is read by none of the {total} windows: dL/dx[{a}, {b}, c] = 0"
        else:
            terms = [f"w[{u}, {v}]·dy[{i}, {j}]" for (u, v), (i, j) in zip(taps, readers)]
            terms = "\n      + ".join(" + ".join(terms[k : k + 5]) for k in range(0, len(terms), 5))
            head = (
                f"{where} is read by {len(readers)} of the {total} windows"
                + (f"; for each of the {F} kernels:" if F > 1 else ":")
                + f"\ndL/dx[{a}, {b}, c] = {terms}"
            )
        lines = [head]
        for c in range(C):
            shares = []  # kernel k's share: Σ w[u, v, c, k] · dy[i, j, k] over the windows reaching x[a, b]
            for k in range(F):
                pairs = [(self.w[u, v, c, k], self.dy[i, j, k]) for (u, v), (i, j) in zip(taps, readers)]
                shares.append(sum(p * q for p, q in pairs))
                kernel = f", kernel {k}" if F > 1 else ""
                lines.append(
                    f"c = {c}{kernel}: " + products_text(pairs, shares[-1] if F > 1 else self.dx[a, b, c])
                )
            if F > 1:  # dL/dx adds the shares of every kernel that read x
                sums = " + ".join(num(share, True) for share in shares)
                lines.append(f"      dL/dx[{a}, {b}, {c}] = {sums} = {num(self.dx[a, b, c])}")
        self.text.set_text("\n".join(lines))
