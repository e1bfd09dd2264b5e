"""``keras.datasets``: MNIST and Fashion-MNIST, downloaded once and checked (``cnnviz.datasets``).

>>> from cnnviz.keras.datasets import mnist
>>> callable(mnist.load_data)
True
"""

from .._missing import missing
from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]


def __getattr__(name):
    """``keras.datasets.cifar10`` and the others cnnviz does not load: an error that says what to do."""
    raise missing("datasets", name, __all__)
