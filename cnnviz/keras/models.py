"""``keras.models``: ``Sequential`` and the functional ``Model``."""

from ..models import Model, Sequential

__all__ = ["Model", "Sequential"]
