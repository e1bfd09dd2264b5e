"""The controls every explorer shares: sliders and drop-down lists with one look, the step
controls (◀ ▶ and Play), a learner's array checked, and closing widgets for good.

>>> slider = int_slider("kernel size K", 3, 1, 9)
>>> slider.description, slider.value, slider.max
('kernel size K', 3, 9)
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

__all__ = [
    "SLIDER_LAYOUT",
    "STYLE",
    "StepControls",
    "close_widgets",
    "dropdown",
    "float_slider",
    "int_slider",
    "learner_array",
]

SLIDER_LAYOUT = {"width": "340px"}
STYLE = {"description_width": "110px"}


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
