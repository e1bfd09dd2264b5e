"""``keras.saving``: Keras 3's home of ``load_model`` and ``save_model``."""

from ..models import Model, load_model


def save_model(model, filepath):
    """``model.save(filepath)``, as a function (the file is replaced only once it is complete)."""
    if not isinstance(model, Model):
        raise TypeError(
            f"save_model expects a cnnviz model (keras.models.Sequential or keras.Model) and a path; "
            f"received model of type {type(model).__name__}."
        )
    model.save(filepath)


__all__ = ["load_model", "save_model"]
