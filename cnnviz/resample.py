"""Ops that move values but learn nothing: padding, cropping, upsampling, global pooling.

None of these has weights, and none multiplies two inputs together, so each
backward pass only routes the gradient back to where each value came from
(channels last, 0-based, P and Q the top and left pads or crops):

* zero padding: ``y[n, P + r, Q + s, c] = x[n, r, s, c]``, zeros around;
  ``dx`` is ``dy`` with the border cut off.
* cropping: ``y[n, r, s, c] = x[n, P + r, Q + s, c]``; ``dx`` is ``dy`` with
  zeros put back where the border was. Padding and cropping undo each other,
  and each one's backward pass is the other one.
* nearest-neighbour upsampling: ``y[n, r, s, c] = x[n, ⌊r/sh⌋, ⌊s/sw⌋, c]``;
  each input cell appears sh·sw times, so its gradient is the sum of dy over
  its sh×sw block.
* global average pooling: ``y[n, c] = (1/(H·W)) Σ_{r,s} x[n, r, s, c]``;
  every cell gets dy[n, c] / (H·W).
* global max pooling: ``y[n, c] = max_{r,s} x[n, r, s, c]``; dy[n, c] goes to the
  one cell that holds the maximum (the first in reading order on a tie, as max-pooling does).

A signal (N, L, C) is pooled as an image of one row, (N, 1, L, C).

The merges of several branches (add, concatenate) are in ``cnnviz.merge``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_allocation, check_cache, check_grad_shape, check_ndim
from ._windows import crop_spatial, pad_spatial
from .sizes import check_int, per_axis, spatial_pairs

__all__ = [
    "cropping2d_backward",
    "cropping2d_forward",
    "global_average_pool1d_backward",
    "global_average_pool1d_forward",
    "global_average_pool2d_backward",
    "global_average_pool2d_forward",
    "global_max_pool1d_backward",
    "global_max_pool1d_forward",
    "global_max_pool2d_backward",
    "global_max_pool2d_forward",
    "upsampling2d_backward",
    "upsampling2d_forward",
    "zero_padding2d_backward",
    "zero_padding2d_forward",
]


def zero_padding2d_forward(x, padding=1):
    """Surround each image with zeros (Keras' ``ZeroPadding2D``).

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    padding : int, (int, int), or ((int, int), (int, int))
        The same number of cells on all four sides; ``(rows, cols)`` for
        top and bottom, left and right; or ``((top, bottom), (left, right))``.

    Returns
    -------
    y : ndarray, shape (N, top + H + bottom, left + W + right, C)
    cache : dict

    Examples
    --------
    >>> y, _ = zero_padding2d_forward(np.array([[1, 2]]).reshape(1, 1, 2, 1), padding=((1, 0), (0, 1)))
    >>> y[0, :, :, 0]
    array([[0., 0., 0.],
           [1., 2., 0.]])
    """
    func = "zero_padding2d_forward"
    x = _check_image(x, func)
    pads = spatial_pairs("padding", padding, func)
    y = pad_spatial(x, pads)  # (N, H, W, C) -> (N, top + H + bottom, left + W + right, C)
    if y is x:  # no padding at all: still return a new array, never the caller's
        y = x.copy()
    return y, {"op": "zero_padding2d", "x_shape": x.shape, "y_shape": y.shape, "pads": pads, "dtype": x.dtype}


def zero_padding2d_backward(dy, cache):
    """Gradient of ``zero_padding2d_forward``: dy without the padded border, shape (N, H, W, C)."""
    cache = check_cache(cache, "zero_padding2d", func="zero_padding2d_backward")
    dy = _check_dy(dy, cache, "zero_padding2d_backward")
    return crop_spatial(dy, cache["pads"], cache["x_shape"][1:3]).copy()  # a copy: never a view of dy


def cropping2d_forward(x, cropping=((0, 0), (0, 0))):
    """Cut rows and columns off the border of each image (Keras' ``Cropping2D``).

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    cropping : int, (int, int), or ((int, int), (int, int))
        The same forms as ``zero_padding2d_forward``'s padding. At least one
        row and one column must remain.

    Returns
    -------
    y : ndarray, shape (N, H − top − bottom, W − left − right, C)
    cache : dict

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 4, 4, 1)
    >>> y, _ = cropping2d_forward(x, ((1, 1), (0, 2)))
    >>> y[0, :, :, 0]
    array([[4., 5.],
           [8., 9.]])
    """
    func = "cropping2d_forward"
    x = _check_image(x, func)
    crops = spatial_pairs("cropping", cropping, func)
    (top, bottom), (left, right) = crops
    H, W = x.shape[1:3]
    if top + bottom >= H or left + right >= W:
        raise ValueError(
            f"{func}: cropping={cropping!r} removes {top + bottom} of the H={H} rows and "
            f"{left + right} of the W={W} columns of x.shape={x.shape}; at least one row and one "
            "column must remain. Crop less."
        )
    y = crop_spatial(x, crops, (H - top - bottom, W - left - right)).copy()  # (N, H', W', C)
    return y, {"op": "cropping2d", "x_shape": x.shape, "y_shape": y.shape, "crops": crops, "dtype": x.dtype}


def cropping2d_backward(dy, cache):
    """Gradient of ``cropping2d_forward``: dy with zeros where the border was, shape (N, H, W, C)."""
    cache = check_cache(cache, "cropping2d", func="cropping2d_backward")
    dy = _check_dy(dy, cache, "cropping2d_backward")
    dx = pad_spatial(dy, cache["crops"])  # (N, H', W', C) -> (N, H, W, C)
    return dx.copy() if dx is dy else dx


def upsampling2d_forward(x, size=2):
    """Nearest-neighbour upsampling (Keras' ``UpSampling2D``): each cell becomes a block of copies.

    ``y[n, r, s, c] = x[n, ⌊r/sh⌋, ⌊s/sw⌋, c]``

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    size : int or (int, int)
        The block (sh, sw): how many times each row and each column is repeated.

    Returns
    -------
    y : ndarray, shape (N, H·sh, W·sw, C)
    cache : dict

    Examples
    --------
    >>> y, _ = upsampling2d_forward(np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1))
    >>> y[0, :, :, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    """
    func = "upsampling2d_forward"
    x = _check_image(x, func)
    sh, sw = (check_int("size", v, 1) for v in per_axis("size", size, 2))
    N, H, W, C = x.shape
    check_allocation((N, H * sh, W * sw, C), x.dtype, what="the output", func="upsampling2d_forward")
    blocks = np.empty((N, H, sh, W, sw, C), dtype=x.dtype)  # blocks[n, i, p, j, q, c]
    blocks[...] = x[:, :, None, :, None, :]  # = x[n, i, j, c] for every (p, q) in the block
    y = blocks.reshape(N, H * sh, W * sw, C)  # row i·sh + p, column j·sw + q
    return y, {
        "op": "upsampling2d",
        "x_shape": x.shape,
        "y_shape": y.shape,
        "size": (sh, sw),
        "dtype": x.dtype,
    }


def upsampling2d_backward(dy, cache):
    """Gradient of ``upsampling2d_forward``: each cell gets the sum of dy over its block.

    ``dx[n, i, j, c] = Σ_{p<sh} Σ_{q<sw} dy[n, i·sh + p, j·sw + q, c]``, shape (N, H, W, C).
    """
    cache = check_cache(cache, "upsampling2d", func="upsampling2d_backward")
    dy = _check_dy(dy, cache, "upsampling2d_backward")
    N, H, W, C = cache["x_shape"]
    sh, sw = cache["size"]
    return dy.reshape(N, H, sh, W, sw, C).sum(axis=(2, 4))  # (N, H, sh, W, sw, C) -> (N, H, W, C)


def global_average_pool2d_forward(x):
    """The mean of each channel over the whole image (Keras' ``GlobalAveragePooling2D``).

    ``y[n, c] = (1/(H·W)) Σ_{r<H} Σ_{s<W} x[n, r, s, c]``: one number per
    channel, the usual bridge from feature maps to a Dense classifier.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)

    Returns
    -------
    y : ndarray, shape (N, C)
    cache : dict

    Examples
    --------
    >>> y, _ = global_average_pool2d_forward(np.array([[1, 2], [3, 6]]).reshape(1, 2, 2, 1))
    >>> y                                   # (1 + 2 + 3 + 6) / 4
    array([[3.]])
    """
    x = _check_image(x, "global_average_pool2d_forward")
    y = x.mean(axis=(1, 2))  # (N, H, W, C) -> (N, C)
    return y, {"op": "global_average_pool2d", "x_shape": x.shape, "y_shape": y.shape, "dtype": x.dtype}


def global_average_pool2d_backward(dy, cache):
    """Gradient of ``global_average_pool2d_forward``: ``dx[n, r, s, c] = dy[n, c] / (H·W)``."""
    cache = check_cache(cache, "global_average_pool2d", func="global_average_pool2d_backward")
    dy = _check_dy(dy, cache, "global_average_pool2d_backward")
    N, H, W, C = cache["x_shape"]
    dx = np.empty((N, H, W, C), dtype=dy.dtype)
    dx[...] = (dy / (H * W))[:, None, None, :]  # (N, C) -> (N, 1, 1, C), spread over every cell
    return dx


def global_max_pool2d_forward(x):
    """The largest value of each channel over the whole image (Keras' ``GlobalMaxPooling2D``).

    ``y[n, c] = max_{r<H, s<W} x[n, r, s, c]``: one number per channel, like
    ``max_pool2d_forward`` with a window as large as the image.

    Same parameter and output shape as ``global_average_pool2d_forward``: x (N, H, W, C)
    -> y (N, C). ``cache["argmax"]`` (N, C) is the winning cell r·W + s of each channel:
    the first maximum in reading order (row by row) when several cells tie.

    Examples
    --------
    >>> y, cache = global_max_pool2d_forward(np.array([[1, 7], [7, 2]]).reshape(1, 2, 2, 1))
    >>> y, cache["argmax"]                  # 7 twice: the first in reading order, cell (0, 1), wins
    (array([[7.]]), array([[1]]))
    """
    x = _check_image(x, "global_max_pool2d_forward")
    N, H, W, C = x.shape
    cells = x.reshape(N, H * W, C)  # (N, H, W, C) -> (N, H·W, C): cell r·W + s, in reading order
    argmax = cells.argmax(axis=1)  # (N, C); argmax returns the first of equal maxima
    y = np.take_along_axis(cells, argmax[:, None, :], axis=1)[:, 0]  # y[n, c] = x[n, r*, s*, c], (N, C)
    return y, {
        "op": "global_max_pool2d",
        "x_shape": x.shape,
        "y_shape": y.shape,
        "argmax": argmax,
        "dtype": x.dtype,
    }


def global_max_pool2d_backward(dy, cache):
    """Gradient of ``global_max_pool2d_forward``: dx[n, r*, s*, c] = dy[n, c] at each channel's winner.

    Every other cell gets 0. Returns dx, shape (N, H, W, C).
    """
    cache = check_cache(cache, "global_max_pool2d", func="global_max_pool2d_backward")
    dy = _check_dy(dy, cache, "global_max_pool2d_backward")
    N, H, W, C = cache["x_shape"]
    dx = np.zeros((N, H * W, C), dtype=dy.dtype)  # (N, H·W, C), cells in reading order
    np.put_along_axis(dx, cache["argmax"][:, None, :], dy[:, None, :], axis=1)  # one cell per (n, c)
    return dx.reshape(N, H, W, C)


def global_average_pool1d_forward(x):
    """The mean of each channel over the whole signal (Keras' ``GlobalAveragePooling1D``).

    ``y[n, c] = (1/L) Σ_{i<L} x[n, i, c]``; x (N, L, C) -> y (N, C).

    >>> global_average_pool1d_forward(np.array([[[1, 10], [3, 20]]]))[0]
    array([[ 2., 15.]])
    """
    return _global_pool1d(global_average_pool2d_forward, x, "global_average_pool1d_forward")


def global_average_pool1d_backward(dy, cache):
    """Gradient of ``global_average_pool1d_forward``: ``dx[n, i, c] = dy[n, c] / L``, shape (N, L, C)."""
    return _backward1d(global_average_pool2d_backward, dy, cache, "global_average_pool1d_backward")


def global_max_pool1d_forward(x):
    """The largest value of each channel over the whole signal (Keras' ``GlobalMaxPooling1D``).

    ``y[n, c] = max_{i<L} x[n, i, c]``; x (N, L, C) -> y (N, C). On a tie the
    first position wins.

    >>> global_max_pool1d_forward(np.array([[[1, 10], [3, 20]]]))[0]
    array([[ 3., 20.]])
    """
    return _global_pool1d(global_max_pool2d_forward, x, "global_max_pool1d_forward")


def global_max_pool1d_backward(dy, cache):
    """Gradient of ``global_max_pool1d_forward``: dy[n, c] at each channel's first maximum, shape (N, L, C)."""
    return _backward1d(global_max_pool2d_backward, dy, cache, "global_max_pool1d_backward")


def _global_pool1d(pool2d, x, func):
    """A 2D global pooling of signals x (N, L, C), each seen as an image of one row."""
    x = as_real_array("x", x, func=func)
    check_ndim("x", x, 3, "(N, L, C)", func=func, hint="Add a batch axis with x[None].")
    y, cache = pool2d(x[:, None])  # (N, L, C) -> (N, 1, L, C); y (N, C) either way
    return y, {**cache, "op": func.removesuffix("_forward")}


def _backward1d(backward2d, dy, cache, func):
    """dx (N, L, C) of a 1D global pooling, from the 2D backward pass of its one-row images."""
    cache = check_cache(cache, func.removesuffix("_backward"), func=func)
    dy = _check_dy(dy, cache, func)  # named after the 1D op when dy has the wrong shape
    as2d = {**cache, "op": backward2d.__name__.removesuffix("_backward")}
    return backward2d(dy, as2d)[:, 0]  # (N, 1, L, C) -> (N, L, C)


# --- checks ---------------------------------------------------------------------------------------


def _check_image(x, func):
    """x as a float array of 4 dims (N, H, W, C)."""
    x = as_real_array("x", x, func=func)
    check_ndim("x", x, 4, "(N, H, W, C)", func=func, hint="Add a batch axis with x[None].")
    if func.startswith("global") and 0 in x.shape[1:3]:
        raise ValueError(
            f"{func} pools over every cell of an image, so it needs at least one; received x.shape={x.shape}."
        )
    return x


def _check_dy(dy, cache, func):
    """dy with the forward output's shape, in the forward pass's dtype."""
    return check_grad_shape(dy, cache["y_shape"], func=func).astype(cache["dtype"], copy=False)
