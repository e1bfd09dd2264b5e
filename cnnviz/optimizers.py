"""Optimizers with Keras' names and update rules; each updates the weights in place.

SGD, for each weight p with gradient g (learning rate η, momentum μ):

    v ← μ·v − η·g;   p ← p + v                  (Nesterov: p ← p + μ·v − η·g)

With μ = 0 this is plain gradient descent, p ← p − η·g.

Adam keeps running averages of g and g² (β₁, β₂) and divides by the square
root of the second, with bias correction:

    m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
    p ← p − η · √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)

Updates happen in place, in the weights' own dtype (float32): a network with a
400 MB weight matrix does not need another 400 MB for a temporary copy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SGD", "Adam", "Optimizer", "get"]


class Optimizer:
    """Base class: ``apply(layers)`` updates every trainable weight from its gradient."""

    def __init__(self, learning_rate):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; received learning_rate={learning_rate!r}.")
        self.learning_rate = float(learning_rate)
        self.state = {}  # per weight (by id): momentum buffers and the like
        self.iterations = 0

    def apply(self, layers):
        self.iterations += 1
        for layer in layers:
            for name in layer.trainable_names:
                if name in layer.grads:
                    self.update(layer.params[name], layer.grads[name], (id(layer), name))

    def update(self, p, g, key):  # pragma: no cover - each optimizer defines it
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1); received momentum={momentum!r}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def update(self, p, g, key):
        g = g.astype(p.dtype, copy=False)
        if self.momentum == 0:
            p -= self.learning_rate * g if g.size < 1_000_000 else _scaled_in_place(g, self.learning_rate)
            return
        v = self.state.setdefault(key, np.zeros_like(p))
        v *= self.momentum
        v -= self.learning_rate * g  # v ← μ·v − η·g
        if self.nesterov:
            p += self.momentum * v - self.learning_rate * g
        else:
            p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with Keras' defaults."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def update(self, p, g, key):
        g = g.astype(p.dtype, copy=False)
        m = self.state.setdefault((*key, "m"), np.zeros_like(p))
        v = self.state.setdefault((*key, "v"), np.zeros_like(p))
        m *= self.beta_1
        m += (1 - self.beta_1) * g
        v *= self.beta_2
        v += (1 - self.beta_2) * (g * g)
        t = self.iterations
        step = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        p -= step * m / (np.sqrt(v) + self.epsilon)


def _scaled_in_place(g, factor):
    """g · factor, computed in g's own buffer (g is a fresh gradient, not needed afterwards)."""
    g *= factor
    return g


def get(optimizer):
    """An optimizer object from itself or from its name ("sgd", "adam")."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    names = {"sgd": SGD, "adam": Adam}
    if isinstance(optimizer, str) and optimizer.lower() in names:
        return names[optimizer.lower()]()
    raise ValueError(
        f"Unknown optimizer {optimizer!r}; expected one of {sorted(names)} or an optimizer object."
    )
