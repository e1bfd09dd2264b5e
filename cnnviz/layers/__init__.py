"""Layers with Keras' names: each holds its weights and calls ``cnnviz.ops`` for the math.

One module per kind, as in Keras:

==================  ==================================================================
``base``            ``Layer`` (what every layer has), ``KerasTensor``, ``InputLayer``, ``Input``
``convolutional``   ``Conv2D``, ``Conv1D``, ``Conv2DTranspose``
``pooling``         ``MaxPooling2D``, ``AveragePooling2D``, their 1D forms, the ``Global*`` poolings
``normalization``   ``BatchNormalization``
``core``            ``Dense``, ``Dropout``, ``Rescaling``, ``Activation``, ``ReLU``, ``LeakyReLU``, ``Softmax``
``reshaping``       ``Flatten``, ``Reshape``, ``ZeroPadding2D``, ``Cropping2D``, ``UpSampling2D``
``merging``         ``Add``, ``Average``, ``Maximum``, ``Multiply``, ``Subtract``, ``Concatenate``, ``add``, ...
==================  ==================================================================

Layers of one kind share a small private base (``_Conv``, ``_Pooling``, ``_GlobalPooling``),
never one another: ``AveragePooling2D`` is no ``MaxPooling2D``. Every name is importable
from ``cnnviz.layers`` itself; ``base`` explains what every layer has.
"""

from . import base, convolutional, core, merging, normalization, pooling, reshaping
from .base import *  # noqa: F403  (each module's __all__, listed in the table above)
from .convolutional import *  # noqa: F403
from .core import *  # noqa: F403
from .merging import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .reshaping import *  # noqa: F403

__all__ = sorted(
    name
    for module in (base, convolutional, core, merging, normalization, pooling, reshaping)
    for name in module.__all__
)
