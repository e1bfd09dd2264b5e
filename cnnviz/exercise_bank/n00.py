"""Notebook 00's exercises: counting a dense layer's parameters, and softmax by hand."""

from __future__ import annotations

import numpy as np

from .. import activations, models
from .. import layers as L
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _dense_params(input_shape, units):
    """Parameters of Dense(units) after Flatten() of an input of ``input_shape``, counted by cnnviz."""
    model = models.Sequential([L.Flatten(input_shape=input_shape), L.Dense(units)])
    return model.count_params()  # counted from the shapes: no weights are made


EXERCISES: list[Exercise] = [
    Exercise(
        id="00.1",
        kind="number",
        answer=lambda: _dense_params((14, 14, 32), 64),
        hint="Each of the 64 units has one weight per input number, plus one bias.",
        mistakes=(
            (lambda a, r: a == r - 64, "Close: each unit also has a bias."),
            (
                lambda a, r: a == 14 * 14 * 32 * 128 + 128,
                "That is the count for the 128 units in the table; this layer has 64.",
            ),
            (
                lambda a, r: a == 14 * 14 * 32,
                "That is the number of inputs; each unit has a weight for every one of them.",
            ),
        ),
        explanation=lambda r: (
            f"6272 inputs × 64 units + 64 biases = {r:,} parameters: half the 128-unit layer's."
        ),
    ),
    Exercise(
        id="00.2",
        kind="number",
        answer=lambda: _dense_params((7, 7, 64), 7744),
        hint="First count the inputs (Flatten of the pooled maps: 7 × 7 × 64), then one weight per input and unit, plus one bias per unit.",
        mistakes=(
            (lambda a, r: a == 7 * 7 * 64 * 7744, "Close: each of the 7744 units also has a bias."),
            (
                lambda a, r: a == 14 * 14 * 64 * 7744 + 7744,
                "That is the count with 2 × 2 pooling (14 × 14 maps); with pool_size=4 each map is 7 × 7.",
            ),
            (
                lambda a, r: a == 7 * 7 * 64,
                "That is the number of inputs to the layer, not its parameters.",
            ),
            (lambda a, r: a == 7 * 7 * 7744 + 7744, "Flatten keeps all 64 channels: 7 · 7 · 64 inputs."),
            (lambda a, r: a == 7744 * 7744 + 7744, "The inputs are what Flatten gives (7 · 7 · 64), not 7744."),
        ),
        explanation=lambda r: (
            f"7 · 7 · 64 = 3,136 inputs × 7,744 units + 7,744 biases = {r:,}: about a quarter of the 2 × 2 "
            "pooling's count, because 4 × 4 pooling leaves a quarter of the numbers. The dense layer's size follows "
            "the number of values that reach it: pooling (or fewer channels) before Flatten keeps it small."
        ),
    ),
    Exercise(
        id="00.3",
        kind="number",
        answer=lambda: float(activations.softmax(np.array([0.0, 0.0, np.log(2.0)]))[2]),
        hint="softmax: p_c = e^{z_c} / Σ_k e^{z_k}. Work out e^0 and e^{ln 2} first, then divide by their sum.",
        mistakes=(
            (
                lambda a, r: np.isclose(a, np.log(2.0) / (2 + np.log(2.0))),
                "Take e to the power of each score before dividing, not the scores themselves.",
            ),
            (
                lambda a, r: np.isclose(a, 2.0),
                "That is e^{ln 2}; now divide it by the sum over all three classes.",
            ),
            (lambda a, r: a > 1 or a < 0, "A probability lies between 0 and 1."),
        ),
        explanation=lambda r: f"e^0 = 1, e^0 = 1, e^(ln 2) = 2; p_2 = 2 / (1 + 1 + 2) = {r:g}.",
    ),
]
