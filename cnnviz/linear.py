"""Fully connected layers, dropout and rescaling, vectorized, forward and backward.

A fully connected (dense) layer multiplies each sample's D inputs by a (D, units)
weight matrix and adds a bias per unit (0-based):

    y[n, o] = b[o] + Σ_{d<D} x[n, d] · w[d, o]

so ``dx = dy · wᵀ``, ``dw = xᵀ · dy`` and ``db[o] = Σ_n dy[n, o]``.

Dropout, during training only, sets each input to 0 with probability ``rate``
and scales the survivors by 1/(1 − rate), so that the expected value of every
output equals its input ("inverted dropout", as in Keras); at inference it
passes its input through unchanged.

Rescaling multiplies every value by one number and adds another,
``y = x · scale + offset`` (Keras' ``Rescaling(1/255)`` maps pixels 0..255 to 0..1);
the offset moves every value alike, so ``dx = dy · scale``.
"""

from __future__ import annotations

import numpy as np

from ._blas import matmul
from ._checks import as_real_array, check_bias, check_cache, check_grad_shape, check_ndim, check_number

__all__ = [
    "dense_backward",
    "dense_forward",
    "dropout_backward",
    "dropout_forward",
    "rescaling_backward",
    "rescaling_forward",
]


def dense_forward(x, w, b=None):
    """Fully connected layer: y = x · w + b.

    Parameters
    ----------
    x : array_like, shape (N, D)
    w : array_like, shape (D, units)
    b : array_like, shape (units,), optional

    Returns
    -------
    y : ndarray, shape (N, units)
    cache : dict

    >>> y, _ = dense_forward(np.array([[1, 2]]), np.array([[1, 0, 1], [0, 1, 1]]), np.array([0, 0, 10]))
    >>> y
    array([[ 1.,  2., 13.]])
    """
    func = "dense_forward"
    x, w = as_real_array("x", x, func=func), as_real_array("w", w, func=func)
    check_ndim("x", x, 2, "(N, D)", func=func, hint="Add a batch axis with x[None], or flatten first.")
    check_ndim("w", w, 2, "(D, units)", func=func)
    if x.shape[1] != w.shape[0]:
        raise ValueError(
            f"{func}: x has D={x.shape[1]} features (x.shape={x.shape}) but w expects D={w.shape[0]} "
            f"(w.shape={w.shape}, layout (D, units))."
        )
    dtype = np.result_type(x.dtype, w.dtype)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    b = check_bias(b, w.shape[1], dtype, func=func)
    y = matmul(x, w)  # (N, D) @ (D, units) -> (N, units)
    if b is not None:
        y += b
    return y, {"op": "dense", "x": x, "w": w, "has_bias": b is not None}


def dense_backward(dy, cache):
    """Gradients of ``dense_forward``: ``(dx (N, D), dw (D, units), db (units,) or None)``."""
    cache = check_cache(cache, "dense", func="dense_backward")
    x, w = cache["x"], cache["w"]
    dy = check_grad_shape(dy, (x.shape[0], w.shape[1]), func="dense_backward").astype(w.dtype, copy=False)
    dx = matmul(dy, w.T)  # (N, units) @ (units, D)
    dw = matmul(x.T, dy)  # (D, N) @ (N, units)
    db = dy.sum(axis=0) if cache["has_bias"] else None
    return dx, dw, db


def dropout_forward(x, rate, rng=None, training=True):
    """Inverted dropout: zero each value with probability ``rate`` and scale the rest by 1/(1 − rate).

    Parameters
    ----------
    x : array_like
    rate : float
        Fraction of the values to drop, 0 <= rate < 1.
    rng : numpy.random.Generator or int, optional
        Source of randomness, or a seed for one (a fresh unseeded one if not given).
    training : bool
        False passes ``x`` through unchanged (as a copy: the output is never the caller's array).
    """
    x = as_real_array("x", x, func="dropout_forward")
    if (
        isinstance(rate, bool)
        or not isinstance(rate, (int, float, np.integer, np.floating))
        or not 0 <= rate < 1
    ):
        raise ValueError(
            f"dropout_forward expects 0 <= rate < 1 (the fraction dropped); received rate={rate!r}."
        )
    if not training or rate == 0:
        return x.copy(), {"op": "dropout", "scale": None, "x_shape": x.shape}
    if rng is None or isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng(rng)
    elif not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"dropout_forward expects rng as a numpy.random.Generator or an int seed; received {type(rng).__name__}."
        )
    scale = (rng.random(x.shape) >= rate).astype(x.dtype) / (1 - rate)  # 0 or 1/(1 − rate)
    return x * scale, {"op": "dropout", "scale": scale, "x_shape": x.shape}


def dropout_backward(dy, cache):
    """Gradient of dropout: dy where the value was kept (times the same scale), 0 where dropped."""
    cache = check_cache(cache, "dropout", func="dropout_backward")
    dy = check_grad_shape(dy, cache["x_shape"], func="dropout_backward")
    return dy.copy() if cache["scale"] is None else dy * cache["scale"]


def rescaling_forward(x, scale, offset=0.0):
    """Every value times ``scale``, plus ``offset``: y = x · scale + offset.

    Parameters
    ----------
    x : array_like, any shape
    scale, offset : float

    Returns
    -------
    y : ndarray, the shape of x (in x's float dtype)
    cache : dict

    Examples
    --------
    >>> rescaling_forward(np.array([0, 51, 255]), scale=1 / 255)[0]
    array([0. , 0.2, 1. ])
    >>> rescaling_forward(np.array([0, 255]), scale=1 / 127.5, offset=-1)[0]   # to [-1, 1]
    array([-1.,  1.])
    """
    func = "rescaling_forward"
    x = as_real_array("x", x, func=func)
    scale, offset = check_number("scale", scale, func=func), check_number("offset", offset, func=func)
    y = x * scale + offset  # y = x·scale + offset, in x's dtype (the Python floats do not widen float32)
    return y, {"op": "rescaling", "x_shape": x.shape, "scale": scale, "dtype": x.dtype}


def rescaling_backward(dy, cache):
    """Gradient of ``rescaling_forward``: dx = dy · scale, the shape of x."""
    cache = check_cache(cache, "rescaling", func="rescaling_backward")
    dy = check_grad_shape(dy, cache["x_shape"], func="rescaling_backward").astype(cache["dtype"], copy=False)
    return dy * cache["scale"]
