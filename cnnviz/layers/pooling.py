"""The pooling layers: max and average over windows (2D and 1D), and over the whole map (``Global*``).

Window poolings take Keras' ``pool_size``, ``strides`` (default: ``pool_size``) and
``padding``; global poolings take ``keepdims`` (False: (C,) per sample; True: one cell
per spatial axis, (1, 1, C) or (1, C)). Each layer calls its op pair in ``cnnviz.ops``.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from .._checks import check_bool
from ..sizes import window_geometry
from ._arguments import LAYOUTS, check_data_format, check_padding, check_sizes, expect_rank, window_padding
from .base import Layer

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPooling1D",
    "MaxPooling2D",
]


class _Pooling(Layer):
    """What the window poolings share: a window of ``pool_size`` moved by ``strides`` over ``rank`` spatial axes.

    ``pool_size`` K and ``strides`` S (default: K) are an int or one per spatial axis;
    ``padding`` is "valid" or "same" (or cells, an int or pairs, each smaller than K).
    """

    rank = 2  # spatial axes
    forward_op = backward_op = None  # each pooling names its op pair in ``cnnviz.ops``

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, *, input_shape=None
    ):
        super().__init__(None, input_shape, name)
        where = type(self).__name__
        self.pool_size = check_sizes("pool_size", pool_size, self.rank, where)
        self.strides = None if strides is None else check_sizes("strides", strides, self.rank, where)
        self.padding = check_padding(padding, where)
        self.data_format = check_data_format(data_format, where)

    def output_shape(self, input_shape):
        *spatial, C = expect_rank(self, input_shape, self.rank + 1, LAYOUTS[self.rank])
        out, _ = window_geometry(
            tuple(spatial),
            self.pool_size,
            self.strides or self.pool_size,
            window_padding(self.padding, self.rank),
        )
        return (*out, C)

    def call(self, x, training):
        return self.forward_op(x, self.pool_size, self.strides, self.padding)

    def call_backward(self, dy, cache, input_gradient=True):
        return self.backward_op(dy, cache)


class MaxPooling2D(_Pooling):
    """Max-pooling over each channel: (H, W, C) -> (H', W', C), the largest value of each window."""

    rank = 2
    forward_op, backward_op = staticmethod(ops.max_pool2d_forward), staticmethod(ops.max_pool2d_backward)


class AveragePooling2D(_Pooling):
    """Average pooling over each channel (padded cells left out of the mean): (H, W, C) -> (H', W', C)."""

    rank = 2
    forward_op, backward_op = staticmethod(ops.avg_pool2d_forward), staticmethod(ops.avg_pool2d_backward)


class MaxPooling1D(_Pooling):
    """Max-pooling of signals over each channel: (L, C) -> (L', C)."""

    rank = 1
    forward_op, backward_op = staticmethod(ops.max_pool1d_forward), staticmethod(ops.max_pool1d_backward)


class AveragePooling1D(_Pooling):
    """Average pooling of signals over each channel (padded cells left out of the mean): (L, C) -> (L', C)."""

    rank = 1
    forward_op, backward_op = staticmethod(ops.avg_pool1d_forward), staticmethod(ops.avg_pool1d_backward)


class _GlobalPooling(Layer):
    """What the global poolings share: one value per channel over all ``rank`` spatial axes.

    (…, C) -> (C,), or with ``keepdims=True`` one cell per spatial axis, (1, 1, C) or (1, C),
    as in Keras.
    """

    rank = 2  # spatial axes
    forward_op = backward_op = None  # each pooling names its op pair in ``cnnviz.ops``: (N, …, C) -> (N, C)

    def __init__(self, data_format=None, keepdims=False, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.data_format = check_data_format(data_format, type(self).__name__)
        self.keepdims = check_bool(type(self).__name__, "keepdims", keepdims)

    def output_shape(self, input_shape):
        C = expect_rank(self, input_shape, self.rank + 1, LAYOUTS[self.rank])[-1]
        return (*(1,) * self.rank, C) if self.keepdims else (C,)

    def call(self, x, training):
        y, cache = self.forward_op(x)  # (N, C)
        if self.keepdims:
            y = y.reshape(len(y), *self.output_shape(x.shape[1:]))  # (N, C) -> (N, 1, 1, C) or (N, 1, C)
        return y, cache

    def call_backward(self, dy, cache, input_gradient=True):
        if self.keepdims:
            dy = np.asarray(dy)
            if dy.shape[1 : 1 + self.rank] != (1,) * self.rank:
                raise ValueError(
                    f"{self.name}: with keepdims=True, dy has the forward output's shape "
                    f"(N, {'1, ' * self.rank}C); received dy.shape={dy.shape}."
                )
            dy = dy.reshape(len(dy), *dy.shape[1 + self.rank :])  # (N, 1, 1, C) or (N, 1, C) -> (N, C)
        return self.backward_op(dy, cache)


class GlobalMaxPooling2D(_GlobalPooling):
    """The largest value of each channel over the whole image: (H, W, C) -> (C,).

    The gradient goes to the cell that holds the maximum (the first in reading order on a tie).
    """

    rank = 2
    forward_op = staticmethod(ops.global_max_pool2d_forward)
    backward_op = staticmethod(ops.global_max_pool2d_backward)


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean of each channel over the whole image: (H, W, C) -> (C,)."""

    rank = 2
    forward_op = staticmethod(ops.global_average_pool2d_forward)
    backward_op = staticmethod(ops.global_average_pool2d_backward)


class GlobalMaxPooling1D(_GlobalPooling):
    """The largest value of each channel over the whole signal: (L, C) -> (C,)."""

    rank = 1
    forward_op = staticmethod(ops.global_max_pool1d_forward)
    backward_op = staticmethod(ops.global_max_pool1d_backward)


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean of each channel over the whole signal: (L, C) -> (C,)."""

    rank = 1
    forward_op = staticmethod(ops.global_average_pool1d_forward)
    backward_op = staticmethod(ops.global_average_pool1d_backward)
