"""Whole architectures: feature-map shapes, where parameters and work go, receptive fields, the U of a UNet.

Also ``show_image_grid``, rows of small images (a UNet's masks, an autoencoder's digits).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..architectures import receptive_fields
from ..layers import Concatenate, Conv2D, Conv2DTranspose, Cropping2D, MaxPooling2D
from .style import FONT, VISITED_COLOR, WINDOW_COLOR, new_axes, no_ticks

__all__ = [
    "show_architecture_shapes",
    "show_image_grid",
    "show_params_and_work",
    "show_receptive_fields",
    "show_unet",
]


def show_architecture_shapes(models, axes=None, fig=None):
    """How the feature maps change through each model: height (= width) and channels per layer.

    ``models`` maps a label to a model; only layers with an image-shaped output
    are drawn. Returns the two axes (sizes, channels).
    """
    axes = new_axes(axes, figsize=(12, 3.8), ncols=2, fig=fig)
    for label, model in models.items():
        maps = [shape for _, shape, _ in model.shapes() if len(shape) == 3]
        depth = np.linspace(0, 1, len(maps))
        axes[0].plot(depth, [shape[0] for shape in maps], ".-", label=label)
        axes[1].plot(depth, [shape[2] for shape in maps], ".-", label=label)
    for ax, what in zip(axes, ("height = width (cells)", "channels")):
        ax.set_yscale("log", base=2)
        ax.set_xlabel("position in the network (0 = input, 1 = last image-shaped layer)")
        ax.set_title(what)
        ax.grid(alpha=0.3)
    axes[0].legend()
    return axes


def show_params_and_work(rows, ax=None, title=None):
    """Bars of each row's share of the parameters and of the multiply-adds (rows from ``layer_table``)."""
    rows = [row for row in rows if row["params"] or row["macs"]]
    params = np.array([row["params"] for row in rows], dtype=float)
    macs = np.array([row["macs"] for row in rows], dtype=float)
    ax = new_axes(ax, figsize=(8, 0.28 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y - 0.2, 100 * params / params.sum(), height=0.4, color=VISITED_COLOR, label="parameters")
    ax.barh(y + 0.2, 100 * macs / macs.sum(), height=0.4, color=WINDOW_COLOR, label="multiply-adds")
    ax.set_yticks(y, [row["name"] for row in rows], fontsize=FONT - 3)
    ax.invert_yaxis()
    ax.set_xlabel("% of the model's total")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def show_receptive_fields(models, ax=None):
    """The receptive field (input pixels one cell sees, along one side) layer by layer."""
    ax = new_axes(ax, figsize=(8, 3.8))
    for label, model in models.items():
        # in graph order a branch (a shortcut, a skip) can follow a deeper layer: show the largest so far
        fields = np.maximum.accumulate([r for r, _ in receptive_fields(model) if r != np.inf])
        line = ax.plot(np.linspace(0, 1, len(fields)), fields, ".-", label=label)[0]
        ax.axhline(model.input_shape[0], color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("position in the network (0 = input, 1 = last layer before dense/global pooling)")
    ax.set_ylabel("receptive field so far (pixels)")
    ax.set_title("dotted: the input's size")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def show_unet(model, ax=None, fontsize=FONT - 4):
    """The U: every convolution's output as a box (size² and channels), one row per level.

    Right: convolution; down: max-pool; up: up-convolution; dashed: copy (and crop)
    to the expanding path. Levels and positions come from the model's graph.
    """
    ax = new_axes(ax, figsize=(14, 5))
    boxes, level, column = {}, {}, 0  # node index -> (column, level)
    for k, ((layer, inputs), (_, shape, _)) in enumerate(zip(model.nodes, model.shapes())):
        lv = level[inputs[0]] if inputs else 0
        if isinstance(layer, MaxPooling2D):
            lv += 1
        elif isinstance(layer, Conv2DTranspose):
            lv -= 1
        level[k] = lv
        if isinstance(layer, (Conv2D, Conv2DTranspose)) or not inputs:
            boxes[k] = (column, lv, shape)
            column += 1
    previous = None
    for k, (col, lv, shape) in boxes.items():
        layer = model.nodes[k].layer
        color = "#9edae5" if isinstance(layer, Conv2DTranspose) else "#c6dbef"
        ax.add_patch(Rectangle((col - 0.4, -lv - 0.35), 0.8, 0.7, facecolor=color, edgecolor="0.3"))
        ax.text(col, -lv, f"{shape[0]}²\n×{shape[2]}", ha="center", va="center", fontsize=fontsize)
        if previous is not None:
            pc, pl = previous
            style = "->" if pl == lv else "-|>"
            ax.annotate("", (col - 0.4, -lv), (pc + 0.4, -pl), arrowprops=dict(arrowstyle=style, color="0.3"))
        previous = (col, lv)
    channels = [shape[-1] for _, shape, _ in model.shapes()]
    for k, (layer, inputs) in enumerate(model.nodes):  # the skips: into each concatenation
        if isinstance(layer, Concatenate):
            source = inputs[0]
            crop = model.nodes[source].layer
            if isinstance(crop, Cropping2D):
                source = model.nodes[source].inputs[0]
            (c0, lv, _), (c1, _, _) = boxes[source], boxes[inputs[1]]  # to the up-convolution it joins
            ax.annotate("", (c1 - 0.4, -lv + 0.2), (c0 + 0.4, -lv + 0.2),
                        arrowprops=dict(arrowstyle="->", color="0.5", ls="--"))  # fmt: skip
            label = "copy and crop" if isinstance(crop, Cropping2D) else "copy"
            ax.text(
                (c0 + c1) / 2, -lv + 0.28, label, ha="center", va="bottom", fontsize=fontsize, color="0.4"
            )
            ax.text(  # joined, the channels double: the copy's and the up-convolution's side by side
                c1, -lv + 0.38, f"+{channels[inputs[0]]} = ×{channels[k]}", ha="center", va="bottom",
                fontsize=fontsize, color="#17798a",
            )  # fmt: skip
    ax.set_xlim(-0.7, column - 0.3)
    ax.set_ylim(-max(level.values()) - 0.6, 0.7)
    ax.set_axis_off()
    ax.set_title(
        "feature-map size² × channels after each convolution (the input first)\n"
        "→ convolution   ↘ max-pool   ↗ up-convolution (teal)   - - → copy, joined by concatenation "
        "(+copied channels = channels after joining)",
        fontsize=fontsize + 3,
    )
    return ax


def show_image_grid(rows, fig=None, col_titles=None, cmap="gray", fontsize=FONT - 2, axes=None):
    """Rows of small images with a label on the left of each row: ``{label: array (n, H, W[, 1])}``.

    Values are drawn on a 0..1 scale. ``axes`` is a (rows, n) array, n the
    longest row; cells beyond a shorter row are left blank. Returns that array.
    """
    rows = {label: np.asarray(images) for label, images in rows.items()}
    n = max(len(images) for images in rows.values())
    axes = new_axes(
        axes, figsize=(1.3 * n + 1, 1.35 * len(rows)), nrows=len(rows), ncols=n, fig=fig, squeeze=False
    )
    for r, (label, images) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            no_ticks(ax)
            if c < len(images):
                ax.imshow(images[c].squeeze(), cmap=cmap, vmin=0, vmax=1)
            else:
                ax.set_axis_off()
        axes[r, 0].set_ylabel(label, fontsize=fontsize)
    for c, title in enumerate(col_titles or []):
        axes[0, c].set_title(title, fontsize=fontsize)
    return axes
