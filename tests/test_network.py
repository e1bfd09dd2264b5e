"""The live network explorer (cnnviz.widgets.NetworkExplorer) driven headless, the clickable step
explorers, and the helpers behind them (cnnviz.inside.top_patches, model_input, cells_reading)."""

import io
import re

import numpy as np
import PIL.Image
import pytest
from _helpers import upload

from cnnviz import architectures, inside, keras
from cnnviz.keras import layers
from cnnviz.pretrained import load_lecture_cnn
from cnnviz.widgets import Conv2DStepExplorer, NetworkExplorer, PoolStepExplorer
from cnnviz.widgets.drawing import encode_png

NUMBER = r"−?[\d.]+(?:e[+−]?\d+)?"


def number(text):
    return float(text.replace("−", "-"))


@pytest.fixture(scope="module")
def cnn():
    return load_lecture_cnn()


@pytest.fixture(scope="module")
def digits():
    """Three MNIST-like 28×28 uint8 digits drawn by hand: a 1, a 7 and a blob."""
    one = np.zeros((28, 28), np.uint8)
    one[5:23, 13:16] = 255
    seven = np.zeros((28, 28), np.uint8)
    seven[6:9, 8:21] = 255
    for r in range(9, 23):
        seven[r, 19 - (r - 9) // 2 : 22 - (r - 9) // 2] = 255
    blob = np.zeros((28, 28), np.uint8)
    blob[10:18, 10:18] = 200
    return np.stack([one, seven, blob]), np.array([1, 7, 0])


@pytest.fixture
def explorer(cnn, digits):
    images, labels = digits
    return NetworkExplorer(cnn, images=images, labels=labels)


def stroke(points, size=280, width=20):
    """A stroke drawn on the pad's canvas, as the browser sends it (a PNG data URL)."""
    canvas = PIL.Image.new("L", (size, size), 0)
    PIL.ImageDraw.Draw(canvas).line(points, fill=255, width=width)
    return encode_png(np.asarray(canvas) / 255.0)


def click_at(explorer, node, index):
    """Press the ClickImage at the pixel where value ``index`` of ``node`` is drawn."""
    explorer.clicker.press(*explorer.picture.pixel_of(node, index))


# -- the network explorer ------------------------------------------------------------------------
import PIL.ImageDraw  # noqa: E402


def test_probabilities_are_the_models_prediction_for_the_drawing(explorer, cnn):
    explorer.pad.image = stroke([(140, 40), (140, 240)])  # a vertical stroke: a 1
    assert explorer.message == "" and explorer.source == "your drawing"
    expected = cnn.predict(explorer.pad.value[None, :, :, None], verbose=0)[0]
    np.testing.assert_allclose(explorer.probabilities, expected, rtol=1e-6, atol=1e-7)
    assert int(np.argmax(explorer.probabilities)) == 1
    assert "prediction: class 1" in explorer.picture.headline.get_text()


def test_the_test_image_picker_shows_the_image_and_its_label(explorer, cnn, digits):
    explorer.controls["image"].value = 1
    assert "true label 7" in explorer.info.value
    np.testing.assert_allclose(explorer.pad.value, digits[0][1] / 255.0, atol=1e-6)  # strokes can be added
    expected = cnn.predict(digits[0][1][None, :, :, None] / 255.0, verbose=0)[0]
    np.testing.assert_allclose(explorer.probabilities, expected, rtol=1e-5, atol=1e-7)


def test_a_convolution_explanation_recomputes_the_selected_value(explorer):
    explorer.controls["image"].value = 1
    explorer.select("conv2d_1", 4, 9, 5)
    value = float(explorer.outputs[3][4, 9, 5])
    text = explorer.explanation
    assert text.startswith("conv2d_1 (Conv2D) at (4, 9, 5) = ")
    partial = [number(v) for v in re.findall(rf"c\d+: ({NUMBER})", text)]
    assert len(partial) == 16  # one partial sum per input channel
    total, bias, z = (number(v) for v in re.search(
        rf"sum of the products ({NUMBER}) \+ bias ({NUMBER}) = ({NUMBER})", text).groups())  # fmt: skip
    assert sum(partial) == pytest.approx(total, rel=2e-3, abs=2e-3)
    assert total + bias == pytest.approx(z, rel=2e-3, abs=2e-3)
    assert max(z, 0.0) == pytest.approx(value, rel=1e-3, abs=1e-3)


def test_a_first_layer_explanation_lists_every_product(explorer):
    explorer.controls["image"].value = 0
    explorer.select("conv2d", 12, 14, 0)
    x = explorer.outputs[0]
    w = explorer.model.layers[0].params["kernel"][:, :, 0, 0]
    b = float(explorer.model.layers[0].params["bias"][0])
    terms = re.search(r"channel 0: (.*) = ", explorer.explanation).group(1).split(" + ")
    pairs = [tuple(number(v.strip("()")) for v in t.split("·")) for t in terms]
    np.testing.assert_allclose([p[0] for p in pairs], x[11:14, 13:16, 0].ravel(), atol=5e-4)
    np.testing.assert_allclose([p[1] for p in pairs], w.ravel(), rtol=1e-3, atol=1e-4)
    recomputed = max(sum(a * c for a, c in pairs) + b, 0.0)
    assert recomputed == pytest.approx(float(explorer.outputs[1][12, 14, 0]), rel=2e-3, abs=2e-3)


def test_a_dense_and_softmax_explanation_adds_up(explorer):
    explorer.controls["image"].value = 1
    explorer.select("dense", 7)
    text = explorer.explanation
    z = number(re.search(rf"z = {NUMBER} \+ bias {NUMBER} = ({NUMBER})", text).group(1))
    p = number(re.search(rf"p_7 = {NUMBER} / {NUMBER} = ({NUMBER})", text).group(1))
    assert p == pytest.approx(float(explorer.probabilities[7]), rel=1e-3, abs=1e-4)
    logits = explorer.model.layers[-1].forward(explorer.outputs[-2][None], activation=False)[0]
    assert z == pytest.approx(float(logits[7]), rel=1e-3, abs=1e-3)
    assert "the whole image" in text


def test_the_receptive_field_is_the_architectures_modules(explorer, cnn):
    fields = architectures.receptive_fields(cnn)
    for node, name in ((0, "conv2d"), (1, "max_pooling2d"), (2, "conv2d_1"), (3, "max_pooling2d_1")):
        explorer.select(name, 3, 3, 0)  # an interior cell: the full field
        r0, r1, c0, c1 = (int(v) for v in re.search(
            r"field in the image: rows (\d+)\.\.(\d+), columns (\d+)\.\.(\d+)", explorer.explanation).groups())  # fmt: skip
        assert r1 - r0 + 1 == c1 - c0 + 1 == fields[node][0]
        assert (r0, r1 + 1, c0, c1 + 1) == inside.receptive_boxes(cnn, node, 3, 3)[0]
    # and the picture outlines it in the input and in every earlier layer, in every channel's tile
    segments = explorer.picture.outlines[1].get_segments()
    assert len(segments) == 16


def test_the_selection_survives_a_new_drawing(explorer):
    explorer.select("max_pooling2d", 6, 7, 2)
    before = explorer.explanation
    explorer.pad.image = stroke([(60, 60), (220, 220)])
    assert explorer.selection == (1, (6, 7, 2))
    assert explorer.explanation.startswith("max_pooling2d (MaxPooling2D) at (6, 7, 2) = ")
    assert explorer.explanation != before
    value = float(explorer.outputs[2][6, 7, 2])
    shown = number(re.search(rf"= ({NUMBER}), the winner", explorer.explanation).group(1))
    assert shown == pytest.approx(value, rel=1e-3, abs=1e-4)


def test_a_click_on_the_picture_selects_the_value_drawn_there(explorer):
    for node, index in ((0, (5, 6, 3)), (2, (13, 0, 31)), (3, (6, 6, 30)), (5, (4,)), (-1, (10, 20, 0))):
        click_at(explorer, node, index)
        assert explorer.selection == (node, index)
    selected = explorer.png
    explorer.clicker.press(1, 1)  # the margin: nothing drawn there, the selection stays
    assert explorer.selection == (-1, (10, 20, 0)) and explorer.png == selected


def test_bad_inputs_give_messages_not_exceptions(explorer):
    explorer.select("conv2d", 1, 1, 0)
    good = explorer.png
    for bad, words in (
        (np.zeros((32, 32)), "shape (28, 28, 1); received shape (32, 32)"),
        (np.zeros((28, 28, 3)), "received shape (28, 28, 3)"),
        (np.array([["a"] * 28] * 28), "numbers"),
        (np.full((28, 28), np.nan), "NaN"),
        ("a seven", "numbers"),
    ):
        explorer.show(bad)
        assert words in explorer.message
        assert explorer.png == good  # the last picture stays
    explorer.select("conv2d", 99, 0, 0)
    assert "outside the layer's output" in explorer.message
    explorer.select("no such layer", 0, 0, 0)
    assert "no layer named" in explorer.message
    explorer.upload.value = upload("notes.txt", b"hello")
    assert "notes.txt is not an image file" in explorer.message
    explorer.show(np.zeros((28, 28)))
    assert explorer.message == ""


def test_models_the_views_cannot_show_are_refused_with_a_message():
    a = keras.Input((6, 6, 1))
    branched = keras.Model(a, layers.Add()([a, layers.Conv2D(1, 1)(a)]))
    flat = keras.models.Sequential([layers.Dense(3, input_shape=(10,))])
    unbuilt = keras.models.Sequential([layers.Conv2D(2, 3)])
    for model, words in ((branched, "branch or merge"), (flat, "image input"), (unbuilt, "image input")):
        explorer = NetworkExplorer(model)
        assert words in explorer.message
        explorer.show(np.zeros((6, 6)))  # nothing to show, nothing raised
        explorer.select(0, 0, 0, 0)


def png_bytes(array):
    buffer = io.BytesIO()
    PIL.Image.fromarray(array).save(buffer, format="png")
    return buffer.getvalue()


def test_an_uploaded_photo_is_converted_the_mnist_way_and_shown(explorer, cnn):
    photo = np.full((90, 60, 3), 235, np.uint8)  # dark ink on light paper, in colour
    photo[10:80, 28:34] = (30, 30, 60)
    explorer.upload.value = upload("one.png", png_bytes(photo))
    assert explorer.message == ""
    assert "original → grey → inverted → mnist_style" in explorer.source
    assert explorer.conversion.value[:4] == b"\x89PNG"
    x, _ = inside.model_input(photo, (28, 28, 1))
    np.testing.assert_allclose(explorer.x, x)
    np.testing.assert_allclose(
        explorer.probabilities, cnn.predict(x[None], verbose=0)[0], rtol=1e-6, atol=1e-7
    )
    assert int(np.argmax(explorer.probabilities)) == 1


@pytest.mark.parametrize("kind", ["lenet", "vgg-like"])
def test_other_architectures_are_shown_and_clickable(kind):
    if kind == "lenet":
        model = keras.models.Sequential([
            layers.Conv2D(6, 5, activation="tanh", input_shape=(32, 32, 1)), layers.AveragePooling2D(2),
            layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2), layers.Flatten(),
            layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
            layers.Dense(10, activation="softmax")], seed=0)  # fmt: skip
    else:
        model = keras.models.Sequential([
            layers.Conv2D(8, 3, padding="same", activation="relu", input_shape=(32, 32, 3)),
            layers.Conv2D(8, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, padding="same", activation="relu"), layers.BatchNormalization(),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.5),
            layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")], seed=0)  # fmt: skip
    explorer = NetworkExplorer(model)
    assert explorer.message == ""
    rng = np.random.default_rng(0)
    C = model.expected_input_shape()[2]
    image = rng.random((32, 32, C)).astype(np.float32)
    explorer.show(image)
    np.testing.assert_allclose(explorer.probabilities, model.predict(image[None], verbose=0)[0], rtol=1e-5)
    click_at(explorer, 2, (3, 4, 1))
    assert explorer.selection == (2, (3, 4, 1)) and explorer.explanation.startswith(model.layers[2].name)
    explorer.pad.image = stroke([(140, 40), (140, 240)])  # the drawing, resized to the model's input
    assert explorer.message == "" and explorer.x.shape == (32, 32, C)
    assert explorer.selection == (2, (3, 4, 1))


def test_the_explorer_has_a_still_picture_for_readers_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "NetworkExplorer(model='sequential')" or bundle["text/plain"].startswith(
        "NetworkExplorer(model="
    )
    assert bundle["image/png"]


# -- the pure helpers --------------------------------------------------------------------------
def test_top_patches_are_the_receptive_field_crops_of_the_largest_values(cnn, digits):
    images = digits[0] / 255.0
    patches, values, where = inside.top_patches(cnn, images, 0, 5, count=2)
    assert patches.shape == (2, 3, 3, 1) and values[0] >= values[1]
    maps = cnn.forward(images[..., None].astype(np.float32), keep=True)[0][..., 5]
    best = maps.reshape(3, -1).max(axis=1)
    np.testing.assert_allclose(values, np.sort(best)[::-1][:2], rtol=1e-6)
    n, r, c = where[0]
    assert maps[n, r, c] == pytest.approx(values[0])
    r0, r1, c0, c1 = inside.receptive_boxes(cnn, 0, r, c)[0]
    if (r1 - r0, c1 - c0) == (3, 3):
        np.testing.assert_allclose(patches[0, :, :, 0], images[n, r0:r1, c0:c1])
    # the crop is what the kernel reads: kernel · patch + bias = the value (ReLU passed it)
    w, b = cnn.layers[0].params["kernel"][:, :, :, 5], cnn.layers[0].params["bias"][5]
    assert float((w * patches[0]).sum() + b) == pytest.approx(float(values[0]), rel=1e-4, abs=1e-5)


def test_top_patches_refuses_a_vector_layer(cnn, digits):
    with pytest.raises(ValueError, match="needs a layer with feature maps"):
        inside.top_patches(cnn, digits[0] / 255.0, 5, 0)


def test_cells_reading_is_the_inverse_of_the_windows():
    K, S, out = (3, 2), (2, 1), (4, 5)
    for row in range(9):
        for col in range(7):
            readers = inside.cells_reading(row, col, K, S, out)
            every = [(i, j) for i in range(4) for j in range(5)
                     if i * 2 <= row < i * 2 + 3 and j <= col < j + 2]  # fmt: skip
            assert readers == every


def test_model_input_resizes_for_a_colour_model():
    x, steps = inside.model_input(np.zeros((50, 40), np.uint8), (32, 32, 3))
    assert x.shape == (32, 32, 3) and [t for t, _ in steps] == ["original", "resized to 32×32"]
    with pytest.raises(ValueError, match=r"received shape \(5, 5, 2\)"):
        inside.model_input(np.zeros((5, 5, 2)), (28, 28, 1))


# -- clicks in the step explorers ---------------------------------------------------------------
def press(explorer, ax, row, col):
    explorer.clicker.press(*explorer.pixel_of(ax, col, row))


@pytest.mark.parametrize("kind", [Conv2DStepExplorer, PoolStepExplorer])
def test_a_click_on_an_output_cell_jumps_to_it(kind):
    explorer = kind()
    _, output, _, _ = explorer.click_geometry()
    Ho, Wo = explorer.picture.y.shape
    press(explorer, output, Ho - 1, Wo - 1)
    assert explorer.controls["step"].value == Ho * Wo - 1
    press(explorer, output, 0, 1)
    assert explorer.controls["step"].value == 1


def test_a_click_on_an_input_cell_frames_the_output_cells_that_read_it():
    explorer = Conv2DStepExplorer()  # 3×3 input, 2×2 kernels, stride 1: a 2×2 output
    inputs, _, _, _ = explorer.click_geometry()
    before = explorer.png
    press(explorer, inputs[1], 1, 1)  # the centre is read by all four windows
    assert explorer.reading == (1, 1)
    assert explorer.readers == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert len(explorer.overlay.frames.get_segments()) == 4 and explorer.png != before
    press(explorer, inputs[0], 0, 2)  # a corner: one window
    assert explorer.readers == ((0, 1),)
    explorer.controls["step"].value = 2  # stepping keeps the reverse link
    assert explorer.readers == ((0, 1),)
    explorer.controls["P"].value = 1  # a full redraw keeps it too (in padded coordinates)
    assert explorer.reading == (0, 2) and explorer.readers == ((0, 1), (0, 2))


def test_the_pool_explorer_shows_the_one_window_reading_a_cell():
    explorer = PoolStepExplorer()  # 6×6, K = S = 2: windows do not overlap
    inputs, _, _, _ = explorer.click_geometry()
    press(explorer, inputs[0], 3, 4)
    assert explorer.readers == ((1, 2),)
    assert explorer.controls["step"].value == 0  # the step stays; only the link is drawn


# -- the explorer, calmly: NaN, odd models, wrong arguments, damaged drawings ---------------------


def magenta_pixels(png):
    rgb = np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[:, :, 0] > 240) & (rgb[:, :, 1] < 20) & (rgb[:, :, 2] > 240)).sum())


def test_nan_and_overflow_are_drawn_marked_with_a_message():
    diverged = load_lecture_cnn()
    diverged.layers[2].params["kernel"][0, 0, 0, :] = np.nan  # as after a fit that diverged
    explorer = NetworkExplorer(diverged)
    explorer.show(np.eye(28))
    assert explorer.png and magenta_pixels(explorer.png) > 1000
    assert explorer.message.startswith(
        f"Some values are NaN or infinite, from layer {diverged.layers[2].name!r} on"
    )
    assert explorer.picture.headline.get_text() == "no prediction: the probabilities are NaN or infinite"
    explorer.select(diverged.layers[2].name, 3, 3, 0)  # the arithmetic is written out, NaN and all
    assert explorer.explanation.startswith(f"{diverged.layers[2].name} (Conv2D) at (3, 3, 0) = nan")
    assert "NaN or infinite" in explorer.message  # selecting does not hide the warning
    huge = NetworkExplorer(load_lecture_cnn())
    huge.show(np.full((28, 28), 1e39))  # beyond float32
    assert huge.message.startswith("Some values are NaN or infinite, from the input on")
    huge.show(np.zeros((28, 28)))
    assert huge.message == "" and magenta_pixels(huge.png) == 0


def test_a_model_with_two_input_channels_is_shown_channel_by_channel():
    model = keras.models.Sequential(
        [layers.Conv2D(2, 3, input_shape=(8, 8, 2)), layers.Flatten(), layers.Dense(3, activation="softmax")],
        seed=0,
    )
    explorer = NetworkExplorer(model)
    explorer.show(np.random.default_rng(0).random((8, 8, 2)))
    assert explorer.message == ""
    click_at(explorer, -1, (2, 3, 1))
    assert explorer.selection == (-1, (2, 3, 1))
    assert explorer.explanation == f"input at (2, 3, 1) = {float(explorer.x[2, 3, 1]):.4g}"


def test_a_model_without_layers_gets_a_message():
    explorer = NetworkExplorer(keras.models.Sequential([keras.Input((8, 8, 1))]))
    assert "has none to show" in explorer.message


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        ({"model": "a model"}, TypeError, "expects a cnnviz model.*received model of type str"),
        ({"images": 3}, ValueError, r"shape \(N, H, W\) or \(N, H, W, C\); received images=3"),
        ({"images": np.zeros((3, 28))}, ValueError, r"received images of shape \(3, 28\)"),
        ({"images": [["a"]]}, TypeError, "images must hold numbers"),
        ({"index": "2"}, TypeError, "index must be a whole number; received index='2'"),
        ({"index": True}, TypeError, "received index=True"),
        ({"index": 3}, ValueError, r"index must be from 0 to 2 \(there are 3 images\); received index=3"),
        ({"labels": [1]}, ValueError, r"labels must be 3 whole numbers.*shape \(1,\)"),
        ({"class_names": "0123456789"}, TypeError, "class_names must be a list of names"),
    ],
)
def test_wrong_arguments_are_refused_naming_them(cnn, digits, arguments, error, words):
    images, labels = digits
    given = {"model": cnn, "images": images, "labels": labels, **arguments}
    with pytest.raises(error, match=words):
        NetworkExplorer(**given)


def test_booleans_are_not_indices(explorer):
    explorer.select("conv2d", 3, 4, 1)
    for where in [("conv2d", True, 1, 1), ("conv2d", 1, 1, False), (True, 1, 1, 1)]:
        explorer.select(*where)
        assert "True/False" in explorer.message or "received True" in explorer.message
        assert explorer.selection == (0, (3, 4, 1))  # the selection stays


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("data:image/png;base64,@@@@", "not valid base64"),
        ("data:image/png;base64,aGVsbG8=", "not a PNG"),
        (encode_png(np.ones((28, 28)))[:60], "not"),  # truncated in the middle
    ],
)
def test_a_damaged_drawing_from_the_browser_gives_a_message(explorer, url, words):
    before = explorer.pad.value.copy()
    explorer.pad.image = url  # what a damaged message from the browser does
    assert explorer.message.startswith("The drawing could not be read") and words in explorer.message
    np.testing.assert_array_equal(explorer.pad.value, before)
    explorer.pad.image = stroke([(140, 40), (140, 240)])
    assert explorer.message == "" and explorer.pad.problem == ""


# -- issue 21: the zoom, channel numbers, clicks on gaps, the panel's words -------------------
def test_a_click_on_the_gap_between_tiles_selects_the_nearest_tile(explorer):
    picture = explorer.picture
    node = 3  # max_pooling2d_1: 32 tiles of 7×7, one cell of gap between them
    x, y = picture.pixel_of(node, (0, 6, 0))  # the last column of tile 0 ...
    right, _ = picture.pixel_of(node, (0, 0, 1))  # ... and the first of tile 1
    gap = (x + right) / 2
    assert picture.locate(gap - 0.2 * (right - x) / 2, y) == (node, (0, 6, 0))
    assert picture.locate(gap + 0.2 * (right - x) / 2, y) == (node, (0, 0, 1))
    explorer.clicker.press(gap + 1, y)
    assert explorer.selection == (node, (0, 0, 1))


def test_the_zoom_shows_the_selected_channel_large_with_its_cell(explorer):
    picture = explorer.picture
    assert picture.zoom_note.get_visible() and not picture.zoom_image.get_visible()
    explorer.select("max_pooling2d_1", 2, 5, 17)
    assert picture.zoom_image.get_visible() and not picture.zoom_note.get_visible()
    np.testing.assert_array_equal(picture.zoom_image.get_array(), explorer.outputs[4][:, :, 17])
    assert picture.zoom_image.get_clim() == picture.images[3].get_clim()
    assert picture.zoom_cell.get_xy() == (5 - 0.5, 2 - 0.5)
    assert "max_pooling2d_1" in picture.zoom_title.get_text() and "channel 17" in picture.zoom_title.get_text()
    width = picture.zoom.bbox.width / 7  # pixels per cell in the zoom, against the mosaic's
    assert width > 4 * picture.images[3].axes.bbox.width / (5 * 8)
    explorer.show(np.zeros((28, 28)))  # a new input: the zoom follows
    np.testing.assert_array_equal(picture.zoom_image.get_array(), explorer.outputs[4][:, :, 17])


def test_the_tiles_carry_their_channel_numbers(explorer):
    picture = explorer.picture
    for k in (0, 1, 2, 3):  # one transparent picture of numbers over each mosaic, redrawn over the maps
        ax = picture.images[k].axes
        overlays = [a for a in ax.get_images() if a is not picture.images[k]]
        assert len(overlays) == 1 and overlays[0] in picture.dynamic
        numbers = overlays[0].get_array()
        assert numbers.shape[2] == 4 and numbers[..., 3].any()  # RGBA, opaque only where a number is
        y0, x0 = picture.tile_origin(k, 1)
        scale = numbers.shape[1] // (picture.images[k].get_array().shape[1])
        assert numbers[y0 * scale : (y0 + 2) * scale, x0 * scale : (x0 + 2) * scale, 3].any()  # tile 1's corner


def test_the_panel_names_the_layers_input_and_the_image_and_wraps_only_at_spaces(explorer):
    explorer.select("conv2d_1", 6, 6, 0)  # window rows 5..7 of a 14×14 map: wholly inside
    text = explorer.explanation
    assert "window in the layer's input (max_pooling2d's output): rows 5..7, columns 5..7" in text
    assert "padding" not in text and "receptive field in the image" in text
    explorer.select("conv2d_1", 0, 6, 0)  # the window's top row hangs over the padding
    assert "window in the layer's input (max_pooling2d's output): rows -1..1" in explorer.explanation
    assert "outside the map is padding" in explorer.explanation
    explorer.select("conv2d", 5, 5, 0)
    assert "window in the layer's input (the image)" in explorer.explanation
    assert "word-break:normal" in explorer.panel.value and "break-all" not in explorer.panel.value
    explorer.select("conv2d_1", 6, 6, 0)  # 16 partial sums: each channel stays with its number
    assert "c7:\u00a0" in explorer.panel.value and "c7: " not in explorer.panel.value


def test_a_dense_units_inputs_are_named_by_their_cell_before_the_flatten(explorer):
    explorer.select("dense", 3)
    cells = re.findall(r"input (\d+) = cell \(row (\d), col (\d), channel (\d+)\)", explorer.explanation)
    assert len(cells) == 5
    for k, r, c, ch in cells:
        assert int(k) == np.ravel_multi_index((int(r), int(c), int(ch)), (7, 7, 32))


# -- issue 23: "why this class?" ----------------------------------------------------------------
def test_why_this_class_shows_the_saliency_of_the_chosen_class_and_follows_the_input(explorer, cnn):
    assert explorer.saliency is None and explorer.why_image.layout.display == "none"  # off at first
    explorer.controls["why"].value = "predicted"
    predicted = int(explorer.probabilities.argmax())
    np.testing.assert_allclose(explorer.saliency, inside.saliency(cnn, explorer.x, predicted)[:, :, 0])
    assert explorer.why_image.value and explorer.why_image.layout.display == ""
    lo, hi = explorer._why_map.get_clim()
    assert lo == -hi == -np.abs(explorer.saliency).max() and explorer._why_map.cmap.name == "RdBu_r"
    assert f"why class {predicted} (predicted)?" in explorer._why_title.get_text()
    explorer.controls["why"].value = 3
    np.testing.assert_allclose(explorer.saliency, inside.saliency(cnn, explorer.x, 3)[:, :, 0])
    old = explorer.why_image.value
    explorer.pad.image = stroke([(140, 40), (140, 240)])  # a new input: the view follows in place
    np.testing.assert_allclose(explorer.saliency, inside.saliency(cnn, explorer.x, 3)[:, :, 0])
    assert explorer.why_image.value != old and "class 3?" in explorer._why_title.get_text()
    explorer.controls["why"].value = "off"
    assert explorer.saliency is None and explorer.why_image.layout.display == "none"


def test_why_this_class_says_calmly_when_there_is_nothing_to_show(explorer):
    explorer.controls["why"].value = "predicted"
    explorer.show(np.full((28, 28), 1e39))  # beyond float32: infinite values
    assert explorer.saliency is None and "NaN or infinite" in explorer.why_note.value
    maps = keras.models.Sequential([layers.Conv2D(2, 3, input_shape=(8, 8, 1))], seed=0)  # no class scores
    other = NetworkExplorer(maps)
    other.controls["why"].value = "predicted"
    assert other.saliency is None and "does not end in one score per class" in other.why_note.value


def test_the_selected_cell_is_framed_in_the_picture_shown(explorer):
    """A selection replaces the cell's marker: the new marker must be drawn (blitted), not only made."""
    explorer.select("conv2d_1", 5, 5, 2)
    x, y = explorer.picture.pixel_of(*explorer.selection)
    rgb = np.asarray(PIL.Image.open(io.BytesIO(explorer.png)))[..., :3].astype(int)
    near = rgb[int(y) - 6 : int(y) + 7, int(x) - 6 : int(x) + 7]
    orange = (np.abs(near - [255, 127, 14]).sum(axis=-1) < 60).sum()  # the marker's colour, #ff7f0e
    assert orange >= 4, f"no marker drawn around pixel ({x:.0f}, {y:.0f})"
