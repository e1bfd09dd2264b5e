"""``keras.optimizers``: SGD (momentum, Nesterov), Adam, AdamW, Nadam, RMSprop, Adagrad, Adadelta and
Adamax, with Keras' defaults."""

from ..optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer, RMSprop
from ._missing import missing

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop"]


def __getattr__(name):
    """A Keras name cnnviz does not have: an error that says so, and what there is (``_missing``)."""
    raise missing("optimizers", name, __all__)
