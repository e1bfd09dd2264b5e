"""``keras.activations``: the activations as functions on arrays, ``activation=keras.activations.relu``.

A layer given one of these functions uses cnnviz's op pair for it (with its gradient);
called directly, each returns the activation of an array.
"""

from __future__ import annotations

import numpy as np

from .. import activations as _ops

__all__ = ["get", "linear", "relu", "sigmoid", "softmax", "tanh"]


def relu(x):
    """max(x, 0)."""
    return _ops.relu_forward(x)[0]


def sigmoid(x):
    """1 / (1 + exp(−x))."""
    return _ops.sigmoid_forward(x)[0]


def tanh(x):
    return _ops.tanh_forward(x)[0]


def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along ``axis``."""
    return _ops.softmax(x, axis=axis)


def linear(x):
    """x itself (no activation)."""
    return np.asarray(x)


def get(identifier):
    """The activation function for a name ("relu", ...), or the function itself."""
    if callable(identifier) and identifier in (relu, sigmoid, tanh, softmax, linear):
        return identifier
    functions = {f.__name__: f for f in (relu, sigmoid, tanh, softmax, linear)}
    if isinstance(identifier, str) and identifier in functions:
        return functions[identifier]
    raise ValueError(f"Unknown activation {identifier!r}; cnnviz offers {sorted(functions)}.")
