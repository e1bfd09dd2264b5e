"""Notebook 10's exercises: training a CNN on MNIST."""

from __future__ import annotations

from .. import architectures, keras
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _lecture_cnn(pooling=True):
    def pool():
        return [keras.layers.MaxPooling2D(2)] if pooling else []

    return keras.models.Sequential(
        [
            keras.layers.Conv2D(16, 3, activation="relu", padding="same", input_shape=(28, 28, 1)),
            *pool(),
            keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
            *pool(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def _dense_params(model):
    return [params for layer, _, params in model.shapes() if isinstance(layer, keras.layers.Dense)][-1]


EXERCISES: list[Exercise] = [
    Exercise(
        id="10.1",
        kind="number",
        answer=lambda: keras.models.Sequential(
            [keras.layers.Conv2D(32, 5, padding="same", input_shape=(14, 14, 16))]
        ).count_params(),
        hint="A kernel has one weight per cell of its 5×5 window and per channel of the layer before it (the "
        "pooled maps: how many channels?); count them for every kernel, then add one bias per kernel. The map's "
        "size does not enter.",
        mistakes=(
            (lambda a, r: a == 5 * 5 * 16 * 32, "Close: each of the 32 kernels also has a bias."),
            (
                lambda a, r: a == 5 * 5 * 32,
                "Each kernel spans all 16 channels of the pooled maps, and each kernel also has a bias: "
                "two things are missing.",
            ),
            (
                lambda a, r: a == 5 * 5 * 32 + 32,
                "Each kernel spans all 16 channels of the pooled maps, not one: the first convolution made 16 maps.",
            ),
            (
                lambda a, r: a in (3 * 3 * 16 * 32 + 32, 3 * 3 * 16 * 32),
                "That is the count for 3×3 kernels, as in summary(): here each kernel is 5×5.",
            ),
            (
                lambda a, r: a > 100_000,
                "The kernel is shared by every position: the 14 × 14 size does not multiply it.",
            ),
        ),
        explanation=lambda r: (
            f"5·5·16 weights per kernel (its window times the 16 pooled maps), 32 kernels, plus 32 biases: "
            f"5·5·16·32 + 32 = {r:,}. The same method gives summary()'s 4,640 for 3×3 kernels."
        ),
    ),
    Exercise(
        id="10.2",
        kind="number",
        answer=lambda: _dense_params(_lecture_cnn(pooling=False)),
        hint="Without pooling the maps stay 28 × 28: Flatten gives height × width × channels values, and the "
        "dense layer has one weight per value and per class, plus one bias per class.",
        mistakes=(
            (
                lambda a, r: a == 7 * 7 * 32 * 10 + 10,
                "That is the count with the pooling: take both pools out.",
            ),
        ),
        explanation=lambda r: (
            f"28·28·32 = 25,088 values, each with a weight to each of 10 classes, plus 10 biases: "
            f"{r:,}, sixteen times the 15,690 with pooling."
        ),
    ),
    Exercise(
        id="10.3",
        kind="number",
        answer=lambda: architectures.multiply_adds(_lecture_cnn())[0],
        hint="Every cell of every output map is one window of 3 × 3 × 1 products; count the output cells first "
        "(padding 'same' keeps 28 × 28) and the maps.",
        mistakes=(
            (lambda a, r: a == 28 * 28 * 16, "That counts output cells; each one needs 3·3·1 multiply-adds."),
        ),
        explanation=lambda r: (
            f"28·28 positions × 16 kernels × 3·3·1 multiply-adds = {r:,} per image (the bias, one addition per "
            "value, is not counted)."
        ),
    ),
]
