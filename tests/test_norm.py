"""Batch normalization (cnnviz.norm): vectorized == reference loops, hand examples, and its defining properties."""

import contextlib

import numpy as np
import pytest
from _helpers import EXACT, blocks_on_two_threads
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops
from cnnviz import reference as ref

# --- batch normalization: vectorized == reference ------------------------------------------------


BATCHNORM_TOL = {  # vectorized vs reference loops (which run in float64)
    np.float64: {"rtol": 1e-9, "atol": 1e-9},
    np.float32: {"rtol": 1e-4, "atol": 1e-4},
}
DX_TOL = {  # dx = γ/√(σ²_B + ε) · (dy − (dβ + x̂·dγ)/m) cancels: with m = 2 and ε = 1e-5, float32 keeps ~3 digits
    np.float64: BATCHNORM_TOL[np.float64],
    np.float32: {"rtol": 5e-3, "atol": 1e-4},
}


def check_batchnorm_against_reference(shape, epsilon, seed, dtype):
    """batchnorm forward (y, mean, var) and backward (dx, dgamma, dbeta) equal the reference loops."""
    rng = np.random.default_rng(seed)
    C = shape[-1]
    x = (rng.normal(size=shape) * 3 + 2).astype(dtype)
    gamma, beta, dy = (rng.normal(size=size).astype(dtype) for size in (C, C, shape))
    y, cache = ops.batchnorm_forward(x, gamma, beta, epsilon)
    tol = EXACT if dtype == np.float64 else BATCHNORM_TOL[dtype]
    np.testing.assert_allclose(y, ref.batchnorm_forward(x, gamma, beta, epsilon), **tol)
    _, mean_ref, var_ref = ref.batchnorm(x.reshape(-1, C), gamma, beta, epsilon)  # μ_B, σ²_B of the m rows
    np.testing.assert_allclose(cache["mean"], mean_ref, **tol)
    np.testing.assert_allclose(cache["var"], var_ref, **tol)
    dx, dgamma, dbeta = ops.batchnorm_backward(dy, cache)
    dx_ref, dgamma_ref, dbeta_ref = ref.batchnorm_backward(dy, x, gamma, beta, epsilon)
    np.testing.assert_allclose(dx, dx_ref, **DX_TOL[dtype])
    np.testing.assert_allclose(dgamma, dgamma_ref, **tol)
    np.testing.assert_allclose(dbeta, dbeta_ref, **tol)
    assert all(a.dtype == dtype for a in (y, cache["mean"], cache["var"], dx, dgamma, dbeta))


def check_batchnorm_inference_against_reference(shape, epsilon, seed, dtype):
    """Inference mode's forward and backward (fixed statistics) equal the reference loops."""
    rng = np.random.default_rng(seed)
    C = shape[-1]
    x = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    gamma, beta, mean = (rng.normal(size=C).astype(dtype) for _ in range(3))
    var = rng.uniform(0, 4, size=C).astype(dtype)
    args = (x, gamma, beta, mean, var, epsilon)
    y, cache = ops.batchnorm_inference_forward(*args)
    np.testing.assert_array_equal(y, ops.batchnorm_inference(*args))
    dy = rng.normal(size=shape).astype(dtype)
    dx, dgamma, dbeta = ops.batchnorm_inference_backward(dy, cache)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y, ref.batchnorm_inference_forward(*args), **tol)
    for got, want in zip((dx, dgamma, dbeta), ref.batchnorm_inference_backward(dy, *args), strict=True):
        np.testing.assert_allclose(got, want, **tol)
    assert all(a.dtype == dtype for a in (y, dx, dgamma, dbeta))


BATCHNORM_SHAPES = [(2, 3), (5, 1), (7, 4), (2, 3, 3, 2), (1, 4, 5, 3), (3, 1, 1, 2)]
BATCHNORM_CHECKS = {
    "training": check_batchnorm_against_reference,
    "inference": check_batchnorm_inference_against_reference,
}


@pytest.mark.parametrize("mode", BATCHNORM_CHECKS)
@given(
    shape=st.sampled_from(BATCHNORM_SHAPES),
    epsilon=st.sampled_from([1e-3, 1e-5, 0.1]),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
)
@settings(max_examples=40)
def test_batchnorm_matches_reference(mode, shape, epsilon, seed, dtype):
    """Training mode (the batch's statistics) and inference mode (the moving ones): forward and
    backward equal the reference loops, in float64 and float32."""
    BATCHNORM_CHECKS[mode](shape, epsilon, seed, dtype)


@given(
    shape=st.sampled_from(BATCHNORM_SHAPES),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
    block_bytes=st.sampled_from([1, 100, 300]),
)
@settings(max_examples=60)
def test_batchnorm_on_two_threads_matches_reference(shape, seed, dtype, block_bytes):
    """Blocks of one or a few rows of (m, C), shared by two threads, sums combined: the same."""
    with blocks_on_two_threads(block_bytes):
        check_batchnorm_against_reference(shape, 1e-3, seed, dtype)


def test_batchnorm_float32_statistics_survive_a_large_mean(rng):
    """float32, mean 10⁴ and spread 1: the variance comes from x − μ_B, never from E[x²] − E[x]²
    (which would lose every digit here), on one thread and on two."""
    x = (rng.normal(size=(32, 16, 16, 4)) + 1e4).astype(np.float32)
    x64 = x.astype(np.float64)  # the same values, for exact statistics
    for split in (contextlib.nullcontext(), blocks_on_two_threads()):
        with split:
            y, cache = ops.batchnorm_forward(x, np.ones(4, np.float32), np.zeros(4, np.float32))
        np.testing.assert_allclose(cache["mean"], x64.mean(axis=(0, 1, 2)), rtol=1e-7)  # float32's rounding
        np.testing.assert_allclose(cache["var"], x64.var(axis=(0, 1, 2)), rtol=1e-4)
        np.testing.assert_allclose(y.astype(np.float64).mean(axis=(0, 1, 2)), 0, atol=1e-4)


# --- batch normalization properties --------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(8, 3), (4, 5, 6, 3), (2, 3, 3, 1)], ids=["(N, F)", "(N, H, W, C)", "one_channel"]
)
def test_batchnorm_training_gives_mean_0_variance_1(rng, shape):
    """γ = 1, β = 0, small ε: every channel has mean ≈ 0 and variance ≈ 1 over all axes but the last."""
    C = shape[-1]
    x = rng.normal(size=shape) * rng.uniform(0.5, 5, size=C) + rng.uniform(-10, 10, size=C)
    y, _ = ops.batchnorm_forward(x, np.ones(C), np.zeros(C), epsilon=1e-8)
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-10)
    np.testing.assert_allclose(y.var(axis=axes), 1, rtol=1e-6)


def test_batchnorm_statistics_are_per_channel_over_batch_height_width(rng):
    """cache["mean"] / cache["var"] are the batch mean and the biased variance (ddof=0) per channel."""
    x = rng.normal(size=(3, 4, 5, 2)) * [1.0, 4.0] + [0.0, -3.0]
    _, cache = ops.batchnorm_forward(x, np.ones(2), np.zeros(2))
    np.testing.assert_allclose(cache["mean"], x.mean(axis=(0, 1, 2)), **EXACT)
    np.testing.assert_allclose(cache["var"], np.var(x, axis=(0, 1, 2), ddof=0), **EXACT)
    assert not np.allclose(cache["var"], np.var(x, axis=(0, 1, 2), ddof=1))  # not the unbiased one
    _, cache2 = ops.batchnorm_forward(x.reshape(-1, 2), np.ones(2), np.zeros(2))  # (m, C) gives the same
    np.testing.assert_allclose(cache2["mean"], cache["mean"], **EXACT)
    np.testing.assert_allclose(cache2["var"], cache["var"], **EXACT)


def test_batchnorm_gamma_and_beta_scale_and_shift(rng):
    """y = γ·x̂ + β per channel."""
    x = rng.normal(size=(6, 2))
    x_hat, _ = ops.batchnorm_forward(x, np.ones(2), np.zeros(2))
    y, _ = ops.batchnorm_forward(x, [2.0, -1.0], [0.5, 3.0])
    np.testing.assert_allclose(y, x_hat * [2.0, -1.0] + [0.5, 3.0], **EXACT)


def test_batchnorm_inference_uses_the_moving_statistics(rng):
    """Inference normalizes with moving_mean / moving_variance, not with the batch's statistics."""
    x = rng.normal(size=(4, 3, 3, 2)) * 2 + 5
    gamma, beta = np.array([1.5, 0.5]), np.array([0.0, 1.0])
    moving_mean, moving_variance = np.array([1.0, -2.0]), np.array([4.0, 0.25])
    y = ops.batchnorm_inference(x, gamma, beta, moving_mean, moving_variance, epsilon=1e-3)
    np.testing.assert_allclose(y, gamma * (x - moving_mean) / np.sqrt(moving_variance + 1e-3) + beta, **EXACT)
    y_train, _ = ops.batchnorm_forward(x, gamma, beta, epsilon=1e-3)
    assert not np.allclose(y, y_train)
    # with the batch's own statistics as the moving ones, inference equals training mode
    _, cache = ops.batchnorm_forward(x, gamma, beta, epsilon=1e-3)
    y_same = ops.batchnorm_inference(x, gamma, beta, cache["mean"], cache["var"], epsilon=1e-3)
    np.testing.assert_allclose(y_same, y_train, **EXACT)


def test_batchnorm_inference_is_per_sample(rng):
    """In inference mode each sample's output depends on that sample alone."""
    x = rng.normal(size=(5, 3))
    args = (np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    y_all = ops.batchnorm_inference(x, *args)
    y_one = ops.batchnorm_inference(x[2:3], *args)
    np.testing.assert_allclose(y_one, y_all[2:3], **EXACT)


def test_batch_of_one_training_gives_beta_inference_is_sensible():
    """One sample: training mode has zero variance and returns β; inference uses the moving statistics."""
    x = np.array([[4.0, -1.0]])
    gamma, beta = np.array([2.0, 3.0]), np.array([0.5, -0.5])
    y_train, _ = ops.batchnorm_forward(x, gamma, beta, epsilon=1e-3)
    np.testing.assert_array_equal(y_train, [[0.5, -0.5]])
    y = ops.batchnorm_inference(x, gamma, beta, np.array([2.0, 1.0]), np.array([1.0, 4.0]), epsilon=0.0)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(
        y, [[2.0 * (4 - 2) / 1 + 0.5, 3.0 * (-1 - 1) / 2 - 0.5]], **EXACT
    )  # [[4.5, -3.5]]


def test_epsilon_prevents_division_by_zero_for_a_constant_channel():
    """A constant channel (variance 0) gives β, and finite gradients, thanks to ε."""
    x = np.stack([np.full((2, 3, 3), 7.0), np.arange(18.0).reshape(2, 3, 3)], axis=-1)  # channel 0 constant
    y, cache = ops.batchnorm_forward(x, np.array([2.0, 1.0]), np.array([0.25, 0.0]), epsilon=1e-3)
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y[..., 0], 0.25)
    grads = ops.batchnorm_backward(np.ones_like(y), cache)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_batchnorm_does_not_mutate_inputs(rng):
    """batchnorm forward, backward and inference leave their arguments alone."""
    x, gamma, beta, dy = (
        rng.normal(size=(4, 3)),
        rng.normal(size=3),
        rng.normal(size=3),
        rng.normal(size=(4, 3)),
    )
    copies = [a.copy() for a in (x, gamma, beta, dy)]
    _, cache = ops.batchnorm_forward(x, gamma, beta)
    ops.batchnorm_backward(dy, cache)
    ops.batchnorm_inference(x, gamma, beta, np.zeros(3), np.ones(3))
    for original, copy in zip((x, gamma, beta, dy), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_batchnorm_keeps_float32(rng):
    """float32 in, float32 out."""
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y, cache = ops.batchnorm_forward(x, np.ones(3), np.zeros(3))
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in ops.batchnorm_backward(np.ones_like(y), cache))


# --- hand examples -------------------------------------------------------------------------------


def test_batchnorm_mean_and_biased_variance():
    """x = [1, 3, 5, 7]: mean 4, biased variance (9 + 1 + 1 + 9)/4 = 5 (not 20/3)."""
    x = np.array([[1.0], [3.0], [5.0], [7.0]])
    y, cache = ops.batchnorm_forward(x, np.ones(1), np.zeros(1), epsilon=0.0)
    np.testing.assert_array_equal(cache["mean"], [4.0])
    np.testing.assert_array_equal(cache["var"], [5.0])
    np.testing.assert_allclose(y[:, 0], np.array([-3, -1, 1, 3]) / np.sqrt(5), rtol=1e-15)  # (x − 4)/√5


def test_batchnorm_exact_output():
    """x = [1, 1, 5, 5]: mean 3, variance 4, σ = 2, x̂ = [−1, −1, 1, 1]; γ = 2, β = 1 -> [−1, −1, 3, 3]."""
    x = np.array([[1.0], [1.0], [5.0], [5.0]])
    y, cache = ops.batchnorm_forward(x, np.array([2.0]), np.array([1.0]), epsilon=0.0)
    np.testing.assert_array_equal(cache["mean"], [3.0])
    np.testing.assert_array_equal(cache["var"], [4.0])
    np.testing.assert_array_equal(y[:, 0], [-1, -1, 3, 3])
    # backward with dy = x̂: dβ = Σ dy = 0, dγ = Σ x̂·x̂ = 4, dx = γ/(m·σ)·(m·dy − dβ − x̂·dγ) = 2/8·(4x̂ − 0 − 4x̂) = 0
    dx, dgamma, dbeta = ops.batchnorm_backward(np.array([[-1.0], [-1.0], [1.0], [1.0]]), cache)
    np.testing.assert_array_equal(dgamma, [4.0])
    np.testing.assert_array_equal(dbeta, [0.0])
    np.testing.assert_array_equal(dx[:, 0], [0, 0, 0, 0])


def test_batchnorm_inference_hand_example():
    """Inference: γ·(x − moving_mean)/√(moving_variance + ε) + β = 1·(4 − 2)/√4 + 0 = 1."""
    y = ops.batchnorm_inference(
        np.array([[4.0]]), np.ones(1), np.zeros(1), np.array([2.0]), np.array([4.0]), 0.0
    )
    np.testing.assert_array_equal(y, [[1.0]])
