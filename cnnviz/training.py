"""Training a model: Keras' ``compile``, ``fit``, ``evaluate``, ``predict`` and ``train_on_batch``.

``Trainer`` is the half of a model that trains it; the other half, the graph of layers
with its ``forward`` and ``backward`` passes and its shapes, is ``cnnviz.models.Model``,
which inherits these methods (as Keras' ``Model`` inherits its ``Trainer``).

One training step on a mini-batch (x, y):

1. the forward pass through every layer, in training mode;
2. the loss and its gradient with respect to the model's outputs, from the loss object
   (``cnnviz.losses``). When the last layer ends in a softmax and the loss is a
   cross-entropy, the forward pass stops before that softmax and the loss receives
   the logits z: the same loss, computed stably, with the simple gradient
   (p − onehot(t)) / N (``Loss.fuses_softmax``);
3. the backward pass, from that gradient back through every layer (each layer keeps
   the gradients of its weights);
4. the optimizer's update of every trainable weight.
"""

from __future__ import annotations

import time

import numpy as np
from tqdm.auto import tqdm

from . import losses, optimizers
from ._checks import as_model_input
from .callbacks import History

__all__ = ["Trainer"]


class Trainer:
    """compile / fit / evaluate / predict for a model with ``forward``, ``backward`` and ``layers``."""

    loss = optimizer = None
    metrics = ()
    stop_training = False

    def compile(self, loss, optimizer="sgd", metrics=None):
        """Choose the loss (a name or a ``cnnviz.losses`` object), the optimizer and the metrics (["accuracy"])."""
        try:
            loss = losses.get(loss)
        except ValueError:
            raise ValueError(f"Unknown loss {loss!r}; expected one of {tuple(losses.LOSSES)}.") from None
        unknown = set(metrics or []) - {"accuracy"}
        if unknown:
            raise ValueError(f"Unknown metrics {sorted(unknown)}; cnnviz offers ['accuracy'].")
        self.loss, self.optimizer, self.metrics = loss, optimizers.get(optimizer), list(metrics or [])

    def predict(self, x, batch_size=32, verbose=0):
        """The model's outputs for ``x`` (inference mode), computed in batches."""
        x = as_model_input(x)
        return np.concatenate([self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])

    def train_on_batch(self, x, y):
        """One step: forward, loss, backward, update. Returns (loss, number of right predictions)."""
        out, loss, dout, logits = self._forward_and_loss(x, y, training=True)
        self.backward(dout, activation=not logits)
        self.optimizer.apply(self.layers)
        return loss, self._right(out, y)

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """Loss (and accuracy, if compiled with it) on ``x``, ``y`` in inference mode."""
        x, total_loss, total_right = as_model_input(x), 0.0, 0
        for i in range(0, len(x), batch_size):
            out, loss, _, _ = self._forward_and_loss(
                x[i : i + batch_size], y[i : i + batch_size], gradient=False
            )
            total_loss += loss * len(out)
            total_right += self._right(out, y[i : i + batch_size])
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
        x, y = as_model_input(x), np.asarray(y)
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

    def _forward_and_loss(self, x, y, training=False, gradient=True):
        """The forward pass and the loss: ``(outputs, loss, d(loss)/d(outputs), logits)``.

        ``logits`` is True when the softmax at the end was left out and ``outputs`` are
        the values before it (see the module's docstring); the gradient is then with
        respect to them, and the backward pass starts below the softmax.
        """
        ends_in_softmax = self.layers[-1].activation == "softmax"
        if (
            self.loss.fuses_softmax and not ends_in_softmax
        ):  # probabilities expected: only a softmax makes them
            raise ValueError(
                f"The {self.loss.name} loss expects the model to end in a softmax; give the last layer "
                "activation='softmax' (or add Activation('softmax')), or compile with the loss's "
                "from_logits=True."
            )
        logits = self.loss.fuses_softmax and ends_in_softmax
        out = self.forward(x, training=training, activation=not logits)
        if logits:
            loss, dout = self.loss.logits_value_and_gradient(y, out, gradient=gradient)
        else:
            loss, dout = self.loss.value_and_gradient(y, out, gradient=gradient)
        return out, loss, dout, logits

    def _right(self, out, y):
        """Right predictions per sample (0 for a loss without classes, like mean squared error).

        Outputs with more axes than (N, classes), like a segmentation's (N, H, W, classes),
        count right positions divided by the positions per sample, so that the accuracy of
        fit and evaluate is the fraction of right pixels.
        """
        if not self.loss.classifies:
            return 0
        positions = out[0, ..., 0].size  # 1 for (N, K) outputs
        right = int(np.sum(self.loss.predicted_class(out) == self.loss.true_class(y)))
        return right / positions if positions > 1 else right
