"""Notebook 11's exercises: architectures (VGG, AlexNet, ResNet, UNet)."""

from __future__ import annotations

from .. import architectures
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _unet_shape(name, size):
    return dict((layer.name, shape) for layer, shape, _ in architectures.unet((size, size, 1)).shapes())[name]


def _multiply_adds(model, name):
    return dict(zip((layer.name for layer in model.layers), architectures.multiply_adds(model)))[name]


EXERCISES: list[Exercise] = [
    Exercise(
        id="11.1",
        kind="number",
        answer=lambda: {layer.name: params for layer, _, params in architectures.vgg16().shapes()}[
            "block1_conv1"
        ],
        hint="Count one weight per cell of a kernel's window and per input channel, for every kernel; "
        "then one bias per kernel.",
        mistakes=(
            (
                lambda a, r: a == 3 * 3 * 64 or a == 3 * 3 * 3 * 64,
                "Close: each of the 64 kernels also has a bias.",
            ),
            (lambda a, r: a == 3 * 3 * 64 + 64, "Each kernel spans all three colour channels of the input."),
        ),
        explanation=lambda r: (
            f"3·3·3 weights per kernel (window × RGB), 64 kernels, plus 64 biases: 3·3·3·64 + 64 = {r:,}."
        ),
    ),
    Exercise(
        id="11.2",
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
        id="11.3",
        kind="choice",
        choices=("a", "b", "c"),
        answer=lambda: "b",
        hint="Think of what Add does cell by cell, and what the two paths' shapes are when a block halves the "
        "size and doubles the channels.",
        explanation="Add adds cell by cell, so both paths need one shape; the identity would keep the old size and "
        "channels. A 1×1 convolution with stride 2 changes both, the cheapest layer that can.",
    ),
    Exercise(
        id="11.4",
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
