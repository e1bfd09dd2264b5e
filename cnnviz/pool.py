"""Pooling, vectorized: max and average, 2D and 1D, forward and backward.

Pooling slides a window over each channel separately, so the output has the
input's depth (ERRATA 9), and its size follows the same formula as convolution
(ERRATA 3). With a pool of PH×PW cells, stride S and padding (0-based):

    max:      y[n, i, j, c] = max_{u<PH, v<PW} x_pad[n, i·S + u, j·S + v, c]
    average:  y[n, i, j, c] = (1 / count[i, j]) · Σ_{u,v} x_pad[n, i·S + u, j·S + v, c]

Padded cells never win the max (they hold −∞) and are not counted in the
average (count[i, j] is the number of real cells in the window, as in Keras).

Instead of looping over output positions, the code loops over the PH·PW taps
of the window; each tap is one strided slice covering every output cell.

Backward: max-pooling passes each output's gradient to the one input cell that
won its window (the first one in row-major order when several tie); average
pooling shares it equally among the window's real cells. Windows that overlap
(stride < pool size) add their gradients.

Speed: max-pooling works through the batch a few images at a time
(``_parallel.for_blocks``), so that the several ufuncs per tap run on data still
in the CPU's cache, and on two threads when the batch is large. In the common
case S = pool size, no padding, H and W multiples of the pool size, the windows
tile x: x is then (N, H', PH, W', PW, C) and every input cell lies in exactly
one window, so the backward pass writes each cell of dx once, with no zeros to
fill first and no += to read back.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_cache, check_grad_shape, check_ndim
from ._parallel import for_blocks
from ._windows import crop_spatial, pad_spatial, tap_slices
from .sizes import per_axis, window_geometry

__all__ = [
    "avg_pool1d_backward",
    "avg_pool1d_forward",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "max_pool1d_backward",
    "max_pool1d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
]


def max_pool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Max-pooling of each channel of a batch of images.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    pool_size : int or (int, int)
        Window size (PH, PW).
    strides : int or (int, int), optional
        Step between windows; defaults to ``pool_size`` (windows side by side).
    padding : "valid", "same", int, or per-axis values
        Each side's padding must be smaller than the window, so that every
        window holds at least one input cell.

    Returns
    -------
    y : ndarray, shape (N, H', W', C)
    cache : dict
        ``cache["argmax"]`` (N, H', W', C) is the winning tap u·PW + v of each window.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [3, 2, 1, 1]]).reshape(1, 4, 4, 1)
    >>> y, _ = max_pool2d_forward(x)
    >>> y[0, :, :, 0]
    array([[4., 5.],
           [3., 7.]])
    """
    x, geom = _prepare(x, pool_size, strides, padding, "max_pool2d_forward")
    x_pad = pad_spatial(x, geom[4], -np.inf)  # padded cells can never be the maximum
    N, (PH, PW), out_shape = x.shape[0], geom[0], geom[3]
    y = np.empty((N, *out_shape, x.shape[3]), x.dtype)
    argmax = np.empty(y.shape, np.min_scalar_type(PH * PW))  # uint8 up to 255 taps, wider beyond

    def pool_images(n):  # y and argmax of the images n
        _max_over_taps(x_pad[n], geom, y[n], argmax[n])

    for_blocks(pool_images, N, row_bytes=x_pad[:1].nbytes)  # image by image, on two threads when large
    return y, {"op": "max_pool2d", "x_shape": x.shape, "y_shape": y.shape, "geometry": geom, "argmax": argmax}


def max_pool2d_backward(dy, cache):
    """Gradient of ``max_pool2d_forward``: each ``dy`` goes to its window's maximum.

    Returns
    -------
    dx : ndarray, shape (N, H, W, C)
    """
    cache = check_cache(cache, "max_pool2d", func="max_pool2d_backward")
    argmax, geom, x_shape = cache["argmax"], cache["geometry"], cache["x_shape"]
    dy = check_grad_shape(dy, argmax.shape, func="max_pool2d_backward")
    if _windows_tile(x_shape, geom):
        dx = np.empty(x_shape, dy.dtype)  # every cell is written once below: no zeros needed
        route = _route_to_tiles
    else:
        dx = _zeros_padded(cache, dy.dtype)
        route = _route_to_windows

    def route_images(n):  # dx of the images n
        route(dy[n], argmax[n], geom, dx[n])

    for_blocks(route_images, x_shape[0], row_bytes=dx[:1].nbytes)  # image by image, on two threads when large
    return crop_spatial(dx, geom[4], x_shape[1:3])


def avg_pool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of each channel; padded cells are left out of the mean.

    Same parameters and output shape as ``max_pool2d_forward``.

    >>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 7, 2], [3, 2, 1, 1]]).reshape(1, 4, 4, 1)
    >>> avg_pool2d_forward(x)[0][0, :, :, 0]
    array([[2.5 , 2.  ],
           [1.5 , 2.75]])
    """
    x, geom = _prepare(x, pool_size, strides, padding, "avg_pool2d_forward")
    count = _window_counts(x.shape, geom).astype(x.dtype)  # (H', W', 1): real cells in each window
    x_pad = pad_spatial(x, geom[4], 0.0)
    total = 0
    for _, rows, cols in _taps(geom):
        total = total + x_pad[:, rows, cols, :]  # (N, H', W', C)
    y = total / count
    return y, {"op": "avg_pool2d", "x_shape": x.shape, "y_shape": y.shape, "geometry": geom, "count": count}


def avg_pool2d_backward(dy, cache):
    """Gradient of ``avg_pool2d_forward``: dy / count to every real cell of the window."""
    cache = check_cache(cache, "avg_pool2d", func="avg_pool2d_backward")
    count = cache["count"]
    N, _, _, C = cache["x_shape"]
    dy = check_grad_shape(dy, (N, *count.shape[:2], C), func="avg_pool2d_backward")
    share = dy / count
    dx_pad = _zeros_padded(cache, share.dtype)
    for _, rows, cols in _taps(cache["geometry"]):
        dx_pad[:, rows, cols, :] += share
    return crop_spatial(dx_pad, cache["geometry"][4], cache["x_shape"][1:3])


def max_pool1d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Max-pooling of signals: x (N, L, C) -> y (N, L', C). See ``max_pool2d_forward``."""
    return _pool1d(max_pool2d_forward, x, pool_size, strides, padding, "max_pool1d_forward")


def max_pool1d_backward(dy, cache):
    """Gradient of ``max_pool1d_forward``: dx (N, L, C)."""
    return _backward1d(max_pool2d_backward, dy, cache, "max_pool1d_backward")


def avg_pool1d_forward(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of signals: x (N, L, C) -> y (N, L', C). See ``avg_pool2d_forward``."""
    return _pool1d(avg_pool2d_forward, x, pool_size, strides, padding, "avg_pool1d_forward")


def avg_pool1d_backward(dy, cache):
    """Gradient of ``avg_pool1d_forward``: dx (N, L, C)."""
    return _backward1d(avg_pool2d_backward, dy, cache, "avg_pool1d_backward")


def _prepare(x, pool_size, strides, padding, func):
    """Validate the input and work out (pool, strides, dilation, out_shape, pads)."""
    x = as_real_array("x", x, func=func)
    check_ndim("x", x, 4, "(N, H, W, C)", func=func, hint="Add a batch axis with x[None].")
    pool = per_axis("pool_size", pool_size, 2)
    S = pool if strides is None else per_axis("strides", strides, 2)
    out_shape, pads = window_geometry(x.shape[1:3], pool, S, padding)
    _check_pool_padding(pool, pads, ("height", "width"), func, pool_size, padding)
    return x, (pool, S, (1, 1), out_shape, pads)


def _check_pool_padding(pool, pads, axes, func, pool_size, padding):
    for axis, K, (before, after) in zip(axes, pool, pads):
        if max(before, after) >= K:
            raise ValueError(
                f"{func}: padding of {max(before, after)} cells along {axis} leaves windows with no "
                f"input cell; each side's padding must be smaller than the pool size K={K}. "
                f"Received pool_size={pool_size!r}, padding={padding!r}."
            )


def _taps(geom):
    pool, S, D, out_shape, _ = geom
    return tap_slices(pool, S, D, out_shape)


def _max_over_taps(x_pad, geom, y, argmax):
    """Fill y and argmax (N, H', W', C) with each window's maximum and its first winning tap.

    ``y[n, i, j, c] = max_t x_pad[n, i·S + u, j·S + v, c]`` over the taps t = u·PW + v, in
    row-major order; ``argmax`` holds the first t that reaches it. Branch-free: per tap,
    a few ufuncs over every window at once (masked copies are several times slower). A
    tap's cells lie apart in x_pad, and reading them is the slow part, so each tap is read
    once: the new maximum, then "did it grow?" from the maximum before, which lies side by
    side in memory (about 4 times faster to compare). A window holding NaN gives NaN, and
    its first NaN is the winner (NaN is no number to compare).
    """
    taps = _taps(geom)
    _, rows, cols = next(taps)
    np.copyto(y, x_pad[:, rows, cols, :])  # tap 0 holds the maximum until a later tap beats it
    argmax.fill(0)
    wins, before = np.empty(y.shape, bool), np.empty_like(y)
    for t, rows, cols in taps:
        np.copyto(before, y)
        np.maximum(y, x_pad[:, rows, cols, :], out=y)  # this tap's cell of every window, read once
        np.greater(
            y, before, out=wins
        )  # the tap won where the maximum grew: on a tie the earlier tap keeps it
        # taps come in increasing order, so the last one to win holds the window's first maximum
        np.maximum(argmax, np.multiply(wins, t, dtype=argmax.dtype), out=argmax)
    unset = np.isnan(y)  # NaN's rule, as in PyTorch: a window holding NaN gives NaN, its first NaN wins
    if unset.any():
        argmax[unset] = 0
        for t, rows, cols in _taps(geom):
            first = unset & np.isnan(x_pad[:, rows, cols, :])
            argmax[first] = t
            unset &= ~first


def _windows_tile(x_shape, geom):
    """True when the windows lie side by side and cover x exactly: S = pool size, no padding,
    H and W multiples of the pool size. Then every input cell lies in exactly one window."""
    pool, S, _, _, pads = geom
    return S == pool and pads == ((0, 0), (0, 0)) and x_shape[1] % pool[0] == 0 and x_shape[2] % pool[1] == 0


def _route_to_tiles(dy, argmax, geom, dx):
    """Max-pool backward when the windows tile x: dx[n, i·PH + u, j·PW + v, c] = dy[n, i, j, c]
    if tap t = u·PW + v won window (i, j), else 0.

    Viewed as (N, H', PH, W', PW, C), dx is one (N, H', W', C) slice per tap; each slice is
    written once (=), with no zeros to fill first and no += to read back.
    """
    won = np.empty(argmax.shape, bool)
    for t, rows, cols in _taps(geom):
        np.equal(argmax, t, out=won)
        np.multiply(dy, won, out=dx[:, rows, cols, :])  # dy where this tap won the window, 0 elsewhere


def _route_to_windows(dy, argmax, geom, dx_pad):
    """Max-pool backward in general: add each dy into the padded cell that won its window
    (``dx_pad`` starts at zero; windows that overlap add their gradients)."""
    won, share = np.empty(argmax.shape, bool), np.empty_like(dy)
    for t, rows, cols in _taps(geom):
        np.equal(argmax, t, out=won)
        np.multiply(dy, won, out=share)  # dy where this tap won the window, 0 elsewhere
        dx_pad[:, rows, cols, :] += share  # += : overlapping windows accumulate


def _zeros_padded(cache, dtype):
    N, H, W, C = cache["x_shape"]
    (pt, pb), (pl, pr) = cache["geometry"][4]
    return np.zeros((N, pt + H + pb, pl + W + pr, C), dtype=dtype)


def _window_counts(x_shape, geom):
    """count[i, j, 0]: how many real (unpadded) cells window (i, j) covers."""
    ones = np.ones((1, *x_shape[1:3], 1))
    counts = sum(pad_spatial(ones, geom[4], 0.0)[:, rows, cols, :] for _, rows, cols in _taps(geom))
    return counts[0]


def _pool1d(pool2d, x, pool_size, strides, padding, func):
    x = as_real_array("x", x, func=func)
    check_ndim("x", x, 3, "(N, L, C)", func=func, hint="Add a batch axis with x[None].")
    pool = per_axis("pool_size", pool_size, 1)[0]
    S = pool if strides is None else per_axis("strides", strides, 1)[0]
    if not isinstance(padding, str):
        padding = (padding,)
    (_,), (pads,) = window_geometry(x.shape[1:2], (pool,), (S,), padding)  # errors in 1D terms
    _check_pool_padding((pool,), (pads,), ("length",), func, pool_size, padding)
    y, cache = pool2d(x[:, None], (1, pool), (1, S), ((0, 0), pads))
    return y[:, 0], {**cache, "op": func.removesuffix("_forward")}


def _backward1d(backward2d, dy, cache, func):
    """dx (N, L, C) of a 1D pooling, from the 2D backward pass of its one-row images.

    The cache and dy are checked in 1D terms (named after the 1D op), then handed to the 2D code.
    """
    cache = check_cache(cache, func.removesuffix("_backward"), func=func)
    N, _, L_out, C = cache["y_shape"]
    dy = check_grad_shape(dy, (N, L_out, C), func=func)[:, None]  # (N, L', C) -> (N, 1, L', C)
    as2d = {**cache, "op": backward2d.__name__.removesuffix("_backward")}
    return backward2d(dy, as2d)[:, 0]  # (N, 1, L, C) -> (N, L, C)
