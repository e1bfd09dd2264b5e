"""``ClickImage``: a PNG that tells Python where it was clicked, in the PNG's own pixels.

>>> image = ClickImage()
>>> seen = []
>>> image.on_click(lambda x, y: seen.append((x, y)))
>>> image.press(10.5, 3.0)          # what a click in the browser does
>>> seen
[(10.5, 3.0)]

How clicks reach Python. The picture is drawn by matplotlib into a PNG in the kernel; the
browser only shows it. ``clickimage.js`` (a plain ES module beside this file, sent by the
kernel: no build step, no download, works offline, like ``drawing.js``) shows the PNG in an
``<img>`` and on a click sets the synced trait ``click`` to ``{x, y, n}``: the position in
the PNG's pixels (scaled back if the image is shown smaller), n a click counter. One small
message per click. Python maps the pixel to what was drawn there with the matplotlib axes'
own transforms (``ax.bbox``, ``ax.transData``), so the mapping is exact for any layout, and
never guesses from a layout of its own. The PNG travels as a binary buffer of the widget's
message (a ``Bytes`` trait), not as base64 text inside its JSON: a third fewer bytes, and
nothing to encode in the kernel or to parse and decode in the browser, which shows it from a
``blob:`` URL. The alternatives were ipyevents (DOM events of an
``Image`` widget: one more front-end extension) and bqplot/ipympl (interactive figures: a
heavier extension and a redraw path of their own), for what is one coordinate pair.
"""

from __future__ import annotations

import base64
import pathlib

import anywidget
import traitlets

__all__ = ["ClickImage"]


class ClickImage(anywidget.AnyWidget):
    """A PNG picture that reports clicks: ``on_click(callback)``, ``callback(x, y)`` in image pixels.

    Attributes
    ----------
    png : bytes
        The picture, PNG bytes (b"" for none).
    click : dict
        The last click, ``{"x": float, "y": float, "n": int}``, set by the browser.
    """

    # the module's source as text, read once: given a path, anywidget would keep a callback to
    # every instance (to reload the file when it changes), and so every explorer alive forever
    _esm = pathlib.Path(__file__).with_name("clickimage.js").read_text(encoding="utf-8")
    png = traitlets.Bytes(b"").tag(sync=True)  # sent as a binary buffer, beside the JSON
    alt = traitlets.Unicode("").tag(sync=True)
    click = traitlets.Dict({}).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._callbacks = []
        self.add_class("cnnviz-ClickImage")

    def on_click(self, callback) -> None:
        """Call ``callback(x, y)`` (pixels of the PNG, y down from the top) on every click."""
        self._callbacks.append(callback)

    def press(self, x: float, y: float) -> None:
        """Do what a click at pixel (x, y) does in the browser (for tests and scripts)."""
        self.click = {"x": float(x), "y": float(y), "n": int(self.click.get("n", 0)) + 1}

    @traitlets.observe("click")
    def _clicked(self, change):
        point = change["new"]
        if not point or "x" not in point:
            return
        for callback in self._callbacks:
            callback(float(point["x"]), float(point["y"]))

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        if self.png:
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = "ClickImage()"
        return data, metadata
