"""Transposed convolution and the moving/merging ops: vectorized == reference loops, gradients, errors.

The ops under test are ``conv_transpose2d`` (in ``cnnviz.conv``) and the weightless ops of
``cnnviz.resample``: zero padding, cropping, nearest-neighbour upsampling, global average
pooling, add and concatenate. ``cnnviz.reference`` has each of them under the op's name,
called with the op's arguments.
"""

import re

import numpy as np
import pytest
from _helpers import (
    CONV_PATHS,
    CONV_SPLITS,
    EXACT,
    GRAD_TOL,
    assert_same_gradients,
    check_without_input_gradient,
    conv_path,
    numerical_gradient,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops, sizes
from cnnviz import reference as ref

# --- the reference loops over a batch -----------------------------------------------------------


# --- transposed convolution: vectorized == reference --------------------------------------------


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
    S, padding = setup["strides"], setup["padding"]
    y, cache = ops.conv_transpose2d_forward(x, w, b, S, padding)
    np.testing.assert_allclose(y, ref.conv_transpose2d_forward(x, w, b, S, padding), **EXACT)
    dy = rng.normal(size=y.shape)
    got, want = (
        ops.conv_transpose2d_backward(dy, cache),
        ref.conv_transpose2d_backward(dy, x, w, b, S, padding),
    )
    assert_same_gradients(got, want, x, w, b)


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


# --- transposed convolution: hand examples and Keras' sizes -------------------------------------


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


@pytest.mark.parametrize(
    ("L", "K", "S", "padding", "expected"),
    [
        (4, 3, 1, "valid", 6),  # (4 − 1)·1 + 3: stride 1 undoes a "valid" convolution
        (4, 3, 1, "same", 4),
        (4, 3, 2, "valid", 9),  # (4 − 1)·2 + 3
        (4, 1, 2, "valid", 8),  # K < S: (4 − 1)·2 + max(1, 2)
        (4, 1, 3, "same", 12),
        (1, 4, 3, "valid", 4),  # one input cell: one whole stamp
        (5, 2, 2, "VALID", 10),  # the mode is not case-sensitive, as in resolve_padding
    ],
)
def test_transposed_output_length(L, K, S, padding, expected):
    """The transposed size formula on hand examples."""
    assert sizes.transposed_output_length(L, K, S, padding) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(L=0, K=3, S=2, padding="valid"), "L must be a whole number >= 1 (received L=0)"),
        (dict(L=4, K=3, S=1.5, padding="same"), "S must be a whole number >= 1 (received S=1.5)"),
        (
            dict(L=4, K=3, S=2, padding="full"),
            "padding must be one of ('valid', 'same') (received padding='full')",
        ),
        (dict(L=4, K=3, S=2, padding=1), "(received padding=1)"),
    ],
)
def test_transposed_output_length_errors(kwargs, message):
    """Bad values are named with what was received."""
    with pytest.raises(ValueError, match=re.escape(message)):
        sizes.transposed_output_length(**kwargs)


def test_conv_transpose2d_matches_pytorch(rng):
    """Padding "valid" agrees with torch.nn.functional.conv_transpose2d (NCHW, weight (C, F, KH, KW)),
    gradients too; with K < S, Keras' extra S − K cells are PyTorch's output_padding."""
    torch = pytest.importorskip("torch")
    for x_shape, w_shape, S in [
        ((2, 3, 4, 2), (3, 3, 4, 2), 1),
        ((1, 4, 3, 3), (3, 2, 2, 3), (2, 1)),
        ((2, 3, 3, 2), (2, 2, 3, 2), 2),
        ((1, 3, 4, 1), (1, 2, 2, 1), 3),  # K < S
    ]:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[2])
        y, cache = ops.conv_transpose2d_forward(x, w, b, S, "valid")
        Sh, Sw = sizes.per_axis("strides", S, 2)
        xt = torch.tensor(x.transpose(0, 3, 1, 2).copy(), requires_grad=True)
        wt = torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (C, F, KH, KW)
        bt = torch.tensor(b, requires_grad=True)
        output_padding = (max(Sh - w_shape[0], 0), max(Sw - w_shape[1], 0))
        yt = torch.nn.functional.conv_transpose2d(xt, wt, bt, stride=(Sh, Sw), output_padding=output_padding)
        np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), **EXACT)
        dy = rng.normal(size=y.shape)
        yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2).copy()))
        dx, dw, db = ops.conv_transpose2d_backward(dy, cache)
        np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), **EXACT)
        np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), **EXACT)
        np.testing.assert_allclose(db, bt.grad.numpy(), **EXACT)


# --- padding, cropping, upsampling, global average pooling: vectorized == reference -------------


@st.composite
def border_setups(draw, crop):
    """x's shape and a padding (crop=False) or cropping (crop=True) in one of Keras' three forms."""
    H, W = draw(st.integers(1, 6)), draw(st.integers(1, 6))

    def cells(limit):  # a crop must leave at least one row and one column; padding is free
        return draw(st.integers(0, limit if crop else 3))

    form = draw(st.sampled_from(["int", "pair", "per_side"]))
    if form == "int":
        border = cells((min(H, W) - 1) // 2)
    elif form == "pair":
        border = (cells((H - 1) // 2), cells((W - 1) // 2))
    else:
        top, left = cells(H - 1), cells(W - 1)
        border = ((top, cells(H - 1 - top)), (left, cells(W - 1 - left)))
    x_shape = (draw(st.integers(1, 2)), H, W, draw(st.integers(1, 3)))
    return x_shape, border, draw(st.integers(0, 2**32 - 1))


def check_against_reference(name, x_shape, args, seed):
    """ops' ``name``_forward(x, *args) and _backward(dy, cache) equal the reference's, called with the same arguments."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=x_shape)
    y, cache = getattr(ops, f"{name}_forward")(x, *args)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x, *args), **EXACT)
    dy = rng.normal(size=y.shape)
    dx = getattr(ops, f"{name}_backward")(dy, cache)
    np.testing.assert_allclose(dx, getattr(ref, f"{name}_backward")(dy, x, *args), **EXACT)


@given(border_setups(crop=False))
@settings(max_examples=60)
def test_zero_padding2d_matches_reference(setup):
    """Zero padding in each of the three forms: vectorized == reference."""
    x_shape, padding, seed = setup
    check_against_reference(
        "zero_padding2d",
        x_shape,
        (padding,),
        seed,
    )


@given(border_setups(crop=True))
@settings(max_examples=60)
def test_cropping2d_matches_reference(setup):
    """Cropping in each of the three forms: vectorized == reference."""
    x_shape, cropping, seed = setup
    check_against_reference(
        "cropping2d",
        x_shape,
        (cropping,),
        seed,
    )


@given(
    x_shape=st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)),
    size=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_upsampling2d_matches_reference(x_shape, size, seed):
    """Nearest-neighbour upsampling, square and non-square blocks: vectorized == reference."""
    check_against_reference(
        "upsampling2d",
        x_shape,
        (size,),
        seed,
    )


def values(rng, shape, ties):
    """Normal values, or small integers where maxima tie often."""
    return rng.integers(-2, 3, size=shape).astype(float) if ties else rng.normal(size=shape)


@given(
    x_shape=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)),
    ties=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
@pytest.mark.parametrize("name", ["global_average_pool2d", "global_max_pool2d"])
def test_global_pool2d_matches_reference(name, x_shape, ties, seed):
    """Global average and max pooling, distinct values or many ties: vectorized == reference,
    forward and backward."""
    rng = np.random.default_rng(seed)
    x = values(rng, x_shape, ties)
    y, cache = getattr(ops, f"{name}_forward")(x)
    assert y.shape == (x_shape[0], x_shape[3])
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x), **EXACT)
    dy = rng.normal(size=y.shape)
    dx_ref = getattr(ref, f"{name}_backward")(dy, x)
    np.testing.assert_allclose(getattr(ops, f"{name}_backward")(dy, cache), dx_ref, **EXACT)


@given(
    x_shape=st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 3)),
    kind=st.sampled_from(["max", "average"]),
    ties=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_global_pool1d_is_the_2d_reference_on_one_row(x_shape, kind, ties, seed):
    """Global max/average pooling of signals (N, L, C) equals the 2D reference on (N, 1, L, C)."""
    rng = np.random.default_rng(seed)
    x = values(rng, x_shape, ties)
    forward, backward = (getattr(ops, f"global_{kind}_pool1d_{step}") for step in ("forward", "backward"))
    ref_forward, ref_backward = (getattr(ref, f"global_{kind}_pool2d_{s}") for s in ("forward", "backward"))
    y, cache = forward(x)
    np.testing.assert_allclose(y, ref_forward(x[:, None]), **EXACT)
    dy = rng.normal(size=y.shape)
    dx_ref = ref_backward(dy, x[:, None])[:, 0]
    np.testing.assert_allclose(backward(dy, cache), dx_ref, **EXACT)


def test_global_max_pool_hand_example_and_ties():
    """The maximum of each channel; on a tie, the first cell in reading order gets all of dy."""
    x = np.array([[1, 7, 0], [7, 2, 7]]).reshape(1, 2, 3, 1)  # three 7s
    y, cache = ops.global_max_pool2d_forward(x)
    np.testing.assert_array_equal(y, [[7.0]])
    dx = ops.global_max_pool2d_backward(np.array([[5.0]]), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 5, 0], [0, 0, 0]])
    y, cache = ops.global_max_pool1d_forward(np.array([[[1, -4], [3, -2], [3, -9]]]))  # (1, L=3, C=2)
    np.testing.assert_array_equal(y, [[3.0, -2.0]])
    np.testing.assert_array_equal(
        ops.global_max_pool1d_backward(np.ones((1, 2)), cache)[0], [[0, 0], [1, 1], [0, 0]]
    )


def test_global_max_pool_backward_preserves_the_sum(rng):
    """Each channel's dy lands on exactly one cell of its own channel."""
    x = rng.normal(size=(3, 4, 5, 2))
    y, cache = ops.global_max_pool2d_forward(x)
    dy = rng.normal(size=y.shape)
    dx = ops.global_max_pool2d_backward(dy, cache)
    np.testing.assert_allclose(dx.sum(axis=(1, 2)), dy, rtol=1e-12)
    assert np.all(np.count_nonzero(dx, axis=(1, 2)) == 1)
    np.testing.assert_array_equal(np.where(dx != 0, x, -np.inf).max(axis=(1, 2)), y)  # ... a maximum's cell


# --- add and concatenate: vectorized == reference -----------------------------------------------


@st.composite
def merge_setups(draw):
    """2–3 inputs: one common shape of rank 1–4 for add, and sizes along a drawn axis for concatenate."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    n = draw(st.integers(2, 3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes_along = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    concat_shapes = []
    for size in sizes_along:
        s = list(shape)
        s[axis] = size
        concat_shapes.append(tuple(s))
    return tuple(shape), n, axis, concat_shapes, draw(st.integers(0, 2**32 - 1))


@given(merge_setups())
@settings(max_examples=80)
def test_add_and_concatenate_match_reference(setup):
    """add and concatenate, any rank and axis (negative too): vectorized == reference."""
    shape, n, axis, concat_shapes, seed = setup
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=shape) for _ in range(n)]
    y, cache = ops.add_forward(xs)
    np.testing.assert_allclose(y, ref.add_forward(xs), **EXACT)
    dy = rng.normal(size=y.shape)
    for got, want in zip(ops.add_backward(dy, cache), ref.add_backward(dy, xs), strict=True):
        np.testing.assert_allclose(got, want, **EXACT)
    xs = [rng.normal(size=s) for s in concat_shapes]
    y, cache = ops.concatenate_forward(xs, axis)
    np.testing.assert_allclose(y, ref.concatenate_forward(xs, axis), **EXACT)
    dy = rng.normal(size=y.shape)
    grads = ops.concatenate_backward(dy, cache)
    for got, want, x in zip(grads, ref.concatenate_backward(dy, xs, axis), xs, strict=True):
        assert got.shape == x.shape
        np.testing.assert_allclose(got, want, **EXACT)


# --- hand examples ------------------------------------------------------------------------------


def test_upsampling_hand_example():
    """[[1, 2], [3, 4]] with size 2 becomes 2×2 blocks; size (1, 3) repeats columns only."""
    x = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)
    y, cache = ops.upsampling2d_forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    dx = ops.upsampling2d_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[4, 4], [4, 4]])  # each cell was copied 4 times
    y, _ = ops.upsampling2d_forward(x, (1, 3))
    np.testing.assert_array_equal(y[0, :, :, 0], [[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]])


@pytest.mark.parametrize("border", [1, (2, 0), ((0, 2), (1, 3))], ids=["int", "pair", "per_side"])
def test_padding_and_cropping_undo_each_other(rng, border):
    """crop(pad(x, p), p) == x; and each one's backward pass is the other one's forward pass."""
    x = rng.normal(size=(2, 3, 4, 2))
    padded, pad_cache = ops.zero_padding2d_forward(x, border)
    cropped, crop_cache = ops.cropping2d_forward(padded, border)
    np.testing.assert_array_equal(cropped, x)
    dy = rng.normal(size=padded.shape)
    np.testing.assert_array_equal(
        ops.zero_padding2d_backward(dy, pad_cache), ops.cropping2d_forward(dy, border)[0]
    )
    np.testing.assert_array_equal(ops.cropping2d_backward(x, crop_cache), padded)


def test_zero_padding_puts_zeros_around():
    """padding 1 around a 1×1 image of 7: a 3×3 image with 7 in the centre."""
    y, _ = ops.zero_padding2d_forward(np.full((1, 1, 1, 1), 7))
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 0, 0], [0, 7, 0], [0, 0, 0]])


def test_global_average_pool_hand_example():
    """The mean per channel; the backward pass spreads dy / (H·W) over every cell."""
    x = np.stack([np.array([[1, 2], [3, 6]]), np.array([[0, 0], [0, 8]])], axis=-1)[None]  # (1, 2, 2, 2)
    y, cache = ops.global_average_pool2d_forward(x)
    np.testing.assert_array_equal(y, [[3, 2]])
    dx = ops.global_average_pool2d_backward(np.array([[4.0, -8.0]]), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], np.ones((2, 2)))
    np.testing.assert_array_equal(dx[0, :, :, 1], np.full((2, 2), -2.0))


def test_add_and_concatenate_hand_example():
    """[1, 2] + [10, 20] = [11, 22]; side by side they make [1, 2, 10, 20], and dy splits back."""
    a, b = np.array([[1, 2]]), np.array([[10, 20]])
    np.testing.assert_array_equal(ops.add_forward((a, b))[0], [[11, 22]])
    y, cache = ops.concatenate_forward([a, b])
    np.testing.assert_array_equal(y, [[1, 2, 10, 20]])
    da, db = ops.concatenate_backward(np.array([[5, 6, 7, 8]]), cache)
    np.testing.assert_array_equal(da, [[5, 6]])
    np.testing.assert_array_equal(db, [[7, 8]])
    y, _ = ops.concatenate_forward([a, b], axis=0)
    np.testing.assert_array_equal(y, [[1, 2], [10, 20]])


# --- gradients against centred differences ------------------------------------------------------

CONV_T_GRADIENT_CASES = {
    "s1_valid": dict(strides=1, padding="valid"),
    "s1_same_even_kernel": dict(strides=1, padding="same"),
    "s2_valid": dict(strides=2, padding="valid"),
    "s2_same_odd_total": dict(strides=2, padding="same"),
    "s3_valid_k_lt_s": dict(strides=3, padding="valid"),
    "s_2x3_same": dict(strides=(2, 3), padding="same"),
}


@pytest.mark.parametrize("name", CONV_T_GRADIENT_CASES)
def test_conv_transpose2d_backward_numerically(rng, name):
    """conv_transpose2d: dx, dw and db match centred differences (kernel 3×2: K > S, K = S and K < S)."""
    kwargs = CONV_T_GRADIENT_CASES[name]
    x, w, b = rng.normal(size=(2, 3, 2, 2)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)

    def forward(x, w, b):
        return ops.conv_transpose2d_forward(x, w, b, **kwargs)[0]

    y, cache = ops.conv_transpose2d_forward(x, w, b, **kwargs)
    dy = rng.normal(size=y.shape)
    dx, dw, db = ops.conv_transpose2d_backward(dy, cache)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: forward(v, w, b), x, dy), **GRAD_TOL)
    np.testing.assert_allclose(dw, numerical_gradient(lambda v: forward(x, v, b), w, dy), **GRAD_TOL)
    np.testing.assert_allclose(db, numerical_gradient(lambda v: forward(x, w, v), b, dy), **GRAD_TOL)


SINGLE_INPUT_OPS = {
    "zero_padding2d": (
        ops.zero_padding2d_forward,
        ops.zero_padding2d_backward,
        dict(padding=((1, 0), (2, 1))),
    ),
    "cropping2d": (ops.cropping2d_forward, ops.cropping2d_backward, dict(cropping=((1, 0), (0, 2)))),
    "upsampling2d": (ops.upsampling2d_forward, ops.upsampling2d_backward, dict(size=(2, 3))),
    "global_average_pool2d": (ops.global_average_pool2d_forward, ops.global_average_pool2d_backward, dict()),
}


@pytest.mark.parametrize("name", SINGLE_INPUT_OPS)
def test_single_input_backward_numerically(rng, name):
    """zero padding, cropping, upsampling, global average pooling: dx matches centred differences."""
    forward, backward, kwargs = SINGLE_INPUT_OPS[name]
    x = rng.normal(size=(2, 3, 4, 2))
    y, cache = forward(x, **kwargs)
    dy = rng.normal(size=y.shape)
    expected = numerical_gradient(lambda v: forward(v, **kwargs)[0], x, dy)
    np.testing.assert_allclose(backward(dy, cache), expected, **GRAD_TOL)


@pytest.mark.parametrize(
    ("forward", "backward", "shapes", "kwargs"),
    [
        (ops.add_forward, ops.add_backward, [(2, 3, 2), (2, 3, 2), (2, 3, 2)], {}),
        (ops.concatenate_forward, ops.concatenate_backward, [(2, 3, 1), (2, 3, 2)], {}),
        (ops.concatenate_forward, ops.concatenate_backward, [(1, 2, 2), (3, 2, 2)], {"axis": 0}),
    ],
    ids=["add_three", "concatenate_channels", "concatenate_axis0"],
)
def test_merge_backward_numerically(rng, forward, backward, shapes, kwargs):
    """add and concatenate: the gradient of every input matches centred differences."""
    xs = [rng.normal(size=s) for s in shapes]
    y, cache = forward(xs, **kwargs)
    dy = rng.normal(size=y.shape)
    grads = backward(dy, cache)
    assert len(grads) == len(xs)
    for k, (x, grad) in enumerate(zip(xs, grads, strict=True)):

        def f(v, k=k):
            return forward([v if m == k else xm for m, xm in enumerate(xs)], **kwargs)[0]

        np.testing.assert_allclose(grad, numerical_gradient(f, x, dy), **GRAD_TOL)


# --- dtypes and inputs left alone ---------------------------------------------------------------

ALL_CALLS = {
    "conv_transpose2d": (
        lambda x, rng: ops.conv_transpose2d_forward(
            x, rng.normal(size=(3, 3, 2, 2)).astype(x.dtype), rng.normal(size=2).astype(x.dtype), 2, "same"
        ),
        ops.conv_transpose2d_backward,
    ),
    "zero_padding2d_none": (lambda x, rng: ops.zero_padding2d_forward(x, 0), ops.zero_padding2d_backward),
    "zero_padding2d": (lambda x, rng: ops.zero_padding2d_forward(x, (1, 2)), ops.zero_padding2d_backward),
    "cropping2d_none": (lambda x, rng: ops.cropping2d_forward(x), ops.cropping2d_backward),
    "cropping2d": (lambda x, rng: ops.cropping2d_forward(x, ((1, 0), (1, 1))), ops.cropping2d_backward),
    "upsampling2d_size1": (lambda x, rng: ops.upsampling2d_forward(x, 1), ops.upsampling2d_backward),
    "upsampling2d": (lambda x, rng: ops.upsampling2d_forward(x, (2, 1)), ops.upsampling2d_backward),
    "global_average_pool2d": (
        lambda x, rng: ops.global_average_pool2d_forward(x),
        ops.global_average_pool2d_backward,
    ),
    "add": (lambda x, rng: ops.add_forward([x, x + 1]), ops.add_backward),
    "concatenate": (
        lambda x, rng: ops.concatenate_forward((x, x[..., :1]), axis=3),
        ops.concatenate_backward,
    ),
}


def _arrays_of(result):
    """The arrays in an op's gradients: one array, a tuple (dx, dw, db) or a list."""
    items = result if isinstance(result, (list, tuple)) else [result]
    return [a for a in items if a is not None]


@pytest.mark.parametrize("name", ALL_CALLS)
def test_inputs_are_not_mutated(rng, name):
    """Forward and backward leave x and dy alone, and writing into the results does not reach them."""
    call, backward = ALL_CALLS[name]
    x = rng.normal(size=(2, 3, 4, 2))
    x_copy = x.copy()
    y, cache = call(x, np.random.default_rng(0))
    dy = rng.normal(size=y.shape)
    dy_copy = dy.copy()
    grads = _arrays_of(backward(dy, cache))
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dy, dy_copy)
    y[...] = 0
    for g in grads:
        g[...] = 0
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dy, dy_copy)


@pytest.mark.parametrize("name", ALL_CALLS)
def test_float32_in_float32_out(rng, name):
    """float32 inputs give float32 outputs and gradients, close to the float64 ones."""
    call, backward = ALL_CALLS[name]
    x = rng.normal(size=(2, 3, 4, 2))
    y64, c64 = call(x, np.random.default_rng(0))
    y32, c32 = call(x.astype(np.float32), np.random.default_rng(0))  # the same weights, in float32
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)
    dy = rng.normal(size=y64.shape)
    for g32, g64 in zip(
        _arrays_of(backward(dy.astype(np.float32), c32)), _arrays_of(backward(dy, c64)), strict=True
    ):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda x: ops.conv_transpose2d_forward(x, np.ones((2, 2, 1, 1))),
        ops.zero_padding2d_forward,
        ops.cropping2d_forward,
        ops.upsampling2d_forward,
        ops.global_average_pool2d_forward,
    ],
    ids=["conv_transpose2d", "zero_padding2d", "cropping2d", "upsampling2d", "global_average_pool2d"],
)
def test_missing_batch_axis_suggests_x_none(call):
    """An image without its batch axis: the message shows the layout, x.shape and the fix."""
    message = "expects x with 4 dims (N, H, W, C); received x.shape=(5, 5, 1). Add a batch axis with x[None]."
    with pytest.raises(ValueError, match=re.escape(message)):
        call(np.ones((5, 5, 1)))


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


@pytest.mark.parametrize(
    ("call", "name", "value"),
    [
        (lambda v: ops.zero_padding2d_forward(np.ones((1, 3, 3, 1)), v), "padding", -1),
        (lambda v: ops.zero_padding2d_forward(np.ones((1, 3, 3, 1)), v), "padding", (1, 2, 3)),
        (lambda v: ops.zero_padding2d_forward(np.ones((1, 3, 3, 1)), v), "padding", 1.5),
        (lambda v: ops.zero_padding2d_forward(np.ones((1, 3, 3, 1)), v), "padding", ((1, 0), 2)),
        (lambda v: ops.cropping2d_forward(np.ones((1, 3, 3, 1)), v), "cropping", "same"),
    ],
    ids=["negative", "three_values", "float", "mixed_forms", "string"],
)
def test_bad_border_values_list_the_forms(call, name, value):
    """A padding or cropping that is none of the three forms names the forms and the value received."""
    message = f"((top, bottom), (left, right)); received {name}={value!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        call(value)


@pytest.mark.parametrize(
    ("cropping", "message"),
    [
        (((2, 1), (0, 0)), "cropping=((2, 1), (0, 0)) removes 3 of the H=3 rows and 0 of the W=4 columns"),
        ((0, 2), "cropping=(0, 2) removes 0 of the H=3 rows and 4 of the W=4 columns"),
    ],
)
def test_crop_too_large(cropping, message):
    """A crop that leaves nothing names the crop and x's shape."""
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        ops.cropping2d_forward(np.ones((1, 3, 4, 1)), cropping)
    assert "x.shape=(1, 3, 4, 1)" in str(info.value)


def test_upsampling_size_must_be_positive():
    """size 0 is refused with its value."""
    with pytest.raises(ValueError, match=re.escape("size must be >= 1; received size=0.")):
        ops.upsampling2d_forward(np.ones((1, 2, 2, 1)), (2, 0))


def test_add_shape_mismatch_lists_the_shapes():
    """Arrays of different shapes cannot be added; all shapes are listed."""
    with pytest.raises(
        ValueError, match=re.escape("expects arrays of one shape; received shapes [(2, 3), (2, 3), (2, 4)]")
    ):
        ops.add_forward([np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 4))])


@pytest.mark.parametrize(
    ("shapes", "axis"),
    [([(2, 3, 4), (2, 5, 4)], -1), ([(2, 3), (2, 3, 1)], 0)],
    ids=["other_axis_differs", "ranks_differ"],
)
def test_concatenate_shape_mismatch_lists_the_shapes(shapes, axis):
    """Shapes must agree off the joining axis; all shapes are listed."""
    message = f"shapes agree on every axis but axis={axis}; received shapes {shapes}."
    with pytest.raises(ValueError, match=re.escape(message)):
        ops.concatenate_forward([np.ones(s) for s in shapes], axis)


def test_concatenate_axis_out_of_range():
    """An axis the arrays do not have is named with their shapes."""
    with pytest.raises(ValueError, match=re.escape("axis=3 is out of range for arrays with 3 dims")):
        ops.concatenate_forward([np.ones((1, 2, 3)), np.ones((1, 2, 3))], 3)


@pytest.mark.parametrize("func", [ops.add_forward, ops.concatenate_forward])
def test_merges_need_a_list_of_at_least_two(func):
    """One array is not a list of inputs; a list of one has nothing to merge with."""
    with pytest.raises(
        TypeError,
        match=re.escape(
            "expects xs as a list or tuple of arrays, one per input; received an array of shape (2, 3)."
        ),
    ):
        func(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("expects at least 2 arrays to merge; received 1.")):
        func([np.ones((2, 3))])


@pytest.mark.parametrize("name", ALL_CALLS)
def test_backward_checks_the_shape_of_dy(rng, name):
    """A dy of the wrong shape is refused, naming the forward output's shape."""
    call, backward = ALL_CALLS[name]
    y, cache = call(rng.normal(size=(2, 3, 4, 2)), np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape(f"expects dy with the forward output's shape {y.shape}")):
        backward(np.ones((*y.shape, 1)), cache)


# --- the elementwise merges: average, maximum, multiply, subtract --------------------------------


@pytest.mark.parametrize("name", ["average", "maximum", "multiply", "subtract"])
@given(
    shape=st.sampled_from([(3,), (2, 3), (2, 3, 3, 2)]),
    n=st.integers(2, 4),
    ties=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=20)
def test_elementwise_merges_match_reference(name, shape, n, ties, seed):
    """Forward and backward equal the loops; ties (equal inputs) give maximum's gradient to the first."""
    forward, backward = getattr(ops, f"{name}_forward"), getattr(ops, f"{name}_backward")
    ref_forward, ref_backward = getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")
    n = 2 if name == "subtract" else n
    rng = np.random.default_rng(seed)
    xs = [rng.integers(-2, 3, size=shape).astype(float) if ties else rng.normal(size=shape) for _ in range(n)]
    y, cache = forward(xs)
    np.testing.assert_allclose(y, ref_forward(xs), **EXACT)
    dy = rng.normal(size=y.shape)
    for got, want in zip(backward(dy, cache), ref_backward(dy, xs), strict=True):
        np.testing.assert_allclose(got, want, **EXACT)


def test_subtract_takes_exactly_two_inputs():
    with pytest.raises(ValueError, match="exactly 2"):
        ops.subtract_forward([np.ones(2)] * 3)
