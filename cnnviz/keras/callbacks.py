"""``keras.callbacks``: Keras' callbacks, plus cnnviz's ``BatchLogger`` and ``LivePlot``."""

from .._liveplot import LivePlot
from ..callbacks import (
    BatchLogger,
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
)

__all__ = [
    "BatchLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "LivePlot",
    "ModelCheckpoint",
    "TerminateOnNaN",
]
