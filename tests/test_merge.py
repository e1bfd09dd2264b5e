"""``cnnviz.merge``: the ops behind Add, Average, Maximum, Multiply, Subtract and Concatenate, forward
and backward, against the loops of ``cnnviz.reference.merge`` on many shapes; wrong lists named."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import merge
from cnnviz import reference as ref

ELEMENTWISE = ["add", "average", "maximum", "multiply"]


def _arrays(seed, count, shape):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(count)], rng.standard_normal(shape)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([*ELEMENTWISE, "subtract"]), st.integers(2, 4), st.integers(0, 2**16))
def test_elementwise_merges_match_the_loops(name, count, seed):
    count = 2 if name == "subtract" else count  # Keras' Subtract takes exactly two
    xs, dy = _arrays(seed, count, (2, 3, 3, 2))
    y, cache = getattr(merge, f"{name}_forward")(xs)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(xs), rtol=1e-12, atol=1e-12)
    fast = getattr(merge, f"{name}_backward")(dy, cache)
    slow = getattr(ref, f"{name}_backward")(dy, xs)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(-4, 3), st.lists(st.integers(1, 4), min_size=2, max_size=3), st.integers(0, 2**16))
def test_concatenate_matches_the_loops_along_any_axis(axis, sizes, seed):
    rng = np.random.default_rng(seed)
    shape = [2, 3, 2, 2]
    xs = []
    for size in sizes:
        shape[axis] = size
        xs.append(rng.standard_normal(tuple(shape)))
    y, cache = merge.concatenate_forward(xs, axis=axis)
    np.testing.assert_array_equal(y, ref.concatenate_forward(xs, axis=axis))
    dy = rng.standard_normal(y.shape)
    for a, b in zip(merge.concatenate_backward(dy, cache), ref.concatenate_backward(dy, xs, axis=axis)):
        np.testing.assert_array_equal(a, b)


def test_maximum_sends_the_gradient_to_the_first_largest_on_a_tie():
    a, b = np.array([[1.0, 2.0]]), np.array([[1.0, 3.0]])
    _, cache = merge.maximum_forward([a, b])
    da, db = merge.maximum_backward(np.ones((1, 2)), cache)
    np.testing.assert_array_equal(da, [[1.0, 0.0]])
    np.testing.assert_array_equal(db, [[0.0, 1.0]])


@pytest.mark.parametrize(
    "xs, words",
    [
        ([np.ones((2, 3))], "at least two|2"),
        ([np.ones((2, 3)), np.ones((2, 4))], r"\(2, 4\)"),
        (np.ones((2, 3)), "list"),
    ],
)
def test_a_wrong_list_is_named(xs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        merge.add_forward(xs)
