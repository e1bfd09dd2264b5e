"""``cnnviz.merge``: the ops behind Add, Average, Maximum, Multiply, Subtract and Concatenate, forward
and backward, against the loops of ``cnnviz.reference.merge`` on many shapes; hand examples; wrong
lists named."""

import re

import numpy as np
import pytest
from _helpers import OP_CHECKS
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops
from cnnviz import reference as ref

MERGE_TOL = {"rtol": 1e-12, "atol": 1e-12}
SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)  # rank 1–4


# --- vectorized == reference ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["add", "average", "maximum", "multiply", "subtract"])
@given(shape=SHAPES, n=st.integers(2, 4), ties=st.booleans(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40)
def test_elementwise_merges_match_reference(name, shape, n, ties, seed):
    """2–4 inputs of any rank (Subtract takes exactly two), distinct values or many ties: forward and
    backward equal the loops; ties (equal inputs) give maximum's gradient to the first."""
    forward, backward = getattr(ops, f"{name}_forward"), getattr(ops, f"{name}_backward")
    ref_forward, ref_backward = getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")
    n = 2 if name == "subtract" else n
    rng = np.random.default_rng(seed)
    xs = [rng.integers(-2, 3, size=shape).astype(float) if ties else rng.normal(size=shape) for _ in range(n)]
    y, cache = forward(xs)
    np.testing.assert_allclose(y, ref_forward(xs), **MERGE_TOL)
    dy = rng.normal(size=y.shape)
    grads = backward(dy, cache)
    assert len(grads) == n
    for got, want in zip(grads, ref_backward(dy, xs), strict=True):
        np.testing.assert_allclose(got, want, **MERGE_TOL)


@given(shape=SHAPES, data=st.data(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=80)
def test_concatenate_matches_reference_along_any_axis(shape, data, seed):
    """2–3 inputs of rank 1–4 joined along any axis (negative too): forward and backward equal the
    loops exactly (concatenation only moves values)."""
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes_along = data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    rng = np.random.default_rng(seed)
    xs = []
    for size in sizes_along:
        s = list(shape)
        s[axis] = size
        xs.append(rng.normal(size=s))
    y, cache = ops.concatenate_forward(xs, axis)
    np.testing.assert_array_equal(y, ref.concatenate_forward(xs, axis))
    dy = rng.normal(size=y.shape)
    grads = ops.concatenate_backward(dy, cache)
    for got, want, x in zip(grads, ref.concatenate_backward(dy, xs, axis), xs, strict=True):
        assert got.shape == x.shape
        np.testing.assert_array_equal(got, want)


# --- hand examples -------------------------------------------------------------------------------


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


def test_maximum_sends_the_gradient_to_the_first_largest_on_a_tie():
    a, b = np.array([[1.0, 2.0]]), np.array([[1.0, 3.0]])
    _, cache = ops.maximum_forward([a, b])
    da, db = ops.maximum_backward(np.ones((1, 2)), cache)
    np.testing.assert_array_equal(da, [[1.0, 0.0]])
    np.testing.assert_array_equal(db, [[0.0, 1.0]])


# --- errors and what every op promises -----------------------------------------------------------


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


def test_subtract_takes_exactly_two_inputs():
    with pytest.raises(ValueError, match="exactly 2"):
        ops.subtract_forward([np.ones(2)] * 3)


MERGE_CALLS = {
    "add": (lambda x, rng: ops.add_forward([x, x + 1]), ops.add_backward),
    "concatenate": (
        lambda x, rng: ops.concatenate_forward((x, x[..., :1]), axis=3),
        ops.concatenate_backward,
    ),
}


@pytest.mark.parametrize("check", OP_CHECKS)
@pytest.mark.parametrize("name", MERGE_CALLS)
def test_what_every_op_promises(rng, name, check):
    """Inputs left alone, float32 kept, a dy of the wrong shape refused (see _helpers.OP_CHECKS)."""
    OP_CHECKS[check](*MERGE_CALLS[name], rng)
