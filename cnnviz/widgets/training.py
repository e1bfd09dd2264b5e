"""``TrainingExplorer``: step through training, one batch at a time, and watch the network learn.

>>> from cnnviz import keras
>>> model = keras.models.Sequential([
...     keras.layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
...     keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")], seed=0)
>>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
>>> x = np.random.default_rng(0).random((20, 8, 8, 1)); y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
>>> explorer = TrainingExplorer(model, x, y, batch_size=4)
>>> explorer.step()                       # one batch of training
>>> s = explorer.selected                 # the framed weight: before, its gradient, after
>>> bool(np.isclose(s["after"], s["before"] - s["learning_rate"] * s["gradient"]))   # plain SGD
True

Buttons train the model on one batch, on the rest of the epoch, or on batch after batch
(run / pause). After every step the same figure is moved, not made again: the loss of every
batch so far (and of each finished epoch, on the training data and on held-out data), how
large each layer's gradients were in that step, the first convolution's kernels on one
0-centred colour scale that stays put from step to step (so that their change shows), and that
layer's feature maps for one fixed input. The panel under
the picture writes out what the step did to one weight of the first convolution, picked
with the sliders and framed in the picture: its old value, its gradient, the learning rate
and its new value.

The training is the model's own: each step is the step ``fit`` takes (``Trainer._train_step``:
forward pass in training mode, loss, backward pass, the optimizer's update), and epochs and
``history`` (Keras' keys: "loss", the metrics, "val_loss", ...) are kept as ``fit`` keeps
them. Held-out data: ``validation_data``, else the last ``validation_split`` of ``x``, as in
``fit``. A step that makes the loss NaN or infinite stops the run with a message, as ``fit``
does.

Anything that cannot be trained or shown (a model that is not compiled, labels that do not fit,
no samples, NaN in the data, a model without a convolution or with branches) is refused when
the explorer is made, with a clear error, and the model is left as it was.
"""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import matplotlib
import numpy as np

from .. import inside
from .. import layers as L
from ..plot.style import num as _num
from ..plot.training import TrainingPicture
from ..training import _Sums
from .controls import SLIDER_LAYOUT, STYLE, close_widgets
from .explorer import FAST_DRAWING, LivePicture

__all__ = ["TrainingExplorer"]


class TrainingExplorer(LivePicture):
    """Train ``model`` on ``(x, y)`` batch by batch, with the loss, the gradients, the kernels and a
    feature map drawn after every step.

    Parameters
    ----------
    model : a compiled cnnviz model with an image input (H, W, C), single path, with a Conv2D
    x : array, shape (N, H, W, C) (or (N, H, W) for one channel)
    y : labels, as ``fit`` takes them for the model's loss
    batch_size : int
        Samples per step (Keras' default, 32).
    validation_data : (x_val, y_val), optional
        Held-out data, evaluated at the end of every epoch.
    validation_split : float
        Without ``validation_data``: the share of ``x`` (its last samples) held out, as ``fit``'s.
    sample : int
        Which held-out image (else training image) is the fixed input whose feature maps are shown.
    seed : int
        Seeds the shuffling of every epoch.

    Attributes
    ----------
    model, history (a dict of lists, one value per finished epoch, Keras' keys), batch_losses,
    selected (the framed weight: "index", "before", "gradient", "learning_rate", "after"),
    message ("" or the last problem), png (the picture), widget.
    """

    figsize = (12, 6.2)
    dpi = 72

    def __init__(
        self, model, x, y, batch_size=32, validation_data=None, validation_split=0.1, sample=0, seed=0
    ):
        model._compiled("TrainingExplorer")
        inside.check_single_path(model)
        x = np.asarray(x) if not isinstance(x, np.ndarray) else x
        shape = model.expected_input_shape()
        if shape is not None and len(shape) == 3 and shape[2] == 1 and np.ndim(x) == 3:
            x = x[..., None]  # (N, H, W): one channel
        x, y = model._data(x, y, "TrainingExplorer")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(
                f"TrainingExplorer expects batch_size as a whole number >= 1; received {batch_size!r}."
            )
        if model.built_input_shape is None or not all(layer.built for layer in model.layers):
            model.build(x.shape[1:])
        convs = [k for k, layer in enumerate(model.layers) if isinstance(layer, L.Conv2D)]
        if not convs:
            raise ValueError(
                f"TrainingExplorer shows the first convolution's kernels; model {model.name!r} has no Conv2D layer."
            )
        x, y, x_val, y_val = self._split(model, x, y, validation_data, validation_split)
        # one forward pass that changes nothing: the labels must fit the loss before anything trains
        model.evaluate(x[: min(len(x), batch_size)], y[: min(len(x), batch_size)], verbose=0)
        self.model, self.x, self.y, self.x_val, self.y_val = model, x, y, x_val, y_val
        self.batch_size = int(batch_size)
        self.conv_node = convs[0]
        self.conv = model.layers[convs[0]]
        pool = x_val if x_val is not None and len(x_val) else x
        if (
            isinstance(sample, bool)
            or not isinstance(sample, (int, np.integer))
            or not 0 <= sample < len(pool)
        ):
            raise ValueError(
                f"TrainingExplorer: sample must be an index in 0..{len(pool) - 1}; received {sample!r}."
            )
        self.image = pool[sample]
        self.rng = np.random.default_rng(seed)
        self.trained = [layer for layer in model.layers if layer.trainable_names]
        self.history, self.batch_losses, self.epochs = {}, [], []
        self.epoch, self.batch, self.order, self.sums = 0, 0, None, None
        self.gradient_sizes = [np.nan] * len(self.trained)
        self.selected = {}
        self.message = ""
        self.png = b""
        self.step_seconds = []

        KH, KW, C, F = self.conv.params["kernel"].shape
        self.controls = {
            "kernel": self._slider("kernel", 0, F - 1),
            "row": self._slider("row u", 1 if KH > 1 else 0, KH - 1),
            "col": self._slider("column v", 1 if KW > 1 else 0, KW - 1),
            "channel": self._slider("input channel c", 0, C - 1),
        }
        self.controls["channel"].disabled = C == 1
        self.buttons = {
            "batch": widgets.Button(description="one batch", icon="step-forward"),
            "epoch": widgets.Button(description="one epoch", icon="fast-forward"),
        }
        self.play = widgets.Play(
            value=0, min=0, max=10**9, interval=300, description="run", show_repeat=False
        )
        self.play.add_class("cnnviz-control-run")
        for name, button in self.buttons.items():
            button.add_class(f"cnnviz-control-{name}")
        self.buttons["batch"].on_click(lambda _: self.step(1))
        self.buttons["epoch"].on_click(lambda _: self.run_epoch())
        self.play.observe(self._on_play, names="value")
        for name, control in self.controls.items():
            control.add_class(f"cnnviz-control-{name}")
            control.observe(self._on_select, names="value")
        self.picture_widget = widgets.Image(format="png")
        picture_box = widgets.Box([self.picture_widget])  # as the other explorers: ".cnnviz-picture img"
        picture_box.add_class("cnnviz-picture")
        self.panel = widgets.HTML("")
        self.panel.add_class("cnnviz-explanation")
        self.status = widgets.HTML("")
        self.status.add_class("cnnviz-message")
        run = widgets.HBox([widgets.HTML("run / pause:"), self.play], layout={"align_items": "center"})
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.buttons["batch"], self.buttons["epoch"], run]),
                widgets.HBox([self.controls["kernel"], self.controls["channel"]]),
                widgets.HBox([self.controls["row"], self.controls["col"]]),
                self.status,
                picture_box,
                self.panel,
            ]
        )
        self.widget.add_class("cnnviz-explorer")
        self.widget.add_class("cnnviz-TrainingExplorer")

        fig = self.new_figure()
        names = [layer.name for layer in self.trained]
        with matplotlib.rc_context(FAST_DRAWING):
            self.picture = TrainingPicture(names, self.conv.params["kernel"].shape, self.image, fig=fig)
        self._explain()
        self._redraw()

    # -- training ------------------------------------------------------------------------------
    def step(self, batches=1):
        """Train on the next ``batches`` batches (an epoch ends, and is evaluated, at its last batch)."""
        if isinstance(batches, bool) or not isinstance(batches, (int, np.integer)) or batches < 1:
            self.say(f"step expects a whole number of batches >= 1; received {batches!r}.")
            return
        for _ in range(int(batches)):
            if not self._one_batch():
                break
        self._explain()
        self._redraw()

    def run_epoch(self):
        """Train on the rest of the current epoch (all of it at the start of one)."""
        self.step(self.batches_per_epoch - self.batch)

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def _one_batch(self) -> bool:
        if self.message.startswith("The loss became"):
            return False  # a diverged run stays stopped: the weights are NaN
        t0 = time.perf_counter()
        if self.batch == 0:
            self.order = self.rng.permutation(len(self.x))  # shuffled anew every epoch, as fit does
            self.sums = _Sums(self.model)
        rows = self.order[self.batch * self.batch_size : (self.batch + 1) * self.batch_size]
        xb, yb = self.x[rows], self.y[rows]
        kernel = self.conv.params["kernel"]
        index = self._index()
        before = float(kernel[index])
        seen = {}

        def look():  # after the backward pass, before the update
            seen["gradient"] = float(self.conv.grads["kernel"][index])
            seen["sizes"] = [_rms(layer) for layer in self.trained]

        loss, out = self.model._train_step(xb, yb, between=look)
        loss = float(loss)
        self.gradient_sizes = seen["sizes"]
        self.selected = {
            "index": index,
            "before": before,
            "gradient": seen["gradient"],
            "learning_rate": float(self.model.optimizer.learning_rate),
            "after": float(kernel[index]),
        }
        self.batch_losses.append(loss)
        if not np.isfinite(loss):
            self.say(
                f"The loss became {loss} at batch {self.batch + 1} of epoch {self.epoch + 1}: the weights jumped too "
                "far. Make a new model and use a smaller learning rate."
            )
            return False
        self.sums.add(loss, len(rows), yb, out)
        self.batch += 1
        if self.batch == self.batches_per_epoch:
            self._end_epoch()
        self.step_seconds.append(time.perf_counter() - t0)
        return True

    def _end_epoch(self):
        logs = self.sums.logs()
        held = None
        if self.x_val is not None and len(self.x_val):
            val = self.model.evaluate(self.x_val, self.y_val, batch_size=256, verbose=0, return_dict=True)
            logs.update({f"val_{k}": v for k, v in val.items()})
            held = val["loss"]
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.epochs.append((len(self.batch_losses), logs["loss"], held))
        self.epoch += 1
        self.batch = 0

    # -- the picture -----------------------------------------------------------------------------
    def _index(self):
        c = self.controls
        return (c["row"].value, c["col"].value, c["channel"].value, c["kernel"].value)

    def _on_select(self, change):
        self._explain()
        self._redraw()

    def _on_play(self, change):
        if change["new"] > change["old"]:
            self.step(1)
            if self.message:
                self.play.playing = False

    def _explain(self):
        """The panel: what the last step did to the framed weight, with its numbers."""
        u, v, c, f = index = self._index()
        name = f"{self.conv.name}.kernel[{u}, {v}, {c}, {f}]"
        w = float(self.conv.params["kernel"][index])
        if not self.selected or self.selected["index"] != index:
            text = f"{name} = {num(w)}. Train one batch to see what a step does to it."
        else:
            s = self.selected
            optimizer = self.model.optimizer
            plain_sgd = type(optimizer).__name__ == "SGD" and optimizer.momentum == 0
            old, new = apart(s["before"], s["after"])  # digits enough that the change shows
            rule = (
                f"new = old − learning rate × gradient = {old} − {num(s['learning_rate'], wrap=True)} × "
                f"{num(s['gradient'], wrap=True)} = {new}"
                if plain_sgd
                else f"{type(optimizer).__name__} changed it by {num(s['after'] - s['before'])}: it scales each step "
                "with running averages of past gradients, so the change is not learning rate × gradient"
            )
            text = (
                f"{name}: old {old}, gradient d(loss)/dw {num(s['gradient'])}, learning rate "
                f"{num(s['learning_rate'])}, new {new} (changed by {num(s['after'] - s['before'])}).\n{rule}."
            )
        self.panel.value = f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"

    def _redraw(self):
        t0 = time.perf_counter()
        outputs = self.model.forward(self.image[None], keep=True)
        maps = outputs[self.conv_node][0]
        seen = self.epoch * len(self.x) + min(self.batch * self.batch_size, len(self.x))
        headline = (
            f"epoch {self.epoch + 1}, batch {self.batch} of {self.batches_per_epoch} · {seen} images seen · "
            f"learning rate {num(float(self.model.optimizer.learning_rate))}"
        )
        with matplotlib.rc_context(FAST_DRAWING), np.errstate(invalid="ignore"):
            self.picture.set(
                batch_losses=self.batch_losses,
                epochs=self.epochs,
                kernels=self.conv.params["kernel"],
                maps=np.nan_to_num(maps, nan=0.0, posinf=0.0, neginf=0.0),
                gradient_sizes=self.gradient_sizes,
                selected=self._index(),
                channel=self.controls["channel"].value,
                headline=headline,
                layer=self.conv.name,
            )
        # the artists moved in place; most of the picture changed (axes' limits too), so all of it is drawn
        self.picture_widget.value = self.redraw()
        self.draw_seconds = time.perf_counter() - t0

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _split(model, x, y, validation_data, validation_split):
        if validation_data is not None:
            try:
                x_val, y_val = validation_data
            except (TypeError, ValueError) as error:
                raise TypeError(
                    "TrainingExplorer expects validation_data=(x_val, y_val); "
                    f"received {type(validation_data).__name__}."
                ) from error
            if np.ndim(x_val) == 3 and np.ndim(x) == 4:
                x_val = np.asarray(x_val)[..., None]
            x_val, y_val = model._data(x_val, y_val, "TrainingExplorer (validation_data)")
            return x, y, x_val, y_val
        if (
            isinstance(validation_split, bool)
            or not isinstance(validation_split, (int, float))
            or not (0 <= validation_split < 1)
        ):
            raise ValueError(
                f"TrainingExplorer expects validation_split in [0, 1); received {validation_split!r}."
            )
        held = int(len(x) * validation_split)
        if held == 0 or held == len(x):
            return x, y, None, None
        return x[:-held], y[:-held], x[-held:], y[-held:]

    def _slider(self, description, value, high):
        return widgets.IntSlider(
            value=value, min=0, max=high, description=description, layout=SLIDER_LAYOUT, style=STYLE,
            continuous_update=False,
        )  # fmt: skip

    def close(self) -> None:
        """Close the explorer's widgets; then dropping it frees it and its figure."""
        self.play.playing = False
        close_widgets(*self.controls.values(), *self.buttons.values(), self.play)
        super().close()

    def describe(self) -> str:
        return f"TrainingExplorer(model={self.model.name!r}, epoch={self.epoch + 1}, batch={self.batch})"


def num(v, wrap=False) -> str:
    """A weight, a gradient or a learning rate in four significant digits (they span many decades);
    ``wrap``: a negative factor of a product in parentheses, 0.1 × (−0.05)."""
    return _num(v, wrap=wrap, fmt="{:.4g}")


def apart(before, after) -> tuple[str, str]:
    """A weight before and after a step, with as many decimals as it takes for the change to show
    (two significant digits of it), and at least four significant digits: a step of 0.0001 on
    0.148 reads 0.14804 → 0.14793, not 0.148 → 0.1479.

    >>> apart(0.148041, 0.147931)
    ('0.14804', '0.14793')
    >>> apart(2.5, 2.5)
    ('2.5', '2.5')
    """
    change = abs(after - before)
    if not (np.isfinite(before) and np.isfinite(after)) or change == 0:
        return num(before), num(after)
    size = max(abs(before), abs(after))
    decimals = max(1 - int(np.floor(np.log10(change))), 3 - int(np.floor(np.log10(size))), 0)
    return tuple(_num(v, fmt=f"{{:.{min(decimals, 10)}f}}") for v in (before, after))


def _rms(layer) -> float:
    """The root mean square of a layer's weight gradients: one number for how hard this step pushed it."""
    grads = [layer.grads[name] for name in layer.trainable_names if name in layer.grads]
    if not grads:
        return float("nan")
    total = sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)
    return float(np.sqrt(total / sum(g.size for g in grads)))
