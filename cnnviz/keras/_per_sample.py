"""Keras' function forms of losses and metrics (``keras.losses.sparse_categorical_crossentropy(y_true,
y_pred)``): one value per sample, as Keras returns them, computed with cnnviz's loss and metric objects.

Keras' functions reduce only the last axis (the classes): for predictions (N, K) they return N
values, for a segmentation's (N, H, W, K) they return (N, H, W). Here each of those rows is
handed to the matching object (``SparseCategoricalCrossentropy()``, ...), which checks it as
``fit`` would, so a function and ``compile`` always agree.
"""

from __future__ import annotations

import numpy as np


def per_row(measure, y_true, y_pred, name, sparse=False):
    """``measure(y_true_row, y_pred_row)`` for every position of ``y_pred``'s leading axes: shape y_pred.shape[:-1]."""
    try:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} expects arrays of numbers for y_true and y_pred; {error}") from error
    if y_pred.ndim < 2:
        raise ValueError(
            f"{name} expects y_pred with a batch axis and a class axis last, (N, K) or (N, ..., K); received "
            f"shape {y_pred.shape}."
        )
    lead, K = y_pred.shape[:-1], y_pred.shape[-1]
    expected = lead if sparse else y_pred.shape
    if sparse and y_true.shape == (*lead, 1):
        y_true = y_true[..., 0]  # Keras' labels may keep a trailing axis of 1
    if y_true.shape != expected:
        raise ValueError(
            f"{name} expects y_true of shape {expected} for y_pred of shape {y_pred.shape}; received {y_true.shape}."
        )
    rows = y_pred.reshape(-1, K)
    truth = y_true.reshape(-1) if sparse else y_true.reshape(-1, K)
    return np.array([measure(truth[i : i + 1], rows[i : i + 1]) for i in range(len(rows))]).reshape(lead)


def refuse(name, **settings):
    """Keras options cnnviz's function forms do not offer, named when they are asked for."""
    for option, (value, default) in settings.items():
        if value != default:
            raise ValueError(
                f"cnnviz's {name} does not implement {option}={value!r} (only the default, {default!r})."
            )
