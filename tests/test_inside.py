"""Inside a trained CNN (cnnviz.inside): receptive boxes agree with the architectures' receptive
fields, and every explanation's numbers add up to the value it explains."""

import re

import numpy as np
import pytest

from cnnviz import architectures, inside, keras
from cnnviz.keras import layers


def lecture_like(seed=0):
    return keras.models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(12, 12, 1)),
            layers.MaxPooling2D(2),
            layers.Conv2D(6, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(8, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )


def outputs_of(model, x):
    return [x, *(out[0] for out in model.forward(x[None], keep=True))]


def test_boxes_have_the_receptive_field_of_the_architectures_module():
    model = lecture_like()
    fields = architectures.receptive_fields(model)
    for node, row, col in ((0, 4, 4), (1, 2, 2), (2, 2, 2)):
        box = inside.receptive_boxes(model, node, row, col)[0]
        assert box[1] - box[0] == box[3] - box[2] == fields[node][0]  # an interior cell: the full field
    assert inside.receptive_boxes(model, 4, 0, 0)[0] == (
        0,
        8,
        0,
        8,
    )  # at the edge the same-padding reads zeros
    assert inside.receptive_boxes(model, 6, 0, 0)[0] == (0, 12, 0, 12)  # a dense unit reads everything


NUMBER = r"(−?\d+(?:\.\d+)?(?:e[+−-]?\d+)?)"


def _f(text):
    return float(text.replace("−", "-"))


def _check_arithmetic(text, value):
    """Every line that states a result is right, and the explained value is the last result."""
    results = []
    for line in text.splitlines()[1:]:
        if m := re.search(rf"sum of the products {NUMBER} \+ bias {NUMBER} = {NUMBER}", line):
            a, b, z = map(_f, m.groups())
            assert a + b == pytest.approx(z, rel=1e-3, abs=1e-3)
            results.append(z)
        elif m := re.search(rf"^z = {NUMBER} \+ bias {NUMBER} = {NUMBER}", line):
            a, b, z = map(_f, m.groups())
            assert a + b == pytest.approx(z, rel=1e-3, abs=1e-3)
            results.append(z)
        elif m := re.search(rf"max\({NUMBER}, 0\) = {NUMBER}", line):
            z, v = map(_f, m.groups())
            assert max(z, 0.0) == pytest.approx(v, abs=1e-3)
            results.append(v)
        elif m := re.search(rf"max of the window's cells \[(.*)\] = {NUMBER}", line):
            cells = [_f(v) for v in m.group(1).split(", ")]
            assert max(cells) == _f(m.group(2))
            results.append(_f(m.group(2)))
        elif m := re.search(rf"^p_\d+ = {NUMBER} / {NUMBER} = {NUMBER}", line):
            a, b, p = map(_f, m.groups())
            assert a / b == pytest.approx(p, rel=2e-3)
            results.append(p)
        elif m := re.search(rf"= {NUMBER}   \(moving averages", line):
            results.append(_f(m.group(1)))
    if results:
        assert results[-1] == pytest.approx(value, rel=2e-3, abs=1e-3)


@pytest.mark.parametrize("node", range(8))
def test_every_explanation_adds_up_to_its_value(rng, node):
    model = lecture_like()
    x = rng.random((12, 12, 1)).astype(np.float32)
    outs = outputs_of(model, x)
    y = outs[node + 1]
    index = tuple(int(v) for v in np.unravel_index(int(np.argmax(y)), y.shape))
    text = inside.explain(model, outs, node, index)
    assert text.splitlines()[0].endswith(f"= {inside._n(float(y[index]))}")
    _check_arithmetic(text, float(y[index]))
    if node in (0, 2, 4, 6, 7):
        assert len(text.splitlines()) >= 2  # written out, not only stated


def test_a_convolution_cell_is_written_out_product_by_product(rng):
    model = keras.models.Sequential([layers.Conv2D(1, 2, input_shape=(3, 3, 1))], seed=0)
    x = np.arange(9, dtype=np.float32).reshape(3, 3, 1)
    model.set_weights([np.array([1, 2, 3, 4], np.float32).reshape(2, 2, 1, 1), np.array([0.5], np.float32)])
    text = inside.explain(model, outputs_of(model, x), 0, (1, 1, 0))
    assert "channel 0: 4·1 + 5·2 + 7·3 + 8·4 = 67" in text
    assert "sum of the products 67 + bias 0.5 = 67.5" in text


def test_branches_are_refused():
    a = keras.Input((4, 4, 1))
    model = keras.Model(a, layers.Add()([a, layers.Conv2D(1, 1)(a)]))
    with pytest.raises(ValueError, match="has a branch or merge at layer 'add'"):
        inside.receptive_boxes(model, 1, 0, 0)
