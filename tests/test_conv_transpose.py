"""Transposed convolution (cnnviz.conv_transpose): vectorized == reference loops, conv2d's adjoint,
every engine path, hand examples and Keras' sizes, errors."""

import re

import numpy as np
import pytest
from _helpers import (
    CONV_PATHS,
    CONV_SPLITS,
    EXACT,
    OP_CHECKS,
    check_weighted_op_against_reference,
    check_without_input_gradient,
    conv_path,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops, sizes

# --- vectorized == reference ---------------------------------------------------------------------


@st.composite
def conv_transpose_setups(draw):
    """A conv_transpose2d call: x (N, H, W, C), w (KH, KW, F, C), strides 1–3, kernels 1–4, a padding."""
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    Sh, Sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {
        "x_shape": (N, H, W, C),
        "w_shape": (KH, KW, F, C),
        "bias": draw(st.booleans()),
        "strides": (Sh, Sw) if Sh != Sw or draw(st.booleans()) else Sh,
        "padding": draw(st.sampled_from(["valid", "same"])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


CONV_T_CASES = {
    "k2_s2_valid_doubles": dict(x_shape=(2, 3, 4, 2), w_shape=(2, 2, 3, 2), strides=2),
    "k2_s2_same_doubles": dict(x_shape=(1, 3, 4, 2), w_shape=(2, 2, 3, 2), strides=2, padding="same"),
    "k3_s2_valid_overlapping": dict(x_shape=(2, 3, 3, 1), w_shape=(3, 3, 2, 1), strides=2),
    "k3_s2_same_odd_total": dict(x_shape=(1, 3, 2, 2), w_shape=(3, 3, 1, 2), strides=2, padding="same"),
    "k4_s1_same_odd_total": dict(x_shape=(2, 4, 3, 1), w_shape=(4, 4, 2, 1), padding="same"),
    "k4_s2_same_even_total": dict(x_shape=(1, 3, 3, 2), w_shape=(4, 4, 2, 2), strides=2, padding="same"),
    "k3_s1_valid": dict(x_shape=(2, 4, 5, 3), w_shape=(3, 3, 2, 3)),
    "k1_s3_valid_k_lt_s": dict(x_shape=(2, 3, 2, 2), w_shape=(1, 1, 2, 2), strides=3),
    "k2_s3_same_k_lt_s": dict(x_shape=(1, 2, 3, 1), w_shape=(2, 2, 3, 1), strides=3, padding="same"),
    "non_square_mixed": dict(x_shape=(2, 2, 4, 2), w_shape=(3, 1, 2, 2), strides=(2, 3), padding="same"),
    "one_pixel_input": dict(x_shape=(2, 1, 1, 3), w_shape=(3, 2, 2, 3), strides=2),
    "batch_of_one_C_ne_F": dict(x_shape=(1, 3, 3, 3), w_shape=(2, 3, 1, 3), strides=(1, 2)),
}


def _conv_t_case(name):
    return {"bias": True, "strides": 1, "padding": "valid", "seed": 7, **CONV_T_CASES[name]}


def check_conv_transpose_against_reference(setup):
    """Forward y and backward dx, dw, db equal the reference loops (float64)."""
    rng = np.random.default_rng(setup["seed"])
    x, w = rng.normal(size=setup["x_shape"]), rng.normal(size=setup["w_shape"])
    b = rng.normal(size=setup["w_shape"][2]) if setup["bias"] else None
    check_weighted_op_against_reference("conv_transpose2d", x, w, b, rng, setup["strides"], setup["padding"])


@pytest.mark.parametrize("name", CONV_T_CASES)
def test_conv_transpose2d_matches_reference_on_grid(name):
    """Each named configuration (K < S, K > S, odd "same" totals, ...): vectorized == reference."""
    check_conv_transpose_against_reference(_conv_t_case(name))


@given(conv_transpose_setups())
@settings(max_examples=120)
def test_conv_transpose2d_matches_reference(setup):
    """Random configurations: vectorized == reference, forward and backward."""
    check_conv_transpose_against_reference(setup)


@given(conv_transpose_setups())
@settings(max_examples=60)
def test_conv_transpose2d_shape_and_adjoint_of_conv2d(setup):
    """y's size follows transposed_output_length; conv2d (same K, S, padding) maps it back to x's
    size; and the transposed convolution equals conv2d's input gradient (it is conv2d's adjoint)."""
    rng = np.random.default_rng(setup["seed"])
    x, w = rng.normal(size=setup["x_shape"]), rng.normal(size=setup["w_shape"])
    S, padding = setup["strides"], setup["padding"]
    y, _ = ops.conv_transpose2d_forward(x, w, None, S, padding)
    N, H, W, _ = x.shape
    KH, KW, F, _ = w.shape
    Sh, Sw = sizes.per_axis("strides", S, 2)
    expected = (
        sizes.transposed_output_length(H, KH, Sh, padding),
        sizes.transposed_output_length(W, KW, Sw, padding),
    )
    assert y.shape == (N, *expected, F)
    z = rng.normal(size=y.shape)  # an input of y's size for the ordinary convolution
    back, cache = ops.conv2d_forward(z, w, None, S, padding)  # w (KH, KW, F, C) is a conv2d kernel F -> C
    assert back.shape == x.shape
    dz, _, _ = ops.conv2d_backward(x, cache)
    np.testing.assert_allclose(y, dz, **EXACT)


@pytest.mark.parametrize("split", CONV_SPLITS)
@pytest.mark.parametrize("path", CONV_PATHS)
@pytest.mark.parametrize(
    "name", ["k3_s2_valid_overlapping", "k4_s1_same_odd_total", "k3_s1_valid", "non_square_mixed"]
)
def test_conv_transpose2d_every_path(name, path, split):
    """conv_transpose2d runs conv2d's im2col and col2im: on each of their paths, forced, == reference."""
    with conv_path(path, split):
        check_conv_transpose_against_reference(_conv_t_case(name))


def test_conv_transpose2d_without_input_gradient(rng):
    """input_gradient=False returns dx None and the same dw, db."""
    x, w, b = rng.normal(size=(2, 3, 4, 2)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    forward, backward = ops.conv_transpose2d_forward, ops.conv_transpose2d_backward
    check_without_input_gradient(forward, backward, x, w, b, rng, 2, "same")


# --- hand examples and Keras' sizes --------------------------------------------------------------


def test_conv_transpose2d_stride2_stamps_blocks():
    """Stride 2, 2×2 kernel: each input cell writes x[i, j]·kernel into its own 2×2 block."""
    x = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)
    w = np.array([[1, 2], [3, 4]]).reshape(2, 2, 1, 1)
    y, _ = ops.conv_transpose2d_forward(x, w, strides=2)
    expected = [
        [1, 2, 2, 4],  # 1·[1, 2] | 2·[1, 2]
        [3, 4, 6, 8],  # 1·[3, 4] | 2·[3, 4]
        [3, 6, 4, 8],  # 3·[1, 2] | 4·[1, 2]
        [9, 12, 12, 16],  # 3·[3, 4] | 4·[3, 4]
    ]
    np.testing.assert_array_equal(y[0, :, :, 0], expected)
    np.testing.assert_array_equal(ops.conv_transpose2d_forward(x, w, strides=2, padding="same")[0], y)


def test_conv_transpose2d_stride1_overlaps_add():
    """Stride 1: neighbouring stamps overlap and add; a 2×2 ones kernel on ones gives 1, 2, 4 counts."""
    y, _ = ops.conv_transpose2d_forward(np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 1)))
    np.testing.assert_array_equal(y[0, :, :, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_conv_transpose2d_same_crops_the_extra_cell_at_the_end():
    """K=3, S=2 on 2×2: the full output is 5×5; "same" keeps 4×4, cropping the last row and column."""
    x = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)
    w = np.ones((3, 3, 1, 1))
    full = [
        [1, 1, 3, 2, 2],
        [1, 1, 3, 2, 2],
        [4, 4, 10, 6, 6],  # row 2 is covered by the stamps of both input rows
        [3, 3, 7, 4, 4],
        [3, 3, 7, 4, 4],
    ]
    y_valid, _ = ops.conv_transpose2d_forward(x, w, strides=2, padding="valid")
    y_same, cache = ops.conv_transpose2d_forward(x, w, strides=2, padding="same")
    np.testing.assert_array_equal(y_valid[0, :, :, 0], full)
    np.testing.assert_array_equal(y_same[0, :, :, 0], np.array(full)[:4, :4])
    assert cache["pads"] == ((0, 1), (0, 1))


def test_conv_transpose2d_kernel_shorter_than_stride_leaves_bias_only_cells():
    """K=1 < S=2: as in Keras, the output is L·S long; the cells no stamp reaches hold only the bias."""
    x = np.array([[1, 2]]).reshape(1, 1, 2, 1)
    for padding in ("valid", "same"):
        y, _ = ops.conv_transpose2d_forward(x, np.full((1, 1, 1, 1), 5.0), np.array([0.5]), 2, padding)
        np.testing.assert_array_equal(y[0, :, :, 0], [[5.5, 0.5, 10.5, 0.5], [0.5, 0.5, 0.5, 0.5]])


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_keras_size_kernel2_stride2_doubles(padding):
    """Conv2DTranspose(kernel_size=2, strides=2) doubles H and W with either padding."""
    y, _ = ops.conv_transpose2d_forward(
        np.zeros((1, 7, 5, 3)), np.zeros((2, 2, 4, 3)), strides=2, padding=padding
    )
    assert y.shape == (1, 14, 10, 4)
    assert sizes.transposed_output_length(7, 2, 2, padding) == 14


def test_keras_size_kernel3_stride2():
    """Conv2DTranspose(kernel_size=3, strides=2): "valid" gives 2H + 1, "same" gives 2H."""
    x, w = np.zeros((1, 7, 5, 1)), np.zeros((3, 3, 2, 1))
    assert ops.conv_transpose2d_forward(x, w, strides=2, padding="valid")[0].shape == (1, 15, 11, 2)
    assert ops.conv_transpose2d_forward(x, w, strides=2, padding="same")[0].shape == (1, 14, 10, 2)


# --- errors and what every op promises -----------------------------------------------------------


def test_conv_transpose2d_kernel_layout_errors():
    """A wrong-rank kernel names the (KH, KW, F, C) layout; a depth mismatch names both shapes."""
    with pytest.raises(
        ValueError, match=re.escape("expects w with 4 dims (KH, KW, F, C); received w.shape=(2, 2)")
    ):
        ops.conv_transpose2d_forward(np.ones((1, 3, 3, 1)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=re.escape("x has C=3 channels (x.shape=(1, 3, 3, 3)")) as info:
        ops.conv_transpose2d_forward(np.ones((1, 3, 3, 3)), np.ones((2, 2, 3, 2)))
    assert "w has C=2 (w.shape=(2, 2, 3, 2), layout (KH, KW, F, C))" in str(info.value)


@pytest.mark.parametrize("padding", [1, "full", ((0, 1), (0, 1))])
def test_conv_transpose2d_padding_must_be_valid_or_same(padding):
    """Only Keras' two modes are accepted; the message names them and the value received."""
    message = f"accepts padding 'valid' or 'same' (as Keras' Conv2DTranspose); received padding={padding!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        ops.conv_transpose2d_forward(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), padding=padding)


def test_conv_transpose2d_bad_stride_names_the_axis():
    """A zero stride fails with the axis and the value."""
    with pytest.raises(
        ValueError, match=re.escape("along width: S must be a whole number >= 1 (received S=0)")
    ):
        ops.conv_transpose2d_forward(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), strides=(1, 0))


def conv_transpose2d(x, rng):
    """A stride-2 "same" transposed convolution with weights drawn from rng in x's dtype."""
    w, b = rng.normal(size=(3, 3, 2, 2)).astype(x.dtype), rng.normal(size=2).astype(x.dtype)
    return ops.conv_transpose2d_forward(x, w, b, 2, "same")


@pytest.mark.parametrize("check", OP_CHECKS)
def test_what_every_op_promises(rng, check):
    """Inputs left alone, float32 kept, a dy of the wrong shape refused (see _helpers.OP_CHECKS)."""
    OP_CHECKS[check](conv_transpose2d, ops.conv_transpose2d_backward, rng)
