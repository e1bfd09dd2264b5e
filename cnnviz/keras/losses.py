"""``keras.losses``: the loss objects ``compile`` takes (or their names as strings), and Keras'
function forms, which give one loss per sample (``sparse_categorical_crossentropy(y_true, y_pred)``).

>>> import numpy as np
>>> sparse_categorical_crossentropy([0, 1], [[0.5, 0.5], [0.2, 0.8]]).round(4)   # −log 0.5, −log 0.8
array([0.6931, 0.2231])
"""

from .. import losses as _losses
from ..losses import *  # noqa: F403  (the loss classes, under their Keras names)
from ._missing import missing
from ._per_sample import per_row, refuse

__all__ = [
    *(name for name in _losses.__all__ if name[0].isupper()),  # the loss classes
    "binary_crossentropy",
    "categorical_crossentropy",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "sparse_categorical_crossentropy",
]


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """−log p[label] for every sample (every position): labels are class numbers."""
    refuse("sparse_categorical_crossentropy", ignore_class=(ignore_class, None), axis=(axis, -1))
    loss = _losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    return per_row(loss, y_true, y_pred, "sparse_categorical_crossentropy", sparse=True)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """−Σ_k t[k] · log p[k] for every sample: targets are one-hot (or soft) rows."""
    refuse("categorical_crossentropy", label_smoothing=(label_smoothing, 0.0), axis=(axis, -1))
    return per_row(
        _losses.CategoricalCrossentropy(from_logits=from_logits), y_true, y_pred, "categorical_crossentropy"
    )


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The mean over the last axis of −(t · log p + (1 − t) · log(1 − p)), for every sample."""
    refuse("binary_crossentropy", label_smoothing=(label_smoothing, 0.0), axis=(axis, -1))
    return per_row(_losses.BinaryCrossentropy(from_logits=from_logits), y_true, y_pred, "binary_crossentropy")


def mean_squared_error(y_true, y_pred):
    """The mean over the last axis of (t − y)², for every sample."""
    return per_row(_losses.MeanSquaredError(), y_true, y_pred, "mean_squared_error")


def mean_absolute_error(y_true, y_pred):
    """The mean over the last axis of |t − y|, for every sample."""
    return per_row(_losses.MeanAbsoluteError(), y_true, y_pred, "mean_absolute_error")


mse, mae = mean_squared_error, mean_absolute_error


def __getattr__(name):
    """A Keras name cnnviz does not have: an error that says so, and what there is (``_missing``)."""
    raise missing("losses", name, __all__)
