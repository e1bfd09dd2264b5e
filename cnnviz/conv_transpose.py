"""Transposed convolution (Keras' ``Conv2DTranspose``), vectorized, forward and backward.

A transposed convolution (Keras' ``Conv2DTranspose``) runs the convolution's
input gradient forwards: each input cell stamps a scaled copy of the kernel
into a larger output, exactly what col2im does. Its own input gradient is then
a plain convolution of ``dy``.
"""

from __future__ import annotations

import numpy as np

from ._blas import matmul
from ._checks import check_allocation, check_bias, check_cache, check_conv_arrays, check_grad_shape
from ._conv_engine import bytes_per_image, in_blocks, scatter, summed_in_blocks
from ._windows import im2col
from .sizes import per_axis, transposed_output_length, window_geometry

__all__ = ["conv_transpose2d_backward", "conv_transpose2d_forward"]


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
    x, w = check_conv_arrays(x, w, func, "(N, H, W, C)", "(KH, KW, F, C)", depth_axis=-1)
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
        scatter(x[n], w, pads, S, (1, 1), out=y[n])  # (n, H', W', F), cut out of y_full

    # in the terms of the convolution whose input gradient this is: its input is y, its dy is x
    in_blocks(N, bytes_per_image(y, w.shape, pads, (H, W), dx_columns=KH * KW * F), images)
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

    dw = summed_in_blocks(N, bytes_per_image(dy, w.shape, pads, (H, W), dx_columns=0), images)  # (KH·KW·F, C)
    return dx, dw.reshape(w.shape), db
