"""Notebook 04's exercises: convolution case 3 (several channels, several kernels, a bias each)."""

from __future__ import annotations

import numpy as np

from .. import cases
from .. import layers as L
from ._exercise import Exercise
from .n02 import explorer_output

__all__ = ["EXERCISES"]

X = np.array([[1, 0], [2, 1], [0, 3], [1, 1]])  # the notebook's x, (L, C) = (4, 2)
W_NEW = np.array([[0, 1], [0, 0]])  # (K, C): reads channel 1 at the window's first position


def _explorer_output(i, o, mix="sum and difference"):
    return explorer_output(3, i, o, mix=mix)


EXERCISES: list[Exercise] = [
    Exercise(
        id="04.1",
        kind="shape",
        answer=lambda: cases.conv1d(np.ones((20, 3)), np.ones((5, 3, 8))).shape,
        hint="Each kernel gives one output channel; the length is the number of window positions.",
        mistakes=(
            (
                lambda a, r: len(a) == 2 and a[1] == 3,
                "The output has one channel per kernel, not per input channel.",
            ),
            (lambda a, r: len(a) == 2 and a[0] == 20, "Without padding the window must fit: L' = L − K + 1."),
        ),
        explanation=lambda r: f"L' = 20 − 5 + 1 = 16 positions × 8 kernels: shape {tuple(r)}.",
    ),
    Exercise(
        id="04.2",
        kind="number",
        answer=lambda: L.Conv1D(8, 5).count_params((20, 3)),
        hint="Each kernel has K · C weights and one bias; there are k kernels. The signal's length does not matter.",
        mistakes=(
            (lambda a, r: a == r - 8, "Close: each kernel also has a bias."),
            (lambda a, r: a == 5 * 8 + 8, "Each kernel has a weight per position and per input channel."),
            (
                lambda a, r: a % 20 == 0 and a > r,
                "The same weights are used at every position: the length L does not enter the count.",
            ),
        ),
        explanation=lambda r: f"K·C·k + k = 5·3·8 + 8 = {r}.",
    ),
    Exercise(
        id="04.3",
        kind="array",
        answer=lambda: cases.conv1d(X, W_NEW, b=-1),
        hint="This kernel reads one channel at one position of each window; then the bias is added to every output cell.",
        mistakes=(
            (lambda a, r: np.allclose(a, r + 1), "Don't forget the bias: it is added to every output cell."),
            (
                lambda a, r: np.allclose(a, cases.conv1d(X, W_NEW[:, ::-1], b=-1)),
                "Rows of w (in code) are positions, columns are channels: w[0, 1] is channel 1 at the first position.",
            ),
        ),
        explanation=lambda r: f"y_i = x_{{i, 1}} − 1 = 0 − 1, 1 − 1, 3 − 1: y = {r.tolist()}.",
    ),
    Exercise(
        id="04.4",
        kind="number",
        answer=lambda: _explorer_output(2, 0),
        hint="Kernel 0 weighs both channels by +1; each channel's share is its window's first cell minus its last.",
        mistakes=(
            (
                lambda a, r: a == _explorer_output(2, 1),
                "That is kernel 1's output (channel 0 minus channel 1); kernel o = 0 adds them.",
            ),
            (
                lambda a, r: a == _explorer_output(2, 0, "both read channel 0") / 2,
                "That is channel 0's share alone; add channel 1's.",
            ),
        ),
        explanation=lambda r: (
            f"channel 0's share: x[2] − x[4] = {_explorer_output(2, 0, 'both read channel 0') / 2:g}; channel 1's: "
            f"{r - _explorer_output(2, 0, 'both read channel 0') / 2:g}; y[2, 0] = {r:g} (no bias in the explorer)."
        ),
    ),
]
