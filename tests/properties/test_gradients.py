"""Every backward pass against centred differences, in float64, with a random upstream gradient dy.

For an op y = f(x) and an upstream gradient dy, the backward pass must return
d(Σ f(x) · dy)/dx; ``numerical_gradient`` estimates the same quantity by nudging
each entry of x by ±h.
"""

import contextlib

import numpy as np
import pytest
from _helpers import (
    CONV_PATHS,
    CONV_SPLITS,
    GRAD_TOL,
    POOL1D_CASES,
    blocks_on_two_threads,
    conv_path,
    distinct_values,
    numerical_gradient,
)

from cnnviz import ops


def test_numerical_gradient_on_a_known_function(rng):
    """The helper itself: for f(x) = x², d(Σ x² · dy)/dx = 2x · dy."""
    x, dy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x_before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda v: v**2, x, dy), 2 * x * dy, **GRAD_TOL)
    np.testing.assert_array_equal(x, x_before)


# --- convolution --------------------------------------------------------------------------------

CONV2D_GRADIENT_CASES = {
    "stride1_valid": dict(),
    "stride1_same_even_kernel": dict(padding="same"),
    "stride1_per_side_padding_dilation2": dict(padding=((2, 1), (0, 3)), dilation_rate=2),
    "stride2_valid": dict(strides=2),
    "stride2_same": dict(strides=2, padding="same"),
    "stride2_padding_dilation2": dict(strides=2, padding=1, dilation_rate=2),
    "stride_1x2_per_side_padding": dict(strides=(1, 2), padding=((0, 2), (1, 0))),
    "stride3_padding_larger_than_kernel": dict(strides=3, padding=3),
}


@pytest.mark.parametrize(("C", "F"), [(2, 3), (3, 2)], ids=["C<F", "C>=F"])
@pytest.mark.parametrize("name", CONV2D_GRADIENT_CASES)
def test_conv2d_backward(rng, name, C, F):
    """conv2d: dx, dw and db match centred differences.

    dx has two code paths: stride 1 with C >= F correlates dy with the flipped kernel;
    any other case adds each tap's share back (col2im). Both are covered.
    """
    kwargs = CONV2D_GRADIENT_CASES[name]
    x, w, b = rng.normal(size=(2, 5, 6, C)), rng.normal(size=(2, 3, C, F)), rng.normal(size=F)
    check_conv_gradients(ops.conv2d_forward, ops.conv2d_backward, x, w, b, kwargs, rng)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(strides=2, padding="same"),
        dict(padding=(0, 2), dilation_rate=2),
        dict(strides=3, padding=1),
    ],
    ids=["valid", "stride2_same", "per_side_dilation2", "stride3_pad1"],
)
def test_conv1d_backward(rng, kwargs):
    """conv1d: dx, dw and db match centred differences."""
    x, w, b = rng.normal(size=(2, 7, 2)), rng.normal(size=(3, 2, 2)), rng.normal(size=2)
    check_conv_gradients(ops.conv1d_forward, ops.conv1d_backward, x, w, b, kwargs, rng)


def check_conv_gradients(forward, backward, x, w, b, kwargs, rng):
    """dx, dw and db of ``backward`` against centred differences of ``forward``."""
    y, cache = forward(x, w, b, **kwargs)
    dy = rng.normal(size=y.shape)
    dx, dw, db = backward(dy, cache)
    np.testing.assert_allclose(
        dx, numerical_gradient(lambda v: forward(v, w, b, **kwargs)[0], x, dy), **GRAD_TOL
    )
    np.testing.assert_allclose(
        dw, numerical_gradient(lambda v: forward(x, v, b, **kwargs)[0], w, dy), **GRAD_TOL
    )
    np.testing.assert_allclose(
        db, numerical_gradient(lambda v: forward(x, w, v, **kwargs)[0], b, dy), **GRAD_TOL
    )


@pytest.mark.parametrize("split", CONV_SPLITS)
@pytest.mark.parametrize("path", CONV_PATHS)
@pytest.mark.parametrize(
    "name", ["stride1_same_even_kernel", "stride1_per_side_padding_dilation2", "stride2_padding_dilation2"]
)
def test_conv2d_backward_every_path(rng, name, path, split):
    """conv2d on each of its fast paths, forced (see tests/_helpers.py): gradients match centred differences."""
    kwargs = CONV2D_GRADIENT_CASES[name]
    x, w, b = rng.normal(size=(3, 5, 6, 2)), rng.normal(size=(2, 3, 2, 3)), rng.normal(size=3)
    with conv_path(path, split):
        check_conv_gradients(ops.conv2d_forward, ops.conv2d_backward, x, w, b, kwargs, rng)


# --- pooling ------------------------------------------------------------------------------------

POOL2D_CASES = {
    "2x2_default_strides": dict(pool_size=2),
    "overlapping_3x3_stride1": dict(pool_size=3, strides=1),
    "overlapping_3x2_stride_2x1_same": dict(pool_size=(3, 2), strides=(2, 1), padding="same"),
    "stride_gt_pool": dict(pool_size=2, strides=3),
    "int_padding": dict(pool_size=3, strides=2, padding=1),
    "pool_equals_input": dict(pool_size=(5, 6)),
    "windows_tile_x": dict(pool_size=(1, 3)),  # S = pool size and 5 × 6 divides into 1 × 3 windows
}
# pooling and batch norm split the batch into blocks, shared by two threads when the arrays are large
SPLITS = pytest.mark.parametrize(
    "split", [contextlib.nullcontext, blocks_on_two_threads], ids=["one_thread", "blocks_on_two_threads"]
)


@SPLITS
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", POOL2D_CASES)
def test_pool2d_backward(rng, kind, name, split):
    """max_pool2d (tie-free input) and avg_pool2d: dx matches centred differences."""
    kwargs = POOL2D_CASES[name]
    forward, backward = getattr(ops, f"{kind}_pool2d_forward"), getattr(ops, f"{kind}_pool2d_backward")
    x = distinct_values(rng, (2, 5, 6, 2))  # spacing 0.1 ≫ h: a nudge never changes a window's winner
    with split():
        y, cache = forward(x, **kwargs)
        dy = rng.normal(size=y.shape)
        expected = numerical_gradient(lambda v: forward(v, **kwargs)[0], x, dy)
        np.testing.assert_allclose(backward(dy, cache), expected, **GRAD_TOL)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", POOL1D_CASES)
def test_pool1d_backward(rng, kind, case):
    """max_pool1d (tie-free input) and avg_pool1d: dx matches centred differences."""
    kwargs = POOL1D_CASES[case]
    forward, backward = getattr(ops, f"{kind}_pool1d_forward"), getattr(ops, f"{kind}_pool1d_backward")
    x = distinct_values(rng, (2, 8, 3))
    y, cache = forward(x, **kwargs)
    dy = rng.normal(size=y.shape)
    expected = numerical_gradient(lambda v: forward(v, **kwargs)[0], x, dy)
    np.testing.assert_allclose(backward(dy, cache), expected, **GRAD_TOL)


# --- batch normalization ------------------------------------------------------------------------


@SPLITS
@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 2), (1, 2, 3, 1)], ids=["dense", "conv", "batch_of_one"])
def test_batchnorm_backward(rng, shape, split):
    """batchnorm: dx, dgamma and dbeta match centred differences."""
    C = shape[-1]
    x = rng.normal(size=shape) * 2 + 1
    gamma, beta = rng.normal(size=C), rng.normal(size=C)
    with split():
        y, cache = ops.batchnorm_forward(x, gamma, beta, epsilon=1e-3)
        dy = rng.normal(size=y.shape)
        dx, dgamma, dbeta = ops.batchnorm_backward(dy, cache)
        np.testing.assert_allclose(
            dx, numerical_gradient(lambda v: ops.batchnorm_forward(v, gamma, beta)[0], x, dy), **GRAD_TOL
        )
        np.testing.assert_allclose(
            dgamma, numerical_gradient(lambda v: ops.batchnorm_forward(x, v, beta)[0], gamma, dy), **GRAD_TOL
        )
        np.testing.assert_allclose(
            dbeta, numerical_gradient(lambda v: ops.batchnorm_forward(x, gamma, v)[0], beta, dy), **GRAD_TOL
        )


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 2)], ids=["dense", "conv"])
def test_batchnorm_inference_backward(rng, shape):
    """batchnorm in inference mode (fixed statistics): dx, dgamma and dbeta match centred differences."""
    C = shape[-1]
    x = rng.normal(size=shape) * 2 + 1
    gamma, beta, mean = rng.normal(size=C), rng.normal(size=C), rng.normal(size=C)
    var = rng.uniform(0.5, 2, size=C)

    def f(x=x, gamma=gamma, beta=beta):
        return ops.batchnorm_inference(x, gamma, beta, mean, var)

    y, cache = ops.batchnorm_inference_forward(x, gamma, beta, mean, var)
    dy = rng.normal(size=y.shape)
    dx, dgamma, dbeta = ops.batchnorm_inference_backward(dy, cache)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: f(x=v), x, dy), **GRAD_TOL)
    np.testing.assert_allclose(dgamma, numerical_gradient(lambda v: f(gamma=v), gamma, dy), **GRAD_TOL)
    np.testing.assert_allclose(dbeta, numerical_gradient(lambda v: f(beta=v), beta, dy), **GRAD_TOL)


# --- activations and loss -----------------------------------------------------------------------


def test_relu_backward(rng):
    """relu: dx matches centred differences (inputs kept away from the kink at 0)."""
    x = rng.uniform(0.1, 2.0, size=(3, 4, 2)) * rng.choice([-1.0, 1.0], size=(3, 4, 2))
    y, cache = ops.relu_forward(x)
    dy = rng.normal(size=y.shape)
    expected = numerical_gradient(lambda v: ops.relu_forward(v)[0], x, dy)
    np.testing.assert_allclose(ops.relu_backward(dy, cache), expected, **GRAD_TOL)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_softmax_backward(rng, shape):
    """softmax: dz matches centred differences, over the last axis."""
    z = rng.normal(size=shape) * 2
    p, cache = ops.softmax_forward(z)
    dp = rng.normal(size=p.shape)
    expected = numerical_gradient(lambda v: ops.softmax_forward(v)[0], z, dp)
    np.testing.assert_allclose(ops.softmax_backward(dp, cache), expected, **GRAD_TOL)


@pytest.mark.parametrize("dloss", [1.0, -0.7])
def test_sparse_categorical_crossentropy_backward(rng, dloss):
    """Cross-entropy: d loss / d logits matches centred differences (times the upstream dloss)."""
    logits, labels = rng.normal(size=(5, 4)) * 2, np.array([0, 3, 1, 1, 2])
    _, cache = ops.sparse_categorical_crossentropy_forward(logits, labels)

    def loss(v):
        return ops.sparse_categorical_crossentropy_forward(v, labels)[0]

    expected = numerical_gradient(loss, logits, dloss)
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy_backward(dloss, cache), expected, **GRAD_TOL
    )


# --- merging branches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, n", [("add", 3), ("average", 3), ("maximum", 3), ("multiply", 3), ("subtract", 2)]
)
def test_merge_backward(rng, name, n):
    """Each input's gradient of add, average, maximum, multiply and subtract matches centred differences
    (maximum on distinct values, where it is differentiable)."""
    forward, backward = getattr(ops, f"{name}_forward"), getattr(ops, f"{name}_backward")
    xs = [rng.normal(size=(2, 3, 2)) for _ in range(n)]
    y, cache = forward(xs)
    dy = rng.normal(size=y.shape)
    for k, dx in enumerate(backward(dy, cache)):

        def f(v, k=k):
            return forward([v if j == k else x for j, x in enumerate(xs)])[0]

        np.testing.assert_allclose(dx, numerical_gradient(f, xs[k], dy), **GRAD_TOL)


# --- transposed convolution, padding, cropping, upsampling, global average pooling, merges -----------

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


SINGLE_INPUT_OPS = {  # (forward(x) -> (y, cache), backward, x's shape)
    "zero_padding2d": (
        lambda x: ops.zero_padding2d_forward(x, ((1, 0), (2, 1))),
        ops.zero_padding2d_backward,
        (2, 3, 4, 2),
    ),
    "cropping2d": (
        lambda x: ops.cropping2d_forward(x, ((1, 0), (0, 2))),
        ops.cropping2d_backward,
        (2, 3, 4, 2),
    ),
    "upsampling2d": (lambda x: ops.upsampling2d_forward(x, (2, 3)), ops.upsampling2d_backward, (2, 3, 4, 2)),
    "global_average_pool2d": (
        ops.global_average_pool2d_forward,
        ops.global_average_pool2d_backward,
        (2, 3, 4, 2),
    ),
    "global_max_pool2d": (ops.global_max_pool2d_forward, ops.global_max_pool2d_backward, (2, 3, 4, 2)),
    "global_max_pool1d": (ops.global_max_pool1d_forward, ops.global_max_pool1d_backward, (2, 5, 3)),
    "global_average_pool1d": (
        ops.global_average_pool1d_forward,
        ops.global_average_pool1d_backward,
        (2, 5, 3),
    ),
    "leaky_relu": (lambda x: ops.leaky_relu_forward(x, 0.2), ops.leaky_relu_backward, (2, 3, 4)),
    "rescaling": (lambda x: ops.rescaling_forward(x, -1.5, 0.25), ops.rescaling_backward, (3, 4)),
}


@pytest.mark.parametrize("name", SINGLE_INPUT_OPS)
def test_single_input_backward_numerically(rng, name):
    """Padding, cropping, upsampling, global pooling, leaky ReLU, rescaling: dx matches centred
    differences (distinct values away from 0: no ties, no kink)."""
    forward, backward, shape = SINGLE_INPUT_OPS[name]
    x = distinct_values(rng, shape) + 0.05
    y, cache = forward(x)
    dy = rng.normal(size=y.shape)
    expected = numerical_gradient(lambda v: forward(v)[0], x, dy)
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
