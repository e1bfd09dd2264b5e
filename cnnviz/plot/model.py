"""A model's graph as boxes and arrows, drawn with matplotlib: what ``keras.utils.plot_model`` shows.

Keras draws the graph with Graphviz; cnnviz lays it out itself, so nothing beyond matplotlib is
needed. Each layer is a box; an arrow runs from every layer to each layer that reads its output.
Layers sit in rows by their depth (the longest way back to the input), so a shortcut of a ResNet
or a skip of a UNet is an arrow that jumps rows.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from .style import FONT

__all__ = ["show_model_graph"]

BOX = {"boxstyle": "round,pad=0.4", "facecolor": "#eef3fb", "edgecolor": "#4a6fa5", "linewidth": 1}
ARROW = {"arrowstyle": "-|>", "color": "#4a6fa5", "linewidth": 1, "shrinkA": 2, "shrinkB": 2}


def show_model_graph(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    show_layer_activations=False,
    show_trainable=False,
):
    """Draw ``model``'s layers as boxes joined by arrows; returns the figure.

    ``rankdir`` "TB" draws from top to bottom, "LR" from left to right, as in Keras. The other
    arguments add lines to each box: the layer's name, its input and output shapes (with the
    batch axis as None), its dtype, its activation, and whether it is trainable.
    """
    rows = _depths(model)
    shapes = model.node_shapes()
    depth_count = max(rows) + 1
    per_row = [rows.count(d) for d in range(depth_count)]
    placed, seen = [], [0] * depth_count
    for d in rows:  # the k-th layer of its row, centred under the rows above and below
        placed.append((seen[d] - (per_row[d] - 1) / 2, d))
        seen[d] += 1
    lines = [
        _label(node.layer, ins, out, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
        for node, (ins, out) in zip(model.nodes, shapes)
    ]
    tall = max(text.count("\n") + 1 for text in lines)
    wide = max(max(len(line) for line in text.split("\n")) for text in lines)
    across, down = max(per_row), depth_count
    step_across, step_down = 0.08 * wide + 0.5, 0.17 * tall + 0.45  # inches between box centres
    if rankdir == "LR":
        step_across, step_down = 0.065 * wide + 0.5, 0.17 * tall + 0.35
    skips = any(rows[n] - rows[i] > 1 for n, node in enumerate(model.nodes) for i in node.inputs)
    spread = (across - 1) / 2 + (0.9 if skips else 0.5)  # room at the sides for arrows that bow out
    if rankdir == "LR":
        size = (down * step_across + 0.4, 2 * spread * step_down + 0.4)
    else:
        size = (2 * spread * step_across + 0.4, down * step_down + 0.4)
    fig = Figure(figsize=size)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    if rankdir == "LR":
        ax.set_xlim(-0.5, down - 0.5)
        ax.set_ylim(spread, -spread)
    else:
        ax.set_xlim(-spread, spread)
        ax.set_ylim(down - 0.5, -0.5)
    boxes = []
    for (k, d), text in zip(placed, lines):
        x, y = (d, k) if rankdir == "LR" else (k, d)
        boxes.append(ax.text(x, y, text, ha="center", va="center", fontsize=FONT - 3, bbox=BOX))
    extents = _extents(fig, ax, boxes, rankdir)  # each box as (along0, along1, across0, across1)
    to_xy = (lambda a, c: (a, c)) if rankdir == "LR" else (lambda a, c: (c, a))
    lanes = {1: 0, -1: 0}  # skips drawn so far on each side: each gets its own lane
    for n, node in enumerate(model.nodes):
        for i in node.inputs:
            (_, a_end, c0, c1), (a_start, _, d0, d1) = extents[i], extents[n]
            if rows[n] - rows[i] == 1:  # from the end of one box to the start of the next
                ax.annotate("", xy=to_xy(a_start, (d0 + d1) / 2), xytext=to_xy(a_end, (c0 + c1) / 2), arrowprops=ARROW)
                continue
            # an arrow that skips rows leaves and enters by the side, in a lane beside the boxes between
            side = 1 if placed[i][0] >= 0 else -1
            between = [e for m, e in enumerate(extents) if rows[i] <= rows[m] <= rows[n]]
            edge = max(side * (e[3] if side > 0 else e[2]) for e in between) * side
            lane = edge + side * 0.12 * (1 + lanes[side])
            lanes[side] += 1
            a_from, a_to = (extents[i][0] + a_end) / 2, (a_start + extents[n][1]) / 2
            c_from, c_to = (c1, d1) if side > 0 else (c0, d0)
            ax.plot(*zip(to_xy(a_from, c_from), to_xy(a_from, lane), to_xy(a_to, lane)), color=ARROW["color"], lw=1)
            ax.annotate("", xy=to_xy(a_to, c_to), xytext=to_xy(a_to, lane), arrowprops={**ARROW, "shrinkA": 0})
    return fig


def _extents(fig, ax, boxes, rankdir):
    """Each box's extent in data units, as (along0, along1, across0, across1) (along: from input to output)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # a text's box is placed when it is drawn
    renderer = canvas.get_renderer()
    to_data = ax.transData.inverted()
    extents = []
    for box in boxes:
        (x0, y0), (x1, y1) = to_data.transform(box.get_bbox_patch().get_window_extent(renderer).get_points())
        xs, ys = sorted((x0, x1)), sorted((y0, y1))
        extents.append((*xs, *ys) if rankdir == "LR" else (*ys, *xs))
    return extents


def _depths(model):
    """Each node's row: 0 for the nodes that read the model's input, else one more than its deepest input."""
    depths = []
    for node in model.nodes:  # nodes come in an order where every input precedes its readers
        depths.append(1 + max((depths[i] for i in node.inputs), default=-1))
    return depths


def _label(layer, ins, out, show_shapes, show_dtype, show_names, show_activations, show_trainable):
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if show_names else kind]
    if show_shapes:
        ins = ins if isinstance(ins, list) else [ins]
        lines.append("in: " + ", ".join(str((None, *shape)) for shape in ins))
        lines.append(f"out: {(None, *out)}")
    if show_dtype:
        dtypes = {str(w.dtype) for w in layer.params.values()} or {"float32"}  # weights are float32
        lines.append("dtype: " + ", ".join(sorted(dtypes)))
    activation = getattr(layer, "activation", None)
    if show_activations and isinstance(activation, str):
        lines.append(f"activation: {activation}")
    if show_trainable:
        lines.append(f"trainable: {bool(getattr(layer, 'trainable', True))}")
    return "\n".join(lines)
