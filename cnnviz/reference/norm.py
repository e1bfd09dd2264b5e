"""Batch normalization as plain loops: training mode (the batch's statistics) and inference mode.

``batchnorm`` is the notes' equation on rows (m, C). The op-named functions take
``cnnviz.norm``'s arguments in its order; their x is any (..., C), whose m = x.size / C
rows are the values each channel is normalized over.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "batchnorm",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "batchnorm_inference_backward",
    "batchnorm_inference_forward",
]


def batchnorm(x, gamma, beta, epsilon=1e-3):
    """Batch normalization in training mode, per feature c over the m rows of x.

    μ_B[c] = (1/m) Σ_k x[k, c];  σ²_B[c] = (1/m) Σ_k (x[k, c] − μ_B[c])²;
    x̂[k, c] = (x[k, c] − μ_B[c]) / √(σ²_B[c] + ε);  y[k, c] = γ[c] · x̂[k, c] + β[c].

    x : (m, C) (flatten batch, height and width of feature maps into m)
    Returns y (m, C), μ_B (C,), σ²_B (C,).
    """
    m, C = np.shape(x)
    y = np.zeros((m, C))
    mean, var = np.zeros(C), np.zeros(C)
    for c in range(C):
        for k in range(m):
            mean[c] += x[k, c] / m
        for k in range(m):
            var[c] += (x[k, c] - mean[c]) ** 2 / m
        for k in range(m):
            x_hat = (x[k, c] - mean[c]) / math.sqrt(var[c] + epsilon)
            y[k, c] = gamma[c] * x_hat + beta[c]
    return y, mean, var


def batchnorm_forward(x, gamma, beta, epsilon=1e-3):
    """``ops.batchnorm_forward``'s output: ``batchnorm`` on x's rows, in x's shape.

    x : (..., C) -> y : (..., C). The batch's μ_B and σ²_B are ``batchnorm``'s second and third values.

    >>> batchnorm_forward(np.array([[1.0], [3.0]]), gamma=[1.0], beta=[0.0], epsilon=0.0)  # μ = 2, σ² = 1
    array([[-1.],
           [ 1.]])
    """
    x = np.asarray(x, dtype=float)
    y, _, _ = batchnorm(x.reshape(-1, x.shape[-1]), gamma, beta, epsilon)  # (..., C) -> (m, C)
    return y.reshape(x.shape)  # (m, C) -> (..., C)


def batchnorm_backward(dy, x, gamma, beta, epsilon=1e-3):
    """Gradients of ``batchnorm_forward`` by the chain rule through μ_B and σ²_B (Ioffe & Szegedy, 2015).

    dx̂ = dy·γ;  dσ² = Σ_k dx̂_k (x_k − μ) · (−½)(σ² + ε)^(−3/2);
    dμ = −Σ_k dx̂_k / √(σ² + ε);  dx_k = dx̂_k / √(σ² + ε) + dσ² · 2(x_k − μ)/m + dμ/m;
    dγ = Σ_k dy_k x̂_k;  dβ = Σ_k dy_k.

    Takes dy (..., C) and then the forward's arguments (β does not change a gradient).
    Returns dx (..., C), dγ (C,), dβ (C,).
    """
    shape = np.shape(x)
    x = np.reshape(x, (-1, shape[-1]))  # (..., C) -> (m, C)
    dy = np.reshape(dy, x.shape)  # (..., C) -> (m, C)
    m, C = x.shape
    _, mean, var = batchnorm(x, gamma, np.zeros(C), epsilon)
    dx = np.zeros((m, C))
    dgamma, dbeta = np.zeros(C), np.zeros(C)
    for c in range(C):
        std = math.sqrt(var[c] + epsilon)
        dvar, dmean = 0.0, 0.0
        for k in range(m):
            dx_hat = dy[k, c] * gamma[c]
            dvar += dx_hat * (x[k, c] - mean[c]) * -0.5 * std**-3
            dmean += -dx_hat / std
            dgamma[c] += dy[k, c] * (x[k, c] - mean[c]) / std
            dbeta[c] += dy[k, c]
        for k in range(m):
            dx[k, c] = dy[k, c] * gamma[c] / std + dvar * 2 * (x[k, c] - mean[c]) / m + dmean / m
    return dx.reshape(shape), dgamma, dbeta  # (m, C) -> (..., C)


def batchnorm_inference_forward(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Batch normalization in inference mode: the moving statistics instead of the batch's.

    y[k, c] = γ[c] · (x[k, c] − moving_mean[c]) / √(moving_variance[c] + ε) + β[c].
    x : (..., C), seen as m rows (m, C). Returns y (..., C).
    """
    shape = np.shape(x)
    x = np.reshape(x, (-1, shape[-1]))  # (..., C) -> (m, C)
    m, C = x.shape
    y = np.zeros((m, C))
    for c in range(C):
        std = math.sqrt(moving_variance[c] + epsilon)
        for k in range(m):
            y[k, c] = gamma[c] * (x[k, c] - moving_mean[c]) / std + beta[c]
    return y.reshape(shape)  # (m, C) -> (..., C)


batchnorm_inference = batchnorm_inference_forward  # ops has both names: the layer's call and the op


def batchnorm_inference_backward(dy, x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Gradients of ``batchnorm_inference``: the statistics are constants, so each y[k, c] reads x[k, c] alone.

    dx[k, c] = dy[k, c] · γ[c] / √(moving_variance[c] + ε);  dγ = Σ_k dy_k x̂_k;  dβ = Σ_k dy_k.
    Takes dy (..., C) and then the forward's arguments. Returns dx (..., C), dγ (C,), dβ (C,).
    """
    shape = np.shape(x)
    x = np.reshape(x, (-1, shape[-1]))  # (..., C) -> (m, C)
    dy = np.reshape(dy, x.shape)  # (..., C) -> (m, C)
    m, C = x.shape
    dx = np.zeros((m, C))
    dgamma, dbeta = np.zeros(C), np.zeros(C)
    for c in range(C):
        std = math.sqrt(moving_variance[c] + epsilon)
        for k in range(m):
            dx[k, c] = dy[k, c] * gamma[c] / std
            dgamma[c] += dy[k, c] * (x[k, c] - moving_mean[c]) / std
            dbeta[c] += dy[k, c]
    return dx.reshape(shape), dgamma, dbeta  # (m, C) -> (..., C)
