"""Sliding windows over channels-last arrays, shared by convolution and pooling.

Two ways to visit the windows, both without Python loops over positions:

* ``window_view`` returns every window at once as a read-only view of shape
  ``(N, H', W', KH, KW, C)``; copying it into a matrix is "im2col" (``im2col``).
* ``tap_slices`` walks over the KH·KW taps of the window instead: tap (u, v)
  reads ``x_pad[:, u·D + i·S, v·D + j·S, :]`` for every output cell (i, j) at
  once, which is one strided slice. Pooling takes the max over the taps, and
  the convolution's backward pass adds its gradients back through them.

Temporaries that a training step makes at the same size every time (the padded
input, the im2col matrix) live in per-thread scratch buffers (``scratch``).
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._checks import check_allocation

__all__ = [
    "CHANNELS_FIRST_BELOW",
    "SCRATCH_BYTES",
    "channels_first",
    "crop_spatial",
    "im2col",
    "pad_spatial",
    "padded_shape",
    "scratch",
    "tap_slices",
    "window_view",
]

CHANNELS_FIRST_BELOW = 8  # inputs with fewer channels store im2col column by column (see im2col)
SCRATCH_BYTES = 2**25  # 32 MiB: a larger temporary is allocated afresh, not kept (see scratch)


def padded_shape(shape, pads) -> tuple:
    """The shape (N, *spatial, C) after padding the spatial axes by ``pads`` ((before, after), ...)."""
    return (shape[0], *(n + before + after for n, (before, after) in zip(shape[1:-1], pads)), shape[-1])


def pad_spatial(x: np.ndarray, pads, value: float = 0.0, out=None) -> np.ndarray:
    """Pad the spatial axes of ``x`` (N, *spatial, C) by ``pads`` ((before, after), ...).

    Returns ``x`` itself (not a copy) when no padding is needed; otherwise a new array, or
    ``out`` (of the padded shape) filled in.
    """
    if all(before == 0 and after == 0 for before, after in pads):
        return x
    # what np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value) returns, without its
    # per-call overhead (tens of µs), which counts when a batch is padded block by block
    if out is None:  # a padding typed with too many zeros is explained, not a MemoryError
        check_allocation(padded_shape(x.shape, pads), x.dtype, what="the padded input", func="padding")
    x_pad = np.empty(padded_shape(x.shape, pads), x.dtype) if out is None else out  # (N, Pt + H + Pb, ..., C)
    x_pad.fill(value)
    inside = tuple(slice(before, before + n) for n, (before, _) in zip(x.shape[1:-1], pads))
    x_pad[(slice(None), *inside)] = x
    return x_pad


def window_view(x_pad: np.ndarray, kernel_size, strides, dilation, out_shape) -> np.ndarray:
    """All windows as a read-only view: ``view[n, i, j, u, v, c] = x_pad[n, i·Sh + u·Dh, j·Sw + v·Dw, c]``.

    Parameters
    ----------
    x_pad : ndarray, shape (N, Hp, Wp, C)
        The (already padded) input.
    kernel_size, strides, dilation, out_shape : (int, int)
        ``(KH, KW)``, ``(Sh, Sw)``, ``(Dh, Dw)`` and ``(H', W')``.

    Returns
    -------
    ndarray, shape (N, H', W', KH, KW, C)
        A view that shares memory with ``x_pad``; no data is copied.
    """
    N, _, _, C = x_pad.shape
    (KH, KW), (Sh, Sw), (Dh, Dw), (Ho, Wo) = kernel_size, strides, dilation, out_shape
    sn, sh, sw, sc = x_pad.strides
    return as_strided(
        x_pad,
        shape=(N, Ho, Wo, KH, KW, C),
        strides=(sn, sh * Sh, sw * Sw, sh * Dh, sw * Dw, sc),
        writeable=False,
    )


def tap_slices(kernel_size, strides, dilation, out_shape):
    """Yield ``(t, rows, cols)`` for each tap of the window, in row-major order.

    ``x_pad[:, rows, cols, :]`` has shape (N, H', W', C) and holds, for every
    output cell (i, j), the input cell that tap t = u·KW + v of that cell's
    window sees: ``x_pad[n, u·Dh + i·Sh, v·Dw + j·Sw, c]``.
    """
    (KH, KW), (Sh, Sw), (Dh, Dw), (Ho, Wo) = kernel_size, strides, dilation, out_shape
    for u in range(KH):
        for v in range(KW):
            rows = slice(u * Dh, u * Dh + Sh * (Ho - 1) + 1, Sh)
            cols = slice(v * Dw, v * Dw + Sw * (Wo - 1) + 1, Sw)
            yield u * KW + v, rows, cols


def crop_spatial(x_pad: np.ndarray, pads, spatial_shape) -> np.ndarray:
    """Undo ``pad_spatial``: the cells of ``x_pad`` that belong to the input."""
    (pt, _), (pl, _) = pads
    H, W = spatial_shape
    return x_pad[:, pt : pt + H, pl : pl + W, :]  # explicit ends: ``pt:-pb`` is empty when pb = 0


def channels_first(C) -> bool:
    """Whether C channels are few enough to store the im2col matrix column by column."""
    return C < CHANNELS_FIRST_BELOW


def im2col(x, kernel_size, pads, strides, dilation, out_shape, ones=False):
    """The im2col matrix (N·H'·W', KH·KW·C), with a last column of ones when ``ones``.

    ``cols[(n, i, j), (u, v, c)] = x_pad[n, i·S + u·D, j·S + v·D, c]``: row (n, i, j) is
    the window under output cell (i, j), and ``cols @ w.reshape(-1, F)`` is the
    convolution. The column of ones lets the same product add a bias.

    A copy is fast when it moves long runs of neighbouring values. With many channels a
    window's row is KW·C neighbours in x, so the matrix is stored row by row (C order).
    With few channels (C < CHANNELS_FIRST_BELOW) those runs are 1 to 3 values long; the
    matrix is then stored column by column (its transpose is C-contiguous), and column
    (u, v, c) is the strided slice x_pad[:, u·D::S, v·D::S, c], copied in runs of W'
    cells. Both hold the same numbers, and matmul reads either order.

    The matrix lives in this thread's scratch buffer (``scratch``): use it before the
    next ``im2col`` on the same thread, and never keep it.
    """
    N, _, _, C = x.shape
    KH, KW = kernel_size
    K, rows = KH * KW * C, N * out_shape[0] * out_shape[1]
    x_pad = x
    if any(before or after for before, after in pads):
        x_pad = scratch("x_pad", padded_shape(x.shape, pads), x.dtype)  # (N, Pt + H + Pb, Pl + W + Pr, C)
        pad_spatial(x, pads, out=x_pad)
    windows = window_view(x_pad, kernel_size, strides, dilation, out_shape)  # (N, H', W', KH, KW, C), a view
    if channels_first(C):
        cols = scratch("cols", (K + ones, rows), x.dtype).T  # (N·H'·W', KH·KW·C [+ 1]), column by column
        # the im2col copy, column (u, v, c) at a time: (KH, KW, C, N, H', W') <- (N, H', W', KH, KW, C)
        cols[:, :K].T.reshape(KH, KW, C, N, *out_shape)[...] = windows.transpose(3, 4, 5, 0, 1, 2)
    else:
        cols = scratch("cols", (rows, K + ones), x.dtype)  # (N·H'·W', KH·KW·C [+ 1]), row by row
        cols[:, :K].reshape(N, *out_shape, KH, KW, C)[...] = windows  # the im2col copy
    if ones:
        cols[:, K] = 1  # the bias's column
    return cols


class _ScratchBuffers(threading.local):
    """Each thread's named byte buffers (a thread-local object: every thread sees its own)."""

    def __init__(self):
        self.by_name = {}


_scratch_buffers = _ScratchBuffers()


def scratch(name: str, shape, dtype) -> np.ndarray:
    """An uninitialised array for a temporary, in a buffer that this thread keeps under ``name``.

    A training step makes the same temporaries at every step. A fresh large array costs
    page faults on first touch each time (the allocator hands large blocks back to the
    operating system in between), so the buffer is kept and reused instead. What it holds
    is overwritten by the next call with the same name on the same thread: use it inside
    one function, never return it or put it in a cache. Arrays larger than
    ``SCRATCH_BYTES`` are allocated afresh, so that no large buffer is kept.
    """
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    buffer = _scratch_buffers.by_name.get(name)
    if buffer is None or buffer.nbytes < size:
        buffer = _scratch_buffers.by_name[name] = np.empty(size, np.uint8)
    return buffer[:size].view(dtype).reshape(shape)
