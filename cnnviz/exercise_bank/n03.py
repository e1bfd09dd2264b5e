"""Notebook 03's exercises: convolution case 2 (several channels, one kernel)."""

from __future__ import annotations

import numpy as np

from .. import cases
from ._exercise import Exercise
from .n02 import explorer_output

__all__ = ["EXERCISES"]

X = np.array([[1, 0], [2, 1], [0, 3], [1, 1]])  # the notebook's x, (L, C) = (4, 2)
W_EXERCISE = np.array([[1, 1], [-1, -1]])  # (K, C): both channels + at the first position, − at the second


def _explorer_output(i, mix="channel 0 minus channel 1"):
    return explorer_output(2, i, mix=mix)


EXERCISES: list[Exercise] = [
    Exercise(
        id="03.1",
        kind="shape",
        answer=lambda: cases.conv1d(np.ones((10, 3)), np.ones((4, 3))).shape,
        hint="One kernel gives one number per window position, however many channels it reads; count the positions.",
        mistakes=(
            (
                lambda a, r: len(a) == 2 and a[1] == 3,
                "The kernel sums over the channels too: one kernel gives one output channel, not three.",
            ),
            (lambda a, r: len(a) == 1 and a[0] == 10, "Without padding the window must fit: L' = L − K + 1."),
            (
                lambda a, r: tuple(a) == (*r, 1),
                "The right numbers, but one axis too many: with one kernel of shape (K, C), cnnviz.conv1d "
                "returns one number per position, shape (L',). The output's depth 1 is not kept as an axis; "
                "a kernel given as (K, C, 1), one of k = 1 kernels as in case 3, gives shape (L', 1).",
            ),
        ),
        explanation=lambda r: (
            f"L' = 10 − 4 + 1 = 7 positions, one number each: shape {tuple(r)} (depth 1, so no channel axis; "
            "a (K, C, 1) kernel would give (7, 1))."
        ),
    ),
    Exercise(
        id="03.2",
        kind="shape",
        answer=lambda: np.ones((4, 3)).shape,  # (K, C): the shape conv1d accepts for this input (03.1)
        hint="The kernel has K positions and, at each, one weight per input channel; write it (K, C) as the code does.",
        mistakes=(
            (
                lambda a, r: tuple(a) == (r[1], r[0]),
                "That is the transpose: in code the kernel is (K, C), positions first, like x's (L, C).",
            ),
            (
                lambda a, r: len(a) == 1,
                "One weight per position is not enough: the kernel needs one per position and channel.",
            ),
        ),
        explanation="(K, C): K = 4 positions, one column per channel: the kernel's depth equals the input's.",
    ),
    Exercise(
        id="03.3",
        kind="array",
        answer=lambda: cases.conv1d(X, W_EXERCISE),
        hint="At each window position add both channels at the first position, subtract both at the second; one number per position.",
        mistakes=(
            (
                lambda a, r: np.shape(a) == (3, 2),
                "The channels are summed: the output has one number per position.",
            ),
            (lambda a, r: np.allclose(a, -r), "The sign: the first position counts +, the second −."),
        ),
        explanation=lambda r: f"(1+0)−(2+1) = −2, (2+1)−(0+3) = 0, (0+3)−(1+1) = 1: y = {r.tolist()}.",
    ),
    Exercise(
        id="03.4",
        kind="number",
        answer=lambda: _explorer_output(5),
        hint="Work out each channel's share (first cell minus last cell of the window), weigh channel 1's by −1, then add.",
        mistakes=(
            (
                lambda a, r: a == _explorer_output(5, "channel 0 only"),
                "That is channel 0's share alone; channel 1 adds its own, with weight −1.",
            ),
            (
                lambda a, r: a == _explorer_output(5, "all channels alike"),
                "Channel 1's weights are negated by this mix: subtract its share.",
            ),
        ),
        explanation=lambda r: (
            f"channel 0's share: x[5] − x[7] = {_explorer_output(5, 'channel 0 only'):g}; channel 1's, weighed by −1: "
            f"{r - _explorer_output(5, 'channel 0 only'):g}; y[5] = {r:g}."
        ),
    ),
]
