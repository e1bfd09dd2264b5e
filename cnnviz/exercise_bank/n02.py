"""Notebook 02's exercises: convolution case 1 (one channel, one kernel)."""

from __future__ import annotations

import numpy as np

from .. import cases, sizes
from ._exercise import Exercise

__all__ = ["EXERCISES", "explorer_output"]


def _cells_read(i, K, L=10):
    """The 0-based cells of x that y[i] reads: those whose one-hot probe changes y[i] (cnnviz's own conv1d)."""
    return [j for j in range(L) if cases.conv1d(np.eye(L)[j], np.ones(K))[i] != 0]


def explorer_output(case, i, o=0, mix=None, K=3, S=1):
    """y[i, o] that ``Conv1DExplorer(case)`` shows with the edge taps and these controls (notebooks 02–04)."""
    from ..kernels import CHANNEL_MIX, SIGNALS, TAPS

    mix = np.asarray(CHANNEL_MIX[case][mix or next(iter(CHANNEL_MIX[case]))])  # (C, k)
    w = TAPS["edge: +1 … −1"](K)[:, None, None] * mix[None]  # (K, C, k), as Conv1DExplorer.kernel
    x = SIGNALS[case].reshape(len(SIGNALS[case]), -1)  # (L, C)
    return float(cases.conv1d(x, w, strides=S)[i, o])


EXERCISES: list[Exercise] = [
    Exercise(
        id="02.1",
        kind="number",
        answer=lambda: sizes.output_length(L=12, K=4),
        hint="Count the positions the window can take: its first cell can start at 0 and must leave room for all K cells.",
        mistakes=(
            (lambda a, r: a == r - 1, "Close: did you forget the + 1? The first window position counts too."),
            (
                lambda a, r: a == 12,
                "That is L itself: a window of K cells cannot start in the last K − 1 cells.",
            ),
        ),
        explanation=lambda r: f"L' = L − K + 1 = 12 − 4 + 1 = {r}.",
    ),
    Exercise(
        id="02.2",
        kind="indices",
        answer=lambda: _cells_read(5, 4),
        hint="In 0-based code, y[i] = Σ_j w[j] · x[i + j] for j = 0, …, K − 1: the window of y[i] starts at cell i.",
        mistakes=(
            (
                lambda a, r: list(a) == [v + 1 for v in r],
                "Those are 1-based positions (the notes' x_{i+j−1} with i = 6); the code counts from 0.",
            ),
            (
                lambda a, r: list(a) == [v - 1 for v in r],
                "The window of y[i] starts at x[i], not one cell before it.",
            ),
            (lambda a, r: len(a) != len(r), "The window covers exactly K cells."),
        ),
        explanation=lambda r: (
            f"y[5] = w[0]·x[5] + w[1]·x[6] + w[2]·x[7] + w[3]·x[8]: cells {r} (in the notes' 1-based count, "
            "y_6 reads x_6 … x_9)."
        ),
    ),
    Exercise(
        id="02.3",
        kind="array",
        answer=lambda: cases.conv1d([2, 0, 1, 3], [1, 2]),
        hint="L' = L − K + 1 cells; each is w_1·x_i + w_2·x_{i+1}, the kernel laid on the signal unflipped.",
        mistakes=(
            (lambda a, r: np.shape(a) == (4,), "With K = 2 there is one output cell fewer than input cells."),
            (
                lambda a, r: np.allclose(a, cases.conv1d([2, 0, 1, 3], [2, 1])),
                "You flipped the kernel: deep-learning convolution multiplies x_i by w_1, x_{i+1} by w_2.",
            ),
        ),
        explanation=lambda r: f"1·2 + 2·0 = 2, 1·0 + 2·1 = 2, 1·1 + 2·3 = 7: y = {r.tolist()}.",
    ),
    Exercise(
        id="02.4",
        kind="number",
        answer=lambda: explorer_output(1, 3, K=4),
        hint="With K taps the window of y[i] covers x[i] … x[i + K − 1]; the edge taps compute the window's first cell minus its last.",
        mistakes=(
            (
                lambda a, r: a == -r,
                "The sign: the edge taps are +1 on the window's first cell and −1 on its last (first minus last).",
            ),
            (
                lambda a, r: a == explorer_output(1, 3, K=3),
                "That is the output with K = 3: with K = 4 the window of y[3] reaches one cell further.",
            ),
            (
                lambda a, r: a == explorer_output(1, 4, K=4),
                "That window starts one cell late: y[i] starts at x[i], counting from 0.",
            ),
        ),
        explanation=lambda r: (
            f"With K = 4 the taps are [1, 0, 0, −1], and y[3] reads x[3], x[4], x[5], x[6] = 3, 3, 3, 1: "
            f"3 − 1 = {r:g}."
        ),
    ),
]
