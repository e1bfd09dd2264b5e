"""Batch normalization, vectorized: training mode, inference mode, backward.

Statistics are taken per feature, over the m values of that feature in the
mini-batch (ERRATA 11). The feature is the last axis: for a dense layer's
activations (N, F) that is over the N samples; for a convolutional layer's
feature maps (N, H, W, C) it is per channel over batch, height and width
(m = N·H·W), like Keras' ``BatchNormalization(axis=-1)``.

For each channel c (index k runs over the m values of that channel):

    μ_B[c]  = (1/m) Σ_k x[k, c]                       the mean
    σ²_B[c] = (1/m) Σ_k (x[k, c] − μ_B[c])²           the biased variance (divide by m)
    x̂[k, c] = (x[k, c] − μ_B[c]) / √(σ²_B[c] + ε)
    y[k, c] = γ[c] · x̂[k, c] + β[c]

ε keeps the division finite when a channel is constant; Keras uses 1e-3, PyTorch
1e-5, the notes suggest 1e-4 (ERRATA 12). At inference time the batch's
statistics are replaced by moving averages collected during training.

Backward (with dy the upstream gradient, sums over the m values of a channel):

    dβ = Σ dy,   dγ = Σ dy · x̂,   dx = γ / (m·√(σ²_B + ε)) · (m·dy − dβ − x̂ · dγ)
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_grad_shape


def batchnorm_forward(x, gamma, beta, epsilon=1e-3):
    """Normalize with the batch's own statistics (training mode).

    Parameters
    ----------
    x : array_like, shape (..., C)
        Activations; every axis but the last is averaged over (m values per channel).
    gamma, beta : array_like, shape (C,)
        Learned scale γ and shift β.
    epsilon : float
        ε, added to the variance.

    Returns
    -------
    y : ndarray, shape like x
    cache : dict
        ``cache["mean"]`` and ``cache["var"]`` (C,) are μ_B and the biased σ²_B.

    Examples
    --------
    Two samples, one feature: mean 2, variance 1, so x̂ = [−1, 1] (up to ε).

    >>> y, cache = batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1), epsilon=0.0)
    >>> y[:, 0], cache["mean"], cache["var"]
    (array([-1.,  1.]), array([2.]), array([1.]))
    """
    x, gamma, beta = _check(x, gamma, beta, "batchnorm_forward")
    epsilon = _check_epsilon(epsilon, "batchnorm_forward")
    x2 = x.reshape(-1, x.shape[-1])  # (m, C): every axis but the channels flattened into m
    m = x2.shape[0]
    mean = _column_sums(x2) / m  # μ_B[c], shape (C,)
    centered = x2 - mean  # x − μ_B, (m, C)
    var = np.einsum("kc,kc->c", centered, centered) / m  # σ²_B[c], biased (divide by m)
    inv_std = 1.0 / np.sqrt(var + epsilon)  # 1 / √(σ²_B + ε), shape (C,)
    x_hat = np.multiply(centered, inv_std, out=centered)  # (m, C), reusing the buffer
    y = x_hat * gamma
    y += beta
    y = y.reshape(x.shape)
    cache = {
        "x_shape": x.shape,
        "x_hat": x_hat,
        "inv_std": inv_std,
        "gamma": gamma,
        "mean": mean,
        "var": var,
        "epsilon": epsilon,
    }
    return y, cache


def batchnorm_backward(dy, cache):
    """Gradients of ``batchnorm_forward``.

    Returns
    -------
    dx : ndarray, shape like x
    dgamma, dbeta : ndarray, shape (C,)
    """
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dy = check_grad_shape(dy, cache["x_shape"], func="batchnorm_backward").astype(x_hat.dtype, copy=False)
    dy2 = dy.reshape(x_hat.shape)  # (m, C)
    m = dy2.shape[0]  # values per channel
    dbeta = _column_sums(dy2)  # Σ dy
    dgamma = np.einsum("kc,kc->c", dy2, x_hat)  # Σ dy · x̂
    dx = x_hat * dgamma  # dx = γ / (m·√(σ²_B + ε)) · (m·dy − dβ − x̂·dγ), built in place
    np.subtract(m * dy2, dx, out=dx)
    dx -= dbeta
    dx *= gamma * inv_std / m
    dx = dx.reshape(dy.shape)
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """Normalize with fixed (moving) statistics instead of the batch's: inference mode.

    ``y = γ · (x − moving_mean) / √(moving_variance + ε) + β``, per channel;
    each sample's output depends on that sample alone.

    >>> batchnorm_inference(np.array([[4.0]]), np.ones(1), np.zeros(1), np.array([2.0]), np.array([4.0]), 0.0)
    array([[1.]])
    """
    func = "batchnorm_inference"
    x, gamma, beta = _check(x, gamma, beta, func)
    moving_mean = _per_channel("moving_mean", moving_mean, x, func)
    moving_variance = _per_channel("moving_variance", moving_variance, x, func)
    epsilon = _check_epsilon(epsilon, func)
    return gamma * (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta


def _column_sums(a):
    """Σ over the rows of an (m, C) array, as a matrix-vector product (fast, multi-threaded BLAS)."""
    return np.ones(a.shape[0], dtype=a.dtype) @ a


def _check(x, gamma, beta, func):
    x = as_real_array("x", x, func=func)
    if x.ndim < 2:
        raise ValueError(
            f"{func} expects x with a batch axis and a feature axis, (N, C) or (N, H, W, C); "
            f"received x.shape={x.shape}."
        )
    return x, _per_channel("gamma", gamma, x, func), _per_channel("beta", beta, x, func)


def _per_channel(name, value, x, func):
    value = as_real_array(name, value, func=func)
    C = x.shape[-1]
    if value.shape != (C,):
        raise ValueError(
            f"{func} expects one {name} per channel, {name}.shape=({C},) for x.shape={x.shape}; "
            f"received {name}.shape={value.shape}."
        )
    return value.astype(x.dtype, copy=False)


def _check_epsilon(epsilon, func):
    if not np.isscalar(epsilon) or not np.isreal(epsilon) or not epsilon >= 0:
        raise ValueError(
            f"{func} expects epsilon >= 0 (a small number such as 1e-3); received epsilon={epsilon!r}."
        )
    return float(epsilon)
