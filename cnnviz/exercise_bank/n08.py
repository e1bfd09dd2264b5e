"""Notebook 08's exercises: batch normalization."""

from __future__ import annotations

import numpy as np

from .. import layers, ops
from ..demos import bn_activations
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _mean_and_variance():
    """[μ_B, σ²_B] of the batch [2, 4, 6, 8], as batchnorm_forward computes them."""
    _, cache = ops.batchnorm_forward(np.array([[2.0], [4.0], [6.0], [8.0]]), np.ones(1), np.zeros(1))
    return np.array([cache["mean"][0], cache["var"][0]])


def _explorer_statistics(gamma=-2.0, beta=1.0, epsilon=1e-5, N=8, channel=3, seed=0):
    """[mean, variance] of the normalized channel, to 3 decimals, as BatchNormExplorer's right title shows them."""
    population = bn_activations()
    batch = population[np.random.default_rng(seed).choice(len(population), N, replace=False)]
    C = batch.shape[3]
    y, _ = ops.batchnorm_forward(batch, np.full(C, gamma), np.full(C, beta), epsilon)
    return np.round([y[..., channel].mean(), y[..., channel].var()], 3) + 0.0  # + 0.0: no −0.0


def _near(a, values, decimals=2):
    """Whether the learner's numbers ``a`` are ``values`` rounded to ``decimals`` places (or more finely).

    The questions ask for a few decimals: 6.67, 6.667 and 20/3 all mean 20/3.
    """
    values = np.asarray(values, dtype=float)
    return a.shape == values.shape and bool(np.all(np.abs(a - values) <= 0.5 * 10.0**-decimals + 1e-9))


EXERCISES: list[Exercise] = [
    Exercise(
        id="08.1",
        kind="array",
        answer=_mean_and_variance,
        hint="μ_B is the plain average; σ²_B averages the squared distances to μ_B, dividing by m (the biased variance).",
        mistakes=(
            (
                lambda a, r: _near(a, [r[0], r[1] * 4 / 3]),
                "That variance divides by m − 1: BN divides by m.",
            ),
            (
                lambda a, r: _near(a, [r[0], np.sqrt(r[1])]),
                "That is the standard deviation: give the variance σ²_B.",
            ),
            (lambda a, r: a.shape != (2,), "Give two numbers: [mean, variance]."),
        ),
        explanation="μ_B = 20/4 = 5 and σ²_B = (9 + 1 + 1 + 9)/4 = 5, dividing by m = 4, not m − 1.",
    ),
    Exercise(
        id="08.2",
        kind="shape",
        answer=lambda: (
            ops.batchnorm_forward(np.zeros((64, 14, 14, 32)), np.ones(32), np.zeros(32))[1]["mean"].shape
        ),
        hint="In a convolution layer BN takes one mean per channel, over the batch, the height and the width together.",
        mistakes=(
            (
                lambda a, r: len(a) == 3,
                "The statistics are also taken over height and width: one value per channel only.",
            ),
            (
                lambda a, r: len(a) == 4,
                "The mean is taken over the batch, the height and the width: those axes disappear.",
            ),
        ),
        explanation="One value per channel: (32,), and so are γ, β, the moving mean and the moving variance.",
    ),
    Exercise(
        id="08.3",
        kind="array",
        answer=lambda: ops.batchnorm_forward(
            np.array([[1.0], [3.0]]), np.array([3.0]), np.array([-1.0]), epsilon=0.0
        )[0][:, 0],
        hint="Compute μ_B and the biased σ²_B of the two values, then x̂ = (x − μ_B)/√σ²_B, then γ·x̂ + β.",
        mistakes=(
            (
                lambda a, r: _near(a, [-1.0, 1.0]),
                "That is x̂: now scale by γ and shift by β.",
            ),
            (
                lambda a, r: _near(a, 3 * np.array([-1.0, 1.0]) / np.sqrt(2) - 1),
                "Divide by the biased variance (by m, not m − 1).",
            ),
            (lambda a, r: a.shape != (2,), "Give two numbers, one per value of the batch."),
        ),
        explanation="μ_B = 2, σ²_B = 1, so x̂ = [−1, 1] and y = 3·x̂ − 1 = [−4, 2].",
    ),
    Exercise(
        id="08.4",
        kind="number",
        answer=lambda: (
            layers.Conv2D(32, 3).count_params((14, 14, 16))
            - layers.Conv2D(32, 3, use_bias=False).count_params((14, 14, 16))
        ),
        hint="Which of the layer's parameters does BN make redundant? Count only those.",
        mistakes=(
            (
                lambda a, r: a == layers.Conv2D(32, 3).count_params((14, 14, 16)),
                "That is the whole layer: the kernels' "
                "weights still matter, only one kind of parameter is redundant.",
            ),
            (lambda a, r: a == 3 * 3 * 16 * 32, "Those are the kernels' weights, which BN does not cancel."),
        ),
        explanation=lambda r: (
            f"One bias per kernel: {r}. BN subtracts each channel's mean, bias included, so "
            f"Conv2D(32, 3, use_bias=False) gives the same outputs after BN with {r} fewer parameters."
        ),
    ),
    Exercise(
        id="08.5",
        kind="array",
        answer=_explorer_statistics,
        hint="Adding the same number to every value moves the mean and leaves the distances between values alone; "
        "multiplying every value by a number multiplies every distance to the mean by it. What does each do to "
        "the mean, and to the squared distances?",
        mistakes=(
            (
                lambda a, r: a.shape == (2,) and a[1] < 0,
                "A variance is an average of squares: it is never negative, whatever the sign of γ.",
            ),
            (
                lambda a, r: _near(a, [r[0], 2.0], 1),
                "γ multiplies every distance to the mean by 2 (and flips its sign): the squared distances grow more.",
            ),
            (
                lambda a, r: a.shape == (2,) and abs(a[0]) < 0.01,
                "That is the mean of x̂; the layer outputs y = γ·x̂ + β.",
            ),
            (
                lambda a, r: _near(a, [-2.0, r[1]], 1) or _near(a, [-1.0, r[1]], 1),
                "Multiplying by γ leaves a mean of 0 at 0; the mean moves only with β.",
            ),
            (lambda a, r: a.shape != (2,), "Give two numbers: [mean, variance]."),
        ),
        explanation=lambda r: (
            f"mean(γ·x̂ + β) = γ·mean(x̂) + β = β = {r[0]:g}, and var(γ·x̂ + β) = γ²·var(x̂) = 4 · 1 = {r[1]:g}: "
            "β shifts every value, which moves the mean but not the spread, and γ = −2 flips the values and "
            "doubles every distance to the mean, which multiplies the variance by 4. "
            "With the default ε = 0.001 the variance is a little below 4: var(x̂) = σ²_B/(σ²_B + ε) < 1."
        ),
    ),
]
