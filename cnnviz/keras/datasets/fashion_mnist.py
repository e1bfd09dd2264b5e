"""``keras.datasets.fashion_mnist.load_data()``: ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays."""

from ...datasets import load_fashion_mnist as load_data

__all__ = ["load_data"]
