"""``DrawingPad``: draw a digit with the mouse, a pen or a finger; read it as MNIST's 28×28.

>>> pad = DrawingPad()
>>> pad.value.shape, pad.value.dtype, float(pad.value.sum())
((28, 28), dtype('float32'), 0.0)

In a notebook, ``pad`` (or ``display(pad)``) shows a black square to draw on in white, as
MNIST's digits are stored, with a pen-width slider, an eraser and Undo and Clear buttons.
While a stroke is drawn (every ``live_ms`` = 100 ms; 0 turns this off) and when it is
finished, ``pad.value`` holds the drawing prepared the way MNIST's digits were
(``cnnviz.digits.mnist_style``: longer side scaled to 20 px, centre of mass at (14, 14) of
the 28×28 field), ready for a model: ``model.predict(pad.value[None, :, :, None])``.
``pad.observe(callback, names="value")`` calls ``callback`` for each of these updates (the
last one of a stroke is the finished stroke; once per Undo or Clear). Setting ``pad.value``
to a 28×28 array (an MNIST test digit, say) draws it on the pad; ``pad.show(image)``
prepares any 2D image first; ``pad.clear()`` empties it.

How it works. The drawing happens in the browser, in ``drawing.js`` (a plain ES module that
ships beside this file: no build step, no download, so it works offline). A stroke is drawn
on a ``<canvas>`` from pointer events, which cover the mouse, pens and touch alike; when the
pointer moves (throttled, every ``live_ms``) and when it is lifted, the canvas is sent to
the kernel as a PNG (about 2 kB), in the synced trait ``image`` (a
``data:image/png;base64,...`` URL; "" for an empty pad). Python decodes it (``decode_png``:
the grey levels in [0, 1] at the canvas's resolution, ``size``×``size``) and sets ``value = mnist_style(grey)``. The other way, setting ``value`` puts its PNG,
enlarged, into ``image``, which the browser draws. A notebook viewed without a kernel
(GitHub, nbviewer) shows the pad's last picture as a still PNG.

Why anywidget. anywidget (MIT; 0.11, April 2026, actively maintained) is one small generic
front-end extension that ships prebuilt inside its pip package, so ``pip install anywidget``
is all JupyterLab 4, Notebook 7, VS Code, Colab and Binder need: no ``jupyter labextension``
step, no Node. The widget's own JavaScript is the file beside this one, sent by the kernel,
so the pad works offline and its code is there to read. The alternatives were:

* ipycanvas (0.14, December 2025; also a prebuilt extension): the canvas is drawn by
  commands from Python, so drawing a stroke takes a message to the kernel per mouse move
  and drawing commands back, a round trip per move: laggy on Binder, kernel time per move.
* ipyevents (2.0, September 2025): it forwards DOM events to Python (throttled or
  debounced) but draws nothing; with ipycanvas it is again a round trip per move.

With anywidget the browser draws locally at full speed and the kernel hears a few times a
second while the pen moves (``live_ms``) and once when it is lifted: enough for a picture
that follows the pen, never a message per mouse move.
"""

from __future__ import annotations

import base64
import binascii
import io
import pathlib
import warnings

import anywidget
import numpy as np
import PIL.Image
import traitlets

from ..digits import FIELD, mnist_style

__all__ = ["DrawingPad", "decode_png", "encode_png"]

PNG_PREFIX = "data:image/png;base64,"
MAX_SIDE = 4000  # decode_png refuses larger PNGs (the pad's canvas is at most 2000 pixels wide)


def decode_png(url: str) -> np.ndarray:
    """The grey levels of a ``data:image/png;base64,...`` URL: float64 (H, W) in [0, 1].

    Colours are turned into brightness (ITU-R BT.601 luma, as PIL's "L" mode does); the
    alpha channel is ignored (the pad's canvas is opaque). "" gives a 0×0 array. Data that
    is not base64, not a PNG, truncated, or wider or taller than ``MAX_SIDE`` pixels raises
    ``ValueError``.

    >>> decode_png(encode_png(np.array([[0.0, 1.0]])))
    array([[0., 1.]])
    """
    if url == "":
        return np.zeros((0, 0))
    if not isinstance(url, str) or not url.startswith(PNG_PREFIX):
        raise ValueError(
            f"expected a PNG as a data URL ('{PNG_PREFIX}...') or ''; received {str(url)[:40]!r}."
        )
    try:
        data = base64.b64decode(url[len(PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"the PNG data URL is not valid base64 ({error}).") from None
    try:
        with warnings.catch_warnings():  # a huge image is refused below, not warned about
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            image = PIL.Image.open(io.BytesIO(data), formats=["PNG"])
        with image:
            if max(image.size) > MAX_SIDE:
                raise ValueError(
                    f"the PNG is {image.width}×{image.height} pixels, larger than {MAX_SIDE}×{MAX_SIDE}."
                )
            grey = np.asarray(image.convert("L"), dtype=np.float64)  # (H, W), 0..255
    except ValueError:
        raise
    except PIL.UnidentifiedImageError:  # Pillow's own message names a memory address: not useful
        raise ValueError("the data is not a PNG.") from None
    except Exception as error:  # Pillow raises many kinds of errors for a damaged or truncated PNG
        raise ValueError(f"the PNG is damaged or truncated ({error}).") from None
    return grey / 255.0


def encode_png(grey, size: int | None = None) -> str:
    """A 2D array of grey levels in [0, 1] as a PNG data URL, enlarged to ``size``×``size`` pixels.

    The enlargement repeats pixels (nearest neighbour), so a 28×28 digit shows its pixels.
    """
    grey = np.asarray(grey, dtype=np.float64)
    image = PIL.Image.fromarray(np.round(np.clip(grey, 0, 1) * 255).astype(np.uint8), mode="L")
    if size is not None and image.size != (size, size):
        image = image.resize((size, size), PIL.Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return PNG_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")


def _blank() -> np.ndarray:
    return np.zeros((FIELD, FIELD), dtype=np.float32)


class DrawingPad(anywidget.AnyWidget):
    """A square to draw a digit on; ``value`` is the drawing as a 28×28 MNIST-style digit.

    Parameters
    ----------
    size : int
        The canvas's width and height in pixels (default 280: 10 screen pixels per pixel
        of the 28×28 digit). Set it before the pad is displayed.
    pen_width : int
        The pen's width in canvas pixels (1 to 80; default 20, which after scaling a digit
        drawn across most of the pad gives MNIST's strokes of 2 to 3 pixels).
    eraser : bool
        True: strokes erase (paint background) instead of drawing.

    Attributes
    ----------
    value : ndarray, float32, shape (28, 28)
        The drawing prepared the MNIST way, values in [0, 1]; zeros while the pad is empty.
        Assign a new 28×28 array to draw it (modifying the array in place draws nothing).
    image : str
        The canvas as a PNG data URL, synced with the browser ("" when empty).
    problem : str
        Why the last ``image`` could not be read ("" when it could); ``value`` is then left as it was.
    """

    # the module's source as text, read once (a path would make anywidget keep every pad alive)
    _esm = pathlib.Path(__file__).with_name("drawing.js").read_text(encoding="utf-8")
    _css = """
    .cnnviz-pad { display: inline-flex; flex-direction: column; gap: 6px; }
    .cnnviz-pad-canvas { touch-action: none; user-select: none; cursor: crosshair; background: #000;
                         border: 1px solid #888; }
    .cnnviz-pad-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
    .cnnviz-pad-tools label { display: inline-flex; align-items: center; gap: 4px; font-size: 13px; }
    .cnnviz-pad-tools input[type="range"] { width: 90px; }
    .cnnviz-pad-tools .jupyter-button { width: auto; padding: 0 10px; }
    """

    image = traitlets.Unicode("").tag(sync=True)
    size = traitlets.Int(10 * FIELD, min=FIELD, max=2000).tag(sync=True)
    pen_width = traitlets.Int(20, min=1, max=80).tag(sync=True)
    eraser = traitlets.Bool(False).tag(sync=True)
    # while the pen moves, the browser sends the stroke so far at most every live_ms ms (0: only
    # when the pen is lifted), so that what listens (a model's picture) follows the pen
    live_ms = traitlets.Int(100, min=0, max=10_000).tag(sync=True)
    value = traitlets.Instance(np.ndarray)
    problem = traitlets.Unicode("")  # not synced: for Python (the network explorer shows it)

    def __init__(self, **kwargs):
        self._reading = False  # True while value is computed from image: no PNG back
        super().__init__(**kwargs)
        self.add_class("cnnviz-DrawingPad")

    @traitlets.default("value")
    def _default_value(self):
        return _blank()

    @traitlets.validate("image")
    def _check_image(self, proposal):
        url = proposal["value"]
        if url != "" and not url.startswith(PNG_PREFIX):
            raise ValueError(
                f"DrawingPad.image must be '' or a PNG data URL ('{PNG_PREFIX}...'); received {url[:40]!r}."
            )
        return url

    @traitlets.validate("value")
    def _check_value(self, proposal):
        x = np.asarray(proposal["value"])
        if x.shape != (FIELD, FIELD):
            raise ValueError(
                f"DrawingPad.value must be a {FIELD}×{FIELD} digit; received shape {x.shape}. "
                "To draw any 2D image, prepared the MNIST way, call pad.show(image)."
            )
        if np.issubdtype(x.dtype, np.integer) and not x.dtype == bool:
            x = x / 255.0  # uint8 0..255, as MNIST's files store it
        x = x.astype(np.float32)  # a copy: never the caller's array
        if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
            raise ValueError(
                f"DrawingPad.value must hold grey levels in [0, 1] (or integers 0..255); received values "
                f"from {x.min():g} to {x.max():g}."
            )
        return x

    @traitlets.observe("image")
    def _image_changed(self, change):
        """A stroke (or Undo, Clear) in the browser: read the canvas, prepare it the MNIST way."""
        if self._reading:
            return
        try:
            grey = decode_png(change["new"])
        except ValueError as error:  # damaged data from the browser: say so, never raise into the kernel
            self.problem = f"The drawing could not be read: {error}"
            return
        self.problem = ""
        self._reading = True
        try:
            self.value = mnist_style(grey) if grey.size else _blank()
        finally:
            self._reading = False

    @traitlets.observe("value")
    def _value_changed(self, change):
        """``value`` set from Python: draw it on the pad (enlarged, pixels visible)."""
        if self._reading:
            return
        self._reading = True
        try:
            self.image = encode_png(change["new"], self.size) if change["new"].any() else ""
        finally:
            self._reading = False

    def show(self, image, **options) -> None:
        """Draw any 2D image on the pad, prepared with ``mnist_style(image, **options)``.

        ``options`` are ``mnist_style``'s: ``invert=True`` for dark ink on white paper,
        ``threshold`` to drop faint background noise.
        """
        self.value = mnist_style(image, **options)

    def clear(self) -> None:
        """Empty the pad (``value`` becomes zeros)."""
        self.value = _blank()

    def _repr_mimebundle_(self, **kwargs):
        """The live pad, plus a PNG of what it shows for viewers without a kernel."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        url = self.image or encode_png(np.zeros((FIELD, FIELD)), self.size)
        data["image/png"] = url[len(PNG_PREFIX) :]
        data["text/plain"] = f"DrawingPad(size={self.size}, pen_width={self.pen_width})"
        return data, metadata
