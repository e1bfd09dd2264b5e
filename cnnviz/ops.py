"""The functional core, in one namespace: every op as a forward/backward pair.

Each ``*_forward`` takes full-rank, channels-last arrays and returns
``(out, cache)``; the matching ``*_backward(dy, cache)`` returns the gradients.
The ops live in topic modules (``conv``, ``pool``, ``norm``, ``activations``,
``linear``, ``resample``, ``merge``, ``losses``); this module gathers them so that code can say
``from cnnviz import ops``.
"""

from . import activations, conv, conv_transpose, linear, losses, merge, norm, pool, resample
from .activations import *  # noqa: F403 (each topic module's __all__: its ops)
from .conv import *  # noqa: F403
from .conv_transpose import *  # noqa: F403
from .linear import *  # noqa: F403
from .losses import (  # noqa: F401 (in __all__) the loss ops only: the Keras loss objects stay in cnnviz.losses
    binary_crossentropy_backward,
    binary_crossentropy_forward,
    categorical_crossentropy_backward,
    categorical_crossentropy_forward,
    mean_absolute_error_backward,
    mean_absolute_error_forward,
    mean_squared_error_backward,
    mean_squared_error_forward,
    sparse_categorical_crossentropy_backward,
    sparse_categorical_crossentropy_forward,
)
from .merge import *  # noqa: F403
from .norm import *  # noqa: F403
from .pool import *  # noqa: F403
from .resample import *  # noqa: F403

MODULES = (activations, conv, conv_transpose, linear, merge, norm, pool, resample)
LOSS_OPS = [name for name in losses.__all__ if name.endswith(("_forward", "_backward"))]
__all__ = sorted({name for module in MODULES for name in module.__all__} | set(LOSS_OPS))
