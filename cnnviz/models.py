"""Models with Keras' compile / fit / evaluate / predict / summary.

``Sequential`` is a stack of layers, one after the other. ``Model(inputs, outputs)``
is Keras' functional API: layers called on ``keras.Input`` tensors, with branches
and merges (a ResNet's shortcuts, a UNet's skip connections). Both are a list of
nodes in an order where every node comes after the nodes it reads (for a stack,
simply the layers); the forward pass walks that list, the backward pass walks it
in reverse and adds up the gradients of a value that feeds several layers.

Training, one mini-batch at a time: the layers' forward passes, the loss, the
backward passes in reverse order (each layer stores the gradients of its
weights), then the optimizer's update. When the last layer ends in a softmax
and the loss is a cross-entropy, the loss is computed from the values before
the softmax (the logits), whose gradient is simply (p − onehot(t)) / N: stable
even when a probability rounds to 0.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from . import activations, optimizers
from .layers import InputLayer, KerasTensor, Layer

LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "mean_squared_error", "mse")


class History:
    """What ``fit`` returns: ``history`` maps "loss", "accuracy", "val_loss", ... to per-epoch lists."""

    def __init__(self):
        self.history, self.epoch = {}, []

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


class Callback:
    """Hooks called by ``fit``; override the ones you need."""

    def on_train_begin(self, model):
        pass

    def on_batch_end(self, model, batch, logs):
        pass

    def on_epoch_end(self, model, epoch, logs):
        pass

    def on_train_end(self, model):
        pass


class Node(NamedTuple):
    """One layer in a model's graph: ``inputs`` are the indices of the nodes it reads; () = the model's input."""

    layer: Layer
    inputs: tuple


class Model:
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
        inputs, outputs = _one("inputs", inputs), _one("outputs", outputs)
        if not isinstance(inputs.layer, InputLayer):
            raise ValueError(f"Model inputs must come from keras.Input(...); received {inputs!r}.")
        tensors, stack = {}, [outputs]
        while stack:  # every tensor the output depends on
            tensor = stack.pop()
            if id(tensor) not in tensors:
                tensors[id(tensor)] = tensor
                stack.extend(tensor.inputs)
        starts = [t for t in tensors.values() if isinstance(t.layer, InputLayer)]
        if starts != [inputs]:
            raise ValueError(
                f"The outputs must be computed from the given input {inputs!r}; they depend on "
                f"{[t.layer.name for t in starts]}."
            )
        order = sorted(tensors.values(), key=lambda t: t.order)  # creation order is a valid order
        index = {id(t): k for k, t in enumerate(order)}
        self.nodes = [Node(t.layer, tuple(index[id(p)] for p in t.inputs)) for t in order]
        self.layers = [node.layer for node in self.nodes]
        _unique_names(self.layers)

    def _setup(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.loss = self.optimizer = None
        self.metrics = []
        self.stop_training = False

    # -- shapes and parameters, without allocating anything ---------------------------------------
    @property
    def input_shape(self):
        return self.layers[0].input_shape if self.layers else None

    @property
    def output_shape(self):
        return (None, *self.shapes()[-1][1])

    def _node_shapes(self, input_shape=None):
        """[(input shape or list of them, output shape)] per node, from shapes alone."""
        shape = tuple(input_shape or self.input_shape or ())
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
            for (layer, _), (ins, out) in zip(self.nodes, self._node_shapes(input_shape))
        ]

    def count_params(self):
        """All parameters, trained or not (batch normalization's moving averages count), as in Keras."""
        return sum(params for _, _, params in self.shapes())

    def count_trainable_params(self):
        """Only the parameters an optimizer updates (what PyTorch's ``parameters()`` counts)."""
        return sum(
            int(np.prod(shape))
            for (layer, _), (ins, _) in zip(self.nodes, self._node_shapes())
            for name, shape in layer.param_shapes(ins).items()
            if name in layer.trainable_names
        )

    def summary(self, print_fn=print):
        """Print each layer's output shape and parameter count (and, for graphs, its inputs), and the totals."""
        node_shapes = self._node_shapes()
        total, trainable = self.count_params(), self.count_trainable_params()
        graph = not isinstance(self, Sequential)
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
        for (layer, inputs), (ins, _) in zip(self.nodes, self._node_shapes(input_shape)):
            if not layer.built:
                layer.build(ins, self.rng)
            # a layer that reads only the images needs no gradient for them: nothing trains the images
            layer.input_gradient = not all(self._raw(i) for i in inputs)

    def _raw(self, k):
        """Whether node k is the model's input itself."""
        return isinstance(self.nodes[k].layer, InputLayer)

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x, training=False, keep=False):
        """The model's output for the batch ``x``; with ``keep``, the list of every node's output."""
        if not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        last = len(self.nodes) - 1
        readers = [0] * len(self.nodes)  # how many nodes still need each value
        for _, inputs in self.nodes:
            for i in inputs:
                readers[i] += 1
        values = {}
        for k, (layer, inputs) in enumerate(self.nodes):
            args = [values[i] for i in inputs] or [x]
            values[k] = layer.forward(args if layer.merges else args[0], training)
            for i in inputs:
                readers[i] -= 1
                if not readers[i] and not keep:
                    del values[i]  # free big activations as soon as no one reads them
        return [values[k] for k in range(last + 1)] if keep else values[last]

    def backward(self, dout, dlogits=None):
        """Gradients from the output back to every layer (each keeps its weights' gradients).

        ``dlogits``: the gradient with respect to the last layer's values before its
        softmax, used instead of ``dout`` (see ``_loss``).
        """
        last = len(self.nodes) - 1
        grads = {last: dout}
        for k in range(last, -1, -1):
            layer, inputs = self.nodes[k]
            if isinstance(layer, InputLayer):
                continue
            g = grads.pop(k)
            dx = (
                layer.backward_from_logits(dlogits)
                if k == last and dlogits is not None
                else layer.backward(g)
            )
            for i, d in zip(inputs, dx if layer.merges else [dx]):
                if not self._raw(i):  # a value read by several layers gets the sum of their gradients
                    grads[i] = grads[i] + d if i in grads else d

    def layer_outputs(self, x):
        """[(layer, its output)] for inputs ``x`` in inference mode: what each layer makes of them."""
        outputs = self.forward(_as_inputs(x), keep=True)
        return list(zip(self.layers, outputs))

    def predict(self, x, batch_size=32, verbose=0):
        """The model's outputs for ``x`` (inference mode), computed in batches."""
        x = _as_inputs(x)
        return np.concatenate([self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])

    def compile(self, loss, optimizer="sgd", metrics=None):
        """Choose the loss (a name from LOSSES), the optimizer and the metrics (["accuracy"])."""
        if loss not in LOSSES:
            raise ValueError(f"Unknown loss {loss!r}; expected one of {LOSSES}.")
        unknown = set(metrics or []) - {"accuracy"}
        if unknown:
            raise ValueError(f"Unknown metrics {sorted(unknown)}; cnnviz offers ['accuracy'].")
        self.loss, self.optimizer, self.metrics = loss, optimizers.get(optimizer), list(metrics or [])

    def train_on_batch(self, x, y):
        """One step: forward, loss, backward, update. Returns (loss, number of right predictions)."""
        out = self.forward(x, training=True)
        loss, dout, right = self._loss(out, y)
        self.backward(dout, self._dlogits if dout is None else None)
        self.optimizer.apply(self.layers)
        return loss, right

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """Loss (and accuracy, if compiled with it) on ``x``, ``y`` in inference mode."""
        x, total_loss, total_right = _as_inputs(x), 0.0, 0
        for i in range(0, len(x), batch_size):
            out = self.forward(x[i : i + batch_size])
            loss, _, right = self._loss(out, y[i : i + batch_size], need_grad=False)
            total_loss += loss * len(out)
            total_right += right
        loss, accuracy = total_loss / len(x), total_right / len(x)
        return [loss, accuracy] if self.metrics else loss

    def fit(
        self,
        x,
        y,
        epochs=1,
        batch_size=32,
        validation_data=None,
        validation_split=0.0,
        shuffle=True,
        verbose="auto",
        callbacks=None,
    ):
        """Train for ``epochs`` passes over the data; returns a ``History``.

        ``verbose``: 0 silent, 1 (or "auto") a progress bar per epoch, 2 one line per epoch.
        """
        if self.loss is None:
            raise ValueError("Call compile(loss=..., optimizer=..., metrics=[...]) before fit.")
        x, y = _as_inputs(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(
                f"fit expects as many labels as inputs; received {len(x)} inputs and {len(y)} labels."
            )
        if validation_split:
            cut = int(len(x) * (1 - validation_split))  # Keras takes the last samples, before shuffling
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        verbose = 1 if verbose == "auto" else verbose
        history, callbacks = History(), list(callbacks or [])
        self.stop_training = False
        for callback in callbacks:
            callback.on_train_begin(self)
        for epoch in range(epochs):
            logs = self._fit_epoch(x, y, batch_size, shuffle, verbose, epoch, epochs, callbacks)
            if validation_data is not None:
                val = self.evaluate(*validation_data, batch_size=max(batch_size, 256))
                logs.update(zip(("val_loss", "val_accuracy"), val if self.metrics else [val]))
            history.append(epoch, logs)
            if verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs}: " + ", ".join(f"{k} {v:.4f}" for k, v in logs.items()))
            for callback in callbacks:
                callback.on_epoch_end(self, epoch, logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end(self)
        return history

    def _fit_epoch(self, x, y, batch_size, shuffle, verbose, epoch, epochs, callbacks):
        order = self.rng.permutation(len(x)) if shuffle else np.arange(len(x))
        starts = range(0, len(x), batch_size)
        bar = None
        if verbose == 1:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(starts), desc=f"Epoch {epoch + 1}/{epochs}", unit="batch", leave=True)
        total_loss, total_right, seen, t0 = 0.0, 0, 0, time.perf_counter()
        for batch, start in enumerate(starts):
            idx = order[start : start + batch_size]
            loss, right = self.train_on_batch(x[idx], y[idx])
            total_loss, total_right, seen = total_loss + loss * len(idx), total_right + right, seen + len(idx)
            logs = {"loss": total_loss / seen}
            if self.metrics:
                logs["accuracy"] = total_right / seen
            for callback in callbacks:
                callback.on_batch_end(self, batch, logs)
            if bar is not None:
                bar.update(1)
                if batch % 20 == 0:
                    bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
        if bar is not None:
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            bar.close()
        logs["seconds"] = time.perf_counter() - t0
        return logs

    def _loss(self, out, y, need_grad=True):
        """(loss, gradient of the outputs or None, right predictions per sample).

        Outputs with more axes than (N, classes), like a segmentation's (N, H, W, classes),
        are scored per position: the loss is the mean over every position, as in Keras,
        and "right" counts right positions divided by the positions per sample, so that
        the accuracy of fit and evaluate is the fraction of right pixels.
        """
        last = self.nodes[-1].layer
        if self.loss in ("mse", "mean_squared_error"):
            loss, cache = activations.mean_squared_error_forward(out, y)
            return loss, activations.mean_squared_error_backward(1.0, cache) if need_grad else None, 0
        if last.activation != "softmax":
            raise ValueError(
                f"The {self.loss} loss expects the model to end in a softmax; give the last layer "
                "activation='softmax' (or add Activation('softmax'))."
            )
        K, positions = out.shape[-1], out[0, ..., 0].size  # 1 for (N, K) outputs
        logits = last.logits.reshape(-1, K)
        if self.loss == "sparse_categorical_crossentropy":
            labels = np.asarray(y)
            if labels.shape != out.shape[:-1]:
                raise ValueError(
                    f"sparse_categorical_crossentropy expects one label per output position, labels of shape "
                    f"{out.shape[:-1]} for outputs of shape {out.shape}; received {labels.shape}."
                )
            labels = labels.reshape(-1).astype(np.int64, copy=False)
            loss, cache = activations.sparse_categorical_crossentropy_forward(logits, labels)
            grad = activations.sparse_categorical_crossentropy_backward
        else:
            labels = np.argmax(y, axis=-1).reshape(-1)
            loss, cache = activations.categorical_crossentropy_forward(logits, np.reshape(y, logits.shape))
            grad = activations.categorical_crossentropy_backward
        self._dlogits = grad(1.0, cache).reshape(out.shape) if need_grad else None
        right = int(np.sum(np.argmax(logits, axis=1) == labels))
        return loss, None, right / positions if positions > 1 else right


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

    def __init__(self, layers=None, name="sequential", seed=None):
        self._setup(name, seed)
        self.layers = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a layer (cnnviz.layers); received {type(layer).__name__}."
            )
        if layer.merges:
            raise TypeError(
                f"{type(layer).__name__} joins several inputs; build such models with keras.Input and keras.Model."
            )
        self.layers.append(layer)
        _unique_names(self.layers)

    @property
    def nodes(self):
        """A stack: each layer reads the one before it."""
        return [Node(layer, (k - 1,) if k else ()) for k, layer in enumerate(self.layers)]

    def _raw(self, k):
        return False


class BatchLogger(Callback):
    """Records the running loss (and accuracy) after every batch, in ``self.batches``."""

    def on_train_begin(self, model):
        self.batches = []

    def on_batch_end(self, model, batch, logs):
        self.batches.append(dict(logs))


class LivePlot(Callback):
    """Redraws the loss and accuracy curves in one notebook output while ``fit`` runs.

    The picture is replaced in place (not appended), at most every ``seconds``
    and at the end of every epoch, so the notebook does not fill up.
    """

    def __init__(self, seconds=2.0, figsize=(9, 3)):
        self.seconds, self.figsize = seconds, figsize

    def on_train_begin(self, model):
        from IPython.display import display

        self.points, self.epochs, self.last = [], {}, 0.0
        self.batches = 0
        self.handle = display(self._png(), display_id=True)

    def on_batch_end(self, model, batch, logs):
        self.batches += 1
        self.points.append((self.batches, logs.get("loss"), logs.get("accuracy")))
        if time.perf_counter() - self.last > self.seconds:
            self._redraw()

    def on_epoch_end(self, model, epoch, logs):
        for key, value in logs.items():
            self.epochs.setdefault(key, []).append((self.batches, value))
        self._redraw()

    def _redraw(self):
        self.last = time.perf_counter()
        if self.handle is not None:
            self.handle.update(self._png())

    def _png(self):
        import io

        from IPython.display import Image
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.figsize, dpi=80, layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, key in zip(axes, ("loss", "accuracy")):
            col = 1 if key == "loss" else 2
            pts = [(p[0], p[col]) for p in getattr(self, "points", []) if p[col] is not None]
            if pts:
                ax.plot(*zip(*pts), color="0.6", lw=1, label=f"{key} (running, training)")
            for name in (key, f"val_{key}"):
                if name in getattr(self, "epochs", {}):
                    ax.plot(*zip(*self.epochs[name]), "o-", label=f"{name} (epoch)")
            ax.set_xlabel("batches")
            ax.set_title(key)
            if ax.lines:
                ax.legend(fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return Image(data=buffer.getvalue(), format="png")


def _unique_names(layers):
    """conv2d, conv2d_1, conv2d_2, ... as in Keras: rename the later of two layers with one name."""
    taken = set()
    for layer in layers:
        base, k = layer.name, 0
        while layer.name in taken:
            k += 1
            layer.name = f"{base}_{k}"
        taken.add(layer.name)


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


def _as_inputs(x):
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"Model inputs must be numbers; received dtype {x.dtype}.")
    return x.astype(np.float32, copy=False)


def _size(count):
    return f"{count * 4 / 2**20:.2f} MB" if count * 4 < 2**30 else f"{count * 4 / 2**30:.2f} GB"
