"""``keras.callbacks``: Keras' callbacks, plus cnnviz's ``BatchLogger`` and ``LivePlot``."""

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
from ..plot.training import LivePlot

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
