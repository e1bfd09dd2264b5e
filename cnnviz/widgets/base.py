"""The base of every explorer: ``Explorer``, the shared controls and their look.

An explorer is a dict of ipywidgets controls, an ``Output`` showing a PNG of
the picture, and a ``draw(fig, **values)`` that draws the picture for the
controls' values into a fresh ``Figure`` (no pyplot). A change of a control
redraws; ``with explorer.hold():`` changes several controls and redraws once.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import html
import io

import ipywidgets as widgets
import matplotlib
import numpy as np
import PIL.Image
from IPython.display import HTML, Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..inside import cells_reading
from ..plot.style import VISITED_COLOR, WINDOW_COLOR
from .clickimage import ClickImage

__all__ = [
    "FAST_DRAWING",
    "SLIDER_LAYOUT",
    "STYLE",
    "Explorer",
    "GridStepExplorer",
    "StepControls",
    "canvas_png",
    "close_widgets",
    "dropdown",
    "exempt_long_lived_objects",
    "float_slider",
    "int_slider",
    "learner_array",
]

SLIDER_LAYOUT = {"width": "340px"}
# explorers redraw on every change: nearest-pixel image scaling is several times faster than
# matplotlib's default antialiasing filter, and at these sizes looks the same
FAST_DRAWING = {"image.interpolation": "nearest"}
STYLE = {"description_width": "110px"}


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What the canvas shows, as PNG bytes (fast compression: explorers redraw often)."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def close_widgets(*items) -> None:
    """Close widgets and every widget inside them (children, layout, style); None is skipped.

    ipywidgets keeps every widget it has made until ``close()`` (the browser may still show
    it), and with it whatever its callbacks point to: an explorer and its figure. Closing a
    box does not close what it holds, hence the walk.
    """
    for item in items:
        if not isinstance(item, widgets.Widget):
            continue
        children = getattr(item, "children", ())
        close_widgets(*children, getattr(item, "layout", None), getattr(item, "style", None))
        item.close()


def exempt_long_lived_objects() -> None:
    """Once per process: collect garbage, then exempt every object alive now from later cycle collections.

    Why: every full redraw leaves a figure's worth of matplotlib objects (thousands,
    linked in cycles) for Python's cycle collector. Every few redraws it runs a full
    collection, which walks every object the kernel holds: numpy, matplotlib, ipywidgets
    and the learner's own, 100,000 to 200,000 of them. Measured here that is a pause of
    40 to 200 ms, landing on a random redraw (the slowest changes of
    ``benchmarks/bench_explorers.py`` were these pauses). ``gc.freeze()`` (CPython ≥ 3.7)
    moves the objects alive now, which are nearly all modules, classes and functions that
    live as long as the kernel, out of the collector's sight; a full collection then walks
    only what was made since, and what is left of its pause is freeing the old figures
    (measured: 30 to 80 ms instead of up to 200). It is done when
    ``cnnviz.widgets`` is imported, before any explorer exists. The cost: a cycle among the
    exempted objects that becomes garbage later is never freed (objects without cycles are
    freed as usual, the moment their last reference goes).
    """
    global _exempted
    if not _exempted:
        gc.collect()  # what is garbage now is freed now, not exempted
        gc.freeze()
        _exempted = True


_exempted = False
exempt_long_lived_objects()


class Explorer:
    """Base class: ``controls`` (a dict of widgets), ``out`` (the picture), ``widget`` (the layout).

    Subclasses set ``figsize`` and implement ``draw(fig, **values)``, where
    ``values`` maps each control's name to its value. ``draw`` may raise
    ``ValueError`` or ``TypeError``; the message is shown instead of a picture.
    A subclass that changes several controls at once (a preset, new limits)
    does so inside ``with self.hold():``, which draws once at the end.
    """

    figsize = (8, 3)
    dpi = 96  # 12 pt text is 16 pixels: readable in the stored picture, where 72 dpi gave 9-12 pixels
    margins = {"left": 0.04, "right": 0.98, "bottom": 0.1, "top": 0.88, "hspace": 0.8, "wspace": 0.3}
    _drawing = False  # inside render(): a control that draw() moves must not start another picture
    _holds = 0  # how many ``with self.hold():`` blocks are open
    _canvas = None
    light_controls = ()  # controls whose change only moves ``self.dynamic`` (see update)
    clickable = False  # True: the picture is a ClickImage, and clicks call on_picture_click(x, y)

    def __init__(self, controls: dict, extra=()):
        self.controls = controls
        self.out = widgets.Output(layout={"min_height": f"{self.figsize[1] * self.dpi}px"})
        self.message = ""  # the last error message shown, "" when the picture is shown
        self.png = b""  # the last picture, as PNG bytes
        self.clicker = None
        if self.clickable:  # the picture reports clicks (in its pixels) to on_picture_click
            self.clicker = ClickImage(alt=f"{type(self).__name__}: click a cell")
            self.clicker.on_click(self.on_picture_click)
        self._showing_clicker = False
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

    def close(self) -> None:
        """Close the explorer's widgets (the browser removes them); then dropping it frees it and its figure."""
        close_widgets(self.widget, self.clicker, *self.controls.values())
        steps = getattr(self, "steps", None)
        if isinstance(steps, StepControls):
            steps.close()
        self._canvas = None

    def layout_rows(self):
        """Controls grouped into rows, two per row by default."""
        items = list(self.controls.values())
        return [items[i : i + 2] for i in range(0, len(items), 2)]

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    @property
    def held(self) -> bool:
        """True inside ``with self.hold():``, where changes of the controls draw nothing."""
        return self._holds > 0

    @contextlib.contextmanager
    def hold(self):
        """Change several controls, then draw once: ``with explorer.hold(): ...``.

        Like ipywidgets' ``hold_sync``: inside the block a change of a control
        does not redraw; leaving the outermost block draws the picture once.
        If the block raises, nothing is drawn.
        """
        self._holds += 1
        try:
            yield self
        finally:
            self._holds -= 1
        if not self.held:
            self.render()

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
        if self._drawing or self.held:  # a control changed by draw() itself, or in a hold: draw once
            return
        self._drawing = True
        try:
            with matplotlib.rc_context(FAST_DRAWING):
                if light and self._canvas is not None and self.update(**self.values):
                    png = self._draw_dynamic(restore=True)
                else:
                    png = self._draw_full()
        except Exception as error:
            self._canvas = None
            text = (
                str(error)
                if isinstance(error, (ValueError, TypeError))
                else f"{type(error).__name__}: {error}"
            )
            self.message, self.png = text, b""
            self._showing_clicker = False
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
        if self.clicker is not None:  # the same ClickImage stays in the Output; only its PNG changes
            self.clicker.png = png
            if not self._showing_clicker:
                self.out.outputs = ()
                self.out.append_display_data(self.clicker)
                self._showing_clicker = True
            return
        self.out.outputs = ()
        self.out.append_display_data(Image(data=self.png, format="png"))

    def on_picture_click(self, x: float, y: float) -> None:
        """A click at pixel (x, y) of the picture (y down from the top); clickable explorers override it."""

    def pixel_of(self, ax, xd: float, yd: float) -> tuple[float, float]:
        """The pixel (x, y) of the picture (y down from the top) where data point (xd, yd) of ``ax`` is drawn."""
        x, y = ax.transData.transform((xd, yd))
        return float(x), float(self._canvas.figure.bbox.height - y)

    def axes_at(self, x: float, y: float, axes):
        """Which of ``axes`` holds pixel (x, y) of the picture, and the data coordinates there: (ax, (xd, yd)).

        (None, None) when none does. The axes' own transforms do the mapping, so it is
        exactly what was drawn.
        """
        if self._canvas is None:
            return None, None
        point = (x, self._canvas.figure.bbox.height - y)  # display coordinates go up from the bottom
        for ax in axes:
            if ax.bbox.contains(*point):
                return ax, tuple(ax.transData.inverted().transform(point))
        return None, None

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
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = (
            f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"
        )
        return data


def int_slider(description, value, low, high, **kwargs):
    """An integer slider with the look shared by all explorers.

    A starting value outside [low, high] widens the range to include it, rather than being
    moved silently to the nearest end (``OutputSizeExplorer(L=28)`` shows L = 28).
    """
    value = int(value)
    return widgets.IntSlider(
        value=value,
        min=min(low, value),
        max=max(high, value),
        description=description,
        layout=SLIDER_LAYOUT,
        style=STYLE,
        **kwargs,
    )


def learner_array(name, value, ndims, explorer):
    """An explorer's argument (a learner's own array) as float numbers, or a clear error.

    ``ndims`` are the numbers of dimensions the explorer can show; the array must hold
    at least one value, and only finite numbers.
    """
    try:
        array = np.asarray(value, dtype=float)
    except (ValueError, TypeError):
        raise ValueError(
            f"{explorer} expects {name} as an array of numbers with rows of equal length; received {value!r}."
        ) from None
    if array.ndim not in ndims or 0 in array.shape:
        raise ValueError(
            f"{explorer} expects {name} with {' or '.join(map(str, ndims))} dimensions and at least one value; "
            f"received {name} of shape {array.shape}."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"{explorer} expects {name} to hold finite numbers; received one with NaN or infinity."
        )
    return array


def float_slider(description, value, low, high, step=0.1, **kwargs):
    """A slider of real numbers with the look shared by all explorers."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        layout=SLIDER_LAYOUT,
        style=STYLE,
        **kwargs,
    )


def dropdown(description, options, value, **kwargs):
    """A drop-down list with the look shared by all explorers; a value not among the options is refused."""
    if value not in list(options):
        raise ValueError(f"{description!r} must be one of {list(options)}; received {value!r}.")
    return widgets.Dropdown(
        options=list(options),
        value=value,
        description=description,
        layout=SLIDER_LAYOUT,
        style=STYLE,
        **kwargs,
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
        self.links = (  # kept, to be closed with the controls (ipywidgets keeps a link until then)
            widgets.jslink((self.play, "value"), (self.slider, "value")),
            widgets.jslink((self.speed, "value"), (self.play, "interval")),
        )
        self._row = None
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(+1))

    def step(self, delta: int) -> None:
        """Move the position by ``delta``, staying between the slider's ends."""
        self.slider.value = min(max(self.slider.value + delta, self.slider.min), self.slider.max)

    def set_maximum(self, maximum: int) -> None:
        """Let the position go up to ``maximum`` (at least 0), moving it back if it is beyond."""
        maximum = max(maximum, 0)
        if self.slider.value > maximum:
            self.slider.value = maximum
        self.slider.max = self.play.max = maximum

    def row(self):
        """The controls in one row: ◀, the slider, ▶, Play and its speed (the same box on every call)."""
        if self._row is None:
            self._row = widgets.HBox([self.previous, self.slider, self.next, self.play, self.speed])
        return self._row

    def close(self) -> None:
        """Close the controls and the links between them."""
        close_widgets(self.row(), *self.links)


class GridStepExplorer(Explorer):
    """An explorer whose picture steps a window over a 2D output, cell by cell, row by row.

    Its ``steps`` (``StepControls``) drive the control ``"step"``; ``draw``
    builds ``self.picture`` (with ``y`` of shape (H', W') and ``set(i, j)``)
    and ends with ``self.show_step(step)``. A step then moves only the picture's
    ``dynamic`` artists.

    The picture can be clicked (``select_cell``, ``select_input`` do what a click does):
    a click on an output cell jumps to it; a click on an input cell frames it and every
    output cell whose window reads it (``cells_reading``: the reverse link, in
    ``self.readers``). Subclasses say where those cells are drawn with ``click_geometry``.
    """

    light_controls = ("step",)
    clickable = True
    reading = None  # the input cell (row, col) of the padded input whose readers are framed
    readers = ()  # the output cells (i, j) that read it

    def click_geometry(self):  # pragma: no cover - subclasses say
        """(input axes, output axes, (KH, KW), stride S): the padded input's cell (r, c) is drawn at (c, r)."""
        raise NotImplementedError

    def show_step(self, step: int) -> None:
        """Let the slider reach the last output cell, and show cell ``step`` (or the last one)."""
        Ho, Wo = self.picture.y.shape
        self.steps.set_maximum(Ho * Wo - 1)
        self.picture.set(*divmod(min(step, Ho * Wo - 1), Wo))
        inputs, output, _, _ = self.click_geometry()
        self._marks = [ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, ec=VISITED_COLOR, lw=3, visible=False))
                       for ax in inputs]  # fmt: skip
        self._frames = output.add_collection(LineCollection([], colors=VISITED_COLOR, linewidths=3))
        self._show_readers()
        self.dynamic = [*self.picture.dynamic, *self._marks, self._frames]

    def update(self, step, **_):
        Ho, Wo = self.picture.y.shape
        if step >= Ho * Wo:
            return False
        self.picture.set(*divmod(step, Wo))
        self._show_readers()
        return True

    def select_cell(self, i: int, j: int) -> None:
        """Jump to output cell (i, j), as a click on it does."""
        Ho, Wo = self.picture.y.shape
        if 0 <= i < Ho and 0 <= j < Wo:
            self.controls["step"].value = i * Wo + j

    def select_input(self, row: int, col: int) -> None:
        """Frame cell (row, col) of the padded input and the output cells that read it, as a click does."""
        shape = self.picture.x_pad.shape
        if not (0 <= row < shape[0] and 0 <= col < shape[1]):
            return
        self.reading = (row, col)
        self.render(light=True)

    def _show_readers(self):
        """Put the reverse link (``self.reading`` and its readers) into the marks and frames."""
        _, _, K, S = self.click_geometry()
        shape = self.picture.x_pad.shape
        if self.reading is not None and not (self.reading[0] < shape[0] and self.reading[1] < shape[1]):
            self.reading = None  # the grid shrank (less padding)
        if self.reading is None:
            self.readers = ()
        else:
            self.readers = tuple(cells_reading(*self.reading, K, S, self.picture.y.shape))
        for mark in self._marks:
            mark.set_visible(self.reading is not None)
            if self.reading is not None:
                mark.set_xy((self.reading[1] - 0.5, self.reading[0] - 0.5))
        self._frames.set_segments(
            [[(j - 0.45, i - 0.45), (j + 0.45, i - 0.45), (j + 0.45, i + 0.45), (j - 0.45, i + 0.45), (j - 0.45, i - 0.45)]
             for i, j in self.readers]
        )  # fmt: skip
        self._frames.set_color(WINDOW_COLOR if len(self.readers) == 0 else VISITED_COLOR)

    def on_picture_click(self, x, y):
        inputs, output, _, _ = self.click_geometry()
        ax, point = self.axes_at(x, y, [output, *inputs])
        if ax is None:
            return
        col, row = (round(v) for v in point)
        if ax is output:
            self.reading = None
            self.select_cell(row, col)
            self.render(light=True)  # the frames go even when the step stays
        else:
            self.select_input(row, col)
