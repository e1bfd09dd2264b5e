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

Speed: the m rows are worked through in blocks that fit in the CPU's cache
(``_parallel.for_blocks``), on two threads when x is large, with the per-channel
vectors repeated to the block's shape (numpy's ufuncs are about twice as fast
on operands of one shape). A block's column sums Σ_k are one product with a row
of ones, ``ones @ block`` (BLAS, held to one thread per block: three times
faster than ``np.einsum("kc->c")``).

Forward, usually two sweeps over x: one sums x and x² per block; then, when every
channel's mean is small next to its spread (μ_B² ≤ 16·σ²_B, as for activations),
σ²_B = Σx²/m − μ_B² has lost at most 4 of float32's 24 bits, and one sweep writes
y = x·(γ/√(σ²_B + ε)) + (β − μ_B·γ/√(σ²_B + ε)), two ufuncs. Otherwise (mean 10⁴,
spread 1, say) those formulas would lose every digit, and the careful way runs:
one sweep writes y = x − μ_B and sums it and its squares (small numbers now:
this corrects μ_B and gives σ²_B, as safe as the equations); one scales and
shifts y in place. Backward, two sweeps: one sums dβ = Σ dy and Σ dy·x (or
Σ dy·(x − μ_B) when the forward pass took the careful way); one writes dx. x̂ is
never stored: the cache keeps x itself (a reference, not a copy). Everything
stays in x's dtype (float32 stays float32); only the per-block partial sums (C,)
are added in float64.
"""

from __future__ import annotations

import numpy as np

from ._blas import one_thread
from ._checks import as_real_array, check_cache, check_grad_shape, tag
from ._parallel import block_rows, for_blocks

__all__ = [
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "batchnorm_inference_backward",
    "batchnorm_inference_forward",
]


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
        ``cache["mean"]`` and ``cache["var"]`` (C,) are μ_B and the biased σ²_B;
        ``cache["x"]`` is x itself (not a copy): change x before the backward pass
        and the gradients are wrong.

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
    m, row_bytes = len(x2), 2 * x2[:1].nbytes  # each block reads x and writes one array
    if m == 0:
        raise ValueError(
            f"batchnorm_forward needs at least one value per channel; received x.shape={x.shape}."
        )

    rows = block_rows(m, row_bytes)  # rows per block
    ones = np.ones(rows, x2.dtype)  # ones[:n] @ block = the block's column sums Σ_k
    y = np.empty_like(x2)  # (m, C)

    def sums(k):  # Σ_k x[k, c] and Σ_k x[k, c]² over the rows k (y's rows as scratch)
        n = k.stop - k.start
        return ones[:n] @ x2[k], ones[:n] @ np.square(x2[k], out=y[k])

    with one_thread():
        mean, squares = _add_blocks(for_blocks(sums, m, row_bytes), np.float64) / m
    # a channel whose mean is large next to its spread would lose its digits in E[x²] − μ²
    careful = not (mean**2 <= 16 * (squares - mean**2)).all()
    if careful:  # y = x − μ_B first (small numbers), then its statistics
        rough = mean.astype(x2.dtype)  # μ_B but for rounding in the sums of large values
        rough_rows = _repeat_rows(rough, rows)

        def center(k):  # rows k of y = x − rough; returns their Σ (x − rough) and Σ (x − rough)²
            n = k.stop - k.start
            np.subtract(x2[k], rough_rows[:n], out=y[k])
            return ones[:n] @ y[k], np.einsum("kc,kc->c", y[k], y[k])

        with one_thread():  # shift = mean of x − rough ≈ 0: the rounding in rough
            shift, squares = _add_blocks(for_blocks(center, m, row_bytes), x2.dtype) / m
        mean = rough + shift  # μ_B[c], shape (C,)
        # σ²_B[c] = mean of (x − rough)² − (μ_B − rough)², biased; both terms small
        var = squares - shift**2
    else:
        var = squares - mean**2  # σ²_B = Σx²/m − μ_B², in float64, with μ_B² ≤ 16·σ²_B
        mean = shift = mean.astype(x2.dtype)  # nothing subtracted from x yet: rough = 0, shift = μ_B
    var = np.maximum(var, 0).astype(x2.dtype)  # rounding must not make a constant channel's σ²_B negative
    if epsilon == 0 and not var.all():
        raise ValueError(
            f"batchnorm_forward: channel(s) {np.flatnonzero(var == 0).tolist()} hold one value across the "
            "batch (variance 0), and with epsilon=0, x̂ = (x − μ)/√0 is 0/0. That is what ε is for: use "
            "epsilon > 0 (Keras: 1e-3)."
        )
    inv_std = 1.0 / np.sqrt(var + epsilon)  # 1 / √(σ²_B + ε), shape (C,)
    scale = gamma * inv_std
    scale_rows, beta_rows = (_repeat_rows(v, rows) for v in (scale, beta - shift * scale))
    source = y if careful else x2  # careful: y holds x − rough already

    def scale_and_shift(k):  # rows k of y = source·γ/√(σ²_B + ε) + β − (μ_B − rough)·γ/√(σ²_B + ε)
        n = k.stop - k.start  # (rough = 0 on the usual way: then y = γ·(x − μ_B)/√(σ²_B + ε) + β)
        np.multiply(source[k], scale_rows[:n], out=y[k])
        y[k] += beta_rows[:n]

    for_blocks(scale_and_shift, m, row_bytes)
    cache = {
        "op": "batchnorm",
        "x_shape": x.shape,
        "x": x2,  # a reference, not a copy: backward recomputes x̂ from it block by block
        "inv_std": inv_std,
        "gamma": gamma,
        "mean": mean,
        "var": var,
        "epsilon": epsilon,
        "careful": careful,  # whether backward must center x before multiplying it with dy
    }
    return y.reshape(x.shape), cache  # (m, C) -> x's shape


def batchnorm_backward(dy, cache):
    """Gradients of ``batchnorm_forward``.

    Returns
    -------
    dx : ndarray, shape like x
    dgamma, dbeta : ndarray, shape (C,)
    """
    cache = check_cache(cache, "batchnorm", func="batchnorm_backward")
    x2, mean, inv_std, gamma = cache["x"], cache["mean"], cache["inv_std"], cache["gamma"]
    dy = check_grad_shape(dy, cache["x_shape"], func="batchnorm_backward").astype(x2.dtype, copy=False)
    dy2 = dy.reshape(x2.shape)  # (m, C)
    m, row_bytes = len(dy2), 3 * dy2[:1].nbytes  # each block reads dy and x, writes one array
    rows = block_rows(m, row_bytes)
    ones = np.ones(rows, x2.dtype)  # ones[:n] @ block = the block's column sums Σ_k
    careful = cache["careful"]  # mean large next to spread: x − μ_B first, as in the forward pass
    center = mean if careful else np.zeros_like(mean)  # (C,): what x is measured from
    center_rows = _repeat_rows(center, rows)
    dx = np.empty_like(dy2)  # (m, C)

    def x_from_center(k, out):  # rows k of x − center, into out when careful (else x itself, center 0)
        return np.subtract(x2[k], center_rows[: k.stop - k.start], out=out) if careful else x2[k]

    def sums(k):  # Σ dy and Σ dy · (x − center) over the rows k (dx's rows as scratch)
        n = k.stop - k.start
        return ones[:n] @ dy2[k], ones[:n] @ np.multiply(dy2[k], x_from_center(k, dx[k]), out=dx[k])

    with one_thread():
        dbeta, dy_x = _add_blocks(for_blocks(sums, m, row_bytes), np.float64)  # dβ = Σ dy
    dy_centered = dy_x - (mean - center) * dbeta  # Σ dy·(x − μ_B) = Σ dy·(x − center) − (μ_B − center)·Σ dy
    dgamma = (dy_centered * inv_std).astype(x2.dtype)  # dγ = Σ dy · x̂ = Σ dy · (x − μ_B) / √(σ²_B + ε)
    # dx = γ/√(σ²_B + ε) · (dy − (dβ + x̂·dγ)/m) = scale · (dy − (x − center)·slope + offset) per channel,
    # with slope = dγ/(m·√(σ²_B + ε)) and offset = (μ_B − center)·slope − dβ/m
    slope = inv_std * dgamma / m
    slope_rows, offset_rows, scale_rows = (
        _repeat_rows(v.astype(x2.dtype), rows)
        for v in (slope, (mean - center) * slope - dbeta / m, gamma * inv_std)
    )

    def input_gradient(k):  # rows k of dx
        n = k.stop - k.start
        np.multiply(x_from_center(k, dx[k]), slope_rows[:n], out=dx[k])  # (x − center)·slope
        np.subtract(dy2[k], dx[k], out=dx[k])
        dx[k] += offset_rows[:n]
        dx[k] *= scale_rows[:n]  # dx = γ/√(σ²_B + ε) · (dy − (x − center)·slope + offset)

    for_blocks(input_gradient, m, row_bytes)
    return dx.reshape(dy.shape), dgamma, dbeta.astype(x2.dtype)  # (m, C) -> x's shape


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
    if not (moving_variance + epsilon > 0).all():
        raise ValueError(
            f"{func} expects moving_variance >= 0 (a variance), with moving_variance + epsilon > 0; received "
            f"moving_variance={moving_variance.tolist()} and epsilon={epsilon}."
        )
    return gamma * (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta


def batchnorm_inference_forward(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3):
    """``batchnorm_inference`` with a cache, for ``batchnorm_inference_backward``.

    Returns ``(y, cache)``: y as ``batchnorm_inference`` gives it. A gradient through
    inference mode is what a saliency map needs (``cnnviz.inside.saliency``): which input
    pixels move a trained network's class score.

    >>> y, cache = batchnorm_inference_forward(np.array([[4.0]]), np.ones(1), np.zeros(1), np.array([2.0]), np.array([4.0]), 0.0)
    >>> y, cache["op"]
    (array([[1.]]), 'batchnorm_inference')
    """
    y = batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon)
    x, gamma, _ = _check(x, gamma, beta, "batchnorm_inference_forward")
    inv_std = 1.0 / np.sqrt(np.asarray(moving_variance, x.dtype) + x.dtype.type(epsilon))
    cache = tag("batchnorm_inference", x=x, gamma=gamma, mean=np.asarray(moving_mean, x.dtype), inv_std=inv_std)
    return y, cache


def batchnorm_inference_backward(dy, cache):
    """Gradients of ``batchnorm_inference_forward``: the statistics are fixed numbers here.

    In inference mode each channel is a fixed scale and shift, y = γ·x̂ + β with
    x̂ = (x − moving_mean)/√(moving_variance + ε), so nothing flows through a batch's
    mean and variance (training mode's two extra terms are absent):

        dx = dy · γ / √(moving_variance + ε),   dγ = Σ dy · x̂,   dβ = Σ dy

    >>> _, cache = batchnorm_inference_forward(np.array([[4.0], [6.0]]), np.array([3.0]), np.zeros(1), np.array([2.0]), np.array([4.0]), 0.0)
    >>> batchnorm_inference_backward(np.ones((2, 1)), cache)
    (array([[1.5],
           [1.5]]), array([3.]), array([2.]))
    """
    cache = check_cache(cache, "batchnorm_inference", func="batchnorm_inference_backward")
    x, gamma, mean, inv_std = cache["x"], cache["gamma"], cache["mean"], cache["inv_std"]
    dy = check_grad_shape(dy, x.shape, func="batchnorm_inference_backward").astype(x.dtype, copy=False)
    sum_axes = tuple(range(x.ndim - 1))  # every axis but the channels
    dbeta = dy.sum(axis=sum_axes)
    dgamma = (dy * (x - mean)).sum(axis=sum_axes) * inv_std
    return dy * (gamma * inv_std), dgamma, dbeta


def _repeat_rows(v, n):
    """v (C,) repeated as n rows (n, C): a block-shaped operand.

    numpy's ufuncs run about twice as fast on two operands of one shape as on a (C,)
    vector broadcast over the rows, so each block's per-channel arithmetic uses these.
    """
    return np.tile(v, (n, 1))


def _add_blocks(parts, dtype):
    """Add up per-block partial sums in float64: [a_b, ...] -> Σ_b a_b; [(a_b, b_b), ...] -> (Σ a_b, Σ b_b)."""
    return np.sum(np.array(parts, np.float64), axis=0).astype(dtype)


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
