"""``keras.utils``: ``to_categorical`` (one-hot labels), ``set_random_seed``, ``plot_model``, and
``PyDataset`` (Keras 2's ``Sequence``), the base class of a dataset of batches ``fit`` can read."""

from __future__ import annotations

import os
import random

import numpy as np

from .._checks import check_allocation
from ..batches import PyDataset

Sequence = PyDataset  # Keras 2's name

__all__ = ["PyDataset", "Sequence", "plot_model", "set_random_seed", "to_categorical"]

FILE_KINDS = (".png", ".jpg", ".jpeg", ".svg", ".pdf")


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


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    **kwargs,
):
    """Draw ``model``'s graph, one box per layer, into ``to_file``, as Keras' ``plot_model`` does.

    Keras' arguments, order and defaults. The picture is drawn with matplotlib
    (``cnnviz.plot.show_model_graph``), so Graphviz and pydot are not needed. In a notebook the
    returned image shows inline (a PNG or JPEG file; for SVG and PDF, None is returned, as in
    Keras). ``expand_nested`` is accepted: cnnviz has no models nested inside models to expand.

    >>> from cnnviz import keras
    >>> model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,))])
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.png")
    >>> image = plot_model(model, to_file=path, show_shapes=True)
    >>> os.path.getsize(path) > 0
    True
    """
    from ..models import Model  # here, not at import: keras.utils stays light

    if not isinstance(model, Model):
        raise TypeError(
            f"plot_model expects a cnnviz model (Sequential or Model); received {type(model).__name__}."
        )
    if kwargs:
        raise TypeError(f"plot_model got arguments it does not know: {sorted(kwargs)}.")
    if rankdir not in ("TB", "LR"):
        raise ValueError(
            f'plot_model expects rankdir="TB" (top to bottom) or "LR" (left to right); received {rankdir!r}.'
        )
    path = os.fspath(to_file)
    kind = os.path.splitext(path)[1].lower()
    if kind not in FILE_KINDS:
        raise ValueError(f"plot_model writes {', '.join(FILE_KINDS)} files; received to_file={to_file!r}.")
    if (
        isinstance(dpi, bool)
        or not isinstance(dpi, (int, float, np.integer, np.floating))
        or not 10 <= dpi <= 1000
    ):
        raise ValueError(f"plot_model expects dpi as a number from 10 to 1000; received dpi={dpi!r}.")
    if not model.layers:
        raise ValueError(f"plot_model: model {model.name!r} has no layers to draw.")
    if model.expected_input_shape() is None:
        raise ValueError(
            f"plot_model: model {model.name!r} has not been built, so its shapes are unknown. Give its first "
            "layer input_shape=..., or call model.build(input_shape) first."
        )
    from ..plot.model import show_model_graph

    fig = show_model_graph(
        model, show_shapes, show_dtype, show_layer_names, rankdir, show_layer_activations, show_trainable
    )
    fig.savefig(path, dpi=dpi)
    if kind in (".svg", ".pdf"):
        return None
    try:
        from IPython.display import Image
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return None
    return Image(filename=path)
