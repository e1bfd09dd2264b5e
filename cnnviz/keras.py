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

Only the import line differs from the Keras original: ``from cnnviz import keras``
instead of ``from tensorflow import keras``.
"""

from types import SimpleNamespace

from . import datasets as _datasets
from . import layers as _layers
from . import optimizers as _optimizers
from .layers import Input
from .models import BatchLogger, Callback, History, LivePlot, Model, Sequential

models = SimpleNamespace(Sequential=Sequential, Model=Model)
layers = SimpleNamespace(
    Input=Input,
    InputLayer=_layers.InputLayer,
    Conv1D=_layers.Conv1D,
    Conv2D=_layers.Conv2D,
    Conv2DTranspose=_layers.Conv2DTranspose,
    ZeroPadding2D=_layers.ZeroPadding2D,
    Cropping2D=_layers.Cropping2D,
    UpSampling2D=_layers.UpSampling2D,
    GlobalAveragePooling2D=_layers.GlobalAveragePooling2D,
    Reshape=_layers.Reshape,
    Add=_layers.Add,
    Concatenate=_layers.Concatenate,
    MaxPooling2D=_layers.MaxPooling2D,
    AveragePooling2D=_layers.AveragePooling2D,
    BatchNormalization=_layers.BatchNormalization,
    Dense=_layers.Dense,
    Flatten=_layers.Flatten,
    Activation=_layers.Activation,
    ReLU=_layers.ReLU,
    Dropout=_layers.Dropout,
)
optimizers = SimpleNamespace(SGD=_optimizers.SGD, Adam=_optimizers.Adam)
callbacks = SimpleNamespace(Callback=Callback, History=History, LivePlot=LivePlot, BatchLogger=BatchLogger)
datasets = SimpleNamespace(
    mnist=SimpleNamespace(load_data=_datasets.load_mnist),
    fashion_mnist=SimpleNamespace(load_data=_datasets.load_fashion_mnist),
)

__all__ = ["Input", "Model", "Sequential", "callbacks", "datasets", "layers", "models", "optimizers"]
