"""Layers that join several inputs: Add, Average, Maximum, Multiply, Subtract, Concatenate, and Keras' function forms.

Merge layers take a list of inputs, and their shape methods a list of shapes.
"""

from __future__ import annotations

from .. import ops
from .._checks import check_range
from .base import Layer

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "maximum",
    "multiply",
    "subtract",
]


class _ElementwiseMerge(Layer):
    """The part the elementwise merges share: inputs of one shape, joined cell by cell by one op pair."""

    merges = True
    inputs_needed = "two or more"  # how many inputs the op takes, in words
    forward_op = backward_op = None  # each merge names its pair in ``cnnviz.ops``

    def __init__(self, *, name=None):
        super().__init__(None, None, name)

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        count_ok = len(shapes) == 2 if self.inputs_needed == "exactly two" else len(shapes) >= 2
        if not count_ok or len(set(shapes)) != 1:
            raise ValueError(
                f"{self.name}: {type(self).__name__} needs {self.inputs_needed} inputs of one shape; "
                f"received shapes {shapes}."
            )
        return shapes[0]

    def call(self, xs, training):
        return type(self).forward_op(xs)

    def call_backward(self, dy, cache, input_gradient=True):
        return type(self).backward_op(dy, cache)


class Add(_ElementwiseMerge):
    """The sum of its inputs, all of one shape (ResNet's shortcut joins here)."""

    forward_op, backward_op = ops.add_forward, ops.add_backward


class Average(_ElementwiseMerge):
    """The mean of its inputs, all of one shape."""

    forward_op, backward_op = ops.average_forward, ops.average_backward


class Maximum(_ElementwiseMerge):
    """The largest of its inputs, cell by cell (the gradient goes to the input that held it)."""

    forward_op, backward_op = ops.maximum_forward, ops.maximum_backward


class Multiply(_ElementwiseMerge):
    """The product of its inputs, cell by cell (a gate: one branch scales another)."""

    forward_op, backward_op = ops.multiply_forward, ops.multiply_backward


class Subtract(_ElementwiseMerge):
    """The difference of exactly two inputs, x_0 − x_1."""

    inputs_needed = "exactly two"
    forward_op, backward_op = ops.subtract_forward, ops.subtract_backward


def add(inputs, **kwargs):
    """Keras' functional form: ``add([a, b])`` is ``Add()([a, b])``."""
    return Add(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Keras' functional form: ``average([a, b])`` is ``Average()([a, b])``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Keras' functional form: ``maximum([a, b])`` is ``Maximum()([a, b])``."""
    return Maximum(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Keras' functional form: ``multiply([a, b])`` is ``Multiply()([a, b])``."""
    return Multiply(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Keras' functional form: ``subtract([a, b])`` is ``Subtract()([a, b])``."""
    return Subtract(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Keras' functional form: ``concatenate([a, b], axis=-1)`` is ``Concatenate(axis=-1)([a, b])``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


class Concatenate(Layer):
    """Inputs side by side along the channels (UNet's skip connections join here)."""

    merges = True

    def __init__(self, axis=-1, *, name=None):
        super().__init__(None, None, name)
        self.axis = check_range(None, "axis", axis, integer=True)

    def output_shape(self, input_shapes):
        shapes = [tuple(shape) for shape in input_shapes]
        rank = len(shapes[0]) if shapes else 0
        if not -rank <= self.axis <= rank or self.axis == 0:
            raise ValueError(
                f"{self.name}: Concatenate(axis={self.axis}) does not fit inputs of shapes "
                f"{[(None, *s) for s in shapes]}: axis counts the batch axis as 0, so it must be "
                f"1..{rank} or -{rank}..-1 (the default -1 joins the channels)."
            )
        axis = (
            self.axis + rank if self.axis < 0 else self.axis - 1
        )  # Keras counts the batch axis in axis >= 0
        others = {shape[:axis] + shape[axis + 1 :] for shape in shapes}
        if len(shapes) < 2 or len({len(s) for s in shapes}) != 1 or len(others) != 1:
            raise ValueError(
                f"{self.name}: Concatenate needs two or more inputs that differ only along axis "
                f"{self.axis}; received shapes {shapes}."
            )
        return (*shapes[0][:axis], sum(s[axis] for s in shapes), *shapes[0][axis + 1 :])

    def call(self, xs, training):
        return ops.concatenate_forward(xs, self.axis)

    def call_backward(self, dy, cache, input_gradient=True):
        return ops.concatenate_backward(dy, cache)
