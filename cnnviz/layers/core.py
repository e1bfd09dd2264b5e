"""Dense, Dropout, Rescaling, and the activations as layers: ``Activation``, ``ReLU``, ``LeakyReLU``, ``Softmax``."""

from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from .._checks import check_range
from ._arguments import check_input_shape, expect_rank
from .base import Layer

__all__ = ["Activation", "Dense", "Dropout", "LeakyReLU", "ReLU", "Rescaling", "Softmax"]


class Dense(Layer):
    """Fully connected layer: kernel (D, units), bias (units,)."""

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        *,
        input_shape=None,
        input_dim=None,
        name=None,
    ):
        if input_dim is not None:  # Keras 2's other way to say input_shape=(input_dim,)
            input_dim = check_range("Dense", "input_dim", input_dim, low=1, integer=True)
            if check_input_shape(input_shape, "Dense") not in (None, (input_dim,)):
                raise ValueError(
                    f"Dense expects input_dim or input_shape, or both saying the same; received "
                    f"input_dim={input_dim!r} and input_shape={input_shape!r}."
                )
            input_shape = (input_dim,)
        super().__init__(activation, input_shape, name)
        self.input_dim = input_dim
        self.units = check_range(None, "units", units, low=1, integer=True)
        self._use_kernel_and_bias(use_bias, kernel_initializer, bias_initializer)

    def output_shape(self, input_shape):
        expect_rank(self, input_shape, 1, "(features,); put a Flatten() layer before it")
        return (self.units,)

    def param_shapes(self, input_shape):
        (D,) = expect_rank(self, input_shape, 1, "(features,); put a Flatten() layer before it")
        return (
            {"kernel": (D, self.units), "bias": (self.units,)}
            if self.use_bias
            else {"kernel": (D, self.units)}
        )

    def call(self, x, training):
        return ops.dense_forward(x, self.params["kernel"], self.params.get("bias"))

    def call_backward(self, dy, cache, input_gradient=True):
        return self._keep_kernel_and_bias_gradients(*ops.dense_backward(dy, cache))


class Dropout(Layer):
    """Drops a fraction ``rate`` of the values during training (scaling the rest); nothing at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.rate = check_range("Dropout", "rate", rate, low=0, high=1, high_open=True)
        if noise_shape is not None:
            raise ValueError(
                f"cnnviz's Dropout drops values one by one (noise_shape=None); received noise_shape={noise_shape!r}."
            )
        if seed is not None:
            check_range(None, "seed", seed, low=0, integer=True)
        self.noise_shape, self.seed, self.rng = None, seed, np.random.default_rng(seed)

    def build(self, input_shape, rng):
        super().build(input_shape, rng)
        if self.seed is None:
            self.rng = rng  # the model's generator: a seeded model drops the same values every run

    def call(self, x, training):
        return ops.dropout_forward(x, self.rate, self.rng, training)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.dropout_backward(dy, cache)


class Rescaling(Layer):
    """y = x · scale + offset, in training and at inference: Rescaling(1/255) maps pixels 0..255 to 0..1."""

    def __init__(self, scale, offset=0.0, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.scale = check_range("Rescaling", "scale", scale)
        self.offset = check_range("Rescaling", "offset", offset)

    def call(self, x, training):
        return ops.rescaling_forward(x, self.scale, self.offset)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.rescaling_backward(dy, cache)


class _ActivationLayer(Layer):
    """A layer that is its activation alone: the op passes x through and the activation does the work."""

    def call(self, x, training):
        return x, None

    def call_backward(self, dy, cache, input_gradient=True):
        return dy


class Activation(_ActivationLayer):
    """An activation on its own: Activation("relu"), Activation("softmax"), ..."""

    def __init__(self, activation, *, input_shape=None, name=None):
        super().__init__(activation, input_shape, name)


class ReLU(_ActivationLayer):
    """max(x, 0) as a layer (Keras' other options, a cap or a slope, are not offered: see LeakyReLU)."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, *, input_shape=None, name=None):
        super().__init__("relu", input_shape, name)
        if (max_value, negative_slope, threshold) != (None, 0.0, 0.0):
            raise ValueError(
                "cnnviz's ReLU computes max(x, 0) only; received "
                f"max_value={max_value!r}, negative_slope={negative_slope!r}, threshold={threshold!r}."
            )
        self.max_value, self.negative_slope, self.threshold = None, 0.0, 0.0


class Softmax(_ActivationLayer):
    """Softmax along ``axis`` as a layer: the values along that axis become probabilities that sum to 1.

    ``axis`` counts the batch axis as 0, as in Keras. The default, -1 (the last axis, the
    classes), makes this layer ``Activation("softmax")``, so a model that ends in it hands its
    logits to a cross-entropy loss; any other axis is moved last, through the same op, and back.
    """

    def __init__(self, axis=-1, *, input_shape=None, name=None):
        axis = check_range(None, "axis", axis, integer=True)  # one axis (Keras' list of axes is not offered)
        super().__init__("softmax" if axis == -1 else None, input_shape, name)
        self.axis = axis

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        rank = len(shape) + 1  # with the batch axis
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{self.name}: Softmax(axis={self.axis}) does not fit inputs of shape {(None, *shape)}: "
                f"axis counts the batch axis as 0, so it must be 0..{rank - 1} or -{rank}..-1."
            )
        return shape

    def call(self, x, training):
        if self.axis == -1:
            return super().call(x, training)  # the softmax is the layer's activation
        self.output_shape(x.shape[1:])
        p, cache = ops.softmax_forward(np.moveaxis(x, self.axis, -1))  # the axis moved last
        return np.moveaxis(p, -1, self.axis), cache  # and back

    def call_backward(self, dy, cache, input_gradient=True):
        if self.axis == -1:
            return super().call_backward(dy, cache)
        dz = ops.softmax_backward(np.moveaxis(dy, self.axis, -1), cache)
        return np.moveaxis(dz, -1, self.axis)


class LeakyReLU(Layer):
    """x where x > 0 and negative_slope · x elsewhere, as a layer (Keras 3's name and default, 0.3).

    ``alpha=`` is Keras 2's name for the slope: accepted, with a warning that names the new one.
    """

    def __init__(self, negative_slope=0.3, *, alpha=None, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if alpha is not None:
            warnings.warn(
                f"LeakyReLU(alpha={alpha!r}) is Keras 2's spelling; Keras 3 and cnnviz call the slope "
                f"negative_slope: write LeakyReLU(negative_slope={alpha!r}).",
                UserWarning,
                stacklevel=2,
            )
            negative_slope = alpha
        self.negative_slope = check_range("LeakyReLU", "negative_slope", negative_slope, low=0)
        self.alpha = None  # only an alias: the slope is negative_slope

    def call(self, x, training):
        return ops.leaky_relu_forward(x, self.negative_slope)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.leaky_relu_backward(dy, cache)
