"""Optimizers with Keras' names and update rules; each updates the weights in place.

SGD, for each weight p with gradient g (learning rate η, momentum μ):

    v ← μ·v − η·g;   p ← p + v                  (Nesterov: p ← p + μ·v − η·g)

With μ = 0 this is plain gradient descent, p ← p − η·g.

Adam keeps running averages of g and g² (β₁, β₂) and divides by the square
root of the second, with bias correction:

    m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
    p ← p − η · √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)

RMSprop divides by a running root mean square of g (ρ), with optional momentum:

    s ← ρ·s + (1 − ρ)·g²;   p ← p − η · g / √(s + ε)

Nadam is Adam with Nesterov momentum; AdamW is Adam with decoupled weight decay λ: before each Adam step, p ← p − η·λ·p.

Adagrad adds up every squared gradient, a ← a + g², and steps p ← p − η·g/√(a + ε); Adadelta
keeps running averages of g² and of its own steps², Δ = −√(d + ε)/√(s + ε)·g, p ← p + η·Δ;
Adamax is Adam with the largest recent |g|, u ← max(β₂·u, |g|), p ← p − η/(1 − β₁ᵗ)·m/(u + ε).

Keras' defaults throughout: learning rates 0.01 (SGD) and 0.001 (the others), ε = 1e-7.

One step, in the open (cs231n's ``update(w, dw, config)``): ``optimizer.step(pairs)`` takes
``{key: (p, g)}``, a weight and its gradient under a key that names the weight's state
(momentum, Adam's averages), counts the step, t = 1, 2, ..., and calls
``update(p, g, key, t)`` for each pair. Every rule computes from the t it is given and
never writes into g. ``apply(layers)`` is ``step`` with the pairs of every trainable
weight of ``layers`` (``trainable_pairs``).

Updates happen in place, in the weights' own dtype (float32): a network with a
400 MB weight matrix does not need another 400 MB for a temporary copy.
"""

from __future__ import annotations

import inspect

import numpy as np

from ._checks import check_range, lookup

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "get",
    "nadam_factors",
    "trainable_pairs",
]


def trainable_pairs(layers):
    """``{(id(layer), name): (weight, gradient)}`` for every trainable weight of ``layers`` with a gradient.

    The key names the weight for as long as its layer lives, so an optimizer finds the
    weight's state (momentum, Adam's averages) under it at every step.
    """
    return {
        (id(layer), name): (layer.params[name], layer.grads[name])
        for layer in layers
        for name in layer.trainable_names
        if name in layer.grads
    }


_RATE = {"low": 0, "high": 1, "high_open": True}  # a decay rate or momentum: 0 ≤ value < 1
_NONNEGATIVE = {"low": 0}

# Every hyperparameter's range, once: each optimizer checks its arguments against it (``_keep``).
RANGES = {
    "learning_rate": {"low": 0, "low_open": True},  # η > 0
    "momentum": _RATE,  # μ
    "beta_1": _RATE,  # β₁
    "beta_2": _RATE,  # β₂
    "rho": _RATE,  # ρ
    "epsilon": _NONNEGATIVE,  # ε
    "weight_decay": _NONNEGATIVE,  # λ
    "initial_accumulator_value": _NONNEGATIVE,
}


class Optimizer:
    """Base class: ``step({key: (p, g)})`` updates each weight p from its gradient g.

    ``learning_rate`` may be changed between steps (``LearningRateScheduler`` does).
    ``iterations`` counts the steps taken.
    """

    def __init__(self, learning_rate, **hyperparameters):
        self._keep(learning_rate=learning_rate, **hyperparameters)
        self.state = {}  # per weight (by its key): momentum buffers and the like
        self.iterations = 0

    def _keep(self, **hyperparameters):
        """Check each hyperparameter against its range in ``RANGES`` and keep it under its name."""
        for name, value in hyperparameters.items():
            setattr(self, name, check_range(type(self).__name__, name, value, **RANGES[name]))

    def step(self, pairs):
        """One step: each weight p of ``pairs`` (``{key: (p, g)}``) moves, in place, by its gradient g."""
        if not isinstance(pairs, dict):
            raise TypeError(
                f"{type(self).__name__}.step expects a dict {{key: (weight, gradient)}}; "
                f"received {type(pairs).__name__}."
            )
        self.iterations += 1
        t = self.iterations  # this step's number: 1 on the first
        for key, (p, g) in pairs.items():
            self.update(p, g.astype(p.dtype, copy=False), key, t)  # g in the weight's dtype (float32)

    def apply(self, layers):
        """One step for every trainable weight of ``layers`` that has a gradient (``layer.grads``)."""
        self.step(trainable_pairs(layers))

    def update(self, p, g, key, t):  # pragma: no cover - each optimizer defines it
        """p, in place, after step t with gradient g (in p's dtype); the weight's state lives under ``key``; g is only read."""
        raise NotImplementedError

    def get_config(self):
        """The constructor's arguments: ``type(self)(**config)`` makes a fresh optimizer like this one."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        values = {p: getattr(self, p) for p in names}
        # a learning rate set by hand may be a numpy number (np.float32(0.01)): a saved model stores plain ones
        return {p: v.item() if isinstance(v, np.generic) else v for p, v in values.items()}

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate, momentum=momentum)
        self.nesterov = bool(nesterov)

    def update(self, p, g, key, t):
        if self.momentum == 0:
            _subtract_scaled(p, self.learning_rate, g)  # p ← p − η·g
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
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)

    def moments(self, p, g, key):
        """The running averages after this step: m ← β₁·m + (1 − β₁)·g and v ← β₂·v + (1 − β₂)·g²."""
        m = self.state.setdefault((*key, "m"), np.zeros_like(p))
        v = self.state.setdefault((*key, "v"), np.zeros_like(p))
        m *= self.beta_1
        m += (1 - self.beta_1) * g  # m ← β₁·m + (1 − β₁)·g
        v *= self.beta_2
        v += (1 - self.beta_2) * (g * g)  # v ← β₂·v + (1 − β₂)·g²
        return m, v

    def update(self, p, g, key, t):
        m, v = self.moments(p, g, key)
        step = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        p -= step * m / (np.sqrt(v) + self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p ← p − η·λ·p before each step."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self._keep(weight_decay=weight_decay)

    def update(self, p, g, key, t):
        p *= 1 - self.learning_rate * self.weight_decay  # p ← p − η·λ·p, as Keras applies it
        super().update(p, g, key, t)


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat, 2016), as Keras computes it.

    With u_t = β₁·(1 − ½·0.96ᵗ) and Π_t = u_1···u_t (``nadam_factors``):
    p ← p − η · (u_{t+1}·m / (1 − Π_{t+1}) + (1 − u_t)·g / (1 − Π_t)) / (√(v / (1 − β₂ᵗ)) + ε)
    """

    def update(self, p, g, key, t):
        m, v = self.moments(p, g, key)
        u_t, u_next, u_product = nadam_factors(self.beta_1, t)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - self.beta_2**t)
        p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e) with Keras' defaults: divide by a running RMS of the gradient."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7):
        super().__init__(learning_rate, rho=rho, momentum=momentum, epsilon=epsilon)

    def update(self, p, g, key, t):
        s = self.state.setdefault((*key, "s"), np.zeros_like(p))
        s *= self.rho
        s += (1 - self.rho) * (g * g)  # s ← ρ·s + (1 − ρ)·g²
        increment = self.learning_rate * g / np.sqrt(s + self.epsilon)  # η · g / √(s + ε)
        if self.momentum:
            buffer = self.state.setdefault((*key, "momentum"), np.zeros_like(p))
            buffer *= self.momentum
            buffer += increment
            increment = buffer
        p -= increment


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011) with Keras' defaults: each weight's step shrinks as its squared gradients add up."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        super().__init__(learning_rate, initial_accumulator_value=initial_accumulator_value, epsilon=epsilon)

    def update(self, p, g, key, t):
        a = self.state.setdefault((*key, "a"), np.full_like(p, self.initial_accumulator_value))
        a += g * g  # a ← a + g²: every step's squared gradient, added up
        p -= self.learning_rate * g / np.sqrt(a + self.epsilon)  # p ← p − η · g / √(a + ε)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012) with Keras' defaults: steps sized by running averages of g² and of past steps²."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7):
        super().__init__(learning_rate, rho=rho, epsilon=epsilon)

    def update(self, p, g, key, t):
        s = self.state.setdefault((*key, "s"), np.zeros_like(p))  # running average of g²
        d = self.state.setdefault((*key, "d"), np.zeros_like(p))  # running average of the steps²
        s *= self.rho
        s += (1 - self.rho) * (g * g)  # s ← ρ·s + (1 − ρ)·g²
        step = -np.sqrt(d + self.epsilon) / np.sqrt(s + self.epsilon) * g  # Δ = −√(d + ε)/√(s + ε) · g
        d *= self.rho
        d += (1 - self.rho) * (step * step)  # d ← ρ·d + (1 − ρ)·Δ²
        p += self.learning_rate * step  # p ← p + η·Δ


class Adamax(Adam):
    """Adamax (Kingma & Ba, 2015, section 7.1) with Keras' defaults: Adam with the largest |g| instead of √v."""

    def update(self, p, g, key, t):
        m = self.state.setdefault((*key, "m"), np.zeros_like(p))
        u = self.state.setdefault((*key, "u"), np.zeros_like(p))
        m += (1 - self.beta_1) * (g - m)  # m ← β₁·m + (1 − β₁)·g
        np.maximum(self.beta_2 * u, np.abs(g), out=u)  # u ← max(β₂·u, |g|)
        p -= (
            self.learning_rate * m / ((1 - self.beta_1**t) * (u + self.epsilon))
        )  # p ← p − η/(1 − β₁ᵗ) · m/(u + ε)


def nadam_factors(beta_1, t):
    """Nadam's factors of step t: ``(u_t, u_{t+1}, Π_t)``, a function of β₁ and t alone.

    u_t = β₁·(1 − ½·0.96ᵗ) and Π_t = u_1·u_2···u_t, multiplied in that order.

    >>> u_1, u_2, product = nadam_factors(0.9, 1)
    >>> round(u_1, 6), round(u_2, 6), product == u_1
    (0.468, 0.48528, True)
    """
    products = _NADAM_PRODUCTS.setdefault(beta_1, [1.0])  # Π_0, Π_1, ...: each computed once
    while len(products) <= t:
        products.append(products[-1] * _nadam_u(beta_1, len(products)))
    return _nadam_u(beta_1, t), _nadam_u(beta_1, t + 1), products[t]


def _nadam_u(beta_1, t):
    return beta_1 * (1 - 0.5 * 0.96**t)  # u_t = β₁·(1 − ½·0.96ᵗ)


_NADAM_PRODUCTS = {}  # β₁ → [Π_0, Π_1, ...]: nadam_factors' memo, so that step t needs no loop over t factors


def _subtract_scaled(p, factor, g, block=1_000_000):
    """p ← p − factor·g in place, leaving g alone.

    A large weight is done ``block`` numbers at a time, so the temporary factor·g takes at
    most 4 MB (float32) instead of another copy of the weight.
    """
    if g.size <= block or not (p.flags.c_contiguous and g.flags.c_contiguous):
        p -= factor * g
        return
    p_flat, g_flat = p.reshape(-1), g.reshape(-1)  # views: both are contiguous
    for start in range(0, p_flat.size, block):
        p_flat[start : start + block] -= factor * g_flat[start : start + block]


OPTIMIZERS = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": Nadam,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adamax": Adamax,
}


def get(optimizer):
    """An optimizer object from itself or from its name ("sgd", "adam", "rmsprop", ...), with Keras' defaults."""
    return lookup("optimizer", optimizer, OPTIMIZERS, where="compile", base=Optimizer)
