"""The trained lecture CNN that ships with cnnviz (``cnnviz.pretrained``).

Nothing here trains: retraining (``python -m cnnviz.pretrained``) takes minutes. The
accuracy test reads MNIST's test images from the course's offline copy (``$CNNVIZ_DATA_DIR``,
else ``shared/data`` beside the repository) and is skipped where that is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import PIL.Image
import PIL.ImageDraw
import pytest

from cnnviz import datasets, keras, pretrained
from cnnviz.digits import mnist_style

SHARED = Path(os.environ.get(datasets.ENV_VAR) or Path(__file__).resolve().parents[2] / "shared" / "data")
needs_mnist = pytest.mark.skipif(
    not (SHARED / "mnist").is_dir(), reason=f"the offline copies of MNIST are not in {SHARED}"
)


def test_the_shipped_model_is_small_and_loads_with_load_model():
    assert pretrained.WEIGHTS.is_file()
    assert pretrained.WEIGHTS.stat().st_size < 200_000  # 20,490 float32 weights and a JSON description
    model = keras.models.load_model(pretrained.WEIGHTS)
    assert model.count_params() == 20_490

    def architecture(m):
        return [(type(layer).__name__, layer.get_config()) for layer in m.layers]

    assert architecture(model) == architecture(pretrained.lecture_cnn())
    assert all(w.dtype == np.float32 and np.isfinite(w).all() for w in model.get_weights())


def test_load_lecture_cnn_is_compiled_and_predicts_probabilities():
    model = pretrained.load_lecture_cnn()
    x = np.zeros((2, 28, 28, 1), dtype=np.float32)
    probabilities = model.predict(x)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    loss, accuracy = model.evaluate(x, np.array([0, 1]), verbose=0)  # compiled: evaluate works
    assert np.isfinite(loss) and 0 <= accuracy <= 1


@needs_mnist
def test_the_test_accuracy_is_the_stated_figure():
    (_, _), (x_test, y_test) = datasets.load_mnist(data_dir=SHARED, progressbar=False)
    model = pretrained.load_lecture_cnn()
    _, accuracy = model.evaluate(pretrained.scale(x_test), y_test, batch_size=500, verbose=0)
    assert pretrained.TEST_ACCURACY >= 0.985
    assert abs(accuracy - pretrained.TEST_ACCURACY) <= 0.001, (
        f"test accuracy {accuracy:.4f}, the module states {pretrained.TEST_ACCURACY:.4f}"
    )


def drawn(*lines, width=20, size=280):
    """A digit drawn like on the pad (white strokes on black), prepared the MNIST way."""
    image = PIL.Image.new("L", (size, size), 0)
    draw = PIL.ImageDraw.Draw(image)
    for points in lines:
        draw.line(points, fill=255, width=width, joint="curve")
    return mnist_style(np.asarray(image) / 255.0)[None, :, :, None]  # (1, 28, 28, 1)


@pytest.mark.parametrize(
    ("label", "lines"),
    [
        (1, [[(140, 40), (135, 240)]]),
        (7, [[(60, 50), (220, 50), (120, 250)]]),
        (4, [[(150, 30), (60, 170), (220, 170)], [(170, 90), (170, 260)]]),
    ],
)
def test_digits_drawn_on_the_pad_are_recognised(label, lines):
    model = pretrained.load_lecture_cnn()
    assert model.predict(drawn(*lines)).argmax() == label


def test_scale_explains_a_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N, 28, 28\); received shape \(28, 28\).*image\[None\]"):
        pretrained.scale(np.zeros((28, 28), dtype=np.uint8))
