"""``keras.initializers``: how weights start, by Keras' function and class names.

``kernel_initializer="he_normal"``, ``kernel_initializer=keras.initializers.he_normal`` and
``kernel_initializer=keras.initializers.HeNormal()`` all name the same initializer.
"""

from ..initializers import glorot_normal, glorot_uniform, he_normal, he_uniform, ones, zeros

# Keras' class spellings: "calling the class" gives the initializer function itself


def GlorotUniform(seed=None):
    return glorot_uniform


def GlorotNormal(seed=None):
    return glorot_normal


def HeUniform(seed=None):
    return he_uniform


def HeNormal(seed=None):
    return he_normal


def Zeros():
    return zeros


def Ones():
    return ones


__all__ = [
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Ones",
    "Zeros",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "ones",
    "zeros",
]
