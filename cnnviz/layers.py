"""Layers with Keras' names: each holds its weights and calls ``cnnviz.ops`` for the math.

Every layer has

* ``forward(x, training=False)`` and ``backward(dy) -> dx`` (after a forward pass),
* ``params`` and ``grads``: dicts with the same keys ("kernel", "bias", "gamma", ...),
  filled by ``backward``; an optimizer updates ``params`` from ``grads`` in place,
* ``output_shape(input_shape)`` and ``param_shapes(input_shape)``, which work on
  shapes alone (without the batch axis), so a model can describe itself before
  any weight is allocated.

Weights are created on the first forward pass (or by ``build``), from the
``rng`` the model passes in: Glorot-uniform kernels and zero biases, as in Keras.

Calling a layer on a ``keras.Input`` (or on another layer's result) builds a graph
for ``cnnviz.models.Model`` instead of computing: ``y = Conv2D(8, 3)(x)``. Merge
layers (``Add``, ``Concatenate``) take a list of inputs, and their shape methods a
list of shapes.
"""

from __future__ import annotations

import re

import numpy as np

from . import ops
from .sizes import check_int, per_axis, spatial_pairs, transposed_output_length, window_geometry

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Add",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Cropping2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "MaxPooling2D",
    "ReLU",
    "Reshape",
    "UpSampling2D",
    "ZeroPadding2D",
    "glorot_uniform",
]


ACTIVATIONS = {
    None: (None, None),
    "linear": (None, None),
    "relu": (ops.relu_forward, ops.relu_backward),
    "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward),
    "tanh": (ops.tanh_forward, ops.tanh_backward),
    "softmax": (ops.softmax_forward, ops.softmax_backward),
}


class Layer:
    """The common part: a name, weights made lazily, an optional activation after the op."""

    trainable_names: tuple = ()  # the params an optimizer updates (others, like moving averages, are kept)

    def __init__(self, activation=None, input_shape=None, name=None):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {activation!r}; expected one of {[a for a in ACTIVATIONS if a]} or None."
            )
        self.activation = activation
        self.input_shape = None if input_shape is None else tuple(int(n) for n in input_shape)
        self.name = name or _snake_case(type(self).__name__)
        self.params, self.grads = {}, {}
        self.built = False

    # -- shapes, without data ------------------------------------------------------------------
    def output_shape(self, input_shape):
        return tuple(input_shape)

    def param_shapes(self, input_shape):
        return {}

    def count_params(self, input_shape):
        return sum(int(np.prod(shape)) for shape in self.param_shapes(input_shape).values())

    # -- weights ---------------------------------------------------------------------------------
    def build(self, input_shape, rng):
        """Allocate the weights for inputs of shape ``input_shape`` (no batch axis)."""
        self.params = {
            name: self.initial_value(name, shape, rng)
            for name, shape in self.param_shapes(input_shape).items()
        }
        self.built = True

    def initial_value(self, name, shape, rng):
        return np.zeros(shape, dtype=np.float32)

    # -- computing ---------------------------------------------------------------------------------
    def forward(self, x, training=False, activation=True):
        """The layer's output for the batch ``x``.

        ``activation=False`` stops before the activation and returns its input z (a
        model whose softmax output meets a cross-entropy loss hands the loss these
        logits: see ``cnnviz.losses``).
        """
        if not self.built:  # a layer used on its own: weights from a fresh, unseeded generator
            shape = [a.shape[1:] for a in x] if self.merges else x.shape[1:]
            self.build(shape, np.random.default_rng())
        y, self._cache = self.call(x, training)
        act_forward, _ = ACTIVATIONS[self.activation]
        if act_forward is None or not activation:
            return y
        out, self._act_cache = act_forward(y)
        return out

    input_gradient = True  # a model sets it False on its first layer: no one needs d(loss)/d(images)

    def backward(self, dy, activation=True):
        """d(loss)/d(input) from ``dy`` = d(loss)/d(output), after a forward pass.

        With ``activation=False``, ``dy`` is the gradient of the values before the
        activation (the forward pass must have stopped there too).
        """
        _, act_backward = ACTIVATIONS[self.activation]
        if act_backward is not None and activation:
            dy = act_backward(dy, self._act_cache)
        return self.call_backward(dy, self._cache)

    def call(self, x, training):  # pragma: no cover - every layer defines it
        raise NotImplementedError

    def call_backward(self, dy, cache):  # pragma: no cover
        raise NotImplementedError

    # -- the functional API ------------------------------------------------------------------------
    merges = False  # Add and Concatenate take a list of inputs

    def __call__(self, inputs):
        """On arrays: the forward pass (inference mode). On ``keras.Input`` tensors: a graph node."""
        tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if not any(isinstance(t, KerasTensor) for t in tensors):
            return self.forward(np.asarray(inputs) if not self.merges else [np.asarray(t) for t in tensors])
        if not all(isinstance(t, KerasTensor) for t in tensors):
            raise TypeError(
                f"{self.name}: call the layer on keras.Input tensors (or other layers' results) only; "
                f"received {[type(t).__name__ for t in tensors]}."
            )
        if self.merges != isinstance(inputs, (list, tuple)):
            expected = "a list of tensors" if self.merges else "one tensor"
            raise TypeError(f"{type(self).__name__} {self.name!r} takes {expected}; received {inputs!r}.")
        if getattr(self, "node_inputs", None) is not None:
            raise ValueError(
                f"Layer {self.name!r} is already used in a graph; cnnviz uses each layer once "
                "(make a new layer instead of sharing weights)."
            )
        shapes = [t.shape[1:] for t in tensors]
        shape = self.output_shape(shapes if self.merges else shapes[0])  # a shape error shows here
        self.node_inputs = tensors
        return KerasTensor(shape, layer=self, inputs=tensors)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


class KerasTensor:
    """A placeholder for the batch of values a layer will produce: its shape and where it comes from.

    ``shape`` has None for the batch axis, as in Keras: ``Input((28, 28, 1)).shape`` is
    ``(None, 28, 28, 1)``.
    """

    _count = 0  # creation order: a graph's layers are listed in the order they were called

    def __init__(self, shape, layer, inputs=()):
        self.shape = (None, *(int(n) for n in shape))
        self.layer, self.inputs = layer, list(inputs)
        KerasTensor._count += 1
        self.order = KerasTensor._count

    def __repr__(self):
        return f"<KerasTensor shape={self.shape} from {self.layer.name!r}>"


class InputLayer(Layer):
    """Where a functional model's data enters; ``keras.Input(shape)`` makes one."""

    def __init__(self, shape, name=None):
        super().__init__(None, shape, name)
        self.built = True
        self.node_inputs = []

    def output_shape(self, input_shape):
        if tuple(input_shape) != self.input_shape:
            raise ValueError(
                f"The model expects inputs of shape {(None, *self.input_shape)}; "
                f"received shape {(None, *tuple(input_shape))}."
            )
        return self.input_shape

    def call(self, x, training):
        return x, None

    def call_backward(self, dy, cache):
        return dy


def Input(shape, name=None):  # Keras' capitalized name
    """A symbolic input of ``shape`` (without the batch axis): the start of a functional model.

    >>> x = Input((28, 28, 1))
    >>> x.shape
    (None, 28, 28, 1)
    >>> Conv2D(8, 3)(x).shape
    (None, 26, 26, 8)
    """
    shape = tuple(check_int("shape entries", int(n) if isinstance(n, np.integer) else n, 1) for n in shape)
    layer = InputLayer(shape, name=name or "input_layer")
    return KerasTensor(shape, layer=layer)


def glorot_uniform(shape, fan_in, fan_out, rng):
    """Uniform in ±√(6 / (fan_in + fan_out)), Keras' default for kernels."""
    limit = np.float32(np.sqrt(6.0 / (fan_in + fan_out)))
    w = rng.random(shape, dtype=np.float32)  # drawn in float32: a 97M-weight layer needs no float64 copy
    w *= 2 * limit
    w -= limit
    return w


class Conv2D(Layer):
    """2D convolution layer: kernel (KH, KW, C, filters), bias (filters,)."""

    trainable_names = ("kernel", "bias")
    rank = 2  # spatial axes: Conv1D sets 1
    forward_op, backward_op = staticmethod(ops.conv2d_forward), staticmethod(ops.conv2d_backward)

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        activation=None,
        use_bias=True,
        input_shape=None,
        name=None,
    ):
        super().__init__(activation, input_shape, name)
        self.filters = check_int("filters", filters, 1)
        self.kernel_size = per_axis("kernel_size", kernel_size, self.rank)
        self.strides, self.padding, self.use_bias = strides, padding, use_bias
        self.trainable_names = ("kernel", "bias") if use_bias else ("kernel",)

    def output_shape(self, input_shape):
        H, W, _ = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        (Ho, Wo), _ = window_geometry((H, W), self.kernel_size, self.strides, self.padding)
        return (Ho, Wo, self.filters)

    def param_shapes(self, input_shape):
        C = _expect_rank(self, input_shape, 3, "(height, width, channels)")[2]
        shapes = {"kernel": (*self.kernel_size, C, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def initial_value(self, name, shape, rng):
        if name != "kernel":
            return super().initial_value(name, shape, rng)
        taps = int(np.prod(shape[:-2]))  # KH·KW (or K in 1D)
        return glorot_uniform(shape, taps * shape[-2], taps * shape[-1], rng)

    def call(self, x, training):
        return self.forward_op(x, self.params["kernel"], self.params.get("bias"), self.strides, self.padding)

    def call_backward(self, dy, cache):
        dx, self.grads["kernel"], db = self.backward_op(dy, cache, input_gradient=self.input_gradient)
        if db is not None:
            self.grads["bias"] = db
        return dx


class Conv1D(Conv2D):
    """1D convolution layer: kernel (K, C, filters), bias (filters,); inputs (N, L, C)."""

    rank = 1
    forward_op, backward_op = staticmethod(ops.conv1d_forward), staticmethod(ops.conv1d_backward)

    def output_shape(self, input_shape):
        L, _ = _expect_rank(self, input_shape, 2, "(length, channels)")
        padding = self.padding if isinstance(self.padding, str) else (self.padding,)
        (Lo,), _ = window_geometry((L,), self.kernel_size, self.strides, padding)
        return (Lo, self.filters)

    def param_shapes(self, input_shape):
        C = _expect_rank(self, input_shape, 2, "(length, channels)")[1]
        shapes = {"kernel": (self.kernel_size[0], C, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes


class Conv2DTranspose(Conv2D):
    """Transposed ("up-") convolution: each input cell adds a kernel-sized patch to the output.

    kernel (KH, KW, filters, C) as in Keras, bias (filters,). Along each axis the output
    has (L − 1)·S + K cells with padding "valid" (L·S when K < S, as in Keras) and L·S
    with "same"; kernel 2 and stride 2 doubles the size (UNet's up-convolution).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None, use_bias=True,
                 input_shape=None, name=None):  # fmt: skip
        super().__init__(filters, kernel_size, strides, padding, activation, use_bias, input_shape, name)
        if padding not in ("valid", "same"):
            raise ValueError(
                f"Conv2DTranspose takes padding 'valid' or 'same'; received padding={padding!r}."
            )

    def output_shape(self, input_shape):
        H, W, _ = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        S = per_axis("strides", self.strides, 2)
        Ho, Wo = (
            transposed_output_length(L, K, s, self.padding) for L, K, s in zip((H, W), self.kernel_size, S)
        )
        return (Ho, Wo, self.filters)

    def param_shapes(self, input_shape):
        shapes = super().param_shapes(input_shape)
        shapes["kernel"] = (*self.kernel_size, self.filters, shapes["kernel"][2])  # (KH, KW, filters, C)
        return shapes

    def call(self, x, training):
        return ops.conv_transpose2d_forward(
            x, self.params["kernel"], self.params.get("bias"), self.strides, self.padding
        )

    def call_backward(self, dy, cache):
        dx, self.grads["kernel"], db = ops.conv_transpose2d_backward(
            dy, cache, input_gradient=self.input_gradient
        )
        if db is not None:
            self.grads["bias"] = db
        return dx


class MaxPooling2D(Layer):
    """Max-pooling over each channel: pool_size, strides (default: pool_size), padding."""

    forward_op, backward_op = staticmethod(ops.max_pool2d_forward), staticmethod(ops.max_pool2d_backward)

    def __init__(self, pool_size=2, strides=None, padding="valid", input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.pool_size, self.strides, self.padding = pool_size, strides, padding

    def output_shape(self, input_shape):
        H, W, C = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        pool = per_axis("pool_size", self.pool_size, 2)
        (Ho, Wo), _ = window_geometry(
            (H, W), pool, pool if self.strides is None else self.strides, self.padding
        )
        return (Ho, Wo, C)

    def call(self, x, training):
        return self.forward_op(x, self.pool_size, self.strides, self.padding)

    def call_backward(self, dy, cache):
        return self.backward_op(dy, cache)


class AveragePooling2D(MaxPooling2D):
    """Average pooling over each channel (padded cells left out of the mean)."""

    forward_op, backward_op = staticmethod(ops.avg_pool2d_forward), staticmethod(ops.avg_pool2d_backward)


class BatchNormalization(Layer):
    """Batch normalization over the last axis, with Keras' defaults.

    Training: the batch's statistics, and moving averages updated as
    ``moving = momentum · moving + (1 − momentum) · batch``. Inference: the
    moving averages. Weights: gamma, beta (trained), moving_mean,
    moving_variance (not trained).
    """

    trainable_names = ("gamma", "beta")

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if axis not in (-1,):
            raise ValueError(
                f"BatchNormalization normalizes the last axis (channels last); received axis={axis!r}."
            )
        self.momentum, self.epsilon = float(momentum), float(epsilon)

    def param_shapes(self, input_shape):
        C = tuple(input_shape)[-1]
        return {"gamma": (C,), "beta": (C,), "moving_mean": (C,), "moving_variance": (C,)}

    def initial_value(self, name, shape, rng):
        return (
            np.ones(shape, np.float32)
            if name in ("gamma", "moving_variance")
            else np.zeros(shape, np.float32)
        )

    def call(self, x, training):
        p = self.params
        if not training:
            return ops.batchnorm_inference(
                x, p["gamma"], p["beta"], p["moving_mean"], p["moving_variance"], self.epsilon
            ), None
        y, cache = ops.batchnorm_forward(x, p["gamma"], p["beta"], self.epsilon)
        for name, batch in (("moving_mean", cache["mean"]), ("moving_variance", cache["var"])):
            p[name] *= self.momentum
            p[name] += (1 - self.momentum) * batch
        return y, cache

    def call_backward(self, dy, cache):
        if cache is None:
            raise ValueError("BatchNormalization.backward needs a forward pass with training=True first.")
        dx, self.grads["gamma"], self.grads["beta"] = ops.batchnorm_backward(dy, cache)
        return dx


class Dense(Layer):
    """Fully connected layer: kernel (D, units), bias (units,)."""

    def __init__(self, units, activation=None, use_bias=True, input_shape=None, name=None):
        super().__init__(activation, input_shape, name)
        self.units, self.use_bias = check_int("units", units, 1), use_bias
        self.trainable_names = ("kernel", "bias") if use_bias else ("kernel",)

    def output_shape(self, input_shape):
        _expect_rank(self, input_shape, 1, "(features,); put a Flatten() layer before it")
        return (self.units,)

    def param_shapes(self, input_shape):
        (D,) = _expect_rank(self, input_shape, 1, "(features,); put a Flatten() layer before it")
        return (
            {"kernel": (D, self.units), "bias": (self.units,)}
            if self.use_bias
            else {"kernel": (D, self.units)}
        )

    def initial_value(self, name, shape, rng):
        return glorot_uniform(shape, *shape, rng) if name == "kernel" else np.zeros(shape, np.float32)

    def call(self, x, training):
        return ops.dense_forward(x, self.params["kernel"], self.params.get("bias"))

    def call_backward(self, dy, cache):
        dx, self.grads["kernel"], db = ops.dense_backward(dy, cache)
        if db is not None:
            self.grads["bias"] = db
        return dx


class Flatten(Layer):
    """Reshape each sample to one vector: (N, ...) -> (N, prod(...))."""

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def call(self, x, training):
        return x.reshape(len(x), -1), x.shape

    def call_backward(self, dy, cache):
        return dy.reshape(cache)


class Activation(Layer):
    """An activation on its own: Activation("relu"), Activation("softmax"), ..."""

    def __init__(self, activation, input_shape=None, name=None):
        super().__init__(activation, input_shape, name)

    def call(self, x, training):
        return x, None

    def call_backward(self, dy, cache):
        return dy


class ReLU(Activation):
    """max(x, 0) as a layer."""

    def __init__(self, input_shape=None, name=None):
        super().__init__("relu", input_shape, name)


class Dropout(Layer):
    """Drops a fraction ``rate`` of the values during training (scaling the rest); nothing at inference."""

    def __init__(self, rate, seed=None, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout expects 0 <= rate < 1; received rate={rate!r}.")
        self.rate, self.seed, self.rng = float(rate), seed, np.random.default_rng(seed)

    def build(self, input_shape, rng):
        super().build(input_shape, rng)
        if self.seed is None:
            self.rng = rng  # the model's generator: a seeded model drops the same values every run

    def call(self, x, training):
        return ops.dropout_forward(x, self.rate, self.rng, training)

    def call_backward(self, dy, cache):
        return ops.dropout_backward(dy, cache)


class GlobalAveragePooling2D(Layer):
    """The mean of each channel over the whole image: (H, W, C) -> (C,)."""

    def output_shape(self, input_shape):
        return (_expect_rank(self, input_shape, 3, "(height, width, channels)")[2],)

    def call(self, x, training):
        return ops.global_average_pool2d_forward(x)

    def call_backward(self, dy, cache):
        return ops.global_average_pool2d_backward(dy, cache)


class ZeroPadding2D(Layer):
    """Zeros around the image: padding = P, (P_h, P_w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.padding = spatial_pairs("padding", padding, "ZeroPadding2D")

    def output_shape(self, input_shape):
        H, W, C = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        (t, b), (l, r) = self.padding
        return (H + t + b, W + l + r, C)

    def call(self, x, training):
        return ops.zero_padding2d_forward(x, self.padding)

    def call_backward(self, dy, cache):
        return ops.zero_padding2d_backward(dy, cache)


class Cropping2D(Layer):
    """Cut rows and columns off the edges: cropping = c, (c_h, c_w) or ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.cropping = spatial_pairs("cropping", cropping, "Cropping2D")

    def output_shape(self, input_shape):
        H, W, C = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        (t, b), (l, r) = self.cropping
        if H - t - b < 1 or W - l - r < 1:
            raise ValueError(
                f"{self.name}: cropping {self.cropping} leaves nothing of a {H}×{W} image "
                f"({H} − {t} − {b} = {H - t - b} rows, {W} − {l} − {r} = {W - l - r} columns)."
            )
        return (H - t - b, W - l - r, C)

    def call(self, x, training):
        return ops.cropping2d_forward(x, self.cropping)

    def call_backward(self, dy, cache):
        return ops.cropping2d_backward(dy, cache)


class UpSampling2D(Layer):
    """Repeat each cell size_h × size_w times (nearest neighbour): (H, W, C) -> (H·s_h, W·s_w, C)."""

    def __init__(self, size=(2, 2), interpolation="nearest", input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D offers interpolation='nearest'; received {interpolation!r}.")
        self.size = tuple(check_int("size", n, 1) for n in per_axis("size", size, 2))

    def output_shape(self, input_shape):
        H, W, C = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        return (H * self.size[0], W * self.size[1], C)

    def call(self, x, training):
        return ops.upsampling2d_forward(x, self.size)

    def call_backward(self, dy, cache):
        return ops.upsampling2d_backward(dy, cache)


class Reshape(Layer):
    """Give each sample a new shape with the same number of values, e.g. (784,) -> (28, 28, 1)."""

    def __init__(self, target_shape, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.target_shape = tuple(check_int("target_shape entries", n, 1) for n in target_shape)

    def output_shape(self, input_shape):
        if int(np.prod(input_shape)) != int(np.prod(self.target_shape)):
            raise ValueError(
                f"{self.name}: cannot reshape {tuple(input_shape)} ({int(np.prod(input_shape))} values) "
                f"to {self.target_shape} ({int(np.prod(self.target_shape))} values)."
            )
        return self.target_shape

    def call(self, x, training):
        return x.reshape(len(x), *self.target_shape), x.shape

    def call_backward(self, dy, cache):
        return dy.reshape(cache)


class Add(Layer):
    """The sum of its inputs, all of one shape (ResNet's shortcut joins here)."""

    merges = True

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        if len(shapes) < 2 or len(set(shapes)) != 1:
            raise ValueError(
                f"{self.name}: Add needs two or more inputs of one shape; received shapes {shapes}."
            )
        return shapes[0]

    def call(self, xs, training):
        return ops.add_forward(xs)

    def call_backward(self, dy, cache):
        return ops.add_backward(dy, cache)


class Concatenate(Layer):
    """Inputs side by side along the channels (UNet's skip connections join here)."""

    merges = True

    def __init__(self, axis=-1, name=None):
        super().__init__(None, None, name)
        self.axis = axis

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        rank = len(shapes[0]) if shapes else 0
        axis = (
            self.axis + rank if self.axis < 0 else self.axis - 1
        )  # Keras counts the batch axis in axis >= 0
        others = {shape[:axis] + shape[axis + 1 :] for shape in shapes}
        if len(shapes) < 2 or len({len(s) for s in shapes}) != 1 or len(others) != 1:
            raise ValueError(
                f"{self.name}: Concatenate needs two or more inputs that differ only along axis "
                f"{self.axis}; received shapes {shapes}."
            )
        return (*shapes[0][:axis], sum(s[axis] for s in shapes), *shapes[0][axis + 1 :])

    def call(self, xs, training):
        return ops.concatenate_forward(xs, self.axis)

    def call_backward(self, dy, cache):
        return ops.concatenate_backward(dy, cache)


def _snake_case(name):
    """Keras' default layer names: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _expect_rank(layer, input_shape, rank, layout):
    shape = tuple(input_shape)
    if len(shape) != rank:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of {rank} dims per sample, {layout}; "
            f"received input shape {shape} (without the batch axis)."
        )
    return shape
