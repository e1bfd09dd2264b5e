"""The live-picture base (cnnviz.widgets.explorer.LivePicture): its PNG, and blitting in two layers.

A click on the network explorer moves only its marks (outlines, the selected cell or bar, the
zoom), so only they are drawn again, over the frame the last full blit kept; and a text that
stands alone and did not change keeps its pixels instead of being drawn again. These tests
hold those shortcuts to the picture a full blit draws for the same state, pixel for pixel.
"""

import io

import numpy as np
import PIL.Image
import pytest

from cnnviz.pretrained import load_lecture_cnn
from cnnviz.widgets import NetworkExplorer
from cnnviz.widgets.explorer import rgba_png


def pixels(png):
    return np.asarray(PIL.Image.open(io.BytesIO(png)))


def full_picture(explorer):
    """The same state drawn in full: every dynamic artist over the background."""
    return pixels(explorer.blit(explorer.picture.dynamic, marks=explorer.picture.marks))


@pytest.mark.parametrize("shape", [(1, 1, 4), (2, 3, 4), (37, 101, 4)])
def test_the_hand_written_png_decodes_to_the_same_pixels(shape):
    rgba = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    png = rgba_png(rgba)
    image = PIL.Image.open(io.BytesIO(png))
    assert image.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(image), rgba)


@pytest.fixture(scope="module")
def explorer():
    rng = np.random.default_rng(3)
    return NetworkExplorer(load_lecture_cnn(), images=rng.integers(0, 256, (2, 28, 28), dtype=np.uint8))


@pytest.mark.parametrize(
    "selection",
    [
        ("conv2d_1", 7, 7, 3),
        ("input", 3, 20, 0),
        ("max_pooling2d", 2, 5, 10),
        ("dense", 4),
        ("conv2d", 0, 0, 0),
    ],
)
def test_a_selection_draws_only_its_marks_and_the_picture_is_the_full_one(explorer, selection):
    explorer.select(*selection)
    assert explorer.selection is not None and explorer.message == ""
    shortcut = pixels(explorer.png)
    assert np.array_equal(shortcut, full_picture(explorer))


def test_marks_follow_a_new_input_and_the_next_click_starts_from_its_values(explorer):
    explorer.select("dense", 3)  # a bar: its frame follows the bar's new length
    explorer.show(np.zeros((28, 28), np.uint8), source="a blank")
    after_input = pixels(explorer.png)
    assert np.array_equal(after_input, full_picture(explorer))
    explorer.select("conv2d_1", 1, 2, 0)  # the shortcut now draws over the blank's values
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))
    explorer.controls["image"].value = 1  # a test image: the values change again
    explorer.select("conv2d_1", 1, 2, 0)
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))


def test_unchanged_texts_keep_their_pixels_and_the_picture_is_the_full_one(explorer):
    explorer.select("conv2d_1", 7, 7, 3)
    assert len(explorer._unchanged(explorer.picture.alone)) == len(explorer.picture.alone)  # none changed
    rng = np.random.default_rng(5)
    for k in range(6):  # new inputs (new scales, a new prediction) and new selections, in turn
        explorer.show(rng.integers(0, 256, (28, 28), dtype=np.uint8), source=f"noise {k}")
        assert np.array_equal(pixels(explorer.png), full_picture(explorer))
        explorer.select(*[("dense", k), ("conv2d", 1, k, k), ("input", k, 3, 0)][k % 3])
        assert np.array_equal(pixels(explorer.png), full_picture(explorer))
    explorer.controls["image"].value = 0  # a test image again
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))


def test_a_selection_changes_the_picture_where_its_marks_are(explorer):
    explorer.select("conv2d_1", 7, 7, 3)
    before = pixels(explorer.png)
    explorer.select("conv2d_1", 2, 2, 5)
    after = pixels(explorer.png)
    assert not np.array_equal(before, after)


def test_blit_marks_without_a_kept_frame_draws_everything():
    explorer = NetworkExplorer(load_lecture_cnn())
    explorer.draw_background(explorer.picture.dynamic)  # forgets the frame under the marks
    png = explorer.blit_marks(explorer.picture.marks)
    assert np.array_equal(pixels(png), full_picture(explorer))
    explorer.close()


@pytest.mark.parametrize("disturb", ["canvas.draw", "savefig at 150 dpi"])
def test_a_full_draw_of_the_figure_by_other_code_keeps_no_text_from_it(explorer, disturb):
    """savefig, the figure shown inline or canvas.draw() leave another frame on the canvas: no text
    may keep its pixels from that frame (they would be missing from the next pictures)."""
    explorer.select("conv2d_1", 7, 7, 3)
    figure = explorer.picture.fig
    if disturb == "canvas.draw":
        figure.canvas.draw()
    else:
        figure.savefig(io.BytesIO(), format="png", dpi=150)
    explorer.show(np.zeros((28, 28), np.uint8), source="a blank")
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))
    explorer.select("dense", 2)
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))


def test_texts_that_meet_are_drawn_again_together():
    """A one-channel layer's colour scale is narrow: its two ends can meet, and then an end that did not
    change is drawn again with the one that did. (Eleven 1×1 convolutions that pass x on.)"""
    from cnnviz import keras
    from cnnviz.keras import layers

    model = keras.models.Sequential(
        [layers.Conv2D(1, 1, input_shape=(6, 6, 1))] + [layers.Conv2D(1, 1) for _ in range(10)], seed=0
    )
    model.set_weights([np.ones_like(w) if w.ndim == 4 else np.zeros_like(w) for w in model.get_weights()])
    explorer = NetworkExplorer(model)
    x = np.zeros((6, 6), np.float32)
    x[0, 0], x[1, 1] = -123456.7, 1.0
    explorer.show(x)
    x[1, 1] = 234567.1  # the right end grows into the left one, which stays "−123456.7"
    explorer.show(x)
    assert np.array_equal(pixels(explorer.png), full_picture(explorer))
    explorer.close()
