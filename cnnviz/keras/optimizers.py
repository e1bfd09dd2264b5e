"""``keras.optimizers``: SGD (momentum, Nesterov), Adam, AdamW and RMSprop, with Keras' defaults."""

from ..optimizers import SGD, Adam, AdamW, Optimizer, RMSprop

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]
