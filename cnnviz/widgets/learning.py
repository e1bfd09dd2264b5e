"""Explorer of optimizers: SGD, SGD with momentum and Adam walking down a real two-weight loss surface."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import learning
from ..optimizers import SGD, Adam
from ..plot.learning import OptimizerPicture
from .controls import SLIDER_LAYOUT, STYLE, dropdown, float_slider, int_slider
from .explorer import Explorer

__all__ = ["OPTIMIZERS", "OptimizerExplorer", "rounded"]

OPTIMIZERS = ("SGD", "SGD with momentum", "Adam")


def make_optimizer(name, learning_rate, momentum):
    """A fresh cnnviz optimizer for the explorer's choice (momentum is used by "SGD with momentum" only)."""
    if name == "SGD":
        return SGD(learning_rate=learning_rate)
    if name == "SGD with momentum":
        return SGD(learning_rate=learning_rate, momentum=momentum)
    if name == "Adam":
        return Adam(learning_rate=learning_rate)
    raise ValueError(f"The optimizer must be one of {list(OPTIMIZERS)}; received {name!r}.")


class OptimizerExplorer(Explorer):
    """One optimizer's path on the loss of two weights (``learning.TwoWeights``), the rest frozen.

    The learning rate η, the momentum μ, the number of steps and the starting point are
    controls; the loss surface is computed once (``surface`` may be passed in: (w1_values,
    w2_values, losses), as ``TwoWeights.surface`` makes it). The default problem is two weights
    of the lecture CNN's last layer (``learning.lecture_head_problem``). A start outside the
    picture, or a learning rate that sends the weights off to infinity, gives a message; a
    path that leaves the picture is drawn on its edge from there on, and the picture says at
    which step it left.

    The contours are drawn once (``plot.OptimizerPicture``); a change of a control moves the
    path, the start, the legend and the title over them. Changes sent by the browser faster
    than they are drawn (a key held on a slider) are drawn once, with the newest values.

    The start boxes show the start rounded to 3 significant digits; while a box still shows
    that rounding, the exact start is used (``start`` gives it), so the default picture is
    the one of the exact corner. A number typed in is used as typed.
    """

    figsize = (7.5, 5.2)
    margins = {"left": 0.11, "right": 0.97, "bottom": 0.11, "top": 0.93}
    coalesce = True
    light_controls = ("optimizer", "learning_rate", "momentum", "steps", "w1_start", "w2_start")

    def __init__(self, problem=None, surface=None, start=None, names=("w₁", "w₂")):
        self.problem = problem if problem is not None else learning.lecture_head_problem()
        if not isinstance(self.problem, learning.TwoWeights):
            raise TypeError(
                f"OptimizerExplorer expects a learning.TwoWeights problem; received {type(self.problem).__name__}."
            )
        if surface is None:
            w1, w2 = self.problem.start
            w1_values, w2_values = np.linspace(w1 - 3, w1 + 3, 21), np.linspace(w2 - 3, w2 + 3, 21)
            surface = (w1_values, w2_values, self.problem.surface(w1_values, w2_values))
        self.w1_values, self.w2_values, self.losses = (np.asarray(a, float) for a in surface)
        self.names = names
        if start is None:  # a corner of the picture, away from the valley's bottom
            start = (self.w1_values[2], self.w2_values[2])
        self.exact_start = tuple(float(v) for v in start)  # the boxes show it rounded (see start)
        controls = {
            "optimizer": dropdown("optimizer", OPTIMIZERS, "SGD with momentum"),
            "learning_rate": widgets.FloatLogSlider(
                value=1.0,
                base=10,
                min=-2,
                max=1.5,
                step=0.05,
                description="η (learning rate)",
                layout=SLIDER_LAYOUT,
                style=STYLE,
                continuous_update=False,
            ),
            "momentum": float_slider("μ (momentum)", 0.9, 0.0, 0.99, step=0.01, continuous_update=False),
            "steps": int_slider("steps", 30, 1, 100, continuous_update=False),
            "w1_start": widgets.FloatText(
                value=rounded(self.exact_start[0]), description=f"start {names[0]}", style=STYLE
            ),
            "w2_start": widgets.FloatText(
                value=rounded(self.exact_start[1]), description=f"start {names[1]}", style=STYLE
            ),
        }
        super().__init__(controls)

    @property
    def start(self) -> tuple[float, float]:
        """The start in use: the exact one while a box shows its rounding, else the number in the box."""
        boxes = (self.controls["w1_start"].value, self.controls["w2_start"].value)
        return tuple(e if b == rounded(e) else float(b) for b, e in zip(boxes, self.exact_start))

    def path(self, optimizer, learning_rate, momentum, steps, w1_start, w2_start):
        """(path, losses) for these control values: ``learning.optimizer_path`` with a fresh optimizer."""
        lo1, hi1, lo2, hi2 = self.w1_values[0], self.w1_values[-1], self.w2_values[0], self.w2_values[-1]
        if not (lo1 <= w1_start <= hi1 and lo2 <= w2_start <= hi2):
            raise ValueError(
                f"Start inside the picture: {self.names[0]} in [{lo1:.3g}, {hi1:.3g}] and {self.names[1]} in "
                f"[{lo2:.3g}, {hi2:.3g}]; received ({w1_start!r}, {w2_start!r})."
            )
        chosen = make_optimizer(optimizer, learning_rate, momentum)
        with np.errstate(over="ignore", invalid="ignore"):
            return learning.optimizer_path(self.problem, chosen, [w1_start, w2_start], steps)

    def draw(self, fig, **values):
        picture = OptimizerPicture(
            self.w1_values, self.w2_values, self.losses, ax=fig.subplots(), names=self.names
        )
        self._show(picture, **values)
        return picture

    def update(self, **values) -> bool:
        self._show(self.picture, **values)
        return True

    def _show(self, picture, optimizer, learning_rate, momentum, steps, w1_start, w2_start):
        """Move ``picture`` to the path of these control values (raises, with the reason, when there is none)."""
        w1_start, w2_start = self.start
        path, losses = self.path(optimizer, learning_rate, momentum, steps, w1_start, w2_start)
        if not np.isfinite(path).all() or not np.isfinite(losses).all():
            raise ValueError(
                f"With η = {learning_rate:.3g} the weights run off to infinity: the steps are too large. "
                "Lower the learning rate."
            )
        label = f"{optimizer}, η = {learning_rate:.3g}" + (
            f", μ = {momentum:.2f}" if optimizer.endswith("momentum") else ""
        )
        picture.set(path, label, title=f"loss after {steps} steps: {losses[-1]:.4f} (start {losses[0]:.4f})")


def rounded(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits, as a start box shows it (0.123456 → 0.123)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"rounded expects a number; received {value!r} ({type(value).__name__}).")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 1:
        raise ValueError(f"rounded expects digits as a whole number >= 1; received digits={digits!r}.")
    return float(f"{float(value):.{int(digits)}g}")
