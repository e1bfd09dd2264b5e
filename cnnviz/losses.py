"""Losses: how far a model's outputs are from the truth, and the gradient that says which way to go.

Two tiers, as everywhere in cnnviz:

* op pairs on full arrays, ``*_forward(...) -> (loss, cache)`` and
  ``*_backward(dloss, cache) -> gradient``, the equations on the lines that compute them;
* Keras' loss objects (``SparseCategoricalCrossentropy``, ``CategoricalCrossentropy``,
  ``MeanSquaredError``) that a model's ``compile`` takes, by object or by name. Each is
  called as Keras calls it, ``loss(y_true, y_pred) -> float``, and gives the gradient
  with ``loss.value_and_gradient(y_true, y_pred) -> (loss, dloss/dy_pred)``.

The cross-entropies are computed from logits z (the values before the softmax):
log p = z − max(z) − log Σ exp(z − max(z)), never the log of a probability that
rounded to 0, and the gradient with respect to z is simply (p − onehot(t)) / N.
A model whose last layer ends in a softmax hands its logits to the loss instead of
its probabilities when the loss is a cross-entropy (``fuses_softmax``): the same
number, computed stably. With ``from_logits=True`` the model's outputs are the logits.

Outputs with more axes than (N, K), like a segmentation's (N, H, W, K), are scored
per position: the loss is the mean over every position, as in Keras.

>>> loss = SparseCategoricalCrossentropy(from_logits=True)
>>> round(loss([1], [[0.0, 0.0]]), 6)                     # p = 1/2 for the true class: log 2
0.693147
>>> get("mse").name
'mean_squared_error'
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_ndim
from .activations import log_softmax

__all__ = [
    "CategoricalCrossentropy",
    "Loss",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "categorical_crossentropy_backward",
    "categorical_crossentropy_forward",
    "get",
    "mean_squared_error_backward",
    "mean_squared_error_forward",
    "sparse_categorical_crossentropy_backward",
    "sparse_categorical_crossentropy_forward",
]


# -- the op pairs ---------------------------------------------------------------------------------


def sparse_categorical_crossentropy_forward(logits, labels):
    """Mean cross-entropy of integer labels under the softmax of ``logits``.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Unnormalized scores z for K classes (the layer before softmax).
    labels : array_like of int, shape (N,)
        The true class t_n of each sample, 0 <= t_n < K.

    Returns
    -------
    loss : float
        −(1/N) Σ_n log p[n, t_n].
    cache : dict
        ``cache["p"]`` holds the softmax probabilities (N, K).

    Examples
    --------
    Two equal scores give p = 1/2 for the true class, so the loss is log 2.

    >>> loss, _ = sparse_categorical_crossentropy_forward(np.zeros((1, 2)), np.array([1]))
    >>> round(loss, 6)
    0.693147
    """
    func = "sparse_categorical_crossentropy_forward"
    logits = as_real_array("logits", logits, func=func)
    check_ndim("logits", logits, 2, "(N, K)", func=func)
    labels = _check_labels(labels, logits.shape, func)
    log_p = log_softmax(logits)  # (N, K)
    rows = np.arange(len(labels))
    loss = -float(np.mean(log_p[rows, labels]))
    return loss, {"p": np.exp(log_p), "labels": labels}


def sparse_categorical_crossentropy_backward(dloss, cache):
    """Gradient with respect to the logits: dloss · (p − onehot(t)) / N, shape (N, K)."""
    p, labels = cache["p"], cache["labels"]
    dz = p.copy()
    dz[np.arange(len(labels)), labels] -= 1.0  # p − onehot(t)
    return dz * (float(dloss) / len(labels))


def categorical_crossentropy_forward(logits, targets):
    """Mean cross-entropy of one-hot (or soft) targets under the softmax of ``logits``.

    loss = −(1/N) Σ_n Σ_k t[n, k] · log p[n, k]; ``targets`` has the logits' shape (N, K).
    """
    func = "categorical_crossentropy_forward"
    logits = as_real_array("logits", logits, func=func)
    check_ndim("logits", logits, 2, "(N, K)", func=func)
    targets = as_real_array("targets", targets, func=func)
    if targets.shape != logits.shape:
        raise ValueError(
            f"{func} expects one-hot targets of the logits' shape {logits.shape}; received targets.shape="
            f"{targets.shape}. For integer labels use sparse_categorical_crossentropy."
        )
    log_p = log_softmax(logits)
    return -float(np.sum(targets * log_p) / len(logits)), {"p": np.exp(log_p), "targets": targets}


def categorical_crossentropy_backward(dloss, cache):
    """Gradient with respect to the logits: dloss · (p − t) / N."""
    p, t = cache["p"], cache["targets"]
    return (p - t) * (float(dloss) / len(p))


def mean_squared_error_forward(y_pred, y_true):
    """loss = mean over every value of (y_pred − y_true)²."""
    y_pred = as_real_array("y_pred", y_pred, func="mean_squared_error_forward")
    y_true = as_real_array("y_true", y_true, func="mean_squared_error_forward")
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"mean_squared_error_forward expects y_true of the predictions' shape {y_pred.shape}; "
            f"received y_true.shape={y_true.shape}."
        )
    diff = y_pred - y_true
    return float(np.mean(diff * diff)), {"diff": diff}


def mean_squared_error_backward(dloss, cache):
    """d loss / d y_pred = 2 (y_pred − y_true) / (number of values)."""
    diff = cache["diff"]
    return diff * (2.0 * float(dloss) / diff.size)


def _check_labels(labels, logits_shape, func):
    labels = np.asarray(labels)
    N, K = logits_shape
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{func} expects integer class labels 0..{K - 1} (sparse labels, not one-hot or floats); "
            f"received labels with dtype {labels.dtype}."
        )
    if labels.shape != (N,):
        raise ValueError(
            f"{func} expects one label per sample, labels.shape=({N},) for logits.shape={logits_shape}; "
            f"received labels.shape={labels.shape}."
        )
    if N and (labels.min() < 0 or labels.max() >= K):
        raise ValueError(
            f"{func} expects labels in 0..{K - 1} for K={K} classes; "
            f"received labels from {labels.min()} to {labels.max()}."
        )
    return labels


# -- Keras' loss objects --------------------------------------------------------------------------


class Loss:
    """A loss as ``compile`` takes it: ``loss(y_true, y_pred)`` is the mean loss of a batch.

    Subclasses name their op pair; ``fuses_softmax`` says whether a model ending in a
    softmax should hand over its logits instead (see the module's docstring).
    """

    name = "loss"
    fuses_softmax = False  # True: expects probabilities, and takes the logits of a softmax output instead
    classifies = False  # True: outputs are class scores, so "accuracy" means something

    def __call__(self, y_true, y_pred):
        return self.value_and_gradient(y_true, y_pred, gradient=False)[0]

    def value_and_gradient(self, y_true, y_pred, gradient=True):
        """``(loss, dloss/dy_pred)`` for one batch; the gradient is None with ``gradient=False``."""
        raise NotImplementedError  # pragma: no cover - every loss defines it

    def __repr__(self):
        return f"{type(self).__name__}()"


class _Crossentropy(Loss):
    """The part both cross-entropies share: logits or probabilities, and per-position outputs."""

    fuses_softmax = classifies = True

    def __init__(self, from_logits=False):
        if not isinstance(from_logits, bool):
            raise TypeError(
                f"{type(self).__name__} expects from_logits=True or False; received {from_logits!r}."
            )
        self.from_logits = from_logits
        self.fuses_softmax = not from_logits

    def value_and_gradient(self, y_true, y_pred, gradient=True):
        """From logits (``from_logits=True``) or from softmax probabilities.

        Probabilities are turned back into logits, z = log p (a softmax of log p is p
        again), so there is one stable computation; a probability of exactly 0 gives
        an infinite loss only where the truth puts weight on it. The gradient is with
        respect to the values received (logits, or probabilities).
        """
        y_pred = self._check_pred(y_pred)
        if self.from_logits:
            return self.logits_value_and_gradient(y_true, y_pred, gradient)
        with np.errstate(divide="ignore"):
            z = np.log(y_pred)  # log 0 = −∞: that class has no chance
        loss, dz = self.logits_value_and_gradient(y_true, z, gradient)
        if not gradient:
            return loss, None
        return loss, dz / np.where(y_pred > 0, y_pred, 1)  # chain rule through z = log p: dz/dp = 1/p

    def logits_value_and_gradient(self, y_true, z, gradient=True):
        """The loss of logits z (N, ..., K) and its gradient (p − t) / (N·positions) with respect to z."""
        z = self._check_pred(z)
        K = z.shape[-1]
        loss, cache = self._forward(z.reshape(-1, K), self._targets(y_true, z.shape))  # (N·positions, K)
        return loss, self._backward(1.0, cache).reshape(z.shape) if gradient else None

    def _check_pred(self, y_pred):
        y_pred = as_real_array("y_pred", y_pred, func=self.name)
        if y_pred.ndim < 2:
            raise ValueError(
                f"{self.name} expects predictions with a class axis last, (N, K) or (N, ..., K); "
                f"received y_pred.shape={y_pred.shape}."
            )
        return y_pred

    def predicted_class(self, y_pred):
        """The class each output position says: argmax over the last axis (logits or probabilities)."""
        return np.argmax(y_pred, axis=-1)


class SparseCategoricalCrossentropy(_Crossentropy):
    """Cross-entropy with integer labels t: loss = −mean log p[t] (Keras' sparse_categorical_crossentropy).

    Parameters
    ----------
    from_logits : bool
        Whether the model's outputs are logits (no softmax at the end) rather
        than probabilities.
    """

    name = "sparse_categorical_crossentropy"

    @staticmethod
    def _forward(z, labels):
        return sparse_categorical_crossentropy_forward(z, labels)

    @staticmethod
    def _backward(dloss, cache):
        return sparse_categorical_crossentropy_backward(dloss, cache)

    def _targets(self, y_true, pred_shape):
        labels = np.asarray(y_true)
        if labels.shape != pred_shape[:-1]:
            raise ValueError(
                f"{self.name} expects one label per output position, labels of shape {pred_shape[:-1]} "
                f"for outputs of shape {pred_shape}; received {labels.shape}."
            )
        return labels.reshape(-1)

    def true_class(self, y_true):
        return np.asarray(y_true)


class CategoricalCrossentropy(_Crossentropy):
    """Cross-entropy with one-hot (or soft) targets: loss = −mean Σ_k t[k] log p[k]."""

    name = "categorical_crossentropy"

    @staticmethod
    def _forward(z, targets):
        return categorical_crossentropy_forward(z, targets)

    @staticmethod
    def _backward(dloss, cache):
        return categorical_crossentropy_backward(dloss, cache)

    def _targets(self, y_true, pred_shape):
        return np.reshape(y_true, (-1, pred_shape[-1]))

    def true_class(self, y_true):
        return np.argmax(y_true, axis=-1)


class MeanSquaredError(Loss):
    """loss = mean of (y_pred − y_true)² over every value (Keras' mean_squared_error, "mse")."""

    name = "mean_squared_error"

    def value_and_gradient(self, y_true, y_pred, gradient=True):
        loss, cache = mean_squared_error_forward(y_pred, y_true)
        return loss, mean_squared_error_backward(1.0, cache) if gradient else None


LOSSES = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
}


def get(loss):
    """A loss object from itself or from its Keras name ("sparse_categorical_crossentropy", "mse", ...)."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]()
    raise ValueError(f"Unknown loss {loss!r}; expected one of {tuple(LOSSES)} or a loss object.")
