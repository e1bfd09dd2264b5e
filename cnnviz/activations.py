"""Activations and the classification loss, with their gradients.

* ReLU: φ(x) = max(x, 0); its gradient passes dy where x > 0 and blocks it elsewhere.
* Softmax over the last axis: p[k] = exp(z[k]) / Σ_j exp(z[j]), computed after
  subtracting max(z), which leaves p unchanged but keeps exp from overflowing.
* Sparse categorical cross-entropy from logits z and integer labels t:
  loss = −(1/N) Σ_n log p[n, t_n], with log p computed as
  z − max(z) − log Σ exp(z − max(z)) (never log of a rounded-to-zero p).
  Its gradient with respect to the logits is (p − onehot(t)) / N.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_grad_shape, check_ndim


def relu_forward(x):
    """ReLU, φ(x) = max(x, 0), elementwise.

    >>> relu_forward(np.array([-2.0, 0.0, 3.0]))[0]
    array([0., 0., 3.])
    """
    x = as_real_array("x", x, func="relu_forward")
    return np.maximum(x, 0), {"positive": x > 0}


def relu_backward(dy, cache):
    """Gradient of ReLU: dy where the input was positive, 0 elsewhere."""
    positive = cache["positive"]
    dy = check_grad_shape(dy, positive.shape, func="relu_backward")
    return np.where(positive, dy, 0)


def sigmoid_forward(x):
    """σ(x) = 1 / (1 + exp(−x)), elementwise, computed without overflow for large |x|.

    >>> sigmoid_forward(np.array([0.0]))[0]
    array([0.5])
    """
    x = as_real_array("x", x, func="sigmoid_forward")
    e = np.exp(-np.abs(x))  # never overflows
    y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return y, {"y": y}


def sigmoid_backward(dy, cache):
    """dσ/dx = σ(x)·(1 − σ(x))."""
    y = cache["y"]
    return check_grad_shape(dy, y.shape, func="sigmoid_backward") * y * (1 - y)


def tanh_forward(x):
    """tanh(x), elementwise."""
    y = np.tanh(as_real_array("x", x, func="tanh_forward"))
    return y, {"y": y}


def tanh_backward(dy, cache):
    """d tanh(x)/dx = 1 − tanh(x)²."""
    y = cache["y"]
    return check_grad_shape(dy, y.shape, func="tanh_backward") * (1 - y * y)


def log_softmax(z, axis=-1):
    """log p = z − max(z) − log Σ exp(z − max(z)), without overflow."""
    z = as_real_array("z", z, func="log_softmax")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z, axis=-1):
    """Probabilities p = exp(z) / Σ exp(z) along ``axis`` (each row sums to 1).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    return np.exp(log_softmax(z, axis=axis))


def softmax_forward(z):
    """Softmax over the last axis, with a cache for ``softmax_backward``."""
    p = softmax(z)
    return p, {"p": p}


def softmax_backward(dp, cache):
    """dz = p · (dp − Σ_k dp[k] p[k]), the softmax Jacobian applied to dp."""
    p = cache["p"]
    dp = check_grad_shape(dp, p.shape, func="softmax_backward")
    return p * (dp - np.sum(dp * p, axis=-1, keepdims=True))


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
