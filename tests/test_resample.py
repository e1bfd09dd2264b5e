"""The weightless ops of ``cnnviz.resample``: zero padding, cropping, nearest-neighbour upsampling
and global pooling; vectorized == reference loops, hand examples, errors. ``cnnviz.reference``
has each of them under the op's name, called with the op's arguments.
"""

import re

import numpy as np
import pytest
from _helpers import EXACT, OP_CHECKS
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops
from cnnviz import reference as ref

# --- padding, cropping, upsampling: vectorized == reference ----------------------------------------


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


@pytest.mark.parametrize("name", ["zero_padding2d", "cropping2d"])
@given(data=st.data())
@settings(max_examples=60)
def test_borders_match_reference(name, data):
    """Zero padding and cropping, each in Keras' three forms: vectorized == reference."""
    x_shape, border, seed = data.draw(border_setups(crop=name == "cropping2d"))
    check_against_reference(name, x_shape, (border,), seed)


@given(
    x_shape=st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)),
    size=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_upsampling2d_matches_reference(x_shape, size, seed):
    """Nearest-neighbour upsampling, square and non-square blocks: vectorized == reference."""
    check_against_reference("upsampling2d", x_shape, (size,), seed)


# --- global pooling: vectorized == reference -----------------------------------------------------


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


# --- hand examples -------------------------------------------------------------------------------


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


# --- errors and what every op promises -----------------------------------------------------------


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


RESAMPLE_CALLS = {
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
    "global_max_pool2d": (lambda x, rng: ops.global_max_pool2d_forward(x), ops.global_max_pool2d_backward),
    "global_max_pool1d": (
        lambda x, rng: ops.global_max_pool1d_forward(x[:, 0]),
        ops.global_max_pool1d_backward,
    ),
    "global_average_pool1d": (
        lambda x, rng: ops.global_average_pool1d_forward(x[:, 0]),
        ops.global_average_pool1d_backward,
    ),
}


@pytest.mark.parametrize("check", OP_CHECKS)
@pytest.mark.parametrize("name", RESAMPLE_CALLS)
def test_what_every_op_promises(rng, name, check):
    """Inputs left alone, float32 kept, a dy of the wrong shape refused (see _helpers.OP_CHECKS)."""
    OP_CHECKS[check](*RESAMPLE_CALLS[name], rng)
