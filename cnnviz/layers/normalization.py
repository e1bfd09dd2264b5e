"""``BatchNormalization``: each channel normalized by the batch's statistics in training, the moving ones after."""

from __future__ import annotations

from .. import initializers, ops
from .._checks import check_range
from .base import Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Batch normalization over the last axis, with Keras' defaults.

    Training: the batch's statistics, and moving averages updated as
    ``moving = momentum · moving + (1 − momentum) · batch``. Inference: the
    moving averages. Weights: gamma, beta (trained), moving_mean,
    moving_variance (not trained).
    """

    trainable_names = ("gamma", "beta")

    initializers = {"gamma": initializers.ones, "moving_variance": initializers.ones}  # beta, moving_mean: 0

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, *, input_shape=None, name=None):
        super().__init__(None, input_shape, name)
        if axis not in (-1,):
            raise ValueError(
                f"BatchNormalization normalizes the last axis (channels last); received axis={axis!r}."
            )
        self.axis = -1
        self.momentum = check_range("BatchNormalization", "momentum", momentum, low=0, high=1)
        self.epsilon = check_range("BatchNormalization", "epsilon", epsilon, low=0, low_open=True)

    def param_shapes(self, input_shape):
        C = tuple(input_shape)[-1]
        return {"gamma": (C,), "beta": (C,), "moving_mean": (C,), "moving_variance": (C,)}

    def call(self, x, training):
        p = self.params
        if not training or not self.trainable:  # fixed statistics (a frozen BN too, as in Keras); the
            # cache lets a saliency map flow back through them
            return ops.batchnorm_inference_forward(
                x, p["gamma"], p["beta"], p["moving_mean"], p["moving_variance"], self.epsilon
            )
        y, cache = ops.batchnorm_forward(x, p["gamma"], p["beta"], self.epsilon)
        for name, batch in (("moving_mean", cache["mean"]), ("moving_variance", cache["var"])):
            p[name] *= self.momentum
            p[name] += (1 - self.momentum) * batch
        return y, cache

    def call_backward(self, dy, cache, input_gradient=True):
        inference = cache["op"] == "batchnorm_inference"  # a saliency map's pass: fixed statistics
        backward = ops.batchnorm_inference_backward if inference else ops.batchnorm_backward
        dx, self.grads["gamma"], self.grads["beta"] = backward(dy, cache)
        return dx
