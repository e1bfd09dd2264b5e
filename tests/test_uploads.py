"""Uploads, tried the wrong way: every format and mode, tiny and huge sizes, transparency, 16-bit and
float scans, EXIF-rotated photos, damaged files (cnnviz.digits.read_image and the network explorer).

Every file is made here with Pillow. The digit is a "1": a dark vertical bar on light paper, which
``model_input`` must turn into MNIST's bright bar on black, taller than wide.
"""

import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import PIL.Image
import PIL.ImageDraw
import PIL.ImageOps
import pytest
from _helpers import tiny_cnn, upload
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.digits import MAX_PIXELS, READ_SIDE, model_input, read_image
from cnnviz.widgets import NetworkExplorer

PAPER, INK = 235, 25


def one(width=60, height=90, paper=PAPER, ink=INK):
    """An "L" image of a 1: a vertical bar of ``ink`` on ``paper``, 70% of the height."""
    image = PIL.Image.new("L", (width, height), paper)
    bar = max(1, width // 10)
    PIL.ImageDraw.Draw(image).rectangle(
        [width // 2 - bar // 2, height // 6, width // 2 - bar // 2 + bar - 1, height * 5 // 6], fill=ink
    )
    return image


def as_mode(image, mode):
    """The "L" digit in ``mode``; wide modes (I;16, I, F) get a scan's range, alpha modes a transparent paper."""
    a = np.asarray(image)
    ink = a < 128
    if mode == "I;16":
        return PIL.Image.fromarray(np.where(ink, 10000, 50000).astype(np.uint16))
    if mode == "I":
        return PIL.Image.fromarray(np.where(ink, 10000, 50000).astype(np.int32))
    if mode == "F":
        return PIL.Image.fromarray(np.where(ink, 0.1, 0.9).astype(np.float32))
    if mode == "LA":  # black ink, transparent (black) paper
        return PIL.Image.fromarray(
            np.stack([np.zeros_like(a), np.where(ink, 255, 0)], axis=2).astype(np.uint8)
        )
    if mode == "RGBA":
        alpha = np.where(ink, 255, 0).astype(np.uint8)
        return PIL.Image.fromarray(np.dstack([np.zeros((*a.shape, 3), np.uint8), alpha]))
    if mode == "1":  # black and white, without dithering the paper into speckles
        return image.convert("1", dither=PIL.Image.Dither.NONE)
    if mode == "P":
        return image.convert("RGB").convert("P", palette=PIL.Image.Palette.ADAPTIVE, colors=4)
    return image.convert(mode)


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def is_a_one(x):
    """A 28×28×1 input holding a bright vertical bar: 20 rows tall, a few columns wide."""
    ink = x[:, :, 0] > 0.3
    rows, cols = ink.any(axis=1).sum(), ink.any(axis=0).sum()
    return x.shape == (28, 28, 1) and rows >= 18 and 1 <= cols <= 8


# (format, mode): every mode each format stores
CASES = [
    ("PNG", m) for m in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")
] + [("JPEG", m) for m in ("L", "RGB")] + [
    ("TIFF", m) for m in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F")
] + [("GIF", m) for m in ("L", "P")] + [("BMP", m) for m in ("1", "L", "P", "RGB")] + [
    ("WEBP", m) for m in ("RGB", "RGBA")
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "mode"), CASES, ids=[f"{f}-{m}" for f, m in CASES])
def test_every_format_and_mode_reads_as_the_digit_it_shows(fmt, mode):
    if fmt == "WEBP" and not PIL.features.check("webp"):
        pytest.skip("Pillow built without WebP")
    data = encode(as_mode(one(), mode), fmt)
    image, size = read_image(data)
    assert size == (90, 60) and image.dtype == np.float64
    assert image.min() >= 0 and image.max() <= 1
    x, steps = model_input(image, (28, 28, 1))
    assert is_a_one(x), (fmt, mode, [t for t, _ in steps])


def test_black_ink_on_a_transparent_background_is_read_on_white_paper():
    data = encode(as_mode(one(), "RGBA"), "PNG")  # every transparent pixel is (0, 0, 0, 0): black
    image, _ = read_image(data)
    assert image.shape == (90, 60, 3)
    np.testing.assert_allclose(image[0, 0], 1.0)  # the paper: white, under dark ink
    np.testing.assert_allclose(image[45, 30], 0.0)  # the ink: black
    grey, _ = read_image(encode(as_mode(one(), "LA"), "PNG"))
    assert grey.shape == (90, 60) and grey[0, 0] == 1.0 and grey[45, 30] == 0.0


def test_light_ink_on_a_transparent_background_is_read_on_black_paper():
    a = np.zeros((90, 60, 4), np.uint8)
    a[15:75, 27:33] = (255, 255, 255, 255)  # white ink; the rest transparent
    image, _ = read_image(encode(PIL.Image.fromarray(a), "PNG"))
    assert image[0, 0].max() == 0.0 and image[45, 30].min() == 1.0
    assert is_a_one(model_input(image, (28, 28, 1))[0])


def test_a_palette_image_with_a_transparent_paper_is_laid_on_paper():
    image = PIL.Image.new("P", (60, 90), 0)
    image.putpalette([0, 0, 0] * 256)  # every colour black: only transparency tells the ink
    PIL.ImageDraw.Draw(image).rectangle([27, 15, 32, 75], fill=1)
    data = encode(image, "PNG", transparency=0)
    x, _ = model_input(read_image(data)[0], (28, 28, 1))
    assert is_a_one(x)


def test_wide_scans_are_scaled_by_their_own_range():
    scan, _ = read_image(encode(as_mode(one(), "I;16"), "PNG"))  # paper 50000, ink 10000
    assert scan[0, 0] == 1.0 and scan[45, 30] == 0.0
    odd = PIL.Image.fromarray(np.where(np.asarray(one()) < 128, -3.0, 7.0).astype(np.float32))
    image, _ = read_image(encode(odd, "TIFF"))
    assert image[0, 0] == 1.0 and image[45, 30] == 0.0
    flat = PIL.Image.fromarray(np.full((10, 10), 7.0, np.float32))
    assert not read_image(encode(flat, "TIFF"))[0].any()


def test_a_float_image_with_nan_is_refused_by_name():
    a = np.full((10, 10), 0.5, np.float32)
    a[3, 3] = np.nan
    with pytest.raises(ValueError, match=r"scan\.tif holds NaN or infinite values"):
        read_image(encode(PIL.Image.fromarray(a), "TIFF"), name="scan.tif")


# EXIF orientation → the turn that stores an upright picture so that the tag is needed to undo it
STORED = {
    1: None, 2: PIL.Image.Transpose.FLIP_LEFT_RIGHT, 3: PIL.Image.Transpose.ROTATE_180,
    4: PIL.Image.Transpose.FLIP_TOP_BOTTOM, 5: PIL.Image.Transpose.TRANSPOSE, 6: PIL.Image.Transpose.ROTATE_90,
    7: PIL.Image.Transpose.TRANSVERSE, 8: PIL.Image.Transpose.ROTATE_270,
}  # fmt: skip


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_photo_stored_turned_is_read_upright_as_exif_transpose_does(orientation):
    upright = one(40, 64)
    PIL.ImageDraw.Draw(upright).rectangle([4, 4, 12, 12], fill=INK)  # a corner mark: no symmetry left
    turn = STORED[orientation]
    stored = upright if turn is None else upright.transpose(turn)
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "PNG", exif=exif)
    image, size = read_image(data, side=1000)
    np.testing.assert_array_equal(image, np.asarray(upright) / 255.0)
    assert size == (64, 40)
    with PIL.Image.open(io.BytesIO(data)) as file:  # Pillow's own reading of the tag agrees
        np.testing.assert_array_equal(image, np.asarray(PIL.ImageOps.exif_transpose(file)) / 255.0)


def test_a_sideways_jpeg_of_a_one_reads_as_a_one():
    exif = PIL.Image.Exif()
    exif[0x0112] = 6  # the camera was turned: the file holds the picture rotated
    data = encode(one(600, 900).convert("RGB").transpose(PIL.Image.Transpose.ROTATE_90), "JPEG", exif=exif)
    image, size = read_image(data)
    assert size == (900, 600)
    assert is_a_one(model_input(image, (28, 28, 1))[0])


@pytest.mark.parametrize("shape", [(1, 1), (1, 1000), (1000, 1), (2, 3), (3000, 2)])
@pytest.mark.parametrize("paper", [0, 255])
def test_tiny_and_thin_images_are_read_and_shown(explorer, shape, paper):
    image, size = read_image(encode(PIL.Image.new("L", shape[::-1], paper), "PNG"))
    assert size == shape and max(image.shape) <= READ_SIDE
    explorer.upload.value = upload(f"thin{shape}.png", encode(PIL.Image.new("L", shape[::-1], paper), "PNG"))
    assert explorer.message == ""
    assert explorer.conversion.value[:4] == b"\x89PNG"


def test_a_large_image_is_shrunk_to_a_few_times_the_models_input(explorer):
    image, size = read_image(encode(one(3000, 4000), "PNG"))
    assert size == (4000, 3000) and image.shape == (250, 188)
    data = encode(one(3000, 4000).convert("RGB"), "JPEG")
    explorer.upload.value = upload("photo.jpg", data)
    assert explorer.message == ""
    assert "photo.jpg (3000×4000 read at 188×250; converted: original → grey → inverted" in explorer.source
    assert is_a_one(explorer.x)


def png_header(width, height):
    """A PNG that claims width × height pixels of grey (its pixel data is missing)."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_too_many_pixels_are_refused_saying_the_size_and_the_limit(explorer):
    with pytest.raises(
        ValueError, match=r"big.png is too large: 9000 × 9000 = 81,000,000 pixels.*64,000,000"
    ):
        read_image(png_header(9000, 9000), name="big.png")
    assert MAX_PIXELS == 64_000_000
    explorer.upload.value = upload("bomb.png", png_header(30000, 30000))  # Pillow's own bomb limit
    assert explorer.message.startswith("bomb.png is too large")
    assert "64,000,000 pixels" in explorer.message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is not an image file"),
        (b"hello", "is not an image file"),
        (np.random.default_rng(0).bytes(5000), "is not an image file"),
        (encode(one(300, 400), "PNG")[:-60], "damaged or truncated"),
        (encode(one(300, 400).convert("RGB"), "JPEG")[:2000], "damaged or truncated"),
        (png_header(50, 50), "damaged or truncated"),
    ],
    ids=["empty", "text", "noise", "truncated-png", "truncated-jpeg", "no-pixel-data"],
)
def test_damaged_files_give_a_message_in_the_explorer(explorer, content, words):
    explorer.upload.value = upload("f.png", content)
    assert explorer.message.startswith("f.png ") and words in explorer.message


@given(data=st.data())
def test_mutated_files_are_read_or_refused_never_anything_else(data):
    fmt = data.draw(st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF"]))
    content = bytearray(encode(one(30, 40).convert("RGB" if fmt == "JPEG" else "L"), fmt))
    for _ in range(data.draw(st.integers(0, 8))):
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    content = content[: data.draw(st.integers(0, len(content)))]
    try:
        image, _ = read_image(bytes(content))
    except ValueError:
        return
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
    assert max(image.shape[:2]) <= READ_SIDE


MEASURE = """
import resource, sys
from cnnviz.digits import read_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
read_image(data)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (4000, 3000)), ("PNG", (6000, 6000))])
def test_reading_a_large_file_holds_little_memory(tmp_path, fmt, size):
    """Peak memory while reading (a fresh process): it was about 135 bytes per pixel, 1.6 GB for 12 MP."""
    path = tmp_path / f"big.{fmt.lower()}"
    path.write_bytes(encode(one(*size).convert("RGB" if fmt == "JPEG" else "L"), fmt))
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    peak_mb = float(out.stdout)
    pixels_mb = size[0] * size[1] / 2**20  # one byte per pixel: a grey PNG decoded in its own mode
    assert peak_mb < (20 if fmt == "JPEG" else pixels_mb + 20), peak_mb


# -- through the explorer ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    return tiny_cnn(28, 10)


@pytest.fixture
def explorer(model):
    explorer = NetworkExplorer(model)
    yield explorer
    explorer.close()


def test_an_uploaded_transparent_drawing_reaches_the_model_as_a_digit(explorer):
    explorer.upload.value = upload("one.png", encode(as_mode(one(), "RGBA"), "PNG"))
    assert explorer.message == ""
    assert "original → grey → inverted → mnist_style" in explorer.source
    assert is_a_one(explorer.x)
