"""``keras.callbacks``: the base ``Callback`` and ``History``, plus cnnviz's ``BatchLogger`` and ``LivePlot``."""

from .._liveplot import LivePlot
from ..callbacks import BatchLogger, Callback, History

__all__ = ["BatchLogger", "Callback", "History", "LivePlot"]
