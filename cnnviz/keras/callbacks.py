"""``keras.callbacks``: Keras' callbacks, plus cnnviz's ``BatchLogger`` and ``LivePlot``."""

from ..callbacks import (
    BatchLogger,
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from ._missing import missing

__all__ = [
    "BatchLogger",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "LivePlot",  # noqa: F822  (matplotlib: imported on first use, by __getattr__ below)
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


def __getattr__(name):
    """``LivePlot`` draws with matplotlib: imported when asked for, so that ``import cnnviz.keras``
    loads no plotting code."""
    if name == "LivePlot":
        from ..plot.training import LivePlot

        return LivePlot
    raise missing("callbacks", name, __all__)
