"""``keras.saving``: Keras 3's home of ``load_model`` and ``save_model``."""

from ..models import load_model


def save_model(model, filepath):
    """``model.save(filepath)``, as a function."""
    model.save(filepath)


__all__ = ["load_model", "save_model"]
