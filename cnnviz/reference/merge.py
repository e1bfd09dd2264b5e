"""The merging ops behind ``Add``, ``Concatenate`` and the others, as plain loops over every index.

Each function takes ``cnnviz.merge``'s arguments in its order: a list ``xs`` of arrays of
one shape (``concatenate``: equal but along ``axis``); a ``*_backward`` takes dy and then
the forward's arguments, and returns one gradient per input.
"""

from __future__ import annotations

import numpy as np

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
    """y[idx] = Σ_k xs[k][idx], for every index of the common shape."""
    y = np.zeros(np.shape(xs[0]))
    for x in xs:
        for idx in np.ndindex(y.shape):
            y[idx] += x[idx]
    return y


def add_backward(dy, xs):
    """Each input's gradient is dy: dx_k[idx] = dy[idx]."""
    grads = []
    for _ in xs:
        dx = np.zeros(np.shape(dy))
        for idx in np.ndindex(dx.shape):
            dx[idx] = dy[idx]
        grads.append(dx)
    return grads


def concatenate_forward(xs, axis=-1):
    """The inputs one after another along ``axis``: xs[k][idx] lands at idx shifted by
    the sizes of xs[0..k−1] along that axis."""
    shape = list(np.shape(xs[0]))
    axis %= len(shape)
    shape[axis] = sum(np.shape(x)[axis] for x in xs)
    y = np.zeros(shape)
    offset = 0
    for x in xs:
        for idx in np.ndindex(np.shape(x)):
            out = list(idx)
            out[axis] += offset
            y[tuple(out)] = x[idx]
        offset += np.shape(x)[axis]
    return y


def concatenate_backward(dy, xs, axis=-1):
    """dx_k[idx] = dy[idx shifted by the offset of xs[k] along ``axis``]."""
    axis %= np.ndim(dy)
    grads, offset = [], 0
    for x in xs:
        dx = np.zeros(np.shape(x))
        for idx in np.ndindex(dx.shape):
            src = list(idx)
            src[axis] += offset
            dx[idx] = dy[tuple(src)]
        grads.append(dx)
        offset += np.shape(x)[axis]
    return grads


def average_forward(xs):
    """y[idx] = (1/n) Σ_k xs[k][idx]."""
    return add_forward(xs) / len(xs)


def average_backward(dy, xs):
    """dx_k[idx] = dy[idx] / n."""
    return [g / len(xs) for g in add_backward(dy, xs)]


def maximum_forward(xs):
    """y[idx] = max_k xs[k][idx]."""
    y = np.zeros(np.shape(xs[0]))
    for idx in np.ndindex(y.shape):
        y[idx] = max(x[idx] for x in xs)
    return y


def maximum_backward(dy, xs):
    """dx_k[idx] = dy[idx] for the first k whose xs[k][idx] is the maximum, else 0."""
    grads = [np.zeros(np.shape(dy)) for _ in xs]
    for idx in np.ndindex(np.shape(dy)):
        values = [x[idx] for x in xs]
        grads[values.index(max(values))][idx] = dy[idx]
    return grads


def multiply_forward(xs):
    """y[idx] = Π_k xs[k][idx]."""
    y = np.ones(np.shape(xs[0]))
    for x in xs:
        for idx in np.ndindex(y.shape):
            y[idx] *= x[idx]
    return y


def multiply_backward(dy, xs):
    """dx_k[idx] = dy[idx] · Π_{j≠k} xs[j][idx]."""
    grads = []
    for k in range(len(xs)):
        dx = np.zeros(np.shape(dy))
        for idx in np.ndindex(dx.shape):
            product = 1.0
            for j, x in enumerate(xs):
                if j != k:
                    product *= x[idx]
            dx[idx] = dy[idx] * product
        grads.append(dx)
    return grads


def subtract_forward(xs):
    """y[idx] = xs[0][idx] − xs[1][idx]."""
    y = np.zeros(np.shape(xs[0]))
    for idx in np.ndindex(y.shape):
        y[idx] = xs[0][idx] - xs[1][idx]
    return y


def subtract_backward(dy, xs):
    """dx_0 = dy, dx_1 = −dy."""
    dx0, dx1 = np.zeros(np.shape(dy)), np.zeros(np.shape(dy))
    for idx in np.ndindex(np.shape(dy)):
        dx0[idx], dx1[idx] = dy[idx], -dy[idx]
    return [dx0, dx1]
