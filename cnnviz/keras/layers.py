"""``keras.layers``: the layers cnnviz has, under Keras' names (channels last)."""

from .. import layers as _layers
from ..layers import *  # noqa: F403  (every layer, under its Keras name)
from ._missing import missing

__all__ = [
    name for name in _layers.__all__ if name not in ("ACTIVATIONS", "KerasTensor")
]  # Keras' public ones

# Keras' short aliases
MaxPool1D, MaxPool2D = _layers.MaxPooling1D, _layers.MaxPooling2D
AvgPool1D, AvgPool2D = _layers.AveragePooling1D, _layers.AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = _layers.GlobalMaxPooling1D, _layers.GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = _layers.GlobalAveragePooling1D, _layers.GlobalAveragePooling2D
__all__ += [
    "AvgPool1D",
    "AvgPool2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "MaxPool1D",
    "MaxPool2D",
]


def __getattr__(name):
    """A Keras name cnnviz does not have: an error that says so, and what there is (``_missing``)."""
    raise missing("layers", name, __all__)
