"""Convolution layers' math, vectorized: 2D and 1D, forward and backward.

Channels last, as in Keras: images ``x`` are ``(N, H, W, C)`` and kernels ``w``
are ``(KH, KW, C, F)`` with one bias per kernel, ``b`` of shape ``(F,)``. What
deep-learning libraries call convolution is cross-correlation (the kernel is
not flipped, ERRATA 5), and that is what is computed here (0-based, ``x_pad``
is ``x`` with its zero padding, S the stride, D the dilation):

    y[n, i, j, o] = b[o] + Σ_{u<KH} Σ_{v<KW} Σ_{c<C} w[u, v, c, o] · x_pad[n, i·S + u·D, j·S + v·D, c]

How it is fast: all windows are copied into a matrix with one row per output
cell and one column per (u, v, c) ("im2col", ``_windows.im2col``, stored
column by column when there are few channels), and the triple sum becomes one
matrix product with the kernels, which numpy hands to BLAS. With a bias the
matrix gets one more column, all ones, and the kernel matrix one more row, b:
the same product then adds the bias, and y is written once.

The batch goes a block of images at a time (a single image, a band of output
rows at a time): a block's im2col matrix is still in the CPU's cache when the
product reads it, where a matrix for the whole batch (KH·KW times larger than
x) would go out to memory and back, and it is made in a scratch buffer that the
next step reuses. Two threads share the blocks of a large batch
(``cnnviz._parallel``); in the backward pass a block's dw and its dx are
separate tasks, so that even one block keeps both threads busy. The backward
pass copies each block's windows again instead of keeping the matrix: the
cache holds x itself.

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

A transposed convolution (Keras' ``Conv2DTranspose``) runs the convolution's
input gradient forwards: each input cell stamps a scaled copy of the kernel
into a larger output, exactly what col2im does. Its own input gradient is then
a plain convolution of ``dy``.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ._blas import matmul, one_thread
from ._checks import as_real_array, check_allocation, check_bias, check_cache, check_grad_shape, check_ndim
from ._parallel import for_blocks
from ._windows import channels_first, im2col, pad_spatial, padded_shape, scratch
from .sizes import per_axis, transposed_output_length, window_geometry

__all__ = [
    "conv1d_backward",
    "conv1d_forward",
    "conv2d_backward",
    "conv2d_forward",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
]

TAP_PRODUCTS_UP_TO = 4  # col2im with few channels: one product per tap while F <= TAP_PRODUCTS_UP_TO · C
GATHER_UP_TO = 2  # stride-1 dx by gathering while F <= GATHER_UP_TO · C (see _input_gradient_method)
BLOCK_BYTES = 2**22  # bytes per block of images (see _in_blocks)


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
    x, w = _check_pair(x, w, func, "(N, H, W, C)", "(KH, KW, C, F)")
    b = check_bias(b, w.shape[3], x.dtype, func=func)
    out_shape, pads = window_geometry(x.shape[1:3], w.shape[:2], strides, padding, dilation_rate)
    S = per_axis("strides", strides, 2)
    D = per_axis("dilation_rate", dilation_rate, 2)
    y = _correlate(x, w, b, pads, S, D, out_shape)
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
    input_gradient_of, dx_columns = _input_gradient_method(w, pads, S, D)  # (dy block, out=dx block)

    def dw_share(n):  # the block n of images' share of dw and db
        cols = im2col(x[n], (KH, KW), pads, S, D, out_shape, ones=has_bias)  # (n·H'·W', KH·KW·C [+ 1])
        # dw[u,v,c,o] = Σ_{n,i,j} cols[(n,i,j), (u,v,c)] · dy[n,i,j,o]; the ones column gives db[o] = Σ_{n,i,j} dy[n,i,j,o]
        return matmul(cols.T, dy[n].reshape(-1, F))  # (KH·KW·C [+ 1], n·H'·W') @ (n·H'·W', F)

    def dx_part(n):  # dx[n] of the block n of images: independent of dw_share(n)
        input_gradient_of(dy[n], out=dx[n])  # (n, H, W, C)

    works, image_bytes = (dw_share,), _image_bytes(x, w.shape, pads, out_shape)
    if dx is not None:
        works, image_bytes = (dw_share, dx_part), _image_bytes(x, w.shape, pads, out_shape, dx_columns)
    shares = _in_blocks(N, image_bytes, *works)
    dw1 = shares[0]  # (KH·KW·C [+ 1], F)
    for share in shares[1:]:
        dw1 += share  # Σ over the blocks of images
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
    x, w = _check_pair(x, w, func, "(N, L, C)", "(K, C, F)")
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
    N, H, W, _ = x.shape
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
    check_allocation((N, *out_shape, F), x.dtype, what="the output", func="conv_transpose2d_forward")
    y = np.empty((N, *out_shape, F), x.dtype)

    def images(n):  # y[n]: every input cell scattered through every tap, the conv's col2im with x as dy
        _scatter(x[n], w, pads, S, (1, 1), out=y[n])  # (n, H', W', F), cut out of y_full

    # in the terms of the convolution whose input gradient this is: its input is y, its dy is x
    _in_blocks(N, _image_bytes(y, w.shape, pads, (H, W), dx_columns=KH * KW * F), images)
    if b is not None:
        y += b  # y[n, a, c, f] += b[f]
    cache = {
        "op": "conv_transpose2d",
        "x": x,
        "w": w,
        "has_bias": b is not None,
        "y_shape": y.shape,
        "pads": pads,
        "strides": S,
    }
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
    cache = check_cache(cache, "conv_transpose2d", func="conv_transpose2d_backward")
    x, w, pads, S = cache["x"], cache["w"], cache["pads"], cache["strides"]
    N, H, W, C = x.shape
    KH, KW = w.shape[:2]
    dy = check_grad_shape(dy, cache["y_shape"], func="conv_transpose2d_backward").astype(w.dtype, copy=False)
    db = dy.sum(axis=(0, 1, 2)) if cache["has_bias"] else None  # db[f] = Σ_{n,a,c} dy[n,a,c,f]
    dx = np.empty(x.shape, x.dtype) if input_gradient else None
    w2 = w.reshape(-1, C)  # (KH·KW·F, C)

    def images(n):  # the block n of images: writes dx[n], returns its share of dw
        cols = im2col(dy[n], (KH, KW), pads, S, (1, 1), (H, W))  # (n·H·W, KH·KW·F)
        if dx is not None:
            # dx[n,i,j,c] = Σ_{u,v,f} w[u,v,f,c] · dy_pad[n, i·S+u, j·S+v, f]
            matmul(cols, w2, out=dx[n].reshape(-1, C))  # (n·H·W, KH·KW·F) @ (KH·KW·F, C)
        # dw[u,v,f,c] = Σ_{n,i,j} dy_pad[n, i·S+u, j·S+v, f] · x[n,i,j,c]
        return matmul(cols.T, x[n].reshape(-1, C))  # (KH·KW·F, n·H·W) @ (n·H·W, C) -> (KH·KW·F, C)

    shares = _in_blocks(N, _image_bytes(dy, w.shape, pads, (H, W), dx_columns=0), images)
    dw = shares[0]
    for share in shares[1:]:
        dw += share  # Σ over the blocks of images
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


def _correlate(x, w, b, pads, S, D, out_shape):
    """y[n,i,j,o] = b[o] + Σ_{u,v,c} w[u,v,c,o] · x_pad[n, i·S+u·D, j·S+v·D, c], block by block.

    For each block of images, one matrix product: its im2col matrix (with a column of ones
    when there is a bias) times the kernel matrix (with b as its last row), written
    straight into y. The bias is the product's last term, 1 · b[o], added to the sum of
    the others as ``y += b`` would add it. A single image is cut into bands of output
    rows instead, each with the input rows that its windows read.

    Returns ``y`` (N, H', W', F).
    """
    N = x.shape[0]
    KH, KW, _, F = w.shape
    w1 = w.reshape(-1, F) if b is None else np.concatenate([w.reshape(-1, F), b[None]])  # (KH·KW·C [+ 1], F)
    check_allocation(
        (N, *out_shape, F), x.dtype, what="the output", func="conv2d_forward"
    )  # before numpy tries
    y = np.empty((N, *out_shape, F), x.dtype)
    image_bytes = _image_bytes(x, w.shape, pads, out_shape)

    def images(n):  # y[n] for the block n of images
        cols = im2col(x[n], (KH, KW), pads, S, D, out_shape, ones=b is not None)  # (n·H'·W', KH·KW·C [+ 1])
        matmul(cols, w1, out=y[n].reshape(-1, F))  # (n·H'·W', KH·KW·C [+ 1]) @ (KH·KW·C [+ 1], F)

    if N > 1:
        _in_blocks(N, image_bytes, images)
        return y
    padded = scratch("image_pad", padded_shape(x.shape, pads), x.dtype)  # (1, Hp, Wp, C)
    x_pad = pad_spatial(x, pads, out=padded)  # x itself when there is no padding
    no_pads = ((0, 0), (0, 0))

    def rows(i):  # y[0, i] for the band i of output rows
        # the input rows that the band's windows read: i.start·S up to (i.stop − 1)·S + D·(KH − 1)
        x_rows = x_pad[:, i.start * S[0] : (i.stop - 1) * S[0] + D[0] * (KH - 1) + 1]  # (1, rows read, Wp, C)
        band = (i.stop - i.start, out_shape[1])
        cols = im2col(x_rows, (KH, KW), no_pads, S, D, band, ones=b is not None)  # (cells, KH·KW·C [+ 1])
        matmul(cols, w1, out=y[:, i].reshape(-1, F))  # (cells, KH·KW·C [+ 1]) @ (KH·KW·C [+ 1], F)

    _in_blocks(out_shape[0], image_bytes // out_shape[0], rows)
    return y


def _in_blocks(N, item_bytes, *works):
    """Call each ``work(n)`` for every block ``n`` (a slice) of range(N); the results that are not None.

    The N items are images (or, for a single image, rows of output). Blocks hold about
    ``BLOCK_BYTES``: few Python calls per image, and little enough to stay in the CPU's
    cache from the im2col copy to the product that reads it. The calls
    are independent tasks, listed block by block (the works of a block side by side), and
    ``cnnviz._parallel.for_blocks`` gives the second half of the list to a second thread
    when the bytes are many; so the number of blocks is made even, and with two works (dw
    and dx) even a single block is shared. Each thread runs its own matrix products, and
    BLAS is held to one thread meanwhile (its own threads would compete for the same two
    cores). A single task runs alone, and its products may use BLAS's threads.
    """
    blocks = min(N, max(1, round(N * item_bytes / BLOCK_BYTES)))
    if 1 < blocks < N and blocks % 2:
        blocks += 1  # an even number: two equal halves
    per_block = -(-N // blocks)  # ⌈N / blocks⌉ items
    tasks = [partial(work, slice(s, min(s + per_block, N))) for s in range(0, N, per_block) for work in works]
    if len(tasks) == 1:
        results = [tasks[0]()]
    else:
        task_bytes = per_block * item_bytes // len(works)
        with one_thread():
            parts = for_blocks(lambda some: [task() for task in tasks[some]], len(tasks), task_bytes)
        results = [result for part in parts for result in part]
    return [result for result in results if result is not None]


def _image_bytes(x, w_shape, pads, out_shape, dx_columns=None):
    """Bytes that one image's share of a block reads and writes: ``for_blocks``' row_bytes.

    Forward: x_pad, the im2col matrix and y. Backward (``dx_columns`` given), also dy, dx
    and the matrix that dx comes from, ``dx_columns`` values per output cell.
    """
    _, H, W, C = x.shape
    KH, KW, _, F = w_shape
    (pt, pb), (pl, pr) = pads
    cells = out_shape[0] * out_shape[1]  # H'·W'
    values = (pt + H + pb) * (pl + W + pr) * C + cells * (KH * KW * C + 1 + F)
    if dx_columns is not None:
        values += cells * F + H * W * C + cells * dx_columns
    return values * x.itemsize


def _input_gradient_method(w, pads, S, D):
    """How ``conv2d_backward`` gets dx from a block of dy: a function ``(dy, out=dx)``, and
    the number of values per output cell in the matrix it computes dx from.

    By default col2im (``_scatter``). With stride 1 and many input channels, the
    correlation of dy with the flipped kernel (``_gather_input_gradient``) is faster: its
    im2col copy of dy moves KH·KW·F values per row where col2im adds KH·KW·C values into
    dx, and an addition reads and writes, so it wins up to about F = 2C
    (``GATHER_UP_TO``). The flipped kernel matrix is made here, once, not once per block.
    """
    KH, KW, C, F = w.shape
    if S == (1, 1) and not channels_first(C) and F <= GATHER_UP_TO * C:
        w_flip = w[::-1, ::-1].transpose(0, 1, 3, 2).reshape(-1, C)  # (KH·KW·F, C): flipped, in/out swapped
        return (lambda dy, out: _gather_input_gradient(dy, w_flip, (KH, KW), pads, D, out)), KH * KW * F
    return (lambda dy, out: _scatter(dy, w, pads, S, D, out)), KH * KW * C


def _gather_input_gradient(dy, w_flip, kernel_size, pads, D, out):
    """dx for stride 1: correlate dy with the flipped kernel, in/out channels swapped.

    dx_pad[a, b] collects w[u, v] · dy[a − u·D, b − v·D]. Padding dy by the
    kernel's extent minus one and flipping the kernel (u → KH−1−u) turns that
    into the forward sum again; only the rows and columns of dx that belong to
    the unpadded input are computed. ``w_flip`` is that kernel as a
    (KH·KW·F, C) matrix; dx is written into ``out`` (N, H, W, C).
    """
    KH, KW = kernel_size
    spatial, C = out.shape[1:3], out.shape[3]
    extents = (D[0] * (KH - 1), D[1] * (KW - 1))
    # dy padded so that the correlation lands exactly on x's cells (negative amounts crop)
    adjust = [(e - p0, e - p1) for e, (p0, p1) in zip(extents, pads)]
    dy = dy[
        :,
        max(-adjust[0][0], 0) : dy.shape[1] - max(-adjust[0][1], 0),
        max(-adjust[1][0], 0) : dy.shape[2] - max(-adjust[1][1], 0),
    ]
    pos = tuple((max(a0, 0), max(a1, 0)) for a0, a1 in adjust)
    cols = im2col(dy, (KH, KW), pos, (1, 1), D, spatial)  # (N·H·W, KH·KW·F)
    # dx[n,a,b,c] = Σ_{u,v,o} w[KH−1−u, KW−1−v, c, o] · dy_pad[n, a + u·D, b + v·D, o]
    matmul(cols, w_flip, out=out.reshape(-1, C))  # (N·H·W, KH·KW·F) @ (KH·KW·F, C) -> (N·H·W, C)


def _scatter(dy, w, pads, S, D, out):
    """col2im: dx_pad[n, i·S+u·D, j·S+v·D, c] += Σ_o w[u,v,c,o] · dy[n,i,j,o], cropped into ``out``.

    One product gives every window's share, ``dcols = dy · wᵀ`` (N·H'·W', KH·KW·C); then
    each tap (u, v) adds its columns into the cells of dx_pad that it read in the forward
    pass. With few channels (see ``im2col``) dx_pad is kept channel by channel in memory,
    so that each addition runs along W' cells, and dcols is needed transposed,
    (KH·KW·C, N·H'·W'). BLAS makes that shape of product about 2.5 times slower than
    dcols itself; so while there are few kernels (F ≤ ``TAP_PRODUCTS_UP_TO`` · C) each
    tap's share comes from a product of its own, (C, F) · dyᵀ, made just before it is
    added, while it is in cache. (Measured: 1×256×256×3 → 8 kernels 5×5, stride 2, a
    quarter faster; 64×28×28×1 → 32 kernels, where each of the 9 products would read
    all of dy again, a quarter slower, so it keeps the one product.) ``out`` (N, H, W, C)
    receives x's cells of dx_pad.

    With a stride S > 1 a tap's cells lie S apart, and additions into every S-th cell run
    about three times slower than into neighbouring cells. So dx_pad is kept as S_H·S_W
    "phases": phase (a, b) holds the cells whose row is a mod S_H and whose column is b mod S_W,
    side by side, and tap (u, v) adds into one phase, a block of neighbouring cells:
    row i·S + u·D of dx_pad is row i + ⌊u·D/S⌋ of phase u·D mod S. Each phase is copied into
    its cells of ``out`` at the end. (With S = 1 there is one phase: dx_pad itself.)
    """
    N, Ho, Wo, F = dy.shape
    KH, KW, C, _ = w.shape
    H, W = out.shape[1:3]
    (pt, pb), (pl, pr) = pads
    (SH, SW), (DH, DW) = S, D
    dy2, w2 = dy.reshape(-1, F), w.reshape(-1, F)  # (N·H'·W', F), (KH·KW·C, F)
    K, cells = KH * KW * C, N * Ho * Wo
    phase_shape = (-(-(pt + H + pb) // SH), -(-(pl + W + pr) // SW))  # ⌈Hp / S_H⌉, ⌈Wp / S_W⌉ cells
    if not channels_first(C):
        # one product for all taps: dcols[(n,i,j), (u,v,c)] = Σ_o dy[n,i,j,o] · w[u,v,c,o]
        dcols = matmul(dy2, w2.T, out=scratch("dcols", (cells, K), dy.dtype))  # (N·H'·W', F) @ (F, K)
        taps = dcols.reshape(N, Ho, Wo, KH, KW, C)

        def tap_share(u, v):  # (N, H', W', C)
            return taps[:, :, :, u, v]

        phases = scratch("dx_phases", (SH, SW, N, *phase_shape, C), dy.dtype)  # (S_H, S_W, N, Hq, Wq, C)
    elif F <= TAP_PRODUCTS_UP_TO * C:
        # tap by tap, a small product whose result stays in cache until it is added:
        # share[c, (n,i,j)] = Σ_o w[u,v,c,o] · dy[n,i,j,o], channel by channel in memory
        dy_t = scratch("dy_t", (F, cells), dy.dtype)
        dy_t[...] = dy2.T  # (F, N·H'·W'): a product into channel-by-channel rows is fastest from this

        def tap_share(u, v):  # (N, H', W', C), stored channel by channel
            share = matmul(
                w[u, v], dy_t, out=scratch("dx_tap", (C, cells), dy.dtype)
            )  # (C, F) @ (F, N·H'·W')
            return share.reshape(C, N, Ho, Wo).transpose(1, 2, 3, 0)

    else:  # many kernels: reading dyᵀ once per tap would cost more than one product
        # dcols as its transpose, dcols_t[(u,v,c), (n,i,j)] = Σ_o w[u,v,c,o] · dy[n,i,j,o]
        dcols_t = matmul(w2, dy2.T, out=scratch("dcols", (K, cells), dy.dtype))  # (K, F) @ (F, N·H'·W')
        taps_t = dcols_t.reshape(KH, KW, C, N, Ho, Wo).transpose(0, 1, 3, 4, 5, 2)  # (KH, KW, N, H', W', C)

        def tap_share(u, v):  # (N, H', W', C), stored channel by channel
            return taps_t[u, v]

    if channels_first(C):
        phases = scratch("dx_phases", (SH, SW, C, N, *phase_shape), dy.dtype).transpose(0, 1, 3, 4, 5, 2)
    phases.fill(0)
    for u in range(KH):
        a, i0 = (u * DH) % SH, (u * DH) // SH  # tap row u lands in phase row a, from its row i0 on
        for v in range(KW):
            b, j0 = (v * DW) % SW, (v * DW) // SW
            phases[a, b, :, i0 : i0 + Ho, j0 : j0 + Wo, :] += tap_share(u, v)  # += : overlapping windows add
    for a in range(SH):
        h0 = (a - pt) % SH  # out's first row in phase a: dx_pad row pt + h0 ≡ a (mod S_H)
        for b in range(SW):
            w0 = (b - pl) % SW
            rows, cols = len(range(h0, H, SH)), len(range(w0, W, SW))
            i1, j1 = (pt + h0) // SH, (pl + w0) // SW  # where those cells start in the phase
            inside = phases[a, b, :, i1 : i1 + rows, j1 : j1 + cols, :]  # (N, rows, cols, C)
            if channels_first(C):
                for c in range(C):  # channel by channel: both sides then run along W
                    out[:, h0::SH, w0::SW, c] = inside[..., c]
            else:
                out[:, h0::SH, w0::SW, :] = inside
