"""Pooling and batch normalization: vectorized == reference loops, and their defining properties."""

import contextlib
import re
import threading

import numpy as np
import pytest
from _helpers import EXACT, blocks_on_two_threads, distinct_values
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import _parallel, ops
from cnnviz import reference as ref

# --- pooling: vectorized == reference -----------------------------------------------------------


@st.composite
def pool_axis(draw, form):
    """One axis: (L, pool K, stride S or None, padding entry)."""
    L = draw(st.integers(1, 7))
    if form == "int_or_pair":
        K = draw(st.integers(2, L + 2))
        before, after = draw(st.integers(0, K - 1)), draw(st.integers(0, K - 1))
        K = min(K, L + before + after)  # the window must fit the padded input
        before, after = min(before, K - 1), min(after, K - 1)
        return L, K, draw(st.integers(1, 3)), (before, after)
    K = draw(st.integers(1, L if form == "valid" else L + 2))
    return L, K, draw(st.integers(1, 3)), form


@st.composite
def pool_setups(draw):
    """A valid pooling call: x (N, H, W, C), pool_size, strides (None = pool_size), padding."""
    form = draw(st.sampled_from(["valid", "same", "int_or_pair"]))
    (H, PH, Sh, ph), (W, PW, Sw, pw) = draw(pool_axis(form)), draw(pool_axis(form))
    if form == "int_or_pair":
        if ph[0] == ph[1] and pw[0] == pw[1] and ph[0] == pw[0]:
            padding = ph[0]  # one int for every side
        else:
            padding = (ph, pw)
    else:
        padding = form
    strides = draw(st.sampled_from([None, (Sh, Sw)]))
    return {
        "x_shape": (draw(st.integers(1, 2)), H, W, draw(st.integers(1, 3))),
        "pool_size": (PH, PW) if PH != PW else PH,
        "strides": strides,
        "padding": padding,
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def check_pool_against_reference(kind, setup, x=None):
    """Forward y and backward dx of max/avg pooling equal the reference loops."""
    rng = np.random.default_rng(setup["seed"])
    if x is None:
        x = rng.normal(size=setup["x_shape"])
    name = f"{kind}_pool2d"
    args = (x, setup["pool_size"], setup["strides"], setup["padding"])
    y, cache = getattr(ops, f"{name}_forward")(*args)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(*args), **EXACT)
    assert y.shape[-1] == x.shape[-1]  # pooling keeps the depth
    dy = rng.normal(size=y.shape)
    dx_ref = getattr(ref, f"{name}_backward")(dy, *args)
    np.testing.assert_allclose(getattr(ops, f"{name}_backward")(dy, cache), dx_ref, **EXACT)


@given(pool_setups(), st.sampled_from(["max", "avg"]))
@settings(max_examples=60)
def test_pool2d_matches_reference(setup, kind):
    """Random valid pooling configurations: vectorized == reference, forward and backward."""
    check_pool_against_reference(kind, setup)


POOL_CASES = {
    "2x2_default_strides": dict(x_shape=(2, 4, 6, 2), pool_size=2),
    "overlapping_3_stride1": dict(x_shape=(1, 5, 5, 1), pool_size=3, strides=1),
    "overlapping_3_stride2": dict(x_shape=(2, 7, 6, 3), pool_size=3, strides=2),
    "stride_gt_pool": dict(x_shape=(1, 7, 8, 2), pool_size=2, strides=3),
    "non_square_pool_and_strides": dict(x_shape=(2, 5, 7, 1), pool_size=(2, 3), strides=(1, 2)),
    "same_padding": dict(x_shape=(2, 5, 7, 2), pool_size=2, padding="same"),
    "same_padding_overlapping": dict(x_shape=(1, 5, 4, 2), pool_size=3, strides=2, padding="same"),
    "int_padding_lt_pool": dict(x_shape=(2, 4, 5, 2), pool_size=3, strides=2, padding=1),
    "per_side_padding": dict(x_shape=(1, 5, 5, 1), pool_size=3, strides=2, padding=((0, 2), (1, 0))),
    "pool_equals_input": dict(x_shape=(2, 4, 5, 3), pool_size=(4, 5)),
    "batch_of_one_1x1": dict(x_shape=(1, 3, 3, 1), pool_size=1),
}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", POOL_CASES)
def test_pool2d_matches_reference_on_grid(kind, name):
    """Each named pooling configuration: vectorized == reference."""
    setup = {"strides": None, "padding": "valid", "seed": 3, **POOL_CASES[name]}
    check_pool_against_reference(kind, setup)


def test_max_pool_ties_agree_with_reference():
    """On ties the first cell of the window in row-major order gets the gradient, as in the reference."""
    setup = {"x_shape": (1, 5, 5, 2), "pool_size": 3, "strides": 1, "padding": 1, "seed": 0}
    x = np.ones(setup["x_shape"])  # every cell ties
    check_pool_against_reference("max", setup, x)
    y, cache = ops.max_pool2d_forward(np.ones((1, 4, 4, 1)))
    dx = ops.max_pool2d_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])


@st.composite
def tiling_pool_setups(draw):
    """Windows side by side that cover x exactly (S = pool size, no padding, H and W multiples
    of it): the case where max-pool backward writes each input cell once."""
    PH, PW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = PH * draw(st.integers(1, 3)), PW * draw(st.integers(1, 3))
    return {
        "x_shape": (draw(st.integers(1, 3)), H, W, draw(st.integers(1, 3))),
        "pool_size": (PH, PW) if PH != PW else PH,
        "strides": draw(st.sampled_from([None, (PH, PW)])),
        "padding": draw(st.sampled_from(["valid", 0])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def check_max_pool_bit_for_bit(setup, dtype, ties):
    """Max-pool == reference loops exactly: y, every window's winner (argmax) and dx, in x's dtype.

    ``ties`` draws x from {0, 1, 2}, so that most windows hold several maxima and the first
    one in reading order must win.
    """
    rng = np.random.default_rng(setup["seed"])
    shape = setup["x_shape"]
    x = (rng.integers(0, 3, shape) if ties else rng.normal(size=shape)).astype(dtype)
    y, cache = ops.max_pool2d_forward(x, setup["pool_size"], setup["strides"], setup["padding"])
    (PH, PW), (Sh, Sw), _, _, pads = cache["geometry"]
    for n in range(len(x)):
        y_ref, winners = ref.max_pool_with_winners(x[n], (PH, PW), (Sh, Sw), pads)
        np.testing.assert_array_equal(y[n], y_ref)
        argmax_ref = np.zeros(y_ref.shape, int)
        for (i, j, c), (r, s) in winners.items():
            argmax_ref[i, j, c] = (r - i * Sh) * PW + (s - j * Sw)  # tap u·PW + v of the winning cell
        np.testing.assert_array_equal(cache["argmax"][n], argmax_ref)
    dy = rng.normal(size=y.shape).astype(dtype)
    dx = ops.max_pool2d_backward(dy, cache)
    assert y.dtype == dx.dtype == dtype
    dx_ref = ref.max_pool2d_backward(dy, x, setup["pool_size"], setup["strides"], setup["padding"])  # float64
    if Sh >= PH and Sw >= PW:
        np.testing.assert_array_equal(dx, dx_ref)  # windows apart: each dx is one dy or 0
    else:  # overlapping windows add gradients, in another order than the reference
        np.testing.assert_allclose(
            dx, dx_ref, **(EXACT if dtype == np.float64 else {"rtol": 1e-6, "atol": 1e-6})
        )


@given(tiling_pool_setups(), st.sampled_from([np.float32, np.float64]), st.booleans())
@settings(max_examples=60)
def test_max_pool_windows_that_tile_x_match_reference(setup, dtype, ties):
    """S = pool size, no padding, H and W multiples of it: bit for bit the reference, winners included."""
    check_max_pool_bit_for_bit(setup, dtype, ties)


@given(
    st.one_of(pool_setups(), tiling_pool_setups()),
    st.sampled_from([np.float32, np.float64]),
    st.booleans(),
)
@settings(max_examples=60)
def test_max_pool_on_two_threads_matches_reference(setup, dtype, ties):
    """Every pooling configuration, one image per block, blocks shared by two threads: the same."""
    setup = {**setup, "x_shape": (3, *setup["x_shape"][1:])}  # 3 blocks: 2 on one thread, 1 on the other
    with blocks_on_two_threads():
        check_max_pool_bit_for_bit(setup, dtype, ties)


def test_for_blocks_visits_every_row_once_in_order():
    """for_blocks: consecutive blocks, results in block order; large work uses two threads."""
    n = 8  # rows of at least a block each, and enough of them to use two threads:
    row_bytes = max(_parallel.BLOCK_BYTES, _parallel.PARALLEL_BYTES // n)
    results = _parallel.for_blocks(lambda rows: (rows, threading.get_ident()), n, row_bytes)
    assert [rows for rows, _ in results] == [slice(k, k + 1) for k in range(n)]
    assert len({thread for _, thread in results}) == _parallel.WORKERS
    assert results[0][1] == threading.get_ident()  # the caller's thread does the first half
    small = _parallel.for_blocks(lambda rows: (rows, threading.get_ident()), n, row_bytes=4)
    assert small == [(slice(0, n), threading.get_ident())]  # small work: one block, this thread


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(pool_size=2),
        dict(pool_size=3, strides=1),
        dict(pool_size=2, strides=3),
        dict(pool_size=3, strides=2, padding="same"),
        dict(pool_size=3, padding=(2, 0)),
    ],
    ids=["2_default", "overlapping", "stride_gt_pool", "same", "per_side"],
)
def test_pool1d_matches_reference(rng, kind, kwargs):
    """1D pooling equals the reference's (the 2D loops on a one-row image), forward and backward."""
    name = f"{kind}_pool1d"
    x = rng.normal(size=(2, 8, 3))
    y, cache = getattr(ops, f"{name}_forward")(x, **kwargs)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x, **kwargs), **EXACT)
    dy = rng.normal(size=y.shape)
    dx_ref = getattr(ref, f"{name}_backward")(dy, x, **kwargs)
    np.testing.assert_allclose(getattr(ops, f"{name}_backward")(dy, cache), dx_ref, **EXACT)


# --- pooling properties -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_strides_default_to_pool_size(rng, kind):
    """strides=None means windows side by side: the same as strides=pool_size."""
    forward = getattr(ops, f"{kind}_pool2d_forward")
    x = rng.normal(size=(2, 7, 9, 2))
    np.testing.assert_array_equal(forward(x, (2, 3))[0], forward(x, (2, 3), (2, 3))[0])
    assert forward(x, (2, 3))[0].shape == (2, 3, 3, 2)
    np.testing.assert_array_equal(
        ops.max_pool1d_forward(x[:, 0], 3)[0], ops.max_pool1d_forward(x[:, 0], 3, 3)[0]
    )


@pytest.mark.parametrize("padding", ["same", 1, ((1, 1), (0, 1))])
def test_padded_cells_never_win_the_max(rng, padding):
    """With an all-negative input and padding, no output is 0 (zero padding) or −∞ (a padded winner)."""
    x = -rng.uniform(1, 2, size=(2, 5, 5, 3))
    y, cache = ops.max_pool2d_forward(x, 2, 2, padding)
    assert cache["geometry"][4] != ((0, 0), (0, 0))
    assert np.all(np.isfinite(y)) and np.all(y < 0)
    dx = ops.max_pool2d_backward(np.ones_like(y), cache)
    assert dx.sum() == y.size  # every gradient landed on a real cell
    y1, _ = ops.max_pool1d_forward(x[:, 0], 2, 2, "same")
    assert np.all(np.isfinite(y1)) and np.all(y1 < 0)


def test_avg_pool_does_not_count_padded_cells():
    """Average pooling of a constant input is that constant everywhere, even in padded windows."""
    y, _ = ops.avg_pool2d_forward(np.full((1, 5, 5, 2), 3.0), 3, 2, "same")
    np.testing.assert_array_equal(y, np.full(y.shape, 3.0))


@given(pool_setups())
@settings(max_examples=40)
def test_output_depth_equals_input_depth(setup):
    """Pooling acts on each channel separately: C stays C (ERRATA 9)."""
    x = np.zeros(setup["x_shape"])
    for forward in (ops.max_pool2d_forward, ops.avg_pool2d_forward):
        y, _ = forward(x, setup["pool_size"], setup["strides"], setup["padding"])
        assert y.ndim == 4 and y.shape[0] == x.shape[0] and y.shape[3] == x.shape[3]


def check_max_routes_to_window_max(x, pool, strides, padding):
    """For each output cell, a one-hot dy there sends exactly 1 to that window's maximum."""
    y, cache = ops.max_pool2d_forward(x, pool, strides, padding)
    (pt, _), (pl, _) = cache["geometry"][4]
    PH, PW = cache["geometry"][0]
    Sh, Sw = cache["geometry"][1]
    for n, i, j, c in np.ndindex(y.shape):
        dy = np.zeros_like(y)
        dy[n, i, j, c] = 1.0
        dx = ops.max_pool2d_backward(dy, cache)
        rows, cols = np.nonzero(dx[n, :, :, c])
        assert len(rows) == 1 and dx.sum() == 1.0
        r, s = rows[0], cols[0]
        assert x[n, r, s, c] == y[n, i, j, c]  # it went to the maximum ...
        assert (
            i * Sh - pt <= r < i * Sh - pt + PH and j * Sw - pl <= s < j * Sw - pl + PW
        )  # ... of this window


@pytest.mark.parametrize(
    ("pool", "strides", "padding"),
    [(2, None, "valid"), (3, 1, "valid"), (3, 2, 1), ((2, 3), (1, 2), "same"), (2, 3, "valid")],
    ids=["2x2", "overlapping_stride1", "overlapping_padded", "non_square_same", "stride_gt_pool"],
)
def test_max_pool_backward_routes_each_dy_to_its_window_max(rng, pool, strides, padding):
    """Max-pool backward: each dy goes to the maximum of its own window."""
    check_max_routes_to_window_max(distinct_values(rng, (2, 5, 6, 2)), pool, strides, padding)


@pytest.mark.parametrize(
    ("pool", "strides", "padding", "overlapping"),
    [
        (2, None, "valid", False),
        (3, None, "same", False),
        (3, 1, "valid", True),
        (3, 2, 1, True),
        ((2, 3), (1, 2), "same", True),
    ],
)
def test_max_pool_backward_preserves_the_sum(rng, pool, strides, padding, overlapping):
    """Σ dx = Σ dy; without overlap dx holds exactly the dy values at the window maxima."""
    x = distinct_values(rng, (2, 6, 6, 3))
    y, cache = ops.max_pool2d_forward(x, pool, strides, padding)
    dy = rng.normal(size=y.shape)
    dx = ops.max_pool2d_backward(dy, cache)
    np.testing.assert_allclose(dx.sum(), dy.sum(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx.sum(axis=(1, 2)), dy.sum(axis=(1, 2)), rtol=1e-12, atol=1e-12)
    if not overlapping:
        np.testing.assert_array_equal(np.sort(dx[dx != 0]), np.sort(dy.ravel()))
        np.testing.assert_array_equal(x[dx != 0].size, y.size)
        np.testing.assert_array_equal(np.sort(x[dx != 0]), np.sort(y.ravel()))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_does_not_mutate_inputs(rng, kind):
    """Pooling forward and backward leave x and dy alone."""
    x = rng.normal(size=(2, 5, 5, 2))
    x_copy = x.copy()
    y, cache = getattr(ops, f"{kind}_pool2d_forward")(x, 3, 2, 1)
    dy = rng.normal(size=y.shape)
    dy_copy = dy.copy()
    getattr(ops, f"{kind}_pool2d_backward")(dy, cache)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dy, dy_copy)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_keeps_float32(rng, kind):
    """float32 in, float32 out (forward and backward), like convolution and batchnorm."""
    x = rng.normal(size=(1, 4, 4, 2)).astype(np.float32)
    y, cache = getattr(ops, f"{kind}_pool2d_forward")(x)
    assert y.dtype == np.float32
    assert getattr(ops, f"{kind}_pool2d_backward")(np.ones_like(y), cache).dtype == np.float32


# --- pooling errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("forward", [ops.max_pool2d_forward, ops.avg_pool2d_forward])
@pytest.mark.parametrize(("pool", "padding"), [(2, 2), (3, 3), (2, ((0, 0), (2, 0))), (3, (1, 4))])
def test_padding_at_least_pool_size_is_refused(forward, pool, padding):
    """Padding >= pool size would leave windows with no input cell: ValueError naming the pool size."""
    with pytest.raises(ValueError, match=re.escape(f"smaller than the pool size K={pool}")):
        forward(np.ones((1, 6, 6, 1)), pool, 1, padding)


@pytest.mark.parametrize("forward", [ops.max_pool1d_forward, ops.avg_pool1d_forward])
def test_padding_at_least_pool_size_is_refused_1d(forward):
    """The 1D check speaks of the length axis."""
    with pytest.raises(ValueError, match=r"along length .* pool size K=2"):
        forward(np.ones((1, 6, 1)), 2, 1, (0, 2))


# --- batch normalization: vectorized == reference -----------------------------------------------


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


# --- batch normalization properties -------------------------------------------------------------


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


def test_global_max_pool_over_a_large_map():
    """A window of more than 32,767 cells (global max-pooling of a 182×182 map) finds and routes the max."""
    n = 182  # 182² = 33,124 taps
    x = np.zeros((1, n, n, 1))
    x[0, n - 1, n - 2, 0] = 1.0
    y, cache = ops.max_pool2d_forward(x, n)
    np.testing.assert_array_equal(y, [[[[1.0]]]])
    dx = ops.max_pool2d_backward(np.full((1, 1, 1, 1), 5.0), cache)
    np.testing.assert_array_equal(np.argwhere(dx[0, :, :, 0]), [[n - 1, n - 2]])
    assert dx.sum() == 5.0


@settings(max_examples=60)
@given(
    data=st.data(),
    K=st.integers(1, 3),
    S=st.integers(1, 3),
    P=st.integers(0, 1),
)
def test_max_pool_with_nan_agrees_with_the_reference(data, K, S, P):
    """NaN's rule, one for fast and reference: a window holding NaN gives NaN, and its first NaN
    (in reading order) gets the gradient, as in PyTorch."""
    P = min(P, K - 1)
    H = data.draw(st.integers(K, 6))
    x = data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, np.nan]), min_size=H * H * 2, max_size=H * H * 2))
    x = np.array(x).reshape(1, H, H, 2)
    y, cache = ops.max_pool2d_forward(x, K, S, P)
    np.testing.assert_array_equal(y, ref.max_pool2d_forward(x, K, S, P))  # NaN == NaN here
    dy = np.arange(1.0, y.size + 1).reshape(y.shape)
    np.testing.assert_array_equal(ops.max_pool2d_backward(dy, cache), ref.max_pool2d_backward(dy, x, K, S, P))
