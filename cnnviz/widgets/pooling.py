"""Explorers of pooling: a window stepped over one channel, and what a small shift does to max-pooling."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import ops, plot
from ..plot.arrays import ShiftPoolingPicture
from .controls import STYLE, StepControls, dropdown, int_slider, learner_array
from .explorer import Explorer
from .gridstep import GridStepExplorer
from .pixels import IMAGES

__all__ = ["POOL_GRID", "PoolStepExplorer", "ShiftExplorer"]

POOL_GRID = np.array([[1, 3, 2, 0, 5, 1], [4, 2, 1, 5, 1, 0], [0, 1, 7, 2, 3, 2],
                      [3, 2, 1, 1, 0, 6], [2, 6, 0, 1, 4, 1], [1, 0, 3, 2, 2, 5]], dtype=float)  # fmt: skip


class PoolStepExplorer(GridStepExplorer):
    """Step a pooling window over one channel: pool size K, stride S, padding, max or average.

    Click an output cell to jump to it; click an input cell to see which output cells read it.
    """

    figsize = (10, 4.2)
    light_controls = ("step", "mode")  # max or average: other numbers in the same cells
    kinds = {"max": "max", "average": "avg"}  # the toggle's words: Pool2DStep's modes
    margins = {"left": 0.02, "right": 0.98, "bottom": 0.03, "top": 0.9, "wspace": 0.15}

    def __init__(self, x=None, K=2, S=2):
        self.x = (
            POOL_GRID if x is None else learner_array("x", x, (2,), "PoolStepExplorer")
        )  # (rows, columns)
        self.steps = StepControls("cell number")  # row by row: (i, j) is shown in the picture
        controls = {
            "mode": widgets.ToggleButtons(
                options=["max", "average"], value="max", description="pooling", style=STYLE
            ),
            "K": int_slider("pool size K", K, 1, 4),
            "S": int_slider("stride S", S, 1, 4),
            "P": int_slider("padding P", 0, 0, max(K - 1, 0)),
            "step": self.steps.slider,
        }
        # each side's padding must stay below K, so that no window is all padding
        controls["K"].observe(lambda ch: setattr(controls["P"], "max", max(ch["new"] - 1, 0)), "value")
        super().__init__(controls)

    def layout_rows(self):
        c = self.controls
        return [[c["mode"]], [c["K"], c["S"]], [c["P"]], self.steps.row().children]

    def draw(self, fig, mode, K, S, P, step):
        axes = fig.subplots(1, 2, width_ratios=[self.x.shape[1] + 2 * P, self.x.shape[1] // 2 + 2])
        picture = plot.Pool2DStep(self.x, K, S, P, self.kinds[mode], axes=axes)
        self.show_step(picture, step)
        return picture

    def update(self, mode, step, **values):
        if self.kinds[mode] != self.picture.mode:
            self.picture.set_mode(self.kinds[mode])
            self.draw_background(self.dynamic)  # the input's title sits in the background
        return super().update(step, **values)

    def click_geometry(self):
        return [self.picture.axes[0]], self.picture.axes[1], (self.picture.K, self.picture.K), self.picture.S


class ShiftExplorer(Explorer):
    """Shift an image by a pixel or two and see which max-pooled outputs stay and which change.

    Max-pooling forgives some small shifts, not all: an output stays when its
    window's maximum is still inside the window after the shift, and changes
    when the maximum crosses into a neighbouring window.
    """

    figsize = (11, 3.6)
    light_controls = ("dx", "dy")  # the same four panels: the shifted image and the maps move in place
    margins = {"left": 0.02, "right": 0.98, "bottom": 0.04, "top": 0.86, "wspace": 0.12}

    def __init__(self, image="digit 7 (28×28)"):
        controls = {
            "image": dropdown("image", ["digit 7 (28×28)", "digit 3 (28×28)"], image),
            "dx": int_slider("shift right", 1, -3, 3),
            "dy": int_slider("shift down", 0, -3, 3),
            "K": int_slider("pool size K", 2, 2, 4),
        }
        super().__init__(controls)

    def compute(self, image, dx, dy, K):
        """Pooled outputs before and after shifting the image by (dy, dx) pixels (zeros move in)."""
        img = IMAGES[image]()
        shifted = np.roll(img, (dy, dx), axis=(0, 1))  # the digit sits on a black border: nothing wraps
        pool = lambda a: ops.max_pool2d_forward(a[None, :, :, None], K)[0][0, :, :, 0]  # noqa: E731
        return img, shifted, pool(img), pool(shifted)

    def draw(self, fig, image, dx, dy, K):
        img, shifted, before, after = self.compute(image, dx, dy, K)
        return ShiftPoolingPicture(img, shifted, before, after, (dy, dx), K, fig=fig)

    def update(self, image, dx, dy, K):
        _, shifted, _, after = self.compute(image, dx, dy, K)
        self.picture.set(shifted, after, (dy, dx))
        return True
