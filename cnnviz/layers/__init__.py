"""Layers with Keras' names: each holds its weights and calls ``cnnviz.ops`` for the math.

One module per kind, as in Keras:

==================  ==================================================================
``base``            ``Layer`` (what every layer has), ``KerasTensor``, ``InputLayer``, ``Input``
``convolutional``   ``Conv2D``, ``Conv1D``, ``Conv2DTranspose``
``pooling``         ``MaxPooling2D``, ``AveragePooling2D``, their 1D forms, the ``Global*`` poolings
``normalization``   ``BatchNormalization``
``core``            ``Dense``, ``Dropout``, ``Rescaling``, ``Activation``, ``ReLU``, ``LeakyReLU``, ``Softmax``
``reshaping``       ``Flatten``, ``Reshape``, ``ZeroPadding2D``, ``Cropping2D``, ``UpSampling2D``
``merging``         ``Add``, ``Average``, ``Maximum``, ``Multiply``, ``Subtract``, ``Concatenate``, ``add``, ...
==================  ==================================================================

Layers of one kind share a small private base (``_Conv``, ``_Pooling``, ``_GlobalPooling``),
never one another: ``AveragePooling2D`` is no ``MaxPooling2D``. Every name is importable
from ``cnnviz.layers`` itself; ``base`` explains what every layer has.
"""

from .base import ACTIVATIONS, Input, InputLayer, KerasTensor, Layer
from .convolutional import Conv1D, Conv2D, Conv2DTranspose
from .core import Activation, Dense, Dropout, LeakyReLU, ReLU, Rescaling, Softmax
from .merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .reshaping import Cropping2D, Flatten, Reshape, UpSampling2D, ZeroPadding2D

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Cropping2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Multiply",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "multiply",
    "subtract",
]
