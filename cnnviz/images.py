"""Example images that need no download: a photograph and digits drawn at MNIST's size.

>>> photo().shape, photo().dtype
((600, 512, 3), dtype('uint8'))
>>> digit(7).shape, digit(7).dtype
((28, 28), dtype('uint8'))
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["LUMA", "digit", "grayscale", "photo"]


# ITU-R BT.601 weights: how much red, green and blue each add to perceived brightness
LUMA = np.array([0.299, 0.587, 0.114])


@functools.cache
def _photo():
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        return mpimg.imread(file, format="jpeg")


def photo():
    """Grace Hopper's portrait, shipped with matplotlib: uint8 (600, 512, 3), values 0..255."""
    return _photo().copy()


def grayscale(img):
    """One channel from three: brightness = 0.299·R + 0.587·G + 0.114·B, same dtype range.

    >>> grayscale(np.array([[[255, 255, 255], [255, 0, 0]]], dtype=np.uint8))
    array([[255,  76]], dtype=uint8)
    """
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"grayscale expects an RGB image (H, W, 3); received shape {img.shape}.")
    gray = img @ LUMA
    return np.round(gray).astype(img.dtype) if img.dtype == np.uint8 else gray


@functools.cache
def _digit(d: int, size: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    scale = 4  # draw large, then average 4×4 blocks: smooth edges like MNIST's
    fig = Figure(figsize=(size * scale / 100, size * scale / 100), dpi=100, facecolor="black")
    fig.text(
        0.5,
        0.47,
        str(d),
        color="white",
        fontsize=size * scale * 0.62,
        ha="center",
        va="center",
        fontweight="bold",
        family="DejaVu Sans",
    )
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    big = np.asarray(canvas.buffer_rgba())[:, :, 0].astype(float)  # (size·4, size·4)
    small = big.reshape(size, scale, size, scale).mean(axis=(1, 3))  # block average
    return np.round(small).astype(np.uint8)


def digit(d: int = 7, size: int = 28):
    """A digit drawn white on black at MNIST's size: uint8 (size, size), values 0..255.

    It is a font glyph, not a handwritten MNIST sample (those come with
    ``cnnviz.datasets.load_mnist()``), but it has the same shape and range.
    """
    if not isinstance(d, int | np.integer) or not 0 <= d <= 9:
        raise ValueError(f"digit expects a whole number 0..9; received d={d!r}.")
    return _digit(int(d), size).copy()
