"""Notebook 11's exercises: inside a trained CNN."""

from __future__ import annotations

import numpy as np

from .. import architectures
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _cnn():
    from ..pretrained import load_lecture_cnn

    return load_lecture_cnn()


def _field_of_second_pool():
    """The side of the input square one cell of the lecture CNN's second max-pooling reads."""
    return architectures.receptive_fields(_cnn())[3][0]


def _products_in_conv2d_1():
    """How many products are added for one value of the second convolution: K·K·C_in."""
    kernel = _cnn().layers[2].params["kernel"]  # (KH, KW, C, filters)
    return int(np.prod(kernel.shape[:3]))


def _deeper_cnn():
    """The lecture CNN's layers with a third block: a 3×3 convolution ("same") and a 2×2 pooling."""
    from .. import keras

    return keras.models.Sequential(
        [
            keras.layers.Conv2D(16, 3, activation="relu", padding="same", input_shape=(28, 28, 1)),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(2),
        ]
    )


def _field_of_third_pool():
    """(r, j) of a third max-pooling: the side of the input square one cell reads, and the jump."""
    r, j = architectures.receptive_fields(_deeper_cnn())[5]
    return (int(r), int(j))


NOISE = 100  # random-noise images, seed 1: the exercise's text says the same


def _confident_on_noise():
    """On how many of the noise images the lecture CNN gives some class a probability above 0.5."""
    images = np.random.default_rng(1).random((NOISE, 28, 28, 1)).astype(np.float32)
    return int((_cnn().predict(images, verbose=0).max(axis=1) > 0.5).sum())


def _pixels_read_by_corner():
    """How many input pixels value (0, 0) of conv2d_1 reads: its box in the input, clipped at the border."""
    from ..inside import receptive_boxes

    r0, r1, c0, c1 = receptive_boxes(_cnn(), 2, 0, 0)[0]
    return (r1 - r0) * (c1 - c0)


EXERCISES: list[Exercise] = [
    Exercise(
        id="11.1",
        kind="shape",
        answer=_field_of_third_pool,
        hint="Start from max_pooling2d_1's field and jump (the list architectures.receptive_fields printed above "
        "gives both), then apply r' = r + (K − 1)·j and j' = j·S once for the new convolution and once for the "
        "new pooling. Answer (r, j).",
        mistakes=(
            (
                lambda a, r: tuple(a) == (r[0] - 4, r[1] // 2),
                "Close: that is the new convolution's; the new pooling widens the square by (2 − 1)·j and "
                "doubles the jump.",
            ),
            (
                lambda a, r: a[0] == r[0] and a[1] != r[1],
                "The field is right; each pooling doubles the jump.",
            ),
            (
                lambda a, r: a[0] == 16,
                "After max_pooling2d_1 neighbouring values are 4 input pixels apart (each pooling doubles the "
                "jump), not 2.",
            ),
            (lambda a, r: a[0] == 13, "The jump is not 1 any more: each pooling doubled it."),
        ),
        explanation=lambda r: (
            f"From r = 10, j = 4 after max_pooling2d_1: conv 3×3 → r = 10 + 2·4 = 18, j = 4; pool 2×2 → "
            f"r = 18 + 1·4 = {r[0]}, j = 4·2 = {r[1]}. One value of the new pooling would read a "
            f"{r[0]}×{r[0]} square, most of the 28×28 digit, and its neighbours are {r[1]} pixels apart."
        ),
    ),
    Exercise(
        id="11.2",
        kind="number",
        answer=_products_in_conv2d_1,
        hint="The panel lists one partial sum per input channel; each partial sum adds the products of a K×K "
        "window. How many input channels does conv2d_1 read, and how large is its kernel?",
        mistakes=(
            (
                lambda a, r: a == 9,
                "That is one channel's window: conv2d_1 reads every channel of the layer before it.",
            ),
        ),
        explanation=lambda r: (
            f"3·3 weights for each of the 16 channels of max_pooling2d: 3·3·16 = {r} products, plus the bias, "
            "then ReLU."
        ),
    ),
    Exercise(
        id="11.3",
        kind="number",
        answer=_confident_on_noise,
        hint="Make the 100 noise images as the text says, run model.predict on them, take each row's largest "
        "probability and count how many are above 0.5.",
        mistakes=(
            (
                lambda a, r: a == NOISE - r,
                "That counts the images whose largest probability is at most 0.5: count the others.",
            ),
            (lambda a, r: 0 < a < 1, "A count of images (out of 100), not a fraction."),
        ),
        explanation=lambda r: (
            f"{r} of the {NOISE} noise images get a class with probability above 0.5. Softmax turns any ten "
            "logits (the dense layer's scores before the softmax) into probabilities that sum to 1, so some class "
            "always gets a share, and a large share only says its logit is well above the others. The network "
            "was trained on digits only; nothing taught it to give low values to noise, so its confidence there "
            "measures nothing."
        ),
    ),
    Exercise(
        id="11.4",
        kind="number",
        answer=_pixels_read_by_corner,
        hint="Work the box back layer by layer, as receptive_boxes does, and cut off what falls outside the map "
        '("same" padding reads zeros there, not pixels); or click that corner cell in the explorer and count '
        "the outlined pixels.",
        mistakes=(
            (
                lambda a, r: a == 64,
                "That is the 8×8 field of a value away from the border: at the corner, part of it is padding.",
            ),
            (lambda a, r: a in (5, 7, 8), "A number of pixels: rows times columns of the box."),
        ),
        explanation=lambda r: (
            f"conv2d_1 at (0, 0) reads rows −1..1 of max_pooling2d, of which 0..1 exist; they read rows 0..3 of "
            f"conv2d, which read rows −1..4 of the input: 0..4 exist. 5 × 5 = {r} pixels, not the 64 of a value "
            "away from the border: the rest of its 8×8 field is padding."
        ),
    ),
]
