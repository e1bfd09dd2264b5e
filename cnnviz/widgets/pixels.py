"""Images as arrays of numbers: ``PixelExplorer``, and the example images the explorers offer."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import images, plot
from .controls import dropdown, int_slider
from .explorer import Explorer

__all__ = ["IMAGES", "PIXEL_IMAGES", "PixelExplorer"]

IMAGES = {  # the images filters and pooling are tried on: floats in 0..1
    "photo, grayscale": lambda: images.grayscale(images.photo())[::2, ::2] / 255.0,
    "photo, RGB": lambda: images.photo()[::2, ::2] / 255.0,
    "digit 7 (28×28)": lambda: images.digit(7) / 255.0,
    "digit 3 (28×28)": lambda: images.digit(3) / 255.0,
}

PIXEL_IMAGES = {  # the images whose numbers are read: as stored (uint8) and as floats
    "photo, RGB (uint8)": lambda: images.photo(),
    "photo, grayscale (uint8)": lambda: images.grayscale(images.photo()),
    "photo, RGB scaled to [0, 1]": lambda: images.photo() / 255.0,
    "digit (28×28, uint8)": lambda: images.digit(7),
}


class PixelExplorer(Explorer):
    """Pick a pixel by row and column and read its numbers, channel by channel."""

    figsize = (11, 3.6)
    margins = {"left": 0.06, "right": 0.98, "bottom": 0.14, "top": 0.88, "wspace": 0.3}

    def __init__(self, image="photo, RGB (uint8)", row=None, col=None):
        if image not in PIXEL_IMAGES:
            raise ValueError(
                f"PixelExplorer's image must be one of {list(PIXEL_IMAGES)}; received {image!r}."
            )
        img = PIXEL_IMAGES[image]()
        H, W = img.shape[:2]
        if row is None and col is None:  # a pixel with something to see: in the photo, the flag's corner
            row, col = (
                (150, 250) if (H, W) == PIXEL_IMAGES["photo, RGB (uint8)"]().shape[:2] else (H // 2, W // 2)
            )
        row, col = (H // 2 if row is None else row), (W // 2 if col is None else col)
        if not (0 <= row < H and 0 <= col < W):
            raise ValueError(
                f"PixelExplorer: the image {image!r} has rows 0..{H - 1} and columns 0..{W - 1}; "
                f"received row={row}, col={col}."
            )
        controls = {
            "image": dropdown("image", PIXEL_IMAGES, image),
            "row": int_slider("row (height)", row, 0, img.shape[0] - 1),
            "col": int_slider("column (width)", col, 0, img.shape[1] - 1),
        }
        self.info = widgets.HTML()
        controls["image"].observe(self._resize, "value")
        super().__init__(controls, extra=[self.info])

    def layout_rows(self):
        c = self.controls
        return [[c["image"]], [c["row"], c["col"]]]

    def _on_change(self, change):
        if change["owner"] is not self.controls["image"]:  # a new image is drawn once, by _resize
            self.render(light=True)

    def _resize(self, change):
        """Keep the sliders inside the new image: rows < H, columns < W."""
        H, W = PIXEL_IMAGES[change["new"]]().shape[:2]
        with self.hold():  # one picture after both limits moved
            for name, size in (("row", H), ("col", W)):
                slider = self.controls[name]
                slider.value = min(slider.value, size - 1)
                slider.max = size - 1

    def draw(self, fig, image, row, col):
        img = PIXEL_IMAGES[image]()
        self.picture = plot.PixelPicture(img, radius=1, fig=fig)  # update() moves it
        self.update(image, row, col)
        return self.picture

    def update(self, image, row, col):
        img = self.picture.img
        self.picture.set(row, col)
        self.info.value = (
            f"<span style='font-size:15px'>array shape <b>{img.shape}</b> (height, width"
            f"{', channels' if img.ndim == 3 else ''}), dtype <b>{img.dtype}</b>; "
            f"img[{row}, {col}] = <b>{np.round(img[row, col], 3)}</b></span>"
        )
        return True
