"""``keras.utils``: ``to_categorical`` (one-hot labels) and ``set_random_seed``."""

from __future__ import annotations

import random

import numpy as np

from .._checks import check_allocation

__all__ = ["set_random_seed", "to_categorical"]


def to_categorical(x, num_classes=None):
    """One-hot rows for integer class labels: ``to_categorical([2, 0], 3)`` is [[0, 0, 1], [1, 0, 0]].

    Labels may be whole numbers (ints, or floats such as 2.0) or booleans, which are the
    classes 1 (True) and 0 (False), as in Keras. The result has one row of ``num_classes``
    per label; its size is checked against the machine's memory before it is made.

    >>> to_categorical([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    >>> to_categorical([True, False])
    array([[0., 1.],
           [1., 0.]])
    """
    try:
        labels = np.asarray(x)
    except ValueError:  # numpy's "inhomogeneous shape"
        raise ValueError("to_categorical expects labels of one shape; received a ragged list.") from None
    if labels.dtype.kind == "b":
        labels = labels.astype(np.int64)  # True, False → 1, 0
    if labels.dtype.kind == "f" and np.all(np.abs(labels) < 2**53) and np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)  # 2.0 → 2 (floats beyond 2⁵³ are no exact labels; NaN fails too)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"to_categorical expects integer class labels; received dtype {labels.dtype}.")
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical expects labels >= 0; received {labels.min()}.")
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]  # Keras drops a trailing axis of 1
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = top
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < top:
        raise ValueError(
            f"to_categorical: num_classes={num_classes!r} is too small for labels up to {top - 1}."
        )
    shape = (*labels.shape, int(num_classes))
    check_allocation(shape, np.float64, what="the one-hot labels", func="to_categorical")
    one_hot = np.zeros((labels.size, int(num_classes)))  # (N, classes): only the rows asked for
    one_hot[np.arange(labels.size), labels.ravel()] = 1.0  # row n has its 1 in column labels[n]
    return one_hot.reshape(shape)


def set_random_seed(seed):
    """Seed Python's and numpy's global generators, as Keras does for its backends.

    cnnviz models take their own ``seed=`` (``Sequential(..., seed=0)``); an unseeded model
    draws its first weights from numpy's global generator, which this seeds.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed expects a whole number >= 0; received seed={seed!r}.")
    random.seed(int(seed))
    np.random.seed(int(seed))  # noqa: NPY002 - seeding the global generator is the point
