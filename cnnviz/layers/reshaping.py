"""Layers that move values without computing new ones: Flatten, Reshape, ZeroPadding2D, Cropping2D, UpSampling2D."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..sizes import spatial_pairs
from ._arguments import LAYOUTS, check_data_format, check_input_shape, check_sizes, expect_rank
from .base import Layer

__all__ = ["Cropping2D", "Flatten", "Reshape", "UpSampling2D", "ZeroPadding2D"]


class Flatten(Layer):
    """Reshape each sample to one vector: (N, ...) -> (N, prod(...))."""

    def __init__(self, data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.data_format = check_data_format(data_format, "Flatten")

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def call(self, x, training):
        return x.reshape(len(x), -1), x.shape

    def call_backward(self, dy, cache, input_gradient=True):
        return dy.reshape(cache)


class ZeroPadding2D(Layer):
    """Zeros around the image: padding = P, (P_h, P_w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.padding = spatial_pairs("padding", padding, "ZeroPadding2D")
        self.data_format = check_data_format(data_format, "ZeroPadding2D")

    def output_shape(self, input_shape):
        H, W, C = expect_rank(self, input_shape, 3, LAYOUTS[2])
        (t, b), (l, r) = self.padding
        return (H + t + b, W + l + r, C)

    def call(self, x, training):
        return ops.zero_padding2d_forward(x, self.padding)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.zero_padding2d_backward(dy, cache)


class Cropping2D(Layer):
    """Cut rows and columns off the edges: cropping = c, (c_h, c_w) or ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.cropping = spatial_pairs("cropping", cropping, "Cropping2D")
        self.data_format = check_data_format(data_format, "Cropping2D")

    def output_shape(self, input_shape):
        H, W, C = expect_rank(self, input_shape, 3, LAYOUTS[2])
        (t, b), (l, r) = self.cropping
        if H - t - b < 1 or W - l - r < 1:
            raise ValueError(
                f"{self.name}: cropping {self.cropping} leaves nothing of a {H}×{W} image "
                f"({H} − {t} − {b} = {H - t - b} rows, {W} − {l} − {r} = {W - l - r} columns)."
            )
        return (H - t - b, W - l - r, C)

    def call(self, x, training):
        return ops.cropping2d_forward(x, self.cropping)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.cropping2d_backward(dy, cache)


class UpSampling2D(Layer):
    """Repeat each cell size_h × size_w times (nearest neighbour): (H, W, C) -> (H·s_h, W·s_w, C)."""

    def __init__(
        self, size=(2, 2), data_format=None, interpolation="nearest", *, input_shape=None, name=None
    ):
        super().__init__(None, input_shape, name)
        self.data_format = check_data_format(data_format, "UpSampling2D")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D offers interpolation='nearest'; received {interpolation!r}.")
        self.interpolation = "nearest"
        self.size = check_sizes("size", size, 2, "UpSampling2D")

    def output_shape(self, input_shape):
        H, W, C = expect_rank(self, input_shape, 3, LAYOUTS[2])
        return (H * self.size[0], W * self.size[1], C)

    def call(self, x, training):
        return ops.upsampling2d_forward(x, self.size)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.upsampling2d_backward(dy, cache)


class Reshape(Layer):
    """Give each sample a new shape with the same number of values, e.g. (784,) -> (28, 28, 1)."""

    def __init__(self, target_shape, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if target_shape is None:  # required, as in Keras
            raise TypeError(
                "Reshape expects target_shape as a tuple of sizes, like (28, 28, 1); received None."
            )
        self.target_shape = check_input_shape(target_shape, "Reshape", argument="target_shape")

    def output_shape(self, input_shape):
        if int(np.prod(input_shape)) != int(np.prod(self.target_shape)):
            raise ValueError(
                f"{self.name}: cannot reshape {tuple(input_shape)} ({int(np.prod(input_shape))} values) "
                f"to {self.target_shape} ({int(np.prod(self.target_shape))} values)."
            )
        return self.target_shape

    def call(self, x, training):
        return x.reshape(len(x), *self.target_shape), x.shape

    def call_backward(self, dy, cache, input_gradient=True):
        return dy.reshape(cache)
