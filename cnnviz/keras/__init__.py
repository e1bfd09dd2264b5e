"""Keras' familiar namespaces, backed by cnnviz, so code written for Keras runs here.

>>> from cnnviz import keras
>>> model = keras.models.Sequential([
...     keras.layers.Conv2D(filters=8, kernel_size=3, activation="relu", input_shape=[28, 28, 1]),
...     keras.layers.MaxPooling2D(pool_size=2),
...     keras.layers.Flatten(),
...     keras.layers.Dense(units=10, activation="softmax"),
... ])
>>> model.count_params()
13610

The functional API: ``keras.Input``, layers called on tensors, ``keras.Model``.

>>> inputs = keras.Input(shape=(32, 32, 3))
>>> x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
>>> y = keras.layers.Conv2D(16, 3, padding="same")(x)
>>> outputs = keras.layers.GlobalAveragePooling2D()(keras.layers.Add()([x, y]))
>>> keras.Model(inputs, outputs).output_shape
(None, 16)

Only the import lines differ from the Keras original: ``from cnnviz import keras``
instead of ``from tensorflow import keras`` (or ``import keras``). The submodules are
real modules, so Keras' other import habits work too:

>>> from cnnviz.keras.layers import Conv2D, MaxPooling2D
>>> from cnnviz.keras.models import Sequential
>>> import cnnviz.keras.layers as layers
>>> Sequential([Conv2D(4, 3, input_shape=(8, 8, 1)), MaxPooling2D()]).output_shape
(None, 3, 3, 4)
"""

from .. import __version__
from . import (
    activations,
    backend,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    saving,
    utils,
)
from .layers import Input, Layer
from .models import Model, Sequential

__all__ = [
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "saving",
    "utils",
]
