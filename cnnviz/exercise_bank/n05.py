"""Notebook 05's exercises: convolution case 4 (images, several channels, several kernels)."""

from __future__ import annotations

import numpy as np

from .. import layers
from ..cases import conv2d
from ..kernels import KERNELS
from ._exercise import Exercise

__all__ = ["EXERCISES"]

TWICE_RIGHT = np.array([[0, 0, 0], [0, 0, 2], [0, 0, 0]], dtype=float)  # twice the pixel right of the centre
GRID = np.arange(25.0).reshape(5, 5)  # the 5×5 grid of exercise 6: 0 … 24, row by row


def _ramp():
    """A 5×5 image whose brightness is 2·column: it grows by 2 per step to the right."""
    return np.tile(2.0 * np.arange(5), (5, 1))


def _flipped_top_row():
    """The top row of the output when TWICE_RIGHT is flipped (true convolution) over GRID."""
    return conv2d(GRID, TWICE_RIGHT[::-1, ::-1])[0]


def _same_row(a, values):
    return a.shape == (3,) and np.allclose(a, values)


EXERCISES: list[Exercise] = [
    Exercise(
        id="05.1",
        kind="number",
        answer=lambda: float(conv2d(_ramp(), KERNELS["sobel x"])[0, 0]),
        hint="Multiply each of the nine weights by the pixel under it and add: each row of Sobel x takes "
        "the pixel on the right minus the pixel on the left, and the rows are weighted top to bottom.",
        mistakes=(
            (
                lambda a, r: a == r / 4,
                "That is one row with weight one: Sobel x has three rows, weighted 1, 2, 1.",
            ),
            (
                lambda a, r: a == -r,
                "Right size, wrong sign: cnnviz does not flip the kernel, so +1 is on the right.",
            ),
        ),
        explanation=lambda r: (
            f"Every row gives (right − left) = 2·2 = 4, and the rows weigh 1 + 2 + 1 = 4: "
            f"4 · 4 = {r:g}, at every cell, because a ramp looks the same everywhere."
        ),
    ),
    Exercise(
        id="05.2",
        kind="shape",
        answer=lambda: conv2d(np.zeros((28, 28, 1)), np.zeros((3, 3, 1, 32))).shape,
        hint="Without padding and with stride 1, each spatial size shrinks by K − 1; the depth is the number of kernels.",
        mistakes=(
            (
                lambda a, r: len(a) == 3 and a[:2] == (28, 28),
                'With padding="valid" the window must fit inside the image: it shrinks.',
            ),
            (
                lambda a, r: len(a) == 3 and a[2] == 1,
                "Each kernel makes its own map: the depth is the number of kernels.",
            ),
            (lambda a, r: len(a) != 3, "Give three numbers: (height, width, channels)."),
        ),
        explanation="(28 − 3 + 1, 28 − 3 + 1, 32): one 26 × 26 map per kernel.",
    ),
    Exercise(
        id="05.3",
        kind="number",
        answer=lambda: layers.Conv2D(16, 5).count_params((26, 26, 32)),
        hint="Count one kernel first: how many rows, columns and channels does it span, and what does it add "
        "at the end? Its depth is the depth of this layer's input.",
        mistakes=(
            (
                lambda a, r: a == 5 * 5 * 32 * 16,
                "Close: each kernel also has a bias, added to its whole map.",
            ),
            (
                lambda a, r: a in (5 * 5 * 16 + 16, 5 * 5 * 16),
                "Each kernel is as deep as this layer's input: the 32 maps of the layer before, not 1.",
            ),
            (
                lambda a, r: a in (5 * 5 * 32 + 1, 5 * 5 * 32 + 16, 5 * 5 * 32),
                "That counts one kernel: the layer has 16 of them, each with its own weights and bias.",
            ),
            (
                lambda a, r: a == 3 * 3 * 32 * 16 + 16,
                "The kernels of this layer are 5 × 5, not 3 × 3.",
            ),
        ),
        explanation=lambda r: (
            f"K_H·K_W·C·k + k = 5·5·32·16 + 16 = {r}: each of the 16 kernels spans the 32 input maps. "
            "The count does not depend on the 26 × 26 size of the maps (weight sharing)."
        ),
    ),
    Exercise(
        id="05.4",
        kind="shape",
        answer=lambda: layers.Conv2D(16, 5).param_shapes((64, 64, 3))["kernel"],
        hint="Keras and cnnviz order a kernel array as (K_H, K_W, C, k), and a kernel's depth C is the image's.",
        mistakes=(
            (lambda a, r: len(a) == 3, "Give four numbers: height, width, depth and the number of kernels."),
            (
                lambda a, r: len(a) == 4 and a[2] == 1,
                "An RGB image has three channels, and each kernel is as deep as the image.",
            ),
            (
                lambda a, r: len(a) == 4 and a[0] == 16,
                "Channels last: the number of kernels comes at the end.",
            ),
        ),
        explanation="(K_H, K_W, C, k) = (5, 5, 3, 16): 16 kernels, each 5 × 5 × 3 deep.",
    ),
    Exercise(
        id="05.5",
        kind="shape",
        answer=lambda: conv2d(np.zeros((64, 64, 3)), np.zeros((5, 5, 3, 16))).shape,
        hint="Each spatial size shrinks by K − 1; the depth is the number of kernels, not the image's depth.",
        mistakes=(
            (
                lambda a, r: len(a) == 3 and a[2] == 3,
                "The three colour slices of each kernel are added: one map per kernel.",
            ),
            (
                lambda a, r: len(a) == 3 and a[:2] == (64, 64),
                "Without padding the 5 × 5 window must fit inside the image.",
            ),
        ),
        explanation="(64 − 5 + 1, 64 − 5 + 1, 16) = (60, 60, 16).",
    ),
    Exercise(
        id="05.6",
        kind="array",
        answer=_flipped_top_row,
        hint="Turn the kernel half a turn first: where does its one weight, 2, end up? Then each output is that "
        "weight times the grid's pixel at that place of its window (the window of the top-left output covers "
        "rows 0 to 2 and columns 0 to 2).",
        mistakes=(
            (
                lambda a, r: _same_row(a, conv2d(GRID, TWICE_RIGHT)[0]),
                "That is the kernel as written (cnnviz does not flip it): after a half-turn its 2 is somewhere else.",
            ),
            (
                lambda a, r: _same_row(a, -conv2d(GRID, TWICE_RIGHT)[0]) or _same_row(a, -r),
                "The sign changes only when the turned kernel is the negative of the original (Sobel): "
                "here the weight stays 2.",
            ),
            (
                lambda a, r: _same_row(a, 2 * GRID[1, 1:4]),
                "That reads the centre of each window: the turned kernel's 2 is beside the centre, not on it.",
            ),
            (
                lambda a, r: _same_row(a, GRID[1, 0:3]),
                "The right pixels, but each output is the kernel's weight times its pixel, and the weight is 2.",
            ),
            (
                lambda a, r: _same_row(a, GRID[1, 2:5]),
                "Those are the pixels the kernel as written reads (without its weight): turn the kernel first.",
            ),
            (lambda a, r: a.shape != (3,), "Give the three numbers of the output's top row, e.g. [a, b, c]."),
        ),
        explanation=lambda r: (
            f"{_short_row(r)}: after the half-turn the 2 sits left of the centre, so each output is twice the pixel "
            "on the left of its window's centre instead of the one on the right: the output moves by two pixels, "
            "with no change of sign. Flipping matters for every kernel that is not symmetric under a half-turn, "
            "not only for the sign of edge kernels."
        ),
    ),
]


def _short_row(row):
    return "[" + ", ".join(f"{v:g}" for v in row) + "]"
