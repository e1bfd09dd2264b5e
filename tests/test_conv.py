"""Convolution: the vectorized core (cnnviz.ops) equals the reference loops, forward and backward."""

import math
import threading

import numpy as np
import pytest
from _helpers import (
    CONV_PATHS,
    CONV_SPLITS,
    EXACT,
    check_weighted_op_against_reference,
    check_without_input_gradient,
    conv_path,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import _windows, ops, sizes
from cnnviz import reference as ref

# --- strategies ---------------------------------------------------------------------------------


def _max_kernel(L, before, after, D, cap=5):
    """The largest K whose dilated extent D·(K−1)+1 fits in the padded length L + before + after."""
    return max(1, min(cap, (L + before + after - 1) // D + 1))


@st.composite
def axis_setups(draw, form, P=None):
    """One spatial axis: (L, K, S, D, padding entry), with K chosen so that the window fits."""
    L = draw(st.integers(1, 7))
    D = draw(st.sampled_from([1, 1, 2]))
    S = draw(st.sampled_from([1, 1, 2, 3]))  # stride 1 often: it has its own dx code path
    if form in ("valid", "same"):
        pad, before, after = form, 0, 0
    elif form == "per_side":
        before, after = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        pad = (before, after)
    else:  # "int" (one P for every axis, given) or "per_axis" (one P per axis, drawn here)
        before = after = pad = draw(st.integers(0, 4)) if P is None else P
    K = draw(st.integers(1, L + 2 if form == "same" else _max_kernel(L, before, after, D)))
    return L, K, S, D, pad


@st.composite
def conv2d_setups(draw):
    """A valid conv2d call: x (N, H, W, C), w (KH, KW, C, F), bias or not, strides, padding, dilation."""
    form = draw(st.sampled_from(["valid", "same", "int", "per_axis", "per_side"]))
    P = draw(st.integers(0, 4)) if form == "int" else None
    axes = [draw(axis_setups(form, P)) for _ in range(2)]
    if form in ("valid", "same", "int"):
        padding = axes[0][4]  # one value for both axes
    else:
        padding = (axes[0][4], axes[1][4])  # (P_h, P_w) or ((top, bottom), (left, right))
    (H, KH, Sh, Dh, _), (W, KW, Sw, Dw, _) = axes
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {
        "x_shape": (N, H, W, C),
        "w_shape": (KH, KW, C, F),
        "bias": draw(st.booleans()),
        "strides": (Sh, Sw) if Sh != Sw or draw(st.booleans()) else Sh,
        "padding": padding,
        "dilation_rate": (Dh, Dw) if Dh != Dw or draw(st.booleans()) else Dh,
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


@st.composite
def conv1d_setups(draw):
    """A valid conv1d call: x (N, L, C), w (K, C, F)."""
    form = draw(st.sampled_from(["valid", "same", "int", "per_side"]))
    L, K, S, D, pad = draw(axis_setups(form))
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {
        "x_shape": (N, L, C),
        "w_shape": (K, C, F),
        "bias": draw(st.booleans()),
        "strides": S,
        "padding": pad,
        "dilation_rate": D,
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _arrays(setup):
    """A generator seeded by the setup, and x, w, b (b None when the setup has no bias)."""
    rng = np.random.default_rng(setup["seed"])
    x = rng.normal(size=setup["x_shape"])
    w = rng.normal(size=setup["w_shape"])
    b = rng.normal(size=setup["w_shape"][-1]) if setup["bias"] else None
    return rng, x, w, b


def _call(setup):
    """The keyword arguments strides, padding and dilation_rate of a setup."""
    return {k: setup[k] for k in ("strides", "padding", "dilation_rate")}


# --- explicit grids (they pin what the strategies are expected to reach) -----------------------

CONV2D_CASES = {
    "pad0_stride1": dict(x_shape=(2, 5, 5, 2), w_shape=(3, 3, 2, 3)),
    "stride_lt_kernel_overlapping": dict(x_shape=(1, 7, 7, 1), w_shape=(3, 3, 1, 2), strides=2),
    "stride_gt_kernel": dict(x_shape=(2, 7, 8, 2), w_shape=(2, 2, 2, 1), strides=3),
    "non_square_mixed_strides": dict(x_shape=(1, 4, 7, 3), w_shape=(2, 3, 3, 2), strides=(1, 2)),
    "kernel_equals_input": dict(x_shape=(2, 4, 5, 1), w_shape=(4, 5, 1, 3)),
    "batch_of_one": dict(x_shape=(1, 5, 5, 1), w_shape=(3, 3, 1, 1), padding=1),
    "C_ne_F": dict(x_shape=(2, 5, 4, 3), w_shape=(3, 2, 3, 5)),
    "same_even_kernel_stride2": dict(x_shape=(2, 7, 6, 2), w_shape=(4, 2, 2, 3), strides=2, padding="same"),
    "same_even_kernel_stride1": dict(x_shape=(1, 5, 6, 1), w_shape=(2, 4, 1, 2), padding="same"),
    "int_padding": dict(x_shape=(2, 4, 5, 2), w_shape=(3, 3, 2, 2), padding=2),
    "per_axis_padding": dict(x_shape=(1, 4, 5, 2), w_shape=(3, 2, 2, 2), padding=(1, 2), strides=2),
    "per_side_padding": dict(x_shape=(2, 5, 4, 1), w_shape=(3, 3, 1, 2), padding=((0, 2), (3, 1))),
    "per_side_padding_stride2": dict(
        x_shape=(1, 6, 5, 2), w_shape=(2, 3, 2, 2), padding=((2, 0), (1, 3)), strides=2
    ),
    "padding_larger_than_kernel": dict(x_shape=(1, 3, 4, 2), w_shape=(2, 2, 2, 1), padding=3),
    "padding_larger_than_kernel_stride2": dict(
        x_shape=(1, 3, 3, 1), w_shape=(1, 2, 1, 2), padding=3, strides=2
    ),
    "dilation2": dict(x_shape=(2, 7, 6, 2), w_shape=(3, 2, 2, 2), dilation_rate=2),
    "dilation2_same_stride2": dict(
        x_shape=(1, 7, 8, 1), w_shape=(3, 3, 1, 2), dilation_rate=2, padding="same", strides=2
    ),
    "dilation_per_axis": dict(x_shape=(1, 6, 7, 2), w_shape=(2, 3, 2, 1), dilation_rate=(2, 3), padding=1),
    # stride 1 has two dx code paths: C >= F correlates dy with the flipped kernel, C < F goes tap by tap
    "stride1_C_gt_F_per_side_dilation2": dict(
        x_shape=(2, 6, 7, 3), w_shape=(2, 3, 3, 2), padding=((3, 0), (1, 2)), dilation_rate=2
    ),
    "stride1_C_lt_F_per_side_dilation2": dict(
        x_shape=(2, 6, 7, 2), w_shape=(2, 3, 2, 3), padding=((3, 0), (1, 2)), dilation_rate=2
    ),
    "one_by_one_kernel": dict(x_shape=(2, 3, 4, 3), w_shape=(1, 1, 3, 2)),
    "one_pixel_input_same": dict(x_shape=(2, 1, 1, 2), w_shape=(3, 3, 2, 2), padding="same"),
}


def _conv2d_case(name, bias=True, seed=0):
    case = CONV2D_CASES[name]
    return {
        "x_shape": case["x_shape"],
        "w_shape": case["w_shape"],
        "bias": bias,
        "strides": case.get("strides", 1),
        "padding": case.get("padding", "valid"),
        "dilation_rate": case.get("dilation_rate", 1),
        "seed": seed,
    }


def check_conv2d_against_reference(setup):
    """Forward y and backward dx, dw, db equal the reference loops (float64)."""
    rng, x, w, b = _arrays(setup)
    check_weighted_op_against_reference("conv2d", x, w, b, rng, **_call(setup))


@pytest.mark.parametrize("name", CONV2D_CASES)
def test_conv2d_matches_reference_on_grid(name):
    """Each named configuration of the house-style grid: vectorized == reference."""
    check_conv2d_against_reference(_conv2d_case(name))


@given(conv2d_setups())
@settings(max_examples=60)
def test_conv2d_matches_reference(setup):
    """Random valid configurations: vectorized == reference, forward and backward."""
    check_conv2d_against_reference(setup)


def test_conv2d_cache_pads_are_per_side():
    """cache["pads"] holds ((top, bottom), (left, right)), including Keras' uneven "same"."""
    x, w = np.zeros((1, 7, 6, 1)), np.zeros((4, 2, 1, 1))
    assert ops.conv2d_forward(x, w, strides=2, padding="same")[1]["pads"] == ((1, 2), (0, 0))
    assert ops.conv2d_forward(x, w, padding=((0, 2), (3, 1)))[1]["pads"] == ((0, 2), (3, 1))
    assert ops.conv2d_forward(x, w, padding=(1, 2))[1]["pads"] == ((1, 1), (2, 2))


# --- every fast path ----------------------------------------------------------------------------
# conv.py chooses by size how im2col is stored (row by row, or column by column when there are
# few channels), how stride-1 dx is computed (col2im, or an im2col of dy) and how many images
# go in a block (two threads share the blocks of a large batch). Here each choice is forced in
# turn, on the grid and on random setups, in float64 (== the reference) and in float32.

EVERY_PATH = [
    pytest.mark.parametrize("split", CONV_SPLITS),
    pytest.mark.parametrize("path", CONV_PATHS),
]


def every_path(test):
    for mark in EVERY_PATH:
        test = mark(test)
    return test


@every_path
@pytest.mark.parametrize("name", CONV2D_CASES)
def test_conv2d_every_path_on_grid(name, path, split):
    """Each grid configuration on each path: vectorized == reference, forward and backward."""
    with conv_path(path, split):
        check_conv2d_against_reference(_conv2d_case(name, bias=name != "pad0_stride1"))


@every_path
@given(setup=conv2d_setups())
@settings(max_examples=25)
def test_conv2d_every_path_matches_reference(path, split, setup):
    """Random valid configurations on each path: vectorized == reference."""
    with conv_path(path, split):
        check_conv2d_against_reference(setup)


@every_path
@given(setup=conv2d_setups())
@settings(max_examples=20)
def test_conv2d_every_path_in_float32(path, split, setup):
    """float32 in, float32 out on each path, within float32 rounding of the reference."""
    rng, x, w, b = _arrays(setup)
    x, w, b = (None if a is None else a.astype(np.float32) for a in (x, w, b))
    with conv_path(path, split):
        y, cache = ops.conv2d_forward(x, w, b, **_call(setup))
        dy = rng.normal(size=y.shape).astype(np.float32)
        got = ops.conv2d_backward(dy, cache)
    want = ref.conv2d_backward(dy, x, w, b, **_call(setup))  # the reference computes in float64
    np.testing.assert_allclose(y, ref.conv2d_forward(x, w, b, **_call(setup)), rtol=1e-4, atol=2e-4)
    for g, g_ref in zip(got, want, strict=True):
        if g is not None:
            assert g.dtype == np.float32
            np.testing.assert_allclose(g, g_ref, rtol=1e-4, atol=2e-4)


@every_path
def test_conv2d_without_input_gradient_every_path(rng, path, split):
    """input_gradient=False returns dx None and the same dw and db."""
    x, w, b = rng.normal(size=(3, 6, 5, 2)), rng.normal(size=(3, 3, 2, 4)), rng.normal(size=4)
    with conv_path(path, split):
        check_without_input_gradient(ops.conv2d_forward, ops.conv2d_backward, x, w, b, rng, padding="same")


def test_conv2d_without_scratch_buffers(monkeypatch):
    """Temporaries larger than SCRATCH_BYTES are allocated afresh: with none kept, the same results."""
    monkeypatch.setattr(_windows, "SCRATCH_BYTES", 0)
    for name in ("pad0_stride1", "stride_lt_kernel_overlapping", "same_even_kernel_stride2", "C_ne_F"):
        check_conv2d_against_reference(_conv2d_case(name))


def test_scratch_buffers_are_kept_per_name_and_per_thread():
    """A scratch array is a view of the buffer its name keeps on this thread; other threads have their own."""
    first = _windows.scratch("test", (4, 5), np.float32)
    again = _windows.scratch("test", (2, 3), np.float64)  # smaller: the same buffer, viewed again
    assert again.shape == (2, 3) and again.dtype == np.float64
    assert np.shares_memory(first, again)
    assert not np.shares_memory(first, _windows.scratch("another name", (4, 5), np.float32))
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(_windows.scratch("test", (4, 5), np.float32)))
    thread.start()
    thread.join()
    assert not np.shares_memory(first, elsewhere[0])


# --- 1D -----------------------------------------------------------------------------------------

CONV1D_CASES = {
    "pad0": dict(x_shape=(2, 6, 2), w_shape=(3, 2, 3)),
    "stride_lt_kernel": dict(x_shape=(1, 9, 1), w_shape=(3, 1, 2), strides=2),
    "stride_gt_kernel": dict(x_shape=(2, 10, 2), w_shape=(2, 2, 1), strides=3),
    "kernel_equals_input": dict(x_shape=(2, 5, 1), w_shape=(5, 1, 2)),
    "batch_of_one_C_ne_F": dict(x_shape=(1, 6, 3), w_shape=(2, 3, 4)),
    "same_even_kernel_stride2": dict(x_shape=(2, 7, 2), w_shape=(4, 2, 2), strides=2, padding="same"),
    "int_padding": dict(x_shape=(1, 5, 2), w_shape=(3, 2, 2), padding=2),
    "per_side_padding": dict(x_shape=(2, 5, 1), w_shape=(3, 1, 2), padding=(0, 2)),
    "padding_larger_than_kernel": dict(x_shape=(1, 3, 2), w_shape=(2, 2, 1), padding=3, strides=2),
    "dilation2": dict(x_shape=(2, 8, 2), w_shape=(3, 2, 2), dilation_rate=2),
    "dilation2_same": dict(x_shape=(1, 6, 1), w_shape=(2, 1, 2), dilation_rate=2, padding="same"),
}


def check_conv1d_against_reference(setup):
    """conv1d_forward/backward equal reference.conv1d_forward/backward; the cache is the 2D one."""
    rng, x, w, b = _arrays(setup)
    cache = check_weighted_op_against_reference("conv1d", x, w, b, rng, **_call(setup))
    assert cache["pads"][0] == (0, 0)  # the 2D cache: ((0, 0), (before, after))


@pytest.mark.parametrize("name", CONV1D_CASES)
def test_conv1d_matches_reference_on_grid(name):
    """Each named 1D configuration: vectorized == reference."""
    case = CONV1D_CASES[name]
    setup = {"bias": True, "seed": 1, "strides": 1, "padding": "valid", "dilation_rate": 1, **case}
    check_conv1d_against_reference(setup)


@given(conv1d_setups())
@settings(max_examples=50)
def test_conv1d_matches_reference(setup):
    """Random valid 1D configurations: vectorized == reference, forward and backward."""
    check_conv1d_against_reference(setup)


@every_path
@pytest.mark.parametrize("name", ["pad0", "stride_lt_kernel", "same_even_kernel_stride2", "dilation2_same"])
def test_conv1d_every_path(name, path, split):
    """conv1d (the 2D code on one-row images) on each path."""
    setup = {"bias": True, "seed": 2, "strides": 1, "padding": "valid", "dilation_rate": 1}
    setup.update(CONV1D_CASES[name])
    with conv_path(path, split):
        check_conv1d_against_reference(setup)


# --- dtypes, inputs left alone, bias ------------------------------------------------------------


@pytest.mark.parametrize("strides", [1, 2])
def test_float32_in_float32_out(rng, strides):
    """float32 inputs give float32 outputs and gradients, close to the float64 result."""
    x, w, b = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    dy_shape = ops.conv2d_forward(x, w, b, strides, "same")[0].shape
    dy = rng.normal(size=dy_shape)
    y64, c64 = ops.conv2d_forward(x, w, b, strides, "same")
    y32, c32 = ops.conv2d_forward(
        x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), strides, "same"
    )
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)
    for g32, g64 in zip(
        ops.conv2d_backward(dy.astype(np.float32), c32), ops.conv2d_backward(dy, c64), strict=True
    ):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


def test_float32_conv1d(rng):
    """conv1d keeps float32 too."""
    x, w = rng.normal(size=(2, 7, 2)).astype(np.float32), rng.normal(size=(3, 2, 2)).astype(np.float32)
    y, cache = ops.conv1d_forward(x, w, np.zeros(2, np.float32), padding="same")
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in ops.conv1d_backward(np.ones_like(y), cache))


@pytest.mark.parametrize("strides", [1, 2])
def test_int_inputs_are_exact(strides):
    """Integer x, w, b and dy work and give exact (integer-valued float64) results."""
    x = np.arange(2 * 5 * 6 * 2).reshape(2, 5, 6, 2) % 7 - 3
    w = np.arange(3 * 2 * 2 * 3).reshape(3, 2, 2, 3) % 5 - 2
    b = np.array([1, -2, 3])
    y, cache = ops.conv2d_forward(x, w, b, strides=strides, padding=1)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, ref.conv2d_forward(x, w, b, strides=strides, padding=1))
    dy = np.arange(y.size).reshape(y.shape) % 3 - 1
    wanted = ref.conv2d_backward(dy, x, w, b, strides=strides, padding=1)
    for got, want in zip(ops.conv2d_backward(dy, cache), wanted, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("strides", "padding"), [(1, "valid"), (1, "same"), (2, "valid"), (2, ((1, 0), (0, 2)))]
)
def test_conv2d_does_not_mutate_inputs(rng, strides, padding):
    """Forward and backward leave x, w, b and dy as they were (both dx code paths)."""
    x, w, b = rng.normal(size=(2, 5, 6, 2)), rng.normal(size=(3, 3, 2, 2)), rng.normal(size=2)
    copies = [a.copy() for a in (x, w, b)]
    y, cache = ops.conv2d_forward(x, w, b, strides, padding)
    dy = rng.normal(size=y.shape)
    dy_copy = dy.copy()
    dx, dw, _ = ops.conv2d_backward(dy, cache)
    for original, copy in zip((x, w, b, dy), (*copies, dy_copy), strict=True):
        np.testing.assert_array_equal(original, copy)
    dx[...] = 0  # writing into the results does not reach the inputs either
    dw[...] = 0
    for original, copy in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_conv1d_does_not_mutate_inputs(rng):
    """conv1d forward and backward leave their arguments alone."""
    x, w, b = rng.normal(size=(2, 7, 2)), rng.normal(size=(3, 2, 2)), rng.normal(size=2)
    copies = [a.copy() for a in (x, w, b)]
    y, cache = ops.conv1d_forward(x, w, b, strides=2, padding="same")
    dy = rng.normal(size=y.shape)
    dy_copy = dy.copy()
    ops.conv1d_backward(dy, cache)
    for original, copy in zip((x, w, b, dy), (*copies, dy_copy), strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("strides", [1, 2])
def test_no_bias_gives_db_none(rng, strides):
    """Without a bias, the forward adds nothing and the backward returns db=None."""
    x, w = rng.normal(size=(1, 5, 5, 2)), rng.normal(size=(3, 3, 2, 2))
    y, cache = ops.conv2d_forward(x, w, None, strides)
    y0, _ = ops.conv2d_forward(x, w, np.zeros(2), strides)
    np.testing.assert_array_equal(y, y0)
    assert ops.conv2d_backward(np.ones_like(y), cache)[2] is None
    y1, cache1 = ops.conv1d_forward(x[:, 0], w[0], None, strides)
    assert ops.conv1d_backward(np.ones_like(y1), cache1)[2] is None


# --- the friendly surface: the notes' cases -----------------------------------------------------


@pytest.mark.parametrize(("S", "P"), [(1, 0), (2, 1), (1, (0, 2)), (3, 2)])
def test_friendly_conv1d_cases(rng, S, P):
    """cnnviz.conv1d in cases 1, 2, 3 and batched equals reference.conv1d_case1/2/3."""
    x1, w1 = rng.normal(size=7), rng.normal(size=3)
    np.testing.assert_allclose(
        cnnviz.conv1d(x1, w1, strides=S, padding=P), ref.conv1d_case1(x1, w1, S, P), **EXACT
    )
    x2, w2 = rng.normal(size=(7, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(
        cnnviz.conv1d(x2, w2, strides=S, padding=P), ref.conv1d_case2(x2, w2, S, P), **EXACT
    )
    w3, b3 = rng.normal(size=(3, 2, 4)), rng.normal(size=4)
    got = cnnviz.conv1d(x2, w3, b3, strides=S, padding=P)
    np.testing.assert_allclose(got, ref.conv1d_case3(x2, w3, b3, S, P), **EXACT)
    xb = rng.normal(size=(3, 7, 2))
    np.testing.assert_allclose(
        cnnviz.conv1d(xb, w3, b3, strides=S, padding=P), ref.conv1d_forward(xb, w3, b3, S, P), **EXACT
    )


def test_friendly_conv1d_scalar_bias_and_same_padding(rng):
    """A single kernel takes a number as its bias; "same" keeps ⌈L/S⌉ positions."""
    x, w = rng.normal(size=9), rng.normal(size=4)
    pads = sizes.resolve_padding("same", L=9, K=4, S=2)
    got = cnnviz.conv1d(x, w, 0.5, strides=2, padding="same")
    assert got.shape == (5,)
    np.testing.assert_allclose(got, ref.conv1d_case1(x, w, 2, pads) + 0.5, **EXACT)


@pytest.mark.parametrize(("S", "P"), [(1, 0), (2, 1), ((1, 2), ((0, 1), (2, 0))), (1, "same")])
def test_friendly_conv2d_cases(rng, S, P):
    """cnnviz.conv2d for a gray image, one kernel over C channels, case 4 and a batch equals case 4."""
    x_gray, w_gray = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    _, pads = sizes.window_geometry((6, 5), (3, 2), S, P)
    want = ref.conv2d_case4(x_gray[:, :, None], w_gray[:, :, None, None], None, S, pads)[:, :, 0]
    np.testing.assert_allclose(cnnviz.conv2d(x_gray, w_gray, strides=S, padding=P), want, **EXACT)
    x, w1 = rng.normal(size=(6, 5, 3)), rng.normal(size=(3, 2, 3))
    want = ref.conv2d_case4(x, w1[..., None], [0.25], S, pads)[:, :, 0]
    np.testing.assert_allclose(cnnviz.conv2d(x, w1, 0.25, strides=S, padding=P), want, **EXACT)
    w4, b4 = rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    got = cnnviz.conv2d(x, w4, b4, strides=S, padding=P)
    np.testing.assert_allclose(got, ref.conv2d_case4(x, w4, b4, S, pads), **EXACT)
    xb = rng.normal(size=(2, 6, 5, 3))
    np.testing.assert_allclose(
        cnnviz.conv2d(xb, w4, b4, strides=S, padding=P), ref.conv2d_forward(xb, w4, b4, S, P), **EXACT
    )


def test_friendly_conv2d_dilation(rng):
    """dilation_rate reaches the core through the friendly call."""
    x, w = rng.normal(size=(7, 7, 2)), rng.normal(size=(3, 3, 2, 2))
    np.testing.assert_allclose(cnnviz.conv2d(x, w, dilation_rate=2), ref.conv2d_case4(x, w, D=2), **EXACT)


# --- properties ---------------------------------------------------------------------------------


def _expected_axis_length(L, K, S, D, padding_entry):
    if padding_entry == "same":
        return math.ceil(L / S)
    if padding_entry == "valid":
        return sizes.output_length(L, K, 0, S, D)
    return sizes.output_length(L, K, padding_entry, S, D)


@given(conv2d_setups())
@settings(max_examples=60)
def test_conv2d_output_shape_follows_the_formula(setup):
    """Output shape is (N, L'_h, L'_w, F) with L' = ⌊(L + P_before + P_after − E)/S⌋ + 1 per axis."""
    N, H, W, _ = setup["x_shape"]
    KH, KW, _, F = setup["w_shape"]
    y, _ = ops.conv2d_forward(np.zeros(setup["x_shape"]), np.zeros(setup["w_shape"]), **_call(setup))
    S = sizes.per_axis("strides", setup["strides"], 2)
    D = sizes.per_axis("dilation_rate", setup["dilation_rate"], 2)
    padding = setup["padding"]
    if isinstance(padding, (str, int)):
        padding = (padding, padding)
    expected = tuple(
        _expected_axis_length(L, K, s, d, p)
        for L, K, s, d, p in zip((H, W), (KH, KW), S, D, padding, strict=True)
    )
    assert y.shape == (N, *expected, F)


@given(conv1d_setups())
@settings(max_examples=40)
def test_conv1d_output_shape_follows_the_formula(setup):
    """conv1d output is (N, L', F) with the formula."""
    N, L, _ = setup["x_shape"]
    K, _, F = setup["w_shape"]
    y, _ = ops.conv1d_forward(np.zeros(setup["x_shape"]), np.zeros(setup["w_shape"]), **_call(setup))
    L_out = _expected_axis_length(L, K, setup["strides"], setup["dilation_rate"], setup["padding"])
    assert y.shape == (N, L_out, F)


@given(conv2d_setups(), st.floats(-3, 3), st.floats(-3, 3))
@settings(max_examples=40)
def test_conv2d_is_linear_in_x_and_in_w(setup, a, c):
    """conv(a·x1 + c·x2, w) = a·conv(x1, w) + c·conv(x2, w), and likewise in w (no bias)."""
    rng, x1, w1, _ = _arrays(setup)
    x2, w2 = rng.normal(size=x1.shape), rng.normal(size=w1.shape)
    kw = _call(setup)

    def conv(x, w):
        return ops.conv2d_forward(x, w, None, **kw)[0]

    np.testing.assert_allclose(
        conv(a * x1 + c * x2, w1), a * conv(x1, w1) + c * conv(x2, w1), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        conv(x1, a * w1 + c * w2), a * conv(x1, w1) + c * conv(x1, w2), rtol=1e-9, atol=1e-9
    )


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 7), st.integers(1, 3)),
    KH=st.sampled_from([1, 3, 5]),
    KW=st.sampled_from([1, 3, 5]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40)
def test_identity_kernel_returns_its_input(shape, KH, KW, seed):
    """A kernel with a single 1 at the centre, one per channel, and "same" padding returns x."""
    C = shape[3]
    x = np.random.default_rng(seed).normal(size=shape)
    w = np.zeros((KH, KW, C, C))
    w[KH // 2, KW // 2, np.arange(C), np.arange(C)] = 1.0  # output channel c copies input channel c
    y, _ = ops.conv2d_forward(x, w, padding="same")
    np.testing.assert_array_equal(y, x)
    y1, _ = ops.conv1d_forward(x[:, 0], w[KH // 2], padding="same")
    np.testing.assert_array_equal(y1, x[:, 0])
