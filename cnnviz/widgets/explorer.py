"""The live picture every explorer shows (``LivePicture``), and ``Explorer``, the base of the small ones.

``LivePicture`` owns what every explorer needs around its matplotlib picture: the figure on
an Agg canvas (no pyplot, so nothing accumulates), the background saved without the artists
that move, blitting (only those are drawn again over it), the PNG of what is shown (also
handed to readers without a kernel: GitHub, nbviewer) and a message shown in place. An
explorer builds its artists once and moves them (``set_data``, ``set_text``, ...), as
mpl-interactions does; then ``blit()`` (or ``redraw()`` when everything moved) gives the new
picture.

``Explorer`` adds a dict of ipywidgets controls and an ``Output`` holding the picture. Its
subclasses implement ``draw(fig, **values)``, which builds the picture for the controls'
values and returns it (an object whose ``dynamic`` lists the artists a light change moves),
and ``update(**values)``, which moves those artists for a change of one of the
``light_controls``. A change of another control builds the figure again.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import html
import struct
import zlib

import ipywidgets as widgets
import matplotlib
import numpy as np
from IPython.display import HTML, Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .clickimage import ClickImage
from .controls import StepControls, close_widgets

__all__ = [
    "FAST_DRAWING",
    "MESSAGE_STYLE",
    "Explorer",
    "LivePicture",
    "canvas_png",
    "exempt_long_lived_objects",
    "message_html",
]

# explorers redraw on every change: nearest-pixel image scaling is several times faster than
# matplotlib's default antialiasing filter, and at these sizes looks the same
FAST_DRAWING = {"image.interpolation": "nearest"}
MESSAGE_STYLE = "font-size:14px;color:#a00;border:1px solid #a00;padding:6px;max-width:900px"
# a message in place of a picture: larger
INSTEAD_STYLE = "font-size:15px;color:#a00;border:1px solid #a00;padding:8px;max-width:900px"


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What the canvas shows, as PNG bytes (fast compression: explorers redraw often)."""
    return rgba_png(np.asarray(canvas.buffer_rgba()))


def rgba_png(pixels: np.ndarray) -> bytes:
    """An (H, W, 4) uint8 RGBA picture as PNG bytes, written directly: 3 ms for a 1000 × 270 frame.

    A PNG file is an 8-byte signature, then chunks (length, type, data, CRC-32): IHDR (width,
    height, 8 bits per sample, colour type 6 = RGBA), IDAT (the rows compressed with zlib, each
    row led by its filter byte) and IEND. Every row here has filter 0 (none) and zlib's fastest
    level. Pillow's encoder tries a filter per row first, which makes its files no smaller here
    (74 KB against 70 KB) and takes 7-10 ms: an explorer sends a picture on every change.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4 or 0 in pixels.shape:
        raise ValueError(
            f"rgba_png expects an (H, W, 4) array of uint8 RGBA pixels, H and W at least 1; received an "
            f"array of shape {pixels.shape} and dtype {pixels.dtype}."
        )
    height, width, _ = pixels.shape
    rows = np.zeros((height, 1 + 4 * width), np.uint8)  # column 0: each row's filter byte, 0
    rows[:, 1:] = pixels.reshape(height, 4 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA; methods 0; no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


def fast_drawing():
    """A context with ``FAST_DRAWING`` set (nothing to do when it is set already: 0.3 ms saved a picture)."""
    if all(matplotlib.rcParams[key] == value for key, value in FAST_DRAWING.items()):
        return contextlib.nullcontext()
    return matplotlib.rc_context(FAST_DRAWING)


def message_html(text: str, style: str = MESSAGE_STYLE) -> str:
    """A message as a red-framed HTML block ("" for no message)."""
    return f'<div style="{style}">{html.escape(text)}</div>' if text else ""


def exempt_long_lived_objects() -> None:
    """Once per process: collect garbage, then exempt every object alive now from later cycle collections.

    Why: a full rebuild of a picture leaves a figure's worth of matplotlib objects
    (thousands, linked in cycles) for Python's cycle collector. Every few rebuilds it runs
    a full collection, which walks every object the kernel holds: numpy, matplotlib,
    ipywidgets and the learner's own, 100,000 to 200,000 of them, a pause of 40 to 200 ms
    that lands on a random redraw. ``gc.freeze()`` (CPython ≥ 3.7) moves the objects alive
    now, nearly all modules, classes and functions that live as long as the kernel, out of
    the collector's sight; a full collection then walks only what was made since. It is
    done when the first explorer is made, just before it exists (not when ``cnnviz.widgets``
    is imported: a kernel that never shows an explorer is left alone; and not inside the
    explorer's first picture, which would exempt that explorer too, so that closing it
    would not free it). The cost: a cycle among the exempted objects that becomes garbage
    later is never freed (objects without cycles are freed as usual, the moment their last
    reference goes).
    """
    global _exempted
    if not _exempted:
        gc.collect()  # what is garbage now is freed now, not exempted
        gc.freeze()
        _exempted = True


_exempted = False


def _anchor(text) -> tuple:
    """The pixel where a text is placed: its position through its transform."""
    return tuple(text.get_transform().transform(text.get_unitless_position()))


class LivePicture:
    """A picture that is built once and moved: figure, canvas, background, blitting, PNG, message.

    Subclasses make their figure with ``new_figure()``, build their artists on it, call
    ``draw_background(dynamic)`` with the artists that move, then after each change move
    those artists and call ``blit()``: the PNG of the new picture (also kept in ``png``).
    ``say(text)`` shows a message in place ("" clears it); ``message`` is the last one.
    ``_repr_mimebundle_`` gives the live ``widget`` and, for readers without a kernel, the PNG.
    """

    figsize = (8, 3)
    dpi = 96  # 12 pt text is 16 pixels: readable in the stored picture, where 72 dpi gave 9-12 pixels
    message = ""  # the last message shown, "" when there is none
    png = b""  # the last picture, as PNG bytes
    dynamic = ()  # the artists that move: drawn over the saved background
    widget = None  # the layout to display
    status = None  # an ipywidgets.HTML where say() writes; made by the subclass where it shows it
    _canvas = None
    _background = None
    _under_marks = None  # the last blit's frame before its marks were drawn (see blit_marks)
    _alone_drawn = None  # id(text) → (anchor, box) where each text that stands alone was last drawn

    def __new__(cls, *args, **kwargs):
        exempt_long_lived_objects()  # once, before the first explorer's objects exist
        return super().__new__(cls)

    @property
    def figure(self):
        """The figure shown (None before the first picture, or after a failed one)."""
        return None if self._canvas is None else self._canvas.figure

    def new_figure(self, figsize=None, margins=None) -> Figure:
        """A new figure of ``figsize`` (default: the class's) on its own canvas, which becomes the picture."""
        fig = Figure(figsize=figsize or self.figsize, dpi=self.dpi)
        if margins:
            fig.subplots_adjust(**margins)
        self._canvas = FigureCanvasAgg(fig)
        self._background = self._under_marks = None
        self._alone_drawn = {}
        # a full draw (by draw_background, savefig, the figure shown inline) leaves another frame on
        # the canvas, without the moving texts: none of them can keep its pixels from it. (A bound
        # method: matplotlib keeps only a weak reference to it, so the canvas does not keep self alive.)
        self._canvas.mpl_connect("draw_event", self._forget_texts)
        return fig

    def _forget_texts(self, event=None) -> None:
        """Forget where the moving texts were drawn: the canvas no longer holds that frame."""
        self._alone_drawn.clear()

    def draw_background(self, dynamic=()) -> None:
        """Draw everything but the ``dynamic`` artists and keep it: later pictures only draw those over it."""
        self.dynamic = list(dynamic)
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of the saved background
        with fast_drawing():
            self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(self._canvas.figure.bbox)
        self._under_marks = None  # (and canvas.draw() above made _forget_texts forget the moving texts)

    def blit(self, dynamic=None, marks=(), alone=()) -> bytes:
        """The ``dynamic`` artists drawn over the saved background: the new picture's PNG (kept in ``png``).

        ``dynamic``: the artists that move now, when the picture has replaced some since
        ``draw_background`` (a new marker, say); by default the same as then.
        ``marks``: those of them that change without the others (a selection's outline over
        the values): drawn last, over a copy of the frame kept for ``blit_marks``.
        ``alone``: texts among them that no other moving artist ever touches (a colour
        scale's end, a title): one that has not changed keeps its pixels (``_unchanged``).
        """
        if dynamic is not None:
            self.dynamic = list(dynamic)
            for artist in self.dynamic:
                artist.set_animated(True)
        marks = list(marks)
        with fast_drawing():
            kept = self._unchanged(alone)
            self._canvas.restore_region(self._background)
            for artist in self.dynamic:
                if not any(artist is mark for mark in marks) and id(artist) not in kept:
                    self._canvas.figure.draw_artist(artist)
            for key, pixels in kept.items():
                if not any(key == id(mark) for mark in marks):
                    self._canvas.restore_region(pixels)
            if marks:
                self._under_marks = self._canvas.copy_from_bbox(self._canvas.figure.bbox)
                self._draw_marks(marks, kept)
            self._note_where(alone, kept)
        self.png = canvas_png(self._canvas)
        return self.png

    def blit_marks(self, marks, alone=()) -> bytes:
        """Only the ``marks`` drawn again, over the frame the last ``blit(..., marks)`` kept: its PNG.

        For a change that moves only them (a click selects another cell; the values stay):
        a few artists drawn instead of all. Without such a frame, the same as ``blit``.
        """
        if self._under_marks is None:
            return self.blit(marks=marks, alone=alone)
        with fast_drawing():
            kept = self._unchanged(alone)
            self._canvas.restore_region(self._under_marks)
            self._draw_marks(marks, kept)
            self._note_where(alone, kept)
        self.png = canvas_png(self._canvas)
        return self.png

    def _draw_marks(self, marks, kept) -> None:
        for artist in marks:
            artist.set_animated(True)  # a mark made since draw_background (a new frame) stays out of it
            if id(artist) in kept:
                self._canvas.restore_region(kept[id(artist)])
            else:
                self._canvas.figure.draw_artist(artist)

    def _unchanged(self, alone) -> dict:
        """The texts of ``alone`` that the frame on the canvas shows as they are now: {id(text): their pixels}.

        Drawing a text costs about 0.3 ms plus 0.1 ms a letter (matplotlib 3.11 lays out and
        renders every glyph anew), and most of a new frame's texts are the last one's: the "0"
        at a colour scale's end, a zoom's title that a new drawing leaves alone. Such a text's
        pixels are copied from the last frame and put back after the rest is drawn, when no
        setter has changed it since it was drawn there (matplotlib marks it ``stale``
        otherwise), it is anchored at the same pixel, and its box meets none of the texts of
        ``alone`` drawn again (a narrow colour scale's two ends may meet). Only for texts that
        nothing else moving ever touches: there the last frame holds the background and the
        text alone. A full draw of the figure by anyone (``savefig``, the figure shown inline)
        replaces that frame, and forgets where the texts were (``new_figure``).
        """
        renderer = self._canvas.get_renderer()
        candidates, redrawn = {}, []  # id(text) → box, for those that may keep their pixels; boxes drawn anew
        for text in alone:
            drawn = self._alone_drawn.get(id(text))  # (anchor, box) where it was last drawn
            if drawn is not None and not text.stale and text.get_visible() and drawn[0] == _anchor(text):
                candidates[id(text)] = drawn[1]
                continue
            if drawn is not None:
                redrawn.append(drawn[1])  # its old pixels are wiped
            if text.get_visible():
                redrawn.append(text.get_window_extent(renderer).padded(2))  # its new ones
        touched = True
        while touched:  # a candidate that meets a text drawn anew is drawn anew too, and so on
            touched = False
            for key, box in list(candidates.items()):
                if any(box.overlaps(other) for other in redrawn):
                    del candidates[key]
                    redrawn.append(box)
                    touched = True
        return {key: self._canvas.copy_from_bbox(box) for key, box in candidates.items()}

    def _note_where(self, alone, kept) -> None:
        """Where each text of ``alone`` is in the frame just drawn, those not ``kept`` measured anew."""
        renderer = self._canvas.get_renderer()
        for text in alone:
            if not text.get_visible():
                self._alone_drawn.pop(id(text), None)
            elif id(text) not in kept:  # drawn in this frame
                box = text.get_window_extent(renderer).padded(2)  # 2 pixels of antialiasing around it
                self._alone_drawn[id(text)] = (_anchor(text), box)

    def redraw(self) -> bytes:
        """Everything drawn again (when most of the picture moved): its PNG (kept in ``png``)."""
        if self.dynamic:  # the moving artists are left out of canvas.draw(): background, then them
            self.draw_background(self.dynamic)
            return self.blit()
        with fast_drawing():
            self._canvas.draw()
        self.png = canvas_png(self._canvas)
        return self.png

    def say(self, text: str) -> None:
        """Show ``text`` in place ("" clears it): in ``status``, under the explorer's controls."""
        self.message = text
        if self.status is not None:
            self.status.value = message_html(text)

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

    def describe(self) -> str:
        """The text a viewer without pictures shows."""
        return f"{type(self).__name__}()"

    def close(self) -> None:
        """Close the explorer's widgets (the browser removes them); then dropping it frees it and its figure."""
        close_widgets(self.widget, self.status)
        self._canvas = self._background = self._under_marks = None

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a PNG of the current picture for viewers without a kernel."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        if self.png:
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = self.describe()
        return data


class Explorer(LivePicture):
    """Base class: ``controls`` (a dict of widgets), ``out`` (the picture), ``widget`` (the layout).

    Subclasses set ``figsize`` and implement ``draw(fig, **values)``, where ``values`` maps
    each control's name to its value; ``draw`` returns the picture it built (kept in
    ``picture``; its ``dynamic`` artists are the ones a light change moves) or None. ``draw``
    may raise ``ValueError`` or ``TypeError``; the message is shown instead of a picture. A
    subclass that changes several controls at once (a preset, new limits) does so inside
    ``with self.hold():``, which draws once at the end.

    A subclass with ``coalesce = True`` (its pictures take a while) skips redraws that a
    newer value already replaces: a change sent by the browser is drawn ``coalesce_seconds``
    later, with the controls' values of that moment, and the changes that arrive meanwhile
    (key presses queued while the last picture was drawn) are drawn with it. A change made
    in Python (a test, a notebook cell) is always drawn at once.
    """

    margins = {"left": 0.04, "right": 0.98, "bottom": 0.1, "top": 0.88, "hspace": 0.8, "wspace": 0.3}
    _drawing = False  # inside render(): a control that draw() moves must not start another picture
    _holds = 0  # how many ``with self.hold():`` blocks are open
    _pending = None  # coalescing: None, or whether the redraw waiting to run may be light
    light_controls = ()  # controls whose change only moves the picture's dynamic artists (see update)
    clickable = False  # True: the picture is a ClickImage, and clicks call on_picture_click(x, y)
    coalesce = False  # True: a burst of changes from the browser is drawn once, with the newest values
    coalesce_seconds = 0.03  # how long a change from the browser waits for the changes queued behind it

    def __init__(self, controls: dict, extra=()):
        self.controls = controls
        self.out = widgets.Output(layout={"min_height": f"{self.figsize[1] * self.dpi}px"})
        self.message = ""
        self.png = b""
        self.picture = None
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
        self._canvas = self._background = None
        self._pending = None  # a redraw still waiting draws nothing

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

    def draw(self, fig: Figure, **values):  # pragma: no cover - subclasses draw
        raise NotImplementedError

    def update(self, **values) -> bool:
        """Move the picture's ``dynamic`` artists for a change of a light control.

        Return False when the change needs a full redraw instead. Subclasses that
        list ``light_controls`` implement it.
        """
        return False

    def moving_artists(self, picture) -> list:
        """The artists a light change moves: those of the ``picture`` that ``draw`` returned."""
        return list(getattr(picture, "dynamic", ()))

    def render(self, light: bool = False) -> None:
        """Draw the current state into ``out``: the picture, or the message explaining the problem.

        A full render builds a new figure. After a change of one of the
        ``light_controls`` (stepping the window, say) only the picture's dynamic
        artists are drawn again, over a saved copy of everything else
        (matplotlib's blitting), which is many times faster.
        """
        if self._drawing or self.held:  # a control changed by draw() itself, or in a hold: draw once
            return
        self._drawing = True
        try:
            with matplotlib.rc_context(FAST_DRAWING):
                if light and self._background is not None and self.update(**self.values):
                    png = self.blit()
                else:
                    png = self._draw_full()
        except Exception as error:
            self._canvas = self._background = None
            self.png = b""
            self.say(
                str(error)
                if isinstance(error, (ValueError, TypeError))
                else f"{type(error).__name__}: {error}"
            )
            return
        finally:
            self._drawing = False
        self.message = ""
        self._show_png(png)

    def say(self, text: str) -> None:
        """Show ``text`` in place of the picture (an explorer's message explains why there is none)."""
        self.message = text
        self._showing_clicker = False
        self.out.outputs = ()
        self.out.append_display_data(HTML(message_html(text, INSTEAD_STYLE)))

    def _show_png(self, png: bytes) -> None:
        if self.clicker is not None:  # the same ClickImage stays in the Output; only its PNG changes
            self.clicker.png = png
            if not self._showing_clicker:
                self.out.outputs = ()
                self.out.append_display_data(self.clicker)
                self._showing_clicker = True
            return
        self.out.outputs = ()
        self.out.append_display_data(Image(data=png, format="png"))

    def on_picture_click(self, x: float, y: float) -> None:
        """A click at pixel (x, y) of the picture (y down from the top); clickable explorers override it."""

    def _draw_full(self) -> bytes:
        fig = self.new_figure(margins=self.margins)
        picture = self.draw(fig, **self.values)
        if picture is not None:
            self.picture = picture
        self.draw_background(self.moving_artists(picture))
        return self.blit()

    def _on_change(self, change) -> None:
        name = next((n for n, c in self.controls.items() if c is change["owner"]), None)
        light = name in self.light_controls
        if self.coalesce and _from_browser(change) and self._defer(light):
            return
        self.render(light=light)

    def _defer(self, light: bool) -> bool:
        """Leave the redraw for a moment later (True), merging it with one already waiting.

        The kernel handles the browser's messages one by one, giving its event loop a turn
        between them; a redraw waiting ``coalesce_seconds`` lets the messages queued behind
        this one arrive first. Without a running event loop (plain Python) it draws now.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._pending is None:
            loop.call_later(self.coalesce_seconds, self._flush)
            self._pending = light
        else:
            self._pending = self._pending and light  # light only if every merged change was
        return True

    def _flush(self) -> None:
        light, self._pending = self._pending, None
        if light is not None:
            self.render(light=light)

    def describe(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values.items())})"


def _from_browser(change) -> bool:
    """True when ipywidgets is applying a value the browser sent (it locks the property meanwhile)."""
    return change["name"] in getattr(change["owner"], "_property_lock", {})
