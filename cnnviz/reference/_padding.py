"""What every reference loop shares: the output length, padding, and the batch's shape check.

The op-named functions take the ops' padding forms ("valid", "same", an int, per-axis
values); ``window_pads`` turns them into ``((before, after), ...)`` cells with
``cnnviz.sizes``, the one parser of padding that the ops use too. The loops below it
see only numbers of cells.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_ndim
from ..sizes import window_geometry


def output_length(L, K, P_before, P_after, S, D=1):
    """L' = ⌊(L + P_before + P_after − E) / S⌋ + 1 with E = D·(K − 1) + 1 (ERRATA 3)."""
    E = D * (K - 1) + 1
    return math.floor((L + P_before + P_after - E) / S) + 1


def _pad_pair(P):
    return (P, P) if np.isscalar(P) else tuple(P)


def _pads_2d(P):
    if np.isscalar(P):
        return ((P, P), (P, P))
    return tuple(_pad_pair(p) for p in P)


def _two(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def _pad_1d(x, P, value=0.0):
    """x (L, C) with P_before rows of ``value`` on top and P_after below."""
    before, after = _pad_pair(P)
    out = np.full((before + x.shape[0] + after, x.shape[1]), value)
    out[before : before + x.shape[0]] = x
    return out


def pad_2d(x, P, value=0.0):
    """x (H, W, C) surrounded by ``value``: ((top, bottom), (left, right)) cells."""
    (Pt, Pb), (Pl, Pr) = _pads_2d(P)
    H, W, C = x.shape
    out = np.full((Pt + H + Pb, Pl + W + Pr, C), value)
    out[Pt : Pt + H, Pl : Pl + W] = x
    return out


def window_pads(spatial_shape, K, S, padding, D=1):
    """The padding argument of a windowed op as ``((before, after), ...)`` cells, one pair per axis."""
    _, pads = window_geometry(spatial_shape, K, S, padding, D)
    return pads


def batch(name, x, ndim, layout, func):
    """x as a float64 array with ``ndim`` dims, or a ValueError naming its shape and the layout expected."""
    x = np.asarray(x, dtype=float)
    check_ndim(name, x, ndim, layout, func=func, hint="Add a batch axis with x[None].")
    return x
