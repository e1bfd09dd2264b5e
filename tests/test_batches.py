"""``fit``, ``evaluate`` and ``predict`` on a Python generator or a ``keras.utils.PyDataset`` of
``(x, y)`` batches, with ``steps_per_epoch`` / ``validation_steps`` / ``steps`` as in Keras; wrong
batches are named by their number."""

import warnings

import numpy as np
import pytest

from cnnviz import keras

RULE = np.array([1.0, -1.0, 0.5, 0.0], dtype=np.float32)  # the class: is x · RULE positive?


def _batch(rng, n=16):
    x = rng.standard_normal((n, 4)).astype(np.float32)
    return x, (x @ RULE > 0).astype(int)


def _model():
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Batches(keras.utils.PyDataset):
    def __init__(self, count=6, seed=0):
        super().__init__()
        self.data = [_batch(np.random.default_rng(seed + k)) for k in range(count)]
        self.ends = 0

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index]

    def on_epoch_end(self):
        self.ends += 1


def test_fit_learns_from_an_endless_generator_with_steps_per_epoch():
    rng = np.random.default_rng(1)

    def batches():
        while True:
            yield _batch(rng)

    model = _model()
    history = model.fit(batches(), steps_per_epoch=20, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and history.history["accuracy"][-1] > 0.85  # chance: 0.5
    x, y = _batch(np.random.default_rng(99), 200)
    assert model.evaluate(x, y, verbose=0)[1] > 0.85


def test_a_pydataset_gives_len_batches_an_epoch_and_hears_each_epoch_end():
    data, model = Batches(), _model()
    history = model.fit(data, epochs=4, validation_data=Batches(seed=50), verbose=0)
    assert data.ends == 4 and history.history["val_accuracy"][-1] > 0.8
    loss, _ = model.evaluate(Batches(seed=50), verbose=0)
    assert loss == pytest.approx(history.history["val_loss"][-1], rel=1e-6)
    x = np.concatenate([xb for xb, _ in Batches(seed=50).data])
    np.testing.assert_allclose(model.predict(Batches(seed=50), verbose=0), model.predict(x, verbose=0))
    assert keras.utils.Sequence is keras.utils.PyDataset  # Keras 2's name


def test_a_generator_that_runs_out_stops_training_with_a_warning_as_keras_does():
    def three():
        for _ in range(3):
            yield _batch(np.random.default_rng(0))

    with pytest.warns(UserWarning, match="ran out of data"):
        history = _model().fit(three(), epochs=5, verbose=0)
    assert len(history.history["loss"]) == 1  # the first epoch read it to its end


@pytest.mark.parametrize(
    "batch, error, words",
    [
        (
            (np.zeros((4, 5), np.float32), np.zeros(4, int)),
            ValueError,
            r"batch 0 of the generator or PyDataset: .*\(4, 5\)",
        ),
        ((np.zeros((4, 4), np.float32), np.zeros(3, int)), ValueError, "batch 0.*4 inputs and 3 labels"),
        (np.zeros((4, 4)), TypeError, r"as a tuple \(x, y\); batch 0 is ndarray"),
        ((np.zeros((4, 4)), np.zeros(4, int), np.ones(4)), ValueError, "sample weights"),
    ],
)
def test_a_wrong_batch_is_named(batch, error, words):
    def batches():
        while True:
            yield batch

    model = _model()
    weights = model.get_weights() if model.built_input_shape else None
    with pytest.raises(error, match=words):
        model.fit(batches(), steps_per_epoch=2, verbose=0)
    if weights is not None:
        assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


def test_keras_rules_for_streams_are_kept():
    def batches():
        while True:
            yield _batch(np.random.default_rng(0))

    model = _model()
    with pytest.raises(ValueError, match="y must be None"):
        model.fit(batches(), np.zeros(16), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="validation_split only with arrays"):
        model.fit(batches(), steps_per_epoch=1, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="steps only with a generator"):
        model.evaluate(*_batch(np.random.default_rng(0)), steps=2, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(batches(), steps_per_epoch=0, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.evaluate(batches(), steps=3, verbose=0)  # an endless generator, read for 3 batches
