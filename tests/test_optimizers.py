"""Optimizers (cnnviz.optimizers): each update rule against its equations written out step by step in
float64, Keras' defaults, and a model that learns with each."""

import numpy as np
import pytest

from cnnviz import keras, optimizers


class _Weights:
    """A stand-in for a layer: one weight array and its gradient, as ``Optimizer.apply`` reads them."""

    trainable_names = ("w",)

    def __init__(self, w):
        self.params, self.grads = {"w": w}, {}


def run(optimizer, gradients, w0):
    layer = _Weights(np.array(w0, dtype=np.float64))
    for g in gradients:
        layer.grads["w"] = np.array(g, dtype=np.float64)
        optimizer.apply([layer])
    return layer.params["w"]


GRADIENTS = [[0.5, -2.0, 0.0], [0.1, -1.0, 3.0], [-0.4, 0.2, 1.0], [1.5, 0.0, -0.3]]
W0 = [1.0, -0.5, 0.25]


def test_adagrad_follows_its_equations_with_keras_defaults():
    opt = optimizers.Adagrad()
    assert (opt.learning_rate, opt.initial_accumulator_value, opt.epsilon) == (0.001, 0.1, 1e-7)
    w, a = np.array(W0), np.full(3, 0.1)
    for g in map(np.array, GRADIENTS):
        a = a + g**2
        w = w - 0.001 * g / np.sqrt(a + 1e-7)
    np.testing.assert_allclose(run(opt, GRADIENTS, W0), w, rtol=1e-12)


def test_adadelta_follows_its_equations_with_keras_defaults():
    opt = optimizers.Adadelta(learning_rate=1.0)
    assert (opt.rho, opt.epsilon) == (0.95, 1e-7)
    w, s, d = np.array(W0), np.zeros(3), np.zeros(3)
    for g in map(np.array, GRADIENTS):
        s = 0.95 * s + 0.05 * g**2
        step = -np.sqrt(d + 1e-7) / np.sqrt(s + 1e-7) * g
        d = 0.95 * d + 0.05 * step**2
        w = w + 1.0 * step
    np.testing.assert_allclose(run(opt, GRADIENTS, W0), w, rtol=1e-12)


def test_adamax_follows_its_equations_with_keras_defaults():
    opt = optimizers.Adamax(learning_rate=0.01)
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.9, 0.999, 1e-7)
    w, m, u = np.array(W0), np.zeros(3), np.zeros(3)
    for t, g in enumerate(map(np.array, GRADIENTS), start=1):
        m = 0.9 * m + 0.1 * g
        u = np.maximum(0.999 * u, np.abs(g))
        w = w - 0.01 / (1 - 0.9**t) * m / (u + 1e-7)
    np.testing.assert_allclose(run(opt, GRADIENTS, W0), w, rtol=1e-12)


@pytest.mark.parametrize("name", ["adagrad", "adadelta", "adamax", "Adagrad", "ADAMAX"])
def test_the_new_optimizers_by_name_and_in_keras(name):
    assert type(optimizers.get(name)).__name__.lower() == name.lower()
    assert hasattr(keras.optimizers, type(optimizers.get(name)).__name__)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: optimizers.Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
        (lambda: optimizers.Adadelta(rho=1.0), "rho"),
        (lambda: optimizers.Adamax(beta_2="0.9"), "beta_2"),
        (lambda: optimizers.Adagrad(learning_rate=0), "learning_rate"),
    ],
)
def test_the_new_optimizers_refuse_bad_settings(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()


@pytest.mark.parametrize("optimizer", ["adagrad", "adadelta", "adamax"])
def test_a_model_learns_with_each(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    model = keras.models.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    rates = {"adagrad": 0.5, "adadelta": 1.0, "adamax": 0.05}
    model.compile(optimizer=optimizers.get(optimizer).__class__(rates[optimizer]), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    epochs = 40 if optimizer == "adadelta" else 5  # Adadelta's first steps are tiny (about √ε): it starts slowly
    history = model.fit(x, y, epochs=epochs, batch_size=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.85
