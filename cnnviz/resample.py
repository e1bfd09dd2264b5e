"""Layers that move and merge values but learn nothing: padding, cropping, upsampling, merges.

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
* add: ``y = x_0 + x_1 + ...``; every input gets a copy of dy.
* concatenate: the inputs side by side along one axis; dy is cut back into
  pieces of the inputs' sizes.

Add and concatenate are how networks with several branches (residual
connections, U-Net skip connections) merge them again.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_real_array, check_grad_shape, check_ndim
from ._windows import crop_spatial, pad_spatial
from .sizes import check_int, per_axis


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
    return y, {"x_shape": x.shape, "y_shape": y.shape, "pads": pads, "dtype": x.dtype}


def zero_padding2d_backward(dy, cache):
    """Gradient of ``zero_padding2d_forward``: dy without the padded border, shape (N, H, W, C)."""
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
    return y, {"x_shape": x.shape, "y_shape": y.shape, "crops": crops, "dtype": x.dtype}


def cropping2d_backward(dy, cache):
    """Gradient of ``cropping2d_forward``: dy with zeros where the border was, shape (N, H, W, C)."""
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
    blocks = np.empty((N, H, sh, W, sw, C), dtype=x.dtype)  # blocks[n, i, p, j, q, c]
    blocks[...] = x[:, :, None, :, None, :]  # = x[n, i, j, c] for every (p, q) in the block
    y = blocks.reshape(N, H * sh, W * sw, C)  # row i·sh + p, column j·sw + q
    return y, {"x_shape": x.shape, "y_shape": y.shape, "size": (sh, sw), "dtype": x.dtype}


def upsampling2d_backward(dy, cache):
    """Gradient of ``upsampling2d_forward``: each cell gets the sum of dy over its block.

    ``dx[n, i, j, c] = Σ_{p<sh} Σ_{q<sw} dy[n, i·sh + p, j·sw + q, c]``, shape (N, H, W, C).
    """
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
    return y, {"x_shape": x.shape, "y_shape": y.shape, "dtype": x.dtype}


def global_average_pool2d_backward(dy, cache):
    """Gradient of ``global_average_pool2d_forward``: ``dx[n, r, s, c] = dy[n, c] / (H·W)``."""
    dy = _check_dy(dy, cache, "global_average_pool2d_backward")
    N, H, W, C = cache["x_shape"]
    dx = np.empty((N, H, W, C), dtype=dy.dtype)
    dx[...] = (dy / (H * W))[:, None, None, :]  # (N, C) -> (N, 1, 1, C), spread over every cell
    return dx


def add_forward(xs):
    """The elementwise sum of several arrays of one shape (Keras' ``Add``).

    Parameters
    ----------
    xs : list or tuple of array_like, at least 2, all of the same shape

    Returns
    -------
    y : ndarray, that shape
    cache : dict

    Examples
    --------
    >>> y, _ = add_forward([np.array([[1, 2]]), np.array([[10, 20]]), np.array([[100, 200]])])
    >>> y
    array([[111., 222.]])
    """
    func = "add_forward"
    xs = _check_list(xs, func)
    shapes = [x.shape for x in xs]
    if len(set(shapes)) != 1:
        raise ValueError(f"{func} expects arrays of one shape; received shapes {shapes}.")
    y = xs[0].copy()
    for x in xs[1:]:
        y += x  # y = x_0 + x_1 + ...
    return y, {"n": len(xs), "y_shape": y.shape, "dtype": y.dtype}


def add_backward(dy, cache):
    """Gradients of ``add_forward``: a list with a copy of dy for every input."""
    dy = _check_dy(dy, cache, "add_backward")
    return [dy.copy() for _ in range(cache["n"])]  # copies: a caller may add into one of them


def concatenate_forward(xs, axis=-1):
    """Several arrays side by side along one axis (Keras' ``Concatenate``).

    Parameters
    ----------
    xs : list or tuple of array_like, at least 2
        Their shapes must agree on every axis but ``axis``.
    axis : int
        The axis to join along; the default -1 stacks channels (C_0 + C_1 + ...).

    Returns
    -------
    y : ndarray
        The common shape, with the sum of the inputs' sizes along ``axis``.
    cache : dict

    Examples
    --------
    >>> y, _ = concatenate_forward([np.ones((1, 2, 2, 1)), np.zeros((1, 2, 2, 2))])
    >>> y.shape, y[0, 0, 0]
    ((1, 2, 2, 3), array([1., 0., 0.]))
    """
    func = "concatenate_forward"
    xs = _check_list(xs, func)
    shapes = [x.shape for x in xs]
    ndim = xs[0].ndim
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func} expects axis as an int; received axis={axis!r}.")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{func}: axis={axis} is out of range for arrays with {ndim} dims; received shapes {shapes}."
        )
    a = int(axis) % ndim  # the same axis, counted from 0

    def others(shape):  # the shape without the joining axis
        return shape[:a] + shape[a + 1 :]

    if any(x.ndim != ndim or others(x.shape) != others(xs[0].shape) for x in xs):
        raise ValueError(
            f"{func} expects arrays whose shapes agree on every axis but axis={axis}; "
            f"received shapes {shapes}."
        )
    y = np.concatenate(xs, axis=a)
    sizes = [x.shape[a] for x in xs]
    return y, {"sizes": sizes, "axis": a, "y_shape": y.shape, "dtype": y.dtype}


def concatenate_backward(dy, cache):
    """Gradients of ``concatenate_forward``: dy cut into pieces of the inputs' sizes along the axis."""
    dy = _check_dy(dy, cache, "concatenate_backward")
    ends = np.cumsum(cache["sizes"])[:-1]  # where one input stops and the next begins
    return [piece.copy() for piece in np.split(dy, ends, axis=cache["axis"])]  # copies, not views of dy


# --- checks ---------------------------------------------------------------------------------------


def _check_image(x, func):
    """x as a float array of 4 dims (N, H, W, C)."""
    x = as_real_array("x", x, func=func)
    check_ndim("x", x, 4, "(N, H, W, C)", func=func, hint="Add a batch axis with x[None].")
    return x


def _check_dy(dy, cache, func):
    """dy with the forward output's shape, in the forward pass's dtype."""
    return check_grad_shape(dy, cache["y_shape"], func=func).astype(cache["dtype"], copy=False)


def _check_list(xs, func):
    """At least two inputs, as float arrays of one dtype."""
    if not isinstance(xs, (list, tuple)):
        what = f"an array of shape {xs.shape}" if isinstance(xs, np.ndarray) else type(xs).__name__
        raise TypeError(f"{func} expects xs as a list or tuple of arrays, one per input; received {what}.")
    if len(xs) < 2:
        raise ValueError(f"{func} expects at least 2 arrays to merge; received {len(xs)}.")
    arrays = [as_real_array(f"xs[{k}]", x, func=func) for k, x in enumerate(xs)]
    dtype = np.result_type(*arrays)
    return [x.astype(dtype, copy=False) for x in arrays]


def spatial_pairs(name, value, func):
    """Keras' three forms of a 2D padding or cropping, as ((top, bottom), (left, right))."""

    def cells(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0

    def pair(v):
        return isinstance(v, (tuple, list)) and len(v) == 2

    if cells(value):
        pairs = ((value, value), (value, value))
    elif pair(value) and all(cells(v) for v in value):
        pairs = ((value[0], value[0]), (value[1], value[1]))
    elif pair(value) and all(pair(p) and all(cells(v) for v in p) for p in value):
        pairs = value
    else:
        raise ValueError(
            f"{func} expects {name} as a whole number of cells >= 0, a pair (rows, columns), or "
            f"((top, bottom), (left, right)); received {name}={value!r}."
        )
    return tuple((int(a), int(b)) for a, b in pairs)
