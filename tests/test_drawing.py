"""The drawing pad, headless, and the MNIST preprocessing it uses (``cnnviz.digits``).

The browser half (drawing with the mouse in JupyterLab) is tested in tests/test_browser.py.
Here the synced trait ``image`` is set the way the browser sets it after a stroke: a PNG
of the canvas as a data URL, drawn with PIL.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import PIL.Image
import PIL.ImageDraw
import pytest
import traitlets
from hypothesis import given
from hypothesis import strategies as st

from cnnviz import datasets
from cnnviz.digits import area_resize, center_of_mass, mnist_style
from cnnviz.widgets.drawing import DrawingPad, decode_png, encode_png

SIZE = 280


def ink_box(image) -> tuple[int, int]:
    """(rows, columns) of the bounding box of the pixels > 0."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def stroke_png(points, width=20, size=SIZE) -> str:
    """What the browser sends after one stroke through ``points``: a PNG data URL, white on black."""
    image = PIL.Image.new("RGBA", (size, size), (0, 0, 0, 255))
    draw = PIL.ImageDraw.Draw(image)
    draw.line(points, fill=(255, 255, 255, 255), width=width, joint="curve")
    for x, y in (points[0], points[-1]):  # round caps, as the canvas draws them
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=(255, 255, 255, 255))
    url = encode_png(np.asarray(image.convert("L")) / 255.0)
    return url


def assert_mnist_style(digit):
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert np.isfinite(digit).all() and digit.min() >= 0 and digit.max() <= 1
    assert max(ink_box(digit)) == 20
    r, s = center_of_mass(digit)
    assert abs(r - 14) <= 0.5 and abs(s - 14) <= 0.5, (r, s)


# -- area_resize ---------------------------------------------------------------------------------


def test_area_resize_by_a_whole_factor_is_the_mean_of_each_block(rng):
    x = rng.random((6, 9))
    expected = x.reshape(3, 2, 3, 3).mean(axis=(1, 3))  # (3, 2, 3, 3): 2×3 blocks
    np.testing.assert_allclose(area_resize(x, (3, 3)), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("shape", "new"), [((7, 5), (3, 2)), ((3, 4), (7, 9)), ((280, 100), (20, 7)), ((1, 1), (4, 4))]
)
def test_area_resize_keeps_the_mean_grey_level(rng, shape, new):
    x = rng.random(shape)
    y = area_resize(x, new)
    assert y.shape == new
    np.testing.assert_allclose(y.mean(), x.mean(), rtol=1e-12)
    assert y.min() >= x.min() - 1e-12 and y.max() <= x.max() + 1e-12  # averages stay within the range


def test_area_resize_to_the_same_shape_changes_nothing(rng):
    x = rng.random((5, 8))
    np.testing.assert_allclose(area_resize(x, x.shape), x, rtol=1e-12)


def test_area_resize_explains_bad_arguments():
    with pytest.raises(ValueError, match=r"2D array \(H, W\); received shape \(2, 2, 3\)"):
        area_resize(np.zeros((2, 2, 3)), (1, 1))
    with pytest.raises(ValueError, match=r"at least \(1, 1\); received shape=\(0, 3\)"):
        area_resize(np.zeros((2, 2)), (0, 3))


# -- mnist_style -----------------------------------------------------------------------------------


@pytest.mark.parametrize("image", [np.zeros((280, 280)), np.zeros((5, 3), dtype=np.uint8), np.zeros((0, 0))])
def test_an_empty_drawing_gives_zeros(image):
    digit = mnist_style(image)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert not digit.any() and np.isfinite(digit).all()


def test_a_vertical_bar_becomes_a_centred_one():
    bar = np.zeros((280, 280))
    bar[30:250, 130:150] = 1.0  # 220 rows, 20 columns
    one = mnist_style(bar)
    assert_mnist_style(one)
    assert ink_box(one) == (20, 2)  # 20 · 20/220 = 1.8 columns, rounded to 2
    rows = np.flatnonzero(one.any(axis=1))
    assert rows[0] == 4 and rows[-1] == 23  # 20 rows, 4 above and 4 below
    np.testing.assert_array_equal(np.flatnonzero(one.any(axis=0)), [13, 14])  # the centre columns


def test_the_longer_side_becomes_20_pixels_and_the_aspect_ratio_is_kept():
    wide = np.zeros((100, 100))
    wide[40:50, 10:90] = 1.0  # 10 rows, 80 columns
    assert ink_box(mnist_style(wide)) == (3, 20)  # 10 · 20/80 = 2.5, rounded half up
    small = np.zeros((10, 10))
    small[2:6, 3:5] = 1.0  # 4 × 2, enlarged 5 times
    assert ink_box(mnist_style(small)) == (20, 10)


@given(
    st.integers(1, 120), st.integers(1, 120), st.integers(0, 2**32 - 1)
)  # a random blob of ink in a box of h × w
def test_any_drawing_fits_20_pixels_and_its_centre_of_mass_is_near_14_14(h, w, seed):
    rng = np.random.default_rng(seed)
    image = np.zeros((h + 20, w + 30))
    blob = rng.random((h, w)) * (rng.random((h, w)) < 0.6)
    blob[0, 0] = blob[-1, -1] = 1.0  # the box is exactly h × w
    image[7 : 7 + h, 11 : 11 + w] = blob
    digit = mnist_style(image)
    assert digit.shape == (28, 28) and digit.min() >= 0 and digit.max() <= 1
    assert max(ink_box(digit)) <= 20
    r, s = center_of_mass(digit)
    box = ink_box(digit)
    # the centre of mass is within half a pixel of (14, 14), unless reaching it would push
    # ink off the field; then the ink touches that border
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    assert abs(r - 14) <= 0.5 or rows[0] == 0 or rows[-1] == 27, (r, box)
    assert abs(s - 14) <= 0.5 or cols[0] == 0 or cols[-1] == 27, (s, box)


def test_a_digit_heavy_at_one_end_keeps_all_its_ink():
    seven = np.zeros((200, 200))
    seven[0:60, 0:200] = 1.0  # a thick top bar holds most of the ink...
    seven[60:200, 190:200] = 1.0  # ...a thin stem hangs from its right end
    digit = mnist_style(seven)
    resized = area_resize(seven, (20, 20))
    np.testing.assert_allclose(digit.sum(), resized.sum(), rtol=1e-5)  # nothing was cut off
    assert digit[4:24, 4:24].any() and ink_box(digit) == (20, 20)


def test_integer_images_are_read_as_0_to_255_and_inverted_images_are_handled():
    image = np.zeros((40, 30), dtype=np.uint8)
    image[5:35, 10:20] = 255
    expected = mnist_style(image / 255.0)
    np.testing.assert_array_equal(mnist_style(image), expected)
    paper = 255 - image  # dark ink on white paper
    np.testing.assert_array_equal(mnist_style(paper, invert=True), expected)
    noisy = image / 255.0 + 0.05 * (image == 0)  # faint grey background everywhere
    np.testing.assert_array_equal(mnist_style(noisy, threshold=0.1), expected)


def test_mnist_style_never_changes_the_callers_array():
    image = np.zeros((30, 30))
    image[3:20, 5:9] = 0.7
    before = image.copy()
    mnist_style(image, invert=True, threshold=0.2)
    np.testing.assert_array_equal(image, before)


def test_mnist_style_explains_wrong_input():
    with pytest.raises(ValueError, match=r"2D image \(H, W\); received shape \(28, 28, 3\).*grayscale"):
        mnist_style(np.zeros((28, 28, 3)))
    with pytest.raises(ValueError, match=r"grey levels in \[0.0, 1.0\].*received values from 0 to 255"):
        mnist_style(np.array([[0.0, 255.0]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        mnist_style(np.array([[0.0, np.nan]]))
    with pytest.raises(TypeError, match=r"received dtype=bool.*astype\(float\)"):
        mnist_style(np.ones((3, 3), dtype=bool))


SHARED = Path(os.environ.get(datasets.ENV_VAR) or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.mark.skipif(
    not (SHARED / "mnist").is_dir(), reason=f"the offline copies of MNIST are not in {SHARED}"
)
def test_mnist_digits_are_already_mnist_style():
    """MNIST's own digits come back unchanged: the same box and the same centring rule."""
    (_, _), (x_test, _) = datasets.load_mnist(data_dir=SHARED, progressbar=False)
    digits = x_test[:1000] / 255.0
    same = [np.array_equal(mnist_style(d), d.astype(np.float32)) for d in digits]
    assert np.mean(same) >= 0.99, f"only {np.mean(same):.1%} of MNIST's digits come back unchanged"


# -- the pad, without a browser ---------------------------------------------------------------------


def test_a_new_pad_is_empty():
    pad = DrawingPad()
    assert pad.image == ""
    assert pad.value.shape == (28, 28) and pad.value.dtype == np.float32 and not pad.value.any()


def test_a_stroke_from_the_browser_becomes_an_mnist_style_digit():
    pad = DrawingPad()
    url = stroke_png([(140, 40), (142, 240)])  # a vertical stroke, top to bottom
    pad.image = url
    assert_mnist_style(pad.value)
    rows, cols = ink_box(pad.value)
    assert rows == 20 and cols <= 4  # a "1"
    np.testing.assert_array_equal(pad.value, mnist_style(decode_png(url)))


def test_observers_hear_once_per_stroke():
    pad = DrawingPad()
    heard = []
    pad.observe(lambda change: heard.append(change["new"].copy()), names="value")
    pad.image = stroke_png([(140, 40), (140, 240)])
    assert len(heard) == 1 and heard[0].any()
    pad.image = stroke_png([(60, 140), (220, 140), (140, 40), (140, 240)])  # the next stroke: a cross
    assert len(heard) == 2
    pad.image = ""  # the browser's Clear button
    assert len(heard) == 3 and not heard[-1].any() and not pad.value.any()


def test_setting_the_value_draws_it_on_the_pad():
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 13:15] = 1.0
    digit[4:6, 11:13] = 0.5
    pad = DrawingPad(size=140)
    heard = []
    pad.observe(lambda change: heard.append(1), names="value")
    pad.value = digit
    assert len(heard) == 1
    np.testing.assert_array_equal(pad.value, digit)  # kept as given, not prepared again
    assert pad.value is not digit
    canvas = decode_png(pad.image)  # what the browser is told to draw: 5 screen pixels per pixel
    assert canvas.shape == (140, 140)
    np.testing.assert_allclose(canvas[::5, ::5], np.round(digit * 255) / 255)
    pad.clear()
    assert pad.image == "" and not pad.value.any() and len(heard) == 2


def test_show_prepares_any_image_and_uint8_values_are_scaled():
    pad = DrawingPad()
    photo = np.full((60, 50), 255, dtype=np.uint8)
    photo[10:50, 20:30] = 0  # a dark bar on white paper
    pad.show(photo, invert=True)
    assert_mnist_style(pad.value)
    pad.value = (pad.value * 255).round().astype(np.uint8)
    assert pad.value.dtype == np.float32 and pad.value.max() == 1.0


def test_the_pad_explains_a_wrong_value_or_image():
    pad = DrawingPad()
    with pytest.raises(ValueError, match=r"28×28 digit; received shape \(280, 280\).*pad.show\(image\)"):
        pad.value = np.zeros((280, 280))
    with pytest.raises(ValueError, match=r"grey levels in \[0, 1\].*from 2 to 2"):
        pad.value = np.full((28, 28), 2.0)
    with pytest.raises(ValueError, match="PNG data URL"):
        pad.image = "data:image/jpeg;base64,AAAA"
    with pytest.raises(traitlets.TraitError):
        pad.pen_width = 0
    assert not pad.value.any() and pad.image == ""  # nothing changed


def test_a_reader_without_a_kernel_sees_a_picture_of_the_pad():
    pad = DrawingPad()
    pad.image = stroke_png([(140, 40), (140, 240)])
    data, _ = pad._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == "DrawingPad(size=280, pen_width=20)"
    picture = decode_png("data:image/png;base64," + data["image/png"])
    assert picture.shape == (280, 280) and picture.max() == 1.0
    empty, _ = DrawingPad()._repr_mimebundle_()
    assert decode_png("data:image/png;base64," + empty["image/png"]).shape == (280, 280)


def test_the_browser_code_ships_beside_the_module():
    source = str(DrawingPad._esm)
    assert "export default { render }" in source
    assert "pointerup" in source and "save_changes" in source


def test_the_stroke_so_far_is_sent_while_drawing_throttled_then_once_when_lifted():
    pad = DrawingPad()
    assert pad.live_ms == 100 and "live_ms" in pad.keys  # synced: the browser reads it
    source = str(DrawingPad._esm)
    assert 'model.get("live_ms")' in source and "performance.now()" in source
    heard = []
    pad.observe(lambda change: heard.append(change["new"].copy()), names="value")
    pad.image = stroke_png([(140, 40), (140, 120)])  # the stroke so far, sent while drawing
    pad.image = stroke_png([(140, 40), (140, 240)])  # the finished stroke, sent on release
    assert len(heard) == 2 and heard[0].any() and not np.array_equal(heard[0], heard[1])
    pad.live_ms = 0  # only when the pen is lifted
    with pytest.raises(traitlets.TraitError):
        pad.live_ms = -1
