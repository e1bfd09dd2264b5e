"""Convolution layers' math, vectorized: 2D and 1D, forward and backward.

Channels last, as in Keras: images ``x`` are ``(N, H, W, C)`` and kernels ``w``
are ``(KH, KW, C, F)`` with one bias per kernel, ``b`` of shape ``(F,)``. What
deep-learning libraries call convolution is cross-correlation (the kernel is
not flipped, ERRATA 5), and that is what is computed here (0-based, ``x_pad``
is ``x`` with its zero padding, S the stride, D the dilation):

    y[n, i, j, o] = b[o] + Σ_{u<KH} Σ_{v<KW} Σ_{c<C} w[u, v, c, o] · x_pad[n, i·S + u·D, j·S + v·D, c]

How it is fast: all windows are copied once into a matrix with one row per
output cell and one column per (u, v, c) ("im2col"), and the triple sum becomes
one matrix product with the kernels, which numpy hands to BLAS.

The backward pass follows from the same sum:

* ``db[o] = Σ_{n,i,j} dy[n, i, j, o]``
* ``dw[u, v, c, o] = Σ_{n,i,j} x_pad[n, i·S + u·D, j·S + v·D, c] · dy[n, i, j, o]``,
  the im2col matrix transposed times ``dy``;
* ``dx_pad[n, a, b, c] = Σ w[u, v, c, o] · dy[n, i, j, o]`` over all (u, v, i, j)
  with a = i·S + u·D and b = j·S + v·D. Tap by tap, that is one matrix
  product per (u, v) added into a strided slice of ``dx_pad`` (overlapping
  windows accumulate). With stride 1 the same sum is also a cross-correlation
  of ``dy``, padded by the kernel's extent minus one, with the kernel flipped
  and its in/out channels swapped; when the input has at least as many
  channels as there are kernels (C >= F) that one big product is faster.

1D convolution is the 2D one with an image one row high.

A transposed convolution (Keras' ``Conv2DTranspose``) runs the convolution's
input gradient forwards: each input cell stamps a scaled copy of the kernel
into a larger output, exactly what the tap-by-tap dx code of ``conv2d_backward``
does. Its own input gradient is then a plain convolution of ``dy``.
"""

from __future__ import annotations

import numpy as np

from ._blas import matmul
from ._checks import as_real_array, check_bias, check_grad_shape, check_ndim
from ._windows import crop_spatial, pad_spatial, tap_slices, window_view
from .sizes import output_shape, per_axis, transposed_output_length, window_geometry

__all__ = [
    "conv1d_backward",
    "conv1d_forward",
    "conv2d_backward",
    "conv2d_forward",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
]


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
        What ``conv2d_backward`` needs; ``cache["pads"]`` is the padding used.

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
    x, w = _check_pair(x, w, func, "(N, H, W, C)", "(KH, KW, C, F)")
    b = check_bias(b, w.shape[3], x.dtype, func=func)
    out_shape, pads = window_geometry(x.shape[1:3], w.shape[:2], strides, padding, dilation_rate)
    S = per_axis("strides", strides, 2)
    D = per_axis("dilation_rate", dilation_rate, 2)
    y, cols = _correlate(x, w, pads, S, D, out_shape)
    if b is not None:
        y += b  # y[n, i, j, o] += b[o]
    cache = {
        "x_shape": x.shape,
        "y_shape": y.shape,
        "w": w,
        "has_bias": b is not None,
        "cols": cols,
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
    w, cols, pads, S, D = cache["w"], cache["cols"], cache["pads"], cache["strides"], cache["dilation"]
    N, H, W, C = cache["x_shape"]
    KH, KW, _, F = w.shape
    expected = (N, *output_shape((H, W), (KH, KW), pads, S, D), F)
    dy = check_grad_shape(dy, expected, func="conv2d_backward").astype(w.dtype, copy=False)
    dy2 = dy.reshape(-1, F)  # (N·H'·W', F)
    db = dy2.sum(axis=0) if cache["has_bias"] else None  # db[o] = Σ_{n,i,j} dy[n,i,j,o]
    dw = matmul(cols.T, dy2).reshape(w.shape)  # (KH·KW·C, N·H'·W') @ (N·H'·W', F) -> (KH, KW, C, F)
    if not input_gradient:
        dx = None
    elif S == (1, 1) and C >= F:
        dx = _input_gradient_stride1(dy, w, (H, W), pads, D)
    else:
        dx = _input_gradient_by_taps(dy2, w, (N, H, W, C), pads, S, D, expected[1:3])
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
    x, w = _check_pair(x, w, func, "(N, L, C)", "(K, C, F)")
    b = check_bias(b, w.shape[2], x.dtype, func=func)
    if not isinstance(padding, str):
        padding = (padding,)  # an int or a (before, after) pair for the one axis
    # validate in the 1D terms the learner used, then run the 2D code on a one-row image
    (_,), (pads,) = window_geometry(x.shape[1:2], w.shape[:1], strides, padding, dilation_rate)
    S, D = per_axis("strides", strides, 1)[0], per_axis("dilation_rate", dilation_rate, 1)[0]
    y, cache = conv2d_forward(x[:, None], w[None], b, (1, S), ((0, 0), pads), (1, D))
    return y[:, 0], cache  # (N, 1, L', F) -> (N, L', F)


def conv1d_backward(dy, cache, *, input_gradient=True):
    """Gradients of ``conv1d_forward``: ``(dx (N, L, C), dw (K, C, F), db (F,) or None)``."""
    N, _, L_out, F = cache["y_shape"]
    dy = check_grad_shape(dy, (N, L_out, F), func="conv1d_backward")
    dx, dw, db = conv2d_backward(dy[:, None], cache, input_gradient=input_gradient)
    return (None if dx is None else dx[:, 0]), dw[0], db


def conv_transpose2d_forward(x, w, b=None, strides=1, padding="valid"):
    """Transposed 2D convolution (Keras' ``Conv2DTranspose``): each input cell stamps the kernel.

    Input cell (i, j) adds its C values, mixed by the kernel, into the KH×KW
    patch of a "full" output that starts at (i·S, j·S); patches that overlap
    add up:

        y_full[n, i·S + u, j·S + v, f] += Σ_{c<C} w[u, v, f, c] · x[n, i, j, c]

    ``y`` is ``y_full`` with ``pads`` cells cropped from its sides, plus the
    bias. With S > 1 the output is S times larger than the input, which is how
    decoders and generators upsample. The sum is exactly the input gradient of
    ``conv2d_forward`` with the same kernel, stride and padding, run on an
    image of y's size, and it is computed that way.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    w : array_like, shape (KH, KW, F, C)
        Keras' layout for transposed convolution: the F output channels come
        before the C input channels (it is the kernel of the convolution that
        maps y's shape back to x's).
    b : array_like, shape (F,), optional
    strides : int or (int, int)
    padding : "valid" or "same"
        ``"valid"`` keeps all of ``y_full``: H' = (H − 1)·S + KH. ``"same"``
        gives H' = H·S, cropping ⌊(KH − S)/2⌋ rows at the top and the rest at
        the bottom. When KH < S both give H' = H·S, as in Keras, and the last
        S − KH rows hold only the bias. Widths likewise
        (``sizes.transposed_output_length``).

    Returns
    -------
    y : ndarray, shape (N, H', W', F)
    cache : dict
        What ``conv_transpose2d_backward`` needs; ``cache["pads"]`` holds the
        ((top, bottom), (left, right)) cells cropped from ``y_full``.

    Examples
    --------
    Stride 2 and a 2×2 kernel: one scaled copy of the kernel per input cell,
    side by side, so the image doubles in size.

    >>> x = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)
    >>> w = np.array([[1, 0], [0, 1]]).reshape(2, 2, 1, 1)
    >>> y, _ = conv_transpose2d_forward(x, w, strides=2)
    >>> y[0, :, :, 0]
    array([[1., 0., 2., 0.],
           [0., 1., 0., 2.],
           [3., 0., 4., 0.],
           [0., 3., 0., 4.]])

    Stride 1: the copies overlap and add up (here 1·1 + 2·1 = 3 in the middle).

    >>> y, _ = conv_transpose2d_forward(np.array([1, 2]).reshape(1, 1, 2, 1), np.ones((1, 2, 1, 1)))
    >>> y[0, :, :, 0]
    array([[1., 3., 2.]])
    """
    func = "conv_transpose2d_forward"
    x, w = _check_pair(x, w, func, "(N, H, W, C)", "(KH, KW, F, C)", depth_axis=-1)
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        raise ValueError(
            f"{func} accepts padding 'valid' or 'same' (as Keras' Conv2DTranspose); "
            f"received padding={padding!r}. To trim the output further, crop it with cropping2d_forward."
        )
    N, H, W, C = x.shape
    KH, KW, F, _ = w.shape
    b = check_bias(b, F, x.dtype, func=func)
    S = per_axis("strides", strides, 2)
    out_shape = tuple(
        transposed_output_length(L, K, S_, padding, axis=name)
        for L, K, S_, name in zip((H, W), (KH, KW), S, ("height", "width"))
    )
    # the convolution with this kernel, stride and padding maps y's size back to (H, W); its pads
    # are the cells cropped from y_full
    _, pads = window_geometry(out_shape, (KH, KW), S, padding)
    # scatter every input cell through every tap: the conv's input gradient, with x in the role of dy
    y = _input_gradient_by_taps(x.reshape(-1, C), w, (N, *out_shape, F), pads, S, (1, 1), (H, W))
    y = np.ascontiguousarray(y)  # (N, H', W', F), cut out of y_full
    if b is not None:
        y += b  # y[n, a, c, f] += b[f]
    cache = {"x": x, "w": w, "has_bias": b is not None, "y_shape": y.shape, "pads": pads, "strides": S}
    return y, cache


def conv_transpose2d_backward(dy, cache, *, input_gradient=True):
    """Gradients of ``conv_transpose2d_forward`` with respect to x, w and b.

    With ``dy_pad`` the gradient of ``y_full`` (dy with the cropped cells put
    back as zeros), each term of the scatter sum gives:

    * ``dx[n, i, j, c] = Σ_{u,v,f} w[u, v, f, c] · dy_pad[n, i·S + u, j·S + v, f]``,
      an ordinary strided cross-correlation of dy with the kernel;
    * ``dw[u, v, f, c] = Σ_{n,i,j} dy_pad[n, i·S + u, j·S + v, f] · x[n, i, j, c]``;
    * ``db[f] = Σ_{n,a,c} dy[n, a, c, f]``.

    Parameters
    ----------
    dy : array_like, shape (N, H', W', F)
    cache : dict
        The second value ``conv_transpose2d_forward`` returned.
    input_gradient : bool
        False skips dx (returned as None).

    Returns
    -------
    dx : ndarray, shape (N, H, W, C), or None
    dw : ndarray, shape (KH, KW, F, C)
    db : ndarray, shape (F,), or None when the forward pass had no bias
    """
    x, w, pads, S = cache["x"], cache["w"], cache["pads"], cache["strides"]
    _, H, W, C = x.shape
    KH, KW = w.shape[:2]
    dy = check_grad_shape(dy, cache["y_shape"], func="conv_transpose2d_backward").astype(w.dtype, copy=False)
    db = dy.sum(axis=(0, 1, 2)) if cache["has_bias"] else None  # db[f] = Σ_{n,a,c} dy[n,a,c,f]
    if input_gradient:
        dx, cols = _correlate(dy, w, pads, S, (1, 1), (H, W))  # (N, H, W, C), (N·H·W, KH·KW·F)
    else:
        dx, cols = None, _im2col(dy, (KH, KW), pads, S, (1, 1), (H, W))
    dw = matmul(cols.T, x.reshape(-1, C))  # (KH·KW·F, N·H·W) @ (N·H·W, C) -> (KH·KW·F, C)
    return dx, dw.reshape(w.shape), db


def _check_pair(x, w, func, x_layout, w_layout, depth_axis=-2):
    """Validate x and w of a convolution and bring them to one float dtype.

    ``depth_axis`` is the kernel's axis that must match the input's channels: -2 for a
    convolution's (…, C, F), -1 for a transposed convolution's (KH, KW, F, C).
    """
    x = as_real_array("x", x, func=func)
    w = as_real_array("w", w, func=func)
    rank = len(x_layout.split(","))
    check_ndim("x", x, rank, x_layout, func=func, hint="Add a batch axis with x[None].")
    check_ndim("w", w, rank, w_layout, func=func)
    if x.shape[-1] != w.shape[depth_axis]:
        rule = "each kernel's depth" if depth_axis == -2 else "the kernel's last axis"
        raise ValueError(
            f"{func}: x has C={x.shape[-1]} channels (x.shape={x.shape}, layout {x_layout}) but "
            f"w has C={w.shape[depth_axis]} (w.shape={w.shape}, layout {w_layout}); "
            f"{rule} must equal the input's depth."
        )
    if 0 in x.shape or 0 in w.shape:
        raise ValueError(f"{func} needs non-empty arrays; received x.shape={x.shape}, w.shape={w.shape}.")
    dtype = np.result_type(x.dtype, w.dtype)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False)


def _correlate(x, w, pads, S, D, out_shape):
    """y[n,i,j,o] = Σ_{u,v,c} w[u,v,c,o] · x_pad[n, i·S+u·D, j·S+v·D, c], as one matrix product.

    Returns ``y`` (N, H', W', F) and the im2col matrix (N·H'·W', KH·KW·C).
    """
    N = x.shape[0]
    KH, KW, _, F = w.shape
    cols = _im2col(x, (KH, KW), pads, S, D, out_shape)  # (N·H'·W', KH·KW·C)
    y = matmul(cols, w.reshape(-1, F))  # (N·H'·W', KH·KW·C) @ (KH·KW·C, F) -> (N·H'·W', F)
    return y.reshape(N, *out_shape, F), cols


def _im2col(x, kernel_size, pads, S, D, out_shape):
    """The im2col matrix (N·H'·W', KH·KW·C): row (n, i, j) is the window under output cell (i, j)."""
    KH, KW = kernel_size
    x_pad = pad_spatial(x, pads)  # (N, Hp, Wp, C)
    windows = window_view(x_pad, (KH, KW), S, D, out_shape)  # (N, H', W', KH, KW, C), a view
    cols = windows.reshape(-1, KH * KW * x.shape[3])  # (N·H'·W', KH·KW·C): the im2col copy
    if np.may_share_memory(cols, x):  # a 1×1 kernel needs no copy, but the cache must not alias x
        cols = cols.copy()
    return cols


def _input_gradient_stride1(dy, w, spatial, pads, D):
    """dx for stride 1: correlate dy with the flipped kernel, in/out channels swapped.

    dx_pad[a, b] collects w[u, v] · dy[a − u·D, b − v·D]. Padding dy by the
    kernel's extent minus one and flipping the kernel (u → KH−1−u) turns that
    into the forward sum again; only the rows and columns of dx that belong to
    the unpadded input are computed.
    """
    KH, KW = w.shape[:2]
    extents = (D[0] * (KH - 1), D[1] * (KW - 1))
    # dy padded so that the correlation lands exactly on x's cells (negative amounts crop)
    adjust = [(e - p0, e - p1) for e, (p0, p1) in zip(extents, pads)]
    dy = dy[
        :,
        max(-adjust[0][0], 0) : dy.shape[1] - max(-adjust[0][1], 0),
        max(-adjust[1][0], 0) : dy.shape[2] - max(-adjust[1][1], 0),
    ]
    w_flip = w[::-1, ::-1].transpose(0, 1, 3, 2)  # (KH, KW, F, C)
    pos = tuple((max(a0, 0), max(a1, 0)) for a0, a1 in adjust)
    dx, _ = _correlate(dy, w_flip, pos, (1, 1), D, spatial)
    return dx


def _input_gradient_by_taps(dy2, w, x_shape, pads, S, D, out_shape):
    """dx for any stride: each tap (u, v) adds dy · w[u, v]ᵀ back where it read x ("col2im").

    Tap by tap, the share of every output cell is one matrix product
    (N·H'·W', F) @ (F, C), added into the strided slice of dx_pad that the tap
    read in the forward pass.
    """
    N, H, W, C = x_shape
    (pt, pb), (pl, pr) = pads
    dx_pad = np.zeros((N, pt + H + pb, pl + W + pr, C), dtype=dy2.dtype)
    for t, rows, cols in tap_slices(w.shape[:2], S, D, out_shape):
        u, v = divmod(t, w.shape[1])
        share = matmul(dy2, w[u, v].T)  # (N·H'·W', F) @ (F, C) -> (N·H'·W', C)
        dx_pad[:, rows, cols, :] += share.reshape(N, *out_shape, C)  # += : overlapping windows accumulate
    return crop_spatial(dx_pad, pads, (H, W))
