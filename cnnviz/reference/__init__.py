"""The notes' equations as plain loops: slow, obvious, and the oracle for the fast code.

Each function is a direct transcription of one corrected equation from the notes (see
ERRATA.md), in the notes' symbols: L (input length), K (kernel length), P (padding),
S (stride), D (dilation), k (number of kernels), w (weights), x (input), y (output).
Indices are 0-based, as in Python; the notes count from 1, so the notes' x_{i+j−1} is
``x[i + j]`` here. Nothing here is vectorized on purpose; the tests check that
``cnnviz.ops`` computes the same numbers.

The modules mirror the ops' modules (``conv``, ``conv_transpose``, ``pool``, ``norm``,
``linear``, ``activations``, ``resample``, ``merge``), and every op has its loop here under
the op's name, taking the op's arguments in the op's order:

* ``reference.conv2d_forward(x, w, b, strides, padding, dilation_rate)`` returns the
  ``y`` that ``ops.conv2d_forward`` returns with its cache;
* ``reference.conv2d_backward(dy, x, w, b, strides, padding, dilation_rate)`` takes dy and
  then the forward's arguments (the loops need no cache), and returns what
  ``ops.conv2d_backward(dy, cache)`` returns.

So a test can call ``getattr(reference, name)`` with the arguments it gave the op.

The notes write one example at a time, without a batch axis, and so do the functions the
lessons show: ``conv1d_case1`` ... ``conv2d_case4`` (explicit padding ``P``, an int or per
axis a pair ``(before, after)``), ``max_pool2d``, ``avg_pool2d``, ``conv_transpose2d``,
``zero_padding2d``, ``cropping2d``, ``upsampling2d``, ``global_average_pool2d``,
``global_max_pool2d`` on one image, and ``batchnorm`` on rows (m, C). The op-named forward
functions run them on each example of the batch.

>>> x = np.arange(9).reshape(1, 3, 3, 1)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
>>> w = np.array([[0, 1], [2, 3]]).reshape(2, 2, 1, 1)
>>> y, _ = ops.conv2d_forward(x, w, padding="same")
>>> np.array_equal(conv2d_forward(x, w, padding="same"), y)
True
"""

from __future__ import annotations

import numpy as np  # noqa: F401 (the examples above use it)

from .. import ops  # noqa: F401 (the examples above use it)
from . import activations, conv, conv_transpose, linear, merge, norm, pool, resample
from ._padding import output_length, pad_2d  # noqa: F401 (in __all__ below)
from .activations import *  # noqa: F403  (every module's __all__: the ops' names)
from .conv import *  # noqa: F403
from .conv_transpose import *  # noqa: F403
from .linear import *  # noqa: F403
from .merge import *  # noqa: F403
from .norm import *  # noqa: F403
from .pool import *  # noqa: F403
from .resample import *  # noqa: F403

# older names, from before the reference took the ops' names: the same functions. (The
# backward passes of pooling, padding, cropping, upsampling, global pooling, the transposed
# convolution and batch normalization kept their names and now take a batch and the op's
# arguments, like the others.)
add, average, concatenate = merge.add_forward, merge.average_forward, merge.concatenate_forward
maximum, multiply, subtract = merge.maximum_forward, merge.multiply_forward, merge.subtract_forward
leaky_relu = activations.leaky_relu_forward

MODULES = (activations, conv, conv_transpose, linear, merge, norm, pool, resample)
__all__ = sorted(
    {name for module in MODULES for name in module.__all__}
    | {
        "output_length",
        "pad_2d",
        "add",
        "average",
        "concatenate",
        "leaky_relu",
        "maximum",
        "multiply",
        "subtract",
    }
)
