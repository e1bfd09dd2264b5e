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
import numpy as np
from IPython.display import HTML, Image
from matplotlib.figure import Figure

from . import plot
from .cases import conv1d
from .sizes import resolve_padding

SLIDER_LAYOUT = {"width": "340px"}
STYLE = {"description_width": "110px"}

KERNELS_1D = {
    "edge [1, 0, −1]": [1.0, 0.0, -1.0],
    "difference [−1, 1]": [-1.0, 1.0],
    "average [⅓, ⅓, ⅓]": [1 / 3, 1 / 3, 1 / 3],
    "peak [−1, 2, −1]": [-1.0, 2.0, -1.0],
    "identity [1]": [1.0],
}


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class Explorer:
    """Base class: ``controls`` (a dict of widgets), ``out`` (the picture), ``widget`` (the layout).

    Subclasses set ``figsize`` and implement ``draw(fig, **values)``, where
    ``values`` maps each control's name to its value. ``draw`` may raise
    ``ValueError`` or ``TypeError``; the message is shown instead of a picture.
    """

    figsize = (8, 3)
    dpi = 80
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.1, "top": 0.88, "hspace": 0.8, "wspace": 0.3}
    _drawing = False

    def __init__(self, controls: dict, extra=()):
        self.controls = controls
        self.out = widgets.Output(layout={"min_height": f"{self.figsize[1] * self.dpi}px"})
        self.message = ""  # the last error message shown, "" when the picture is shown
        self.png = b""  # the last picture, as PNG bytes
        for control in controls.values():
            control.observe(self._on_change, names="value")
        rows = [widgets.HBox(list(group)) for group in self.layout_rows()]
        self.widget = widgets.VBox([*rows, *extra, self.out])
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

    def render(self) -> None:
        """Draw the current state into ``out``: the picture, or the message explaining the problem."""
        if self._drawing:  # a control changed by draw() itself (a limit moved): one picture is enough
            return
        self._drawing = True
        fig = Figure(figsize=self.figsize, dpi=self.dpi)
        fig.subplots_adjust(**self.margins)
        try:
            self.draw(fig, **self.values)
        except (ValueError, TypeError) as error:
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
        self.message, self.png = "", figure_png(fig)
        self.out.outputs = ()
        self.out.append_display_data(Image(data=self.png, format="png"))

    def _on_change(self, _change) -> None:
        self.render()

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
    """Step a kernel along a 1D signal (case 1), with K, P and S controls and kernel presets.

    The window's products and their sum are written out for the current output
    cell, and the feature map below fills in up to that cell.
    """

    figsize = (9, 3.6)

    def __init__(self, x=(0, 0, 1, 3, 3, 3, 1, 0, 0, 2), kernel="edge [1, 0, −1]"):
        self.x = np.asarray(x, dtype=float)
        self.steps = StepControls("output cell i")
        controls = {
            "kernel": widgets.Dropdown(
                options=list(KERNELS_1D),
                value=kernel,
                description="kernel w",
                layout=SLIDER_LAYOUT,
                style=STYLE,
            ),
            "P": int_slider("padding P", 0, 0, 3),
            "S": int_slider("stride S", 1, 1, 4),
            "i": self.steps.slider,
        }
        self.controls = controls
        super().__init__(controls)

    def layout_rows(self):
        c = self.controls
        return [[c["kernel"], c["P"], c["S"]], self.steps.row().children]

    def draw(self, fig, kernel, P, S, i):
        w = np.asarray(KERNELS_1D[kernel])
        y = conv1d(self.x, w, strides=S, padding=P)  # raises a clear ValueError when impossible
        self.steps.set_maximum(len(y) - 1)
        i = min(i, len(y) - 1)
        top, bottom = fig.subplots(2, 1, height_ratios=[1, 1])
        plot.show_signal(self.x, ax=top, w=w, position=i, S=S, P=P)
        shown = np.where(np.arange(len(y)) <= i, y, np.nan)
        plot.show_grid(
            shown[None, :], ax=bottom, cell=(0, i), cmap="RdBu_r", fmt="{:.2f}" if np.any(y % 1) else None
        )
        bottom.set_yticks([])
        bottom.set_title(f"feature map y: L' = {len(y)} cells (filled up to i = {i})", fontsize=plot.FONT)


class OutputSizeExplorer(Explorer):
    """L' = ⌊(L + 2P − K)/S⌋ + 1 with the learner's numbers, next to the real output of cnnviz.

    Padding can be set as a number or as Keras' "valid"/"same", and the
    per-side cells that "same" adds are shown.
    """

    figsize = (10, 3.4)

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
            else f"padding P = {P} on each side"
        )
        ax.text(
            0,
            1.35,
            f"{note};  cnnviz.conv1d(...).shape = {y.shape}",
            fontsize=plot.FONT - 1,
            transform=ax.transData,
        )
