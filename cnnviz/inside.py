"""Inside a trained CNN: which input cells a value reads, and the arithmetic that made it.

The live network explorer (``cnnviz.widgets.NetworkExplorer``) shows these; they are plain
functions on a model and its layers' outputs, so a notebook or a test can use them too.

* ``receptive_boxes(model, node, row, col)``: for the cell (row, col) of node ``node``'s
  output, the rectangle of cells it depends on in every earlier output and in the input,
  found by walking back through the layers: a window layer with kernel K, stride S,
  dilation D and top padding P maps output rows [r₀, r₁) to input rows
  [r₀·S − P, (r₁ − 1)·S − P + D·(K − 1) + 1), clipped to the map; layers that work cell by
  cell (activations, batch normalization, dropout) keep the rectangle; a dense layer or a
  global pooling reads everything.
* ``top_patches(model, images, node, channel, count)``: the input patches (receptive-field
  crops) that excite one channel most over a set of images: Zeiler and Fergus's view of
  what a kernel has learned, without their deconvolution.
* ``model_input(image, input_shape)``: any picture turned into the model's input size and
  channels, with each step of the conversion.
* ``explain(model, outputs, node, index)``: the sum behind one value, written out with the
  real numbers: a convolution's window, kernel, products, bias and activation; a pooling
  window and its winner (or mean); a dense unit's bias and its largest contributions; a
  softmax's exponentials and their sum.

Both take single-path models (a ``Sequential``, or a functional model without branches).

>>> from cnnviz import keras
>>> model = keras.models.Sequential([
...     keras.layers.Conv2D(1, 3, input_shape=(6, 6, 1)), keras.layers.MaxPooling2D(2)], seed=0)
>>> receptive_boxes(model, 1, 0, 0)     # pooled cell (0, 0): a 2×2 window of 3×3 convolutions
[(0, 4, 0, 4), (0, 2, 0, 2), (0, 1, 0, 1)]
"""

from __future__ import annotations

import contextlib

import numpy as np

from . import layers as L
from .sizes import window_geometry

__all__ = [
    "cells_reading",
    "check_single_path",
    "explain",
    "gradients",
    "model_input",
    "receptive_boxes",
    "saliency",
    "top_patches",
]

PAPER_NOISE = 0.25  # in a photo or scan, grey levels up to this (after inverting) count as paper

ELEMENTWISE = (L.Activation, L.BatchNormalization, L.Dropout, L.LeakyReLU, L.Rescaling, L.InputLayer)
EVERYTHING = (L.Dense, L.Flatten, L.GlobalAveragePooling2D, L.GlobalMaxPooling2D, L.Reshape)


def check_single_path(model):
    """Refuse a model with branches or merges, whose values the views cannot lay out in one row."""
    for k, (layer, inputs) in enumerate(model.nodes):
        if layer.merges or (k and inputs != (k - 1,)) or (not k and inputs not in ((), (0,))):
            raise ValueError(
                f"The network views need a model whose layers follow one another; {model.name!r} has a "
                f"branch or merge at layer {layer.name!r} ({type(layer).__name__})."
            )


def cells_reading(row, col, kernel_size, strides, output_shape):
    """The output cells (i, j) whose window covers cell (row, col) of the padded input: the reverse link.

    Window (i, j) covers rows i·S .. i·S + K − 1 of the padded input (and columns alike), so
    (row, col) is read by every i with i·S ≤ row ≤ i·S + K − 1, inside the output.

    >>> cells_reading(2, 2, (2, 2), (2, 2), (3, 3))    # 2×2 windows, stride 2: one reader
    [(1, 1)]
    >>> cells_reading(1, 1, (3, 3), (1, 1), (3, 3))    # 3×3 windows, stride 1: four
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    (KH, KW), (SH, SW) = _pair(kernel_size), _pair(strides)
    Ho, Wo = output_shape
    rows = [i for i in range(Ho) if i * SH <= row <= i * SH + KH - 1]
    cols = [j for j in range(Wo) if j * SW <= col <= j * SW + KW - 1]
    return [(i, j) for i in rows for j in cols]


def _pair(v):
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def receptive_boxes(model, node, row, col):
    """[(r0, r1, c0, c1)] for the input, then for every node up to ``node``: the cells (row, col) reads.

    Rows r0 ≤ r < r1 and columns c0 ≤ c < c1 of each map; a map without rows and columns
    (a dense layer's vector) gets None.
    """
    check_single_path(model)
    shapes = [tuple(model.expected_input_shape())] + [out for _, out in model.node_shapes()]
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


def _back(layer, box, shape_in):
    """The box in the layer's input that the output box ``box`` depends on (None: everything)."""
    if len(shape_in) != 3:
        return None
    H, W = shape_in[:2]
    r0, r1, c0, c1 = box
    if isinstance(layer, ELEMENTWISE):
        return box
    if isinstance(layer, EVERYTHING):
        return (0, H, 0, W)
    if isinstance(layer, (L.Conv2D, L.MaxPooling2D)) and not isinstance(layer, L.Conv2DTranspose):
        if isinstance(layer, L.Conv2D):
            K, S, D = layer.kernel_size, layer.strides, layer.dilation_rate
        else:
            K, D = layer.pool_size, (1, 1)
            S = layer.strides or layer.pool_size
        _, ((pt, _), (pl, _)) = window_geometry((H, W), K, S, layer.padding, D)
        rows = (r0 * S[0] - pt, (r1 - 1) * S[0] - pt + D[0] * (K[0] - 1) + 1)
        cols = (c0 * S[1] - pl, (c1 - 1) * S[1] - pl + D[1] * (K[1] - 1) + 1)
        return (max(rows[0], 0), min(rows[1], H), max(cols[0], 0), min(cols[1], W))
    if isinstance(layer, L.ZeroPadding2D):
        (t, _), (left, _) = layer.padding
        return (max(r0 - t, 0), min(r1 - t, H), max(c0 - left, 0), min(c1 - left, W))
    if isinstance(layer, L.Cropping2D):
        (t, _), (left, _) = layer.cropping
        return (r0 + t, r1 + t, c0 + left, c1 + left)
    if isinstance(layer, L.UpSampling2D):
        sh, sw = layer.size
        return (r0 // sh, (r1 - 1) // sh + 1, c0 // sw, (c1 - 1) // sw + 1)
    return (0, H, 0, W)  # anything else: assume it reads everything


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
    layer = model.nodes[node].layer
    x, y = outputs[node], outputs[node + 1]
    value = float(y[index])
    head = f"{layer.name} ({type(layer).__name__}) at {tuple(int(i) for i in index)} = {_n(value)}"
    source = "the image" if node == 0 else f"{model.nodes[node - 1].layer.name}'s output"
    if isinstance(layer, L.Conv2D) and not isinstance(layer, L.Conv2DTranspose):
        return head + "\n" + _explain_conv(model, layer, x, index, value, source)
    if isinstance(layer, L.MaxPooling2D):
        return head + "\n" + _explain_pool(layer, x, index)
    if isinstance(layer, L.Dense):
        text = head + "\n" + _explain_dense(layer, x, index, cells=_unflattened(model, outputs, node))
        if layer.activation == "softmax":  # the unit's z, then the softmax over every unit's z
            text += "\nthen the softmax over all units:\n" + _explain_softmax(
                _before_activation(layer, x), index
            )
        return text
    if layer.activation == "softmax" or isinstance(layer, L.Softmax):
        z = x if layer.activation != "softmax" else _before_activation(layer, x)
        return head + "\n" + _explain_softmax(z, index)
    if isinstance(layer, L.Flatten):
        source = np.unravel_index(index[0], x.shape)
        return (
            head
            + f"\nvalue {index[0]} of the flattened vector is the input's cell {tuple(int(i) for i in source)}"
        )
    if isinstance(layer, L.BatchNormalization):
        p, c = layer.params, index[-1]
        mean, var, gamma, beta = (float(p[k][c]) for k in ("moving_mean", "moving_variance", "gamma", "beta"))
        xv = float(x[index])
        return head + (
            f"\n(x − μ) / √(σ² + ε) · γ + β = ({_n(xv)} − {_n(mean)}) / √({_n(var)} + {layer.epsilon:g}) · "
            f"{_n(gamma)} + {_n(beta)} = {_n(value)}   (moving averages: inference)"
        )
    if layer.activation == "relu" or isinstance(layer, L.ReLU):
        return head + f"\nmax({_n(float(x[index]))}, 0) = {_n(value)}"
    return head


def _unflattened(model, outputs, node):
    """The shape (H, W, C) of the map a Flatten just before node ``node`` flattened, or None.

    With it, a dense unit's inputs are named by their cell in that map (row, col, channel), as
    the picture draws them, instead of by their position in the flat vector.
    """
    if node > 0 and isinstance(model.nodes[node - 1].layer, L.Flatten) and outputs[node - 1].ndim == 3:
        return outputs[node - 1].shape
    return None


def _explain_conv(model, layer, x, index, value, source="the image"):
    i, j, o = index
    K, S, D = layer.kernel_size, layer.strides, layer.dilation_rate
    H, W, C = x.shape
    _, ((pt, _), (pl, _)) = window_geometry((H, W), K, S, layer.padding, D)
    w = layer.params["kernel"][..., o]  # (KH, KW, C)
    b = float(layer.params["bias"][o]) if "bias" in layer.params else 0.0
    window = np.zeros((K[0], K[1], C), dtype=np.float64)  # zero where the window hangs over the padding
    for u in range(K[0]):
        for v in range(K[1]):
            r, s = i * S[0] - pt + u * D[0], j * S[1] - pl + v * D[1]
            if 0 <= r < H and 0 <= s < W:
                window[u, v] = x[r, s]
    products = window * w  # (KH, KW, C): x · w, tap by tap
    z = float(products.sum()) + b
    r0, c0 = i * S[0] - pt, j * S[1] - pl
    r1, c1 = r0 + D[0] * (K[0] - 1), c0 + D[1] * (K[1] - 1)
    outside = r0 < 0 or c0 < 0 or r1 >= H or c1 >= W  # part of the window hangs over the padding
    lines = [f"window in the layer's input ({source}): rows {r0}..{r1}, columns {c0}..{c1}"
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
    if layer.activation == "relu":
        lines.append(f"ReLU: max({_n(z)}, 0) = {_n(value)}")
    elif layer.activation not in (None, "linear"):
        lines.append(f"{layer.activation}({_n(z)}) = {_n(value)}")
    return "\n".join(lines)


def _explain_pool(layer, x, index):
    i, j, c = index
    K = layer.pool_size
    S = layer.strides or layer.pool_size
    H, W, _ = x.shape
    _, ((pt, _), (pl, _)) = window_geometry((H, W), K, S, layer.padding)
    cells = [(i * S[0] - pt + u, j * S[1] - pl + v) for u in range(K[0]) for v in range(K[1])]
    cells = [(r, s) for r, s in cells if 0 <= r < H and 0 <= s < W]  # padding takes no part
    values = [float(x[r, s, c]) for r, s in cells]
    listed = ", ".join(_n(v) for v in values)
    if isinstance(layer, L.AveragePooling2D):
        return f"mean of the window's cells [{listed}] = {_n(sum(values) / len(values))}"
    best = int(np.argmax(values))  # the first maximum in reading order wins
    return f"max of the window's cells [{listed}] = {_n(values[best])}, the winner at {cells[best]}"


def _explain_dense(layer, x, index, top=5, cells=None):
    (u,) = index
    w = layer.params["kernel"][:, u]
    b = float(layer.params["bias"][u]) if "bias" in layer.params else 0.0
    contributions = x * w  # (D,): input · weight, one per input
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    z = float(contributions.sum()) + b
    lines = [
        f"z = Σ inputs · weights + bias over {len(x)} inputs; the {min(top, len(x))} largest contributions:"
    ]
    def name(k):  # "input 535", or its cell (row, col, channel) in the map before the Flatten
        if cells is None:
            return f"input {k}"
        r, c, ch = (int(i) for i in np.unravel_index(k, cells))
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
    return "\n".join(lines)


def _before_activation(layer, x):
    """A layer's values before its activation, for one sample (recomputed in inference mode)."""
    return layer.forward(x[None], training=False, activation=False)[0]


def _explain_softmax(z, index):
    (k,) = index[-1:]
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


def model_input(image, input_shape):
    """Any picture as the model's input: (x of shape ``input_shape``, [(step name, image), ...]).

    ``image`` is (h, w) grey or (h, w, 3 or 4) colour, floats in [0, 1] or integers 0..255.
    For a 28×28×1 model (MNIST's digits) the steps are: original → grey (luma) → inverted
    when the paper is light (MNIST's ink is bright on black) → ``mnist_style`` (grey levels up
    to ``PAPER_NOISE`` dropped as the paper's, then the digit scaled to 20 px and centred by
    its mass). For other models: resized to H×W, and made
    grey or colour to match C.
    """
    from PIL import Image as PILImage

    from .digits import mnist_style

    a = np.asarray(image)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise TypeError(f"expected an image of numbers; received dtype {a.dtype}.")
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3, 4)) or min(a.shape[:2]) < 1:
        raise ValueError(
            f"expected an image of shape (h, w), (h, w, 3) or (h, w, 4); received shape {a.shape}."
        )
    a = a / 255.0 if np.issubdtype(a.dtype, np.integer) else a.astype(np.float64)
    if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
        raise ValueError("expected grey levels in [0, 1] (or integers 0..255).")
    a = a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a
    a = a[:, :, :3] if a.ndim == 3 else a
    steps = [("original", a)]
    H, W, C = input_shape
    grey = a @ np.array([0.299, 0.587, 0.114]) if a.ndim == 3 else a  # ITU-R BT.601 luma, as PIL's "L"
    if (H, W, C) == (28, 28, 1):
        if a.ndim == 3:
            steps.append(("grey", grey))
        if grey.mean() > 0.5:  # light paper, dark ink
            grey = 1.0 - grey
            steps.append(("inverted", grey))
        x = mnist_style(grey, threshold=PAPER_NOISE)[:, :, None]
        steps.append(("mnist_style", x[:, :, 0]))
        return x.astype(np.float32), steps
    source = grey if C == 1 else (a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2))
    if C == 1 and a.ndim == 3:
        steps.append(("grey", grey))
    pil = PILImage.fromarray(np.round(np.clip(source, 0, 1) * 255).astype(np.uint8))
    resized = np.asarray(pil.resize((W, H), PILImage.Resampling.BILINEAR), dtype=np.float32) / 255.0
    resized = resized[:, :, None] if resized.ndim == 2 else resized
    if resized.shape[2] != C:
        resized = np.repeat(resized[:, :, :1], C, axis=2)
    steps.append((f"resized to {H}×{W}", resized.squeeze()))
    return resized, steps
