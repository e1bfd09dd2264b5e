"""Losses: how far a model's outputs are from the truth, and the gradient that says which way to go.

Two tiers, as everywhere in cnnviz:

* op pairs on full arrays, ``*_forward(...) -> (loss, cache)`` and
  ``*_backward(dloss, cache) -> gradient``, the equations on the lines that compute them;
* Keras' loss objects (``SparseCategoricalCrossentropy``, ``CategoricalCrossentropy``,
  ``BinaryCrossentropy``, ``MeanSquaredError``, ``MeanAbsoluteError``) that a model's ``compile`` takes, by object or by name. Each is
  called as Keras calls it, ``loss(y_true, y_pred) -> float``, and gives the gradient
  with ``loss.value_and_gradient(y_true, y_pred) -> (loss, dloss/dy_pred)``.

The cross-entropies are computed from logits z (the values before the softmax):
log p = z − max(z) − log Σ exp(z − max(z)), never the log of a probability that
rounded to 0, and the gradient with respect to z is simply (p − onehot(t)) / N.
A model whose last layer ends in a softmax (a sigmoid for the binary cross-entropy)
hands its logits to the loss instead of its probabilities (``Loss.fuses``): the same
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

from ._checks import as_real_array, check_cache, check_ndim, lookup
from .activations import log_softmax

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy_backward",
    "binary_crossentropy_forward",
    "categorical_crossentropy_backward",
    "categorical_crossentropy_forward",
    "get",
    "mean_absolute_error_backward",
    "mean_absolute_error_forward",
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
    _check_not_empty(logits, func)
    labels = _check_labels(labels, logits.shape, func)
    log_p = log_softmax(logits)  # (N, K)
    rows = np.arange(len(labels))
    loss = -float(np.mean(log_p[rows, labels]))
    return loss, {"op": "sparse_categorical_crossentropy", "p": np.exp(log_p), "labels": labels}


def sparse_categorical_crossentropy_backward(dloss, cache):
    """Gradient with respect to the logits: dloss · (p − onehot(t)) / N, shape (N, K)."""
    cache = check_cache(
        cache, "sparse_categorical_crossentropy", func="sparse_categorical_crossentropy_backward"
    )
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
    _check_not_empty(logits, func)
    targets = as_real_array("targets", targets, func=func)
    if targets.shape != logits.shape:
        raise ValueError(
            f"{func} expects one-hot targets of the logits' shape {logits.shape}; received targets.shape="
            f"{targets.shape}. For integer labels use sparse_categorical_crossentropy."
        )
    log_p = log_softmax(logits)
    return -float(np.sum(targets * log_p) / len(logits)), {
        "op": "categorical_crossentropy",
        "p": np.exp(log_p),
        "targets": targets,
    }


def categorical_crossentropy_backward(dloss, cache):
    """Gradient with respect to the logits: dloss · (p − t) / N."""
    cache = check_cache(cache, "categorical_crossentropy", func="categorical_crossentropy_backward")
    p, t = cache["p"], cache["targets"]
    return (p - t) * (float(dloss) / len(p))


def mean_squared_error_forward(y_pred, y_true):
    """loss = mean over every value of (y_pred − y_true)²."""
    diff = _difference(y_pred, y_true, "mean_squared_error_forward")
    return float(np.mean(diff * diff)), {"op": "mean_squared_error", "diff": diff}


def mean_squared_error_backward(dloss, cache):
    """d loss / d y_pred = 2 (y_pred − y_true) / (number of values)."""
    cache = check_cache(cache, "mean_squared_error", func="mean_squared_error_backward")
    diff = cache["diff"]
    return diff * (2.0 * float(dloss) / diff.size)


def binary_crossentropy_forward(logits, targets):
    """Mean binary cross-entropy of targets t in [0, 1] under σ(z), from logits z of any shape.

    loss = mean of −t·log σ(z) − (1 − t)·log(1 − σ(z)), computed as
    max(z, 0) − z·t + log(1 + exp(−|z|)), which never takes the log of 0.

    >>> round(binary_crossentropy_forward(np.zeros(2), np.array([0.0, 1.0]))[0], 6)  # σ(0) = 1/2: log 2
    0.693147
    """
    func = "binary_crossentropy_forward"
    z, t = _same_shape(("logits", logits), ("targets", targets), "the logits'", func)
    each = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(each)), {"op": "binary_crossentropy", "z": z, "t": t}


def binary_crossentropy_backward(dloss, cache):
    """Gradient with respect to the logits: dloss · (σ(z) − t) / (number of values)."""
    cache = check_cache(cache, "binary_crossentropy", func="binary_crossentropy_backward")
    z, t = cache["z"], cache["t"]
    return (1 / (1 + np.exp(-z)) - t) * (float(dloss) / z.size)


def mean_absolute_error_forward(y_pred, y_true):
    """loss = mean over every value of |y_pred − y_true|."""
    diff = _difference(y_pred, y_true, "mean_absolute_error_forward")
    return float(np.mean(np.abs(diff))), {"op": "mean_absolute_error", "diff": diff}


def mean_absolute_error_backward(dloss, cache):
    """d loss / d y_pred = sign(y_pred − y_true) / (number of values) (0 where they are equal)."""
    cache = check_cache(cache, "mean_absolute_error", func="mean_absolute_error_backward")
    diff = cache["diff"]
    return np.sign(diff) * (float(dloss) / diff.size)


def _difference(y_pred, y_true, func):
    y_pred, y_true = _same_shape(("y_pred", y_pred), ("y_true", y_true), "the predictions'", func)
    return y_pred - y_true


def _same_shape(pred, truth, whose, func):
    """A prediction and its truth, each given as (name, values): float arrays of one shape, not empty."""
    (pred_name, p), (truth_name, t) = pred, truth
    p, t = as_real_array(pred_name, p, func=func), as_real_array(truth_name, t, func=func)
    if t.shape != p.shape:
        raise ValueError(
            f"{func} expects {truth_name} of {whose} shape {p.shape}; received {truth_name}.shape={t.shape}."
        )
    _check_not_empty(p, func)
    return p, t


def _check_not_empty(values, func):
    """A mean over nothing is no number: refuse an empty batch instead of returning NaN."""
    if values.size == 0:
        raise ValueError(
            f"{func} needs at least one value to average; received an empty batch of shape {values.shape}."
        )


def _check_labels(labels, logits_shape, func):
    try:
        labels = np.asarray(labels)
    except ValueError:  # rows of different lengths
        raise ValueError(
            f"{func} expects labels as one integer per sample; received a ragged list."
        ) from None
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

    Subclasses name their op pair (``forward_op(y_pred, y_true)``, ``backward_op(dloss, cache)``);
    ``fuses`` names the activation ("softmax", "sigmoid")
    whose logits a model ending in it should hand over instead (see the module's docstring).
    """

    name = "loss"
    fuses = None  # "softmax" or "sigmoid": expects probabilities, and takes the logits of that output instead
    classifies = False  # True: outputs are class scores, so "accuracy" means something
    forward_op = backward_op = None  # each loss names its op pair above

    def __call__(self, y_true, y_pred):
        return self.value_and_gradient(y_true, y_pred, gradient=False)[0]

    def value_and_gradient(self, y_true, y_pred, gradient=True):
        """``(loss, dloss/dy_pred)`` for one batch; the gradient is None with ``gradient=False``."""
        loss, cache = self.forward_op(y_pred, y_true)
        return loss, self.backward_op(1.0, cache) if gradient else None

    def __repr__(self):
        return f"{type(self).__name__}()"


class _FromLogits(Loss):
    """What every cross-entropy shares: a class score per output, read as probabilities of
    ``activation`` ("softmax", "sigmoid"), or as its logits with ``from_logits=True``."""

    classifies = True
    activation = None  # each cross-entropy names its own

    def __init__(self, from_logits=False):
        if not isinstance(from_logits, bool):
            raise TypeError(
                f"{type(self).__name__} expects from_logits=True or False; received {from_logits!r}."
            )
        self.from_logits = from_logits
        self.fuses = None if from_logits else self.activation

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class _Crossentropy(_FromLogits):
    """The part both softmax cross-entropies share: logits or probabilities, and per-position outputs."""

    activation = "softmax"

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
        loss, cache = self.forward_op(z.reshape(-1, K), self._targets(y_true, z.shape))  # (N·positions, K)
        return loss, self.backward_op(1.0, cache).reshape(z.shape) if gradient else None

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
    forward_op = staticmethod(sparse_categorical_crossentropy_forward)
    backward_op = staticmethod(sparse_categorical_crossentropy_backward)

    def _targets(self, y_true, pred_shape):
        labels = np.asarray(y_true)
        if labels.shape == pred_shape and pred_shape[-1] > 1:
            raise ValueError(
                f"{self.name} expects integer class labels of shape {pred_shape[:-1]}; received labels of "
                f"the outputs' shape {pred_shape}, which look one-hot: use loss='categorical_crossentropy', "
                "or turn them into class numbers with y.argmax(axis=-1)."
            )
        if labels.shape == (*pred_shape[:-1], 1):
            labels = labels[..., 0]  # Keras accepts labels with a trailing axis of 1
        if labels.shape != pred_shape[:-1]:
            raise ValueError(
                f"{self.name} expects one label per output position, labels of shape {pred_shape[:-1]} "
                f"for outputs of shape {pred_shape}; received {labels.shape}."
            )
        if labels.dtype.kind == "f":  # Keras takes 3.0 as class 3, but 0.7 is no class
            whole = np.isfinite(labels) & (labels == np.round(labels))
            if not whole.all():
                raise ValueError(
                    f"{self.name} expects whole class numbers as labels; received {float(labels[~whole].flat[0])!r}."
                )
            labels = labels.astype(np.int64)
        return labels.reshape(-1)

    def true_class(self, y_true):
        return np.asarray(y_true)


class CategoricalCrossentropy(_Crossentropy):
    """Cross-entropy with one-hot (or soft) targets: loss = −mean Σ_k t[k] log p[k]."""

    name = "categorical_crossentropy"
    forward_op = staticmethod(categorical_crossentropy_forward)
    backward_op = staticmethod(categorical_crossentropy_backward)

    def _targets(self, y_true, pred_shape):
        targets = np.asarray(y_true)
        if targets.shape != tuple(pred_shape):
            hint = (
                " These look like integer class labels: use loss='sparse_categorical_crossentropy', "
                "or make them one-hot with keras.utils.to_categorical(y)."
                if targets.shape == pred_shape[:-1]
                else ""
            )
            raise ValueError(
                f"{self.name} expects one-hot labels of the outputs' shape {pred_shape}; "
                f"received labels of shape {targets.shape}.{hint}"
            )
        return targets.reshape(-1, pred_shape[-1])

    def true_class(self, y_true):
        return np.argmax(y_true, axis=-1)


class BinaryCrossentropy(_FromLogits):
    """Cross-entropy of yes/no targets t ∈ [0, 1] under probabilities p = σ(z), one per output value.

    A model for two classes ends in ``Dense(1, activation="sigmoid")``; its labels are 0 or 1,
    of shape (N,) or (N, 1). As with the other cross-entropies, a sigmoid output hands over
    its logits (``fuses``), so the loss is computed without log(0).
    """

    name = "binary_crossentropy"
    activation = "sigmoid"
    forward_op = staticmethod(binary_crossentropy_forward)
    backward_op = staticmethod(binary_crossentropy_backward)

    def value_and_gradient(self, y_true, y_pred, gradient=True):
        """From logits (``from_logits=True``) or from probabilities in [0, 1]."""
        y_pred = as_real_array("y_pred", y_pred, func=self.name)
        if self.from_logits:
            return self.logits_value_and_gradient(y_true, y_pred, gradient)
        if np.any((y_pred < 0) | (y_pred > 1)):
            raise ValueError(
                f"{self.name} expects probabilities in [0, 1]; received values from {y_pred.min():.3g} to "
                f"{y_pred.max():.3g}. End the model in a sigmoid, or use from_logits=True."
            )
        with np.errstate(divide="ignore"):
            z = np.log(y_pred) - np.log1p(-y_pred)  # the logit: σ(z) = p
        loss, dz = self.logits_value_and_gradient(y_true, z, gradient)
        if not gradient:
            return loss, None
        return loss, dz / np.where(
            (y_pred > 0) & (y_pred < 1), y_pred * (1 - y_pred), 1
        )  # dz/dp = 1/(p(1 − p))

    def logits_value_and_gradient(self, y_true, z, gradient=True):
        z = as_real_array("y_pred", z, func=self.name)
        return super().value_and_gradient(self._targets(y_true, z.shape), z, gradient)  # Loss's: the op pair

    def _targets(self, y_true, pred_shape):
        t = np.asarray(y_true)
        if t.shape != pred_shape and t.shape == pred_shape[:-1] and pred_shape[-1] == 1:
            t = t[..., None]  # labels (N,) for outputs (N, 1)
        if t.shape != pred_shape:
            raise ValueError(
                f"{self.name} expects one label per output value, of shape {pred_shape}; received labels of "
                f"shape {t.shape}."
            )
        if t.dtype.kind not in "biuf" or np.any((t < 0) | (t > 1)):
            raise ValueError(f"{self.name} expects labels in [0, 1] (0 = no, 1 = yes).")
        return t

    def predicted_class(self, y_pred):
        """1 where the output says yes: p > 1/2, or a logit > 0."""
        return (np.asarray(y_pred) > (0 if self.from_logits else 0.5)).astype(int)

    def true_class(self, y_true):
        return (np.asarray(y_true) > 0.5).astype(int)


class MeanAbsoluteError(Loss):
    """loss = mean of |y_pred − y_true| over every value (Keras' mean_absolute_error, "mae")."""

    name = "mean_absolute_error"
    forward_op = staticmethod(mean_absolute_error_forward)
    backward_op = staticmethod(mean_absolute_error_backward)


class MeanSquaredError(Loss):
    """loss = mean of (y_pred − y_true)² over every value (Keras' mean_squared_error, "mse")."""

    name = "mean_squared_error"
    forward_op = staticmethod(mean_squared_error_forward)
    backward_op = staticmethod(mean_squared_error_backward)


LOSSES = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
}


def get(loss):
    """A loss object from itself or from its Keras name ("sparse_categorical_crossentropy", "mse", ...)."""
    return lookup("loss", loss, LOSSES, where="compile", base=Loss)
