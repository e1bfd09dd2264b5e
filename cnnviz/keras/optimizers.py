"""``keras.optimizers``: SGD (momentum, Nesterov) and Adam."""

from ..optimizers import SGD, Adam, Optimizer

__all__ = ["SGD", "Adam", "Optimizer"]
