"""Explorers of convolution: a kernel stepped along a signal (cases 1–3) and over a grid (case 4),
a 3×3 kernel on a real image, and the output-size formula."""

from __future__ import annotations

from types import SimpleNamespace

import ipywidgets as widgets
import numpy as np

from .. import plot
from ..cases import conv1d, conv2d
from ..kernels import CHANNEL_MIX, KERNELS, SIGNALS, TAPS  # the 1D cases' data live with the kernels
from ..plot.arithmetic import ConvArithmeticPicture, TransposedArithmeticPicture
from ..plot.filters import ImageFilterPicture
from ..plot.steps import Conv2DBackwardStep
from ..sizes import output_length, resolve_padding, transposed_output_length, window_geometry
from .controls import STYLE, StepControls, dropdown, int_slider, learner_array
from .explorer import Explorer
from .gridstep import GridStepExplorer
from .pixels import IMAGES

__all__ = [
    "CHANNEL_MIX",
    "MODES",
    "SIGNALS",
    "TAPS",
    "Conv1DExplorer",
    "Conv2DStepExplorer",
    "ConvArithmeticExplorer",
    "ImageKernelExplorer",
    "OutputSizeExplorer",
    "upstream_gradient",
]


class Conv1DExplorer(Explorer):
    """Step a kernel along a 1D signal, output cell by output cell: the notes' cases 1, 2 and 3.

    Case 1: one channel, one kernel. Case 2: two channels, one kernel whose depth
    is the input's. Case 3: two channels, two kernels, two output channels. The
    window's products and their sum are written out for the current cell, and
    the feature map fills in up to it. K, P and S can be changed; K never
    exceeds the padded input (K ≤ L + 2P).
    """

    figsize = (10, 4.2)
    # the same cells: the window and the numbers move; a new kernel is drawn into the saved background
    light_controls = ("i", "taps", "mix", "o")
    margins = {"left": 0.07, "right": 0.98, "bottom": 0.08, "top": 0.80, "hspace": 1.0, "wspace": 0.15}

    def __init__(self, case=1, x=None, K=3, taps="edge: +1 … −1", mix=None):
        if case not in CHANNEL_MIX:
            raise ValueError(f"Conv1DExplorer covers the notes' cases 1, 2 and 3; received case={case!r}.")
        self.case = case
        height = 3.0 + 1.0 * (case - 1)  # more rows to draw with more channels and kernels
        self.figsize = (10, height)
        title_lines = 1 if case == 1 else 4  # "y[i] = …", or a line per channel and their total
        self.margins = {**self.margins, "top": 1 - (0.35 + 0.2 * title_lines) / height}  # the sum fits
        self.x = (
            SIGNALS[case] if x is None else learner_array("x", x, (1, 2), "Conv1DExplorer")
        )  # (L,) or (L, C)
        self.steps = StepControls("output cell i")
        L = len(self.x)
        controls = {
            "taps": dropdown("kernel taps", TAPS, taps),
            "mix": dropdown(
                "channels", CHANNEL_MIX[case], mix or next(iter(CHANNEL_MIX[case])), disabled=case == 1
            ),
            "K": int_slider("kernel size K", K, 1, L),
            "P": int_slider("padding P", 0, 0, 3),
            "S": int_slider("stride S", 1, 1, 4),
            "o": int_slider(
                "kernel o", 0, 0, len(next(iter(CHANNEL_MIX[case].values()))[0]) - 1, disabled=case != 3
            ),
            "i": self.steps.slider,
        }
        self.controls = controls
        # K may not exceed the padded input: K ≤ L + 2P (observed before the redraw is requested)
        controls["P"].observe(lambda ch: setattr(controls["K"], "max", L + 2 * ch["new"]), "value")
        super().__init__(controls)

    def layout_rows(self):
        c = self.controls
        rows = [[c["taps"], c["K"]], [c["P"], c["S"]]]
        if self.case > 1:  # channels and kernels only matter from case 2 (channels) and 3 (kernels) on
            rows.append([c["mix"], c["o"]] if self.case == 3 else [c["mix"]])
        return [*rows, self.steps.row().children]

    def kernel(self, taps, mix, K):
        """w (K, C, k) with w[j, c, o] = taps[j] · mix[c, o]."""
        return TAPS[taps](K)[:, None, None] * np.asarray(CHANNEL_MIX[self.case][mix])[None]

    def draw(self, fig, taps, mix, K, P, S, o, i):
        w = self.kernel(taps, mix, K)
        x = self.x if self.x.ndim == 2 else self.x[:, None]
        y = conv1d(x, w, strides=S, padding=P)  # (L', k); raises a clear ValueError when impossible
        self.steps.set_maximum(len(y) - 1)
        i = min(i, len(y) - 1)
        C, k = x.shape[1], w.shape[2]
        grid = fig.add_gridspec(2, 2, width_ratios=[len(x) + 2 * P, max(K, 3)], height_ratios=[C, k + 0.4])
        axes = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 0]))
        return plot.Conv1DStep(x, w, S=S, P=P, o=o, axes=axes).set(i)

    def update(self, taps, mix, K, i, o, **_):
        if i >= self.picture.y.shape[1]:
            return False
        w = self.kernel(taps, mix, K)
        if o != self.picture.o or not np.array_equal(w, self.picture.w):
            self.picture.set_kernel(w, o)
            self.draw_background(self.dynamic)  # the kernel sits in the background, which steps leave alone
        self.picture.set(i)
        return True


class OutputSizeExplorer(Explorer):
    """L' = ⌊(L + 2P − K)/S⌋ + 1 with the learner's numbers, next to the real output of cnnviz.

    Padding can be set as a number or as Keras' "valid"/"same", and the
    per-side cells that "same" adds are shown.
    """

    figsize = (10, 3.4)
    margins = {"left": 0.03, "right": 0.98, "bottom": 0.04, "top": 0.8}

    def __init__(self, L=7, K=3, P=0, S=1):
        controls = {
            "L": int_slider("input L", L, 1, 20),
            "K": int_slider("kernel K", K, 1, 9),
            "mode": widgets.ToggleButtons(
                options=["number", "valid", "same"], value="number", description="padding", style=STYLE
            ),
            "P": int_slider("padding P", P, 0, 5),
            "S": int_slider("stride S", S, 1, 5),
        }
        super().__init__(controls)
        controls["mode"].observe(
            lambda ch: setattr(controls["P"], "disabled", ch["new"] != "number"), "value"
        )

    def layout_rows(self):
        c = self.controls
        return [[c["L"], c["K"]], [c["mode"]], [c["P"], c["S"]]]

    def draw(self, fig, L, K, mode, P, S):
        pads = resolve_padding(P if mode == "number" else mode, L, K, S)
        y = conv1d(np.ones(L), np.ones(K), strides=S, padding=pads)  # the real computation
        used = (
            f"padding used: {pads[0]} before, {pads[1]} after"
            if mode != "number"
            else f"P = {P} on each side"
        )
        plot.show_output_size(
            L, K, pads, S, ax=fig.subplots(), note=f"{used};  cnnviz.conv1d(...).shape = {y.shape}"
        )


class ConvArithmeticExplorer(Explorer):
    """Convolution arithmetic in 2D for the learner's L, K, P, S and D, with the transposed convolution.

    Top: the padded input with the taps of one window position, and the output grid.
    Bottom: the transposed convolution with the same K and S (and "same" or "valid"
    padding) applied to that output, which grows it back. Padding is a number of cells
    or "valid", "same" or "full" (P = D·(K − 1)).
    """

    figsize = (10, 9)
    margins = {"left": 0.02, "right": 0.98, "bottom": 0.01, "top": 0.88, "hspace": 0.45, "wspace": 0.1}
    light_controls = ("cell",)  # another cell moves the marks in place (update); the rest rebuilds

    def __init__(self, L=5, K=3, P=0, S=1, D=1, padding="number"):
        controls = {
            "L": int_slider("input L", L, 1, 12),
            "K": int_slider("kernel K", K, 1, 6),
            "mode": widgets.ToggleButtons(
                options=["number", "valid", "same", "full"], value=padding, description="padding", style=STYLE
            ),
            "P": int_slider("padding P", P, 0, 4, disabled=padding != "number"),
            "S": int_slider("stride S", S, 1, 4),
            "D": int_slider("dilation D", D, 1, 3),
            "cell": int_slider("output cell", 0, 0, 0),
        }
        controls["mode"].observe(
            lambda ch: setattr(controls["P"], "disabled", ch["new"] != "number"), "value"
        )
        super().__init__(controls)

    def layout_rows(self):
        c = self.controls
        return [[c["L"], c["K"]], [c["mode"]], [c["P"], c["S"]], [c["D"], c["cell"]]]

    def padding(self, L, K, mode, P, S, D):
        """(before, after) cells for the current controls."""
        return plot.arithmetic_padding(P if mode == "number" else mode, L, K, S, D)

    def draw(self, fig, L, K, mode, P, S, D, cell):
        pads = self.padding(L, K, mode, P, S, D)
        L_out = output_length(L, K, pads, S, D)  # raises, with the formula, when impossible
        # the real thing; conv2d reads one pair as (rows, cols), so give each axis its (before, after)
        y = conv2d(np.ones((L, L)), np.ones((K, K)), strides=S, padding=(pads, pads), dilation_rate=D)
        self.controls["cell"].max = L_out * L_out - 1
        cell = min(cell, L_out * L_out - 1)
        back = "same" if mode == "same" else "valid"
        T = transposed_output_length(L_out, K, S, back)
        covered = (L_out - 1) * S + max(K, S)
        n = L + pads[0] + pads[1]
        outer = fig.add_gridspec(2, 1, height_ratios=[max(n, L_out), covered])
        top = outer[0].subgridspec(1, 2, width_ratios=[max(n, 1), max(L_out, 3)], wspace=0.15)
        bottom = outer[1].subgridspec(1, 2, width_ratios=[max(L_out, 3), covered], wspace=0.15)
        i, j = cell // L_out, cell % L_out
        forward = ConvArithmeticPicture(
            L, K, pads, S, D, i=i, j=j, axes=[fig.add_subplot(top[0]), fig.add_subplot(top[1])]
        )
        heading = (
            f"transposed convolution of the output above (K = {K}, S = {S}, {back!r}"
            + (", no dilation)" if D > 1 else ")")
            + f": {L_out}×{L_out} → {T}×{T}\n"
        )
        transposed = TransposedArithmeticPicture(
            L_out, K, S, back, i=i, j=j, heading=heading,
            axes=[fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1])],
        )  # fmt: skip
        fig.suptitle(
            f"L' = ⌊({L} + {pads[0]} + {pads[1]} − {D * (K - 1) + 1}) / {S}⌋ + 1 = {L_out}"
            f"   (window D·(K − 1) + 1 = {D * (K - 1) + 1});   cnnviz.conv2d(...).shape = {y.shape}",
            fontsize=plot.FONT,
        )
        self.pictures = (forward, transposed)
        return SimpleNamespace(dynamic=[*forward.dynamic, *transposed.dynamic])

    def update(self, cell, **_):
        """Another output cell: its window and taps, and the transposed convolution's cell and copy, moved."""
        forward, transposed = self.pictures
        i, j = divmod(min(cell, forward.L_out * forward.L_out - 1), forward.L_out)
        forward.set_cell(i, j)
        transposed.set_cell(i, j)
        return True


class ImageKernelExplorer(Explorer):
    """A 3×3 kernel applied to a real image: presets, an editable grid, ReLU, flip, stride, padding.

    With an RGB image the kernel is applied to each colour channel and the
    three results are summed (one kernel of depth 3, as in case 4).
    """

    figsize = (11, 3.8)
    coalesce = True  # a picture takes about 100 ms: key presses queued meanwhile are drawn once
    # the weights (and a preset's), ReLU, flip, stride and padding keep the image: the picture moves in place
    light_controls = ("relu", "flip", "S", "P", *(f"w{r}{c}" for r in range(3) for c in range(3)))
    margins = {"left": 0.05, "right": 0.98, "bottom": 0.12, "top": 0.9, "wspace": 0.15}
    _loading = False  # True while a preset fills the nine cells: they are drawn once, after

    def __init__(self, image="photo, grayscale", kernel="sobel x"):
        self.cells = [
            widgets.FloatText(value=float(v), layout={"width": "64px"}) for v in KERNELS[kernel].ravel()
        ]
        controls = {
            "image": dropdown("image", IMAGES, image),
            "kernel": dropdown("kernel", [*KERNELS, "custom"], kernel),
            "relu": widgets.Checkbox(
                value=False,
                description="ReLU: φ(y) = max(y, 0)",
                style={"description_width": "initial"},
                layout={"width": "300px"},
            ),
            "flip": widgets.Checkbox(
                value=False,
                description="flip the kernel (true convolution)",
                style={"description_width": "initial"},
                layout={"width": "360px"},
            ),
            "S": int_slider("stride S", 1, 1, 4),
            "P": widgets.ToggleButtons(
                options=["valid", "same"], value="valid", description="padding", style=STYLE
            ),
        }
        for k, cell in enumerate(self.cells):
            controls[f"w{k // 3}{k % 3}"] = cell
        controls["kernel"].observe(self._load_preset, "value")
        grid = widgets.GridBox(self.cells, layout={"grid_template_columns": "repeat(3, 70px)"})
        super().__init__(
            controls, extra=[widgets.HBox([widgets.Label("weights w (edit to make your own):"), grid])]
        )

    def layout_rows(self):
        c = self.controls
        return [[c["image"], c["kernel"]], [c["S"], c["P"]], [c["relu"], c["flip"]]]

    def _load_preset(self, change):
        if change["new"] == "custom":
            return
        self._loading = True  # one picture for the nine cells, not nine: drawn below
        try:
            for cell, v in zip(self.cells, KERNELS[change["new"]].ravel()):
                cell.value = float(v)
        finally:
            self._loading = False
        self.render(light=True)  # new weights, the same picture's layout

    def _on_change(self, change):
        if change["owner"] is self.controls["kernel"] or self._loading:
            return  # a preset is drawn once, by _load_preset
        if change["owner"] in self.cells and not self.held and self.controls["kernel"].value != "custom":
            preset = KERNELS[self.controls["kernel"].value].ravel()
            if any(cell.value != v for cell, v in zip(self.cells, preset)):
                self.controls["kernel"].value = "custom"  # an edited preset becomes "custom"
        super()._on_change(change)

    def compute(self, image, relu, flip, S, P, **weights):
        """The image, the kernel as applied (3, 3) (flipped or not) and the output, after ReLU when it is on.

        Raises a ValueError for weights that are not numbers of a sensible size.
        """
        w = np.array([weights[f"w{r}{c}"] for r in range(3) for c in range(3)]).reshape(3, 3)
        if not np.isfinite(w).all() or np.abs(w).max() > 1e6:
            raise ValueError(
                "The kernel's weights must be numbers between −1,000,000 and 1,000,000; received "
                + ", ".join(f"{v:g}" for v in w.ravel() if not (np.isfinite(v) and abs(v) <= 1e6))
                + "."
            )
        img = IMAGES[image]()
        applied = w[::-1, ::-1] if flip else w  # true convolution flips the kernel both ways
        y = conv2d(
            img,
            np.repeat(applied[:, :, None], img.shape[2], axis=2) if img.ndim == 3 else applied,
            strides=S,
            padding=P,
        )
        return img, applied, np.maximum(y, 0) if relu else y

    @staticmethod
    def titles(relu, flip):
        """The three panels' titles."""
        return (
            "input",
            "kernel as applied" + (" (flipped)" if flip else ""),
            "ReLU(output)" if relu else "output",
        )

    @staticmethod
    def padding_note(img, S, P):
        """The line under the output: the cells of zeros added on each side.

        (ERRATA 4: "same" may pad more at the bottom and right.)
        """
        (top, bottom), (left, right) = (resolve_padding(P, L=n, K=3, S=S) for n in img.shape[:2])
        return f"padding {P!r}, zeros added per side:\n(top, bottom) = ({top}, {bottom}), (left, right) = ({left}, {right})"

    def draw(self, fig, image, kernel, relu, flip, S, P, **weights):
        img, applied, y = self.compute(image, relu, flip, S, P, **weights)
        return ImageFilterPicture(
            img, y, applied, fig=fig, note=self.padding_note(img, S, P), titles=self.titles(relu, flip)
        )

    def update(self, image, kernel, relu, flip, S, P, **weights):
        """New weights, ReLU, flip, stride or padding: the kernel and the output move in place."""
        img, applied, y = self.compute(image, relu, flip, S, P, **weights)
        self.picture.set(y, applied, self.titles(relu, flip), note=self.padding_note(img, S, P))
        return True


MODES = {  # the explorer's modes: what its steps walk over
    "forward": "cell number",  # the output y, cell by cell
    "backward dL/dw": "tap (u, v)",  # the kernel's taps: dL/dw, cell by cell
    "backward dL/dx": "input cell",  # the input's cells: dL/dx, cell by cell
}


def upstream_gradient(shape):
    """A small whole-number gradient dL/dy of the output's ``shape`` (H', W', F), the same every time.

    dy[i, j, o] cycles through 1, −1, 2 along i + 2j + o: easy to multiply by hand, never 0.

    >>> upstream_gradient((2, 2, 1))[:, :, 0]
    array([[ 1.,  2.],
           [-1.,  1.]])
    """
    i, j, o = np.indices(shape)
    return np.array([1.0, -1.0, 2.0])[(i + 2 * j + o) % 3]


class Conv2DStepExplorer(GridStepExplorer):
    """Case 4 on a small grid: step the window over a 2-channel input with two 2×2 kernels.

    Click an output cell to jump to it; click an input cell to see which output cells read it.

    ``mode`` shows the backward pass instead, given a gradient ``dy`` = dL/dy of the
    output (``upstream_gradient``: small whole numbers). "backward dL/dw" steps over
    the taps (u, v) of kernel o: each pairs dy[i, j] with the input cell it read in
    window (i, j), dL/dw[u, v, c, o] = Σ_ij dy[i, j, o] · x_pad[i·S + u, j·S + v, c].
    "backward dL/dx" steps over the input's cells (a, b): the windows that read
    x[a, b] send back w[u, v] · dy[i, j], one product per window. The numbers are
    ``ops.conv2d_backward``'s:

    >>> explorer = Conv2DStepExplorer(x=np.arange(9).reshape(3, 3), w=[[1, 0], [0, -1]], b=None)
    >>> explorer.controls["mode"].value = "backward dL/dw"
    >>> explorer.controls["step"].value = 1          # tap (0, 1)
    >>> print(explorer.picture.text.get_text())
    dL/dw[0, 1, c, 0] = Σ_ij dy[i, j, 0] · x_pad[i + 0, j + 1, c]:  2·2 = 4 products per channel
    c = 0: 1·1 + 2·2 + (−1)·4 + 1·5 = 6
    """

    light_controls = ("step", "o")  # forward, another kernel is drawn in place (into the saved background)
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.05, "top": 0.93, "hspace": 0.3, "wspace": 0.25}

    def __init__(self, x=None, w=None, b=(1.0, -1.0)):
        where = "Conv2DStepExplorer"
        x = np.arange(18).reshape(3, 3, 2) % 5 if x is None else x
        w = [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, -1]]]] if w is None else w
        self.x = learner_array("x", x, (2, 3), where)  # (H, W) or (H, W, C)
        self.x = self.x[:, :, None] if self.x.ndim == 2 else self.x
        self.w = learner_array("w", w, (2, 3, 4), where)  # (KH, KW), (KH, KW, C) or (KH, KW, C, F)
        if self.w.ndim == 2 and self.x.shape[2] == 1:
            self.w = self.w[:, :, None, None]  # one 2D kernel on a one-channel grid
        elif self.w.ndim == 3 and self.w.shape[2] == self.x.shape[2]:
            self.w = self.w[..., None]  # one kernel spanning the input's channels
        if self.w.ndim != 4 or self.w.shape[2] != self.x.shape[2]:
            raise ValueError(
                f"{where}: the kernel's depth must equal the input's channels ({self.x.shape[2]}); received "
                f"x of shape {np.shape(x)} and w of shape {np.shape(w)}."
            )
        if b is not None and np.shape(b) == (2,) and self.w.shape[3] != 2 and tuple(b) == (1.0, -1.0):
            b = None  # the default biases belong to the default two kernels: another kernel gets none
        self.b = None if b is None else learner_array("b", b, (1,), where)
        if self.b is not None and len(self.b) != self.w.shape[3]:
            raise ValueError(
                f"{where} expects one bias per kernel ({self.w.shape[3]}); received b of shape {self.b.shape}."
            )
        self.steps = StepControls("cell number")  # row by row: (i, j) is shown in the picture
        controls = {
            "P": int_slider("padding P", 0, 0, 1),
            "S": int_slider("stride S", 1, 1, 3),
            "o": int_slider("kernel o", 0, 0, self.w.shape[3] - 1),
            "mode": widgets.ToggleButtons(
                options=list(MODES), value="forward", description="pass", style=STYLE
            ),
            "step": self.steps.slider,
        }
        super().__init__(controls)

    @property
    def figsize(self):
        """Taller for a backward pass: it writes its products under the grids (more with more channels)."""
        mode = self.controls["mode"].value
        if mode == "forward":
            return (10, 5.6)
        try:  # the output's size, for the room its products need; an impossible one is explained by draw
            (Ho, Wo), _ = window_geometry(
                self.x.shape[:2], self.w.shape[:2], self.values["S"], self.values["P"]
            )
        except ValueError:
            Ho = Wo = 1
        return (
            10,
            Conv2DBackwardStep.figure_height(self.w.shape, (Ho, Wo), "w" if mode.endswith("dw") else "x"),
        )

    @property
    def backward(self):
        """True when the picture is a backward pass (a ``Conv2DBackwardStep``)."""
        return isinstance(getattr(self, "picture", None), Conv2DBackwardStep)

    def layout_rows(self):
        c = self.controls
        return [[c["mode"]], [c["P"], c["S"], c["o"]], self.steps.row().children]

    def draw(self, fig, P, S, o, mode, step):
        self.steps.slider.description = MODES[mode]
        if mode != "forward":
            # the output's size, and the check that the window fits, come from cnnviz.conv2d
            y = conv2d(self.x, self.w, strides=S, padding=P)  # (H', W', F)
            wrt = "w" if mode == "backward dL/dw" else "x"
            picture = Conv2DBackwardStep(self.x, self.w, upstream_gradient(y.shape), S, P, o, wrt, fig=fig)
        else:
            axes = fig.subplots(2, self.x.shape[2] + 1, height_ratios=[1.4, 1])
            # the picture's output is cnnviz.conv2d's; it raises a clear ValueError when impossible
            picture = plot.Conv2DStep(self.x, self.w, S=S, P=P, o=o, b=self.b, axes=axes)
        self.show_step(picture, step)
        return picture

    # a backward picture steps over the gradient's cells; the forward one is GridStepExplorer's
    def show_step(self, picture, step):
        if not isinstance(picture, Conv2DBackwardStep):
            return super().show_step(picture, step)
        self.picture, self.overlay = picture, None
        self.steps.set_maximum(picture.steps - 1)
        picture.set(min(step, picture.steps - 1))

    def update(self, step, o, **values):
        if not self.backward:
            if o != self.picture.o:
                # kernel o's slices and output map, in the same cells; the kernels sit in the
                # background (steps leave them alone), so it is drawn again
                self.picture.set_kernel(o)
                self.draw_background(self.dynamic)
            return super().update(step, **values)
        if o != self.picture.o or step >= self.picture.steps:
            return False  # another kernel's backward pass: drawn anew
        self.picture.set(step)
        return True

    def on_picture_click(self, x, y):
        if not self.backward:
            return super().on_picture_click(x, y)
        # a click on a cell of the gradient being filled jumps to it
        ax, point = self.axes_at(x, y, self.picture.axes[1, :-1])
        if ax is None:
            return
        col, row = (round(v) for v in point)
        rows, cols = self.picture.grid.shape[:2]
        if 0 <= row < rows and 0 <= col < cols:
            self.controls["step"].value = row * cols + col

    def click_geometry(self):
        C = self.x.shape[2]
        return list(self.picture.axes[0, :C]), self.picture.axes[1, C], self.w.shape[:2], self.picture.S
