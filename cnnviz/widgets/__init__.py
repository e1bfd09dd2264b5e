"""Explorers: small interactive pictures built from ipywidgets controls.

Each explorer is a pure compute step (cnnviz itself) plus a pure drawing step
(``cnnviz.plot``) plus thin glue, on one base, ``LivePicture`` (``explorer``): a
``Figure`` of its own (no pyplot, so nothing accumulates) whose artists are moved
in place and drawn again over a saved background (blitting), turned into a PNG
and shown in a widget. A change that alters the picture's layout (a new kernel
size, say) builds the figure again. That works the same in JupyterLab, on
Binder, under nbval and in plain pytest without a kernel, where tests set
``.value`` on the controls and look at what was drawn.

A setting that makes no sense (a kernel larger than the padded input, say)
shows its explanation in place of the picture; it never raises into the
notebook. Displayed without a kernel (GitHub, nbviewer), an explorer shows the
PNG of its default state.

==================  ==================================================================
module              explorers
==================  ==================================================================
``explorer``        ``LivePicture`` (figure, blitting, still PNG, message) and ``Explorer`` (with ``hold()``)
``controls``        the shared sliders, drop-down lists and step controls
``gridstep``        ``GridStepExplorer``: a window stepped over a grid, clicks on its cells
``convolution``     ``Conv1DExplorer``, ``Conv2DStepExplorer``, ``ConvArithmeticExplorer``,
                    ``ImageKernelExplorer``, ``OutputSizeExplorer``
``pixels``          ``PixelExplorer`` and the example images (``IMAGES``)
``pooling``         ``PoolStepExplorer``, ``ShiftExplorer``
``normalization``   ``BatchNormExplorer``
``learning``        ``OptimizerExplorer``: SGD, momentum and Adam on a real two-weight loss surface
``drawing``         ``DrawingPad`` (anywidget): draw a digit, read it as MNIST does
``clickimage``      ``ClickImage`` (anywidget): a PNG that reports where it was clicked
``network``         ``NetworkExplorer``: every layer of a trained CNN, live; click a value
                    for its receptive field and its arithmetic
==================  ==================================================================

This package is the only part of cnnviz that imports ipywidgets.
"""

from ..demos import bn_activations  # moved to cnnviz.demos; still importable from here
from .clickimage import ClickImage
from .controls import SLIDER_LAYOUT, STYLE, StepControls, dropdown, float_slider, int_slider
from .convolution import (
    CHANNEL_MIX,
    SIGNALS,
    TAPS,
    Conv1DExplorer,
    Conv2DStepExplorer,
    ConvArithmeticExplorer,
    ImageKernelExplorer,
    OutputSizeExplorer,
)
from .drawing import DrawingPad
from .explorer import FAST_DRAWING, Explorer, LivePicture, canvas_png
from .gridstep import GridStepExplorer
from .learning import OptimizerExplorer
from .network import NetworkExplorer
from .normalization import BatchNormExplorer
from .pixels import IMAGES, PIXEL_IMAGES, PixelExplorer
from .pooling import POOL_GRID, PoolStepExplorer, ShiftExplorer
from .training import TrainingExplorer

__all__ = [
    "CHANNEL_MIX",
    "FAST_DRAWING",
    "IMAGES",
    "PIXEL_IMAGES",
    "POOL_GRID",
    "SIGNALS",
    "SLIDER_LAYOUT",
    "STYLE",
    "TAPS",
    "BatchNormExplorer",
    "ClickImage",
    "Conv1DExplorer",
    "Conv2DStepExplorer",
    "ConvArithmeticExplorer",
    "DrawingPad",
    "Explorer",
    "GridStepExplorer",
    "ImageKernelExplorer",
    "LivePicture",
    "NetworkExplorer",
    "OptimizerExplorer",
    "OutputSizeExplorer",
    "PixelExplorer",
    "PoolStepExplorer",
    "ShiftExplorer",
    "StepControls",
    "TrainingExplorer",
    "bn_activations",
    "canvas_png",
    "dropdown",
    "float_slider",
    "int_slider",
]
