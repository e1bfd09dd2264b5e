"""Explorers: small interactive pictures built from ipywidgets controls.

Each explorer is a pure compute step plus a pure drawing step (``cnnviz.plot``)
plus thin glue: when a control changes, the picture is drawn again into a
fresh ``Figure`` (no pyplot, so nothing accumulates), turned into a PNG and put
into an ``Output`` widget. That works the same in JupyterLab, on Binder, under
nbval and in plain pytest without a kernel, where tests set ``.value`` on the
controls and look at what was drawn.

A setting that makes no sense (a kernel larger than the padded input, say)
shows its explanation in place of the picture; it never raises into the
notebook. Displayed without a kernel (GitHub, nbviewer), an explorer shows the
PNG of its default state.
"""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image
from IPython.display import HTML, Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import images, ops, plot
from .cases import conv1d, conv2d
from .kernels import KERNELS
from .sizes import resolve_padding

SLIDER_LAYOUT = {"width": "340px"}
# explorers redraw on every change: nearest-pixel image scaling is several times faster than
# matplotlib's default antialiasing filter, and at these sizes looks the same
FAST_DRAWING = {"image.interpolation": "nearest"}
STYLE = {"description_width": "110px"}

TAPS = {  # the K weights along the signal, for any K
    "edge: +1 … −1": lambda K: np.r_[1.0, np.zeros(max(K - 2, 0)), -1.0][:K] if K > 1 else np.ones(1),
    "average: 1/K each": lambda K: np.full(K, 1.0 / K),
    "sum: 1 each": lambda K: np.ones(K),
    "peak: −1 … 2 … −1": lambda K: np.r_[-1.0, np.full(max(K - 2, 1), 2.0 / max(K - 2, 1)), -1.0][:K],
    "identity: 1 at the centre": lambda K: np.eye(K)[(K - 1) // 2],
}

CHANNEL_MIX = {  # weight of each channel c in each kernel o: w[j, c, o] = taps[j] · mix[c, o]
    1: {"one channel, one kernel": [[1.0]]},
    2: {
        "all channels alike": [[1.0], [1.0]],
        "channel 0 only": [[1.0], [0.0]],
        "channel 0 minus channel 1": [[1.0], [-1.0]],
    },
    3: {
        "kernel o reads channel o": [[1.0, 0.0], [0.0, 1.0]],
        "sum and difference": [[1.0, 1.0], [1.0, -1.0]],
        "both read channel 0": [[1.0, 1.0], [0.0, 0.0]],
    },
}

SIGNALS = {  # the input x of each case: (L,) or (L, C)
    1: np.array([0, 0, 1, 3, 3, 3, 1, 0, 0, 2], dtype=float),
    2: np.array([[0, 1], [0, 1], [2, 1], [2, 3], [2, 3], [0, 3], [0, 1], [1, 1]], dtype=float),
    3: np.array([[0, 1], [0, 1], [2, 1], [2, 3], [2, 3], [0, 3], [0, 1], [1, 1]], dtype=float),
}


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What the canvas shows, as PNG bytes (fast compression: explorers redraw often)."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class Explorer:
    """Base class: ``controls`` (a dict of widgets), ``out`` (the picture), ``widget`` (the layout).

    Subclasses set ``figsize`` and implement ``draw(fig, **values)``, where
    ``values`` maps each control's name to its value. ``draw`` may raise
    ``ValueError`` or ``TypeError``; the message is shown instead of a picture.
    """

    figsize = (8, 3)
    dpi = 72
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.1, "top": 0.88, "hspace": 0.8, "wspace": 0.3}
    _drawing = False
    _canvas = None
    light_controls = ()  # controls whose change only moves ``self.dynamic`` (see update)

    def __init__(self, controls: dict, extra=()):
        self.controls = controls
        self.out = widgets.Output(layout={"min_height": f"{self.figsize[1] * self.dpi}px"})
        self.message = ""  # the last error message shown, "" when the picture is shown
        self.png = b""  # the last picture, as PNG bytes
        for control in controls.values():
            control.observe(self._on_change, names="value")
        rows = [widgets.HBox(list(group)) for group in self.layout_rows()]
        self.widget = widgets.VBox([*rows, *extra, self.out])
        # CSS classes, so that browser tests (and custom styles) can find the parts
        self.widget.add_class("cnnviz-explorer")
        self.widget.add_class(f"cnnviz-{type(self).__name__}")
        self.out.add_class("cnnviz-picture")
        for name, control in controls.items():
            control.add_class(f"cnnviz-control-{name}")
        self.render()

    def layout_rows(self):
        """Controls grouped into rows, two per row by default."""
        items = list(self.controls.values())
        return [items[i : i + 2] for i in range(0, len(items), 2)]

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def draw(self, fig: Figure, **values) -> None:  # pragma: no cover - subclasses draw
        raise NotImplementedError

    def update(self, **values) -> bool:
        """Move the picture's ``dynamic`` artists for a change of a light control.

        Return False when the change needs a full redraw instead. Subclasses that
        list ``light_controls`` implement it.
        """
        return False

    def render(self, light: bool = False) -> None:
        """Draw the current state into ``out``: the picture, or the message explaining the problem.

        A full render builds a new figure. After a change of one of the
        ``light_controls`` (stepping the window, say) only the artists in
        ``self.dynamic`` are drawn again, over a saved copy of everything else
        (matplotlib's blitting), which is many times faster.
        """
        if self._drawing:  # a control changed by draw() itself (a limit moved): one picture is enough
            return
        self._drawing = True
        try:
            with matplotlib.rc_context(FAST_DRAWING):
                if light and self._canvas is not None and self.update(**self.values):
                    png = self._draw_dynamic(restore=True)
                else:
                    png = self._draw_full()
        except (ValueError, TypeError) as error:
            self._canvas = None
            self.message, self.png = str(error), b""
            self.out.outputs = ()
            self.out.append_display_data(
                HTML(
                    '<div style="font-size:15px;color:#a00;border:1px solid #a00;padding:8px;max-width:900px">'
                    f"{html.escape(self.message)}</div>"
                )
            )
            return
        finally:
            self._drawing = False
        self.message, self.png = "", png
        self.out.outputs = ()
        self.out.append_display_data(Image(data=self.png, format="png"))

    def _draw_full(self) -> bytes:
        fig = Figure(figsize=self.figsize, dpi=self.dpi)
        fig.subplots_adjust(**self.margins)
        self.dynamic = []
        self.draw(fig, **self.values)
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of the saved background
        self._canvas = FigureCanvasAgg(fig)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(fig.bbox)
        return self._draw_dynamic(restore=False)

    def _draw_dynamic(self, restore: bool) -> bytes:
        if restore:
            self._canvas.restore_region(self._background)
        for artist in self.dynamic:
            self._canvas.figure.draw_artist(artist)
        return canvas_png(self._canvas)

    def _on_change(self, change) -> None:
        name = next((n for n, c in self.controls.items() if c is change["owner"]), None)
        self.render(light=name in self.light_controls)

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a PNG of the current picture for viewers without a kernel."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data)
        if self.png:
            import base64

            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = (
            f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"
        )
        return data


def int_slider(description, value, low, high, **kwargs):
    """An integer slider with the look shared by all explorers."""
    return widgets.IntSlider(
        value=value, min=low, max=high, description=description, layout=SLIDER_LAYOUT, style=STYLE, **kwargs
    )


class StepControls:
    """A position slider with ◀ / ▶ buttons and a Play control (with a speed slider)."""

    def __init__(self, description="position i", maximum=0):
        self.slider = int_slider(description, 0, 0, maximum)
        self.previous = widgets.Button(description="◀", layout={"width": "44px"}, tooltip="previous position")
        self.next = widgets.Button(description="▶", layout={"width": "44px"}, tooltip="next position")
        self.play = widgets.Play(value=0, min=0, max=maximum, interval=700, description="play")
        self.speed = widgets.IntSlider(
            value=700,
            min=150,
            max=2000,
            step=50,
            description="ms per step",
            layout={"width": "260px"},
            style=STYLE,
        )
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        widgets.jslink((self.speed, "value"), (self.play, "interval"))
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(+1))

    def step(self, delta: int) -> None:
        self.slider.value = min(max(self.slider.value + delta, self.slider.min), self.slider.max)

    def set_maximum(self, maximum: int) -> None:
        maximum = max(maximum, 0)
        if self.slider.value > maximum:
            self.slider.value = maximum
        self.slider.max = self.play.max = maximum

    def row(self):
        return widgets.HBox([self.previous, self.slider, self.next, self.play, self.speed])


class Conv1DExplorer(Explorer):
    """Step a kernel along a 1D signal, output cell by output cell: the notes' cases 1, 2 and 3.

    Case 1: one channel, one kernel. Case 2: two channels, one kernel whose depth
    is the input's. Case 3: two channels, two kernels, two output channels. The
    window's products and their sum are written out for the current cell, and
    the feature map fills in up to it. K, P and S can be changed; K never
    exceeds the padded input (K ≤ L + 2P).
    """

    figsize = (10, 4.2)
    light_controls = ("i",)
    margins = {"left": 0.07, "right": 0.98, "bottom": 0.08, "top": 0.80, "hspace": 1.0, "wspace": 0.15}

    def __init__(self, case=1, x=None, K=3, taps="edge: +1 … −1", mix=None):
        if case not in CHANNEL_MIX:
            raise ValueError(f"Conv1DExplorer covers the notes' cases 1, 2 and 3; received case={case!r}.")
        self.case = case
        self.figsize = (10, 3.0 + 0.7 * (case - 1))  # more rows to draw with more channels and kernels
        self.margins = {**self.margins, "top": 0.84 - 0.06 * (case - 1)}  # room for one sum per channel
        self.x = SIGNALS[case] if x is None else np.asarray(x, dtype=float)
        self.steps = StepControls("output cell i")
        L = len(self.x)
        controls = {
            "taps": widgets.Dropdown(
                options=list(TAPS), value=taps, description="kernel taps", layout=SLIDER_LAYOUT, style=STYLE
            ),
            "mix": widgets.Dropdown(
                options=list(CHANNEL_MIX[case]),
                value=mix or next(iter(CHANNEL_MIX[case])),
                description="channels",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                disabled=case == 1,
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
        self.picture = plot.Conv1DStep(x, w, S=S, P=P, o=o, axes=axes).set(i)
        self.dynamic = self.picture.dynamic

    def update(self, i, **_):
        if i >= self.picture.y.shape[1]:
            return False
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
        ax = fig.subplots()
        plot.show_output_size(L, K, pads, S, ax=ax)
        note = (
            f"padding used: {pads[0]} before, {pads[1]} after"
            if mode != "number"
            else f"P = {P} on each side"
        )
        ax.set_title(f"{ax.get_title()}\n{note};  cnnviz.conv1d(...).shape = {y.shape}", fontsize=plot.FONT)


IMAGES = {
    "photo, grayscale": lambda: images.grayscale(images.photo())[::2, ::2] / 255.0,
    "photo, RGB": lambda: images.photo()[::2, ::2] / 255.0,
    "digit 7 (28×28)": lambda: images.digit(7) / 255.0,
    "digit 3 (28×28)": lambda: images.digit(3) / 255.0,
}


class ImageKernelExplorer(Explorer):
    """A 3×3 kernel applied to a real image: presets, an editable grid, ReLU, flip, stride, padding.

    With an RGB image the kernel is applied to each colour channel and the
    three results are summed (one kernel of depth 3, as in case 4).
    """

    figsize = (11, 3.8)
    margins = {"left": 0.05, "right": 0.98, "bottom": 0.12, "top": 0.9, "wspace": 0.15}

    def __init__(self, image="photo, grayscale", kernel="sobel x"):
        self.cells = [
            widgets.FloatText(value=float(v), layout={"width": "64px"}) for v in KERNELS[kernel].ravel()
        ]
        controls = {
            "image": widgets.Dropdown(
                options=list(IMAGES), value=image, description="image", layout=SLIDER_LAYOUT, style=STYLE
            ),
            "kernel": widgets.Dropdown(
                options=[*KERNELS, "custom"],
                value=kernel,
                description="kernel",
                layout=SLIDER_LAYOUT,
                style=STYLE,
            ),
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
        self._loading = False
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
        self._loading = True  # one redraw for the nine cells, not nine
        for cell, v in zip(self.cells, KERNELS[change["new"]].ravel()):
            cell.value = float(v)
        self._loading = False
        self.render()

    def _on_change(self, change):
        if self._loading or change["owner"] is self.controls["kernel"]:
            return  # a preset is drawn once, by _load_preset
        if change["owner"] in self.cells and self.controls["kernel"].value != "custom":
            preset = KERNELS[self.controls["kernel"].value].ravel()
            if any(cell.value != v for cell, v in zip(self.cells, preset)):
                self._loading = True
                self.controls["kernel"].value = "custom"  # an edited preset becomes "custom"
                self._loading = False
        self.render()

    def draw(self, fig, image, kernel, relu, flip, S, P, **weights):
        w = np.array([weights[f"w{r}{c}"] for r in range(3) for c in range(3)]).reshape(3, 3)
        img = IMAGES[image]()
        applied = w[::-1, ::-1] if flip else w  # true convolution flips the kernel both ways
        y = conv2d(
            img,
            np.repeat(applied[:, :, None], img.shape[2], axis=2) if img.ndim == 3 else applied,
            strides=S,
            padding=P,
        )
        if relu:
            y = np.maximum(y, 0)
        axes = fig.subplots(1, 3, width_ratios=[4, 1.6, 4])
        plot.show_image_filter(
            img,
            y,
            applied,
            axes=axes,
            titles=(
                "input",
                "kernel as applied" + (" (flipped)" if flip else ""),
                "ReLU(output)" if relu else "output",
            ),
        )


class Conv2DStepExplorer(Explorer):
    """Case 4 on a small grid: step the window over a 2-channel input with two 2×2 kernels."""

    figsize = (10, 5.6)
    light_controls = ("step",)
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.05, "top": 0.93, "hspace": 0.3, "wspace": 0.25}

    def __init__(self, x=None, w=None, b=(1.0, -1.0)):
        self.x = np.asarray(x if x is not None else np.arange(18).reshape(3, 3, 2) % 5, dtype=float)
        self.w = np.asarray(
            w
            if w is not None
            else [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, 1], [0, 0]], [[0, 0], [1, -1]]]],
            dtype=float,
        )
        self.b = None if b is None else np.asarray(b, dtype=float)
        self.steps = StepControls("cell number")  # row by row: (i, j) is shown in the picture
        controls = {
            "P": int_slider("padding P", 0, 0, 1),
            "S": int_slider("stride S", 1, 1, 3),
            "o": int_slider("kernel o", 0, 0, self.w.shape[3] - 1),
            "step": self.steps.slider,
        }
        super().__init__(controls)

    def layout_rows(self):
        c = self.controls
        return [[c["P"], c["S"], c["o"]], self.steps.row().children]

    def draw(self, fig, P, S, o, step):
        y = conv2d(self.x, self.w, self.b, strides=S, padding=P)  # (H', W', k): the package's answer
        Ho, Wo = y.shape[:2]
        self.steps.set_maximum(Ho * Wo - 1)
        i, j = divmod(min(step, Ho * Wo - 1), Wo)
        C = self.x.shape[2]
        axes = fig.subplots(2, C + 1, height_ratios=[1.4, 1])
        self.picture = plot.Conv2DStep(self.x, self.w, S=S, P=P, o=o, b=self.b, axes=axes).set(i, j)
        self.dynamic = self.picture.dynamic

    def update(self, step, **_):
        Ho, Wo = self.picture.y.shape
        if step >= Ho * Wo:
            return False
        self.picture.set(*divmod(step, Wo))
        return True


PIXEL_IMAGES = {
    "photo, RGB (uint8)": lambda: images.photo(),
    "photo, grayscale (uint8)": lambda: images.grayscale(images.photo()),
    "photo, RGB scaled to [0, 1]": lambda: images.photo() / 255.0,
    "digit (28×28, uint8)": lambda: images.digit(7),
}


class PixelExplorer(Explorer):
    """Pick a pixel by row and column and read its numbers, channel by channel."""

    figsize = (11, 3.6)
    margins = {"left": 0.06, "right": 0.98, "bottom": 0.14, "top": 0.88, "wspace": 0.3}

    def __init__(self, image="photo, RGB (uint8)", row=150, col=250):
        img = PIXEL_IMAGES[image]()
        controls = {
            "image": widgets.Dropdown(
                options=list(PIXEL_IMAGES),
                value=image,
                description="image",
                layout=SLIDER_LAYOUT,
                style=STYLE,
            ),
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
        self._drawing = True  # one picture after both limits moved
        for name, size in (("row", H), ("col", W)):
            slider = self.controls[name]
            slider.value = min(slider.value, size - 1)
            slider.max = size - 1
        self._drawing = False
        self.render()

    def draw(self, fig, image, row, col):
        img = PIXEL_IMAGES[image]()
        channels = 1 if img.ndim == 2 else img.shape[2]
        axes = fig.subplots(1, 1 + channels, width_ratios=[1.6] + [1] * channels)
        self.picture = plot.PixelPicture(img, axes=axes, radius=1)
        self.dynamic = self.picture.dynamic
        self.update(image, row, col)

    def update(self, image, row, col):
        img = self.picture.img
        self.picture.set(row, col)
        self.info.value = (
            f"<span style='font-size:15px'>array shape <b>{img.shape}</b> (height, width"
            f"{', channels' if img.ndim == 3 else ''}), dtype <b>{img.dtype}</b>; "
            f"img[{row}, {col}] = <b>{np.round(img[row, col], 3)}</b></span>"
        )
        return True


POOL_GRID = np.array([[1, 3, 2, 0, 5, 1], [4, 2, 1, 5, 1, 0], [0, 1, 7, 2, 3, 2],
                      [3, 2, 1, 1, 0, 6], [2, 6, 0, 1, 4, 1], [1, 0, 3, 2, 2, 5]], dtype=float)  # fmt: skip


class PoolStepExplorer(Explorer):
    """Step a pooling window over one channel: pool size K, stride S, padding, max or average."""

    figsize = (10, 4.2)
    light_controls = ("step",)
    margins = {"left": 0.02, "right": 0.98, "bottom": 0.03, "top": 0.9, "wspace": 0.15}

    def __init__(self, x=None, K=2, S=2):
        self.x = POOL_GRID if x is None else np.asarray(x, dtype=float)
        self.steps = StepControls("cell number")  # row by row: (i, j) is shown in the picture
        controls = {
            "mode": widgets.ToggleButtons(
                options=["max", "average"], value="max", description="pooling", style=STYLE
            ),
            "K": int_slider("pool size K", K, 1, 4),
            "S": int_slider("stride S", S, 1, 4),
            "P": int_slider("padding P", 0, 0, 1),
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
        self.picture = plot.Pool2DStep(self.x, K, S, P, "max" if mode == "max" else "avg", axes=axes)
        Ho, Wo = self.picture.y.shape
        self.steps.set_maximum(Ho * Wo - 1)
        self.picture.set(*divmod(min(step, Ho * Wo - 1), Wo))
        self.dynamic = self.picture.dynamic

    def update(self, step, **_):
        Ho, Wo = self.picture.y.shape
        if step >= Ho * Wo:
            return False
        self.picture.set(*divmod(step, Wo))
        return True


class ShiftExplorer(Explorer):
    """Shift an image by a pixel or two and see which max-pooled outputs stay and which change.

    Max-pooling forgives some small shifts, not all: an output stays when its
    window's maximum is still inside the window after the shift, and changes
    when the maximum crosses into a neighbouring window.
    """

    figsize = (11, 3.6)
    margins = {"left": 0.02, "right": 0.98, "bottom": 0.04, "top": 0.86, "wspace": 0.12}

    def __init__(self, image="digit 7 (28×28)"):
        controls = {
            "image": widgets.Dropdown(
                options=["digit 7 (28×28)", "digit 3 (28×28)"],
                value=image,
                description="image",
                layout=SLIDER_LAYOUT,
                style=STYLE,
            ),
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
        axes = fig.subplots(1, 4)
        for ax, data, title in (
            (axes[0], img, "input"),
            (axes[1], shifted, f"shifted by ({dy}, {dx})"),
            (axes[2], after, f"max-pooled {K}×{K}: {after.shape}"),
        ):
            ax.imshow(data, cmap="gray")
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
        changed = ~np.isclose(before, after)
        plot.show_changes(
            before,
            after,
            ax=axes[3],
            title=f"changed: {changed.sum()} of {changed.size} outputs ({changed.mean():.0%})",
        )


class BatchNormExplorer(Explorer):
    """Batch normalization of one channel: γ, β, ε and the batch size.

    The activations are the feature maps of a convolution over many shifted
    digits; a batch of N images is drawn from them (seeded). The histograms
    show the channel before and after normalization, with the batch's
    statistics next to those of all the images: small batches give noisy
    estimates.
    """

    figsize = (11, 3.4)
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.12, "top": 0.82, "wspace": 0.25}

    def __init__(self):
        self.population = bn_activations()  # (M, 26, 26, C)
        controls = {
            "gamma": widgets.FloatSlider(
                value=1.0,
                min=-2.0,
                max=3.0,
                step=0.1,
                description="γ (scale)",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                continuous_update=False,
            ),
            "beta": widgets.FloatSlider(
                value=0.0,
                min=-3.0,
                max=3.0,
                step=0.1,
                description="β (shift)",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                continuous_update=False,
            ),
            "epsilon": widgets.FloatLogSlider(
                value=1e-3,
                base=10,
                min=-5,
                max=1,
                step=0.5,
                description="ε",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                continuous_update=False,
            ),
            "N": int_slider("batch size N", 8, 1, 64, continuous_update=False),
            "channel": int_slider("channel c", 3, 0, self.population.shape[3] - 1),
            "seed": int_slider("which batch", 0, 0, 20),
        }
        super().__init__(controls)

    def draw(self, fig, gamma, beta, epsilon, N, channel, seed):
        batch = self.population[np.random.default_rng(seed).choice(len(self.population), N, replace=False)]
        C = batch.shape[3]
        y, cache = ops.batchnorm_forward(batch, np.full(C, gamma), np.full(C, beta), epsilon)
        before, after = batch[..., channel].ravel(), y[..., channel].ravel()
        everything = self.population[..., channel]
        axes = fig.subplots(1, 2)
        axes[0].hist(before, bins=60, color="0.55", histtype="stepfilled")
        axes[0].axvline(cache["mean"][channel], color=plot.WINDOW_COLOR, lw=2, label="batch mean μ_B")
        axes[0].axvline(everything.mean(), color="black", ls="--", lw=1.5, label="mean of all images")
        axes[0].legend(fontsize=9)
        axes[0].set_title(
            f"before: batch of N={N} (m = N·26·26 = {before.size} values)\n"
            f"μ_B = {cache['mean'][channel]:.3f}, σ²_B = {cache['var'][channel]:.3f}"
            f"  (all images: {everything.mean():.3f}, {everything.var():.3f})",
            fontsize=11,
        )
        axes[1].hist(after, bins=60, color=plot.VISITED_COLOR, histtype="stepfilled")
        axes[1].set_title(
            f"after: γ·x̂ + β with γ = {gamma:.1f}, β = {beta:.1f}, ε = {epsilon:.0e}\n"
            f"mean {after.mean():.3f}, variance {after.var():.3f}",
            fontsize=11,
        )
        for ax in axes:
            ax.set_yticks([])


def bn_activations(count=96, seed=0):
    """Feature maps (count, 26, 26, 4) of shifted digits through a convolution with a bias.

    Four kernels (edges along x and y, the Laplacian, a blur) and the biases
    [0.5, −1, 0.2, 1] give four channels with different means and spreads:
    what a batch normalization layer after a convolution receives.
    """
    rng = np.random.default_rng(seed)
    digits = np.stack([images.digit(d) / 255.0 for d in range(10)])  # (10, 28, 28)
    picks = rng.integers(0, 10, count)
    shifts = rng.integers(-3, 4, (count, 2))
    x = np.stack([np.roll(digits[d], tuple(s), axis=(0, 1)) for d, s in zip(picks, shifts)])[..., None]
    bank = np.stack([KERNELS[n] for n in ("sobel x", "sobel y", "Laplacian", "box blur")], axis=-1)[
        :, :, None
    ]
    y, _ = ops.conv2d_forward(x, bank, np.array([0.5, -1.0, 0.2, 1.0]))
    return y  # (count, 26, 26, 4)
