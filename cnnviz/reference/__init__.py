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
from ._padding import output_length, pad_2d
from .activations import (
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_backward,
    softmax_forward,
    tanh_backward,
    tanh_forward,
)
from .conv import (
    conv1d_backward,
    conv1d_case1,
    conv1d_case2,
    conv1d_case3,
    conv1d_case3_backward,
    conv1d_forward,
    conv2d_backward,
    conv2d_case4,
    conv2d_case4_backward,
    conv2d_forward,
)
from .conv_transpose import conv_transpose2d, conv_transpose2d_backward, conv_transpose2d_forward
from .linear import dense_backward, dense_forward, rescaling_backward, rescaling_forward
from .merge import (
    add_backward,
    add_forward,
    average_backward,
    average_forward,
    concatenate_backward,
    concatenate_forward,
    maximum_backward,
    maximum_forward,
    multiply_backward,
    multiply_forward,
    subtract_backward,
    subtract_forward,
)
from .norm import (
    batchnorm,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    batchnorm_inference_backward,
    batchnorm_inference_forward,
)
from .pool import (
    avg_pool1d_backward,
    avg_pool1d_forward,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_forward,
    avg_pool_with_members,
    max_pool1d_backward,
    max_pool1d_forward,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_forward,
    max_pool_with_winners,
    pool_windows,
)
from .resample import (
    cropping2d,
    cropping2d_backward,
    cropping2d_forward,
    global_average_pool1d_backward,
    global_average_pool1d_forward,
    global_average_pool2d,
    global_average_pool2d_backward,
    global_average_pool2d_forward,
    global_max_pool1d_backward,
    global_max_pool1d_forward,
    global_max_pool2d,
    global_max_pool2d_backward,
    global_max_pool2d_forward,
    upsampling2d,
    upsampling2d_backward,
    upsampling2d_forward,
    zero_padding2d,
    zero_padding2d_backward,
    zero_padding2d_forward,
)

# older names, from before the reference took the ops' names: the same functions. (The
# backward passes of pooling, padding, cropping, upsampling, global pooling, the transposed
# convolution and batch normalization kept their names and now take a batch and the op's
# arguments, like the others.)
add = add_forward
average = average_forward
concatenate = concatenate_forward
leaky_relu = leaky_relu_forward
maximum = maximum_forward
multiply = multiply_forward
subtract = subtract_forward

__all__ = [
    "add",
    "add_backward",
    "add_forward",
    "average",
    "average_backward",
    "average_forward",
    "avg_pool1d_backward",
    "avg_pool1d_forward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool_with_members",
    "batchnorm",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "batchnorm_inference_backward",
    "batchnorm_inference_forward",
    "concatenate",
    "concatenate_backward",
    "concatenate_forward",
    "conv1d_backward",
    "conv1d_case1",
    "conv1d_case2",
    "conv1d_case3",
    "conv1d_case3_backward",
    "conv1d_forward",
    "conv2d_backward",
    "conv2d_case4",
    "conv2d_case4_backward",
    "conv2d_forward",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
    "cropping2d",
    "cropping2d_backward",
    "cropping2d_forward",
    "dense_backward",
    "dense_forward",
    "global_average_pool1d_backward",
    "global_average_pool1d_forward",
    "global_average_pool2d",
    "global_average_pool2d_backward",
    "global_average_pool2d_forward",
    "global_max_pool1d_backward",
    "global_max_pool1d_forward",
    "global_max_pool2d",
    "global_max_pool2d_backward",
    "global_max_pool2d_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "max_pool1d_backward",
    "max_pool1d_forward",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool_with_winners",
    "maximum",
    "maximum_backward",
    "maximum_forward",
    "multiply",
    "multiply_backward",
    "multiply_forward",
    "output_length",
    "pad_2d",
    "pool_windows",
    "relu_backward",
    "relu_forward",
    "rescaling_backward",
    "rescaling_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax_backward",
    "softmax_forward",
    "subtract",
    "subtract_backward",
    "subtract_forward",
    "tanh_backward",
    "tanh_forward",
    "upsampling2d",
    "upsampling2d_backward",
    "upsampling2d_forward",
    "zero_padding2d",
    "zero_padding2d_backward",
    "zero_padding2d_forward",
]
