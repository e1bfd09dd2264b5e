"""``GridStepExplorer``: an explorer that steps a window over a 2D output, and answers clicks.

A click on an output cell jumps to it; a click on an input cell frames it and every output
cell whose window reads it (``cnnviz.inside.cells_reading``, drawn by
``cnnviz.plot.steps.ReadersOverlay``). Both redraw only what moves.
"""

from __future__ import annotations

from ..inside import cells_reading
from ..plot.steps import ReadersOverlay
from .explorer import Explorer

__all__ = ["GridStepExplorer"]


class GridStepExplorer(Explorer):
    """An explorer whose picture steps a window over a 2D output, cell by cell, row by row.

    Its ``steps`` (``StepControls``) drive the control ``"step"``; ``draw`` builds a
    picture (with ``y`` of shape (H', W') and ``set(i, j)``), calls
    ``self.show_step(picture, step)`` and returns the picture. A step then moves only the
    picture's ``dynamic`` artists and the overlay's.

    The picture can be clicked (``select_cell``, ``select_input`` do what a click does):
    a click on an output cell jumps to it; a click on an input cell frames it and every
    output cell whose window reads it (``cells_reading``: the reverse link, in
    ``self.readers``). Subclasses say where those cells are drawn with ``click_geometry``.
    """

    light_controls = ("step",)
    clickable = True
    reading = None  # the input cell (row, col) of the padded input whose readers are framed
    readers = ()  # the output cells (i, j) that read it
    overlay = None  # the ReadersOverlay over the picture (None when the picture has none)

    def click_geometry(self):  # pragma: no cover - subclasses say
        """(input axes, output axes, (KH, KW), stride S): the padded input's cell (r, c) is drawn at (c, r)."""
        raise NotImplementedError

    def show_step(self, picture, step: int) -> None:
        """Let the slider reach the last output cell, show cell ``step`` (or the last one), add the overlay."""
        self.picture = picture
        Ho, Wo = picture.y.shape
        self.steps.set_maximum(Ho * Wo - 1)
        picture.set(*divmod(min(step, Ho * Wo - 1), Wo))
        inputs, output, _, _ = self.click_geometry()
        self.overlay = ReadersOverlay(inputs, output)
        self._show_readers()

    def moving_artists(self, picture) -> list:
        return [*super().moving_artists(picture), *(self.overlay.dynamic if self.overlay else ())]

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
        """Put the reverse link (``self.reading`` and its readers) into the overlay."""
        _, _, K, S = self.click_geometry()
        shape = self.picture.x_pad.shape
        if self.reading is not None and not (self.reading[0] < shape[0] and self.reading[1] < shape[1]):
            self.reading = None  # the grid shrank (less padding)
        if self.reading is None:
            self.readers = ()
        else:
            self.readers = tuple(cells_reading(*self.reading, K, S, self.picture.y.shape))
        self.overlay.set(self.reading, self.readers)

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
