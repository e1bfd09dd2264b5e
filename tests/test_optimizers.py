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
    epochs = (
        40 if optimizer == "adadelta" else 5
    )  # Adadelta's first steps are tiny (about √ε): it starts slowly
    history = model.fit(x, y, epochs=epochs, batch_size=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.85


def test_nadam_follows_keras_equations_with_its_factors_from_the_step_count():
    """Keras' Nadam: u_t = β₁(1 − ½·0.96ᵗ), Π_t = u_1···u_t, the step from u_{t+1}·m and (1 − u_t)·g."""
    opt = optimizers.Nadam(learning_rate=0.01)
    w, m, v, product = np.array(W0), np.zeros(3), np.zeros(3), 1.0
    for t, g in enumerate(map(np.array, GRADIENTS), start=1):
        u_t, u_next = 0.9 * (1 - 0.5 * 0.96**t), 0.9 * (1 - 0.5 * 0.96 ** (t + 1))
        product *= u_t
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        w = w - 0.01 * m_hat / (np.sqrt(v / (1 - 0.999**t)) + 1e-7)
    np.testing.assert_allclose(run(opt, GRADIENTS, W0), w, rtol=1e-12)


def test_nadam_factors_depend_on_beta_1_and_the_step_alone():
    u_1, u_2, product_1 = optimizers.nadam_factors(0.9, 1)
    assert (u_1, product_1) == (0.9 * (1 - 0.5 * 0.96), u_1)
    u_3, _, product_3 = optimizers.nadam_factors(0.9, 3)
    assert product_3 == u_1 * u_2 * u_3  # multiplied in step order
    assert optimizers.nadam_factors(0.9, 2) == (u_2, optimizers.nadam_factors(0.9, 3)[0], u_1 * u_2)
    assert optimizers.nadam_factors(0.5, 1)[0] == 0.5 * (1 - 0.5 * 0.96)


def test_a_step_takes_weight_gradient_pairs_counts_itself_and_never_writes_into_a_gradient():
    """SGD scaled gradients of a million numbers and more in place once: grads meant different things."""
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=1_300_000).astype(np.float32)
    g_small, g_large = (
        rng.normal(size=small.shape).astype(np.float32),
        rng.normal(size=large.shape).astype(np.float32),
    )
    before = {"small": (small.copy(), g_small.copy()), "large": (large.copy(), g_large.copy())}
    for optimizer in [
        optimizers.SGD(0.1),
        optimizers.SGD(0.1, momentum=0.9),
        optimizers.Adam(),
        optimizers.Nadam(),
    ]:
        optimizer.step({"small": (small, g_small), "large": (large, g_large)})
        assert optimizer.iterations == 1
        assert np.array_equal(g_small, before["small"][1]) and np.array_equal(g_large, before["large"][1])
    fresh = before["large"][0].copy()
    optimizers.SGD(0.1).step({"w": (fresh, g_large)})
    np.testing.assert_array_equal(
        fresh, before["large"][0] - np.float32(0.1) * g_large
    )  # p ← p − η·g, exactly
    with pytest.raises(
        TypeError, match=r"SGD.step expects a dict \{key: \(weight, gradient\)\}; received list"
    ):
        optimizers.SGD().step([(fresh, g_large)])


def test_apply_is_a_step_over_the_layers_trainable_pairs():
    layer = _Weights(np.array([1.0, 2.0]))
    layer.grads["w"] = np.array([0.5, -0.5])
    pairs = optimizers.trainable_pairs([layer])
    assert list(pairs) == [(id(layer), "w")] and pairs[(id(layer), "w")][0] is layer.params["w"]
    optimizers.SGD(learning_rate=1.0).apply([layer])
    np.testing.assert_array_equal(layer.params["w"], [0.5, 2.5])
    assert optimizers.trainable_pairs([_Weights(np.zeros(2))]) == {}  # no gradient yet: nothing to update


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: optimizers.get("ftrl"),
            ValueError,
            r"Unknown optimizer 'ftrl'; expected one of \('sgd', 'adam'",
        ),
        (lambda: optimizers.get(optimizers.SGD), TypeError, r"write SGD\(\) \(with parentheses\) or 'sgd'"),
        (
            lambda: optimizers.SGD(momentum=1),
            ValueError,
            r"SGD expects momentum in \[0, 1\); received momentum=1\.",
        ),
        (lambda: optimizers.AdamW(weight_decay=True), TypeError, "AdamW expects weight_decay as a number"),
    ],
)
def test_wrong_names_and_settings_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
