"""Merging branches: the ops behind Keras' ``Add`` and ``Concatenate``.

Networks with several branches (a ResNet's shortcuts, a U-Net's skip connections)
join them again with one of two ops, neither of which learns anything:

* add: ``y = x_0 + x_1 + ...``; every input gets a copy of dy.
* concatenate: the inputs side by side along one axis; dy is cut back into
  pieces of the inputs' sizes.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_real_array, check_cache, check_grad_shape

__all__ = ["add_backward", "add_forward", "concatenate_backward", "concatenate_forward"]


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
    return y, {"op": "add", "n": len(xs), "y_shape": y.shape, "dtype": y.dtype}


def add_backward(dy, cache):
    """Gradients of ``add_forward``: a list with a copy of dy for every input."""
    cache = check_cache(cache, "add", func="add_backward")
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
