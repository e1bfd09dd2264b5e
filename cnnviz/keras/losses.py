"""``keras.losses``: the loss objects ``compile`` takes (or their names as strings)."""

from ..losses import CategoricalCrossentropy, Loss, MeanSquaredError, SparseCategoricalCrossentropy

__all__ = ["CategoricalCrossentropy", "Loss", "MeanSquaredError", "SparseCategoricalCrossentropy"]
