"""Models with Keras' compile / fit / evaluate / predict / summary.

``Sequential`` is a stack of layers, one after the other. ``Model(inputs, outputs)``
is Keras' functional API: layers called on ``keras.Input`` tensors, with branches
and merges (a ResNet's shortcuts, a UNet's skip connections). Both are a list of
nodes in an order where every node comes after the nodes it reads (for a stack,
simply the layers); the forward pass walks that list, the backward pass walks it
in reverse and adds up the gradients of a value that feeds several layers.

This module is the graph: its shapes, summary, weights, and the forward and
backward passes. Training it (``compile``, ``fit``, ``evaluate``, ``predict``) is
``cnnviz.training.Trainer``, which ``Model`` inherits; losses are in
``cnnviz.losses`` and callbacks in ``cnnviz.callbacks``.
"""

from __future__ import annotations

import reprlib
import warnings
import weakref
from typing import NamedTuple

import numpy as np

from . import layers as layer_classes
from . import losses, optimizers
from ._checks import check_allocation, check_bool
from ._files import Archive, check_path, write_archive
from .callbacks import BatchLogger, Callback, History
from .layers import Input, InputLayer, KerasTensor, Layer
from .training import Trainer

__all__ = [
    "BatchLogger",
    "Callback",
    "History",
    "Model",
    "Node",
    "Sequential",
    "clone_model",
    "load_model",
]  # callbacks: re-exported


class Node(NamedTuple):
    """One layer in a model's graph: ``inputs`` are the indices of the nodes it reads; () = the model's input."""

    layer: Layer
    inputs: tuple


class Model(Trainer):
    """Keras' functional model: the layers between ``inputs`` (a ``keras.Input``) and ``outputs``.

    >>> from cnnviz.layers import Add, Conv2D, Input
    >>> x = Input((8, 8, 4))
    >>> y = Add()([x, Conv2D(4, 3, padding="same")(x)])   # a shortcut around a convolution
    >>> model = Model(x, y)
    >>> model.count_params(), model.output_shape
    (148, (None, 8, 8, 4))

    Parameters
    ----------
    inputs, outputs : KerasTensor
        One input and one output (cnnviz models have one of each).
    name : str
    seed : int, optional
        Seeds the weights' initialization, the shuffling and dropout, so a run
        can be repeated exactly.
    """

    def __init__(self, inputs, outputs, name="model", seed=None):
        self._setup(name, seed)
        inputs = _one("inputs", inputs)
        outputs = _outputs(outputs)
        if not isinstance(inputs.layer, InputLayer):
            raise ValueError(f"Model inputs must come from keras.Input(...); received {inputs!r}.")
        tensors, stack = {}, list(outputs)
        while stack:  # every tensor the output depends on
            tensor = stack.pop()
            if id(tensor) not in tensors:
                tensors[id(tensor)] = tensor
                stack.extend(tensor.inputs)
        starts = [t for t in tensors.values() if isinstance(t.layer, InputLayer)]
        if starts != [inputs]:
            raise ValueError(
                f"The outputs must be computed from the given input {inputs!r}, but they are not connected to it: "
                f"they start from {len(starts)} other input(s) ({', '.join(repr(t) for t in starts)}). Is a layer "
                "of another model among the outputs? An activation model takes model.input and that same "
                "model's layers' outputs."
            )
        order = sorted(tensors.values(), key=lambda t: t.order)  # creation order is a valid order
        index = {id(t): k for k, t in enumerate(order)}
        self.nodes = [Node(t.layer, tuple(index[id(p)] for p in t.inputs)) for t in order]
        self.layers = [node.layer for node in self.nodes]
        # several outputs (an activation model): predict gives one array per output, in this order
        self.output_nodes = [index[id(t)] for t in outputs]
        self._input_tensor, self._output_tensors = inputs, outputs
        names = _Names()
        for layer in self.layers:
            names.give(layer)

    def _setup(self, name, seed):
        self.name = name
        # unseeded: drawn from numpy's global generator, so keras.utils.set_random_seed makes runs repeat
        self.rng = np.random.default_rng(np.random.randint(2**31) if seed is None else seed)  # noqa: NPY002
        self.built_input_shape = None
        self.input_layer_shape = None  # a Sequential started with keras.Input(shape)

    shows_connections = True  # summary() lists each layer's inputs (a stack's are obvious)
    output_nodes = None  # the nodes whose values the model returns (None: the last one)
    _input_tensor = _output_tensors = None

    # -- Keras' model.input, model.outputs, get_layer ------------------------------------------------
    @property
    def input(self):
        """The model's input tensor (Keras' ``model.input``): the start of an activation model."""
        self._link_tensors()
        if self._input_tensor is None:
            raise AttributeError(
                f"The model {self.name!r} has never been called and thus has no defined input: give its first "
                "layer input_shape=..., start it with keras.Input(shape), or call build(input_shape)."
            )
        return self._input_tensor

    @property
    def inputs(self):
        return [self.input]

    @property
    def outputs(self):
        """The model's output tensors (a list, as in Keras)."""
        self.input  # noqa: B018  (the same refusal when there are none)
        return list(self._output_tensors)

    @property
    def output(self):
        outputs = self.outputs
        return outputs[0] if len(outputs) == 1 else outputs

    # -- a model used as a layer ---------------------------------------------------------------------
    def __call__(self, inputs):
        """On a tensor: this model's layers applied to it, in a functional model being built (Keras'
        ``outputs = encoder(inputs)``); the new model shares these layers, and so their weights.
        On arrays: the model's outputs, as ``predict`` gives them.
        """
        if not isinstance(inputs, KerasTensor):
            return self.predict(inputs, verbose=0)
        return self._applied_to(inputs)

    def _applied_to(self, tensor):
        """This model's graph replayed from ``tensor``: new tensors, the same layers; returns the output's."""
        if self.output_nodes and len(self.output_nodes) > 1:
            raise TypeError(
                f"Model {self.name!r} has {len(self.output_nodes)} outputs; cnnviz uses a model with one output "
                "as a layer."
            )
        expected = self.expected_input_shape()
        if expected is None:
            self.input  # noqa: B018  (says how to give the model an input shape)
        if tuple(tensor.shape[1:]) != tuple(expected):
            raise ValueError(
                f"Model {self.name!r} takes inputs of shape {(None, *expected)}; received a tensor of shape "
                f"{tensor.shape}."
            )
        made = {}
        for k, (layer, inputs) in enumerate(self.nodes):
            if isinstance(layer, InputLayer):
                made[k] = tensor
                continue
            sources = [made[i] for i in inputs] if inputs else [tensor]
            shapes = [t.shape[1:] for t in sources]
            made[k] = KerasTensor(layer.output_shape(shapes if layer.merges else shapes[0]), layer, sources)
        return made[self.output_nodes[0] if self.output_nodes else len(self.nodes) - 1]

    def _link_tensors(self):
        """A functional model has its tensors from the start; a Sequential makes them (see there)."""

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or the layer at ``index`` in ``model.layers`` (Keras' ``get_layer``)."""
        if (name is None) == (index is None):
            raise ValueError(
                f"get_layer expects a name or an index (one of them); received name={name!r}, index={index!r}."
            )
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"get_layer expects index as a whole number; received {index!r}.")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range; model {self.name!r} has {len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No layer named {name!r} in model {self.name!r}; its layers are {[la.name for la in self.layers]}."
        )

    # -- shapes and parameters, without allocating anything ---------------------------------------
    @property
    def input_shape(self):
        """The shape of one sample, as declared (``input_shape=`` or ``keras.Input``), or None."""
        return self.input_layer_shape or (self.layers[0].input_shape if self.layers else None)

    @property
    def output_shape(self):
        if self.output_nodes is not None and len(self.output_nodes) > 1:
            shapes = self.node_shapes()
            return [(None, *shapes[k][1]) for k in self.output_nodes]
        return (None, *self.shapes()[-1][1])

    def expected_input_shape(self):
        """The shape of one sample the model takes: declared (``input_shape``) or built from data; else None."""
        return self.input_shape or self.built_input_shape

    def known_output_shape(self):
        """``output_shape`` when the input shape is known, else None."""
        return self.output_shape if self.expected_input_shape() and self.layers else None

    def node_shapes(self, input_shape=None):
        """[(input shape or list of them, output shape)] per node, from shapes alone."""
        shape = tuple(input_shape or self.expected_input_shape() or ())
        if not shape:
            raise ValueError(
                "The model does not know its input shape yet: give the first layer input_shape=[...], "
                "or call build(input_shape) or fit(...) first."
            )
        outs, result = [], []
        for layer, inputs in self.nodes:
            ins = [outs[i] for i in inputs] or [shape]
            in_shape = ins if layer.merges else ins[0]
            outs.append(layer.output_shape(in_shape))
            result.append((in_shape, outs[-1]))
        return result

    def shapes(self, input_shape=None):
        """[(layer, output shape, parameter count)] for inputs of ``input_shape`` (no batch axis)."""
        return [
            (layer, out, layer.count_params(ins))
            for (layer, _), (ins, out) in zip(self.nodes, self.node_shapes(input_shape))
        ]

    def count_params(self):
        """All parameters, trained or not (batch normalization's moving averages count), as in Keras."""
        return sum(params for _, _, params in self.shapes())

    def count_trainable_params(self):
        """Only the parameters an optimizer updates (what PyTorch's ``parameters()`` counts)."""
        return sum(
            int(np.prod(shape))
            for (layer, _), (ins, _) in zip(self.nodes, self.node_shapes())
            for name, shape in layer.param_shapes(ins).items()
            if name in layer.trainable_names and layer.trainable
        )

    @property
    def trainable(self):
        """False once the whole model is frozen (``model.trainable = False``, as in Keras, which sets every
        layer's ``trainable``); a change takes effect at the next ``compile``."""
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value):
        self._trainable = check_bool(f"Model {self.name!r}", "trainable", value)
        for layer in self.layers:
            layer.trainable = self._trainable

    def summary(self, print_fn=print):
        """Print each layer's output shape and parameter count (and, for graphs, its inputs), and the totals."""
        node_shapes = self.node_shapes()
        total, trainable = self.count_params(), self.count_trainable_params()
        graph = self.shows_connections
        name_width = max([32] + [len(f"{layer.name} ({type(layer).__name__})") + 2 for layer in self.layers])
        width = name_width + (68 if graph else 38)
        header = f"{'Layer (type)':<{name_width}}{'Output Shape':<24}{'Param #':>14}"
        lines = [f'Model: "{self.name}"', header + ("  Connected to" if graph else ""), "=" * width]
        for (layer, inputs), (ins, out) in zip(self.nodes, node_shapes):
            params = layer.count_params(ins)
            row = f"{f'{layer.name} ({type(layer).__name__})':<{name_width}}{(None, *out)!s:<24}{params:>14,}"
            if graph:
                row += "  " + ", ".join(self.nodes[i].layer.name for i in inputs)
            lines.append(row.rstrip())
        lines += [
            "=" * width,
            f"Total params: {total:,} ({_size(total)})",
            f"Trainable params: {trainable:,} ({_size(trainable)})",
            f"Non-trainable params: {total - trainable:,} ({_size(total - trainable)})",
        ]
        print_fn("\n".join(lines))

    def build(self, input_shape=None):
        """Allocate every layer's weights (float32) for inputs of ``input_shape``."""
        shape = tuple(input_shape or self.expected_input_shape() or ())
        declared = self.expected_input_shape()
        if declared and shape != declared:
            raise ValueError(
                f"Model {self.name!r} takes samples of shape {declared}; build received input_shape={shape}."
            )
        node_shapes = self.node_shapes(shape)
        weights = sum(
            layer.count_params(ins)
            for (layer, _), (ins, _) in zip(self.nodes, node_shapes)
            if not layer.built
        )
        check_allocation((weights,), np.float32, what="the weights", func=f"build of model {self.name!r}")
        for (layer, _), (ins, _) in zip(self.nodes, node_shapes):
            if not layer.built:
                layer.build(ins, self.rng)
        self.built_input_shape = shape

    # -- weights, and models in files ---------------------------------------------------------------
    def get_weights(self):
        """Every weight as a list of arrays: layer by layer, each layer's in Keras' order (kernel, bias, ...)."""
        self._build_for("get_weights")
        return [layer.params[name].copy() for layer, name in self._weight_names()]

    def set_weights(self, weights):
        """Set every weight from a list like ``get_weights()`` returns; nothing changes if one does not fit."""
        self._build_for("set_weights")
        slots = self._weight_names()
        weights = list(weights)
        if len(weights) != len(slots):
            raise ValueError(
                f"set_weights expects {len(slots)} arrays for model {self.name!r}; received {len(weights)}."
            )
        arrays = [np.asarray(w) for w in weights]
        for (layer, name), array in zip(slots, arrays):
            if array.shape != layer.params[name].shape:
                raise ValueError(
                    f"set_weights: {layer.name}/{name} has shape {layer.params[name].shape}; received "
                    f"an array of shape {array.shape}. Nothing was changed."
                )
            if array.dtype.kind not in "biuf":  # bool, int, uint, float: numbers a float32 can hold
                raise TypeError(
                    f"set_weights: {layer.name}/{name} holds real numbers; received an array of dtype "
                    f"{array.dtype}. Nothing was changed."
                )
        for (layer, name), array in zip(slots, arrays):
            layer.params[name][...] = array

    def save_weights(self, filepath):
        """Write every weight to ``filepath`` (numpy's .npz: arrays named "layer/weight"; no pickle).

        The file is written beside ``filepath`` under a temporary name and renamed over it
        when complete: a save that fails leaves an older file there untouched.
        """
        check_path(filepath, "save_weights")
        self._build_for("save_weights")
        arrays = {f"{layer.name}/{name}": layer.params[name] for layer, name in self._weight_names()}
        write_archive(filepath, arrays, {"kind": "weights", "model": self.name}, "save_weights")

    def load_weights(self, filepath):
        """Read weights saved by ``save_weights`` (or ``save``); a file that does not fit changes nothing.

        Everything is checked before any weight changes: the names ("layer/weight") and shapes
        must match this model's, the arrays must hold real numbers that float32 holds (whole
        numbers exactly, up to 2**24; no value beyond float32's range, about 3.4e38). The
        error names what differs. NaN or infinite values are loaded as they are, with a
        warning: a model saved after its training diverged outputs NaN.
        """
        check_path(filepath, "load_weights")
        with Archive(filepath, "weights") as archive:
            self._build_for("load_weights")
            shapes = {
                f"{layer.name}/{name}": layer.params[name].shape for layer, name in self._weight_names()
            }
            _check_arrays_fit(shapes, archive, self.name)  # headers only: nothing read yet
            self._assign_weights(_read_weights(archive, shapes, self.name))

    def _assign_weights(self, arrays):
        """Copy ``{"layer/weight": float32 array}`` into the model (all checked already)."""
        for layer, name in self._weight_names():
            layer.params[name][...] = arrays[f"{layer.name}/{name}"]

    def save(self, filepath):
        """Write the whole model, its architecture (JSON) and its weights, to one file that ``load_model`` reads.

        Written under a temporary name and renamed over ``filepath`` when complete: a save that
        fails leaves an older file there untouched.
        """
        check_path(filepath, "save")
        self._build_for("save")
        config = self._architecture()
        if self.loss is not None:  # how it was compiled, so that load_model can compile it again
            config["compile"] = {
                "optimizer": [type(self.optimizer).__name__, self.optimizer.get_config()],
                "loss": [
                    type(self.loss).__name__,
                    {"from_logits": self.loss.from_logits} if hasattr(self.loss, "from_logits") else {},
                ],
                "metrics": [metric.name for metric in self.compiled_metrics],
            }
        arrays = {f"{layer.name}/{name}": layer.params[name] for layer, name in self._weight_names()}
        write_archive(filepath, arrays, config, "save")

    def _architecture(self):
        """The model's description without its weights: its class and name, every layer's class and
        arguments (and ``trainable`` if False), which earlier layers each one reads, the input shape."""
        return {
            "kind": "model",
            "class": type(self).__name__,
            "name": self.name,
            "layers": [
                {"class": type(layer).__name__, "config": layer.get_config()}
                | ({} if layer.trainable else {"trainable": False})  # a frozen layer stays frozen
                for layer in self.layers
            ],
            "inputs": [list(inputs) for _, inputs in self.nodes],
            "input_shape": list(self.built_input_shape),
        }

    def _weight_names(self):
        """[(layer, weight name)] in Keras' order: layer by layer, each in its param_shapes order."""
        return [(layer, name) for layer in self.layers for name in layer.params]

    def _build_for(self, method):
        if self.built_input_shape is None or not all(layer.built for layer in self.layers):
            if not self.expected_input_shape():
                raise ValueError(
                    f"{method}: model {self.name!r} has no weights yet and does not know its input shape; give the "
                    "first layer input_shape=..., or call build(input_shape) or fit first."
                )
            self.build()

    def _raw(self, k):
        """Whether node k is the model's input itself."""
        return isinstance(self.nodes[k].layer, InputLayer)

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x, training=False, keep=False, activation=True):
        """The model's output for the batch ``x``; with ``keep``, the list of every node's output.

        ``activation=False`` stops the last layer before its activation (the logits of a
        softmax output: see ``cnnviz.training``).
        """
        if self.built_input_shape is None or not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        last = len(self.nodes) - 1
        wanted = self.output_nodes or [last]
        readers = [0] * len(self.nodes)  # how many nodes still need each value
        for _, inputs in self.nodes:
            for i in inputs:
                readers[i] += 1
        for k in wanted:
            readers[k] += 1  # an output is kept to the end
        values = {}
        for k, (layer, inputs) in enumerate(self.nodes):
            args = [values[i] for i in inputs] or [x]
            values[k] = layer.forward(args if layer.merges else args[0], training, activation or k < last)
            for i in inputs:
                readers[i] -= 1
                if not readers[i] and not keep:
                    del values[i]  # free big activations as soon as no one reads them
        if keep:
            return [values[k] for k in range(last + 1)]
        return values[last] if len(wanted) == 1 else [values[k] for k in wanted]

    def backward(self, dout, activation=True, keep=False, input_gradient=False):
        """Gradients from the output back to every layer (each keeps its weights' gradients).

        ``dout`` is d(loss)/d(output); with ``activation=False`` it is the gradient of the
        last layer's values before its activation, as the forward pass returned them.

        Training needs nothing more, so by default nothing is returned. ``keep=True`` returns
        the list of d(loss)/d(node k's output), one per node (as ``forward(keep=True)`` lists
        the outputs); ``input_gradient=True`` also computes d(loss)/d(inputs), which training
        skips (nothing trains the images; a saliency map is made of it), and returns it, or
        ``(d_inputs, the list)`` when both are asked for.
        """
        nodes = self.nodes  # once: a Sequential makes its list of nodes anew each time it is asked
        last = len(nodes) - 1
        grads, kept, d_inputs = {last: dout}, [None] * (last + 1), None
        reads_input = [not inputs or all(self._raw(i) for i in inputs) for _, inputs in nodes]
        for k in range(last, -1, -1):
            layer, inputs = nodes[k]
            if isinstance(layer, InputLayer):
                continue
            kept[k] = grads.pop(k)
            # a layer that reads only the images needs their gradient only when asked: nothing trains them
            needs_dx = input_gradient or not reads_input[k]
            dx = layer.backward(kept[k], activation or k < last, input_gradient=needs_dx)
            for i, d in zip(inputs or [None], dx if layer.merges else [dx]):
                if i is None or self._raw(i):  # the model's inputs
                    if input_gradient:
                        d_inputs = d if d_inputs is None else d_inputs + d
                else:  # a value read by several layers gets the sum of their gradients
                    grads[i] = grads[i] + d if i in grads else d
        if input_gradient and keep:
            return d_inputs, kept
        return d_inputs if input_gradient else kept if keep else None

    def layer_outputs(self, x):
        """[(layer, its output)] for inputs ``x`` in inference mode: what each layer makes of them."""
        outputs = self.forward(self._inputs(x, "layer_outputs"), keep=True)
        return list(zip(self.layers, outputs))


def load_model(filepath):
    """A model saved with ``model.save``: architecture, weights, and its compile settings if it had them.

    The optimizer's running averages (Adam's moments) are not saved: it starts afresh.
    Everything is checked before any weight is allocated or read: the description (every
    layer's class and arguments, the connections, the compile settings), then each weight's
    name and shape against the model it describes; the values as in ``Model.load_weights``.
    """
    check_path(filepath, "load_model")
    with Archive(filepath, "model") as archive:
        config = archive.config
        if config.get("kind") != "model":
            raise ValueError(
                f"{str(filepath)!r} holds weights only; build the model, then call model.load_weights."
            )
        try:
            model, input_shape = _model_from_config(config)
            compiled = _compile_settings(config.get("compile"))
            if compiled:  # compiled as it was (the optimizer's running averages start afresh)
                model.compile(*compiled)
            shapes = {
                f"{layer.name}/{name}": shape
                for (layer, _), (ins, _) in zip(model.nodes, model.node_shapes(input_shape))
                for name, shape in layer.param_shapes(ins).items()
            }
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as error:
            # a layer's own check, or (KeyError, ...) a case the checks below did not foresee
            raise ValueError(f"{str(filepath)!r}: its description does not make a model: {error}") from None
        _check_arrays_fit(shapes, archive, model.name)  # before the weights are allocated
        model.build(input_shape)
        model._assign_weights(_read_weights(archive, shapes, model.name))
    return model


def clone_model(model):
    """A new model with ``model``'s architecture and new weights, drawn as a new model's are
    (Keras' ``keras.models.clone_model``): new layers of the same kinds, arguments and names,
    connected the same way, frozen where ``model``'s are; not compiled. Training one of the two
    leaves the other as it is; ``clone.set_weights(model.get_weights())`` copies the weights.
    """
    if not isinstance(model, Model):
        raise TypeError(
            f"clone_model expects a cnnviz model (keras.models.Sequential or keras.Model); "
            f"received {reprlib.repr(model)} of type {type(model).__name__}."
        )
    model._build_for("clone_model")
    clone, input_shape = _model_from_config(model._architecture())
    clone.build(input_shape)
    return clone


def _model_from_config(config):
    """(model, input shape) from a saved description, every part checked; no weight allocated."""
    kind = _entry(config, "class", str, "the model's")
    if kind not in ("Sequential", "Model"):
        raise ValueError(f"the model's class should be 'Sequential' or 'Model'; it is {kind!r}")
    name = _entry(config, "name", str, "the model's")
    entries = _entry(config, "layers", list, "the model's")
    connections = _entry(config, "inputs", list, "the model's")
    input_shape = _entry(config, "input_shape", list, "the model's")
    if not entries or len(connections) != len(entries):
        raise ValueError(
            f"it lists {len(entries)} layers and {len(connections)} lists of inputs; it needs one per layer"
        )
    made = []
    for k, entry in enumerate(entries):
        where = f"layer {k}'s"
        class_name = _entry(entry, "class", str, where)
        cls = getattr(layer_classes, class_name, None)
        if not (isinstance(cls, type) and issubclass(cls, Layer)) or class_name.startswith("_"):
            raise ValueError(f"layer {k} has an unknown layer class {class_name!r}")
        try:
            made.append(cls.from_config(_entry(entry, "config", dict, where)))
            made[-1].trainable = entry.get("trainable", True)
        except (ValueError, TypeError) as error:
            raise ValueError(f"layer {k} ({class_name}): {error}") from None
    if kind == "Sequential":
        return Sequential(made, name=name), tuple(input_shape)
    tensors = []
    for k, (layer, inputs) in enumerate(zip(made, connections)):
        if not isinstance(inputs, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < k for i in inputs
        ):
            raise ValueError(
                f"layer {k}'s inputs should be the numbers of earlier layers; they are {inputs!r}"
            )
        if isinstance(layer, InputLayer):
            if inputs or k or layer.shape is None:
                raise ValueError(
                    f"layer {k} is an input layer, which comes first, reads nothing and has a shape"
                )
            tensors.append(Input(layer.shape, name=layer.name))
        elif not inputs or (len(inputs) != 1 and not layer.merges):
            raise ValueError(f"layer {k} ({type(layer).__name__}) reads {len(inputs)} inputs")
        else:
            args = [tensors[i] for i in inputs]
            tensors.append(layer(args if layer.merges else args[0]))
    return Model(tensors[0], tensors[-1], name=name), tuple(input_shape)


def _compile_settings(settings):
    """(optimizer, loss, metrics) from a saved description's "compile" part, or None."""
    if settings is None:
        return None
    if not isinstance(settings, dict):
        raise ValueError(f"its compile settings should be a dict; they are {type(settings).__name__}")
    made = []
    for part, module, base in (
        ("optimizer", optimizers, optimizers.Optimizer),
        ("loss", losses, losses.Loss),
    ):
        pair = _entry(settings, part, list, "the compile settings'")
        if len(pair) != 2 or not isinstance(pair[0], str) or not isinstance(pair[1], dict):
            raise ValueError(f"the {part} should be [class name, its arguments]; it is {pair!r}")
        cls = getattr(module, pair[0], None)
        if not (isinstance(cls, type) and issubclass(cls, base)) or pair[0].startswith("_"):
            raise ValueError(f"unknown {part} class {pair[0]!r}")
        made.append(cls(**pair[1]))
    metrics = _entry(settings, "metrics", list, "the compile settings'")
    if not all(isinstance(metric, str) for metric in metrics):
        raise ValueError(f"the metrics should be names; they are {metrics!r}")
    return (*made, metrics)


def _entry(mapping, key, kind, where):
    """``mapping[key]``, which must be a ``kind``: a ValueError naming the key otherwise."""
    if not isinstance(mapping, dict):
        raise ValueError(f"{where} description should be a dict; it is a {type(mapping).__name__}")
    if key not in mapping:
        raise ValueError(f"{where} description has no {key!r}")
    if not isinstance(mapping[key], kind):
        raise ValueError(
            f"{where} {key!r} should be a {kind.__name__}; it is {reprlib.repr(mapping[key])} "
            f"({type(mapping[key]).__name__})"
        )
    return mapping[key]


def _check_arrays_fit(shapes, archive, model_name):
    """Compare the file's arrays (from their headers) with ``{"layer/weight": shape}``: names, shapes, dtypes."""
    headers = archive.headers
    missing, extra = sorted(set(shapes) - set(headers)), sorted(set(headers) - set(shapes))
    problems = [f"missing from the file: {reprlib.repr(missing)}"] * bool(missing)
    problems += [f"not in the model: {reprlib.repr(extra)}"] * bool(extra)
    for key, shape in shapes.items():
        if key in headers:
            file_shape, dtype = headers[key]
            if tuple(file_shape) != tuple(shape):
                problems.append(f"{key}: the model has {tuple(shape)}, the file {tuple(file_shape)}")
            elif dtype.kind not in "biuf":  # bool, int, uint, float: numbers a float32 can hold
                problems.append(f"{key}: the file holds {dtype} values, not real numbers")
    if problems:
        raise ValueError(
            f"The weights in {archive.path!r} do not fit model {model_name!r} (another architecture?); "
            + "; ".join(problems)
            + ". Nothing was changed."
        )


FLOAT32_EXACT_INTEGERS = 2**24  # float32 holds every whole number up to 2**24 = 16,777,216 exactly


def _read_weights(archive, shapes, model_name):
    """{"layer/weight": float32 array} read from ``archive``, after checking every value fits float32."""
    arrays, problems, not_finite = {}, [], []
    for key in shapes:
        array = archive.read(key)
        largest = (
            max(abs(int(array.min())), abs(int(array.max())))
            if array.dtype.kind in "iu" and array.size
            else 0
        )
        if largest > FLOAT32_EXACT_INTEGERS:
            problems.append(
                f"{key} holds whole numbers up to {largest:,} in size, which float32 would round "
                f"(it holds them exactly up to 2**24 = {FLOAT32_EXACT_INTEGERS:,})"
            )
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            converted = array.astype(np.float32)
        overflow = np.isfinite(array) & ~np.isfinite(converted)
        if overflow.any():
            problems.append(
                f"{key} holds values up to {np.abs(array[overflow]).max():.3g}, beyond float32's "
                f"range (±{np.finfo(np.float32).max:.3g})"
            )
        elif not np.isfinite(converted).all():
            not_finite.append(f"{key} ({int((~np.isfinite(converted)).sum()):,} values)")
        arrays[key] = converted
    if problems:
        raise ValueError(
            f"The weights in {archive.path!r} do not fit model {model_name!r}: "
            + "; ".join(problems)
            + ". Nothing was changed."
        )
    if not_finite:
        warnings.warn(
            f"{archive.path!r} holds NaN or infinite weights: {', '.join(not_finite)}. They were loaded as "
            "they are, so the model's outputs will be NaN; the file was probably saved after its training "
            "diverged (a learning rate too large?).",
            UserWarning,
            stacklevel=3,
        )
    return arrays


class Sequential(Model):
    """Layers applied one after the other.

    Parameters
    ----------
    layers : list of Layer, optional
    name : str
    seed : int, optional
        Seeds the weights' initialization, the shuffling and dropout, so a run
        can be repeated exactly.
    """

    shows_connections = False

    def __init__(self, layers=None, name="sequential", seed=None):
        self._setup(name, seed)
        self.layers = []
        names = _Names()  # the layers so far, kept up to date here: add() gathers them at each call
        for layer in layers or []:
            self._add(layer, names)

    def add(self, layer):
        self._add(layer, _Names(self.layers))

    def _link_tensors(self):
        """Keras' tensors for a stack: an input, then each layer's output made from the one before.

        ``model.input`` and ``layer.output`` read them (an activation model is made of them).
        They are made when first asked for, and again after ``add``; without a known input
        shape there are none (``model.input`` then says so, as Keras does).
        """
        shape = self.expected_input_shape()
        if self.__dict__.get("_linked") == (len(self.layers), shape) or shape is None or not self.layers:
            return
        tensor = self._input_tensor = Input(shape)
        for layer in self.layers:
            output = KerasTensor(layer.output_shape(tensor.shape[1:]), layer=layer, inputs=[tensor])
            layer._input_tensor, layer._output_tensor = tensor, output
            tensor = output
        self._output_tensors = [tensor]
        self._linked = (len(self.layers), shape)

    def _add(self, layer, names):
        """Append ``layer``, renamed if one of the earlier layers (``names``) has its name.

        Each layer is looked up in sets, not compared with every earlier layer: that would
        make building n layers take n² steps (4,000 layers: seconds).
        """
        if isinstance(layer, InputLayer) and not self.layers:  # Keras' Sequential([Input(shape), ...]) habit
            self.input_layer_shape = layer.input_shape
            return
        if isinstance(layer, KerasTensor) and isinstance(layer.layer, InputLayer) and not self.layers:
            self.input_layer_shape = layer.layer.input_shape
            return
        if isinstance(layer, Model):  # Keras' Sequential([base_model, ...]): its layers, shared, in a row
            self._add_model(layer, names)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a layer (cnnviz.layers) or a model; received {type(layer).__name__}."
            )
        if id(layer) in names.layers:
            raise ValueError(
                f"Layer {layer.name!r} is already in this Sequential model; each layer object can appear once "
                "(a shared layer would share its weights and its saved values). Make a new layer instead."
            )
        if layer.merges:
            raise TypeError(
                f"{type(layer).__name__} joins several inputs; build such models with keras.Input and keras.Model."
            )
        names.give(layer)
        self.layers.append(layer)
        owner = layer.__dict__.get("_sequential")
        if (
            owner is None or owner() is None
        ):  # a layer shared with a model it came from keeps that one's tensors
            layer._sequential = weakref.ref(self)  # layer.output asks the model for its tensors
        if self.loss is not None:  # compiled already: the model's end has changed, so decide its fusion again
            self.fused = self._fusion(self.loss)

    def _add_model(self, model, names):
        """A single-path model's layers, appended one by one (shared: training one trains the other)."""
        chain = all(inputs == ((k - 1,) if k else ()) for k, (_, inputs) in enumerate(model.nodes))
        if not chain or (model.output_nodes and model.output_nodes != [len(model.nodes) - 1]):
            raise TypeError(
                f"Model {model.name!r} has branches or several outputs, so it cannot be one step of a Sequential; "
                f"use the functional API: x = keras.Input(shape); y = {model.name}(x); ..."
            )
        shape = model.expected_input_shape()
        if shape is not None and not self.layers and self.input_layer_shape is None:
            self.input_layer_shape = tuple(shape)
        for layer in model.layers:
            if not isinstance(layer, InputLayer):
                self._add(layer, names)

    @property
    def nodes(self):
        """A stack: each layer reads the one before it."""
        return [Node(layer, (k - 1,) if k else ()) for k, layer in enumerate(self.layers)]

    def _raw(self, k):
        return False


class _Names:
    """The layers of a model being made, and their names: conv2d, conv2d_1, conv2d_2, ... as in Keras.

    ``give(layer)`` renames a layer whose name an earlier one has (the later of the two is
    renamed). Each base name remembers its last suffix, so the 4,000th "dense" is named at
    once, not after trying dense_1, ..., dense_3998.
    """

    def __init__(self, layers=()):
        self.layers, self.taken, self.suffix = set(), set(), {}
        for layer in layers:
            self.give(layer)

    def give(self, layer):
        base = layer.name
        k = self.suffix.get(base, 0)
        while layer.name in self.taken:
            k += 1
            layer.name = f"{base}_{k}"
        self.suffix[base] = k
        self.taken.add(layer.name)
        self.layers.add(id(layer))


def _outputs(outputs):
    """The output tensors as a list: one tensor, or a list of them (an activation model has several)."""
    listed = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if not listed:
        raise ValueError("Model outputs must name at least one tensor; received an empty list.")
    for tensor in listed:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                f"Model outputs must be tensors from keras.Input or a layer call (layer.output); received "
                f"{type(tensor).__name__}."
            )
    return listed


def _one(what, value):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"cnnviz models have one input and one output; received {len(value)} {what}.")
        value = value[0]
    if not isinstance(value, KerasTensor):
        raise TypeError(
            f"Model {what} must be a tensor from keras.Input or a layer call; received {type(value).__name__}."
        )
    return value


def _size(count):
    return f"{count * 4 / 2**20:.2f} MB" if count * 4 < 2**30 else f"{count * 4 / 2**30:.2f} GB"
