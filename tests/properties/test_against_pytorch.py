"""cnnviz against PyTorch (CPU, float64), when PyTorch is installed; skipped otherwise.

PyTorch lays images out as (N, C, H, W) and kernels as (F, C, KH, KW); cnnviz, like
Keras, uses (N, H, W, C) and (KH, KW, C, F). The helpers below only transpose.
"""

import numpy as np
import pytest

from cnnviz import ops, sizes

torch = pytest.importorskip("torch", reason="PyTorch is optional: pip install torch==2.13.0 to run these")
F = torch.nn.functional

TOL = dict(rtol=1e-10, atol=1e-10)


def nchw(a):
    return torch.tensor(np.ascontiguousarray(a.transpose(0, 3, 1, 2)), requires_grad=True)


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


@pytest.mark.parametrize(
    ("shape", "kernel", "stride", "padding", "dilation"),
    [
        ((2, 7, 6, 3), (3, 3, 3, 4), 1, 1, 1),
        ((1, 9, 8, 2), (3, 2, 2, 5), 2, (1, 0), 1),
        ((2, 8, 8, 1), (3, 3, 1, 2), 1, 2, 2),
    ],
)
def test_conv2d_forward_and_backward_match_pytorch(rng, shape, kernel, stride, padding, dilation):
    x, w, b = rng.normal(size=shape), rng.normal(size=kernel), rng.normal(size=kernel[3])
    y, cache = ops.conv2d_forward(x, w, b, stride, padding, dilation)
    xt, wt = nchw(x), torch.tensor(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    yt = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(y, nhwc(yt), **TOL)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))))
    dx, dw, db = ops.conv2d_backward(dy, cache)
    np.testing.assert_allclose(dx, nhwc(xt.grad), **TOL)
    np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), **TOL)
    np.testing.assert_allclose(db, bt.grad.numpy(), **TOL)


@pytest.mark.parametrize(("pool", "stride", "padding"), [(2, None, 0), (3, 1, 1), (3, 2, 1)])
def test_max_pool_matches_pytorch(rng, pool, stride, padding):
    x = rng.permutation(2 * 7 * 7 * 3).reshape(2, 7, 7, 3).astype(float)  # distinct: no ties
    y, cache = ops.max_pool2d_forward(x, pool, stride, padding)
    xt = nchw(x)
    yt = F.max_pool2d(xt, pool, stride, padding)
    np.testing.assert_allclose(y, nhwc(yt), **TOL)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(ops.max_pool2d_backward(dy, cache), nhwc(xt.grad), **TOL)


def test_batchnorm_matches_pytorch(rng):
    x, gamma, beta = rng.normal(size=(4, 5, 6, 3)), rng.normal(size=3), rng.normal(size=3)
    y, cache = ops.batchnorm_forward(x, gamma, beta, epsilon=1e-5)
    xt, gt, bt = nchw(x), torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    yt = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    np.testing.assert_allclose(y, nhwc(yt), **TOL)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))))
    dx, dgamma, dbeta = ops.batchnorm_backward(dy, cache)
    np.testing.assert_allclose(dx, nhwc(xt.grad), **TOL)
    np.testing.assert_allclose(dgamma, gt.grad.numpy(), **TOL)
    np.testing.assert_allclose(dbeta, bt.grad.numpy(), **TOL)


def test_sparse_categorical_crossentropy_matches_pytorch(rng):
    logits, labels = rng.normal(size=(6, 10)) * 5, rng.integers(0, 10, size=6)
    loss, cache = ops.sparse_categorical_crossentropy_forward(logits, labels)
    lt = torch.tensor(logits, requires_grad=True)
    loss_t = F.cross_entropy(lt, torch.tensor(labels))
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    loss_t.backward()
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy_backward(1.0, cache), lt.grad.numpy(), **TOL
    )


def test_conv_transpose2d_matches_pytorch(rng):
    """Padding "valid" agrees with torch.nn.functional.conv_transpose2d (NCHW, weight (C, F, KH, KW)),
    gradients too; with K < S, Keras' extra S − K cells are PyTorch's output_padding."""
    for x_shape, w_shape, S in [
        ((2, 3, 4, 2), (3, 3, 4, 2), 1),
        ((1, 4, 3, 3), (3, 2, 2, 3), (2, 1)),
        ((2, 3, 3, 2), (2, 2, 3, 2), 2),
        ((1, 3, 4, 1), (1, 2, 2, 1), 3),  # K < S
    ]:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[2])
        y, cache = ops.conv_transpose2d_forward(x, w, b, S, "valid")
        Sh, Sw = sizes.per_axis("strides", S, 2)
        xt = nchw(x)
        wt = torch.tensor(w.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (C, F, KH, KW)
        bt = torch.tensor(b, requires_grad=True)
        output_padding = (max(Sh - w_shape[0], 0), max(Sw - w_shape[1], 0))
        yt = torch.nn.functional.conv_transpose2d(xt, wt, bt, stride=(Sh, Sw), output_padding=output_padding)
        np.testing.assert_allclose(y, nhwc(yt), **TOL)
        dy = rng.normal(size=y.shape)
        yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2).copy()))
        dx, dw, db = ops.conv_transpose2d_backward(dy, cache)
        np.testing.assert_allclose(dx, nhwc(xt.grad), **TOL)
        np.testing.assert_allclose(dw, wt.grad.numpy().transpose(2, 3, 1, 0), **TOL)
        np.testing.assert_allclose(db, bt.grad.numpy(), **TOL)
