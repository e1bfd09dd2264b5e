"""``keras.utils.plot_model``: Keras' arguments, a file written, every layer and arrow drawn, wrong use refused."""

import numpy as np
import pytest
from PIL import Image

from cnnviz import architectures, keras
from cnnviz.keras.utils import plot_model
from cnnviz.plot.model import show_model_graph


def _shortcut():
    x = keras.Input((8, 8, 4))
    y = keras.layers.add([x, keras.layers.Conv2D(4, 3, padding="same")(x)])
    return keras.Model(x, keras.layers.Flatten()(y))


def test_plot_model_takes_keras_arguments_in_keras_order(tmp_path):
    import inspect

    names = list(inspect.signature(plot_model).parameters)
    assert names[:10] == [
        "model", "to_file", "show_shapes", "show_dtype", "show_layer_names", "rankdir",
        "expand_nested", "dpi", "show_layer_activations", "show_trainable",
    ]
    defaults = {k: v.default for k, v in inspect.signature(plot_model).parameters.items()}
    assert defaults["to_file"] == "model.png" and defaults["dpi"] == 200 and defaults["rankdir"] == "TB"


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_every_layer_is_a_box_and_every_connection_an_arrow(rankdir):
    model = _shortcut()
    fig = show_model_graph(model, show_shapes=True, show_layer_names=True, rankdir=rankdir)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    assert len(texts) == len(model.nodes)
    assert any("add" in t and "(None, 8, 8, 4), (None, 8, 8, 4)" in t for t in texts)
    assert any("out: (None, 256)" in t for t in texts)
    arrows = [t for t in ax.texts if not t.get_text()]  # annotations without text: the arrow heads
    assert len(arrows) == sum(len(node.inputs) for node in model.nodes)
    assert len(ax.lines) == 1  # the one shortcut runs in a lane beside the convolution


def test_the_file_is_written_and_shown_inline(tmp_path):
    path = tmp_path / "net.png"
    image = plot_model(architectures.unet(depth=3), to_file=str(path), dpi=40)
    with Image.open(path) as picture:
        assert picture.size[1] > picture.size[0]  # top to bottom: taller than wide
    assert image is not None and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_model(_shortcut(), to_file=tmp_path / "net.svg") is None
    assert (tmp_path / "net.svg").read_text().lstrip().startswith("<?xml")


def test_the_boxes_do_not_overlap():
    fig = show_model_graph(architectures.unet(depth=3))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    boxes = [t.get_bbox_patch().get_window_extent(canvas.get_renderer()) for t in fig.axes[0].texts if t.get_text()]
    for k, a in enumerate(boxes):
        assert 0 <= a.x0 and a.x1 <= fig.bbox.width and 0 <= a.y0 and a.y1 <= fig.bbox.height
        for b in boxes[k + 1 :]:
            assert not a.overlaps(b)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"model": "net"}, TypeError, "received str"),
        ({"rankdir": "BT"}, ValueError, "received 'BT'"),
        ({"to_file": "model.gif"}, ValueError, "to_file='model.gif'"),
        ({"dpi": 0}, ValueError, "dpi=0"),
        ({"show_shape": True}, TypeError, "show_shape"),
    ],
)
def test_wrong_use_is_named(kwargs, error, words, tmp_path):
    arguments = {"model": _shortcut(), "to_file": str(tmp_path / "m.png"), **kwargs}
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        plot_model(**arguments)


def test_a_model_without_a_known_input_shape_is_refused(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="has not been built"):
        plot_model(model, to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()
    np.testing.assert_equal(len(model.layers), 1)
