"""Activations as plain loops, one value (or one row, for softmax) at a time, any shape.

Each function takes ``cnnviz.activations``' arguments in its order; a ``*_backward`` takes
dy and then the forward's arguments.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax_backward",
    "softmax_forward",
    "tanh_backward",
    "tanh_forward",
]


def relu_forward(x):
    """φ(x) = x if x > 0, else 0."""
    return leaky_relu_forward(x, 0.0)


def relu_backward(dy, x):
    """dx = dy where x > 0, else 0 (at x = 0 too)."""
    return leaky_relu_backward(dy, x, 0.0)


def leaky_relu_forward(x, negative_slope):
    """φ(x) = x if x > 0, else negative_slope · x; one value at a time, any shape."""
    x = np.asarray(x, dtype=float)
    y = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        y[idx] = x[idx] if x[idx] > 0 else negative_slope * x[idx]
    return y


def leaky_relu_backward(dy, x, negative_slope):
    """dx = dy · dφ/dx, with dφ/dx = 1 where x > 0 and negative_slope elsewhere (at x = 0 too)."""
    dx = np.zeros(np.shape(x))
    for idx in np.ndindex(dx.shape):
        slope = 1.0 if x[idx] > 0 else negative_slope  # dφ/dx at x[idx]
        dx[idx] = slope * dy[idx]
    return dx


def sigmoid_forward(x):
    """σ(x) = 1 / (1 + e^(−x)); one value at a time."""
    x = np.asarray(x, dtype=float)
    y = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        y[idx] = 1 / (1 + math.exp(-x[idx])) if x[idx] >= 0 else math.exp(x[idx]) / (1 + math.exp(x[idx]))
    return y


def sigmoid_backward(dy, x):
    """dx = dy · σ(x) · (1 − σ(x))."""
    y = sigmoid_forward(x)
    dx = np.zeros(y.shape)
    for idx in np.ndindex(y.shape):
        dx[idx] = dy[idx] * y[idx] * (1 - y[idx])
    return dx


def tanh_forward(x):
    """tanh(x); one value at a time."""
    x = np.asarray(x, dtype=float)
    y = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        y[idx] = math.tanh(x[idx])
    return y


def tanh_backward(dy, x):
    """dx = dy · (1 − tanh(x)²)."""
    y = tanh_forward(x)
    dx = np.zeros(y.shape)
    for idx in np.ndindex(y.shape):
        dx[idx] = dy[idx] * (1 - y[idx] ** 2)
    return dx


def softmax_forward(z):
    """p[..., k] = e^(z[..., k] − M) / Σ_j e^(z[..., j] − M) over the last axis, M the row's maximum.

    >>> softmax_forward([0.0, math.log(3.0)])
    array([0.25, 0.75])
    """
    z = np.asarray(z, dtype=float)
    p = np.zeros(z.shape)
    for row in np.ndindex(z.shape[:-1]):
        M = max(z[row])  # subtracting the maximum changes nothing but keeps e^(...) <= 1
        total = sum(math.exp(z[row][j] - M) for j in range(z.shape[-1]))
        for k in range(z.shape[-1]):
            p[row][k] = math.exp(z[row][k] - M) / total
    return p


def softmax_backward(dp, z):
    """dz[..., k] = p[..., k] · (dp[..., k] − Σ_j dp[..., j] p[..., j]), row by row."""
    p = softmax_forward(z)
    dz = np.zeros(p.shape)
    for row in np.ndindex(p.shape[:-1]):
        dot = sum(dp[row][j] * p[row][j] for j in range(p.shape[-1]))
        for k in range(p.shape[-1]):
            dz[row][k] = p[row][k] * (dp[row][k] - dot)
    return dz
