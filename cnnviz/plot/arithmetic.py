"""Convolution arithmetic in 2D: the padded input, the kernel's taps and the output grid.

The pictures of vdumoulin's *conv_arithmetic*, drawn for any numbers: a square input of
L × L cells (blue), the padding around it (hatched), the K × K taps of one window
position spaced D cells apart (dark), and the output grid of L' × L' cells with that
position's cell marked. Every number comes from ``cnnviz.sizes``.

* ``show_conv_arithmetic(L, K, P, S, D)``: a convolution; ``P`` is a number of cells,
  "valid", "same" or "full" (every cell a window can touch: P = D·(K − 1) on each side).
* ``show_transposed_arithmetic(L, K, S, padding)``: a transposed convolution, drawn as
  what it does: each input cell adds a copy of the K × K kernel into the output, S cells
  after the previous cell's copy.

Both are drawn by a picture class (``ConvArithmeticPicture``, ``TransposedArithmeticPicture``)
whose ``set_cell(i, j)`` moves the marks of one cell in place: an explorer stepping through the
cells redraws only those (its ``dynamic`` artists), not the whole grid.
"""

from __future__ import annotations

from matplotlib.patches import Rectangle

from ..sizes import (
    ARITHMETIC_MODES,
    kernel_extent,
    output_length,
    resolve_padding,
    transposed_output_length,
    window_cells,
)
from .style import FONT, WINDOW_COLOR, new_axes, no_ticks

__all__ = [
    "ConvArithmeticPicture",
    "TransposedArithmeticPicture",
    "arithmetic_padding",
    "show_conv_arithmetic",
    "show_transposed_arithmetic",
]

INPUT_COLOR = "#9ecae1"  # the input's cells
TAP_COLOR = "#08306b"  # the kernel's taps over the input
OUTPUT_COLOR = "#a1d99b"  # the output's cells


def arithmetic_padding(P, L, K, S=1, D=1):
    """(before, after) cells of padding: a number, "valid", "same" or "full" (P = D·(K − 1)).

    ``sizes.resolve_padding`` with "full" allowed, as the pictures draw it.

    >>> arithmetic_padding("full", L=5, K=3)
    (2, 2)
    >>> arithmetic_padding("same", L=5, K=4)
    (1, 2)
    """
    return resolve_padding(P, L, K, S, D, modes=ARITHMETIC_MODES)


def _cells(ax, n, offset, face, hatch=None, edge="0.35"):
    for r in range(n):
        for c in range(n):
            ax.add_patch(
                Rectangle((offset[1] + c, offset[0] + r), 1, 1, fc=face, ec=edge, lw=0.8, hatch=hatch)
            )


def _check_cell(i, j, n, grid):
    """Refuse a cell (i, j) outside the n × n ``grid`` ("input" or "output")."""
    if not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"The {grid} cell (i, j) must lie in the {n}×{n} {grid}; received i={i}, j={j}.")


def _frame(ax, width, height, title, fontsize):
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(height + 0.3, -0.3)  # row 0 at the top, as in an image
    ax.set_aspect("equal")
    no_ticks(ax)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=fontsize)


def show_conv_arithmetic(L, K, P=0, S=1, D=1, i=0, j=0, axes=None, fig=None, fontsize=FONT - 1):
    """A 2D convolution's geometry: padded input with one window's taps, and the output grid.

    Parameters
    ----------
    L, K, S, D : int
        Input size, kernel size, stride and dilation (the same along height and width).
    P : int, (before, after), "valid", "same" or "full"
    i, j : int
        The output cell whose window is drawn (row, column; 0-based).
    axes : two axes, optional
        Where to draw the input and the output.

    Returns
    -------
    The two axes (input, output).
    """
    return ConvArithmeticPicture(L, K, P, S, D, i, j, axes=axes, fig=fig, fontsize=fontsize).axes


class ConvArithmeticPicture:
    """``show_conv_arithmetic``'s picture, kept: ``set_cell(i, j)`` moves the window, its taps and the marked cell.

    ``dynamic`` lists what ``set_cell`` moves; ``L_out`` is the output's size.
    """

    def __init__(self, L, K, P=0, S=1, D=1, i=0, j=0, axes=None, fig=None, fontsize=FONT - 1):
        before, after = arithmetic_padding(P, L, K, S, D)
        self.K, self.S, self.D = K, S, D
        # raises, with the formula, when impossible
        self.L_out = L_out = output_length(L, K, (before, after), S, D)
        _check_cell(i, j, L_out, "output")
        n, E = L + before + after, kernel_extent(K, D)
        self.axes = new_axes(
            axes, figsize=(9, 4.6), ncols=2, fig=fig, width_ratios=[max(n, 1), max(L_out, 3)]
        )
        ax_in, ax_out = self.axes
        _cells(ax_in, n, (0, 0), "white", hatch="//", edge="0.6")  # the padding (everything, then x over it)
        _cells(ax_in, L, (before, before), INPUT_COLOR)
        self.window = ax_in.add_patch(Rectangle((0, 0), E, E, fill=False, ec=WINDOW_COLOR, lw=2.5))
        self.taps = [  # K × K of them wherever the window is; set_cell puts them in place
            ax_in.add_patch(Rectangle((0, 0), 0.7, 0.7, fc=TAP_COLOR, alpha=0.75, lw=0)) for _ in range(K * K)
        ]
        pad_text = f"P = {before}" if before == after else f"P = ({before}, {after})"
        _frame(
            ax_in,
            n,
            n,
            f"input {L}×{L}, {pad_text} (hatched)\nK = {K}, S = {S}, D = {D}: the window spans {E}×{E}",
            fontsize,
        )
        _cells(ax_out, L_out, (0, 0), OUTPUT_COLOR)
        self.cell = ax_out.add_patch(Rectangle((0, 0), 1, 1, fc=WINDOW_COLOR, alpha=0.8, ec="0.35"))
        _frame(ax_out, max(L_out, 3), max(L_out, 3), " ", fontsize)
        self.dynamic = [self.window, *self.taps, self.cell, ax_out.title]
        self.set_cell(i, j)

    def set_cell(self, i, j):
        """Show output cell (i, j): its window over the padded input, the window's taps, the cell itself."""
        _check_cell(i, j, self.L_out, "output")
        K, S, D = self.K, self.S, self.D
        self.window.set_xy((j * S, i * S))
        # the taps' rows and columns in the padded input: i·S + u·D
        rows, cols = window_cells(i, K, 0, S, D), window_cells(j, K, 0, S, D)
        for tap, (r, c) in zip(self.taps, ((r, c) for r in rows for c in cols)):
            tap.set_xy((c + 0.15, r + 0.15))
        self.cell.set_xy((j, i))
        self.axes[1].title.set_text(f"output {self.L_out}×{self.L_out}\ncell ({i}, {j}) in red")
        return self


def show_transposed_arithmetic(L, K, S=1, padding="valid", i=0, j=0, axes=None, fig=None, fontsize=FONT - 1):
    """A 2D transposed convolution's geometry: input cell (i, j) and the K × K block it adds to.

    Each input cell adds a copy of the kernel, times its value, into the output, starting
    S cells after the previous cell's copy; the copies cover (L − 1)·S + K cells per axis.
    "valid" keeps them all (and at least L·S); "same" crops the output to L·S, ⌊(K − S)/2⌋
    cells at the start (cropped cells are hatched).

    Returns
    -------
    The two axes (input, output).
    """
    return TransposedArithmeticPicture(L, K, S, padding, i, j, axes=axes, fig=fig, fontsize=fontsize).axes


class TransposedArithmeticPicture:
    """``show_transposed_arithmetic``'s picture, kept: ``set_cell(i, j)`` moves the input cell and its copy.

    ``heading``: a line written above the output's title (an explorer's summary), "" for none.
    ``dynamic`` lists what ``set_cell`` moves; ``L_out`` is the output's size.
    """

    def __init__(
        self, L, K, S=1, padding="valid", i=0, j=0, axes=None, fig=None, fontsize=FONT - 1, heading=""
    ):
        self.L_out = L_out = transposed_output_length(L, K, S, padding)
        self.L, self.K, self.S, self.padding, self.heading = L, K, S, padding, heading
        _check_cell(i, j, L, "input")
        # every cell a copy touches: (L − 1)·S + max(K, S)
        covered = transposed_output_length(L, K, S, "valid")
        self.cropped = covered - L_out
        start = max(K - S, 0) // 2 if padding.lower() == "same" else 0  # cells cropped at the start
        self.axes = new_axes(axes, figsize=(9, 4.6), ncols=2, fig=fig, width_ratios=[max(L, 3), covered])
        ax_in, ax_out = self.axes
        _cells(ax_in, L, (0, 0), INPUT_COLOR)
        self.cell = ax_in.add_patch(Rectangle((0, 0), 1, 1, fc=WINDOW_COLOR, alpha=0.8, ec="0.35"))
        _frame(ax_in, max(L, 3), max(L, 3), " ", fontsize)
        _cells(ax_out, covered, (0, 0), "white", hatch="//", edge="0.6")
        _cells(ax_out, L_out, (start, start), OUTPUT_COLOR)
        self.copy = ax_out.add_patch(
            Rectangle((0, 0), K, K, fc=TAP_COLOR, alpha=0.6, ec=WINDOW_COLOR, lw=2.5)
        )
        _frame(ax_out, covered, covered, " ", fontsize)
        self.dynamic = [self.cell, ax_in.title, self.copy, ax_out.title]
        self.set_cell(i, j)

    def set_cell(self, i, j):
        """Show input cell (i, j) and the K × K block its copy of the kernel adds to."""
        _check_cell(i, j, self.L, "input")
        L, K, S = self.L, self.K, self.S
        self.cell.set_xy((j, i))
        self.copy.set_xy((j * S, i * S))
        self.axes[0].title.set_text(f"input {L}×{L}\ncell ({i}, {j}) in red")
        cropped = f"; {self.cropped} cropped, hatched" if self.cropped > 0 else ""
        self.axes[1].title.set_text(
            f"{self.heading}output {self.L_out}×{self.L_out} ({self.padding!r}{cropped})\n"
            f"K = {K}, S = {S}: cell ({i}, {j})'s copy of the kernel"
        )
        return self
