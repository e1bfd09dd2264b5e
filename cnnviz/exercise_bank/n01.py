"""Notebook 01's exercises: image shapes, value counts, scaling to [0, 1], kernels across channels."""

from __future__ import annotations

import numpy as np

from .. import images
from .. import layers as L
from ._exercise import Exercise

__all__ = ["EXERCISES"]

FULL_HD = (1080, 1920, 3)  # the question gives 1920 wide and 1080 high, an RGB photo
PIXEL = (250, 400)  # a pixel of the photo, in the light blue background (the exercise reads it in the explorer)


def _kernel_weights():
    """The weights of one 3×3 kernel over a 32×32 RGB image, as cnnviz's Conv2D lays them out."""
    shapes = L.Conv2D(1, 3, use_bias=False).param_shapes((32, 32, 3))
    return int(np.prod(shapes["kernel"]))  # (KH, KW, C, filters)


EXERCISES: list[Exercise] = [
    Exercise(
        id="01.1",
        kind="shape",
        answer=lambda: FULL_HD,
        hint="Arrays are (height, width, channels): which number counts rows, and how many colours does a pixel hold?",
        mistakes=(
            (
                lambda a, r: tuple(a) == (r[1], r[0], r[2]),
                "Height and width are swapped: the height counts rows (vertical extent) and comes first.",
            ),
            (lambda a, r: len(a) == 2, "A colour image has a third axis: one number per colour channel."),
            (
                lambda a, r: len(a) == 3 and a[0] == r[2],
                "Channels come last in (height, width, channels), as in Keras.",
            ),
        ),
        explanation="(height, width, channels): 1080 rows, 1920 columns, 3 colours.",
    ),
    Exercise(
        id="01.2",
        kind="number",
        answer=lambda: int(np.prod(FULL_HD)),
        hint="Every pixel holds one number per channel: multiply the sizes of all three axes.",
        mistakes=(
            (lambda a, r: a == r // 3, "That counts pixels; each pixel holds one number per channel."),
        ),
        explanation=lambda r: (
            f"height × width × channels = 1080 · 1920 · 3 = {r:,} numbers (6.2 MB as uint8)."
        ),
    ),
    Exercise(
        id="01.3",
        kind="array",
        answer=lambda: np.round(np.array([255, 128, 0]) / 255, 3),
        hint="Divide each of the three values by the largest value an 8-bit number can hold, then round to 3 decimals.",
        mistakes=(
            (
                lambda a, r: np.allclose(a, np.array([255, 128, 0]) / 256, atol=1e-3),
                "uint8 values go up to 255, not 256: 255 must become exactly 1.",
            ),
            (
                lambda a, r: (
                    np.allclose(a, np.array([255, 128, 0]) / 255, atol=1e-6) and not np.allclose(a, r)
                ),
                "Right values; now round each to 3 decimals (np.round(..., 3)).",
            ),
            (lambda a, r: np.max(a) > 1, "Scaled values lie in [0, 1]."),
        ),
        explanation="Divide by 255: [1.0, 0.502, 0.0] (128/255 = 0.50196…).",
    ),
    Exercise(
        id="01.4",
        kind="number",
        answer=_kernel_weights,
        hint="The kernel slides over height and width only; at each position it covers a 3 × 3 patch in every channel.",
        mistakes=(
            (
                lambda a, r: a == r // 3,
                "That is a 3 × 3 patch of one channel; the kernel reaches through all the image's channels.",
            ),
            (lambda a, r: a == r + 1, "Without the bias: count only the kernel's weights."),
        ),
        explanation=lambda r: (
            f"3 × 3 positions × 3 channels = {r} weights: the kernel has the image's depth, so one "
            "kernel reads all channels at once and gives one number per position."
        ),
    ),
    Exercise(
        id="01.5",
        kind="number",
        answer=lambda: int(images.grayscale(images.photo())[PIXEL]),
        hint=(
            "Read the pixel's three numbers (red, green, blue) in the explorer, weigh them 0.299, 0.587 and 0.114 "
            "in that order, add, and round to the nearest whole number."
        ),
        mistakes=(
            (
                lambda a, r: round(a) == round(float(np.mean(images.photo()[PIXEL]))),
                "That is the plain mean of the three: the recipe weighs green most and blue least.",
            ),
            (
                lambda a, r: round(a) == round(float(images.photo()[PIXEL] @ [0.114, 0.587, 0.299])),
                "The weights are in the order R, G, B: 0.299 for red, 0.114 for blue.",
            ),
            (
                lambda a, r: a != round(a) and round(a) == r,
                "Right sum; a uint8 grayscale image stores whole numbers: round it.",
            ),
            (
                lambda a, r: a == np.floor(float(images.photo()[PIXEL] @ images.LUMA)) and a != r,
                "Round to the nearest whole number, not down.",
            ),
            (lambda a, r: 0 <= a <= 1, "Give the brightness on the image's 0..255 scale, not scaled to [0, 1]."),
        ),
        explanation=lambda r: (
            f"photo[250, 400] = {images.photo()[PIXEL].tolist()}; 0.299 · R + 0.587 · G + 0.114 · B = "
            f"{float(images.photo()[PIXEL] @ images.LUMA):.3f}, stored as {r} (images.grayscale rounds to a whole uint8)."
        ),
    ),
]
