"""Notebook 05's exercises: convolution case 4 (images, several channels, several kernels)."""

from __future__ import annotations

import numpy as np

from .. import images, layers
from ..cases import conv2d
from ..kernels import KERNELS
from ._exercise import Exercise

__all__ = ["EXERCISES"]

FLIP_CHOICES = {
    "a": "nothing changes",
    "b": "every response changes sign",
    "c": "the output moves: it copies the pixel on the other side",
}
RIGHT_NEIGHBOUR = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=float)  # copies the pixel on the right


def _ramp():
    """A 5×5 image whose brightness is 2·column: it grows by 2 per step to the right."""
    return np.tile(2.0 * np.arange(5), (5, 1))


def _flip_effect():
    """What flipping RIGHT_NEIGHBOUR does to its output on the photo: "a", "b" or "c"."""
    photo = images.grayscale(images.photo()) / 255.0
    y, flipped = conv2d(photo, RIGHT_NEIGHBOUR), conv2d(photo, RIGHT_NEIGHBOUR[::-1, ::-1])
    effects = {
        "a": np.allclose(flipped, y),
        "b": np.allclose(flipped, -y),
        "c": np.allclose(flipped[:, 2:], y[:, :-2]) and not np.allclose(flipped, y),
    }
    (key,) = [k for k, happens in effects.items() if happens]
    return key


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
        answer=lambda: layers.Conv2D(32, 3).count_params((28, 28, 1)),
        hint="Each kernel has K_H·K_W·C weights and one bias; there are k kernels.",
        mistakes=(
            (lambda a, r: a == 3 * 3 * 1 * 32, "Close: don't forget one bias per kernel."),
            (lambda a, r: a == 3 * 3 * 32, "Close: don't forget one bias per kernel."),
        ),
        explanation=lambda r: f"K_H·K_W·C·k + k = 3·3·1·32 + 32 = {r}.",
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
        kind="choice",
        choices=tuple(FLIP_CHOICES),
        answer=_flip_effect,
        hint="Flipping turns the kernel half a turn: where does its one weight of 1 end up, and which pixel does "
        "it copy then? Type the kernel into the explorer's grid and tick the flip box.",
        mistakes=(
            (
                lambda a, r: a == "a",
                "Only a kernel that looks the same after a half-turn is unchanged: is this one?",
            ),
            (
                lambda a, r: a == "b",
                "The sign changes when the flipped kernel is the negative of the original (Sobel): "
                "is it here?",
            ),
        ),
        explanation=lambda r: (
            f"({r}) {FLIP_CHOICES[r]}: the 1 moves from the right of the centre to the left, so the "
            "output copies the left neighbour instead, and the picture moves by two pixels. Flipping matters for every "
            "kernel that is not symmetric under a half-turn, not only for the sign of edge kernels."
        ),
    ),
]
