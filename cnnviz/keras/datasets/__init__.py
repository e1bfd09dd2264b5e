"""``keras.datasets``: MNIST and Fashion-MNIST, downloaded once and checked (``cnnviz.datasets``).

>>> from cnnviz.keras.datasets import mnist
>>> callable(mnist.load_data)
True
"""

from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
