"""``Sequential``: a stack of layers with Keras' compile / fit / evaluate / predict / summary.

Training, one mini-batch at a time: the layers' forward passes, the loss, the
backward passes in reverse order (each layer stores the gradients of its
weights), then the optimizer's update. When the last layer ends in a softmax
and the loss is a cross-entropy, the loss is computed from the values before
the softmax (the logits), whose gradient is simply (p − onehot(t)) / N: stable
even when a probability rounds to 0.
"""

from __future__ import annotations

import time

import numpy as np

from . import activations, optimizers
from .layers import Layer

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


class Sequential:
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
        self.name, self.layers = name, []
        self.rng = np.random.default_rng(seed)
        self.loss = self.optimizer = None
        self.metrics = []
        self.stop_training = False
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a layer (cnnviz.layers); received {type(layer).__name__}."
            )
        taken = {other.name for other in self.layers}
        base, k = layer.name, 0
        while layer.name in taken:  # conv2d, conv2d_1, conv2d_2, ... as in Keras
            k += 1
            layer.name = f"{base}_{k}"
        self.layers.append(layer)

    # -- shapes and parameters, without allocating anything ---------------------------------------
    @property
    def input_shape(self):
        return self.layers[0].input_shape if self.layers else None

    def shapes(self, input_shape=None):
        """[(layer, output shape, parameter count)] for inputs of ``input_shape`` (no batch axis)."""
        shape = tuple(input_shape or self.input_shape or ())
        if not shape:
            raise ValueError(
                "The model does not know its input shape yet: give the first layer input_shape=[...], "
                "or call build(input_shape) or fit(...) first."
            )
        rows = []
        for layer in self.layers:
            params = layer.count_params(shape)
            shape = layer.output_shape(shape)
            rows.append((layer, shape, params))
        return rows

    def count_params(self):
        return sum(params for _, _, params in self.shapes())

    def summary(self, print_fn=print):
        """Print each layer's output shape and parameter count, and the totals."""
        rows = self.shapes()
        trainable = sum(
            int(np.prod(shape))
            for layer, shape_in in zip(self.layers, [self.input_shape] + [r[1] for r in rows[:-1]])
            for name, shape in layer.param_shapes(shape_in).items()
            if name in layer.trainable_names
        )
        total = sum(params for _, _, params in rows)
        lines = [
            f'Model: "{self.name}"',
            f"{'Layer (type)':<32}{'Output Shape':<24}{'Param #':>14}",
            "=" * 70,
        ]
        for layer, shape, params in rows:
            lines.append(f"{f'{layer.name} ({type(layer).__name__})':<32}{(None, *shape)!s:<24}{params:>14,}")
        lines += [
            "=" * 70,
            f"Total params: {total:,} ({_size(total)})",
            f"Trainable params: {trainable:,} ({_size(trainable)})",
            f"Non-trainable params: {total - trainable:,} ({_size(total - trainable)})",
        ]
        print_fn("\n".join(lines))

    def build(self, input_shape=None):
        """Allocate every layer's weights (float32) for inputs of ``input_shape``."""
        shape = tuple(input_shape or self.input_shape)
        for layer in self.layers:
            if not layer.built:
                layer.build(shape, self.rng)
            shape = layer.output_shape(shape)
        self.layers[0].input_gradient = False  # the images themselves are not trained: skip their gradient

    # -- computing -------------------------------------------------------------------------------
    def forward(self, x, training=False):
        if not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def layer_outputs(self, x):
        """[(layer, its output)] for inputs ``x`` in inference mode: what each layer makes of them."""
        x = _as_inputs(x)
        if not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        outputs = []
        for layer in self.layers:
            x = layer.forward(x)
            outputs.append((layer, x))
        return outputs

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
        for layer in reversed(self.layers):
            dout = layer.backward(dout) if dout is not None else layer.backward_from_logits(self._dlogits)
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
        """(loss, gradient of the outputs or None, right predictions)."""
        last = self.layers[-1]
        if self.loss in ("mse", "mean_squared_error"):
            loss, cache = activations.mean_squared_error_forward(out, y)
            return loss, activations.mean_squared_error_backward(1.0, cache) if need_grad else None, 0
        if last.activation != "softmax":
            raise ValueError(
                f"The {self.loss} loss expects the model to end in a softmax; give the last layer "
                "activation='softmax' (or add Activation('softmax'))."
            )
        if self.loss == "sparse_categorical_crossentropy":
            labels = np.asarray(y).astype(np.int64, copy=False)
            loss, cache = activations.sparse_categorical_crossentropy_forward(last.logits, labels)
            self._dlogits = (
                activations.sparse_categorical_crossentropy_backward(1.0, cache) if need_grad else None
            )
        else:
            labels = np.argmax(y, axis=1)
            loss, cache = activations.categorical_crossentropy_forward(last.logits, y)
            self._dlogits = activations.categorical_crossentropy_backward(1.0, cache) if need_grad else None
        right = int(np.sum(np.argmax(out, axis=1) == labels))
        return loss, None, right


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


def _as_inputs(x):
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"Model inputs must be numbers; received dtype {x.dtype}.")
    return x.astype(np.float32, copy=False)


def _size(count):
    return f"{count * 4 / 2**20:.2f} MB" if count * 4 < 2**30 else f"{count * 4 / 2**30:.2f} GB"
