"""The base of every layer: ``Layer``, the symbolic ``KerasTensor``, ``InputLayer`` and ``Input``.

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
for ``cnnviz.models.Model`` instead of computing: ``y = Conv2D(8, 3)(x)``.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from .. import initializers, ops
from .._checks import check_bool, lookup
from ._arguments import check_input_shape

__all__ = ["ACTIVATIONS", "Input", "InputLayer", "KerasTensor", "Layer"]


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
        self.activation = _activation_name(activation, type(self).__name__)
        self.input_shape = check_input_shape(input_shape, type(self).__name__)
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

    def _use_kernel_and_bias(self, use_bias, kernel_initializer, bias_initializer):
        """For a layer with a kernel and, if ``use_bias``, a bias (Dense and the convolutions): the
        arguments checked, the initializers found and kept by name (a saved model stores them)."""
        self.use_bias = check_bool(type(self).__name__, "use_bias", use_bias)
        self.initializers = {
            "kernel": initializers.get(kernel_initializer, "kernel_initializer", where=type(self).__name__),
            "bias": initializers.get(bias_initializer, "bias_initializer", where=type(self).__name__),
        }
        self.kernel_initializer = self.initializers["kernel"].__name__
        self.bias_initializer = self.initializers["bias"].__name__
        self.trainable_names = ("kernel", "bias") if self.use_bias else ("kernel",)

    def _keep_kernel_and_bias_gradients(self, dx, dkernel, dbias):
        """Keep the gradients of the kernel and the bias (None without one) in ``grads``, and return dx."""
        self.grads["kernel"] = dkernel
        if dbias is not None:
            self.grads["bias"] = dbias
        return dx

    def get_weights(self):
        """The layer's weights as a list of arrays, in Keras' order (kernel, bias; gamma, beta, moving
        mean, moving variance): copies, so changing them changes nothing. [] before the layer is built.
        """
        return [value.copy() for value in self.params.values()]

    def set_weights(self, weights):
        """Set the layer's weights from a list like ``get_weights()`` returns; nothing changes if one
        does not fit (a wrong count, shape or kind of number)."""
        try:
            arrays = [np.asarray(w) for w in weights]
        except TypeError:
            raise TypeError(
                f"set_weights of layer {self.name!r} expects a list of arrays; received {type(weights).__name__}."
            ) from None
        if len(arrays) != len(self.params):
            built = "" if self.built else " (it is not built yet: build its model first)"
            raise ValueError(
                f"set_weights of layer {self.name!r} expects {len(self.params)} arrays "
                f"({', '.join(self.params) or 'none'}){built}; received {len(arrays)}."
            )
        for (name, value), array in zip(self.params.items(), arrays):
            if array.shape != value.shape or array.dtype.kind not in "biuf":
                raise ValueError(
                    f"set_weights of layer {self.name!r}: {name} holds real numbers of shape {value.shape}; "
                    f"received an array of shape {array.shape} and dtype {array.dtype}. Nothing was changed."
                )
        for value, array in zip(self.params.values(), arrays):
            value[...] = array

    @property
    def trainable(self):
        """Whether ``fit`` updates this layer's weights (Keras' ``layer.trainable``, True by default).

        As in Keras, a change takes effect at the next ``compile``; a frozen BatchNormalization
        also runs in inference mode (its moving averages stay as they are).
        """
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value):
        self._trainable = check_bool(type(self).__name__, "trainable", value)

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

    def backward(self, dy, activation=True, *, input_gradient=True):
        """d(loss)/d(input) from ``dy`` = d(loss)/d(output), after a forward pass.

        With ``activation=False``, ``dy`` is the gradient of the values before the
        activation (the forward pass must have stopped there too). ``input_gradient=False``
        says no one needs d(loss)/d(input) (a model's layer that reads the images, which
        nothing trains): a layer whose op can skip it (a convolution) returns None.
        """
        _, act_backward = ACTIVATIONS[self.activation]
        if act_backward is not None and activation:
            dy = act_backward(dy, self._act_cache)
        return self.call_backward(dy, self._cache, input_gradient)

    def call(self, x, training):  # pragma: no cover - every layer defines it
        raise NotImplementedError

    def call_backward(self, dy, cache, input_gradient=True):  # pragma: no cover
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

    def call_backward(self, dy, cache, input_gradient=True):
        return dy


def Input(shape, name=None):  # Keras' capitalized name
    """A symbolic input of ``shape`` (without the batch axis): the start of a functional model.

    >>> from cnnviz.layers import Conv2D
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
    shape = check_input_shape(shape, "Input", argument="shape")
    layer = InputLayer(shape, name=name or "input_layer")
    tensor = KerasTensor(shape, layer=layer)
    layer._output_tensor = tensor
    return tensor


def _activation_name(activation, where):
    """The name of an activation given by name (any case) or as a function (``keras.activations.relu``)."""
    name = activation
    if callable(activation) and not isinstance(activation, str):
        name = getattr(activation, "__name__", None)
        if getattr(activation, "__module__", "").split(".")[0] != "cnnviz":
            name = None  # a function of the learner's own: its gradient is unknown
        if name is None or name not in ACTIVATIONS:
            raise TypeError(
                "cnnviz computes every gradient by hand, so an activation must be one it knows: give its "
                f"name (one of {[a for a in ACTIVATIONS if a]}) or keras.activations.relu and the like; "
                f"received activation={activation!r}."
            )
    lookup("activation", name, ACTIVATIONS, where=where)  # refuses a name cnnviz lacks, listing the others
    return name.lower() if isinstance(name, str) else name


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
