"""Notebook 12's exercises: architectures (VGG, AlexNet, ResNet, UNet)."""

from __future__ import annotations

from .. import architectures
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _unet_shape(name, size):
    return dict((layer.name, shape) for layer, shape, _ in architectures.unet((size, size, 1)).shapes())[name]


def _params(model, name):
    return {layer.name: params for layer, _, params in model.shapes()}[name]


def _multiply_adds(model, name):
    return dict(zip((layer.name for layer in model.layers), architectures.multiply_adds(model)))[name]


EXERCISES: list[Exercise] = [
    Exercise(
        id="12.1",
        kind="number",
        answer=lambda: _params(architectures.resnet50(style="keras"), "conv1_conv"),
        hint="Count one weight per cell of a kernel's 7×7 window and per channel of the input image, for every "
        "kernel; then one bias per kernel. The stride and the image's size do not enter.",
        mistakes=(
            (lambda a, r: a == 7 * 7 * 3 * 64, "Close: Keras' flavour gives each of the 64 kernels a bias."),
            (
                lambda a, r: a == 7 * 7 * 64,
                "Two things are missing: each kernel spans all three colour channels of the image, and each "
                "kernel also has a bias.",
            ),
            (lambda a, r: a == 7 * 7 * 64 + 64, "Each kernel spans all three colour channels of the image."),
            (
                lambda a, r: a in (3 * 3 * 3 * 64 + 64, 3 * 3 * 3 * 64, 3 * 3 * 64 + 64, 3 * 3 * 64),
                "That is a count for 3×3 windows, like VGG's: ResNet's first kernels are 7×7. Then count the "
                "colour channels and the biases too.",
            ),
            (
                lambda a, r: a > 1_000_000,
                "A kernel is shared by every position: the image's size does not multiply it.",
            ),
        ),
        explanation=lambda r: (
            f"7·7·3 weights per kernel (window × RGB), 64 kernels, plus 64 biases: 7·7·3·64 + 64 = {r:,}. "
            "torchvision's flavour leaves the bias out (batch normalization follows), hence the table's 9,408."
        ),
    ),
    Exercise(
        id="12.2",
        kind="shape",
        answer=lambda: _unet_shape("down2_conv2", 252),
        hint="Follow the sizes step by step: each unpadded 3×3 convolution takes 2 cells off the side, "
        "the pool halves it; the channels are the last convolution's number of kernels.",
        mistakes=(
            (lambda a, r: tuple(a)[:2] == (124, 124), "Close: two convolutions come after the pool too."),
        ),
        explanation=lambda r: (
            "252 − 2 − 2 = 248, pooled to 124, then 124 − 2 − 2 = 120 with 128 kernels: "
            f"{tuple(int(n) for n in r)}."
        ),
    ),
    Exercise(
        id="12.3",
        kind="number",
        answer=lambda: _params(architectures.resnet50(), "conv4_block1_0_conv"),
        hint="Add needs both paths in one shape: what shape does the block's main path give, and what does the "
        "block receive? A 1×1 convolution has one weight per input channel and per kernel.",
        mistakes=(
            (
                lambda a, r: a == 256 * 512,
                "That is conv3_block1's projection, shown above: stage 4 starts from stage 3's output.",
            ),
            (
                lambda a, r: a == 512 * 512,
                "The shortcut must give Add the main path's shape, and stage 4 doubles the channels.",
            ),
            (
                lambda a, r: a == 1024 * 1024,
                "The projection reads the block's input, stage 3's output: how many channels does it have?",
            ),
            (
                lambda a, r: a in (512 * 1024 + 1024, 512 * 1024 + 512),
                "Close: in torchvision's flavour, built here, convolutions have no bias (batch normalization follows).",
            ),
            (
                lambda a, r: a > 10 * 1024 * 1024,
                "A 1×1 kernel is shared by every pixel: the map's size and the stride do not multiply it.",
            ),
        ),
        explanation=lambda r: (
            f"Add adds cell by cell, so the shortcut must turn stage 3's 28×28×512 into the main path's 14×14×1024: "
            f"a 1×1 convolution with stride 2 and 1024 kernels of 1·1·512 weights, no bias: 512·1024 = {r:,}."
        ),
    ),
    Exercise(
        id="12.4",
        kind="number",
        answer=lambda: _multiply_adds(architectures.resnet50(), "conv2_block1_3_conv"),
        hint="A 1×1 convolution does, at every pixel, one multiply-add per input channel and per output channel.",
        mistakes=((lambda a, r: a == 64 * 256, "That is per pixel: how many pixels are there?"),),
        explanation=lambda r: (
            f"56·56 pixels × 64 input channels × 256 kernels = {r:,} multiply-adds: a dense "
            "layer from 64 to 256 values, applied at every pixel."
        ),
    ),
]
