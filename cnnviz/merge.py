"""Merging branches: the ops behind Keras' merge layers (``Add``, ``Concatenate``, ``Average``, ...).

Networks with several branches (a ResNet's shortcuts, a U-Net's skip connections)
join them again with an op that learns nothing:

* add: ``y = x_0 + x_1 + ...``; every input gets a copy of dy.
* concatenate: the inputs side by side along one axis; dy is cut back into
  pieces of the inputs' sizes.
* average: ``y = (x_0 + ... + x_{n−1}) / n``; every input gets dy / n.
* maximum: ``y = max(x_0, x_1, ...)`` cell by cell; each cell's dy goes to the input
  that held the maximum there (the first of them on a tie, as in max-pooling).
* multiply: ``y = x_0 · x_1 · ...`` cell by cell; input k gets dy times the product of the others.
* subtract: ``y = x_0 − x_1`` (exactly two inputs); dx_0 = dy, dx_1 = −dy.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_real_array, check_cache, check_grad_shape

__all__ = [
    "add_backward",
    "add_forward",
    "average_backward",
    "average_forward",
    "concatenate_backward",
    "concatenate_forward",
    "maximum_backward",
    "maximum_forward",
    "multiply_backward",
    "multiply_forward",
    "subtract_backward",
    "subtract_forward",
]


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
    xs = _same_shapes(xs, "add_forward")
    y = xs[0].copy()
    for x in xs[1:]:
        y += x  # y = x_0 + x_1 + ...
    return y, {"op": "add", "n": len(xs), "y_shape": y.shape, "dtype": y.dtype}


def add_backward(dy, cache):
    """Gradients of ``add_forward``: a list with a copy of dy for every input."""
    cache = check_cache(cache, "add", func="add_backward")
    dy = _check_dy(dy, cache, "add_backward")
    return [dy.copy() for _ in range(cache["n"])]  # copies: a caller may add into one of them


def average_forward(xs):
    """The elementwise mean of several arrays of one shape (Keras' ``Average``).

    >>> y, _ = average_forward([np.array([1.0, 2.0]), np.array([3.0, 6.0])])
    >>> y
    array([2., 4.])
    """
    xs = _same_shapes(xs, "average_forward")
    y = xs[0].copy()
    for x in xs[1:]:
        y += x
    y /= len(xs)  # y = (x_0 + ... + x_{n−1}) / n
    return y, {"op": "average", "n": len(xs), "y_shape": y.shape, "dtype": y.dtype}


def average_backward(dy, cache):
    """Gradients of ``average_forward``: dy / n for every input."""
    cache = check_cache(cache, "average", func="average_backward")
    dy = _check_dy(dy, cache, "average_backward")
    return [dy / cache["n"] for _ in range(cache["n"])]


def maximum_forward(xs):
    """The elementwise maximum of several arrays of one shape (Keras' ``Maximum``).

    >>> y, _ = maximum_forward([np.array([1.0, 5.0]), np.array([3.0, 2.0])])
    >>> y
    array([3., 5.])
    """
    xs = _same_shapes(xs, "maximum_forward")
    stacked = np.stack(xs)  # (n, ...)
    winner = np.argmax(stacked, axis=0)  # which input holds each cell's maximum (the first on a tie)
    y = np.take_along_axis(stacked, winner[None], axis=0)[0]
    return y, {"op": "maximum", "n": len(xs), "winner": winner, "y_shape": y.shape, "dtype": y.dtype}


def maximum_backward(dy, cache):
    """Gradients of ``maximum_forward``: each cell's dy to the input that won it, 0 to the others."""
    cache = check_cache(cache, "maximum", func="maximum_backward")
    dy = _check_dy(dy, cache, "maximum_backward")
    return [np.where(cache["winner"] == k, dy, 0).astype(dy.dtype) for k in range(cache["n"])]


def multiply_forward(xs):
    """The elementwise product of several arrays of one shape (Keras' ``Multiply``).

    >>> y, _ = multiply_forward([np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([2.0, 0.5])])
    >>> y
    array([6., 4.])
    """
    xs = _same_shapes(xs, "multiply_forward")
    y = xs[0].copy()
    for x in xs[1:]:
        y *= x  # y = x_0 · x_1 · ...
    return y, {"op": "multiply", "xs": xs, "y_shape": y.shape, "dtype": y.dtype}


def multiply_backward(dy, cache):
    """Gradients of ``multiply_forward``: input k gets dy times the product of all the other inputs.

    The product of the others is formed directly (not y / x_k, which fails where x_k is 0).
    """
    cache = check_cache(cache, "multiply", func="multiply_backward")
    dy = _check_dy(dy, cache, "multiply_backward")
    xs = cache["xs"]
    grads = []
    for k in range(len(xs)):
        g = dy.copy()
        for j, x in enumerate(xs):
            if j != k:
                g *= x  # dy · Π_{j≠k} x_j
        grads.append(g)
    return grads


def subtract_forward(xs):
    """The difference of exactly two arrays of one shape, x_0 − x_1 (Keras' ``Subtract``).

    >>> y, _ = subtract_forward([np.array([5.0, 1.0]), np.array([2.0, 3.0])])
    >>> y
    array([ 3., -2.])
    """
    xs = _same_shapes(xs, "subtract_forward")
    if len(xs) != 2:
        raise ValueError(f"subtract_forward expects exactly 2 arrays (x_0 − x_1); received {len(xs)}.")
    y = xs[0] - xs[1]
    return y, {"op": "subtract", "y_shape": y.shape, "dtype": y.dtype}


def subtract_backward(dy, cache):
    """Gradients of ``subtract_forward``: [dy, −dy]."""
    cache = check_cache(cache, "subtract", func="subtract_backward")
    dy = _check_dy(dy, cache, "subtract_backward")
    return [dy.copy(), -dy]


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
    return y, {"op": "concatenate", "sizes": sizes, "axis": a, "y_shape": y.shape, "dtype": y.dtype}


def concatenate_backward(dy, cache):
    """Gradients of ``concatenate_forward``: dy cut into pieces of the inputs' sizes along the axis."""
    cache = check_cache(cache, "concatenate", func="concatenate_backward")
    dy = _check_dy(dy, cache, "concatenate_backward")
    ends = np.cumsum(cache["sizes"])[:-1]  # where one input stops and the next begins
    return [piece.copy() for piece in np.split(dy, ends, axis=cache["axis"])]  # copies, not views of dy


# --- checks ---------------------------------------------------------------------------------------


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


def _same_shapes(xs, func):
    """At least two inputs of one shape, as float arrays of one dtype (the elementwise merges)."""
    xs = _check_list(xs, func)
    shapes = [x.shape for x in xs]
    if len(set(shapes)) != 1:
        raise ValueError(f"{func} expects arrays of one shape; received shapes {shapes}.")
    return xs
