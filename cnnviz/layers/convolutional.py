"""The convolution layers: ``Conv2D``, ``Conv1D`` and ``Conv2DTranspose``.

Each holds a kernel and a bias and calls its op pair in ``cnnviz.ops``: kernel
(KH, KW, C, filters) in 2D, (K, C, filters) in 1D, (KH, KW, filters, C) for the
transposed convolution, as in Keras.
"""

from __future__ import annotations

from .. import ops
from .._checks import check_range
from ..sizes import transposed_output_length, window_geometry
from ._arguments import LAYOUTS, check_data_format, check_padding, check_sizes, expect_rank, window_padding
from .base import Layer

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose"]


class _Conv(Layer):
    """What the convolutions share: ``filters`` kernels of ``rank`` spatial axes, strides, padding, a bias."""

    rank = 2  # spatial axes
    forward_op = backward_op = None  # each convolution names its op pair in ``cnnviz.ops``

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        *,
        input_shape=None,
        name=None,
    ):
        super().__init__(activation, input_shape, name)
        where = type(self).__name__
        self.filters = check_range(None, "filters", filters, low=1, integer=True)
        self.kernel_size = check_sizes("kernel_size", kernel_size, self.rank, where)
        self.strides = check_sizes("strides", strides, self.rank, where)
        self.dilation_rate = check_sizes("dilation_rate", dilation_rate, self.rank, where)
        self.padding = check_padding(padding, where)
        self.data_format = check_data_format(data_format, where)
        if groups != 1:
            raise ValueError(
                f"{where}: cnnviz convolves all input channels together (groups=1); received groups={groups!r}."
            )
        self.groups = 1
        self._use_kernel_and_bias(use_bias, kernel_initializer, bias_initializer)

    def output_shape(self, input_shape):
        *spatial, _ = expect_rank(self, input_shape, self.rank + 1, LAYOUTS[self.rank])
        out, _ = window_geometry(
            tuple(spatial),
            self.kernel_size,
            self.strides,
            window_padding(self.padding, self.rank),
            self.dilation_rate,
        )
        return (*out, self.filters)

    def param_shapes(self, input_shape):
        C = expect_rank(self, input_shape, self.rank + 1, LAYOUTS[self.rank])[-1]
        shapes = {"kernel": (*self.kernel_size, C, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def call(self, x, training):
        return self.forward_op(
            x, self.params["kernel"], self.params.get("bias"), self.strides, self.padding, self.dilation_rate
        )

    def call_backward(self, dy, cache, input_gradient=True):
        return self._keep_kernel_and_bias_gradients(
            *self.backward_op(dy, cache, input_gradient=input_gradient)
        )


class Conv2D(_Conv):
    """2D convolution layer: kernel (KH, KW, C, filters), bias (filters,); inputs (N, H, W, C)."""

    rank = 2
    forward_op, backward_op = staticmethod(ops.conv2d_forward), staticmethod(ops.conv2d_backward)


class Conv1D(_Conv):
    """1D convolution layer: kernel (K, C, filters), bias (filters,); inputs (N, L, C)."""

    rank = 1
    forward_op, backward_op = staticmethod(ops.conv1d_forward), staticmethod(ops.conv1d_backward)


class Conv2DTranspose(_Conv):
    """Transposed ("up-") convolution: each input cell adds a kernel-sized patch to the output.

    kernel (KH, KW, filters, C) as in Keras, bias (filters,). Along each axis the output
    has (L − 1)·S + K cells with padding "valid" (L·S when K < S, as in Keras) and L·S
    with "same"; kernel 2 and stride 2 doubles the size (UNet's up-convolution).
    """

    rank = 2
    forward_op = staticmethod(ops.conv_transpose2d_forward)
    backward_op = staticmethod(ops.conv_transpose2d_backward)

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        *,
        input_shape=None,
        name=None,
    ):
        super().__init__(
            filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation, use_bias,
            kernel_initializer, bias_initializer, input_shape=input_shape, name=name,
        )  # fmt: skip
        if self.padding not in ("valid", "same"):
            raise ValueError(
                f"Conv2DTranspose takes padding 'valid' or 'same'; received padding={padding!r}."
            )
        if output_padding is not None or self.dilation_rate != (1, 1):
            raise ValueError(
                "cnnviz's Conv2DTranspose has no output_padding or dilation; received "
                f"output_padding={output_padding!r}, dilation_rate={dilation_rate!r}."
            )
        self.output_padding = None

    def output_shape(self, input_shape):
        H, W, _ = expect_rank(self, input_shape, 3, LAYOUTS[2])
        Ho, Wo = (
            transposed_output_length(L, K, s, self.padding)
            for L, K, s in zip((H, W), self.kernel_size, self.strides)
        )
        return (Ho, Wo, self.filters)

    def param_shapes(self, input_shape):
        shapes = super().param_shapes(input_shape)
        shapes["kernel"] = (*self.kernel_size, self.filters, shapes["kernel"][2])  # (KH, KW, filters, C)
        return shapes

    def call(self, x, training):
        return self.forward_op(x, self.params["kernel"], self.params.get("bias"), self.strides, self.padding)
