"""Notebook 07's exercises: max-pooling, its size, its gradient and what a shift does to it."""

from __future__ import annotations

import numpy as np

from .. import images, ops
from ._exercise import Exercise

__all__ = ["EXERCISES"]

GRID = np.array([[2, 9, 1, 1], [4, 0, 6, 3], [5, 5, 0, 8], [1, 2, 7, 2]])


def _pool(a, K=2):
    return ops.max_pool2d_forward(np.asarray(a, dtype=float)[None, :, :, None], K)[0][0, :, :, 0]


def _grid_gradient():
    _, cache = ops.max_pool2d_forward(GRID[None, :, :, None].astype(float), 2)
    return ops.max_pool2d_backward(np.ones((1, 2, 2, 1)), cache)[0, :, :, 0]


def _both_fives(a, r):
    """The learner gave both tied 5s of the bottom-left window the gradient."""
    return a.shape == (4, 4) and a[2, 0] == 1 and a[2, 1] == 1


def _pooled_map_moves_by(shift=4, K=2):
    """By how many pooled cells the max-pooled digit moves when the digit moves ``shift`` pixels right."""
    digit = images.digit(7).astype(float)
    before, after = _pool(digit, K), _pool(np.roll(digit, shift, axis=1), K)
    return next(k for k in range(1, before.shape[1]) if np.array_equal(after[:, k:], before[:, :-k]))


def _exact_moves(K=3):
    """The shifts right (1, 2 or 3 pixels) after which the pooled digit (stride K) is the old one, moved."""
    digit = images.digit(7).astype(float)
    before = _pool(digit, K)
    return [
        d
        for d in (1, 2, 3)
        if any(
            np.array_equal(_pool(np.roll(digit, d, axis=1), K), np.roll(before, k, axis=1)) for k in range(3)
        )
    ]


EXERCISES: list[Exercise] = [
    Exercise(
        id="07.1",
        kind="shape",
        answer=lambda: ops.max_pool2d_forward(np.zeros((1, 32, 32, 16)), 2)[0].shape[1:],
        hint="Use L' = ⌊(L + 2P − K)/S⌋ + 1 for the height and for the width; pooling works on each channel on its own.",
        mistakes=(
            (
                lambda a, r: len(a) == 3 and a[2] != 16,
                "Pooling has no kernels of its own: the number of channels stays.",
            ),
            (
                lambda a, r: len(a) == 3 and a[0] == 31,
                "That is stride 1: with S = K the windows sit side by side.",
            ),
            (lambda a, r: len(a) != 3, "Give three numbers: (height, width, channels)."),
        ),
        explanation="Height and width are halved (⌊(32 − 2)/2⌋ + 1 = 16); pooling keeps the 16 channels.",
    ),
    Exercise(
        id="07.2",
        kind="array",
        answer=lambda: _pool(GRID),
        hint="Split the grid into four 2 × 2 blocks that do not overlap, and keep the largest number of each, "
        "in the same layout.",
        mistakes=(
            (
                lambda a, r: a.shape != (2, 2),
                "The answer is a 2 × 2 grid: one number per window, e.g. [[a, b], [c, d]].",
            ),
            (
                lambda a, r: np.array_equal(a, r.T),
                "Right numbers, transposed: the first row holds the two top windows.",
            ),
        ),
        explanation="[[max(2, 9, 4, 0), max(1, 1, 6, 3)], [max(5, 5, 1, 2), max(0, 8, 7, 2)]] = [[9, 6], [5, 8]].",
    ),
    Exercise(
        id="07.3",
        kind="array",
        answer=_grid_gradient,
        hint="Each window passes its gradient to the one cell that won it, and every other cell gets nothing; "
        "mind the rule for a tie.",
        mistakes=(
            (
                _both_fives,
                "The bottom-left window has a tie. Only one cell wins a window: the first maximum in reading "
                "order (row by row, left to right), as in Keras and PyTorch.",
            ),
            (lambda a, r: a.shape != (4, 4), "dx has the input's shape: a 4 × 4 grid."),
            (lambda a, r: a.max() > 1, "Each output sends back its gradient, 1, not its value."),
        ),
        explanation="1 at the winners (0, 1), (1, 2), (2, 0) and (2, 3); the tied 5 at (2, 1) comes second in "
        "reading order and gets nothing.",
    ),
    Exercise(
        id="07.4",
        kind="number",
        answer=_pooled_map_moves_by,
        hint="Each pooled cell keeps the largest pixel of a K × K block, and the blocks start every S pixels. "
        "How many blocks does the shift span? Then verify in a code cell with ops.max_pool2d_forward.",
        mistakes=(
            (
                lambda a, r: a == 2 * r,
                "That counts pixels: the pooled map has one cell per block of S pixels.",
            ),
            (lambda a, r: a == r / 2, "One block per S pixels: how many blocks fit in the shift?"),
        ),
        explanation=lambda r: (
            f"4 pixels are {r} blocks of S = 2: the pooled map moves by exactly {r} cells, "
            "and nothing else changes (equivariance to shifts by multiples of S)."
        ),
    ),
    Exercise(
        id="07.5",
        kind="indices",
        answer=_exact_moves,
        hint="A shift changes no value when every maximum lands in the corresponding window of the moved map. Set the explorer's pool size and try each shift: the last panel says what it compares with.",
        mistakes=((lambda a, r: len(a) == 3, "Try a one-pixel shift: do all the pooled values stay?"),),
        explanation=lambda r: (
            f"Only a shift of {r}: a whole window (stride 3). Other shifts move some maxima "
            "across window borders and change values."
        ),
    ),
]
