"""cnnviz: see how convolutional neural networks compute, in numpy you can read.

``cnnviz.conv1d`` and ``cnnviz.conv2d`` take the notes' four convolution cases
as written; ``cnnviz.ops`` is the functional core (forward/backward pairs);
``cnnviz.reference`` holds the same equations as plain loops; ``cnnviz.sizes``
does the output-size arithmetic.
"""

from . import ops, reference, sizes
from .cases import conv1d, conv2d

__version__ = "0.1.0"

__all__ = ["__version__", "conv1d", "conv2d", "ops", "reference", "sizes"]
