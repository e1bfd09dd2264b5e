"""Pooling as plain loops: each window's maximum or mean, and where each gradient goes back.

``max_pool2d`` and ``avg_pool2d`` pool one image (H, W, C) with explicit padding, as the
notes write it; the ``*_forward`` and ``*_backward`` functions take ``cnnviz.pool``'s
arguments in its order (a batch, ``pool_size``, ``strides``, ``padding``). 1D pooling is
the 2D one on an image one row high.
"""

from __future__ import annotations

import math

import numpy as np

from ..sizes import per_axis, resolve_padding
from ._padding import _pads_2d, _two, batch, output_length, pad_2d, window_pads

__all__ = [
    "avg_pool1d_backward",
    "avg_pool1d_forward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool_with_members",
    "max_pool1d_backward",
    "max_pool1d_forward",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool_with_winners",
    "pool_windows",
]


def max_pool2d(x, K=2, S=None, P=0):
    """Max-pooling of each channel on its own (ERRATA 9).

    y[i, j, c] = max_{u < K_height, v < K_width} x[i·S + u, j·S + v, c], with
    padded cells counting as −∞ (they never win). S defaults to K.

    x : (H, W, C) -> y : (H', W', C)
    """
    y, _ = max_pool_with_winners(x, K, S, P)
    return y


def avg_pool2d(x, K=2, S=None, P=0):
    """Average pooling: the mean of the window's real (unpadded) cells, per channel."""
    y, _ = avg_pool_with_members(x, K, S, P)
    return y


def max_pool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """``ops.max_pool2d_forward``'s output: y[n] = max_pool2d(x[n], ...) for each image n.

    x : (N, H, W, C) -> y : (N, H', W', C)

    >>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 5]]).reshape(1, 2, 4, 1)
    >>> max_pool2d_forward(x)[0, :, :, 0]  # max(1, 3, 4, 2), max(2, 0, 1, 5)
    array([[4., 5.]])
    """
    x, P = _image_batch(x, pool_size, strides, padding, "max_pool2d_forward")
    return np.stack([max_pool2d(x_n, pool_size, strides, P) for x_n in x])


def max_pool2d_backward(dy, x, pool_size=2, strides=None, padding="valid"):
    """Each dy[n, i, j, c] goes to the cell that won window (i, j) of x[n]; the first in row-major order on a tie.

    Takes dy (N, H', W', C) and then the forward's arguments. Returns dx (N, H, W, C).
    """
    x, P = _image_batch(x, pool_size, strides, padding, "max_pool2d_backward")

    def shares(x_n):  # the winner takes all of dy[n, i, j, c]
        _, winners = max_pool_with_winners(x_n, pool_size, strides, P)
        return {(i, j, c): [((r, s), 1)] for (i, j, c), (r, s) in winners.items()}

    return _route_back(dy, x, P, shares)


def avg_pool2d_forward(x, pool_size=2, strides=None, padding="valid"):
    """``ops.avg_pool2d_forward``'s output: y[n] = avg_pool2d(x[n], ...) for each image n.

    x : (N, H, W, C) -> y : (N, H', W', C)
    """
    x, P = _image_batch(x, pool_size, strides, padding, "avg_pool2d_forward")
    return np.stack([avg_pool2d(x_n, pool_size, strides, P) for x_n in x])


def avg_pool2d_backward(dy, x, pool_size=2, strides=None, padding="valid"):
    """Each dy[n, i, j, c] is shared equally by the real cells of window (i, j).

    Takes dy (N, H', W', C) and then the forward's arguments. Returns dx (N, H, W, C).
    """
    x, P = _image_batch(x, pool_size, strides, padding, "avg_pool2d_backward")

    def shares(x_n):  # each real cell of the window gets dy[n, i, j, c] / (their number)
        _, members = avg_pool_with_members(x_n, pool_size, strides, P)
        C = x_n.shape[2]
        return {
            (i, j, c): [(cell, len(cells)) for cell in cells]
            for (i, j), cells in members.items()
            for c in range(C)
        }

    return _route_back(dy, x, P, shares)


def max_pool1d_forward(x, pool_size=2, strides=None, padding="valid"):
    """``ops.max_pool1d_forward``'s output: 2D max pooling of x (N, L, C) as images one row high."""
    return max_pool2d_forward(*_as_one_row(x, pool_size, strides, padding, "max_pool1d_forward"))[:, 0]


def max_pool1d_backward(dy, x, pool_size=2, strides=None, padding="valid"):
    """Gradient of ``max_pool1d_forward``: the 2D one on one-row images. Returns dx (N, L, C)."""
    one_row = _as_one_row(x, pool_size, strides, padding, "max_pool1d_backward")
    return max_pool2d_backward(np.asarray(dy)[:, None], *one_row)[:, 0]


def avg_pool1d_forward(x, pool_size=2, strides=None, padding="valid"):
    """``ops.avg_pool1d_forward``'s output: 2D average pooling of x (N, L, C) as images one row high."""
    return avg_pool2d_forward(*_as_one_row(x, pool_size, strides, padding, "avg_pool1d_forward"))[:, 0]


def avg_pool1d_backward(dy, x, pool_size=2, strides=None, padding="valid"):
    """Gradient of ``avg_pool1d_forward``: the 2D one on one-row images. Returns dx (N, L, C)."""
    one_row = _as_one_row(x, pool_size, strides, padding, "avg_pool1d_backward")
    return avg_pool2d_backward(np.asarray(dy)[:, None], *one_row)[:, 0]


def _route_back(dy, x, P, shares):
    """dx (N, H, W, C) of a pooling: dx_pad[n, r, s, c] += dy[n, i, j, c] / d for each (r, s), d
    in ``shares(x[n])[(i, j, c)]`` (padded coordinates), then the padding cut off."""
    N, H, W, C = x.shape
    (Pt, Pb), (Pl, Pr) = P
    dx_pad = np.zeros((N, Pt + H + Pb, Pl + W + Pr, C))
    for n in range(N):
        for (i, j, c), cells in shares(x[n]).items():
            for (r, s), d in cells:
                dx_pad[n, r, s, c] += dy[n, i, j, c] / d  # windows that overlap add their gradients
    return dx_pad[:, Pt : Pt + H, Pl : Pl + W]


def _image_batch(x, pool_size, strides, padding, func):
    """x as a batch of images (N, H, W, C), and the padding as ((top, bottom), (left, right)) cells."""
    x = batch("x", x, 4, "(N, H, W, C)", func)
    return x, window_pads(x.shape[1:3], pool_size, pool_size if strides is None else strides, padding)


def _as_one_row(x, pool_size, strides, padding, func):
    """Signals (N, L, C) as one-row images (N, 1, L, C), with the 2D pool, strides and padding."""
    x = batch("x", x, 3, "(N, L, C)", func)
    (K,) = per_axis("pool_size", pool_size, 1)
    (S,) = per_axis("strides", K if strides is None else strides, 1)
    P = resolve_padding(padding, x.shape[1], K, S)
    return x[:, None], (1, K), (1, S), ((0, 0), P)  # (N, L, C) -> (N, 1, L, C)


def pool_windows(x_shape, K, S, P):
    """Yield ``(i, j, cells)`` for every output cell of a pooling: its window's cells ``(r, s)``.

    ``(r, s)`` count rows and columns of the padded input; cells come in reading order
    (row by row), and so do the output cells (i, j). S = None means S = K.
    """
    KH, KW = _two(K)
    Sh, Sw = _two(K if S is None else S)
    (Pt, Pb), (Pl, Pr) = _pads_2d(P)
    H_out = output_length(x_shape[0], KH, Pt, Pb, Sh)
    W_out = output_length(x_shape[1], KW, Pl, Pr, Sw)
    for i in range(H_out):
        for j in range(W_out):
            yield i, j, [(i * Sh + u, j * Sw + v) for u in range(KH) for v in range(KW)]


def max_pool_with_winners(x, K, S, P):
    """Max-pooling of x (H, W, C), and the cell that won each window.

    Returns ``y`` (H', W', C) and ``winners``: ``{(i, j, c): (r, s)}``, the winning cell
    in padded coordinates. Padded cells hold −∞, so they never win; on a tie the first
    cell in reading order wins (a later cell must be strictly larger), as in Keras and PyTorch.
    A window holding NaN gives NaN, and its first NaN wins (as in PyTorch).
    """
    x_pad = pad_2d(np.asarray(x, dtype=float), P, value=-math.inf)
    C = x_pad.shape[2]
    cells = list(pool_windows(np.shape(x), K, S, P))
    y = np.zeros((cells[-1][0] + 1, cells[-1][1] + 1, C))
    winners = {}
    for i, j, window in cells:
        for c in range(C):
            best = window[0]
            for r, s in window:
                value, best_value = x_pad[r, s, c], x_pad[best[0], best[1], c]
                if value > best_value or (math.isnan(value) and not math.isnan(best_value)):
                    best = (r, s)  # a larger value, or the first NaN (a window holding NaN gives NaN)
            y[i, j, c] = x_pad[best[0], best[1], c]
            winners[(i, j, c)] = best
    return y, winners


def avg_pool_with_members(x, K, S, P):
    """Average pooling of x (H, W, C), and the real (unpadded) cells of each window.

    Returns ``y`` (H', W', C) and ``members``: ``{(i, j): [(r, s), ...]}`` in padded
    coordinates; padded cells are left out of the mean.
    """
    H, W, C = np.shape(x)
    (Pt, _), (Pl, _) = _pads_2d(P)
    x_pad = pad_2d(np.asarray(x, dtype=float), P)
    cells = list(pool_windows((H, W), K, S, P))
    y = np.zeros((cells[-1][0] + 1, cells[-1][1] + 1, C))
    members = {}
    for i, j, window in cells:
        real = [(r, s) for r, s in window if Pt <= r < Pt + H and Pl <= s < Pl + W]
        members[(i, j)] = real
        for c in range(C):
            y[i, j, c] = sum(x_pad[r, s, c] for r, s in real) / len(real)
    return y, members
