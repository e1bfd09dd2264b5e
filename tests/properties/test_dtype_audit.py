"""A float32 training step stays in float32: no float64 array bigger than a little bookkeeping.

float64 is numpy's default (``np.zeros(shape)``, ``np.ones``, a Python list of floats), and
one such temporary in a float32 step doubles that array's memory traffic and then drags
the arrays it touches to float64 too, silently. Two nets catch it:

* every numpy function that a cnnviz module calls goes through a spy that records each
  float64 array it returns (the module's ``np`` is replaced for the step);
* every array a layer keeps after the step (weights, gradients, what its forward pass
  cached for the backward pass) and the optimizer's state is float32.
"""

import sys
import traceback
import types

import numpy as np
import pytest

from cnnviz import keras

# float64 arrays smaller than one input image (12·12·1 values) are allowed: per-channel bookkeeping,
# such as batch norm's per-block partial sums (blocks × 2 × C), which it adds up in float64 on
# purpose; every batch-sized array (16 samples × at least 10 values) is larger
SMALL = 12 * 12 * 1


class NumpySpy:
    """Stands in for ``numpy`` in a module: calls through, and records big float64 results."""

    def __init__(self, target, name, found):
        self._target, self._name, self._found = target, name, found

    def __call__(self, *args, **kwargs):
        result = self._target(*args, **kwargs)
        for value in result if isinstance(result, tuple) else (result,):
            if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.size > SMALL:
                calls = [f"{f.filename}:{f.lineno}" for f in traceback.extract_stack()]
                where = [call for call in calls if "cnnviz" in call][-1:]
                self._found.append(f"{self._name} -> float64 {value.shape} at {where}")
        return result

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if isinstance(value, type) or not (callable(value) or isinstance(value, types.ModuleType)):
            return value  # dtypes, classes (isinstance checks need the real ones) and constants
        return NumpySpy(value, f"{self._name}.{name}", self._found)


def small_cnn():
    K = keras.layers
    return keras.models.Sequential(
        [
            K.Conv2D(8, 3, padding="same", activation="relu", input_shape=[12, 12, 1]),
            K.MaxPooling2D(2),
            K.Conv2D(16, 3, strides=2, padding="same"),
            K.BatchNormalization(),
            K.Activation("relu"),
            K.Conv2D(12, 1),
            K.Dropout(0.2, seed=1),
            K.Flatten(),
            K.Dense(10, activation="softmax"),
        ],
        seed=0,
    )


def float_arrays(value):
    """Every float array in a cache (dicts, lists and tuples searched)."""
    if isinstance(value, np.ndarray):
        return [value] if value.dtype.kind == "f" else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in float_arrays(v)]
    return []


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_float32_training_step_makes_no_float64_arrays(monkeypatch, rng, optimizer):
    model = small_cnn()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    x = rng.random((16, 12, 12, 1), dtype=np.float32)
    y = rng.integers(0, 10, 16)
    model.train_on_batch(x, y)  # builds the weights and the optimizer's state
    found = []
    spy = NumpySpy(np, "np", found)
    for name, module in list(sys.modules.items()):
        if name.startswith("cnnviz") and getattr(module, "np", None) is np:
            monkeypatch.setattr(module, "np", spy)
    model.train_on_batch(x, y)
    monkeypatch.undo()
    assert found == []
    for layer in model.layers:
        kept = {
            "params": layer.params,
            "grads": layer.grads,
            "cache": getattr(layer, "_cache", None),
            "activation cache": getattr(layer, "_act_cache", None),
        }
        for what, value in kept.items():
            dtypes = {a.dtype for a in float_arrays(value)}
            assert dtypes <= {np.dtype(np.float32)}, f"{layer.name} {what}: {dtypes}"
    assert {a.dtype for a in float_arrays(model.optimizer.state)} <= {np.dtype(np.float32)}


def test_the_spy_sees_a_float64_temporary(monkeypatch, rng):
    """The audit itself: a float64 temporary in a float32 step is reported."""
    from cnnviz import conv

    found = []
    monkeypatch.setattr(conv, "np", NumpySpy(np, "np", found))
    conv.conv2d_forward(rng.random((2, 5, 5, 1), dtype=np.float32), np.ones((3, 3, 1, 2), np.float32))
    assert found == []
    conv.np.zeros((16, 12, 12, 1))  # what a slip like np.zeros(x.shape) inside the step would make
    assert len(found) == 1 and "float64 (16, 12, 12, 1)" in found[0]
