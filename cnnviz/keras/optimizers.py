"""``keras.optimizers``: SGD (momentum, Nesterov), Adam, AdamW, Nadam, RMSprop, Adagrad, Adadelta and
Adamax, with Keras' defaults."""

from ..optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer, RMSprop

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop"]
