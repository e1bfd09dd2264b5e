"""Dense layers and rescaling as plain loops (dropout draws random numbers, so it has no oracle here).

Each function takes ``cnnviz.linear``'s arguments in its order; a ``*_backward`` takes dy and
then the forward's arguments.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_backward", "dense_forward", "rescaling_backward", "rescaling_forward"]


def dense_forward(x, w, b=None):
    """y[n, o] = b[o] + Σ_{d < D} x[n, d] · w[d, o].

    x : (N, D), w : (D, units), b : (units,) or None -> y : (N, units)

    >>> dense_forward([[1, 2]], [[1, 0], [0, 10]], [0.5, 0])  # 1·1 + 2·0 + 0.5, 1·0 + 2·10
    array([[ 1.5, 20. ]])
    """
    N, D = np.shape(x)
    units = np.shape(w)[1]
    y = np.zeros((N, units))
    for n in range(N):
        for o in range(units):
            y[n, o] = 0.0 if b is None else b[o]
            for d in range(D):
                y[n, o] += x[n][d] * w[d][o]
    return y


def dense_backward(dy, x, w, b=None):
    """dx[n, d] = Σ_o dy[n, o] · w[d, o];  dw[d, o] = Σ_n x[n, d] · dy[n, o];  db[o] = Σ_n dy[n, o].

    Returns dx (N, D), dw (D, units) and db (units,), or db None when there is no bias (as the op does).
    """
    N, D = np.shape(x)
    units = np.shape(w)[1]
    dx, dw, db = np.zeros((N, D)), np.zeros((D, units)), np.zeros(units)
    for n in range(N):
        for o in range(units):
            db[o] += dy[n][o]
            for d in range(D):
                dx[n, d] += dy[n][o] * w[d][o]
                dw[d, o] += x[n][d] * dy[n][o]
    return dx, dw, (None if b is None else db)


def rescaling_forward(x, scale, offset=0.0):
    """y[idx] = x[idx] · scale + offset, for every index of x."""
    x = np.asarray(x, dtype=float)
    y = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        y[idx] = x[idx] * scale + offset
    return y


def rescaling_backward(dy, x, scale, offset=0.0):
    """dx[idx] = dy[idx] · scale (the offset moves every value alike and changes no gradient)."""
    dx = np.zeros(np.shape(x))
    for idx in np.ndindex(dx.shape):
        dx[idx] = dy[idx] * scale
    return dx
