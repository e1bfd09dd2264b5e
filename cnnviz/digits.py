"""Any picture of a digit, prepared the way MNIST's digits were: ``mnist_style(image)``.

A model trained on MNIST has only ever seen digits prepared in one way, so a digit drawn
on a pad (or photographed) must be prepared the same way before the model sees it. LeCun,
Cortes and Burges describe it on MNIST's page: the black-and-white NIST digits "were size
normalized to fit in a 20x20 pixel box while preserving their aspect ratio. The resulting
images contain grey levels as a result of the anti-aliasing technique used by the
normalization algorithm. The images were centered in a 28x28 image by computing the center
of mass of the pixels, and translating the image so as to position this point at the center
of the 28x28 field."

``mnist_style`` does those steps in numpy (``x[r, s]`` is the grey level at row r, column s,
0-based):

1. the bounding box of the ink (the pixels > 0) is cut out: h rows, w columns;
2. it is resized so that its longer side is 20 pixels and its shorter side 20 · short / long
   (rounded, halves up, at least 1), by *area averaging* (``area_resize``): each new pixel
   is the mean of the part of the old image it covers, which gives anti-aliased grey edges;
3. it is put into a 28×28 field of zeros, shifted by whole pixels so that its centre of mass
   ``(Σ r·x[r, s], Σ s·x[r, s]) / Σ x[r, s]`` lands as near as possible to (14, 14); on a
   tie (a centre of mass at 13.5 or 14.5) the one nearer the field's middle, 13.5.

Which centre? Measured on MNIST's 60,000 training digits, the centre of mass in 0-based
pixel indices lies between 13.5 and 14.5 in both directions (mean 14.00 and 14.01), so
MNIST moved it to (14, 14) by a whole-pixel translation, not to the geometric middle
(13.5, 13.5) of the indices. ``mnist_style`` does the same: its centre of mass is within
half a pixel of (14, 14). One exception: a shift never pushes ink off the field (a digit
whose mass sits at one end of its 20-pixel box would lose a stroke); it then stops at the
border and the centre of mass is as near (14, 14) as the field allows.

A check that this is MNIST's own recipe: given MNIST's test digits, ``mnist_style`` returns
9,997 of the 10,000 unchanged, bit for bit.

Grey levels are kept as they are (no contrast stretch): an input in [0, 1] gives an output
in [0, 1]. An image without any ink gives 28×28 zeros.

A digit from a file (an upload, a photo): ``read_image(data)`` reads PNG, JPEG, GIF, BMP,
TIFF, ... bytes into grey levels or colours in [0, 1], small and upright, whatever the file:

* small: the image is shrunk while it is decoded, so that its longer side is at most
  ``side`` pixels (default ``READ_SIDE``). A JPEG is decoded at 1/2, 1/4 or 1/8 of its size
  (``Image.draft``: a 48-megapixel photo is never held full size); other formats are decoded
  at their own bytes per pixel (1 for grey, 3 for RGB), then averaged down in bands of rows
  (``Image.reduce``), so only a band is ever held as numbers. Files of more than
  ``MAX_PIXELS`` pixels are refused, with their size and the limit;
* upright: a photo stored sideways with an EXIF orientation tag is turned as the camera meant;
* transparency is laid on paper: a transparent pixel takes the paper's colour, white under
  dark ink and black under light ink, so black ink on a transparent background is read as
  black ink on white paper;
* 16-bit and 32-bit images (modes I;16, I, F: scans, float TIFFs) are scaled by their own
  range, min → 0 and max → 1, not cut off at 255.

>>> bar = np.zeros((100, 100)); bar[10:90, 44:56] = 1.0     # a "1": 80 rows, 12 columns
>>> one = mnist_style(bar)
>>> one.shape, one.dtype
((28, 28), dtype('float32'))
>>> int(one.any(axis=1).sum()), int(one.any(axis=0).sum())     # 20 rows, 12 · 20/80 = 3 columns
(20, 3)
>>> center_of_mass(one)   # its own (9.5, 1.0), moved down 4 (14 − 9.5 = 4.5: a tie) and right 13
(13.5, 14.0)
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import PIL.Image

__all__ = [
    "BOX",
    "CENTER",
    "FIELD",
    "MAX_PIXELS",
    "PAPER_NOISE",
    "READ_SIDE",
    "area_resize",
    "center_of_mass",
    "mnist_style",
    "model_input",
    "read_image",
]

FIELD = 28  # MNIST's images are FIELD × FIELD pixels
BOX = 20  # the digit's longer side, in pixels, after size normalization
CENTER = (14.0, 14.0)  # where MNIST puts the centre of mass (0-based pixel indices)
READ_SIDE = 256  # read_image shrinks a file's image to at most this many pixels on its longer side
MAX_PIXELS = 64_000_000  # read_image refuses larger images (8000 × 8000; a 48-megapixel photo fits)
PAPER_NOISE = 0.25  # in a photo or scan, grey levels up to this (after inverting) count as paper


def area_resize(image, shape) -> np.ndarray:
    """Resize a 2D array by area averaging: each new pixel is the mean of the old area it covers.

    Old pixel j covers [j, j + 1) on its axis; new pixel i covers [i·f, (i + 1)·f) with
    f = old size / new size. Along one axis the weight of old pixel j in new pixel i is
    their overlap divided by f, so each row of weights sums to 1, and the 2D resize is the
    two 1D ones: ``y = A_rows @ x @ A_cols.T``. Shrinking by a whole factor is the mean of
    each block; enlarging repeats pixels, blending where a new pixel straddles two old ones.

    Parameters
    ----------
    image : array_like, shape (H, W)
    shape : (int, int)
        The new (H', W'), each at least 1.

    Returns
    -------
    ndarray, float64, shape (H', W')

    Examples
    --------
    >>> area_resize(np.array([[0, 1, 2, 3]]), (1, 2))          # pairs averaged
    array([[0.5, 2.5]])
    >>> area_resize(np.array([[0, 3, 6]]), (1, 2))             # new pixels cover 1.5 old ones
    array([[1., 5.]])
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"area_resize expects a 2D array (H, W); received shape {x.shape}.")
    rows, cols = (int(n) for n in shape)
    if rows < 1 or cols < 1:
        raise ValueError(f"area_resize needs a new shape of at least (1, 1); received shape={tuple(shape)}.")
    # y[i, k] = Σ_{j,l} A_rows[i, j] · x[j, l] · A_cols[k, l]
    return _area_weights(x.shape[0], rows) @ x @ _area_weights(x.shape[1], cols).T  # (H', H)(H, W)(W, W')


def _area_weights(old: int, new: int) -> np.ndarray:
    """(new, old) weights: overlap of new pixel i, [i·f, (i+1)·f), with old pixel j, [j, j+1), over f."""
    f = old / new
    start = np.arange(new)[:, None] * f  # (new, 1)
    j = np.arange(old)[None, :]  # (1, old)
    overlap = np.minimum(start + f, j + 1) - np.maximum(start, j)  # (new, old)
    return np.clip(overlap, 0.0, None) / f


def center_of_mass(image) -> tuple[float, float]:
    """The grey-level-weighted mean (row, column) of a 2D array, in 0-based pixel indices.

    ``(Σ r·x[r, s], Σ s·x[r, s]) / Σ x[r, s]``; raises ``ValueError`` for an array without ink.

    >>> center_of_mass(np.array([[0, 0], [1, 3]]))
    (1.0, 0.75)
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"center_of_mass expects a 2D array (H, W); received shape {x.shape}.")
    mass = x.sum()
    if mass <= 0:
        raise ValueError("center_of_mass: the image has no ink (its values sum to 0 or less).")
    r = (x.sum(axis=1) @ np.arange(x.shape[0])) / mass  # Σ_r r · (Σ_s x[r, s]) / Σ x
    s = (x.sum(axis=0) @ np.arange(x.shape[1])) / mass
    return float(r), float(s)


def mnist_style(image, *, invert: bool = False, threshold: float = 0.0) -> np.ndarray:
    """A digit prepared as MNIST's were: longer side scaled to 20 px, centre of mass at (14, 14) in 28×28.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Grey levels, ink bright on a dark background (0 = no ink), like MNIST: floats in
        [0, 1] or integers in 0..255 (uint8, as images are stored), any size.
    invert : bool
        True for dark ink on a light background (a photo of a digit on paper): the grey
        levels are turned into 1 − value first.
    threshold : float
        Grey levels (in [0, 1], after ``invert``) at or below it count as background and
        become 0: use it to remove the faint noise of a photo, which would otherwise widen
        the bounding box.

    Returns
    -------
    ndarray, float32, shape (28, 28)
        Values in [0, 1]; all zeros when the image has no ink.

    Raises
    ------
    ValueError
        If ``image`` is not 2D, not finite, or outside [0, 1] (floats) or 0..255 (integers).
    TypeError
        If ``image`` is not numbers.

    Examples
    --------
    >>> mnist_style(np.zeros((280, 280))).any()
    np.False_
    >>> square = np.zeros((50, 50), dtype=np.uint8); square[5:15, 30:40] = 255
    >>> out = mnist_style(square)          # 10×10 of ink becomes 20×20, centred
    >>> float(out.sum()), center_of_mass(out)
    (400.0, (13.5, 13.5))
    """
    x = _grey_levels(image)
    if invert:
        x = 1.0 - x
    x = np.where(x > threshold, x, 0.0)
    ink_rows, ink_cols = np.flatnonzero(x.any(axis=1)), np.flatnonzero(x.any(axis=0))
    out = np.zeros((FIELD, FIELD), dtype=np.float32)
    if ink_rows.size == 0:
        return out
    # 1. the bounding box of the ink: h rows, w columns
    crop = x[ink_rows[0] : ink_rows[-1] + 1, ink_cols[0] : ink_cols[-1] + 1]  # (h, w)
    h, w = crop.shape
    # 2. longer side to BOX pixels, the shorter one in proportion (at least 1 pixel)
    scale = BOX / max(h, w)
    size = (max(1, _round_half_up(h * scale)), max(1, _round_half_up(w * scale)))  # (h', w'), ≤ BOX
    digit = area_resize(crop, size)  # (h, w) -> (h', w')
    # 3. whole-pixel shift putting the centre of mass at CENTER, without pushing ink off the field
    r, s = center_of_mass(digit)
    top = min(max(_nearest_shift(CENTER[0] - r), 0), FIELD - digit.shape[0])
    left = min(max(_nearest_shift(CENTER[1] - s), 0), FIELD - digit.shape[1])
    out[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return np.clip(out, 0.0, 1.0)  # area averages stay in [0, 1]; clip only float rounding


def _round_half_up(v: float) -> int:
    """The nearest integer, halves up (Python's ``round`` sends 2.5 to 2 but 3.5 to 4)."""
    return math.floor(v + 0.5)


def _nearest_shift(v: float) -> int:
    """The whole shift nearest to ``v``; on a tie (v = k + ½) the smaller, k.

    A tie happens for a digit symmetric about its middle (centre of mass at k + ½ in its
    box): the smaller shift puts its centre of mass at 13.5, the middle of the field,
    rather than at 14.5, so it looks centred.
    """
    return math.ceil(v - 0.5)


def _grey_levels(image) -> np.ndarray:
    """The image as float64 grey levels in [0, 1]: integers are divided by 255, floats checked."""
    x = np.asarray(image)
    dtype = x.dtype
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(
            f"mnist_style expects a 2D array of grey levels (floats in [0, 1] or integers 0..255); "
            f"received dtype={x.dtype}. Convert a boolean mask with mask.astype(float)."
        )
    if x.ndim != 2:
        message = f"mnist_style expects a 2D image (H, W); received shape {x.shape}."
        if x.ndim == 3:
            message += " For an RGB picture, make it grey first with cnnviz.images.grayscale(image)."
        raise ValueError(message)
    if np.issubdtype(x.dtype, np.integer):
        low, high, x = 0, 255, x.astype(np.float64)
    else:
        low, high, x = 0.0, 1.0, x.astype(np.float64)
        if not np.isfinite(x).all():
            raise ValueError("mnist_style expects finite grey levels; received an image with NaN or inf.")
    if x.size and (x.min() < low or x.max() > high):
        raise ValueError(
            f"mnist_style expects grey levels in [{low}, {high}] for dtype {dtype}; "
            f"received values from {x.min():g} to {x.max():g}. Scale the image first (e.g. image / image.max())."
        )
    return x / 255.0 if high == 255 else x


# -- reading an image file --------------------------------------------------------------------------

# EXIF orientation tag (0x0112) → the turn that makes the picture upright (as PIL.ImageOps.exif_transpose)
UPRIGHT = {
    2: PIL.Image.Transpose.FLIP_LEFT_RIGHT,
    3: PIL.Image.Transpose.ROTATE_180,
    4: PIL.Image.Transpose.FLIP_TOP_BOTTOM,
    5: PIL.Image.Transpose.TRANSPOSE,
    6: PIL.Image.Transpose.ROTATE_270,
    7: PIL.Image.Transpose.TRANSVERSE,
    8: PIL.Image.Transpose.ROTATE_90,
}
WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits: scaled by their own range
GREY_MODES = ("1", "L", "LA", "La", *WIDE_MODES)
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma weights, as PIL's "L"


def read_image(data, side: int = READ_SIDE, max_pixels: int = MAX_PIXELS, name: str = "The file"):
    """An image file's bytes as grey levels or colours in [0, 1], its longer side shrunk to at most ``side``.

    Parameters
    ----------
    data : bytes
        The file (PNG, JPEG, GIF, BMP, TIFF, WebP, ...; of an animation, the first frame).
    side : int
        The longest side wanted, in pixels; smaller images keep their size.
    max_pixels : int
        Images with more pixels (width × height) are refused before they are decoded.
    name : str
        What the messages call the file (its name, for an upload).

    Returns
    -------
    image : ndarray, float64, shape (h, w) for grey files or (h, w, 3) for colour ones
        Values in [0, 1], upright, transparency laid on paper (see the module's notes).
    size : (int, int)
        The file's own (height, width), upright.

    Raises
    ------
    ValueError
        If the bytes are not an image Pillow can read, the image is damaged or truncated,
        holds NaN or infinity, or has more than ``max_pixels`` pixels.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> PIL.Image.new("L", (1000, 10), 255).save(buffer, format="png")   # 10 rows, 1000 columns
    >>> image, size = read_image(buffer.getvalue(), side=100)
    >>> image.shape, size, float(image.max())                             # averaged 10 × 10 → 1
    ((1, 100), (10, 1000), 1.0)
    """
    with warnings.catch_warnings():  # Pillow warns about huge and odd files; the checks here say more
        warnings.simplefilter("ignore")
        try:
            image = PIL.Image.open(io.BytesIO(bytes(data)))
        except PIL.Image.DecompressionBombError as error:
            raise ValueError(
                f"{name} is too large to read: {error} Images of up to {max_pixels:,} pixels can be "
                "read; make it smaller first."
            ) from None
        except Exception:  # Pillow raises many kinds of errors for bytes that are not an image
            raise ValueError(
                f"{name} is not an image file that can be read (PNG, JPEG, GIF, BMP, TIFF, ...)."
            ) from None
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise ValueError(
                    f"{name} is too large: {width} × {height} = {width * height:,} pixels; images of up to "
                    f"{max_pixels:,} pixels (about {math.isqrt(max_pixels)} × {math.isqrt(max_pixels)}) "
                    "can be read. Make it smaller first."
                )
            try:
                turn = UPRIGHT.get(image.getexif().get(0x0112))
                image.draft(None, (side, side))  # a JPEG is decoded at 1/2, 1/4 or 1/8 size, still ≥ side
                image.load()
                low, high = image.getextrema() if image.mode in WIDE_MODES else (0, 255)
                small = _shrink(image, math.ceil(max(image.size) / side))
            except Exception as error:  # a damaged or truncated file fails only when decoded
                raise ValueError(
                    f"{name} is damaged or truncated: it cannot be read as an image ({error})."
                ) from None
            grey = image.mode in GREY_MODES
    if turn is not None:
        small = small.transpose(turn)
        if turn.name in ("TRANSPOSE", "TRANSVERSE", "ROTATE_90", "ROTATE_270"):
            width, height = height, width
    x = np.asarray(small, dtype=np.float64)  # (h, w) or (h, w, 3 or 4), still in the file's units
    if not np.isfinite(x).all() or not np.isfinite([low, high]).all():
        raise ValueError(f"{name} holds NaN or infinite values; it cannot be read as grey levels.")
    if small.mode == "RGBa":
        x = _on_paper(x / 255.0)
        x = x[:, :, 0] if grey else x
    elif high > low:
        x = (x - low) / (high - low)  # 0..255, or the wide image's own range, to [0, 1]
    else:
        x = np.zeros_like(x)  # one flat grey level: no ink anywhere
    return np.clip(x, 0.0, 1.0), (height, width)


def _working_mode(image) -> str:
    """The mode whose numbers ``read_image`` averages: F for wide images, RGBa (premultiplied) with transparency."""
    if image.mode in WIDE_MODES:
        return "F"
    if "A" in image.mode or "a" in image.mode or "transparency" in image.info:
        return "RGBa"
    return "L" if image.mode in ("1", "L") else "RGB"


def _shrink(image, factor: int):
    """``image`` in its working mode, averaged over factor × factor blocks, converted a band of rows at a time.

    Converting a whole large image to numbers (or even to RGBA) would hold it several times
    over; a band of ``factor`` rows becomes one row of the result, so only one band is ever
    converted. Averaging premultiplied colours (RGBa: colour × alpha) keeps the colour of
    transparent pixels, which is meaningless, out of the averages.
    """
    mode = _working_mode(image)
    width, height = image.size
    small = PIL.Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
    step = factor if factor > 1 else height  # an image small enough already: one band
    for row, top in enumerate(range(0, height, step)):
        band = image.crop((0, top, width, min(top + step, height)))
        band = band.convert("RGBA").convert("RGBa") if mode == "RGBa" else band.convert(mode)
        small.paste(band.reduce(factor) if factor > 1 else band, (0, row))
    return small


def _on_paper(x) -> np.ndarray:
    """Premultiplied RGBa (h, w, 4) in [0, 1] laid on paper: white under dark ink, black under light ink.

    On paper of grey level p, a pixel of colour c and opacity α shows α·c + (1 − α)·p, and
    α·c is what premultiplied values store. The ink's brightness is the opacity-weighted mean
    luma Σ α·luma(c) / Σ α; the paper is its opposite.
    """
    colour, alpha = x[:, :, :3], x[:, :, 3]  # (h, w, 3) premultiplied, (h, w)
    ink = (colour @ LUMA).sum() / alpha.sum() if alpha.sum() > 0 else 0.0
    paper = 1.0 if ink < 0.5 else 0.0
    return colour + (1.0 - alpha)[:, :, None] * paper  # (h, w, 3)


# -- any picture as a model's input -----------------------------------------------------------------


def model_input(image, input_shape):
    """Any picture as the model's input: (x of shape ``input_shape``, [(step name, image), ...]).

    ``image`` is (h, w) grey or (h, w, 3 or 4) colour, floats in [0, 1] or integers 0..255.
    For a 28×28×1 model (MNIST's digits) the steps are: original → grey (luma) → inverted
    when the paper is light (MNIST's ink is bright on black) → ``mnist_style`` (grey levels up
    to ``PAPER_NOISE`` dropped as the paper's, then the digit scaled to 20 px and centred by
    its mass). For other models: resized to H×W, and made grey or colour to match C.

    >>> x, steps = model_input(np.full((40, 30), 255, np.uint8), (28, 28, 1))   # blank white paper
    >>> x.shape, [name for name, _ in steps], float(x.max())
    ((28, 28, 1), ['original', 'inverted', 'mnist_style'], 0.0)
    """
    a = np.asarray(image)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise TypeError(f"expected an image of numbers; received dtype {a.dtype}.")
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3, 4)) or min(a.shape[:2]) < 1:
        raise ValueError(
            f"expected an image of shape (h, w), (h, w, 3) or (h, w, 4); received shape {a.shape}."
        )
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else ()
    if len(shape) != 3 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in shape):
        raise ValueError(
            f"model_input expects the model's input_shape as (H, W, C), three whole numbers >= 1; "
            f"received input_shape={input_shape!r}."
        )
    a = a / 255.0 if np.issubdtype(a.dtype, np.integer) else a.astype(np.float64)
    if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
        raise ValueError("expected grey levels in [0, 1] (or integers 0..255).")
    a = a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a
    a = a[:, :, :3] if a.ndim == 3 else a
    steps = [("original", a)]
    H, W, C = shape
    grey = a @ LUMA if a.ndim == 3 else a  # (h, w): luma, as PIL's "L"
    if (H, W, C) == (FIELD, FIELD, 1):
        if a.ndim == 3:
            steps.append(("grey", grey))
        if grey.mean() > 0.5:  # light paper, dark ink
            grey = 1.0 - grey
            steps.append(("inverted", grey))
        x = mnist_style(grey, threshold=PAPER_NOISE)[:, :, None]  # (28, 28, 1)
        steps.append(("mnist_style", x[:, :, 0]))
        return x.astype(np.float32), steps
    source = grey if C == 1 else (a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2))
    if C == 1 and a.ndim == 3:
        steps.append(("grey", grey))
    pil = PIL.Image.fromarray(np.round(np.clip(source, 0, 1) * 255).astype(np.uint8))
    resized = np.asarray(pil.resize((W, H), PIL.Image.Resampling.BILINEAR), dtype=np.float32) / 255.0
    resized = resized[:, :, None] if resized.ndim == 2 else resized  # (H, W, 1 or 3)
    if resized.shape[2] != C:
        resized = np.repeat(resized[:, :, :1], C, axis=2)  # (H, W, C)
    steps.append((f"resized to {H}×{W}", resized.squeeze()))
    return resized, steps
