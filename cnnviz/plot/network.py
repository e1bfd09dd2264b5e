"""A whole network at once: every layer's output for one input, a selected cell and its receptive field.

``NetworkPicture`` is built once for a model (one column per layer: the input, each feature map
layer as a mosaic of its channels with one shared, labelled colour scale, each vector layer as
bars) and then moved: ``set(outputs)`` puts a new input's values into the same artists,
``select(node, index)`` outlines the cells the selected value reads in the input and in every
earlier layer (``cnnviz.inside.receptive_boxes``), and ``locate(x, y)`` turns a pixel of the
drawn figure back into (node, index): what a click on the picture means. ``dynamic`` lists the
artists that change, so an explorer redraws only those (blitting); ``marks``, the last of them,
are those a selection moves (outlines, the selected cell or bar, the zoom): after a click only
they are drawn again, over the values, which stay.

``show_network(model, x)`` draws the picture for one input; ``show_conversion(steps)`` the
steps that turned an image into the model's input; ``show_top_patches(patches, values)`` the
input patches that excite one kernel most.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import PIL.Image
import PIL.ImageDraw
import PIL.ImageFont
from matplotlib.collections import LineCollection
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from .. import inside
from .. import layers as L
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, new_axes, new_figure, no_ticks, num

__all__ = ["NetworkPicture", "mosaic_layout", "show_conversion", "show_network", "show_top_patches"]

GAP = 1  # cells of background between the channels of a mosaic
SKIPPED = (L.Flatten, L.Reshape, L.InputLayer)  # outputs that only re-arrange the previous one
MAX_BARS = 256  # longer vectors are drawn as a strip image
NUMBER_PIXELS = 10  # size of the tiles' channel numbers, in pixels of the figure
NOT_FINITE_COLOR = "#ff00ff"  # magenta: NaN and infinite values, drawn as a value above the scale


def mosaic_layout(channels: int) -> tuple[int, int]:
    """(rows, cols) of the tiles of a mosaic of ``channels`` maps: nearly square, wider than tall.

    >>> mosaic_layout(16), mosaic_layout(32), mosaic_layout(1)
    ((4, 4), (5, 7), (1, 1))
    """
    rows = max(math.isqrt(channels), 1)
    return rows, math.ceil(channels / rows)


def _cmap(name):
    """A colour map that shows NaN (the gaps between tiles) as white, and values above its scale (BEYOND) marked."""
    return matplotlib.colormaps[name].with_extremes(
        bad="white", over=NOT_FINITE_COLOR, under=NOT_FINITE_COLOR
    )


def _beyond(lo, hi):
    """A value above any scale for values in [lo, hi]: how NaN and ±∞ are drawn (in the "over" colour).

    Not ∞ itself, which imshow hides like NaN; and not huge, which its rescaling turns into ∞.
    """
    return np.float32(4 * max(abs(lo), abs(hi), 1.0))


def _finite_range(y, finite):
    """(min, max) of the finite values of y as floats; (0, 0) when there are none."""
    if not finite.any():
        return 0.0, 0.0
    return float(y[finite].min()), float(y[finite].max())


class _StillImage(AxesImage):
    """An image whose pixels never change, scaled to the screen once and then pasted as it is.

    The tiles' channel numbers lie over the maps, so they are drawn again with every new input;
    scaling their overlay to the figure's pixels each time took about 1 ms per layer. The scaled
    picture is kept with what it depends on (the figure's size, the axes' place on it and their
    limits) and scaled again only when one of those changes.
    """

    _scaled = (None, None)  # (what it depends on, make_image's result)

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        axes = self.axes
        depends = (
            renderer.width,
            renderer.height,
            axes.bbox.bounds,
            axes.viewLim.bounds,
            magnification,
            unsampled,
        )
        if self._scaled[0] != depends:
            self._scaled = (depends, super().make_image(renderer, magnification, unsampled))
        return self._scaled[1]


def _mosaic(maps, rows, cols, out=None):
    """(H, W, C) → one array of the C maps in a rows × cols grid, separated by NaN gaps."""
    H, W, C = maps.shape
    if out is None:
        out = np.full((rows * (H + GAP) - GAP, cols * (W + GAP) - GAP), np.nan, dtype=np.float32)
    for c in range(C):
        r, q = divmod(c, cols)
        out[r * (H + GAP) : r * (H + GAP) + H, q * (W + GAP) : q * (W + GAP) + W] = maps[:, :, c]
    return out


class NetworkPicture:
    """Every layer of a single-path model for one input, built once and then moved.

    Parameters
    ----------
    model : a cnnviz ``Sequential`` or single-path functional model with an image input (H, W, C)
    fig : Figure or SubFigure, optional
        Where to draw; a new figure when None.
    labels : sequence of str, optional
        Names of the output classes (default: 0, 1, 2, ...).

    Attributes
    ----------
    columns : list of (node, axes)
        node −1 is the input; then every layer drawn (flatten and reshape layers are only
        listed in the shapes, their values are the previous layer's).
    dynamic : list of artists that ``set`` and ``select`` change: the values', then ``marks``.
    marks : list of the artists that ``select`` changes (drawn over the values).
    """

    def __init__(self, model, fig=None, labels=None, figsize=(14, 3.8)):
        inside.check_single_path(model)
        shape = model.expected_input_shape()
        if shape is None or len(shape) != 3:
            raise ValueError(
                f"The network picture needs a model whose input is an image (H, W, C); received input "
                f"shape {None if shape is None else tuple(shape)}."
            )
        if not model.layers:
            raise ValueError(
                f"The network picture needs a model with layers; {model.name!r} has none to show."
            )
        self.model = model
        self.input_shape = tuple(shape)
        self.shapes = [self.input_shape] + [tuple(out) for _, out in model.node_shapes()]
        self.fig = fig = new_figure(figsize, fig)
        drawn = [k for k, (layer, _) in enumerate(model.nodes) if not isinstance(layer, SKIPPED)]
        nodes = [-1, *drawn]
        widths = []
        for k in nodes:
            s = self.shapes[k + 1]
            if len(s) == 3:
                rows, cols = mosaic_layout(s[2]) if self._tiled(k) else (1, 1)
                widths.append(max(cols * (s[1] + GAP) / (rows * (s[0] + GAP)), 0.6))
            else:
                widths.append(0.9)
        widths.append(1.3)  # the zoom: the selected channel drawn large
        grid = fig.add_gridspec(
            2, len(nodes) + 1, width_ratios=widths, height_ratios=[14, 0.6], left=0.02, right=0.99,
            bottom=0.07, top=0.84, wspace=0.25, hspace=0.08,
        )  # fmt: skip
        self.columns, self.images, self.bars, self.outlines = [], {}, {}, {}
        self.scales, self.layouts = {}, {}
        self._dynamic, self._marks = [], []  # what a new input changes; what a selection changes
        names = ["input"] + [layer.name for layer in model.layers]
        for col, k in enumerate(nodes):
            s = self.shapes[k + 1]
            ax = fig.add_subplot(grid[0, col])
            self.columns.append((k, ax))
            kind = "input" if k < 0 else type(model.nodes[k].layer).__name__
            ax.set_title(f"{names[k + 1]}\n{kind} {'×'.join(map(str, s))}", fontsize=FONT - 3)
            if len(s) == 3:
                rows, cols = mosaic_layout(s[2]) if self._tiled(k) else (1, 1)
                self.layouts[k] = (rows, cols)
                if not self._tiled(k):
                    blank = np.zeros(s, dtype=np.float32)
                else:
                    blank = np.full(
                        (rows * (s[0] + GAP) - GAP, cols * (s[1] + GAP) - GAP), np.nan, dtype=np.float32
                    )
                image = ax.imshow(blank, cmap=_cmap("gray" if k < 0 else "viridis"), vmin=0, vmax=1)
                self.images[k] = image
                no_ticks(ax)
                outline = ax.add_collection(LineCollection([], colors=WINDOW_COLOR, linewidths=1.2))
                self.outlines[k] = outline
                cax = fig.add_subplot(grid[1, col])  # the layer's colour scale, labelled at both ends
                gradient = cax.imshow(np.linspace(0, 1, 128)[None], aspect="auto", cmap=image.cmap)
                no_ticks(cax)
                ends = [
                    cax.text(side, -0.3, " ", transform=cax.transAxes, ha=ha, va="top", fontsize=FONT - 4)
                    for side, ha in ((0, "left"), (1, "right"))
                ]
                self.scales[k] = (gradient, ends)
                self._dynamic += [image, *ends]  # the gradient changes only with the colour map
                self._marks.append(outline)
                if self._tiled(k) and s[2] > 1:  # each tile's channel number, in its top-left corner
                    self._dynamic.append(self._numbers(ax, k))
            else:
                n = s[0]
                bars = ax.barh(np.arange(n), np.zeros(n), color=VISITED_COLOR, height=0.8)
                ax.set_ylim(n - 0.5, -0.5)
                last = k == len(model.nodes) - 1
                if n <= 20:
                    ticks = labels if (last and labels is not None) else range(n)
                    ax.set_yticks(range(n), [str(t) for t in ticks], fontsize=FONT - 4)
                else:
                    ax.set_yticks([])
                ax.tick_params(axis="x", labelsize=FONT - 4)
                self.bars[k] = bars
                softmax = model.nodes[k].layer.activation == "softmax"
                ax.set_xlim(0 if softmax else -1, 1)
                if not softmax:  # bars scaled by the longest, whose length is written under them
                    ax.set_xticks([-1, 0, 1], ["−max", "0", "max"])
                    self.scales[k] = ax.text(0.5, -0.12, " ", transform=ax.transAxes, ha="center", va="top",
                                             fontsize=FONT - 4)  # fmt: skip
                    self._dynamic.append(self.scales[k])
                self._dynamic += list(bars)
                fig.add_subplot(grid[1, col]).set_axis_off()
        self.cell = self.columns[0][1].add_patch(
            Rectangle((0, 0), 1, 1, fill=False, ec="#ff7f0e", lw=2.2, visible=False)
        )
        self.bar_frame = self.columns[0][1].add_patch(  # the selected bar's frame, on its bars' axes
            Rectangle((0, 0), 1, 1, fill=False, ec="black", lw=2, visible=False)
        )
        self.headline = fig.text(0.01, 0.97, " ", fontsize=FONT - 1, va="top", ha="left")
        self._dynamic.append(self.headline)
        self._make_zoom(fig.add_subplot(grid[0, len(nodes)]))
        fig.add_subplot(grid[1, len(nodes)]).set_axis_off()
        self.outputs = None
        self.selection = None
        self.restyled = False

    def _numbers(self, ax, k):
        """The channel numbers of node k's tiles, as ONE transparent picture laid over its mosaic.

        One picture, not a text per tile: the explorer redraws the numbers with every new input
        (they lie over the maps), and 100 texts took 50 ms a frame where one picture takes 1 ms.
        It is drawn at about the screen's resolution (pixels per cell measured on the axes), with
        Pillow's built-in font, white on a dark box.
        """
        H, W, C = self.shapes[k + 1]
        rows, cols = self.layouts[k]
        height, width = rows * (H + GAP) - GAP, cols * (W + GAP) - GAP
        ax.apply_aspect()  # the axes' final size on the figure, so that a cell's size in pixels is known
        on_screen = ax.get_window_extent().width / width  # figure pixels per cell
        scale = max(2, math.ceil(on_screen))  # overlay pixels per cell
        overlay = PIL.Image.new("RGBA", (width * scale, height * scale), (0, 0, 0, 0))
        pen = PIL.ImageDraw.Draw(overlay)
        font = PIL.ImageFont.load_default(size=max(6, round(NUMBER_PIXELS * scale / on_screen)))
        for ch in range(C):
            y0, x0 = (v * scale for v in self.tile_origin(k, ch))
            _, _, right, bottom = pen.textbbox((x0 + 1, y0), str(ch), font=font)
            pen.rectangle((x0, y0, right + 1, bottom + 1), fill=(0, 0, 0, 140))
            pen.text((x0 + 1, y0), str(ch), font=font, fill=(255, 255, 255, 255))
        numbers = _StillImage(ax, interpolation="antialiased", extent=(-0.5, width - 0.5, height - 0.5, -0.5))
        numbers.set_data(np.asarray(overlay))
        return ax.add_image(numbers)

    def _make_zoom(self, ax):
        """The zoom: the selected value's channel (its map alone), large, with the selected cell framed."""
        self.zoom = ax
        no_ticks(ax)
        ax.set_box_aspect(1)
        self.zoom_image = ax.imshow(
            np.full((1, 1), np.nan, dtype=np.float32), cmap=_cmap("viridis"), aspect="auto"
        )
        self.zoom_cell = ax.add_patch(
            Rectangle((0, 0), 1, 1, fill=False, ec="#ff7f0e", lw=2.5, visible=False)
        )
        self.zoom_title = ax.set_title(" ", fontsize=FONT - 3)
        self.zoom_note = ax.text(0.5, 0.5, "click a cell\nto zoom in", transform=ax.transAxes, ha="center",
                                 va="center", fontsize=FONT - 3, color="0.4")  # fmt: skip
        self._marks += [self.zoom_image, self.zoom_cell, self.zoom_title, self.zoom_note]

    def _show_zoom(self):
        """Put the selected channel into the zoom (or say how to get one there)."""
        selected = (
            self.selection is not None and self.selection[0] in self.images and self.outputs is not None
        )
        self.zoom_image.set_visible(selected)
        self.zoom_cell.set_visible(selected)
        self.zoom_note.set_visible(not selected)
        if not selected:
            self.zoom_title.set_text("zoom")
            return
        node, (r, c, ch) = self.selection
        y = self.outputs[node + 1]
        ch = ch if self._tiled(node) else 0
        H, W = y.shape[:2]
        source = self.images[node]
        self.zoom_image.set_data(y[:, :, ch] if self._tiled(node) else source.get_array()[:H, :W])
        self.zoom_image.set_cmap(source.cmap)
        self.zoom_image.set_clim(*source.get_clim())  # the layer's own colour scale
        self.zoom_image.set_extent((-0.5, W - 0.5, H - 0.5, -0.5))
        self.zoom.set_xlim(-0.5, W - 0.5)
        self.zoom.set_ylim(H - 0.5, -0.5)
        self.zoom_cell.set_bounds(c - 0.5, r - 0.5, 1, 1)
        name = "input" if node < 0 else self.model.nodes[node].layer.name
        self.zoom_title.set_text(f"zoom: {name}\nchannel {ch}, cell ({r}, {c})")

    @property
    def dynamic(self):
        """The artists that ``set`` and ``select`` change: the values' first, then ``marks``."""
        return [*self._dynamic, *self.marks]

    @property
    def alone(self):
        """The moving texts that no other moving artist touches: the scales' ends, the headline, the zoom's title.

        (An explorer keeps the pixels of those that did not change instead of drawing them again.)
        """
        ends = [text for k in self.images for text in self.scales[k][1]]  # under each colour scale
        longest = [self.scales[k] for k in self.bars if k in self.scales]  # "max = ..." under the bars
        return [*ends, *longest, self.headline, self.zoom_title]

    @property
    def marks(self):
        """The artists that ``select`` changes (the selected cell's and bar's frames move between axes)."""
        return [*self._marks, self.cell, self.bar_frame]

    # -- the values ---------------------------------------------------------------------------
    def set(self, outputs):
        """Show one input's values: ``outputs`` = [x, node 0's output, node 1's, ...], no batch axis.

        NaN and infinite values (a diverged model, an input beyond float32) are drawn in
        ``NOT_FINITE_COLOR``, their bars left empty; the scales use the finite values.
        """
        self.outputs = outputs
        self.restyled = False  # True when a colour map changed: the static background must be drawn again
        for k, image in self.images.items():
            y = outputs[k + 1]
            finite = np.isfinite(y)
            lo, hi = _finite_range(y, finite)
            if k < 0 and not self._tiled(k):  # a colour input: non-finite pixels painted in the mark colour
                shown = np.where(finite, y, 0.0)[:, :, :3]
                shown[~finite.all(axis=2)] = matplotlib.colors.to_rgb(NOT_FINITE_COLOR)
                image.set_data(np.clip(shown, 0.0, max(hi, 1.0)) / max(hi, 1.0))
                image.set_clim(0.0, 1.0)
            elif k < 0:  # the input's grey levels: a fixed 0..1 scale unless they go beyond
                image.set_data(
                    _mosaic(
                        np.where(finite, y, _beyond(lo, hi)), *self.layouts[k], out=image.get_array().data
                    )
                )
                image.set_clim(min(lo, 0.0), max(hi, 1.0))
            else:
                image.set_data(
                    _mosaic(
                        np.where(finite, y, _beyond(lo, hi)), *self.layouts[k], out=image.get_array().data
                    )
                )
                if lo < 0:  # signed values: a diverging scale around 0
                    top = max(-lo, hi) or 1.0
                    cmap, lo, hi = "RdBu_r", -top, top
                else:
                    cmap, lo, hi = "viridis", 0.0, hi or 1.0
                if image.cmap.name != cmap:
                    image.set_cmap(_cmap(cmap))
                    self.scales[k][0].set_cmap(_cmap(cmap))
                    self.restyled = True
                image.set_clim(lo, hi)
            lo, hi = image.get_clim()
            for text, v in zip(self.scales[k][1], (lo, hi)):
                text.set_text(num(v))
        for k, bars in self.bars.items():
            y = outputs[k + 1]
            finite = np.isfinite(y)
            softmax = self.model.nodes[k].layer.activation == "softmax"
            top = 1.0 if softmax else (float(np.abs(y[finite]).max()) if finite.any() else 0.0) or 1.0
            for bar, v, ok in zip(bars, y, finite):
                bar.set_width(float(v) / top if ok else 0.0)
            if not softmax:
                self.scales[k].set_text(f"max = {num(top)}")
            best = int(np.argmax(np.where(finite, y, -np.inf))) if finite.any() else -1
            for u, bar in enumerate(bars):
                color = WINDOW_COLOR if (softmax and u == best) else VISITED_COLOR
                bar.set_color(color if finite[u] else NOT_FINITE_COLOR)
        last = outputs[-1]
        if self.model.nodes[-1].layer.activation == "softmax":
            self.headline.set_text(
                f"prediction: class {int(np.argmax(last))} with p = {float(np.max(last)):.3f}"
                if np.isfinite(last).all()
                else "no prediction: the probabilities are NaN or infinite"
            )
        self._outline()
        self._show_zoom()
        return self

    def _tiled(self, k) -> bool:
        """True when node k is drawn as a mosaic of its channels (every layer, and an input that is not colour)."""
        return k >= 0 or self.input_shape[2] not in (3, 4)

    # -- selection and clicks -----------------------------------------------------------------
    def select(self, node, index):
        """Outline value ``index`` of node ``node`` (−1: the input) and the cells it reads in every earlier layer."""
        self.selection = None if node is None else (node, tuple(int(i) for i in index))
        self._outline()
        self._show_zoom()
        return self

    def _outline(self):
        for outline in self.outlines.values():
            outline.set_segments([])
        self.cell.set_visible(False)
        self.bar_frame.set_visible(False)
        if self.selection is None:
            return
        node, index = self.selection
        if node >= 0 and len(self.shapes[node + 1]) == 1:  # a vector: frame the bar
            if node in self.bars:
                bar = self.bars[node][index[0]]
                self.bar_frame.remove()
                self.bar_frame = bar.axes.add_patch(
                    Rectangle(bar.get_xy(), bar.get_width(), bar.get_height(), fill=False, ec="black", lw=2,
                              animated=True)
                )  # fmt: skip
            boxes = inside.receptive_boxes(self.model, node, 0, 0)
        elif node >= 0:
            boxes = inside.receptive_boxes(self.model, node, index[0], index[1])
        else:
            boxes = [(index[0], index[0] + 1, index[1], index[1] + 1)]
        for j, box in enumerate(boxes):
            k = j - 1
            if box is None or k not in self.outlines or k == node:
                continue
            self.outlines[k].set_segments(self._rectangles(k, box))
        if node in self.images:  # the selected cell itself, in its own channel's tile
            r, c = index[0], index[1]
            ch = index[2] if self._tiled(node) and len(index) > 2 else 0
            y0, x0 = self.tile_origin(node, ch)
            self.cell.remove()
            self.cell = self.images[node].axes.add_patch(
                Rectangle((x0 + c - 0.5, y0 + r - 0.5), 1, 1, fill=False, ec="#ff7f0e", lw=2.2, animated=True)
            )
            self.cell.set_visible(True)

    def pixel_of(self, node, index):
        """The pixel (x, y) of the figure's image (y down from the top) where value ``index`` of ``node`` is drawn.

        The inverse of ``locate``: a test, a benchmark or a script can click exactly there.
        """
        ax = dict(self.columns)[node]
        if len(index) == 1:  # a bar: its middle
            data = (sum(ax.get_xlim()) / 2, index[0])
        else:
            y0, x0 = self.tile_origin(node, index[2] if self._tiled(node) else 0)
            data = (x0 + index[1], y0 + index[0])
        x, y = ax.transData.transform(data)
        return float(x), float(self.fig.bbox.height - y)

    def tile_origin(self, k, channel):
        """(row, col) in the mosaic of node k where channel ``channel``'s map starts."""
        H, W = self.shapes[k + 1][:2]
        cols = self.layouts[k][1]
        r, q = divmod(channel, cols)
        return r * (H + GAP), q * (W + GAP)

    def _rectangles(self, k, box):
        """Outline segments of rows r0..r1 − 1, columns c0..c1 − 1 in every channel's tile of node k."""
        r0, r1, c0, c1 = box
        C = self.shapes[k + 1][2] if self._tiled(k) else 1
        segments = []
        for ch in range(C):
            y0, x0 = self.tile_origin(k, ch)
            top, bottom, left, right = y0 + r0 - 0.5, y0 + r1 - 0.5, x0 + c0 - 0.5, x0 + c1 - 0.5
            segments.append([(left, top), (right, top), (right, bottom), (left, bottom), (left, top)])
        return segments

    def locate(self, x, y):
        """The (node, index) drawn at pixel (x, y) of the figure's image (y down from the top), or None.

        node −1 is the input; index is (row, col, channel) in a map, (unit,) in a vector.
        """
        height = self.fig.bbox.height
        point = (x, height - y)  # matplotlib's display coordinates go up from the bottom
        for k, ax in self.columns:
            if not ax.bbox.contains(*point):
                continue
            xd, yd = ax.transData.inverted().transform(point)
            if k in self.bars:
                unit = round(yd)
                return (k, (unit,)) if 0 <= unit < len(self.bars[k]) else None
            H, W = self.shapes[k + 1][:2]
            rows, cols = self.layouts[k]
            (tr, r), (tc, c) = _nearest_cell(yd, H, rows), _nearest_cell(xd, W, cols)
            channel = tr * cols + tc
            C = self.shapes[k + 1][2] if self._tiled(k) else 1
            if channel >= C:
                return None  # an empty place at the end of the mosaic's last row
            return (k, (r, c, channel if self._tiled(k) else 0))
        return None


def _nearest_cell(position, size, tiles):
    """(tile, cell) nearest to ``position`` along one axis of a mosaic of ``tiles`` tiles of ``size`` cells.

    Tile t covers positions t·(size + GAP) − 0.5 .. t·(size + GAP) + size − 0.5; a click on the gap
    after it goes to the nearer side (its last cell or the next tile's first), and a click just
    outside the mosaic to its edge: every click selects something.

    >>> _nearest_cell(12.8, 13, 5), _nearest_cell(13.2, 13, 5), _nearest_cell(-0.7, 13, 5)
    ((0, 12), (1, 0), (0, 0))
    """
    tile = min(max(math.floor((position + 0.5 + GAP / 2) / (size + GAP)), 0), tiles - 1)
    cell = min(max(round(position) - tile * (size + GAP), 0), size - 1)
    return int(tile), int(cell)


def show_network(model, x, fig=None, select=None, labels=None):
    """Every layer's output for one input ``x`` (H, W, C); ``select=(node, index)`` outlines a receptive field.

    Returns the ``NetworkPicture`` (its ``columns`` hold the axes).
    """
    x = np.asarray(x, dtype=np.float32)
    outputs = [x] + [y[0] for y in model.forward(x[None], keep=True)]
    picture = NetworkPicture(model, fig=fig, labels=labels).set(outputs)
    if select is not None:
        picture.select(*select)
    return picture


def show_conversion(steps, axes=None, fig=None):
    """The steps that turned an image into the model's input: [(title, image)], drawn left to right."""
    axes = new_axes(axes, figsize=(2.2 * len(steps), 2.4), ncols=len(steps), fig=fig, squeeze=False)
    axes = np.ravel(axes)
    for ax, (title, image) in zip(axes, steps):
        image = np.asarray(image)
        colour = image.ndim == 3 and image.shape[2] in (3, 4)
        grey = image if colour or image.ndim == 2 else image[:, :, 0]  # (h, w): even 1×1 stays 2D
        ax.imshow(grey, cmap="gray", vmin=0, vmax=1)  # grey levels in [0, 1]: white paper is white
        ax.set_title(f"{title}\n{'×'.join(map(str, image.shape))}", fontsize=FONT - 3)
        no_ticks(ax)
    return axes


def show_top_patches(patches, values, axes=None, fig=None, title=None, kernel=None):
    """The input patches that excite one kernel most (largest first), each with its activation.

    ``patches`` (n, f, f, C) and ``values`` (n,) as ``cnnviz.inside.top_patches`` returns
    them; ``kernel`` (KH, KW), if given, is drawn first. Returns the axes.
    """
    n = len(patches) + (kernel is not None)
    axes = np.ravel(new_axes(axes, figsize=(1.1 * n, 1.5), ncols=n, fig=fig, squeeze=False))
    start = 0
    if kernel is not None:
        top = float(np.abs(kernel).max()) or 1.0
        axes[0].imshow(kernel, cmap="RdBu_r", vmin=-top, vmax=top)
        axes[0].set_title("kernel", fontsize=FONT - 4)
        no_ticks(axes[0])
        start = 1
    for ax, patch, v in zip(axes[start:], patches, values):
        ax.imshow(patch.squeeze(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(num(v), fontsize=FONT - 4)
        no_ticks(ax)
    if title:
        axes[0].figure.text(0.01, 0.98, title, va="top", fontsize=FONT - 3)
    return axes
