"""How weights start, by Keras' names: ``kernel_initializer="he_normal"`` and the like.

A weight connects ``fan_in`` inputs to ``fan_out`` outputs. For a dense kernel (D, units)
they are D and units; for a convolution kernel (KH, KW, C, F) every tap counts,
fan_in = KH·KW·C and fan_out = KH·KW·F (Keras' rule). The scaled initializers keep the
variance of the activations about the same from layer to layer:

=================  ==========================================================
``glorot_uniform``  uniform in ±a, a = √(6 / (fan_in + fan_out)): Keras' default for kernels
``glorot_normal``   normal, σ = √(2 / (fan_in + fan_out)), cut at ±2σ
``he_uniform``      uniform in ±a, a = √(6 / fan_in): for ReLU networks
``he_normal``       normal, σ = √(2 / fan_in), cut at ±2σ
``zeros``, ``ones``  constants: Keras' default for biases is zeros
=================  ==========================================================

The normal ones are truncated as in Keras: values beyond 2σ are drawn again, and σ is
first divided by 0.8796 (the standard deviation of a unit normal cut at ±2), so the
weights still have the variance named. Every initializer draws in float32 from the
``rng`` it is given, so a seeded model starts the same every time.

>>> rng = np.random.default_rng(0)
>>> w = get("he_normal")((3, 3, 16, 32), rng)
>>> w.dtype, round(float(w.std()), 2), round(float(np.sqrt(2 / (3 * 3 * 16))), 2)
(dtype('float32'), 0.12, 0.12)
"""

from __future__ import annotations

import numpy as np

from ._checks import lookup

__all__ = ["fans", "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "ones", "zeros"]

TRUNCATED_STD = 0.87962566103423978  # the standard deviation of a unit normal cut at ±2


def fans(shape):
    """``(fan_in, fan_out)`` of a weight of ``shape``: (D, units), or a kernel (..., C, F) with its taps."""
    if len(shape) < 2:
        return shape[0], shape[0]
    taps = int(np.prod(shape[:-2]))  # KH·KW, K in 1D, 1 for a dense kernel
    return taps * shape[-2], taps * shape[-1]


def _uniform(shape, limit, rng):
    """Uniform in [−limit, limit), drawn in float32 (a 97M-weight layer needs no float64 copy)."""
    limit = np.float32(limit)
    w = rng.random(shape, dtype=np.float32)
    w *= 2 * limit
    w -= limit
    return w


def _truncated_normal(shape, std, rng):
    """Normal with standard deviation ``std`` after cutting at ±2 (values beyond are drawn again)."""
    w = rng.standard_normal(shape, dtype=np.float32)
    outside = np.abs(w) > 2
    while outside.any():
        w[outside] = rng.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(w) > 2
    w *= np.float32(std / TRUNCATED_STD)
    return w


def glorot_uniform(shape, rng):
    fan_in, fan_out = fans(shape)
    return _uniform(shape, np.sqrt(6.0 / (fan_in + fan_out)), rng)


def glorot_normal(shape, rng):
    fan_in, fan_out = fans(shape)
    return _truncated_normal(shape, np.sqrt(2.0 / (fan_in + fan_out)), rng)


def he_uniform(shape, rng):
    return _uniform(shape, np.sqrt(6.0 / fans(shape)[0]), rng)


def he_normal(shape, rng):
    return _truncated_normal(shape, np.sqrt(2.0 / fans(shape)[0]), rng)


def zeros(shape, rng=None):
    return np.zeros(shape, dtype=np.float32)


def ones(shape, rng=None):
    return np.ones(shape, dtype=np.float32)


INITIALIZERS = {f.__name__: f for f in (glorot_uniform, glorot_normal, he_uniform, he_normal, zeros, ones)}


def get(initializer, argument="initializer", *, where="initializers.get"):
    """The initializer function for a Keras name ("he_normal", in any case) or the function itself.

    ``argument`` and ``where`` name, in the error for a name cnnviz lacks, the argument that
    received it and who asked: ``Conv2D(kernel_initializer="orthogonal")``.
    """
    return lookup("initializer", initializer, INITIALIZERS, where=where, argument=argument)
