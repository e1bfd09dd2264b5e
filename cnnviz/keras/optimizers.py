"""``keras.optimizers``: SGD (momentum, Nesterov), Adam, AdamW, Nadam and RMSprop, with Keras' defaults."""

from ..optimizers import SGD, Adam, AdamW, Nadam, Optimizer, RMSprop

__all__ = ["SGD", "Adam", "AdamW", "Nadam", "Optimizer", "RMSprop"]
