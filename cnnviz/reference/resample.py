"""Padding, cropping, upsampling and global pooling as plain loops.

``zero_padding2d``, ``cropping2d``, ``upsampling2d``, ``global_average_pool2d`` and
``global_max_pool2d`` move the cells of one image (H, W, C); the ``*_forward`` and
``*_backward`` functions take ``cnnviz.resample``'s arguments in its order, on a batch.
"""

from __future__ import annotations

import numpy as np

from ._padding import _pads_2d, _two, batch

__all__ = [
    "cropping2d",
    "cropping2d_backward",
    "cropping2d_forward",
    "global_average_pool1d_backward",
    "global_average_pool1d_forward",
    "global_average_pool2d",
    "global_average_pool2d_backward",
    "global_average_pool2d_forward",
    "global_max_pool1d_backward",
    "global_max_pool1d_forward",
    "global_max_pool2d",
    "global_max_pool2d_backward",
    "global_max_pool2d_forward",
    "upsampling2d",
    "upsampling2d_backward",
    "upsampling2d_forward",
    "zero_padding2d",
    "zero_padding2d_backward",
    "zero_padding2d_forward",
]


def zero_padding2d(x, padding=1):
    """Zero padding: y[P_top + r, P_left + s, c] = x[r, s, c], zeros elsewhere.

    ``padding`` is an int, (rows, columns), or ((top, bottom), (left, right)).
    x : (H, W, C) -> y : (P_top + H + P_bottom, P_left + W + P_right, C)
    """
    (Pt, Pb), (Pl, Pr) = _pads_2d(padding)
    H, W, C = np.shape(x)
    y = np.zeros((Pt + H + Pb, Pl + W + Pr, C))
    for r in range(H):
        for s in range(W):
            for c in range(C):
                y[Pt + r, Pl + s, c] = x[r, s, c]
    return y


def zero_padding2d_forward(x, padding=1):
    """``ops.zero_padding2d_forward``'s output: y[n] = zero_padding2d(x[n], padding) for each image n."""
    x = batch("x", x, 4, "(N, H, W, C)", "zero_padding2d_forward")
    return np.stack([zero_padding2d(x_n, padding) for x_n in x])


def zero_padding2d_backward(dy, x, padding=1):
    """dx[n, r, s, c] = dy[n, P_top + r, P_left + s, c]: the padded border gets no gradient back."""
    x = batch("x", x, 4, "(N, H, W, C)", "zero_padding2d_backward")
    (Pt, _), (Pl, _) = _pads_2d(padding)
    dx = np.zeros(x.shape)
    for n, r, s, c in np.ndindex(x.shape):
        dx[n, r, s, c] = dy[n, Pt + r, Pl + s, c]
    return dx


def cropping2d(x, cropping=0):
    """Cropping: y[r, s, c] = x[C_top + r, C_left + s, c] for r < H − C_top − C_bottom, s likewise.

    ``cropping`` takes the same forms as ``zero_padding2d``'s padding.
    """
    (Ct, Cb), (Cl, Cr) = _pads_2d(cropping)
    H, W, C = np.shape(x)
    y = np.zeros((H - Ct - Cb, W - Cl - Cr, C))
    for r in range(H - Ct - Cb):
        for s in range(W - Cl - Cr):
            for c in range(C):
                y[r, s, c] = x[Ct + r, Cl + s, c]
    return y


def cropping2d_forward(x, cropping=((0, 0), (0, 0))):
    """``ops.cropping2d_forward``'s output: y[n] = cropping2d(x[n], cropping) for each image n."""
    x = batch("x", x, 4, "(N, H, W, C)", "cropping2d_forward")
    return np.stack([cropping2d(x_n, cropping) for x_n in x])


def cropping2d_backward(dy, x, cropping=((0, 0), (0, 0))):
    """dx[n, C_top + r, C_left + s, c] = dy[n, r, s, c]; the cropped border gets 0."""
    x = batch("x", x, 4, "(N, H, W, C)", "cropping2d_backward")
    (Ct, _), (Cl, _) = _pads_2d(cropping)
    dx = np.zeros(x.shape)
    for n, r, s, c in np.ndindex(np.shape(dy)):
        dx[n, Ct + r, Cl + s, c] = dy[n, r, s, c]
    return dx


def upsampling2d(x, size=2):
    """Nearest-neighbour upsampling: y[r, s, c] = x[⌊r/sh⌋, ⌊s/sw⌋, c].

    x : (H, W, C) -> y : (H·sh, W·sw, C)
    """
    sh, sw = _two(size)
    H, W, C = np.shape(x)
    y = np.zeros((H * sh, W * sw, C))
    for r in range(H * sh):
        for s in range(W * sw):
            for c in range(C):
                y[r, s, c] = x[r // sh, s // sw, c]
    return y


def upsampling2d_forward(x, size=2):
    """``ops.upsampling2d_forward``'s output: y[n] = upsampling2d(x[n], size) for each image n."""
    x = batch("x", x, 4, "(N, H, W, C)", "upsampling2d_forward")
    return np.stack([upsampling2d(x_n, size) for x_n in x])


def upsampling2d_backward(dy, x, size=2):
    """Each y[n, r, s, c] came from x[n, ⌊r/sh⌋, ⌊s/sw⌋, c], so dy[n, r, s, c] goes back there (+=)."""
    x = batch("x", x, 4, "(N, H, W, C)", "upsampling2d_backward")
    sh, sw = _two(size)
    dx = np.zeros(x.shape)
    for n, r, s, c in np.ndindex(np.shape(dy)):
        dx[n, r // sh, s // sw, c] += dy[n, r, s, c]
    return dx


def global_average_pool2d(x):
    """y[c] = (1/(H·W)) Σ_{r<H} Σ_{s<W} x[r, s, c]. x : (H, W, C) -> y : (C,)"""
    H, W, C = np.shape(x)
    y = np.zeros(C)
    for c in range(C):
        for r in range(H):
            for s in range(W):
                y[c] += x[r, s, c] / (H * W)
    return y


def global_average_pool2d_forward(x):
    """``ops.global_average_pool2d_forward``'s output: y[n] = global_average_pool2d(x[n]). x : (N, H, W, C) -> y : (N, C)"""
    x = batch("x", x, 4, "(N, H, W, C)", "global_average_pool2d_forward")
    return np.stack([global_average_pool2d(x_n) for x_n in x])


def global_average_pool2d_backward(dy, x):
    """dx[n, r, s, c] = dy[n, c] / (H·W): every cell had the same share in the mean."""
    x = batch("x", x, 4, "(N, H, W, C)", "global_average_pool2d_backward")
    _, H, W, _ = x.shape
    dx = np.zeros(x.shape)
    for n, r, s, c in np.ndindex(x.shape):
        dx[n, r, s, c] = dy[n, c] / (H * W)
    return dx


def global_max_pool2d(x):
    """y[c] = max_{r<H, s<W} x[r, s, c]. x : (H, W, C) -> y : (C,)"""
    H, W, C = np.shape(x)
    y = np.zeros(C)
    for c in range(C):
        y[c] = x[0][0][c]
        for r in range(H):
            for s in range(W):
                if x[r][s][c] > y[c]:
                    y[c] = x[r][s][c]
    return y


def global_max_pool2d_forward(x):
    """``ops.global_max_pool2d_forward``'s output: y[n] = global_max_pool2d(x[n]). x : (N, H, W, C) -> y : (N, C)"""
    x = batch("x", x, 4, "(N, H, W, C)", "global_max_pool2d_forward")
    return np.stack([global_max_pool2d(x_n) for x_n in x])


def global_max_pool2d_backward(dy, x):
    """dx[n, r, s, c] = dy[n, c] at the first cell, in reading order, that holds the maximum of x[n, :, :, c]; 0 elsewhere."""
    x = batch("x", x, 4, "(N, H, W, C)", "global_max_pool2d_backward")
    N, H, W, C = x.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        y = global_max_pool2d(x[n])
        for c in range(C):
            routed = False
            for r in range(H):
                for s in range(W):
                    if x[n, r, s, c] == y[c] and not routed:
                        dx[n, r, s, c] = dy[n, c]
                        routed = True
    return dx


def global_average_pool1d_forward(x):
    """``ops.global_average_pool1d_forward``'s output: the 2D one on x (N, L, C) as one-row images. -> (N, C)"""
    return global_average_pool2d_forward(_as_one_row(x, "global_average_pool1d_forward"))


def global_average_pool1d_backward(dy, x):
    """Gradient of ``global_average_pool1d_forward``: the 2D one on one-row images. Returns dx (N, L, C)."""
    return global_average_pool2d_backward(dy, _as_one_row(x, "global_average_pool1d_backward"))[:, 0]


def global_max_pool1d_forward(x):
    """``ops.global_max_pool1d_forward``'s output: the 2D one on x (N, L, C) as one-row images. -> (N, C)"""
    return global_max_pool2d_forward(_as_one_row(x, "global_max_pool1d_forward"))


def global_max_pool1d_backward(dy, x):
    """Gradient of ``global_max_pool1d_forward``: the 2D one on one-row images. Returns dx (N, L, C)."""
    return global_max_pool2d_backward(dy, _as_one_row(x, "global_max_pool1d_backward"))[:, 0]


def _as_one_row(x, func):
    """Signals (N, L, C) as images one row high, (N, 1, L, C)."""
    return batch("x", x, 3, "(N, L, C)", func)[:, None]  # (N, L, C) -> (N, 1, L, C)
