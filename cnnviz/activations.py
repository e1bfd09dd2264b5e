"""Activations, with their gradients (the losses are in ``cnnviz.losses``).

* ReLU: φ(x) = max(x, 0); its gradient passes dy where x > 0 and blocks it elsewhere.
* Leaky ReLU: φ(x) = x where x > 0 and a·x elsewhere (a, the negative slope, >= 0); its
  gradient passes dy where x > 0 and a·dy elsewhere, so a = 0 is ReLU, forward and backward.
* Softmax over the last axis: p[k] = exp(z[k]) / Σ_j exp(z[j]), computed after
  subtracting max(z), which leaves p unchanged but keeps exp from overflowing.
* Sigmoid σ(x) = 1 / (1 + exp(−x)) and tanh, elementwise.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_cache, check_grad_shape, check_number

__all__ = [
    "leaky_relu_backward",
    "leaky_relu_forward",
    "log_softmax",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "tanh_backward",
    "tanh_forward",
]


def relu_forward(x):
    """ReLU, φ(x) = max(x, 0), elementwise.

    >>> relu_forward(np.array([-2.0, 0.0, 3.0]))[0]
    array([0., 0., 3.])
    """
    x = as_real_array("x", x, func="relu_forward")
    # max(x, 0) taken against zeros of x's shape: numpy's maximum runs about twice as fast on
    # two operands of one shape as against the number 0 (measured on 1-3 MB feature maps)
    return np.maximum(x, np.zeros_like(x)), {"op": "relu", "positive": x > 0}


def relu_backward(dy, cache):
    """Gradient of ReLU: dy where the input was positive, 0 elsewhere."""
    cache = check_cache(cache, "relu", func="relu_backward")
    positive = cache["positive"]
    dy = check_grad_shape(dy, positive.shape, func="relu_backward")
    # dx = dy · 1[x > 0], as a product: np.where(positive, dy, 0) gives the same numbers but
    # branches on every sign, which takes ten times longer when the signs look random
    dx = dy * positive
    dx += 0.0  # a negative dy times 0 is −0.0; adding 0.0 makes it 0.0, as np.where has it
    return dx


def leaky_relu_forward(x, negative_slope):
    """Leaky ReLU, elementwise: φ(x) = x where x > 0, negative_slope · x elsewhere.

    Parameters
    ----------
    x : array_like, any shape
    negative_slope : float
        a >= 0, the slope for x <= 0 (Keras' ``LeakyReLU`` layer defaults to 0.3). With
        a = 0 this is ReLU.

    Returns
    -------
    y : ndarray, the shape of x
    cache : dict

    Examples
    --------
    >>> leaky_relu_forward(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]), negative_slope=0.5)[0]
    array([-5. , -2.5,  0. ,  5. , 10. ])
    """
    func = "leaky_relu_forward"
    x = as_real_array("x", x, func=func)
    a = check_number("negative_slope", negative_slope, func=func, minimum=0)
    positive = x > 0
    y = np.where(positive, x, a * x)  # φ(x) = x if x > 0 else a·x
    return y, {"op": "leaky_relu", "positive": positive, "negative_slope": a}


def leaky_relu_backward(dy, cache):
    """Gradient of leaky ReLU: dx = dy where x > 0, negative_slope · dy elsewhere (at x = 0 too)."""
    cache = check_cache(cache, "leaky_relu", func="leaky_relu_backward")
    positive = cache["positive"]
    dy = check_grad_shape(dy, positive.shape, func="leaky_relu_backward")
    return np.where(positive, dy, cache["negative_slope"] * dy)  # dφ/dx = 1 if x > 0 else a


def sigmoid_forward(x):
    """σ(x) = 1 / (1 + exp(−x)), elementwise, computed without overflow for large |x|.

    >>> sigmoid_forward(np.array([0.0]))[0]
    array([0.5])
    """
    x = as_real_array("x", x, func="sigmoid_forward")
    e = np.exp(-np.abs(x))  # never overflows
    y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return y, {"op": "sigmoid", "y": y}


def sigmoid_backward(dy, cache):
    """dσ/dx = σ(x)·(1 − σ(x))."""
    cache = check_cache(cache, "sigmoid", func="sigmoid_backward")
    y = cache["y"]
    return check_grad_shape(dy, y.shape, func="sigmoid_backward") * y * (1 - y)


def tanh_forward(x):
    """tanh(x), elementwise."""
    y = np.tanh(as_real_array("x", x, func="tanh_forward"))
    return y, {"op": "tanh", "y": y}


def tanh_backward(dy, cache):
    """d tanh(x)/dx = 1 − tanh(x)²."""
    cache = check_cache(cache, "tanh", func="tanh_backward")
    y = cache["y"]
    return check_grad_shape(dy, y.shape, func="tanh_backward") * (1 - y * y)


def log_softmax(z, axis=-1):
    """log p = z − max(z) − log Σ exp(z − max(z)), without overflow."""
    z = as_real_array("z", z, func="log_softmax")
    if (
        isinstance(axis, bool)
        or not isinstance(axis, (int, np.integer))
        or not -z.ndim <= axis < max(z.ndim, 1)
    ):
        raise ValueError(
            f"softmax expects axis as a whole number from {-z.ndim} to {z.ndim - 1} for z of shape {z.shape}; "
            f"received axis={axis!r}."
        )
    if z.shape[axis] == 0:
        raise ValueError(f"softmax needs at least one value along axis {axis}; received z.shape={z.shape}.")
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
    return p, {"op": "softmax", "p": p}


def softmax_backward(dp, cache):
    """dz = p · (dp − Σ_k dp[k] p[k]), the softmax Jacobian applied to dp."""
    cache = check_cache(cache, "softmax", func="softmax_backward")
    p = cache["p"]
    dp = check_grad_shape(dp, p.shape, func="softmax_backward")
    return p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
