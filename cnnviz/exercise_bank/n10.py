"""Notebook 10's exercises: inside a trained CNN."""

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


def _noise_answer():
    """Check the claim behind the right choice: noise gets a confident class, probabilities sum to 1."""
    model = _cnn()
    noise = np.random.default_rng(0).random((1, 28, 28, 1)).astype(np.float32)
    p = model.predict(noise, verbose=0)[0]
    assert abs(float(p.sum()) - 1.0) < 1e-5 and float(p.max()) > 0.5
    return "b"


NOISE_CHOICES = {
    "a": "the noise really looks like that digit, as the network learned digits",
    "b": "softmax gives every input probabilities that sum to 1; the network never saw noise, so a large one "
    "says which logit is largest, not that the input is a digit",
    "c": "the network is broken: a trained network gives about 0.1 to every class on noise",
}

EXERCISES: list[Exercise] = [
    Exercise(
        id="10.1",
        kind="number",
        answer=_field_of_second_pool,
        hint="Select any cell of max_pooling2d_1 away from the border in the explorer and read the last line of "
        "the panel; or work back: each 3×3 convolution widens the square by 2 jumps, each 2×2 pooling "
        "widens it by 1 jump and doubles the jump.",
        mistakes=(
            (
                lambda a, r: a == 4,
                "That is the field after the first pooling: there are two blocks to go through.",
            ),
            (lambda a, r: a == r - 2, "Close: the last pooling's window widens the square too."),
        ),
        explanation=lambda r: (
            f"Side 1 → 3 (conv, jump 1) → 4 (pool, jump becomes 2) → 4 + 2·2 = 8 (conv) → 8 + 1·2 = {r} "
            "(pool): one cell of max_pooling2d_1 reads a "
            f"{r}×{r} square of the 28×28 digit, as architectures.receptive_fields says."
        ),
    ),
    Exercise(
        id="10.2",
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
        id="10.3",
        kind="choice",
        choices=tuple(NOISE_CHOICES),
        answer=_noise_answer,
        hint="Add up the ten probabilities the network gives the noise. Could any input get probabilities that do not "
        "add up to that? And what did the network see while it was trained?",
        mistakes=(
            (
                lambda a, r: a == "c",
                "Look at the bars again: is that what the trained network gives the noise?",
            ),
        ),
        explanation=lambda r: (
            "Softmax turns any ten logits into probabilities that sum to 1, so some class always gets a share, "
            "and a large share only says its logit is well above the others. The network was trained on digits "
            "only; nothing taught it to give low values to noise, so its confidence there measures nothing."
        ),
    ),
    Exercise(
        id="10.4",
        kind="number",
        answer=lambda: int(np.prod(_cnn().expected_input_shape())),
        hint="Select a bar of the dense layer: what does the last line of the panel say it reads? Count those pixels.",
        mistakes=(
            (
                lambda a, r: a == 1568,
                "That is how many values the dense layer reads, after flatten: how many input pixels feed them?",
            ),
        ),
        explanation=lambda r: (
            f"A dense unit reads all 1,568 flattened values, and together they read the whole 28×28 input: {r} "
            "pixels, so any pixel can change any probability."
        ),
    ),
]
