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

import inspect
import re
import warnings

import numpy as np

from . import initializers, ops
from .sizes import (
    PADDING_MODES,
    check_int,
    per_axis,
    spatial_pairs,
    transposed_output_length,
    window_geometry,
)

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
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
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Multiply",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "multiply",
    "subtract",
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
    """The common part: a name, weights made lazily, an optional activation after the op.

    ``get_config()`` returns the constructor's arguments (as the layer holds them under
    the same names), so ``type(layer)(**layer.get_config())`` makes a fresh copy; saved
    models store it as JSON.
    """

    trainable_names: tuple = ()  # the params an optimizer updates (others, like moving averages, are kept)
    initializers: dict = {}  # weight name -> initializer function; zeros for any other

    def __init__(self, activation=None, input_shape=None, name=None):
        self.activation = _activation_name(activation)
        self.input_shape = _check_input_shape(input_shape, type(self).__name__)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"A layer's name must be a string; received name={name!r}.")
        self.name = name or _snake_case(type(self).__name__)
        self.params, self.grads = {}, {}
        self.built = False

    def get_config(self):
        """The constructor's arguments, JSON-ready (tuples as lists): ``from_config`` rebuilds the layer.

        Each argument is read from the attribute of the same name, so every layer keeps
        each of its constructor's arguments under that name (``tests/test_saving.py``
        walks every layer class to hold them to it).
        """
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: _jsonable(getattr(self, p)) for p in names}

    @classmethod
    def from_config(cls, config):
        """A new layer made from ``get_config()``'s dict: ``cls(**config)``, as in Keras."""
        if not isinstance(config, dict) or not all(isinstance(key, str) for key in config):
            raise TypeError(
                f"{cls.__name__}.from_config expects a dict of the constructor's arguments by name; "
                f"received {type(config).__name__}."
            )
        return cls(**config)

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
        return self.initializers.get(name, initializers.zeros)(shape, rng)

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
        output = KerasTensor(shape, layer=self, inputs=tensors)
        self._input_tensor, self._output_tensor = (tensors if self.merges else tensors[0]), output
        return output

    # -- Keras' layer.input and layer.output: the symbolic tensors around the layer -----------------
    @property
    def input(self):
        """The tensor this layer reads in its model's graph (a list for a merge layer): Keras' ``layer.input``."""
        return self._tensor("_input_tensor", "input")

    @property
    def output(self):
        """The tensor this layer makes in its model's graph: Keras' ``layer.output``.

        ``keras.Model(inputs=model.input, outputs=[layer.output for layer in model.layers])``
        is an "activation model": it shares the layers, and so the trained weights, and its
        ``predict`` gives every layer's output.
        """
        return self._tensor("_output_tensor", "output")

    def _tensor(self, attribute, what):
        owner = self.__dict__.get("_sequential")
        if attribute not in self.__dict__ and owner is not None and owner() is not None:
            owner()._link_tensors()  # a Sequential makes its layers' tensors when first asked
        tensor = self.__dict__.get(attribute)
        if tensor is None:
            raise AttributeError(
                f"Layer {self.name!r} has never been called and thus has no defined {what}: put it in a model "
                "whose input shape is known (input_shape=... on the first layer, keras.Input, or build()), "
                "or call it on a keras.Input tensor."
            )
        return tensor

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
        self.shape = self.input_shape
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
    if shape is None:  # Keras accepts shape=None only with batch_shape or a tensor, neither offered here
        raise TypeError(
            "Input expects shape as a tuple of sizes without the batch axis, like (28, 28, 1); received None."
        )
    shape = _check_input_shape(shape, "Input", argument="shape")
    layer = InputLayer(shape, name=name or "input_layer")
    tensor = KerasTensor(shape, layer=layer)
    layer._output_tensor = tensor
    return tensor


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
        self.filters = check_int("filters", filters, 1)
        self.kernel_size = _sizes("kernel_size", kernel_size, self.rank, where)
        self.strides = _sizes("strides", strides, self.rank, where)
        self.dilation_rate = _sizes("dilation_rate", dilation_rate, self.rank, where)
        self.padding = _check_padding(padding, where)
        self.data_format = _check_data_format(data_format, where)
        if groups != 1:
            raise ValueError(
                f"{where}: cnnviz convolves all input channels together (groups=1); received groups={groups!r}."
            )
        self.groups = 1
        self.use_bias = _check_bool("use_bias", use_bias, where)
        self.initializers = {
            "kernel": initializers.get(kernel_initializer, "kernel_initializer"),
            "bias": initializers.get(bias_initializer, "bias_initializer"),
        }
        self.kernel_initializer = self.initializers["kernel"].__name__  # by name: a saved model stores it
        self.bias_initializer = self.initializers["bias"].__name__
        self.trainable_names = ("kernel", "bias") if use_bias else ("kernel",)

    def output_shape(self, input_shape):
        H, W, _ = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        (Ho, Wo), _ = window_geometry(
            (H, W), self.kernel_size, self.strides, self.padding, self.dilation_rate
        )
        return (Ho, Wo, self.filters)

    def param_shapes(self, input_shape):
        C = _expect_rank(self, input_shape, 3, "(height, width, channels)")[2]
        shapes = {"kernel": (*self.kernel_size, C, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def call(self, x, training):
        return self.forward_op(
            x, self.params["kernel"], self.params.get("bias"), self.strides, self.padding, self.dilation_rate
        )

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
        (Lo,), _ = window_geometry((L,), self.kernel_size, self.strides, padding, self.dilation_rate)
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
        H, W, _ = _expect_rank(self, input_shape, 3, "(height, width, channels)")
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

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, *, input_shape=None, name=None
    ):
        super().__init__(None, input_shape, name)
        where = type(self).__name__
        self.pool_size = _sizes("pool_size", pool_size, 2, where)
        self.strides = None if strides is None else _sizes("strides", strides, 2, where)
        self.padding = _check_padding(padding, where)
        self.data_format = _check_data_format(data_format, where)

    def output_shape(self, input_shape):
        H, W, C = _expect_rank(self, input_shape, 3, "(height, width, channels)")
        (Ho, Wo), _ = window_geometry(
            (H, W), self.pool_size, self.pool_size if self.strides is None else self.strides, self.padding
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

    initializers = {"gamma": initializers.ones, "moving_variance": initializers.ones}  # beta, moving_mean: 0

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if axis not in (-1,):
            raise ValueError(
                f"BatchNormalization normalizes the last axis (channels last); received axis={axis!r}."
            )
        self.axis = -1
        self.momentum = _check_number("momentum", momentum, "BatchNormalization", low=0, high=1)
        self.epsilon = _check_number("epsilon", epsilon, "BatchNormalization", low=0, low_open=True)

    def param_shapes(self, input_shape):
        C = tuple(input_shape)[-1]
        return {"gamma": (C,), "beta": (C,), "moving_mean": (C,), "moving_variance": (C,)}

    def call(self, x, training):
        p = self.params
        if not training:  # fixed statistics; the cache lets a saliency map flow back through them
            return ops.batchnorm_inference_forward(
                x, p["gamma"], p["beta"], p["moving_mean"], p["moving_variance"], self.epsilon
            )
        y, cache = ops.batchnorm_forward(x, p["gamma"], p["beta"], self.epsilon)
        for name, batch in (("moving_mean", cache["mean"]), ("moving_variance", cache["var"])):
            p[name] *= self.momentum
            p[name] += (1 - self.momentum) * batch
        return y, cache

    def call_backward(self, dy, cache):
        inference = cache["op"] == "batchnorm_inference"  # a saliency map's pass: fixed statistics
        backward = ops.batchnorm_inference_backward if inference else ops.batchnorm_backward
        dx, self.grads["gamma"], self.grads["beta"] = backward(dy, cache)
        return dx


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
        name=None,
    ):
        super().__init__(activation, input_shape, name)
        self.units = check_int("units", units, 1)
        self.use_bias = _check_bool("use_bias", use_bias, "Dense")
        self.initializers = {
            "kernel": initializers.get(kernel_initializer, "kernel_initializer"),
            "bias": initializers.get(bias_initializer, "bias_initializer"),
        }
        self.kernel_initializer = self.initializers["kernel"].__name__  # by name: a saved model stores it
        self.bias_initializer = self.initializers["bias"].__name__
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

    def call(self, x, training):
        return ops.dense_forward(x, self.params["kernel"], self.params.get("bias"))

    def call_backward(self, dy, cache):
        dx, self.grads["kernel"], db = ops.dense_backward(dy, cache)
        if db is not None:
            self.grads["bias"] = db
        return dx


class Flatten(Layer):
    """Reshape each sample to one vector: (N, ...) -> (N, prod(...))."""

    def __init__(self, data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.data_format = _check_data_format(data_format, "Flatten")

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def call(self, x, training):
        return x.reshape(len(x), -1), x.shape

    def call_backward(self, dy, cache):
        return dy.reshape(cache)


class Activation(Layer):
    """An activation on its own: Activation("relu"), Activation("softmax"), ..."""

    def __init__(self, activation, *, input_shape=None, name=None):
        super().__init__(activation, input_shape, name)

    def call(self, x, training):
        return x, None

    def call_backward(self, dy, cache):
        return dy


class ReLU(Activation):
    """max(x, 0) as a layer (Keras' other options, a cap or a slope, are not offered: see LeakyReLU)."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, *, input_shape=None, name=None):
        super().__init__("relu", input_shape=input_shape, name=name)
        if (max_value, negative_slope, threshold) != (None, 0.0, 0.0):
            raise ValueError(
                "cnnviz's ReLU computes max(x, 0) only; received "
                f"max_value={max_value!r}, negative_slope={negative_slope!r}, threshold={threshold!r}."
            )
        self.max_value, self.negative_slope, self.threshold = None, 0.0, 0.0


class Dropout(Layer):
    """Drops a fraction ``rate`` of the values during training (scaling the rest); nothing at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.rate = _check_number("rate", rate, "Dropout", low=0, high=1, high_open=True)
        if noise_shape is not None:
            raise ValueError(
                f"cnnviz's Dropout drops values one by one (noise_shape=None); received noise_shape={noise_shape!r}."
            )
        if seed is not None:
            check_int("seed", seed, 0)
        self.noise_shape, self.seed, self.rng = None, seed, np.random.default_rng(seed)

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

    def __init__(self, data_format=None, keepdims=False, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.data_format = _check_data_format(data_format, "GlobalAveragePooling2D")
        if keepdims:
            raise ValueError("cnnviz's GlobalAveragePooling2D returns (C,) per sample (keepdims=False).")
        self.keepdims = False

    def output_shape(self, input_shape):
        return (_expect_rank(self, input_shape, 3, "(height, width, channels)")[2],)

    def call(self, x, training):
        return ops.global_average_pool2d_forward(x)

    def call_backward(self, dy, cache):
        return ops.global_average_pool2d_backward(dy, cache)


class ZeroPadding2D(Layer):
    """Zeros around the image: padding = P, (P_h, P_w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.padding = spatial_pairs("padding", padding, "ZeroPadding2D")
        self.data_format = _check_data_format(data_format, "ZeroPadding2D")

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

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.cropping = spatial_pairs("cropping", cropping, "Cropping2D")
        self.data_format = _check_data_format(data_format, "Cropping2D")

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

    def __init__(
        self, size=(2, 2), data_format=None, interpolation="nearest", *, input_shape=None, name=None
    ):
        super().__init__(None, input_shape, name)
        self.data_format = _check_data_format(data_format, "UpSampling2D")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D offers interpolation='nearest'; received {interpolation!r}.")
        self.interpolation = "nearest"
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

    def __init__(self, target_shape, *, input_shape=None, name=None):
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


class _ElementwiseMerge(Layer):
    """The part the elementwise merges share: inputs of one shape, joined cell by cell by one op pair."""

    merges = True
    inputs_needed = "two or more"  # how many inputs the op takes, in words
    forward_op = backward_op = None  # each merge names its pair in ``cnnviz.ops``

    def __init__(self, *, name=None):
        super().__init__(None, None, name)

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        count_ok = len(shapes) == 2 if self.inputs_needed == "exactly two" else len(shapes) >= 2
        if not count_ok or len(set(shapes)) != 1:
            raise ValueError(
                f"{self.name}: {type(self).__name__} needs {self.inputs_needed} inputs of one shape; "
                f"received shapes {shapes}."
            )
        return shapes[0]

    def call(self, xs, training):
        return type(self).forward_op(xs)

    def call_backward(self, dy, cache):
        return type(self).backward_op(dy, cache)


class Add(_ElementwiseMerge):
    """The sum of its inputs, all of one shape (ResNet's shortcut joins here)."""

    forward_op, backward_op = ops.add_forward, ops.add_backward


class Average(_ElementwiseMerge):
    """The mean of its inputs, all of one shape."""

    forward_op, backward_op = ops.average_forward, ops.average_backward


class Maximum(_ElementwiseMerge):
    """The largest of its inputs, cell by cell (the gradient goes to the input that held it)."""

    forward_op, backward_op = ops.maximum_forward, ops.maximum_backward


class Multiply(_ElementwiseMerge):
    """The product of its inputs, cell by cell (a gate: one branch scales another)."""

    forward_op, backward_op = ops.multiply_forward, ops.multiply_backward


class Subtract(_ElementwiseMerge):
    """The difference of exactly two inputs, x_0 − x_1."""

    inputs_needed = "exactly two"
    forward_op, backward_op = ops.subtract_forward, ops.subtract_backward


def add(inputs, **kwargs):
    """Keras' functional form: ``add([a, b])`` is ``Add()([a, b])``."""
    return Add(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Keras' functional form: ``average([a, b])`` is ``Average()([a, b])``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Keras' functional form: ``maximum([a, b])`` is ``Maximum()([a, b])``."""
    return Maximum(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Keras' functional form: ``multiply([a, b])`` is ``Multiply()([a, b])``."""
    return Multiply(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Keras' functional form: ``subtract([a, b])`` is ``Subtract()([a, b])``."""
    return Subtract(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Keras' functional form: ``concatenate([a, b], axis=-1)`` is ``Concatenate(axis=-1)([a, b])``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


class Concatenate(Layer):
    """Inputs side by side along the channels (UNet's skip connections join here)."""

    merges = True

    def __init__(self, axis=-1, *, name=None):
        super().__init__(None, None, name)
        self.axis = check_int("axis", axis, -(2**31))

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        rank = len(shapes[0]) if shapes else 0
        if not -rank <= self.axis <= rank or self.axis == 0:
            raise ValueError(
                f"{self.name}: Concatenate(axis={self.axis}) does not fit inputs of shapes "
                f"{[(None, *s) for s in shapes]}: axis counts the batch axis as 0, so it must be "
                f"1..{rank} or -{rank}..-1 (the default -1 joins the channels)."
            )
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


class MaxPooling1D(MaxPooling2D):
    """Max-pooling of signals over each channel: (L, C) -> (L', C).

    pool_size K and strides S (default: K) are an int or a 1-tuple; padding is
    "valid" or "same" (or cells, an int or a pair, each smaller than K).
    """

    forward_op, backward_op = staticmethod(ops.max_pool1d_forward), staticmethod(ops.max_pool1d_backward)

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, *, input_shape=None
    ):
        # the 2D layer checks padding, data_format, input_shape and name; the sizes here have one axis
        super().__init__(padding=padding, data_format=data_format, input_shape=input_shape, name=name)
        where = type(self).__name__
        self.pool_size = _sizes("pool_size", pool_size, 1, where)  # (K,)
        self.strides = None if strides is None else _sizes("strides", strides, 1, where)  # (S,) or None

    def output_shape(self, input_shape):
        L, C = _expect_rank(self, input_shape, 2, "(length, channels)")
        padding = self.padding if isinstance(self.padding, str) else (self.padding,)
        (L_out,), _ = window_geometry((L,), self.pool_size, self.strides or self.pool_size, padding)
        return (L_out, C)


class AveragePooling1D(MaxPooling1D):
    """Average pooling of signals over each channel (padded cells left out of the mean): (L, C) -> (L', C)."""

    forward_op, backward_op = staticmethod(ops.avg_pool1d_forward), staticmethod(ops.avg_pool1d_backward)


class GlobalMaxPooling2D(Layer):
    """The largest value of each channel over the whole image: (H, W, C) -> (C,), or (1, 1, C) with keepdims.

    The gradient goes to the cell that holds the maximum (the first in reading order on a tie).
    """

    spatial_axes, layout = 2, "(height, width, channels)"
    forward_op = staticmethod(ops.global_max_pool2d_forward)
    backward_op = staticmethod(ops.global_max_pool2d_backward)

    def __init__(self, data_format=None, keepdims=False, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.data_format = _check_data_format(data_format, type(self).__name__)
        self.keepdims = _check_bool("keepdims", keepdims, type(self).__name__)

    def output_shape(self, input_shape):
        C = _expect_rank(self, input_shape, self.spatial_axes + 1, self.layout)[-1]
        return (*(1,) * self.spatial_axes, C) if self.keepdims else (C,)

    def call(self, x, training):
        y, cache = self.forward_op(x)  # (N, C)
        if self.keepdims:
            y = y.reshape(len(y), *self.output_shape(x.shape[1:]))  # (N, C) -> (N, 1, 1, C)
        return y, cache

    def call_backward(self, dy, cache):
        if self.keepdims:
            dy = np.squeeze(dy, axis=tuple(range(1, 1 + self.spatial_axes)))  # (N, 1, 1, C) -> (N, C)
        return self.backward_op(dy, cache)


class GlobalMaxPooling1D(GlobalMaxPooling2D):
    """The largest value of each channel over the whole signal: (L, C) -> (C,), or (1, C) with keepdims."""

    spatial_axes, layout = 1, "(length, channels)"
    forward_op = staticmethod(ops.global_max_pool1d_forward)
    backward_op = staticmethod(ops.global_max_pool1d_backward)


class GlobalAveragePooling1D(GlobalMaxPooling1D):
    """The mean of each channel over the whole signal: (L, C) -> (C,), or (1, C) with keepdims."""

    forward_op = staticmethod(ops.global_average_pool1d_forward)
    backward_op = staticmethod(ops.global_average_pool1d_backward)


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
        self.negative_slope = _check_number("negative_slope", negative_slope, "LeakyReLU", low=0)
        self.alpha = None  # only an alias: the slope is negative_slope

    def call(self, x, training):
        return ops.leaky_relu_forward(x, self.negative_slope)

    def call_backward(self, dy, cache):
        return ops.leaky_relu_backward(dy, cache)


class Softmax(Activation):
    """Softmax along ``axis`` as a layer: the values along that axis become probabilities that sum to 1.

    ``axis`` counts the batch axis as 0, as in Keras. The default, -1 (the last axis, the
    classes), makes this layer ``Activation("softmax")``, so a model that ends in it hands its
    logits to a cross-entropy loss; any other axis is moved last, through the same op, and back.
    """

    def __init__(self, axis=-1, *, input_shape=None, name=None):
        axis = check_int("axis", axis, -(2**31))  # one axis (Keras' list of axes is not offered)
        super().__init__("softmax" if axis == -1 else None, input_shape=input_shape, name=name)
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

    def call_backward(self, dy, cache):
        if self.axis == -1:
            return super().call_backward(dy, cache)
        dz = ops.softmax_backward(np.moveaxis(dy, self.axis, -1), cache)
        return np.moveaxis(dz, -1, self.axis)


class Rescaling(Layer):
    """y = x · scale + offset, in training and at inference: Rescaling(1/255) maps pixels 0..255 to 0..1."""

    def __init__(self, scale, offset=0.0, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        self.scale = _check_number("scale", scale, "Rescaling")
        self.offset = _check_number("offset", offset, "Rescaling")

    def call(self, x, training):
        return ops.rescaling_forward(x, self.scale, self.offset)

    def call_backward(self, dy, cache):
        return ops.rescaling_backward(dy, cache)


def _activation_name(activation):
    """The name of an activation given by name or as a function (``keras.activations.relu``)."""
    if activation is None or isinstance(activation, str):
        name = activation
    elif callable(activation):
        name = getattr(activation, "__name__", None)
        if getattr(activation, "__module__", "").split(".")[0] != "cnnviz":
            name = None  # a function of the learner's own: its gradient is unknown
        if name is None or name not in ACTIVATIONS:
            raise TypeError(
                "cnnviz computes every gradient by hand, so an activation must be one it knows: give its "
                f"name (one of {[a for a in ACTIVATIONS if a]}) or keras.activations.relu and the like; "
                f"received activation={activation!r}."
            )
    else:
        name = activation  # refused below
    if name not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {activation!r}; expected one of {[a for a in ACTIVATIONS if a]} or None."
        )
    return name


def _check_input_shape(shape, where, argument="input_shape"):
    """A sample's shape as a tuple of positive ints, without the batch axis."""
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(
            f"{where} expects {argument} as a tuple of sizes, like (28, 28, 1); received {argument}={shape!r}."
        )
    shape = tuple(shape)
    if shape and shape[0] is None:
        raise ValueError(
            f"{where}: {argument} describes one sample, without the batch axis: use {argument}={shape[1:]} "
            f"instead of {shape}."
        )
    if not shape or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise ValueError(
            f"{where} expects {argument} as whole sizes >= 1 (cnnviz needs every size fixed); "
            f"received {argument}={shape!r}."
        )
    return tuple(int(n) for n in shape)


def _sizes(argument, value, n, where):
    """kernel_size, strides, pool_size, ...: an int or n ints, each >= 1."""
    try:
        values = per_axis(argument, value, n)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: {error}") from None
    return tuple(check_int(argument, v, 1) for v in values)


def _check_padding(padding, where):
    """'valid' or 'same' in any case ("SAME" appears in textbooks), or cells as an int or pairs."""
    if isinstance(padding, str):
        if padding.lower() not in PADDING_MODES:
            raise ValueError(
                f"{where} expects padding 'valid' or 'same' (in any case); received padding={padding!r}."
            )
        return padding.lower()
    return padding  # cells: checked with the input's size, where the error can name L, K, P and S


def _check_data_format(data_format, where):
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"cnnviz works channels last, (N, H, W, C) as Keras does by default; {where} received "
            f"data_format={data_format!r}. Move the channels last with np.moveaxis(x, 1, -1)."
        )
    return None


def _check_bool(argument, value, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where} expects {argument}=True or False; received {argument}={value!r}.")
    return bool(value)


def _check_number(argument, value, where, low=-np.inf, high=np.inf, low_open=False, high_open=False):
    """A real number within [low, high] (an open end excludes it), as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where} expects {argument} as a number; received {argument}={value!r}.")
    inside = (low < value if low_open else low <= value) and (value < high if high_open else value <= high)
    if not inside:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{where} expects {argument} in {interval}; received {argument}={value!r}.")
    return float(value)


def _jsonable(value):
    """Tuples as lists and numpy numbers as Python's (JSON knows neither)."""
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


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
