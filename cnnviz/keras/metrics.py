"""``keras.metrics``: accuracies (plain, sparse, categorical, binary, top-k) and error metrics, and
Keras' function forms, which give one value per sample (1.0 where the answer is right).

>>> sparse_categorical_accuracy([0, 1], [[0.9, 0.1], [0.7, 0.3]])
array([1., 0.])
"""

from .. import metrics as _metrics
from ..metrics import *  # noqa: F403  (the metric classes, under their Keras names)
from ._missing import missing
from ._per_sample import per_row
from .losses import (
    binary_crossentropy,
    categorical_crossentropy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)

__all__ = [
    *(name for name in _metrics.__all__ if name != "get"),  # the metric classes
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 for every sample whose largest score is at its label, else 0.0."""
    return per_row(
        _metrics.SparseCategoricalAccuracy(), y_true, y_pred, "sparse_categorical_accuracy", sparse=True
    )


def categorical_accuracy(y_true, y_pred):
    """1.0 for every sample whose largest score is where its one-hot target is 1, else 0.0."""
    return per_row(_metrics.CategoricalAccuracy(), y_true, y_pred, "categorical_accuracy")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The share of a sample's values on the right side of ``threshold``, for every sample."""
    return per_row(_metrics.BinaryAccuracy(threshold=threshold), y_true, y_pred, "binary_accuracy")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 for every sample whose target class is among its k largest scores."""
    return per_row(_metrics.TopKCategoricalAccuracy(k=k), y_true, y_pred, "top_k_categorical_accuracy")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 for every sample whose label is among its k largest scores."""
    return per_row(_metrics.SparseTopKCategoricalAccuracy(k=k), y_true, y_pred, "sparse_top_k_categorical_accuracy",
                   sparse=True)  # fmt: skip


def __getattr__(name):
    """A Keras name cnnviz does not have: an error that says so, and what there is (``_missing``)."""
    raise missing("metrics", name, __all__)
