"""``keras.callbacks``: Keras' callbacks, plus cnnviz's ``BatchLogger`` and ``LivePlot``."""

from .. import callbacks as _callbacks
from ..callbacks import *  # noqa: F403  (every callback, under its Keras name)
from ._missing import missing

__all__ = [*_callbacks.__all__, "LivePlot"]  # noqa: F405  (LivePlot: imported on first use, by __getattr__)


def __getattr__(name):
    """``LivePlot`` draws with matplotlib: imported when asked for, so that ``import cnnviz.keras``
    loads no plotting code."""
    if name == "LivePlot":
        from ..plot.training import LivePlot

        return LivePlot
    raise missing("callbacks", name, __all__)
