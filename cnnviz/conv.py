"""Convolution layers' math, vectorized: 2D and 1D, forward and backward.

Channels last, as in Keras: images ``x`` are ``(N, H, W, C)`` and kernels ``w``
are ``(KH, KW, C, F)`` with one bias per kernel, ``b`` of shape ``(F,)``. What
deep-learning libraries call convolution is cross-correlation (the kernel is
not flipped, ERRATA 5), and that is what is computed here (0-based, ``x_pad``
is ``x`` with its zero padding, S the stride, D the dilation):

    y[n, i, j, o] = b[o] + Σ_{u<KH} Σ_{v<KW} Σ_{c<C} w[u, v, c, o] · x_pad[n, i·S + u·D, j·S + v·D, c]

The backward pass follows from the same sum:

* ``db[o] = Σ_{n,i,j} dy[n, i, j, o]``, the row of the ones column in the next product;
* ``dw[u, v, c, o] = Σ_{n,i,j} x_pad[n, i·S + u·D, j·S + v·D, c] · dy[n, i, j, o]``,
  the im2col matrix transposed times ``dy``;
* ``dx_pad[n, a, b, c] = Σ w[u, v, c, o] · dy[n, i, j, o]`` over all (u, v, i, j)
  with a = i·S + u·D and b = j·S + v·D. The product ``dy · wᵀ`` gives each
  window's share, and "col2im" adds the share of tap (u, v) back into the
  strided slice of ``dx_pad`` that the tap read (overlapping windows
  accumulate). With stride 1 the same sum is also a cross-correlation of
  ``dy``, padded by the kernel's extent minus one, with the kernel flipped and
  its in/out channels swapped: a copy (im2col of dy) instead of additions into
  dx, which is faster when there are many input channels.

1D convolution is the 2D one with an image one row high.

How it is fast is in ``cnnviz._conv_engine``: the windows copied into a matrix (im2col), one
matrix product, the batch in cache-sized blocks on two threads. The transposed convolution
is in ``cnnviz.conv_transpose``.
"""

from __future__ import annotations

import numpy as np

from ._blas import matmul
from ._checks import check_bias, check_cache, check_conv_arrays, check_grad_shape
from ._conv_engine import bytes_per_image, correlate, input_gradient_method, summed_in_blocks
from ._windows import im2col
from .sizes import per_axis, window_geometry

__all__ = ["conv1d_backward", "conv1d_forward", "conv2d_backward", "conv2d_forward"]


def conv2d_forward(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """2D cross-correlation of a batch of images with a bank of kernels.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
        A batch of N images with C channels.
    w : array_like, shape (KH, KW, C, F)
        F kernels of size KH×KW; each kernel's depth C equals the input's.
    b : array_like, shape (F,), optional
        One bias per kernel.
    strides : int or (int, int)
        Step between window positions, (S_height, S_width).
    padding : "valid", "same", int, or per-axis values
        ``"valid"`` adds nothing; ``"same"`` keeps ⌈H/S⌉×⌈W/S⌉ (extra cell at
        the bottom/right when the total is odd); an int P pads P zeros on all
        sides; ``(P_h, P_w)`` per axis; ``((top, bottom), (left, right))``.
    dilation_rate : int or (int, int)
        Spacing D between the kernel's taps.

    Returns
    -------
    y : ndarray, shape (N, H', W', F)
        H' = ⌊(H + P_top + P_bottom − KH)/S_h⌋ + 1, and W' likewise.
    cache : dict
        What ``conv2d_backward`` needs, x itself among it (not a copy: change x
        only after the backward pass); ``cache["pads"]`` is the padding used.

    Examples
    --------
    A 3×3 image, a 2×2 kernel, one channel: each output is the sum of the
    products of the kernel with the window under it.

    >>> x = np.arange(9).reshape(1, 3, 3, 1)     # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    >>> w = np.array([[0, 1], [2, 3]]).reshape(2, 2, 1, 1)
    >>> y, _ = conv2d_forward(x, w)
    >>> y[0, :, :, 0]                             # 0·0 + 1·1 + 2·3 + 3·4 = 19, ...
    array([[19., 25.],
           [37., 43.]])
    """
    func = "conv2d_forward"
    x, w = check_conv_arrays(x, w, func, "(N, H, W, C)", "(KH, KW, C, F)")
    b = check_bias(b, w.shape[3], x.dtype, func=func)
    out_shape, pads = window_geometry(x.shape[1:3], w.shape[:2], strides, padding, dilation_rate)
    S = per_axis("strides", strides, 2)
    D = per_axis("dilation_rate", dilation_rate, 2)
    y = correlate(x, w, b, pads, S, D, out_shape)
    cache = {
        "op": "conv2d",
        "x": x,
        "w": w,
        "has_bias": b is not None,
        "y_shape": y.shape,
        "pads": pads,
        "strides": S,
        "dilation": D,
    }
    return y, cache


def conv2d_backward(dy, cache, *, input_gradient=True):
    """Gradients of ``conv2d_forward`` with respect to x, w and b.

    Parameters
    ----------
    dy : array_like, shape (N, H', W', F)
        Gradient of the loss with respect to the forward output.
    cache : dict
        The second value ``conv2d_forward`` returned.
    input_gradient : bool
        False skips dx (returned as None): a network's first layer needs no
        gradient for its input images.

    Returns
    -------
    dx : ndarray, shape (N, H, W, C), or None
    dw : ndarray, shape (KH, KW, C, F)
    db : ndarray, shape (F,), or None when the forward pass had no bias
    """
    cache = check_cache(cache, "conv2d", func="conv2d_backward")
    x, w, pads, S, D = cache["x"], cache["w"], cache["pads"], cache["strides"], cache["dilation"]
    has_bias = cache["has_bias"]
    N, _, _, C = x.shape
    KH, KW, _, F = w.shape
    dy = check_grad_shape(dy, cache["y_shape"], func="conv2d_backward").astype(w.dtype, copy=False)
    out_shape = dy.shape[1:3]
    dx = np.empty(x.shape, x.dtype) if input_gradient else None
    input_gradient_of, dx_columns = input_gradient_method(w, pads, S, D)  # (dy block, out=dx block)

    def dw_share(n):  # the block n of images' share of dw and db
        cols = im2col(x[n], (KH, KW), pads, S, D, out_shape, ones=has_bias)  # (n·H'·W', KH·KW·C [+ 1])
        # dw[u,v,c,o] = Σ_{n,i,j} cols[(n,i,j), (u,v,c)] · dy[n,i,j,o]; the ones column gives db[o] = Σ_{n,i,j} dy[n,i,j,o]
        return matmul(cols.T, dy[n].reshape(-1, F))  # (KH·KW·C [+ 1], n·H'·W') @ (n·H'·W', F)

    def dx_part(n):  # dx[n] of the block n of images: independent of dw_share(n)
        input_gradient_of(dy[n], out=dx[n])  # (n, H, W, C)

    works, image_bytes = (dw_share,), bytes_per_image(x, w.shape, pads, out_shape)
    if dx is not None:
        works, image_bytes = (dw_share, dx_part), bytes_per_image(x, w.shape, pads, out_shape, dx_columns)
    dw1 = summed_in_blocks(N, image_bytes, *works)  # (KH·KW·C [+ 1], F), Σ over the blocks of images
    dw = dw1[: KH * KW * C].reshape(w.shape)  # (KH·KW·C, F) -> (KH, KW, C, F)
    db = dw1[-1] if has_bias else None  # (F,)
    return dx, dw, db


def conv1d_forward(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """1D cross-correlation of a batch of multi-channel signals with F kernels.

    ``y[n, i, o] = b[o] + Σ_{j<K} Σ_{c<C} w[j, c, o] · x_pad[n, i·S + j·D, c]``

    Parameters
    ----------
    x : array_like, shape (N, L, C)
    w : array_like, shape (K, C, F)
    b : array_like, shape (F,), optional
    strides, dilation_rate : int
    padding : "valid", "same", int, or (before, after)

    Returns
    -------
    y : ndarray, shape (N, L', F), with L' = ⌊(L + 2P − K)/S⌋ + 1
    cache : dict

    Examples
    --------
    >>> y, _ = conv1d_forward(np.array([1, 2, 3, 4]).reshape(1, 4, 1), np.array([1, -1]).reshape(2, 1, 1))
    >>> y[0, :, 0]                                 # 1·1 − 1·2, 1·2 − 1·3, 1·3 − 1·4
    array([-1., -1., -1.])
    """
    func = "conv1d_forward"
    x, w = check_conv_arrays(x, w, func, "(N, L, C)", "(K, C, F)")
    b = check_bias(b, w.shape[2], x.dtype, func=func)
    if not isinstance(padding, str):
        padding = (padding,)  # an int or a (before, after) pair for the one axis
    # validate in the 1D terms the learner used, then run the 2D code on a one-row image
    (_,), (pads,) = window_geometry(x.shape[1:2], w.shape[:1], strides, padding, dilation_rate)
    S, D = per_axis("strides", strides, 1)[0], per_axis("dilation_rate", dilation_rate, 1)[0]
    y, cache = conv2d_forward(x[:, None], w[None], b, (1, S), ((0, 0), pads), (1, D))
    return y[:, 0], {**cache, "op": "conv1d"}  # (N, 1, L', F) -> (N, L', F)


def conv1d_backward(dy, cache, *, input_gradient=True):
    """Gradients of ``conv1d_forward``: ``(dx (N, L, C), dw (K, C, F), db (F,) or None)``."""
    cache = check_cache(cache, "conv1d", func="conv1d_backward")
    N, _, L_out, F = cache["y_shape"]
    dy = check_grad_shape(dy, (N, L_out, F), func="conv1d_backward")
    dx, dw, db = conv2d_backward(dy[:, None], {**cache, "op": "conv2d"}, input_gradient=input_gradient)
    return (None if dx is None else dx[:, 0]), dw[0], db
