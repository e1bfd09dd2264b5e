"""``keras.models``: ``Sequential``, the functional ``Model``, ``load_model`` and ``clone_model``."""

from ..models import Model, Sequential, clone_model, load_model

__all__ = ["Model", "Sequential", "clone_model", "load_model"]
