"""The notes' four convolution cases, called the way a learner writes them.

No batch axis needed: pass a signal and a kernel with the shapes the notes use
and get the feature map back. Underneath, each call adds a batch axis of one
and runs the fast core (``cnnviz.ops``); batched input (a leading N axis) is
passed straight through.

==========================  ===================  ==================  ============
case                        x                    w                   y
==========================  ===================  ==================  ============
1: 1D, 1 channel, 1 kernel  (L,)                 (K,)                (L',)
2: 1D, C channels, 1 kernel (L, C)               (K, C)              (L',)
3: 1D, C channels, k kernels (L, C)              (K, C, k)           (L', k)
4: 2D, C channels, k kernels (H, W, C)           (KH, KW, C, k)      (H', W', k)
2D, 1 channel, 1 kernel     (H, W)               (KH, KW)            (H', W')
2D, C channels, 1 kernel    (H, W, C)            (KH, KW, C)         (H', W')
batched 1D / 2D             (N, L, C) / (N, H, W, C)   (K, C, F) / (KH, KW, C, F)
==========================  ===================  ==================  ============

>>> conv1d([1, 2, 3, 4, 5], [1, 0, -1])          # case 1: 1·1 + 0·2 − 1·3, ...
array([-2., -2., -2.])
>>> conv1d([[1, 10], [2, 20], [3, 30]], [[1, 0], [0, 1]])   # case 2: x[i, 0] + x[i+1, 1]
array([21., 32.])
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array
from .conv import conv1d_forward, conv2d_forward

__all__ = ["conv1d", "conv2d"]


_CASES_1D = (
    "conv1d takes case 1: x (L,) with w (K,); case 2: x (L, C) with w (K, C); "
    "case 3: x (L, C) with w (K, C, k); or a batch: x (N, L, C) with w (K, C, F)"
)
_CASES_2D = (
    "conv2d takes case 4: x (H, W, C) with w (KH, KW, C, k); one grayscale image and one kernel: "
    "x (H, W) with w (KH, KW); one kernel over C channels: x (H, W, C) with w (KH, KW, C); "
    "or a batch: x (N, H, W, C) with w (KH, KW, C, F)"
)


def conv1d(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """1D convolution (cross-correlation) in any of the notes' cases 1–3.

    Parameters
    ----------
    x : array_like, shape (L,), (L, C) or (N, L, C)
    w : array_like, shape (K,), (K, C), (K, C, k) or (K, C, F)
    b : float or array_like of shape (k,), optional
        The bias: one number for one kernel, one per kernel otherwise.
    strides, padding, dilation_rate
        As in ``cnnviz.ops.conv1d_forward``.

    Returns
    -------
    ndarray, shape (L',), (L', k) or (N, L', F)
    """
    return _in_notes_shapes(conv1d_forward, 1, _CASES_1D, x, w, b, strides, padding, dilation_rate)


def conv2d(x, w, b=None, strides=1, padding="valid", dilation_rate=1):
    """2D convolution (cross-correlation): the notes' case 4, and its simpler forms.

    Parameters
    ----------
    x : array_like, shape (H, W), (H, W, C) or (N, H, W, C)
    w : array_like, shape (KH, KW), (KH, KW, C), (KH, KW, C, k) or (KH, KW, C, F)
    b : float or array_like of shape (k,), optional
    strides, padding, dilation_rate
        As in ``cnnviz.ops.conv2d_forward``.

    Returns
    -------
    ndarray, shape (H', W'), (H', W', k) or (N, H', W', F)

    >>> conv2d(np.arange(9).reshape(3, 3), [[0, 1], [2, 3]])
    array([[19., 25.],
           [37., 43.]])
    """
    return _in_notes_shapes(conv2d_forward, 2, _CASES_2D, x, w, b, strides, padding, dilation_rate)


# The shapes a learner may pass, by the number of axes beyond the ``rank`` spatial ones
# (x's, w's): what is missing is added as an axis of one, then taken off the result.
_SHAPES = {
    (0, 0): "one channel",  # case 1; a grayscale image: x (L,) / (H, W), w (K,) / (KH, KW)
    (1, 1): "one kernel",  # case 2; C channels: x (L, C) / (H, W, C), w (K, C) / (KH, KW, C)
    (1, 2): "kernels",  # cases 3 and 4: x (L, C) / (H, W, C), w (K, C, k) / (KH, KW, C, k)
    (2, 2): "batch",  # x (N, L, C) / (N, H, W, C), w (K, C, F) / (KH, KW, C, F)
}


def _in_notes_shapes(forward, rank, cases, x, w, b, strides, padding, dilation_rate):
    """``forward`` (the 1D or 2D op, ``rank`` spatial axes) on the learner's arrays as the notes shape them."""
    func = forward.__name__.removesuffix("_forward")  # "conv1d" or "conv2d"
    x, w = as_real_array("x", x, func=func), as_real_array("w", w, func=func)
    received = (x.shape, w.shape)
    case = _SHAPES.get((x.ndim - rank, w.ndim - rank))
    if case is None:
        raise ValueError(f"{cases}; received x.shape={x.shape} and w.shape={w.shape}.")
    one_kernel = case in ("one channel", "one kernel")
    if case == "one channel":
        x, w = x[..., None], w[..., None]  # one channel: (L, 1) / (H, W, 1), (K, 1) / (KH, KW, 1)
    if one_kernel:
        w = w[..., None]  # one kernel: (K, C, 1) / (KH, KW, C, 1)
    _check_depth(x, w, func, received)
    b = _one_bias(b, one_kernel)
    if case == "batch":
        return forward(x, w, b, strides, padding, dilation_rate)[0]
    y = forward(x[None], w, b, strides, padding, dilation_rate)[0][0]  # (L', k) / (H', W', k)
    return y[..., 0] if one_kernel else y


def _check_depth(x, w, func, received):
    """After the learner's arrays were given their channel and kernel axes: depths must match."""
    if x.shape[-1] != w.shape[-2]:
        x_shape, w_shape = received
        raise ValueError(
            f"{func}: the kernel's depth must equal the input's number of channels; "
            f"x has {x.shape[-1]} channel(s) (x.shape={x_shape}) but w has depth {w.shape[-2]} "
            f"(w.shape={w_shape})."
        )


def _one_bias(b, single_kernel):
    """A single kernel takes a plain number as its bias."""
    if b is not None and single_kernel and np.ndim(b) == 0:
        return np.reshape(b, (1,))
    return b
