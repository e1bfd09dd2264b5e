"""Training a model: Keras' ``compile``, ``fit``, ``evaluate``, ``predict`` and ``train_on_batch``.

``Trainer`` is the half of a model that trains it; the other half, the graph of layers
with its ``forward`` and ``backward`` passes and its shapes, is ``cnnviz.models.Model``,
which inherits these methods (as Keras' ``Model`` inherits its ``Trainer``). The methods
take Keras' arguments in Keras' order with Keras' defaults, so ``fit(x, y, 32, 1)`` is a
batch of 32 for 1 epoch, as it is in Keras.

One training step on a mini-batch (x, y):

1. the forward pass through every layer, in training mode;
2. the loss and its gradient with respect to the model's outputs, from the loss object
   (``cnnviz.losses``). When the last layer ends in a softmax and the loss is a
   cross-entropy (or in a sigmoid, with the binary cross-entropy), the forward pass
   stops before that activation and the loss receives the logits z: the same loss,
   computed stably, with the simple gradient (p − onehot(t)) / N (``Loss.fuses``).
   ``compile`` decides this once (``fused``), and the passes are told it as an argument;
3. the backward pass, from that gradient back through every layer (each layer keeps
   the gradients of its weights);
4. the optimizer's step: every trainable weight and its gradient, as pairs
   ``{key: (weight, gradient)}`` (``optimizers.trainable_pairs``), handed to ``optimizer.step``.

If the loss becomes NaN or infinite, training stops at once and says so (Keras'
``TerminateOnNaN``, always on): the weights are then NaN too, and more steps cannot mend them.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings

import numpy as np
from tqdm.auto import tqdm

from . import losses, optimizers
from ._checks import as_model_input, check_range, usable_memory_bytes
from ._malloc import keep_freed_memory
from .batches import Stream, is_stream
from .callbacks import History
from .metrics import get as get_metric

__all__ = ["Trainer"]


class Trainer:
    """compile / fit / evaluate / predict for a model with ``forward``, ``backward`` and ``layers``."""

    loss = optimizer = None
    fused = None  # set by compile: the output activation the loss takes the logits of ("softmax", "sigmoid"), or None
    compiled_metrics: list = []
    stop_training = False
    _batch_checked = None  # (shape, dtype, layers) of the last batch train_on_batch checked for its memory

    # -- compile ---------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, the loss and the metrics, as in Keras (in that order).

        Parameters
        ----------
        optimizer : str or cnnviz.optimizers.Optimizer
            "sgd", "adam", "adamw", "rmsprop" (Keras' defaults), or an optimizer object.
        loss : str or cnnviz.losses.Loss
            "sparse_categorical_crossentropy", "categorical_crossentropy",
            "binary_crossentropy", "mse", "mae", or a loss object.
        metrics : list of str or cnnviz.metrics.Metric, optional
            "accuracy" (resolved for the loss, as in Keras), "top_k_categorical_accuracy", ...
        """
        keep_freed_memory()  # training steps reuse the memory the last step freed (see cnnviz._malloc)
        if getattr(self, "output_nodes", None) and len(self.output_nodes) > 1:
            raise ValueError(
                f"Model {self.name!r} has {len(self.output_nodes)} outputs; cnnviz trains models with one output. "
                "A model with several (an activation model) needs no compile: call predict, which gives one "
                "array per output."
            )
        if loss is None:
            raise ValueError(
                "compile needs a loss: compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy'])."
            )
        try:
            loss = losses.get(loss)
        except ValueError:
            hint = ""
            if isinstance(loss, optimizers.Optimizer) or (
                isinstance(loss, str) and loss.lower() in optimizers.OPTIMIZERS
            ):
                hint = " That is an optimizer: Keras' order is compile(optimizer, loss, metrics)."
            raise ValueError(
                f"Unknown loss {loss!r}; expected one of {tuple(losses.LOSSES)}.{hint}"
            ) from None
        if isinstance(metrics, str):  # Keras wants a list; one name is clear enough
            metrics = [metrics]
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"compile expects metrics as a list, like ['accuracy']; received metrics={metrics!r}."
            )
        if isinstance(optimizer, (str, losses.Loss)) and not isinstance(optimizer, optimizers.Optimizer):
            if isinstance(optimizer, losses.Loss) or optimizer.lower() in losses.LOSSES:
                raise ValueError(
                    f"compile received the loss {optimizer!r} as its optimizer: Keras' order is "
                    "compile(optimizer, loss, metrics); name them, compile(optimizer=..., loss=...), to be sure."
                )
        self.optimizer, self.loss = optimizers.get(optimizer), loss
        self.fused = self._fusion(loss)
        self.compiled_trainable = [layer.trainable for layer in self.layers]  # kept until the next compile
        shape = self.known_output_shape()  # "accuracy" on one output value per sample is binary accuracy
        self.compiled_metrics = [get_metric(m, loss, shape) for m in metrics or []]  # a typo fails here

    def _fusion(self, loss):
        """The activation at the model's end whose logits ``loss`` takes instead of its outputs, or None.

        Decided here, at compile, and passed to the forward and backward passes from then on.
        """
        last = self.layers[-1].activation if self.layers else None
        if loss.fuses == "softmax" and last != "softmax":  # probabilities expected: only a softmax makes them
            raise ValueError(
                f"The {loss.name} loss expects the model to end in a softmax; give the last layer "
                "activation='softmax' (or add Activation('softmax')), or compile with the loss's "
                "from_logits=True."
            )
        return loss.fuses if loss.fuses is not None and loss.fuses == last else None

    @property
    def metrics_names(self):
        """["loss", *the metrics' names]: the order of ``evaluate``'s list."""
        return ["loss", *(m.name for m in self.compiled_metrics)]

    # -- predicting and evaluating ---------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` (inference mode), computed in batches of ``batch_size`` (32).

        ``x`` may also be a generator or a PyDataset of batches (``steps`` of them, or all).
        """
        if is_stream(x):
            x, _ = Stream(x, steps, "predict").arrays()
        x = self._inputs(x, "predict")
        batch_size = _batch_size(batch_size)
        _warn_if_batch_is_large(self, x, batch_size, "predict")
        shapes = self.output_shape
        if not len(x):
            empty = [np.empty((0, *shape[1:]), dtype=np.float32) for shape in _listed(shapes)]
            return empty if isinstance(shapes, list) else empty[0]
        parts = [self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        if isinstance(shapes, list):  # several outputs (an activation model): one array each
            return [np.concatenate([part[k] for part in parts]) for k in range(len(shapes))]
        return np.concatenate(parts)

    def predict_on_batch(self, x):
        """The model's outputs for one batch."""
        x = self._inputs(x, "predict_on_batch")
        _warn_if_batch_is_large(self, x, len(x), "predict_on_batch")
        return self.forward(x)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
    ):
        """Loss (and metrics, if compiled with some) on ``x``, ``y`` in inference mode.

        Returns the loss alone without metrics, else ``[loss, *metrics]`` (a dict with
        ``return_dict=True``), as Keras does.
        """
        self._compiled("evaluate")
        _unsupported(sample_weight=sample_weight)
        if is_stream(x):  # a generator or PyDataset of (x, y) batches: steps of them, or all
            x, y = (
                Stream(x, steps, "evaluate").arrays() if y is None else _labels_beside_a_stream("evaluate", y)
            )
        elif steps is not None:
            raise ValueError(
                "evaluate takes steps only with a generator or PyDataset; with arrays, use batch_size."
            )
        x, y = self._data(x, y, "evaluate")
        batch_size = _batch_size(batch_size)
        _warn_if_batch_is_large(self, x, batch_size, "evaluate")
        sums = _Sums(self)
        for i in range(0, len(x), batch_size):
            xb, yb = x[i : i + batch_size], y[i : i + batch_size]
            out, loss, _, _ = self._forward_and_loss(xb, yb, gradient=False)
            sums.add(loss, len(xb), yb, out)
        logs = sums.logs()
        if _verbose(verbose):  # Keras' closing line of the evaluation
            steps = -(-len(x) // batch_size)
            print(f"{steps}/{steps} batches - " + _line(logs))
        if return_dict:
            return logs
        return list(logs.values()) if self.compiled_metrics else logs["loss"]

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """``evaluate`` on one batch."""
        return self.evaluate(x, y, batch_size=max(len(np.asarray(x)), 1), verbose=0, return_dict=return_dict)

    # -- training ----------------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One step of training on one batch; returns its loss (and metrics), as ``evaluate`` does."""
        self._compiled("train_on_batch")
        _unsupported(sample_weight=sample_weight, class_weight=class_weight)
        x, y = self._data(x, y, "train_on_batch")
        batch = (x.shape, x.dtype, [id(layer) for layer in self.layers])
        if self._batch_checked != batch:  # again only for another batch or other layers: 0.2 ms a step
            _warn_if_batch_is_large(self, x, len(x), "train_on_batch")
            self._batch_checked = batch
        loss, out = self._train_step(x, y)
        sums = _Sums(self)
        sums.add(loss, len(x), y, out)
        logs = sums.logs()
        if return_dict:
            return logs
        return list(logs.values()) if self.compiled_metrics else logs["loss"]

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for ``epochs`` passes over the data; returns a ``History``.

        Arguments as in Keras, in Keras' order. ``verbose``: 0 silent, 1 (or "auto") a
        progress bar per epoch, 2 one line per epoch. ``validation_split`` keeps the last
        fraction of the samples (before shuffling) for validation, as Keras does.
        ``steps_per_epoch``: each epoch trains that many batches, going on through the data where
        the previous epoch stopped, and into a new (shuffled) pass when one runs out (Keras 3
        ends such an epoch early instead, with a warning); None, one pass per epoch.
        """
        self._compiled("fit")
        _unsupported(class_weight=class_weight, sample_weight=sample_weight)
        batch_size = _batch_size(batch_size)
        epochs = check_range(None, "epochs", epochs, low=0, integer=True)
        initial_epoch = check_range(None, "initial_epoch", initial_epoch, low=0, integer=True)
        verbose = _verbose(verbose)
        check_range("fit", "validation_freq", validation_freq, low=1, integer=True)
        if is_stream(validation_data):  # read once, at the start: validation_steps batches, or all
            validation_data = Stream(validation_data, validation_steps, "fit's validation_data").arrays()
        if is_stream(x):  # a generator or PyDataset: it gives the batches, labels included
            if y is not None:
                _labels_beside_a_stream("fit", y)
            if validation_split:
                raise ValueError(
                    "fit takes validation_split only with arrays; with a generator or PyDataset, give "
                    "validation_data=(x_val, y_val)."
                )
            stream = Stream(x, steps_per_epoch, "fit")
            steps = stream.steps  # None: a generator read until it is exhausted
            validation_data = self._validation(None, None, 0, validation_data)[2]
            epoch_batches = lambda: self._checked(stream.epoch())  # noqa: E731
        else:
            x, y = self._data(x, y, "fit")
            _warn_if_batch_is_large(self, x, batch_size, "fit")
            x, y, validation_data = self._validation(x, y, validation_split, validation_data)
            steps = -(-len(x) // batch_size)  # batches per pass over the data
            if steps_per_epoch is not None:
                steps = check_range(None, "steps_per_epoch", steps_per_epoch, low=1, integer=True)
            order = _batches(self.rng, len(x), batch_size, shuffle)
            epoch_batches = lambda: ((x[i], y[i]) for i in itertools.islice(order, steps))  # noqa: E731
        callbacks = list(callbacks or [])
        history = History()
        for callback in [history, *callbacks]:
            callback.set_model(self)
            callback.set_params(
                {
                    "epochs": epochs,
                    "steps": steps,
                    "verbose": verbose,
                    "do_validation": validation_data is not None,  # callbacks that need val_ numbers check it
                }
            )
        self.history, self.stop_training = history, False
        callbacks.append(history)
        for callback in callbacks:
            callback.on_train_begin({})
        for epoch in range(initial_epoch, epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch, {})
            bar = None
            if verbose == 1:
                bar = tqdm(total=steps, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch", leave=True)
            logs, seconds = self._fit_epoch(epoch_batches(), bar, epoch, callbacks)
            if is_stream(x) and stream.ran_out:
                self.stop_training = True
            if validation_data is not None and (epoch + 1) % validation_freq == 0 and not self.stop_training:
                val = self.evaluate(
                    *validation_data,
                    batch_size=validation_batch_size or max(batch_size, 256),
                    verbose=0,
                    return_dict=True,
                )
                logs.update({f"val_{name}": value for name, value in val.items()})
            if bar is not None:  # the bar ends with the epoch's numbers, val_ ones included, as in Keras
                bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
                bar.close()
            history.seconds.append(seconds)
            if verbose == 2:
                print(
                    f"Epoch {epoch + 1}/{epochs} - {steps or '?'}/{steps or '?'} batches - {seconds:.1f}s - "
                    + _line(logs)
                )
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for callback in callbacks:
            callback.on_train_end({})
        return history

    def _fit_epoch(self, batches, bar, epoch, callbacks):
        """One epoch: a training step per ``(x, y)`` batch of ``batches``, moving ``bar`` (or None); the
        epoch's logs and seconds."""
        sums, t0, logs = _Sums(self), time.perf_counter(), {}
        for batch, (xb, yb) in enumerate(batches):
            for callback in callbacks:
                callback.on_train_batch_begin(batch, logs)
            loss, out = self._train_step(xb, yb)
            sums.add(loss, len(xb), yb, out)
            logs = sums.logs()
            if not math.isfinite(loss):
                self.stop_training = True
                print(
                    f"Training stopped: at epoch {epoch + 1}, batch {batch + 1} the loss became {loss}. The weights "
                    "now hold NaN or infinite values, so build the model again before training it. A learning rate "
                    "too large for the data is the usual cause: try a smaller one, or inputs scaled to 0..1."
                )
            for callback in callbacks:
                callback.on_train_batch_end(batch, logs)
            if bar is not None:
                bar.update(1)
                if batch % 20 == 0:
                    bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
            if self.stop_training and not math.isfinite(loss):
                break
        return logs, time.perf_counter() - t0

    def _train_step(self, x, y, between=None):
        """Forward, loss, backward, update; returns the batch's loss and the outputs (for metrics).

        ``between()``, if given, is called after the backward pass and before the update: every
        layer's ``grads`` are this batch's gradients and its weights not yet changed (what
        ``cnnviz.widgets.TrainingExplorer`` shows of one step).
        """
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is caught by its loss, and told
            out, loss, dout, logits = self._forward_and_loss(x, y, training=True)
            self.backward(dout, activation=not logits)
            if between is not None:
                between()
            self.optimizer.step(
                optimizers.trainable_pairs(self._trained_layers())
            )  # {key: (weight, gradient)}
        return loss, out

    def _trained_layers(self):
        """The layers ``fit`` updates: those trainable when the model was compiled (Keras' rule: a change
        of ``trainable`` takes effect at the next ``compile``; until then ``fit`` warns once)."""
        compiled = getattr(self, "compiled_trainable", None)
        if compiled is None or len(compiled) != len(self.layers):  # layers added after compile
            compiled = self.compiled_trainable = [layer.trainable for layer in self.layers]
        now = [layer.trainable for layer in self.layers]
        if now != compiled and not getattr(self, "_warned_trainable", False):
            changed = [layer.name for layer, a, b in zip(self.layers, now, compiled) if a != b]
            warnings.warn(
                f"trainable was changed for {changed} after compile: as in Keras, the change takes effect "
                "when you call compile() again; until then the model trains as it was compiled.",
                stacklevel=4,
            )
            self._warned_trainable = True
        return [layer for layer, trained in zip(self.layers, compiled) if trained]

    def _forward_and_loss(self, x, y, training=False, gradient=True):
        """The forward pass and the loss: ``(outputs, loss, d(loss)/d(outputs), logits)``.

        ``logits`` is True when compile fused the activation at the end with the loss
        (``self.fused``): ``outputs`` are then the values before it (see the module's
        docstring), the gradient is with respect to them, and the backward pass starts
        below that activation.
        """
        logits = self.fused is not None
        out = self.forward(x, training=training, activation=not logits)
        if logits:
            loss, dout = self.loss.logits_value_and_gradient(y, out, gradient=gradient)
        else:
            loss, dout = self.loss.value_and_gradient(y, out, gradient=gradient)
        return out, loss, dout, logits

    # -- checks ------------------------------------------------------------------------------------
    def _compiled(self, method):
        if self.loss is None:
            raise ValueError(
                f"Call compile(optimizer=..., loss=..., metrics=[...]) before {method}: the model needs a loss."
            )

    def _inputs(self, x, method):
        """x as float32, with the shape the model expects (Keras' "expected shape=..., found shape=...")."""
        if x is None:
            raise ValueError(f"{method} needs the inputs x.")
        try:
            x = as_model_input(x)
        except ValueError as error:  # ragged lists
            raise ValueError(f"{method} could not make one array of x: {error}") from None
        expected = self.expected_input_shape()
        if expected is not None and x.shape[1:] != expected:
            hint = " (one sample without its batch axis: add it with x[None])" if x.shape == expected else ""
            raise ValueError(
                f"Input of model {self.name!r} is incompatible: expected shape={(None, *expected)}, "
                f"found shape={x.shape}{hint}."
            )
        return x

    def _data(self, x, y, method):
        """Inputs and labels of one length, at least one sample, no NaN or infinity in the inputs."""
        x = self._inputs(x, method)
        if y is None:
            raise ValueError(f"{method} needs labels y as well as inputs x: {method}(x, y, ...).")
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{method} expects labels y as numbers; received dtype {y.dtype}.")
        if y.dtype.kind == "b":
            y = y.astype(np.int64)  # True/False labels are the classes 1/0, as in Keras
        if len(x) != len(y):
            raise ValueError(
                f"{method} expects as many labels as inputs; received {len(x)} inputs and {len(y)} labels."
            )
        if not len(x):
            raise ValueError(f"{method} received 0 samples; it needs at least one.")
        y = self._labels_like_outputs(x, y)
        finite = np.isfinite(x)
        if not finite.all():
            bad = np.flatnonzero(~finite.reshape(len(x), -1).all(axis=1))
            raise ValueError(
                f"{method}: x holds {int((~finite).sum())} NaN or infinite value(s), in sample(s) "
                f"{bad[:5].tolist()}{' ...' if len(bad) > 5 else ''}. One such value makes every weight NaN after "
                "a single step: drop those samples or replace the values (np.nan_to_num)."
            )
        return x, y

    def _checked(self, batches):
        """A generator's or PyDataset's batches, each checked as ``fit`` checks arrays (its number named)."""
        for k, (xb, yb) in enumerate(batches):
            try:
                yield self._data(xb, yb, "fit")
            except (ValueError, TypeError) as error:
                raise type(error)(f"batch {k} of the generator or PyDataset: {error}") from None

    def _labels_like_outputs(self, x, y):
        """Labels of shape (N, ...) for outputs of shape (N, ..., 1) gain that last axis, as Keras' losses
        and metrics give it to them: ``mean_squared_error`` of a digit's value (N,) and a ``Dense(1)``."""
        if self.output_nodes and len(self.output_nodes) > 1:
            return y  # fit refuses such a model anyway, with the reason
        shapes = self.node_shapes(x.shape[1:])
        out = shapes[self.output_nodes[0] if self.output_nodes else -1][1]  # one sample's output shape
        if tuple(out[-1:]) == (1,) and y.shape == (len(y), *out[:-1]):
            return y[..., np.newaxis]
        return y

    def _validation(self, x, y, validation_split, validation_data):
        """Split off the last samples for validation, or check the given validation data."""
        check_range("fit", "validation_split", validation_split, low=0, high=1, high_open=True)
        if validation_split:
            if validation_data is not None:
                raise ValueError("fit takes validation_split or validation_data, not both.")
            cut = int(len(x) * (1 - validation_split))  # Keras takes the last samples, before shuffling
            if cut == 0 or cut == len(x):
                raise ValueError(
                    f"validation_split={validation_split} of {len(x)} samples leaves "
                    f"{cut} for training and {len(x) - cut} for validation; both need at least one."
                )
            return x[:cut], y[:cut], (x[cut:], y[cut:])
        if validation_data is None:
            return x, y, None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            what = (
                f"an array of shape {np.shape(validation_data)}"
                if hasattr(validation_data, "shape")
                else repr(type(validation_data).__name__)
            )
            raise TypeError(f"fit expects validation_data as a pair (x_val, y_val); received {what}.")
        x_val, y_val = self._data(*validation_data, "fit's validation_data")
        return x, y, (x_val, y_val)


class _Sums:
    """Running sums of a batch's loss and metrics over an epoch: the mean so far is sum / count."""

    def __init__(self, model):
        self.metrics = model.compiled_metrics
        self.loss, self.samples = 0.0, 0
        self.totals = [[0.0, 0] for _ in self.metrics]

    def add(self, loss, samples, y, out):
        self.loss += loss * samples
        self.samples += samples
        for sums, metric in zip(self.totals, self.metrics):
            total, n = metric.count(y, out)
            sums[0] += total
            sums[1] += n

    def logs(self):
        logs = {"loss": self.loss / self.samples}
        for (total, n), metric in zip(self.totals, self.metrics):
            logs[metric.name] = total / n
        return logs


# One batch's activations (every layer's output) may take at most this share of the memory the
# process can use now (usable_memory_bytes) before predict, evaluate and fit warn: above it, a batch
# swaps or fails. On Binder that is the container's limit, not the host's memory.
BATCH_MEMORY_SHARE = 0.25


def _warn_if_batch_is_large(model, x, batch_size, method):
    """Warn (a UserWarning) when one batch's activations would fill a large share of the memory.

    The estimate, made before anything runs: every layer's output shape (without the batch
    axis) × the samples in a batch × the bytes per number. Training keeps them all for the
    backward pass; inference frees each when the next layer has read it, so the figure is an
    upper bound there, reached by the largest layers' outputs together.
    """
    batch = min(batch_size, len(x))
    try:
        per_sample = sum(math.prod(out) for _, out in model.node_shapes(x.shape[1:]))
    except (ValueError, TypeError):  # a model that cannot take x says so when it runs
        return
    need = (math.prod(x.shape[1:]) + per_sample) * batch * x.dtype.itemsize
    memory = usable_memory_bytes() or 8 * 2**30  # where the system does not say, assume 8 GiB
    if need > BATCH_MEMORY_SHARE * memory:
        hint = (
            "Pass x in smaller parts (predict(x, batch_size=32) splits it for you)."
            if method.endswith("on_batch")
            else "Use a smaller batch_size (Keras' default is 32)."
        )
        warnings.warn(
            f"{method}: one batch of {batch:,} samples will hold about {need / 1e9:,.1f} GB of activations "
            f"({per_sample:,} numbers per sample in the layers' outputs × {x.dtype.itemsize} bytes), more than "
            f"{BATCH_MEMORY_SHARE:.0%} of the {memory / 1e9:,.1f} GB of memory available now: it may be very slow "
            f"or fail. {hint}",
            UserWarning,
            stacklevel=3,
        )


def _listed(shapes):
    return shapes if isinstance(shapes, list) else [shapes]


def _labels_beside_a_stream(method, y):
    raise ValueError(
        f"{method}: x is a generator or PyDataset, which gives the labels with each batch, so y must be "
        f"None; received y of type {type(y).__name__}."
    )


def _batch_size(batch_size):
    """Keras' default (None) is 32; anything else must be a whole number >= 1."""
    return 32 if batch_size is None else check_range(None, "batch_size", batch_size, low=1, integer=True)


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'; received verbose={verbose!r}.")
    return int(verbose)


def _batches(rng, n, batch_size, shuffle):
    """The samples' indices, ``batch_size`` at a time, pass after pass: each pass in a new order
    drawn from ``rng`` (when its first batch is asked for) if ``shuffle``, else in order."""
    while True:
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]


def _unsupported(**arguments):
    """Keras arguments cnnviz accepts by name but does not offer (sample weights, steps)."""
    given = {name: value for name, value in arguments.items() if value is not None}
    if given:
        raise ValueError(f"cnnviz does not offer {', '.join(given)}; leave them at None. Received {given}.")


def _line(logs):
    """Keras' epoch line: "loss: 0.1234 - accuracy: 0.9612 - val_loss: ..."."""
    return " - ".join(f"{name}: {value:.4f}" for name, value in logs.items())
