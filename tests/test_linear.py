"""``cnnviz.linear``: dense, dropout and rescaling, forward and backward, against the loops of
``cnnviz.reference.linear`` on many shapes, and dropout's mask and scaling."""

import numpy as np
import pytest
from _helpers import OP_CHECKS
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import linear, ops
from cnnviz import reference as ref
from cnnviz.keras import layers

SHAPES = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5))  # (N, inputs, units)


@settings(max_examples=30, deadline=None)
@given(SHAPES, st.booleans(), st.integers(0, 2**16))
def test_dense_forward_and_backward_match_the_loops(shape, bias, seed):
    N, K, M = shape
    rng = np.random.default_rng(seed)
    x, w, b, dy = (
        rng.standard_normal((N, K)),
        rng.standard_normal((K, M)),
        rng.standard_normal(M),
        rng.standard_normal((N, M)),
    )
    b = b if bias else None
    y, cache = linear.dense_forward(x, w, b)
    np.testing.assert_allclose(y, ref.dense_forward(x, w, b), rtol=1e-12, atol=1e-12)
    for fast, slow in zip(linear.dense_backward(dy, cache), ref.dense_backward(dy, x, w, b)):
        if slow is None:
            assert fast is None
        else:
            np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 3), st.floats(-3, 3), st.integers(0, 2**16))
def test_rescaling_matches_the_loops(scale, offset, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, 4))
    y, cache = linear.rescaling_forward(x, scale, offset)
    np.testing.assert_allclose(y, ref.rescaling_forward(x, scale, offset), rtol=1e-12, atol=1e-12)
    dy = np.ones_like(x)
    np.testing.assert_allclose(
        linear.rescaling_backward(dy, cache), ref.rescaling_backward(dy, x, scale, offset)
    )


@pytest.mark.parametrize("rate", [0.0, 0.2, 0.5, 0.9])
def test_dropout_keeps_each_value_with_probability_one_minus_rate_and_scales_it(rate):
    x = np.ones((200, 100))
    y, cache = linear.dropout_forward(x, rate, rng=0)
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < 0.02
    np.testing.assert_allclose(y[kept], 1 / (1 - rate))
    dy = np.full_like(x, 3.0)
    np.testing.assert_array_equal(linear.dropout_backward(dy, cache), np.where(kept, 3 / (1 - rate), 0.0))
    same, _ = linear.dropout_forward(x, rate, rng=0)
    np.testing.assert_array_equal(same, y)  # the same generator seed, the same mask
    inference, _ = linear.dropout_forward(x, rate, training=False)
    np.testing.assert_array_equal(inference, x)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_refuses_a_rate_outside_zero_to_one(rate):
    with pytest.raises(ValueError, match="rate"):
        linear.dropout_forward(np.ones((2, 3)), rate, rng=0)


def test_dense_names_a_wrong_shape():
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        linear.dense_forward(np.ones((2, 5)), np.ones((3, 4)))


def test_rescaling_hand_examples():
    """Keras' two uses: pixels 0..255 to [0, 1] (scale=1/255), and to [-1, 1] (scale=1/127.5, offset=-1)."""
    pixels = np.array([[0, 51, 255]], dtype=np.uint8)
    np.testing.assert_allclose(layers.Rescaling(1 / 255)(pixels), [[0.0, 0.2, 1.0]], rtol=1e-12)
    np.testing.assert_allclose(
        layers.Rescaling(1 / 127.5, offset=-1)(pixels), [[-1.0, -0.6, 1.0]], rtol=1e-12
    )
    y, cache = ops.rescaling_forward(np.ones((2, 3), np.float32), scale=0.5, offset=2)
    assert y.dtype == np.float32 and np.all(y == 2.5)
    np.testing.assert_array_equal(ops.rescaling_backward(np.full((2, 3), 4.0), cache), np.full((2, 3), 2.0))


@pytest.mark.parametrize("check", OP_CHECKS)
def test_rescaling_keeps_what_every_op_promises(rng, check):
    """Inputs left alone, float32 kept, a dy of the wrong shape refused (see _helpers.OP_CHECKS)."""
    OP_CHECKS[check](lambda x, rng: ops.rescaling_forward(x, -1.5, 0.25), ops.rescaling_backward, rng)
