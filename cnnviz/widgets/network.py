"""``NetworkExplorer``: inside a trained CNN, live. Draw a digit and watch every layer answer.

>>> from cnnviz.pretrained import load_lecture_cnn
>>> explorer = NetworkExplorer(load_lecture_cnn(), images=np.zeros((1, 28, 28)))
>>> explorer.show(np.zeros((28, 28)))
>>> explorer.select("conv2d", 14, 14, 3)       # on a blank input: only kernel 3's bias, through ReLU
>>> bias = float(explorer.model.layers[0].params["bias"][3])
>>> f"sum of the products 0 + bias {inside._n(bias)}" in explorer.explanation
True

The input comes from the drawing pad (``explorer.pad``: every stroke is a new input), from a
test image (the slider; its true label is shown), or from an uploaded image file (converted
to the model's input size and channels, the conversion drawn step by step). The picture shows
every layer's output: feature maps as mosaics of their channels, one shared and labelled
colour scale per layer; vectors (dense layers, the class probabilities) as bars; each
column's title gives the layer's output shape.

Clicking a cell of any feature map, or a bar of a dense layer, selects that value: its
receptive field is outlined in the input and in every earlier layer
(``cnnviz.inside.receptive_boxes``), and the panel under the picture writes out the
arithmetic behind it with the real numbers (``cnnviz.inside.explain``). The selection
stays when a new digit is drawn, so one can watch one unit while drawing.

How clicks reach Python: the picture is a ``ClickImage`` (``clickimage.js``, an anywidget
module beside this file; see ``cnnviz.widgets.clickimage``), which reports the clicked pixel
of the PNG. ``NetworkPicture.locate`` turns the pixel into (layer, row, col, channel) with the
very axes transforms matplotlib drew with, so the mapping cannot drift from the drawing.

Speed: the figure and its artists are made once; a new input runs the model's forward pass
once (keeping every layer's output), puts the values into the existing images and bars
(``set_data``, ``set_clim``) and redraws only those over a saved background (blitting).
``benchmarks/bench_network.py`` measures it.

Uploads are read by ``cnnviz.digits.read_image``: shrunk while decoded to a few times the
model's input (a 48-megapixel photo costs a few MB), upright (EXIF orientation), transparent
pixels laid on paper, 16-bit and float scans scaled by their own range; files over
``cnnviz.digits.MAX_PIXELS`` pixels are refused with their size and the limit.

Anything that cannot be shown (an image of the wrong size or type, a file that is not an
image or is damaged, a damaged drawing from the browser, a model without an image input,
without layers or with branches) gives a short message in the explorer, never an exception.
Values that are NaN or infinite (a model that diverged in training, an input beyond float32)
are drawn in magenta, with a message naming the first layer that holds them. Arguments that
cannot be right (something that is not a model, ``images=3``, ``index="2"``) raise a
``TypeError`` or ``ValueError`` naming them.

``explorer.close()`` closes its widgets; a closed explorer that is dropped is freed with its
figure (ipywidgets keeps every widget, and what its callbacks reach, until it is closed).
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import inside
from ..digits import READ_SIDE, read_image
from ..plot.network import NetworkPicture, show_conversion
from .clickimage import ClickImage
from .controls import SLIDER_LAYOUT, STYLE
from .drawing import DrawingPad
from .explorer import FAST_DRAWING, MESSAGE_STYLE, LivePicture, canvas_png

__all__ = ["NetworkExplorer"]

# The panel's text wraps only at spaces: the widget's own CSS breaks anywhere ("word-break:
# break-all"), which cut numbers in two ("−0.1" / "87").
PANEL_STYLE = "font-size:12px;white-space:pre-wrap;word-break:normal;overflow-wrap:normal"


class NetworkExplorer(LivePicture):
    """Every layer of a trained CNN for a drawn, picked or uploaded image; click a value for its arithmetic.

    Parameters
    ----------
    model : cnnviz ``Sequential`` or single-path functional model with an image input (H, W, C)
    images : ndarray, shape (N, H, W) or (N, H, W, C), optional
        Test images for the picker (uint8 0..255 or floats in [0, 1]), e.g. MNIST's test set from
        ``cnnviz.datasets.load_mnist()`` (nothing is downloaded here). Without them the picker is
        disabled and the explorer starts from an empty input.
    labels : array_like of int, shape (N,), optional
        Their true labels.
    index : int
        The test image shown first.
    class_names : sequence of str, optional
        Names of the output classes, for the bars.

    Attributes
    ----------
    pad : DrawingPad
        Drawing on it shows the drawing (for a 28×28×1 model; other models get it resized).
    controls : dict
        ``"image"``: the test-image slider.
    upload : ipywidgets.FileUpload
    message : str
        The last problem shown ("" when none).
    warning : str
        What is wrong with the values shown (NaN or infinity), "" when nothing.
    widget : the layout to display (the explorer itself displays it, too).
    """

    figsize = (14, 3.8)
    dpi = 72

    def __init__(self, model, images=None, labels=None, index=0, class_names=None):
        images, labels = _check_arguments(model, images, labels, index, class_names)
        self.model = model
        self.message = ""
        self.png = b""
        self.x = None
        self.outputs = None
        self.selection = None
        self.explanation = ""
        self.source = ""
        self.warning = ""  # what is wrong with the values shown (NaN, infinity), "" when nothing
        self._quiet = False
        self.status = widgets.HTML("")
        self.status.add_class("cnnviz-message")
        try:
            inside.check_single_path(model)
            shape = model.expected_input_shape()
            if shape is None or len(shape) != 3:
                raise ValueError(
                    "NetworkExplorer needs a model with an image input (H, W, C); "
                    f"received a model whose input shape is {None if shape is None else tuple(shape)}."
                )
            self.input_shape = tuple(int(s) for s in shape)
            fig = self.new_figure()
            with matplotlib.rc_context(FAST_DRAWING):
                self.picture = NetworkPicture(model, fig=fig, labels=class_names)
        except (ValueError, TypeError) as error:
            self.widget = widgets.VBox([self.status])
            self.widget.add_class("cnnviz-NetworkExplorer-refused")
            self.say(str(error))
            return
        self.images, self.labels = images, labels
        self.pad = DrawingPad(size=196, pen_width=16)
        self.clicker = ClickImage(alt="every layer's output; click a cell")
        self.clicker.add_class("cnnviz-picture")
        self.clicker.on_click(self._on_click)
        self.info = widgets.HTML("")
        self.panel = widgets.HTML("<pre> </pre>")
        self.panel.add_class("cnnviz-explanation")
        self.conversion = widgets.Image(format="png", layout={"max_width": "520px", "display": "none"})
        self.conversion.add_class("cnnviz-conversion")
        self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="upload an image")
        self.upload.add_class("cnnviz-upload")
        n = 0 if images is None else len(images)
        picker = widgets.IntSlider(
            value=int(index), min=0, max=max(n - 1, 0), description="test image",
            layout=SLIDER_LAYOUT, style=STYLE, continuous_update=False,
        )  # fmt: skip
        picker.disabled = n == 0
        self.controls = {"image": picker, "why": self._make_why(class_names)}
        self.controls["image"].add_class("cnnviz-control-image")
        self.draw_background(self.picture.dynamic)  # the picture's frame, drawn once
        self.shapes = [(name, shape) for name, shape in zip(["input"] + [la.name for la in model.layers],
                                                              self.picture.shapes)]  # fmt: skip
        self.shapes_text = " → ".join(f"{name} {'×'.join(map(str, s))}" for name, s in self.shapes)
        left = widgets.VBox(
            [widgets.HTML("<b>draw a digit</b> (the picture follows the pen)"), self.pad],
            layout={"margin": "0 16px 0 0"},
        )
        right = widgets.VBox([self.controls["image"], self.upload, self.info, self.conversion, self.status])
        why = widgets.VBox(
            [self.controls["why"], self.why_note, self.why_image], layout={"margin": "0 0 0 16px"}
        )
        self.widget = widgets.VBox(
            [widgets.HBox([left, right, why]), self.clicker,
             widgets.HTML(f"<small>layer shapes: {html.escape(self.shapes_text)}</small>"), self.panel]
        )  # fmt: skip
        self.widget.add_class("cnnviz-explorer")
        self.widget.add_class("cnnviz-NetworkExplorer")
        self.pad.observe(self._on_pad, names="value")
        self.pad.observe(self._on_pad_problem, names="problem")
        self.controls["image"].observe(self._on_pick, names="value")
        self.upload.observe(self._on_upload, names="value")
        if images is not None and n:
            self._pick(self.controls["image"].value)
        else:
            self.show(np.zeros(self.input_shape, dtype=np.float32), source="an empty input")

    # -- inputs -------------------------------------------------------------------------------
    def show(self, image, source="an image from Python") -> None:
        """Show ``image`` (H, W) or (H, W, C), the model's input size; uint8 0..255 or floats."""
        if not hasattr(self, "picture"):
            return
        try:
            x = self._as_input(image)
        except (ValueError, TypeError) as error:
            self.say(str(error))
            return
        self.source = source
        self._run(x)

    def _as_input(self, image):
        a = _numbers(image, "an image")
        H, W, C = self.input_shape
        received = a.shape
        if a.ndim == 2 and C == 1:
            a = a[:, :, None]
        if a.shape != (H, W, C):
            want = f"({H}, {W})" + (f" or ({H}, {W}, {C})" if C == 1 else f" … ({H}, {W}, {C})")
            raise ValueError(
                f"This model takes images of shape ({H}, {W}, {C}); received shape {received}. "
                f"Give {want}, or upload a file to have it converted."
            )
        x = a / 255.0 if np.issubdtype(a.dtype, np.integer) else a
        if not np.isfinite(x).all():
            raise ValueError("The image holds NaN or infinite values.")
        with np.errstate(over="ignore"):  # beyond float32 (1e39, say) is infinite: shown, and said, by _run
            return np.asarray(x, dtype=np.float32)

    def _on_pad(self, change):
        if self._quiet:
            return
        digit = change["new"]
        H, W, C = self.input_shape
        if (H, W, C) != (28, 28, 1):
            try:
                x, _ = inside.model_input(digit, self.input_shape)
            except (ValueError, TypeError) as error:
                self.say(str(error))
                return
            self.show(x, source="your drawing (resized)")
        else:
            self.show(digit, source="your drawing")

    def _on_pad_problem(self, change):
        if change["new"]:
            self.say(change["new"])

    def _on_pick(self, change):
        self._pick(change["new"])

    def _pick(self, i):
        try:
            images = self._test_images()
            image = images[i]
            label = "" if self.labels is None else f", true label {int(self.labels[i])}"
            x = self._as_input(image)
        except (ValueError, TypeError, IndexError) as error:
            self.say(str(error))
            return
        self._to_pad(x)
        self.show(x, source=f"test image {i}{label}")

    def _test_images(self):
        if self.images is None:
            raise ValueError("No test images were given: pass images=... (and labels=...).")
        return self.images

    def _to_pad(self, x):
        """Put a 28×28 input on the pad too, so that strokes can be added to it (no second picture)."""
        if self.input_shape == (28, 28, 1) and float(x.max()) <= 1.0 and float(x.min()) >= 0.0:
            self._quiet = True
            try:
                self.pad.value = x[:, :, 0]
            finally:
                self._quiet = False

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        item = files[-1]
        name = str(item.get("name", "the file"))
        H, W, _ = self.input_shape
        try:  # shrunk while decoded: a few times the model's input, whatever the file's size
            array, size = read_image(item.get("content", b""), side=max(READ_SIDE, 2 * max(H, W)), name=name)
        except (ValueError, TypeError) as error:
            self.say(str(error))
            return
        try:
            x, steps = inside.model_input(array, self.input_shape)
        except (ValueError, TypeError) as error:
            self.say(f"{name}: {error}")
            return
        fig = Figure(figsize=(2.0 * len(steps), 2.2), dpi=self.dpi)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.78, wspace=0.3)
        show_conversion(steps, fig=fig)
        self.conversion.value = canvas_png(_drawn(fig))
        self.conversion.layout.display = ""  # shown from the first upload on
        self._to_pad(x)
        read = (
            ""
            if size == array.shape[:2]
            else f"{size[1]}×{size[0]} read at {array.shape[1]}×{array.shape[0]}; "
        )
        self.show(x, source=f"the upload {name} ({read}converted: " + " → ".join(t for t, _ in steps) + ")")

    # -- computing and drawing ----------------------------------------------------------------
    def _run(self, x):
        """One forward pass for the new input; the picture, the probabilities and the explanation follow."""
        self.x = x
        with np.errstate(all="ignore"):  # overflow and NaN are found below and said in words
            self.outputs = [x] + [y[0] for y in self.model.forward(x[None], keep=True)]
        self.picture.set(self.outputs)
        names = ["the input"] + [f"layer {layer.name!r}" for layer in self.model.layers]
        self.warning = _not_finite(self.outputs, names)
        self.say(self.warning)
        self._explain()
        self.info.value = f"showing {html.escape(self.source)}"
        self._render()
        self._show_why()

    # -- "why this class?": the saliency of one class over the input ------------------------------
    def _make_why(self, class_names):
        """The "why this class?" dropdown, its note and its picture (made once, redrawn in place)."""
        last = self.picture.shapes[-1]
        self.classes = last[0] if len(last) == 1 else 0  # 0: the model has no class scores
        self.class_names = names = list(class_names or [str(k) for k in range(self.classes)])
        # values: "off", "predicted" or a class index (None would show an empty menu in the browser)
        options = [("off", "off"), ("the predicted class", "predicted")] + [
            (f"class {n}", k) for k, n in enumerate(names)
        ]
        why = widgets.Dropdown(options=options, value="off", description="why this class?", style=STYLE)
        why.add_class("cnnviz-control-why")
        why.observe(lambda change: self._show_why(), names="value")
        self.why_note = widgets.HTML("")
        self.why_note.add_class("cnnviz-why-note")
        self.why_image = widgets.Image(format="png", layout={"display": "none", "max_width": "300px"})
        self.why_image.add_class("cnnviz-why")
        self.saliency = None  # the map shown, (H, W); None when the view is off or has nothing to show
        fig = Figure(figsize=(3.6, 3.0), dpi=self.dpi)
        ax = fig.add_axes((0.04, 0.04, 0.68, 0.76))
        H, W, _ = self.input_shape
        # the saliency, 0-centred (white: no effect), opaque so that its colours are the colour bar's;
        # the input is drawn over it as the outline of its ink (a contour at half the brightest grey)
        self._why_map = ax.imshow(np.zeros((H, W)), cmap="RdBu_r", vmin=-1, vmax=1)
        self._why_ax = ax
        self._why_ink = None
        ax.set_xticks([])
        ax.set_yticks([])
        self._why_title = ax.set_title(" ", fontsize=10)
        bar = fig.colorbar(self._why_map, cax=fig.add_axes((0.76, 0.04, 0.05, 0.76)))
        bar.ax.tick_params(labelsize=8)
        bar.set_label("d(score) / d(pixel)", fontsize=9)
        self._why_canvas = FigureCanvasAgg(fig)
        return why

    def _show_why(self):
        """Draw the saliency of the chosen class for the current input, or say calmly why not."""
        choice = self.controls["why"].value
        self.saliency = None
        self.why_image.layout.display = "none"
        self.why_note.value = ""
        if choice == "off" or self.x is None:
            return
        if self.classes == 0:
            return self._why_say('No "why this class?": this model does not end in one score per class.')
        if self.warning:
            return self._why_say(
                'No "why this class?": the model\'s values are NaN or infinite for this input.'
            )
        k = int(np.argmax(self.outputs[-1])) if choice == "predicted" else choice
        try:
            with np.errstate(all="ignore"):
                s = inside.saliency(self.model, self.x, k)
        except (ValueError, TypeError) as error:
            return self._why_say(f'No "why this class?": {error}')
        s = s.sum(axis=2)  # one value per pixel (a colour image: its channels together)
        if not np.isfinite(s).all():
            return self._why_say('No "why this class?": the gradient is NaN or infinite for this input.')
        top = float(np.abs(s).max()) or 1.0
        self.saliency = s
        if self._why_ink is not None:
            self._why_ink.remove()
        grey = self.x.mean(axis=2)
        self._why_ink = None
        if grey.max() > grey.min():  # a blank input has no outline to draw
            levels = [float(grey.min() + grey.max()) / 2]
            self._why_ink = self._why_ax.contour(grey, levels=levels, colors="black", linewidths=0.8)
        self._why_map.set_data(s)
        self._why_map.set_clim(-top, top)  # 0 in the middle: white means "no effect"
        name = self.class_names[k] if k < len(self.class_names) else str(k)
        predicted = " (predicted)" if choice == "predicted" else ""
        self._why_title.set_text(f"why class {name}{predicted}?\n"
                                 "saliency of its score (before softmax)")  # fmt: skip
        self._why_canvas.draw()
        self.why_image.value = canvas_png(self._why_canvas)
        self.why_image.layout.display = ""
        self.why_note.value = (
            "<div style='font-size:12px;line-height:1.35;max-width:300px'>black line: the outline of the "
            "input's ink; red: a brighter pixel there would raise the score, blue: lower it. Where the "
            "score is most sensitive, not what the network &ldquo;looks at&rdquo;.</div>"
        )

    def _why_say(self, message):
        self.why_note.value = f'<div style="{MESSAGE_STYLE};max-width:300px">{html.escape(message)}</div>'

    @property
    def probabilities(self) -> np.ndarray:
        """The class probabilities shown (the model's last output for the current input)."""
        return None if self.outputs is None else np.array(self.outputs[-1], copy=True)

    def node_index(self, layer) -> int:
        """A layer given by name or node index (−1: the input) as its node index."""
        if isinstance(layer, str):
            names = [la.name for la in self.model.layers]
            if layer == "input":
                return -1
            if layer not in names:
                raise ValueError(f"no layer named {layer!r}; the layers are {names}.")
            return names.index(layer)
        if not _whole(layer) or not -1 <= layer < len(self.model.nodes):
            raise ValueError(f"layer must be a name or a node index from -1 to {len(self.model.nodes) - 1}; received {layer!r}.")  # fmt: skip
        return int(layer)

    def select(self, layer, row=0, col=0, channel=0) -> None:
        """What a click does: select value (row, col, channel) of ``layer`` (a name or node index).

        For a layer whose output is a vector (a dense layer), ``row`` is the unit.
        Layer −1 (or "input") is the input image.
        """
        if not hasattr(self, "picture"):
            return
        try:
            node = self.node_index(layer)
            shape = self.picture.shapes[node + 1]
            index = (row, col, channel) if len(shape) == 3 else (row,)
            if not all(_whole(i) for i in index):
                raise TypeError(
                    f"row, col and channel must be whole numbers (not True/False); received {index!r}."
                )
            if not all(0 <= i < s for i, s in zip(index, shape)):
                raise ValueError(f"{index} is outside the layer's output of shape {shape}.")
        except (ValueError, TypeError) as error:
            self.say(str(error))
            return
        self.selection = (node, tuple(int(i) for i in index))
        self.picture.select(*self.selection)
        self.say(self.warning)
        self._explain()
        self._render(marks_only=True)

    def _on_click(self, x, y):
        where = self.picture.locate(x, y)
        if where is None:
            return
        node, index = where
        self.select(node, *index)

    def _explain(self):
        if self.selection is None or self.outputs is None:
            self.explanation = ""
            self.panel.value = (
                "<pre>Click a cell of a feature map, or a bar, to see the arithmetic behind it.</pre>"
            )
            return
        node, index = self.selection
        if node < 0:
            text = f"input at {index} = {float(self.outputs[0][index]):.4g}"
        else:
            with np.errstate(all="ignore"):  # NaN and infinity are written out as they are
                text = inside.explain(self.model, self.outputs, node, index)
            if len(index) == 3:
                r0, r1, c0, c1 = inside.receptive_boxes(self.model, node, index[0], index[1])[0]
                text += (
                    f"\nreceptive field in the image: rows {r0}..{r1 - 1}, columns {c0}..{c1 - 1} "
                    f"({r1 - r0}×{c1 - c0} pixels)"
                )
            else:
                text += "\nreceptive field in the image: the whole image"
        self.explanation = text
        kept = re.sub(r"(c\d+:) ", "\\1\u00a0", text)  # "c7: 0.0083" never split across two lines
        self.panel.value = f"<pre style='{PANEL_STYLE}'>{html.escape(kept)}</pre>"

    def _render(self, marks_only=False):
        """The picture again: all that moves, or after a selection (values unchanged) only its marks."""
        if self.picture.restyled:  # a colour scale changed its map: draw the background again
            self.draw_background(self.picture.dynamic)
            self.picture.restyled = False
        if marks_only:
            self.clicker.png = self.blit_marks(self.picture.marks, alone=self.picture.alone)
        else:  # a selection replaces the cell's marker: the list of dynamic artists is taken anew
            self.clicker.png = self.blit(
                self.picture.dynamic, marks=self.picture.marks, alone=self.picture.alone
            )

    def describe(self) -> str:
        return f"NetworkExplorer(model={self.model.name!r})"


def _numbers(a, what: str) -> np.ndarray:
    """``a`` as an array of numbers (integers or floats, not True/False); a TypeError naming ``what`` else."""
    try:
        array = np.asarray(a)
    except Exception as error:  # a ragged list, say
        raise TypeError(f"{what} must be an array of numbers; received {type(a).__name__}.") from error
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise TypeError(f"{what} must hold numbers; received {what} of dtype {array.dtype}.")
    return array


def _check_arguments(model, images, labels, index, class_names):
    """Refuse what cannot be a model, test images, labels or index; return (images, labels) as arrays or None."""
    from ..models import Model  # here: cnnviz.models need not be imported to import the widgets

    if not isinstance(model, Model):
        raise TypeError(
            "NetworkExplorer expects a cnnviz model (keras.models.Sequential or keras.Model); "
            f"received model of type {type(model).__name__}."
        )
    if images is not None:
        images = _numbers(images, "images")
        if images.ndim not in (3, 4):
            received = f"images={images.item()!r}" if images.ndim == 0 else f"images of shape {images.shape}"
            raise ValueError(
                f"images must be a stack of images, shape (N, H, W) or (N, H, W, C); received {received}."
            )
    n = 0 if images is None else len(images)
    if labels is not None:
        if images is None:
            raise ValueError("labels were given without images: pass images=... too.")
        labels = np.asarray(labels)
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be {n} whole numbers, one per image; received labels of shape {labels.shape} "
                f"and dtype {labels.dtype}."
            )
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"index must be a whole number; received index={index!r} ({type(index).__name__}).")
    if not 0 <= index < max(n, 1):
        raise ValueError(
            f"index must be from 0 to {max(n - 1, 0)} (there are {n} images); received index={index}."
        )
    if class_names is not None and (
        isinstance(class_names, str) or not all(isinstance(c, str) for c in class_names)
    ):
        raise TypeError(f"class_names must be a list of names (str); received class_names={class_names!r}.")
    return images, labels


def _not_finite(outputs, names) -> str:
    """A message naming the first output holding NaN or infinity ("" when all are finite)."""
    for name, y in zip(names, outputs):
        if not np.isfinite(y).all():
            return (
                f"Some values are NaN or infinite, from {name} on (marked in magenta; bars left empty): "
                "an input too large for float32 (beyond about 3.4e38), or weights that diverged in training "
                "(a learning rate too large?)."
            )
    return ""


def _whole(i) -> bool:
    """True for a whole number; False for True and False, which Python would take as 1 and 0."""
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _drawn(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas
