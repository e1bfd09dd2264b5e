"""ReLU, softmax, log-softmax and sparse categorical cross-entropy."""

import math
import re

import numpy as np
import pytest
from _helpers import EXACT, OP_CHECKS
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import ops
from cnnviz import reference as ref
from cnnviz.keras import layers

# --- ReLU ---------------------------------------------------------------------------------------


def test_relu_forward_and_backward():
    """φ(x) = max(x, 0); the gradient passes where x > 0 and is blocked at and below 0."""
    x = np.array([[-2.0, 0.0, 3.0], [0.5, -0.1, 7.0]])
    y, cache = ops.relu_forward(x)
    np.testing.assert_array_equal(y, [[0.0, 0.0, 3.0], [0.5, 0.0, 7.0]])
    dx = ops.relu_backward(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), cache)
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]])


def test_relu_accepts_ints_and_leaves_input_alone():
    """Integer input works; the caller's array is not modified."""
    x = np.array([-1, 2, -3])
    y, _ = ops.relu_forward(x)
    np.testing.assert_array_equal(y, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(x, [-1, 2, -3])


# --- softmax and log-softmax --------------------------------------------------------------------


def test_softmax_rows_sum_to_one(rng):
    """Each row of softmax is a probability distribution."""
    p = ops.softmax(rng.normal(size=(6, 10)) * 5)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


def test_softmax_hand_example():
    """softmax([0, log 3]) = [1/4, 3/4]; equal logits give equal probabilities."""
    np.testing.assert_allclose(ops.softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75], rtol=1e-12)
    np.testing.assert_allclose(ops.softmax(np.zeros((2, 4))), np.full((2, 4), 0.25), rtol=1e-12)


def test_softmax_is_shift_invariant(rng):
    """Adding a constant to a row does not change its softmax."""
    z = rng.normal(size=(3, 5))
    np.testing.assert_allclose(ops.softmax(z + 100.0), ops.softmax(z), rtol=1e-12)


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        ([1000.0, -1000.0], [1.0, 0.0]),
        ([-1000.0, 1000.0], [0.0, 1.0]),
        ([1000.0, 1000.0], [0.5, 0.5]),
        ([-1000.0, -1000.0], [0.5, 0.5]),
        ([1000.0, 999.0], [1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))]),
    ],
)
def test_softmax_is_stable_for_large_logits(z, expected):
    """Huge logits give finite, correct probabilities (no overflow, no nan)."""
    p = ops.softmax(np.array(z))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-300)


def test_softmax_axis(rng):
    """softmax along axis 0 normalizes the columns."""
    z = rng.normal(size=(4, 3))
    np.testing.assert_allclose(ops.softmax(z, axis=0).sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(ops.softmax(z, axis=0), ops.softmax(z.T).T, rtol=1e-12)


def test_log_softmax_equals_log_of_softmax(rng):
    """For moderate logits, log_softmax = log(softmax)."""
    z = rng.normal(size=(5, 4))
    np.testing.assert_allclose(ops.log_softmax(z), np.log(ops.softmax(z)), rtol=1e-12)


def test_log_softmax_is_stable_for_large_logits():
    """log_softmax([1000, 0]) = [0, −1000]: finite, where log(softmax) would give −∞."""
    out = ops.log_softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [[0.0, -1000.0], [-math.log(2), -math.log(2)]], rtol=1e-12, atol=1e-12)


def test_softmax_forward_returns_cache():
    """softmax_forward returns p and a cache holding p."""
    p, cache = ops.softmax_forward(np.array([[0.0, 0.0]]))
    np.testing.assert_array_equal(p, [[0.5, 0.5]])
    np.testing.assert_array_equal(cache["p"], p)


# --- sparse categorical cross-entropy -----------------------------------------------------------

LOSS = ops.sparse_categorical_crossentropy_forward
LOSS_BACKWARD = ops.sparse_categorical_crossentropy_backward


def test_crossentropy_hand_example():
    """Two equal logits: p = 1/2 for the true class, loss = log 2."""
    loss, cache = LOSS(np.zeros((1, 2)), np.array([1]))
    assert isinstance(loss, float)
    assert loss == pytest.approx(math.log(2), rel=1e-12)
    np.testing.assert_array_equal(cache["p"], [[0.5, 0.5]])


def test_crossentropy_uniform_over_K_classes():
    """Zero logits over K classes: loss = log K for every sample, so the mean is log K."""
    loss, _ = LOSS(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert loss == pytest.approx(math.log(10), rel=1e-12)


@pytest.mark.parametrize(
    ("logits", "label", "expected"),
    [
        ([[1000.0, -1000.0]], 0, 0.0),  # certain and right
        ([[1000.0, -1000.0]], 1, 2000.0),  # certain and wrong: −log p = 2000, not inf
        ([[-1000.0, -1000.0]], 0, math.log(2)),
        ([[1000.0, 1000.0, 1000.0]], 2, math.log(3)),
    ],
)
def test_crossentropy_is_stable_for_large_logits(logits, label, expected):
    """Huge logits give a finite, correct loss (log-sum-exp, never log of a rounded 0)."""
    loss, cache = LOSS(np.array(logits), np.array([label]))
    assert math.isfinite(loss)
    assert loss == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert np.all(np.isfinite(LOSS_BACKWARD(1.0, cache)))


def test_crossentropy_is_the_mean_over_the_batch(rng):
    """The batch loss is the mean of the per-sample losses −log p[n, t_n]."""
    logits, labels = rng.normal(size=(6, 4)) * 3, np.array([0, 1, 2, 3, 2, 1])
    batch_loss, _ = LOSS(logits, labels)
    single = [LOSS(logits[n : n + 1], labels[n : n + 1])[0] for n in range(6)]
    assert batch_loss == pytest.approx(np.mean(single), rel=1e-12)
    p = ops.softmax(logits)
    assert batch_loss == pytest.approx(-np.mean(np.log(p[np.arange(6), labels])), rel=1e-12)


def test_crossentropy_gradient_is_p_minus_onehot_over_N(rng):
    """d loss / d logits = (p − onehot(t)) / N, scaled by the upstream dloss."""
    logits, labels = rng.normal(size=(5, 3)), np.array([2, 0, 1, 1, 0])
    _, cache = LOSS(logits, labels)
    onehot = np.eye(3)[labels]
    expected = (ops.softmax(logits) - onehot) / 5
    np.testing.assert_allclose(LOSS_BACKWARD(1.0, cache), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(LOSS_BACKWARD(2.5, cache), 2.5 * expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(LOSS_BACKWARD(1.0, cache).sum(axis=1), 0.0, atol=1e-15)  # each row sums to 0


def test_crossentropy_accepts_a_list_of_labels():
    """Labels given as a Python list of ints work."""
    loss, _ = LOSS(np.zeros((2, 2)), [0, 1])
    assert loss == pytest.approx(math.log(2), rel=1e-12)


@pytest.mark.parametrize(
    "labels",
    [np.array([0.0, 1.0]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([True, False])],
    ids=["float", "one_hot_floats", "bool"],
)
def test_crossentropy_rejects_non_integer_labels(labels):
    """Float (or one-hot, or boolean) labels raise TypeError asking for integer class labels."""
    with pytest.raises(
        TypeError, match=rf"expects integer class labels 0\.\.1 .*received labels with dtype {labels.dtype}"
    ):
        LOSS(np.zeros((2, 2)), labels)


@pytest.mark.parametrize("labels", [np.array([[0], [1]]), np.array([0, 1, 1]), np.array(1)])
def test_crossentropy_rejects_wrong_label_shape(labels):
    """One label per sample: labels.shape must be (N,)."""
    message = f"labels.shape=(2,) for logits.shape=(2, 3); received labels.shape={labels.shape}"
    with pytest.raises(ValueError, match=re.escape(message)):
        LOSS(np.zeros((2, 3)), labels)


@pytest.mark.parametrize(("labels", "low", "high"), [([0, 3], 0, 3), ([-1, 2], -1, 2), ([5, 7], 5, 7)])
def test_crossentropy_rejects_out_of_range_labels(labels, low, high):
    """Labels must lie in 0..K−1; the message gives K and the range received."""
    message = f"expects labels in 0..2 for K=3 classes; received labels from {low} to {high}"
    with pytest.raises(ValueError, match=re.escape(message)):
        LOSS(np.zeros((2, 3)), np.array(labels))


def test_crossentropy_rejects_logits_of_the_wrong_rank():
    """Logits must be (N, K)."""
    with pytest.raises(
        ValueError, match=re.escape("expects logits with 2 dims (N, K); received logits.shape=(3,)")
    ):
        LOSS(np.zeros(3), np.array([0]))


# --- leaky ReLU: vectorized == reference, hand example, what every op promises -------------------


@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    slope=st.one_of(st.sampled_from([0.0, 0.01, 0.3, 1.0]), st.floats(0, 5)),
    zeros=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_leaky_relu_matches_reference(shape, slope, zeros, seed):
    """Any shape and slope, with exact zeros (the slope's side of the kink): vectorized == reference."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    if zeros:
        x[rng.random(shape) < 0.3] = 0.0
    y, cache = ops.leaky_relu_forward(x, slope)
    np.testing.assert_allclose(y, ref.leaky_relu(x, slope), **EXACT)
    dy = rng.normal(size=shape)
    np.testing.assert_allclose(
        ops.leaky_relu_backward(dy, cache), ref.leaky_relu_backward(dy, x, slope), **EXACT
    )


def test_leaky_relu_hand_example_and_slope_zero_is_relu(rng):
    """Keras' example (slope 0.5); with slope 0 it is ReLU, forward and backward (0 at x = 0 too)."""
    y, cache = ops.leaky_relu_forward(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]), 0.5)
    np.testing.assert_array_equal(y, [-5.0, -2.5, 0.0, 5.0, 10.0])
    np.testing.assert_array_equal(ops.leaky_relu_backward(np.ones(5), cache), [0.5, 0.5, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(
        layers.LeakyReLU()(np.array([[-3.0, -1.0, 0.0, 2.0]])), [[-0.9, -0.3, 0.0, 2.0]], rtol=1e-15
    )  # the default slope, 0.3
    x = np.concatenate([rng.normal(size=20), [0.0]])
    dy = rng.normal(size=x.shape)
    (y0, c0), (y1, c1) = ops.leaky_relu_forward(x, 0), ops.relu_forward(x)
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(ops.leaky_relu_backward(dy, c0), ops.relu_backward(dy, c1))


@pytest.mark.parametrize("check", OP_CHECKS)
def test_leaky_relu_keeps_what_every_op_promises(rng, check):
    """Inputs left alone, float32 kept, a dy of the wrong shape refused (see _helpers.OP_CHECKS)."""
    OP_CHECKS[check](lambda x, rng: ops.leaky_relu_forward(x, 0.2), ops.leaky_relu_backward, rng)
