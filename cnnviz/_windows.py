"""Sliding windows over channels-last arrays, shared by convolution and pooling.

Two ways to visit the windows, both without Python loops over positions:

* ``window_view`` returns every window at once as a read-only view of shape
  ``(N, H', W', KH, KW, C)``; copying it into a matrix is "im2col".
* ``tap_slices`` walks over the KH·KW taps of the window instead: tap (u, v)
  reads ``x_pad[:, u·D + i·S, v·D + j·S, :]`` for every output cell (i, j) at
  once, which is one strided slice. Pooling takes the max over the taps, and
  the convolution's backward pass adds its gradients back through them.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["crop_spatial", "pad_spatial", "tap_slices", "window_view"]


def pad_spatial(x: np.ndarray, pads, value: float = 0.0) -> np.ndarray:
    """Pad the spatial axes of ``x`` (N, *spatial, C) by ``pads`` ((before, after), ...).

    Returns ``x`` itself (not a copy) when no padding is needed.
    """
    if all(before == 0 and after == 0 for before, after in pads):
        return x
    # (N, H, W, C) -> (N, Pt + H + Pb, Pl + W + Pr, C)
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


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
