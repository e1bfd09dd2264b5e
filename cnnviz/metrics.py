"""Metrics: numbers ``fit`` and ``evaluate`` report beside the loss, with Keras' names.

Each metric counts over a batch, ``count(y_true, y_pred) -> (total, n)``, so that ``fit``
can report the running value over an epoch as Σ total / Σ n. Accuracies count right
answers (per output position for a segmentation); the error metrics sum their errors.

``metrics=["accuracy"]`` means what Keras makes it mean for the loss and the outputs:

* one output value per sample (a sigmoid) or ``binary_crossentropy``: ``binary_accuracy``
  (right when p > 1/2 agrees with the label);
* ``sparse_categorical_crossentropy``: ``sparse_categorical_accuracy`` (argmax = label);
* otherwise: ``categorical_accuracy`` (argmax = argmax of the one-hot label).

The reported name stays the one asked for ("accuracy" or "acc").

>>> m = SparseCategoricalAccuracy()
>>> m.count([2, 0], [[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]])
(1, 2)
"""

from __future__ import annotations

import numpy as np

from . import losses as _losses
from ._checks import lookup

__all__ = [
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Metric",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "get",
]


class Metric:
    """A number reported per epoch: ``count(y_true, y_pred) -> (total, n)`` for one batch."""

    name = "metric"

    def count(self, y_true, y_pred):  # pragma: no cover - each metric defines it
        raise NotImplementedError

    def __call__(self, y_true, y_pred):
        """The metric of one batch: total / n."""
        total, n = self.count(y_true, y_pred)
        return total / n

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class SparseCategoricalAccuracy(Metric):
    """Right when the largest output is the integer label's class."""

    def __init__(self, name="sparse_categorical_accuracy"):
        self.name = name

    def count(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true).reshape(y_pred.shape[:-1])  # a trailing axis of 1 is allowed
        return int(np.sum(np.argmax(y_pred, axis=-1) == labels)), labels.size


class CategoricalAccuracy(Metric):
    """Right when the largest output is the class the one-hot label marks."""

    def __init__(self, name="categorical_accuracy"):
        self.name = name

    def count(self, y_true, y_pred):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        right = np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)
        return int(np.sum(right)), right.size


class BinaryAccuracy(Metric):
    """Right when (output > threshold) agrees with the 0/1 label, per output value."""

    def __init__(self, name="binary_accuracy", threshold=0.5):
        self.name, self.threshold = name, threshold

    def count(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true).reshape(y_pred.shape)
        right = (y_pred > self.threshold) == (y_true > 0.5)
        return int(np.sum(right)), right.size


class TopKCategoricalAccuracy(Metric):
    """Right when the one-hot label's class is among the k largest outputs."""

    sparse = False

    def __init__(self, k=5, name="top_k_categorical_accuracy"):
        self.k, self.name = k, name

    def count(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true)
        labels = labels.reshape(y_pred.shape[:-1]) if self.sparse else np.argmax(labels, axis=-1)
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., : self.k]  # the k largest, per sample
        right = np.any(top == labels[..., None], axis=-1)
        return int(np.sum(right)), right.size


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """Right when the integer label's class is among the k largest outputs."""

    sparse = True

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy"):
        super().__init__(k, name)


class MeanSquaredError(Metric):
    def __init__(self, name="mean_squared_error"):
        self.name = name

    def count(self, y_true, y_pred):
        diff = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float).reshape(np.shape(y_pred))
        return float(np.sum(diff * diff)), diff.size


class MeanAbsoluteError(Metric):
    def __init__(self, name="mean_absolute_error"):
        self.name = name

    def count(self, y_true, y_pred):
        diff = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float).reshape(np.shape(y_pred))
        return float(np.sum(np.abs(diff))), diff.size


NAMES = {
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "binary_accuracy": BinaryAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
}


def get(metric, loss=None, output_shape=None):
    """A metric object from itself or a Keras name; "accuracy" resolves by the loss (see above)."""
    if isinstance(metric, str) and metric.lower() in ("accuracy", "acc"):
        if isinstance(loss, _losses.BinaryCrossentropy) or (output_shape and output_shape[-1] == 1):
            return BinaryAccuracy(name=metric)
        if isinstance(loss, _losses.SparseCategoricalCrossentropy):
            return SparseCategoricalAccuracy(name=metric)
        return CategoricalAccuracy(name=metric)
    known = {"accuracy": None, "acc": None, **NAMES}  # "accuracy" is resolved above: listed for the message
    made = lookup("metric", metric, known, where="compile", base=Metric)
    if isinstance(metric, str):
        made.name = metric  # as the learner wrote it, in the logs and History
    return made
