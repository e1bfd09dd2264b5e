"""Inside a trained CNN: which input cells a value reads, and the arithmetic that made it.

The live network explorer (``cnnviz.widgets.NetworkExplorer``) shows these; they are plain
functions on a model and its layers' outputs, so a notebook or a test can use them too.

* ``receptive_boxes(model, node, row, col)``: for the cell (row, col) of node ``node``'s
  output, the rectangle of cells it depends on in every earlier output and in the input,
  found by walking back through the layers: a window layer with kernel K, stride S,
  dilation D and top padding P maps output rows [r₀, r₁) to input rows
  [r₀·S − P, (r₁ − 1)·S − P + D·(K − 1) + 1), clipped to the map (``sizes.input_span``);
  layers that work cell by cell (activations, batch normalization, dropout) keep the
  rectangle; a dense layer or a global pooling reads everything.
* ``cells_reading(row, col, kernel_size, strides, output_shape)``: the other way round, the
  output cells whose window reads one input cell (``sizes.windows_reading`` per axis).
* ``top_patches(model, images, node, channel, count)``: the input patches (receptive-field
  crops) that excite one channel most over a set of images: Zeiler and Fergus's view of
  what a kernel has learned, without their deconvolution.
* ``explain(model, outputs, node, index)``: the sum behind one value, written out with the
  real numbers: a convolution's window, kernel, products, bias and activation; a pooling
  window and its winner (or mean); a dense unit's bias and its largest contributions; a
  softmax's exponentials and their sum.
* ``gradients(model, x, y)`` and ``saliency(model, image, class_index)``: how the loss (or
  one class's score) moves with every value.

What the views know about each kind of layer stands in one table, ``LAYER_KINDS``: how a
box of its output maps back to its input, and how one of its values is explained. The
views take single-path models (a ``Sequential``, or a functional model without branches).
``model_input`` (a picture made into a model's input) lives in ``cnnviz.digits``.

>>> from cnnviz import keras
>>> model = keras.models.Sequential([
...     keras.layers.Conv2D(1, 3, input_shape=(6, 6, 1)), keras.layers.MaxPooling2D(2)], seed=0)
>>> receptive_boxes(model, 1, 0, 0)     # pooled cell (0, 0): a 2×2 window of 3×3 convolutions
[(0, 4, 0, 4), (0, 2, 0, 2), (0, 1, 0, 1)]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import layers as L
from .digits import PAPER_NOISE, model_input  # noqa: F401 - their home was here: kept importable
from .sizes import input_span, per_axis, spatial_pairs, window_cells, window_geometry, windows_reading

__all__ = [
    "LAYER_KINDS",
    "LayerKind",
    "Value",
    "cells_reading",
    "check_single_path",
    "explain",
    "gradients",
    "kind_of",
    "model_input",
    "receptive_boxes",
    "saliency",
    "top_patches",
]


def check_single_path(model):
    """Refuse a model with branches or merges, whose values the views cannot lay out in one row."""
    for k, (layer, inputs) in enumerate(model.nodes):
        if layer.merges or (k and inputs != (k - 1,)) or (not k and inputs not in ((), (0,))):
            raise ValueError(
                f"The network views need a model whose layers follow one another; {model.name!r} has a "
                f"branch or merge at layer {layer.name!r} ({type(layer).__name__})."
            )


def cells_reading(row, col, kernel_size, strides, output_shape, dilation_rate=1, padding=0):
    """The output cells (i, j) whose window reads input cell (row, col): the reverse link.

    Window (i, j) reads rows i·S − P_top + u·D for u = 0..K − 1 (and columns alike), so
    (row, col) is read by every (i, j) inside the output for which some tap u lands on
    ``row`` and some tap v on ``col`` (``sizes.windows_reading`` along each axis).

    With ``padding=0`` (the default) ``row`` and ``col`` count in the padded input, as the
    step explorers draw it. Given the layer's padding (an int, ``(rows, columns)`` or
    ``((top, bottom), (left, right))``), they count in the input itself, and a negative
    one is a padding cell.

    >>> cells_reading(2, 2, (2, 2), (2, 2), (3, 3))    # 2×2 windows, stride 2: one reader
    [(1, 1)]
    >>> cells_reading(1, 1, (3, 3), (1, 1), (3, 3))    # 3×3 windows, stride 1: four
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    >>> cells_reading(2, 2, (3, 3), (1, 1), (3, 3), dilation_rate=2)   # row 2: tap 1 of 0, tap 0 of 2
    [(0, 0), (0, 2), (2, 0), (2, 2)]
    """
    KH, KW = per_axis("kernel_size", kernel_size, 2)
    SH, SW = per_axis("strides", strides, 2)
    DH, DW = per_axis("dilation_rate", dilation_rate, 2)
    (top, _), (left, _) = spatial_pairs("padding", padding, "cells_reading")
    Ho, Wo = per_axis("output_shape", output_shape, 2)
    rows = windows_reading(row, Ho, KH, top, SH, DH)
    cols = windows_reading(col, Wo, KW, left, SW, DW)
    return [(i, j) for i in rows for j in cols]


def receptive_boxes(model, node, row, col):
    """[(r0, r1, c0, c1)] for the input, then for every node up to ``node``: the cells (row, col) reads.

    Rows r0 ≤ r < r1 and columns c0 ≤ c < c1 of each map; a map without rows and columns
    (a dense layer's vector) gets None. A cell of zero padding reads no cell: its box is
    empty (r0 == r1).
    """
    check_single_path(model)
    shapes = [tuple(model.expected_input_shape())] + [out for _, out in model.node_shapes()]
    _check_node("receptive_boxes", model, node)
    if len(shapes[node + 1]) == 3:
        _check_index("receptive_boxes", (row, col), shapes[node + 1][:2], "(row, col)")
    boxes = [None] * (node + 2)  # index 0: the input, k + 1: node k's output
    box = (row, row + 1, col, col + 1)
    for k in range(node, -1, -1):
        layer, shape_in = model.nodes[k].layer, shapes[k]
        boxes[k + 1] = box if len(shapes[k + 1]) == 3 else None
        box = _back(layer, box, shape_in) if box is not None else None
        if box is None and len(shape_in) == 3:
            box = (0, shape_in[0], 0, shape_in[1])  # a vector reads the whole map
    boxes[0] = box
    return boxes


# -- each kind of layer, once: how a box maps back, how a value is explained ---------------------


class Value(NamedTuple):
    """One value to explain: its layer, that layer's input x and output y (one sample), where it is."""

    layer: L.Layer
    x: np.ndarray
    y: np.ndarray
    index: tuple
    source: str  # what x is, in words ("the image", "conv2d's output")
    cells: tuple | None  # the (H, W, C) map a Flatten just before this layer flattened, if any


class LayerKind(NamedTuple):
    """What the views know about one kind of layer.

    ``back(layer, box, (H, W))`` gives the box (r0, r1, c0, c1) of the layer's input that
    the output box depends on; ``explain(value)`` gives the lines that write one value
    out, or None when the value is all there is to say.
    """

    back: Callable
    explain: Callable | None = None


def _same_box(layer, box, size):
    return box  # cell by cell: each output cell reads the input cell under it


def _whole_map(layer, box, size):
    return (0, size[0], 0, size[1])  # every output value reads every input cell


def _conv_window(layer):
    return layer.kernel_size, layer.strides, layer.dilation_rate


def _pool_window(layer):
    return layer.pool_size, layer.strides or layer.pool_size, (1, 1)


def _through_window(window):
    """A ``back`` for a layer of sliding windows whose (K, S, D) ``window(layer)`` gives."""

    def back(layer, box, size):
        K, S, D = window(layer)
        _, pads = window_geometry(size, K, S, layer.padding, D)
        (r0, r1), (c0, c1) = (
            input_span(lo, hi, n, k, p, s, d)
            for lo, hi, n, k, p, s, d in zip(box[::2], box[1::2], size, K, pads, S, D)
        )
        return (r0, r1, c0, c1)

    return back


def _padding_back(layer, box, size):
    (top, _), (left, _) = layer.padding  # a window of one cell, the padding before it
    (r0, r1), (c0, c1) = (
        input_span(lo, hi, n, 1, p) for lo, hi, n, p in zip(box[::2], box[1::2], size, (top, left))
    )
    return (r0, r1, c0, c1)


def _cropping_back(layer, box, size):
    (top, _), (left, _) = layer.cropping  # output cell r is input cell r + top
    r0, r1, c0, c1 = box
    return (r0 + top, r1 + top, c0 + left, c1 + left)


def _upsampling_back(layer, box, size):
    sh, sw = layer.size  # output cell r repeats input cell ⌊r / sh⌋
    r0, r1, c0, c1 = box
    return (r0 // sh, (r1 - 1) // sh + 1, c0 // sw, (c1 - 1) // sw + 1)


def _softmax_back(layer, box, size):
    # over the channels (axis −1 or 3 of (N, H, W, C)) a cell reads the cell under it; else whole rows or columns
    return box if layer.axis in (-1, 3) else _whole_map(layer, box, size)


def _explain_activation(v):
    """An activation on its own: a softmax over the cell's channels, or max(x, 0)."""
    if v.layer.activation == "softmax":
        z = _before_activation(v.layer, v.x)
        return _explain_softmax(z[v.index[:-1]], v.index[-1])
    if v.layer.activation == "relu":
        return f"max({_n(float(v.x[v.index]))}, 0) = {_n(float(v.y[v.index]))}"
    return None


def _explain_softmax_layer(v):
    """Softmax along the layer's axis (Keras counts the batch axis as 0)."""
    axis = v.layer.axis % (v.x.ndim + 1) - 1  # the axis in one sample
    if axis < 0:  # along the batch: one sample says nothing
        return None
    z = np.moveaxis(v.x, axis, -1)
    where = tuple(i for a, i in enumerate(v.index) if a != axis)
    return _explain_softmax(z[where], v.index[axis])


def _explain_flatten(v):
    source = np.unravel_index(v.index[0], v.x.shape)
    return f"value {v.index[0]} of the flattened vector is the input's cell {tuple(int(i) for i in source)}"


def _explain_batch_norm(v):
    p, c = v.layer.params, v.index[-1]
    mean, var, gamma, beta = (float(p[k][c]) for k in ("moving_mean", "moving_variance", "gamma", "beta"))
    return (
        f"(x − μ) / √(σ² + ε) · γ + β = ({_n(float(v.x[v.index]))} − {_n(mean)}) / √({_n(var)} + "
        f"{v.layer.epsilon:g}) · {_n(gamma)} + {_n(beta)} = {_n(float(v.y[v.index]))}   (moving averages: inference)"
    )


def _window_reads(layer, window, x, i, j):
    """The rows and columns (of x, one sample) that output cell (i, j)'s window reads; outside x: padding."""
    K, S, D = window(layer)
    _, ((pt, _), (pl, _)) = window_geometry(x.shape[:2], K, S, layer.padding, D)
    return window_cells(i, K[0], pt, S[0], D[0]), window_cells(j, K[1], pl, S[1], D[1])


def _explain_conv(v):
    layer, x, (i, j, o) = v.layer, v.x, v.index
    H, W, C = x.shape
    rows, cols = _window_reads(layer, _conv_window, x, i, j)
    w = layer.params["kernel"][..., o]  # (KH, KW, C)
    b = float(layer.params["bias"][o]) if "bias" in layer.params else 0.0
    window = np.zeros((len(rows), len(cols), C), dtype=np.float64)  # (KH, KW, C); 0 over the padding
    for u, r in enumerate(rows):
        for t, s in enumerate(cols):
            if 0 <= r < H and 0 <= s < W:
                window[u, t] = x[r, s]
    products = window * w  # (KH, KW, C): x · w, tap by tap
    z = float(products.sum()) + b
    outside = (
        rows[0] < 0 or cols[0] < 0 or rows[-1] >= H or cols[-1] >= W
    )  # part of it hangs over the padding
    lines = [f"window in the layer's input ({v.source}): rows {rows[0]}..{rows[-1]}, columns {cols[0]}..{cols[-1]}"
             + (" (the part outside the map is padding: 0)" if outside else "")]  # fmt: skip
    if products.size <= 27:  # all products, channel by channel
        for c in range(C):
            terms = " + ".join(
                f"{_n(a, True)}·{_n(b_, True)}" for a, b_ in zip(window[..., c].ravel(), w[..., c].ravel())
            )
            lines.append(f"channel {c}: {terms} = {_n(float(products[..., c].sum()))}")
    else:  # per channel: its partial sum
        sums = products.sum(axis=(0, 1))
        lines.append(
            "per input channel, Σ window · kernel: "
            + ", ".join(f"c{c}: {_n(float(s))}" for c, s in enumerate(sums))
        )
    lines.append(f"sum of the products {_n(float(products.sum()))} + bias {_n(b)} = {_n(z)}")
    value = float(v.y[v.index])
    if layer.activation == "relu":
        lines.append(f"ReLU: max({_n(z)}, 0) = {_n(value)}")
    elif layer.activation not in (None, "linear"):
        lines.append(f"{layer.activation}({_n(z)}) = {_n(value)}")
    return "\n".join(lines)


def _pooled(v):
    """The cells (r, s) of a pooling window inside the map (padding takes no part), and their values."""
    i, j, c = v.index
    rows, cols = _window_reads(v.layer, _pool_window, v.x, i, j)
    H, W, _ = v.x.shape
    cells = [(r, s) for r in rows for s in cols if 0 <= r < H and 0 <= s < W]
    return cells, [float(v.x[r, s, c]) for r, s in cells]


def _explain_max_pool(v):
    cells, values = _pooled(v)
    best = int(np.argmax(values))  # the first maximum in reading order wins
    listed = ", ".join(_n(a) for a in values)
    return f"max of the window's cells [{listed}] = {_n(values[best])}, the winner at {cells[best]}"


def _explain_average_pool(v):
    _, values = _pooled(v)
    listed = ", ".join(_n(a) for a in values)
    return f"mean of the window's cells [{listed}] = {_n(sum(values) / len(values))}"


def _explain_dense(v, top=5):
    layer, x, (u,) = v.layer, v.x, v.index
    w = layer.params["kernel"][:, u]
    b = float(layer.params["bias"][u]) if "bias" in layer.params else 0.0
    contributions = x * w  # (D,): input · weight, one per input
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    z = float(contributions.sum()) + b
    lines = [
        f"z = Σ inputs · weights + bias over {len(x)} inputs; the {min(top, len(x))} largest contributions:"
    ]

    def name(k):  # "input 535", or its cell (row, col, channel) in the map before the Flatten
        if v.cells is None:
            return f"input {k}"
        r, c, ch = (int(i) for i in np.unravel_index(k, v.cells))
        return f"input {k} = cell (row {r}, col {c}, channel {ch})"

    lines += [
        f"  {name(k)}: {_n(float(x[k]))} · {_n(float(w[k]), True)} = {_n(float(contributions[k]))}"
        for k in order
    ]
    rest = float(np.delete(contributions, order).sum())
    lines.append(f"  the other {len(x) - len(order)} together: {_n(rest)}")
    lines.append(f"z = {_n(float(contributions.sum()))} + bias {_n(b)} = {_n(z)}")
    if layer.activation == "relu":
        lines.append(f"ReLU: max({_n(z)}, 0) = {_n(max(z, 0.0))}")
    if layer.activation == "softmax":  # the unit's z, then the softmax over every unit's z
        lines.append("then the softmax over all units:")
        lines.append(_explain_softmax(_before_activation(layer, x), u))
    return "\n".join(lines)


_WINDOW_OF_CONV = _through_window(_conv_window)
_WINDOW_OF_POOL = _through_window(_pool_window)

# Every layer class the views handle, each listed on its own line (none is found through a base class).
# A class found nowhere here is looked up by its bases, down to Layer: it reads everything.
LAYER_KINDS = {
    L.InputLayer: LayerKind(_same_box),
    L.Conv2D: LayerKind(_WINDOW_OF_CONV, _explain_conv),
    L.MaxPooling2D: LayerKind(_WINDOW_OF_POOL, _explain_max_pool),
    L.AveragePooling2D: LayerKind(_WINDOW_OF_POOL, _explain_average_pool),
    L.Dense: LayerKind(_whole_map, _explain_dense),
    L.Flatten: LayerKind(_whole_map, _explain_flatten),
    L.BatchNormalization: LayerKind(_same_box, _explain_batch_norm),
    L.Activation: LayerKind(_same_box, _explain_activation),
    L.ReLU: LayerKind(_same_box, _explain_activation),
    L.Softmax: LayerKind(_softmax_back, _explain_softmax_layer),
    L.LeakyReLU: LayerKind(_same_box),
    L.Dropout: LayerKind(_same_box),
    L.Rescaling: LayerKind(_same_box),
    L.ZeroPadding2D: LayerKind(_padding_back),
    L.Cropping2D: LayerKind(_cropping_back),
    L.UpSampling2D: LayerKind(_upsampling_back),
    L.GlobalAveragePooling2D: LayerKind(_whole_map),
    L.GlobalMaxPooling2D: LayerKind(_whole_map),
    L.Reshape: LayerKind(_whole_map),
    L.Conv2DTranspose: LayerKind(_whole_map),  # (its boxes are not worked out: it reads everything)
    # one spatial axis: their outputs have no rows and columns to box, and no explanation yet
    L.Conv1D: LayerKind(_whole_map),
    L.MaxPooling1D: LayerKind(_whole_map),
    L.AveragePooling1D: LayerKind(_whole_map),
    L.GlobalMaxPooling1D: LayerKind(_whole_map),
    L.GlobalAveragePooling1D: LayerKind(_whole_map),
    L.Layer: LayerKind(_whole_map),
}


def kind_of(layer) -> LayerKind:
    """The ``LAYER_KINDS`` entry of the layer's class (or of its nearest base class listed there)."""
    for cls in type(layer).__mro__:
        if cls in LAYER_KINDS:
            return LAYER_KINDS[cls]
    raise TypeError(f"expected a cnnviz layer; received {type(layer).__name__}.")


def _back(layer, box, shape_in):
    """The box in the layer's input that the output box ``box`` depends on (None: no rows and columns)."""
    if len(shape_in) != 3:
        return None
    r0, r1, c0, c1 = box
    if r1 <= r0 or c1 <= c0:
        return (0, 0, 0, 0)  # a box of padding only reads nothing
    return kind_of(layer).back(layer, box, tuple(shape_in[:2]))


def explain(model, outputs, node, index):
    """The arithmetic behind one value of node ``node``'s output, as text with the real numbers.

    Parameters
    ----------
    model : a single-path cnnviz model
    outputs : list of ndarray
        Every node's output for ONE sample, without the batch axis (``model.forward(x[None],
        keep=True)`` with the batch axis removed), and the input first: ``[x, out_0, out_1, ...]``.
    node : int
        The node (layer) whose value is explained.
    index : tuple of int
        The value's position: (row, col, channel) in a feature map, (unit,) in a vector.
    """
    check_single_path(model)
    _check_node("explain", model, node)
    if len(outputs) < node + 2:
        raise ValueError(
            f"explain needs outputs [x, out_0, ..., out_{node}] (the input first) to explain node {node}; "
            f"received {len(outputs)} arrays."
        )
    layer = model.nodes[node].layer
    x, y = np.asarray(outputs[node]), np.asarray(outputs[node + 1])
    names = "(row, col, channel)" if y.ndim == 3 else "(unit,)" if y.ndim == 1 else f"{y.ndim} indices"
    index = _check_index("explain", index, y.shape, names)
    head = f"{layer.name} ({type(layer).__name__}) at {index} = {_n(float(y[index]))}"
    source = "the image" if node == 0 else f"{model.nodes[node - 1].layer.name}'s output"
    how = kind_of(layer).explain
    text = how(Value(layer, x, y, index, source, _unflattened(model, outputs, node))) if how else None
    return head + "\n" + text if text else head


def _check_node(func, model, node):
    n = len(model.nodes)
    if isinstance(node, (bool, np.bool_)) or not isinstance(node, (int, np.integer)) or not 0 <= node < n:
        raise ValueError(f"{func} expects node as a layer number 0..{n - 1}; received node={node!r}.")


def _check_index(func, index, shape, names):
    """``index`` as a tuple of ints inside ``shape``, or a ValueError naming both."""
    try:
        index = tuple(index)
    except TypeError:
        index = (index,)
    if len(index) != len(shape) or not all(
        isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) and 0 <= i < n
        for i, n in zip(index, shape)
    ):
        raise ValueError(
            f"{func} expects a position {names} inside the output of shape {tuple(shape)}; received {index!r}."
        )
    return tuple(int(i) for i in index)


def _unflattened(model, outputs, node):
    """The shape (H, W, C) of the map a Flatten just before node ``node`` flattened, or None.

    With it, a dense unit's inputs are named by their cell in that map (row, col, channel), as
    the picture draws them, instead of by their position in the flat vector.
    """
    if node > 0 and isinstance(model.nodes[node - 1].layer, L.Flatten) and outputs[node - 1].ndim == 3:
        return outputs[node - 1].shape
    return None


def _before_activation(layer, x):
    """A layer's values before its activation, for one sample (recomputed in inference mode)."""
    return layer.forward(x[None], training=False, activation=False)[0]


def _explain_softmax(z, k):
    """Softmax over the vector z, written out for its value k."""
    e = np.exp(z - z.max())
    terms = " + ".join(_n(float(v)) for v in e)
    return (
        f"p_k = exp(z_k − max z) / Σ exp(z_j − max z); z = [{', '.join(_n(float(v)) for v in z)}]\n"
        f"exponentials: [{', '.join(_n(float(v)) for v in e)}], their sum {terms} = {_n(float(e.sum()))}\n"
        f"p_{k} = {_n(float(e[k]))} / {_n(float(e.sum()))} = {_n(float(e[k] / e.sum()))}"
    )


def _n(v, wrap=False):
    """A number with 4 significant digits, −0 as 0, a negative one in parentheses inside a product."""
    v = float(v) + 0.0
    text = f"{v:.4g}".replace("-", "−")
    return f"({text})" if wrap and v < 0 else text


# -- how the loss moves with every value: gradients and saliency ---------------------------------


def gradients(model, x, y):
    """The loss on a batch and its gradient with respect to every layer's output and weights.

    Returns ``(loss, grads)``. ``grads[i]`` belongs to ``model.layers[i]``: it maps
    ``"output"`` to d(loss)/d(that layer's output), shaped like the output (batch axis
    first), and each weight the layer trains, by Keras' names ("kernel", "bias", "gamma",
    "beta"), to d(loss)/d(that weight). The loss is the model's compiled loss, computed as
    one ``fit`` step computes it: in training mode (batch normalization uses the batch's
    own statistics, dropout drops values), by the same backward passes. So plain SGD with
    learning rate η would move each weight w to w − η · ``grads[i][name]``.

    Nothing in the model changes: its weights, batch normalization's moving statistics,
    the random generator dropout and shuffling draw from, and what ``fit`` does next are
    as they were before the call (the first call on a model without weights builds them).

    >>> from cnnviz import keras
    >>> model = keras.models.Sequential(
    ...     [keras.layers.Dense(2, activation="softmax", input_shape=(3,))], seed=0)
    >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    >>> x, y = np.eye(3), np.array([0, 1, 1])
    >>> loss, grads = gradients(model, x, y)
    >>> sorted(grads[0]), grads[0]["kernel"].shape, grads[0]["output"].shape
    (['bias', 'kernel', 'output'], (3, 2), (3, 2))
    >>> kernel = model.layers[0].params["kernel"].copy()
    >>> _ = model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)   # one step of SGD
    >>> np.allclose(model.layers[0].params["kernel"], kernel - 0.1 * grads[0]["kernel"])
    True
    """
    model._compiled("gradients")
    x, y = model._data(x, y, "gradients")
    model._build_for("gradients")
    has_input_node = any(model._raw(k) for k in range(len(model.nodes)))
    with _model_unchanged(model), np.errstate(over="ignore", invalid="ignore"):
        out, loss, dout, logits = model._forward_and_loss(x, y, training=True)
        flow = model.backward(dout, activation=not logits, keep=True, input_gradient=has_input_node)
        d_inputs, kept = flow if has_input_node else (None, flow)
        if logits:  # the loss read the last layer's logits; its output is the activation of them
            activate, _ = L.ACTIVATIONS[model.layers[-1].activation]
            kept[-1] = model.loss.value_and_gradient(y, activate(out)[0])[1]
        grads = []
        for k, (layer, _) in enumerate(model.nodes):
            entry = {"output": d_inputs if model._raw(k) else kept[k]}
            entry.update((name, layer.grads[name]) for name in layer.trainable_names if name in layer.grads)
            grads.append(entry)
    return float(loss), grads


def saliency(model, image, class_index):
    """How much each input pixel moves one class's score: d(score)/d(image), in the image's shape.

    The score is the model's last value for ``class_index`` before its final activation
    (the logit, before the softmax), for this one image, in inference mode (batch
    normalization with its moving statistics, no dropout): Simonyan, Vedaldi and
    Zisserman's saliency map (2014). A pixel with a large positive value would raise the
    score if it were brighter; a negative one would lower it. The model does not change.

    ``image`` has the model's input shape (H, W, C), or (H, W) for a one-channel model.

    >>> from cnnviz import keras
    >>> model = keras.models.Sequential(
    ...     [keras.layers.Flatten(input_shape=(2, 2, 1)), keras.layers.Dense(2, activation="softmax")], seed=0)
    >>> s = saliency(model, np.zeros((2, 2)), 1)
    >>> s.shape, np.allclose(s.ravel(), model.layers[1].params["kernel"][:, 1])   # a linear score: its weights
    ((2, 2), True)
    """
    model._build_for("saliency")
    shape = tuple(model.built_input_shape)
    a = np.asarray(image)
    if a.dtype.kind not in "biuf" or a.dtype == bool:
        raise TypeError(f"saliency expects an image of numbers; received dtype {a.dtype}.")
    if a.shape == shape:
        x = a[None]
    elif shape[-1:] == (1,) and a.shape == shape[:-1]:
        x = a[None, ..., None]
    else:
        one_channel = f" (or {shape[:-1]})" if shape[-1:] == (1,) else ""
        raise ValueError(
            f"saliency expects one image of the model's input shape {shape}{one_channel}; received shape "
            f"{a.shape}. For several images, call it once per image."
        )
    if not np.isfinite(x).all():
        raise ValueError("saliency: the image holds NaN or infinite values; a gradient there means nothing.")
    scores_shape = model.node_shapes(shape)[-1][1]
    if len(scores_shape) != 1:
        raise ValueError(
            f"saliency needs a model that ends in one score per class, shape (classes,); {model.name!r} ends "
            f"in shape {scores_shape}."
        )
    classes = scores_shape[0]
    if isinstance(class_index, (bool, np.bool_)) or not isinstance(class_index, (int, np.integer)):
        raise TypeError(f"saliency expects class_index as a whole number; received {class_index!r}.")
    if not 0 <= class_index < classes:
        raise ValueError(
            f"saliency: class_index must be in 0..{classes - 1} ({classes} classes); received {class_index}."
        )
    with _model_unchanged(model), np.errstate(over="ignore", invalid="ignore"):
        scores = model.forward(x.astype(np.float32), training=False, activation=False)
        d_scores = np.zeros_like(scores)
        d_scores[0, class_index] = 1.0  # d(score)/d(scores): one for the chosen class
        d_image = model.backward(d_scores, activation=False, input_gradient=True)
    return d_image[0].reshape(a.shape)


@contextlib.contextmanager
def _model_unchanged(model):
    """Compute on ``model``, then put back all a forward and backward pass change.

    A pass never touches the trained weights; it changes batch normalization's moving
    statistics (training mode), every layer's gradients and caches, and the random
    generators dropout draws from.
    """
    saved = [
        (
            layer,
            {name: w.copy() for name, w in layer.params.items() if name not in layer.trainable_names},
            dict(layer.grads),
            {a: layer.__dict__[a] for a in ("_cache", "_act_cache") if a in layer.__dict__},
        )
        for layer in model.layers
    ]
    generators = [model.rng, *(getattr(layer, "rng", None) for layer in model.layers)]
    states = [(g, g.bit_generator.state) for g in generators if isinstance(g, np.random.Generator)]
    try:
        yield
    finally:
        for layer, params, grads, caches in saved:
            for name, w in params.items():
                layer.params[name][...] = w  # in place: an optimizer may hold the array
            layer.grads.clear()
            layer.grads.update(grads)
            for a in ("_cache", "_act_cache"):
                layer.__dict__.pop(a, None)
            layer.__dict__.update(caches)
        for g, state in reversed(states):  # a generator listed twice ends with its first, true state
            g.bit_generator.state = state


def top_patches(model, images, node, channel, count=9, batch_size=500):
    """The input patches whose value in channel ``channel`` of node ``node`` is largest: one per image.

    For every image, the cell of the channel's map with the largest value; the ``count``
    images with the largest such values, best first; for each, the crop of the input that
    cell reads (its receptive field, ``receptive_boxes``), padded with zeros to the full
    field where it hangs over the image's edge.

    Parameters
    ----------
    model : a single-path cnnviz model with an image input
    images : ndarray, shape (N, H, W) or (N, H, W, C)
        Inputs as the model takes them (floats); (N, H, W) gets a channel axis.
    node, channel : int
        The layer (a feature map) and its channel.
    count : int
        How many patches.

    Returns
    -------
    patches : ndarray, shape (count, f, f, C)
    values : ndarray, shape (count,)
        The channel's value at each patch's cell, largest first.
    where : ndarray of int, shape (count, 3)
        (image index, row, col) of each cell.
    """
    check_single_path(model)
    x = np.asarray(images, dtype=np.float32)
    x = x[..., None] if x.ndim == 3 else x
    if x.ndim != 4:
        raise ValueError(
            f"top_patches expects images of shape (N, H, W) or (N, H, W, C); received {x.shape}."
        )
    shape = model.node_shapes(x.shape[1:])[node][1]
    if len(shape) != 3:
        raise ValueError(
            f"top_patches needs a layer with feature maps; layer {node} ({model.layers[node].name}) "
            f"gives shape {shape}."
        )
    best = np.empty(len(x), dtype=np.float64)
    cells = np.empty((len(x), 2), dtype=int)
    for start in range(0, len(x), batch_size):
        maps = model.forward(x[start : start + batch_size], keep=True)[node][..., channel]  # (n, H', W')
        flat = maps.reshape(len(maps), -1)
        arg = flat.argmax(axis=1)
        best[start : start + len(maps)] = flat[np.arange(len(maps)), arg]
        cells[start : start + len(maps)] = np.stack(np.unravel_index(arg, maps.shape[1:]), axis=1)
    order = np.argsort(-best, kind="stable")[:count]
    boxes = [receptive_boxes(model, node, *cells[n])[0] for n in order]
    f_rows = max(r1 - r0 for r0, r1, _, _ in boxes)  # the full field: the largest box not cut by an edge
    f_cols = max(c1 - c0 for _, _, c0, c1 in boxes)
    patches = np.zeros((len(order), f_rows, f_cols, x.shape[3]), dtype=np.float32)
    for p, (n, (r0, r1, c0, c1)) in enumerate(zip(order, boxes)):
        dr = f_rows - (r1 - r0) if r0 == 0 else 0  # cut at the top: the crop sits at the bottom
        dc = f_cols - (c1 - c0) if c0 == 0 else 0
        patches[p, dr : dr + r1 - r0, dc : dc + c1 - c0] = x[n, r0:r1, c0:c1]
    where = np.column_stack([order, cells[order]])
    return patches, best[order], where
