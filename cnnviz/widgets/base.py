"""Where the explorers' shared parts used to live, kept so that old imports keep working.

The parts now live in ``explorer`` (``LivePicture``, ``Explorer``: figure, blitting, still
picture, message), ``controls`` (the sliders, drop-down lists and step controls) and
``gridstep`` (``GridStepExplorer``).
"""

from .controls import (
    SLIDER_LAYOUT,
    STYLE,
    StepControls,
    close_widgets,
    dropdown,
    float_slider,
    int_slider,
    learner_array,
)
from .explorer import FAST_DRAWING, Explorer, LivePicture, canvas_png, exempt_long_lived_objects
from .gridstep import GridStepExplorer

__all__ = [
    "FAST_DRAWING",
    "SLIDER_LAYOUT",
    "STYLE",
    "Explorer",
    "GridStepExplorer",
    "LivePicture",
    "StepControls",
    "canvas_png",
    "close_widgets",
    "dropdown",
    "exempt_long_lived_objects",
    "float_slider",
    "int_slider",
    "learner_array",
]
