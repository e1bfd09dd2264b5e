"""Pooling (cnnviz.pool): vectorized == reference loops, hand examples, and its defining properties."""

import re
import threading

import numpy as np
import pytest
from _helpers import EXACT, POOL1D_CASES, blocks_on_two_threads, distinct_values
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import _parallel, ops
from cnnviz import reference as ref

# --- pooling: vectorized == reference ------------------------------------------------------------


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
@pytest.mark.parametrize("case", POOL1D_CASES)
def test_pool1d_matches_reference(rng, kind, case):
    """1D pooling equals the reference's (the 2D loops on a one-row image), forward and backward."""
    name, kwargs = f"{kind}_pool1d", POOL1D_CASES[case]
    x = rng.normal(size=(2, 8, 3))
    y, cache = getattr(ops, f"{name}_forward")(x, **kwargs)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x, **kwargs), **EXACT)
    dy = rng.normal(size=y.shape)
    dx_ref = getattr(ref, f"{name}_backward")(dy, x, **kwargs)
    np.testing.assert_allclose(getattr(ops, f"{name}_backward")(dy, cache), dx_ref, **EXACT)


# --- pooling properties --------------------------------------------------------------------------


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


# --- pooling errors ------------------------------------------------------------------------------


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


# --- global-size windows and NaN ----------------------------------------------------------------


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


# --- hand examples -------------------------------------------------------------------------------

GRID = np.array(
    [
        [1, 5, 2, 0],
        [3, 4, 8, 1],
        [0, 2, 6, 7],
        [9, 1, 3, 2],
    ]
).reshape(1, 4, 4, 1)


def test_max_pool_2x2():
    """2×2 max-pooling, stride 2, of a 4×4 grid."""
    # top-left max(1, 5, 3, 4) = 5; top-right max(2, 0, 8, 1) = 8
    # bottom-left max(0, 2, 9, 1) = 9; bottom-right max(6, 7, 3, 2) = 7
    y, cache = ops.max_pool2d_forward(GRID)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 8], [9, 7]])
    # backward: each dy goes to its window's maximum: 1 -> the 5, 2 -> the 8, 3 -> the 9, 4 -> the 7
    dx = ops.max_pool2d_backward(np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 4], [3, 0, 0, 0]])


def test_avg_pool_2x2():
    """2×2 average pooling, stride 2, of the same grid."""
    # (1 + 5 + 3 + 4)/4 = 3.25; (2 + 0 + 8 + 1)/4 = 2.75; (0 + 2 + 9 + 1)/4 = 3; (6 + 7 + 3 + 2)/4 = 4.5
    y, cache = ops.avg_pool2d_forward(GRID)
    np.testing.assert_array_equal(y[0, :, :, 0], [[3.25, 2.75], [3.0, 4.5]])
    # backward: each dy is shared by the four cells of its window: 4/4 = 1 each
    dx = ops.avg_pool2d_backward(np.full((1, 2, 2, 1), 4.0), cache)
    np.testing.assert_array_equal(dx, np.ones((1, 4, 4, 1)))


def test_avg_pool_same_padding_counts_only_real_cells():
    """3×3 grid 0..8, pool 2, stride 2, "same": pads (0, 1) per axis; padded cells are left out of the mean."""
    x = np.arange(9).reshape(1, 3, 3, 1)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    # ⌈3/2⌉ = 2 windows per axis; total padding (2 − 1)·2 + 2 − 3 = 1, after
    # (0 + 1 + 3 + 4)/4 = 2; (2 + 5)/2 = 3.5; (6 + 7)/2 = 6.5; 8/1 = 8
    y, _ = ops.avg_pool2d_forward(x, 2, padding="same")
    np.testing.assert_array_equal(y[0, :, :, 0], [[2, 3.5], [6.5, 8]])


def test_max_pool_keeps_channels_apart():
    """Each channel is pooled on its own: channel 1 = −channel 0 gives max and −min."""
    x = np.concatenate([GRID, -GRID], axis=-1)  # (1, 4, 4, 2)
    y, _ = ops.max_pool2d_forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 8], [9, 7]])
    np.testing.assert_array_equal(y[0, :, :, 1], [[-1, 0], [0, -2]])  # −min of each window
