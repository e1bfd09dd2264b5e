"""The functional core, in one namespace: every op as a forward/backward pair.

Each ``*_forward`` takes full-rank, channels-last arrays and returns
``(out, cache)``; the matching ``*_backward(dy, cache)`` returns the gradients.
The ops live in topic modules (``conv``, ``pool``, ``norm``, ``activations``,
``linear``, ``resample``, ``merge``, ``losses``); this module gathers them so that code can say
``from cnnviz import ops``.
"""

from .activations import (
    log_softmax,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax,
    softmax_backward,
    softmax_forward,
    tanh_backward,
    tanh_forward,
)
from .conv import (
    conv1d_backward,
    conv1d_forward,
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
)
from .linear import dense_backward, dense_forward, dropout_backward, dropout_forward
from .losses import (
    categorical_crossentropy_backward,
    categorical_crossentropy_forward,
    mean_squared_error_backward,
    mean_squared_error_forward,
    sparse_categorical_crossentropy_backward,
    sparse_categorical_crossentropy_forward,
)
from .merge import add_backward, add_forward, concatenate_backward, concatenate_forward
from .norm import batchnorm_backward, batchnorm_forward, batchnorm_inference
from .pool import (
    avg_pool1d_backward,
    avg_pool1d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool1d_backward,
    max_pool1d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from .resample import (
    cropping2d_backward,
    cropping2d_forward,
    global_average_pool2d_backward,
    global_average_pool2d_forward,
    upsampling2d_backward,
    upsampling2d_forward,
    zero_padding2d_backward,
    zero_padding2d_forward,
)

__all__ = [
    "add_backward",
    "add_forward",
    "avg_pool1d_backward",
    "avg_pool1d_forward",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "categorical_crossentropy_backward",
    "categorical_crossentropy_forward",
    "concatenate_backward",
    "concatenate_forward",
    "conv1d_backward",
    "conv1d_forward",
    "conv2d_backward",
    "conv2d_forward",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
    "cropping2d_backward",
    "cropping2d_forward",
    "dense_backward",
    "dense_forward",
    "dropout_backward",
    "dropout_forward",
    "global_average_pool2d_backward",
    "global_average_pool2d_forward",
    "log_softmax",
    "max_pool1d_backward",
    "max_pool1d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "mean_squared_error_backward",
    "mean_squared_error_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "sparse_categorical_crossentropy_backward",
    "sparse_categorical_crossentropy_forward",
    "tanh_backward",
    "tanh_forward",
    "upsampling2d_backward",
    "upsampling2d_forward",
    "zero_padding2d_backward",
    "zero_padding2d_forward",
]
