"""The architectures the notes name, built from cnnviz layers and checked against their papers.

Each builder returns a model whose weights are not allocated yet (they are made on the
first forward pass, or by ``build``), so ``summary()`` and ``count_params()`` are
instant even for VGG16's 138 million parameters.

* ``vgg16``: Simonyan & Zisserman (2015), configuration D: 13 convolutions 3×3 with
  "same" padding in five blocks, each block ending in a 2×2 max-pool, then three
  fully connected layers. 138,357,544 parameters.
* ``alexnet``: the single-tower AlexNet of torchvision (Krizhevsky 2014, "One weird
  trick"; 64-192-384-256-256 kernels), 61,100,840 parameters. The 2012 paper's network
  was split over two GPUs (96-256-384-384-256 kernels, some layers seeing only their
  own GPU's half of the channels); see ``alexnet_paper_params``.
* ``resnet50``: He et al. (2016), 50 layers of bottleneck blocks (1×1, 3×3, 1×1
  convolutions) around identity shortcuts, with a 1×1 projection where the shape
  changes. ``style="torchvision"`` (no convolution biases, stride in the 3×3
  convolution) has torchvision's 25,557,032 trainable parameters; ``style="keras"``
  (biases, stride in the first 1×1) has Keras' 25,636,712 in total.
* ``unet``: Ronneberger et al. (2015): unpadded 3×3 convolutions, 2×2 max-pools down,
  2×2 up-convolutions up, and at each level the contracting path's feature map,
  cropped to size, concatenated to the expanding path's. 572×572×1 in, 388×388×2 out.

``layer_table`` lists output shape, parameters, multiply-adds and receptive field per
layer (or per group of layers); ``receptive_fields`` and ``multiply_adds`` compute the
last two from shapes alone.

>>> vgg16().count_params()
138357544
>>> unet().output_shape
(None, 388, 388, 2)
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import layers as L
from .models import Model, Sequential

__all__ = [
    "RESNET50_STAGES",
    "VGG16_BLOCKS",
    "alexnet",
    "alexnet_paper_params",
    "layer_table",
    "multiply_adds",
    "receptive_fields",
    "resnet50",
    "unet",
    "vgg16",
]


# -- VGG16 --------------------------------------------------------------------------------------

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))  # (kernels, convolutions) per block


def vgg16(input_shape=(224, 224, 3), classes=1000, seed=None):
    """VGG16 (configuration D), with Keras' layer names (block1_conv1, ..., fc1, fc2, predictions)."""
    model = Sequential(name="vgg16", seed=seed)
    for b, (filters, convs) in enumerate(VGG16_BLOCKS, start=1):
        for c in range(1, convs + 1):
            first = {"input_shape": input_shape} if b == c == 1 else {}
            model.add(
                L.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{b}_conv{c}", **first)
            )
        model.add(L.MaxPooling2D(2, name=f"block{b}_pool"))
    model.add(L.Flatten(name="flatten"))
    model.add(L.Dense(4096, activation="relu", name="fc1"))
    model.add(L.Dense(4096, activation="relu", name="fc2"))
    model.add(L.Dense(classes, activation="softmax", name="predictions"))
    return model


# -- AlexNet ----------------------------------------------------------------------------------------


def alexnet(input_shape=(224, 224, 3), classes=1000, seed=None):
    """Single-tower AlexNet as in torchvision: 11×11 stride 4 (padding 2), 5×5, three 3×3, three FC layers.

    torchvision puts an adaptive average pool before the first FC layer that makes any
    input 6×6; at 224×224 the map is already 6×6, so it is left out here.
    """
    return Sequential(
        [
            L.Conv2D(64, 11, strides=4, padding=2, activation="relu", input_shape=input_shape, name="conv1"),
            L.MaxPooling2D(3, strides=2, name="pool1"),
            L.Conv2D(192, 5, padding=2, activation="relu", name="conv2"),
            L.MaxPooling2D(3, strides=2, name="pool2"),
            L.Conv2D(384, 3, padding=1, activation="relu", name="conv3"),
            L.Conv2D(256, 3, padding=1, activation="relu", name="conv4"),
            L.Conv2D(256, 3, padding=1, activation="relu", name="conv5"),
            L.MaxPooling2D(3, strides=2, name="pool5"),
            L.Flatten(name="flatten"),
            L.Dropout(0.5, name="drop6"),
            L.Dense(4096, activation="relu", name="fc6"),
            L.Dropout(0.5, name="drop7"),
            L.Dense(4096, activation="relu", name="fc7"),
            L.Dense(classes, activation="softmax", name="fc8"),
        ],
        name="alexnet",
        seed=seed,
    )


def alexnet_paper_params():
    """Parameters of the 2012 paper's two-GPU AlexNet, layer by layer: {name: (weights, biases)}.

    Layers 2, 4 and 5 see only the half of the previous layer's kernels that lives on
    their own GPU, so their kernels are half as deep (48 and 192 instead of 96 and 384).
    The network is not built (cnnviz has no grouped convolution); the counts follow
    from the paper's Figure 2: 96 kernels 11×11×3, 256 kernels 5×5×48, 384 kernels
    3×3×256, 384 kernels 3×3×192, 256 kernels 3×3×192, FC 4096, 4096, 1000 on 6×6×256.
    """
    layers = {
        "conv1": (11 * 11 * 3, 96),
        "conv2": (5 * 5 * 48, 256),
        "conv3": (3 * 3 * 256, 384),
        "conv4": (3 * 3 * 192, 384),
        "conv5": (3 * 3 * 192, 256),
        "fc6": (6 * 6 * 256, 4096),
        "fc7": (4096, 4096),
        "fc8": (4096, 1000),
    }
    return {name: (fan_in * units, units) for name, (fan_in, units) in layers.items()}


# -- ResNet-50 --------------------------------------------------------------------------------------

RESNET50_STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # (width, blocks, first stride)


def resnet50(input_shape=(224, 224, 3), classes=1000, style="torchvision", seed=None):
    """ResNet-50 with bottleneck blocks, in torchvision's or Keras' flavour (see the module docstring).

    Layer names follow Keras (conv2_block1_1_conv, conv2_block1_0_conv for the
    projection, conv2_block1_add, ...): stage k is the paper's conv{k}_x.
    """
    if style not in ("torchvision", "keras"):
        raise ValueError(f"resnet50 style must be 'torchvision' or 'keras'; received style={style!r}.")
    keras_style = style == "keras"
    bn = {"epsilon": 1.001e-5 if keras_style else 1e-5}

    inputs = L.Input(input_shape, name="input_layer")
    x = L.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = L.Conv2D(64, 7, strides=2, use_bias=keras_style, name="conv1_conv")(x)
    x = L.BatchNormalization(**bn, name="conv1_bn")(x)
    x = L.ReLU(name="conv1_relu")(x)
    x = L.ZeroPadding2D(1, name="pool1_pad")(x)  # zeros are safe here: the values are >= 0 after ReLU
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (width, blocks, stride) in enumerate(RESNET50_STAGES, start=2):
        for block in range(1, blocks + 1):
            x = _bottleneck(
                x, width, stride if block == 1 else 1, f"conv{stage}_block{block}", keras_style, bn
            )
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = L.Dense(classes, activation="softmax", name="predictions")(x)
    return Model(inputs, outputs, name=f"resnet50_{style}", seed=seed)


def _bottleneck(x, width, stride, name, keras_style, bn):
    """1×1 (width) → 3×3 (width) → 1×1 (4·width), added to the input or to its 1×1 projection."""
    in_channels = x.shape[-1]
    s1, s3 = (stride, 1) if keras_style else (1, stride)  # where the block's stride goes
    bias = keras_style
    if stride != 1 or in_channels != 4 * width:  # the shapes differ: project the shortcut
        shortcut = L.Conv2D(4 * width, 1, strides=stride, use_bias=bias, name=f"{name}_0_conv")(x)
        shortcut = L.BatchNormalization(**bn, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    y = L.Conv2D(width, 1, strides=s1, use_bias=bias, name=f"{name}_1_conv")(x)
    y = L.ReLU(name=f"{name}_1_relu")(L.BatchNormalization(**bn, name=f"{name}_1_bn")(y))
    y = L.Conv2D(
        width, 3, strides=s3, padding="same" if keras_style else 1, use_bias=bias, name=f"{name}_2_conv"
    )(y)
    y = L.ReLU(name=f"{name}_2_relu")(L.BatchNormalization(**bn, name=f"{name}_2_bn")(y))
    y = L.Conv2D(4 * width, 1, use_bias=bias, name=f"{name}_3_conv")(y)
    y = L.BatchNormalization(**bn, name=f"{name}_3_bn")(y)
    return L.ReLU(name=f"{name}_out")(L.Add(name=f"{name}_add")([shortcut, y]))


# -- UNet -----------------------------------------------------------------------------------------


def unet(input_shape=(572, 572, 1), classes=2, filters=64, depth=5, padding="valid", seed=None):
    """UNet as in the paper (Figure 1), or smaller: ``filters`` at the top level, doubled per level.

    Every crop is computed from the two shapes being joined (the contracting path's map
    is larger, because unpadded convolutions shrink it), never typed in. With
    ``padding="same"`` the convolutions keep the size, the output is as large as the
    input and nothing is cropped. The output has ``classes`` channels of per-pixel
    scores (softmax over the classes).
    """
    for axis, size in zip(("height", "width"), input_shape[:2]):
        if not _unet_fits(size, depth, padding):
            fits = [n for n in range(1, size + 2 ** (depth + 1) + 200) if _unet_fits(n, depth, padding)]
            below, above = [n for n in fits if n < size][-1:], [n for n in fits if n > size][:1]
            raise ValueError(
                f"unet: an input {axis} of {size} does not fit {depth} levels with padding {padding!r}: "
                "every 2×2 max-pool needs an even size and every map at least one cell (the paper picks "
                f"its 572 so that they do). The nearest sizes that fit: {below + above}."
            )
    inputs = L.Input(input_shape, name="input_layer")
    x, skips = inputs, []
    for level in range(1, depth + 1):
        if level > 1:
            x = L.MaxPooling2D(2, name=f"down{level}_pool")(x)
        x = _double_conv(x, filters * 2 ** (level - 1), f"down{level}", padding)
        skips.append(x)
    for level in range(depth - 1, 0, -1):
        x = L.Conv2DTranspose(filters * 2 ** (level - 1), 2, strides=2, name=f"up{level}_upconv")(x)
        skip = skips[level - 1]
        if skip.shape != x.shape[:3] + skip.shape[3:]:  # larger: cut out its centre
            skip = _crop_to(skip, x, f"up{level}_crop")
        x = L.Concatenate(name=f"up{level}_concat")([skip, x])
        x = _double_conv(x, filters * 2 ** (level - 1), f"up{level}", padding)
    outputs = L.Conv2D(classes, 1, activation="softmax", name="scores")(x)
    return Model(inputs, outputs, name="unet", seed=seed)


def _unet_fits(size, depth, padding):
    """Whether a side of ``size`` pixels passes every level: even before each pool, >= 1 everywhere."""
    shrink = 4 if padding == "valid" else 0  # two unpadded 3×3 convolutions take 2 cells each
    for level in range(1, depth + 1):
        size -= shrink
        if size < 1 or (level < depth and size % 2):
            return False
        if level < depth:
            size //= 2
    for _ in range(depth - 1):  # up: double, then two convolutions
        size = 2 * size - shrink
        if size < 1:
            return False
    return True


def _double_conv(x, filters, name, padding):
    x = L.Conv2D(filters, 3, padding=padding, activation="relu", name=f"{name}_conv1")(x)
    return L.Conv2D(filters, 3, padding=padding, activation="relu", name=f"{name}_conv2")(x)


def _crop_to(big, small, name):
    """Crop the centre of ``big`` to the height and width of ``small`` (the paper's "copy and crop")."""
    (H, W), (h, w) = big.shape[1:3], small.shape[1:3]
    top, left = (H - h) // 2, (W - w) // 2
    return L.Cropping2D(((top, H - h - top), (left, W - w - left)), name=name)(big)


# -- measuring a model --------------------------------------------------------------------------


def multiply_adds(model):
    """Multiply-adds of one forward pass on one image, per layer (convolutions and dense layers)."""
    counts = []
    for layer, (ins, out) in zip(model.layers, model.node_shapes()):
        if isinstance(layer, L.Conv2DTranspose):  # every input cell meets every kernel tap
            counts.append(int(np.prod(ins)) * int(np.prod(layer.kernel_size)) * layer.filters)
        elif isinstance(layer, (L.Conv2D, L.Conv1D, L.Dense)):  # every output value is one dot product
            kernel = layer.param_shapes(ins)["kernel"]
            counts.append(int(np.prod(out)) * int(np.prod(kernel[:-1])))
        else:
            counts.append(0)
    return counts


# the layers that slide a window over their input: kernel_size or pool_size, strides
_WINDOW_LAYERS = (L.Conv2D, L.Conv1D, L.MaxPooling2D, L.AveragePooling2D, L.MaxPooling1D, L.AveragePooling1D)


def receptive_fields(model):
    """Per layer: the side of the input square one output cell depends on, and the stride between cells.

    For a window layer with kernel K, stride S and dilation D, r' = r + (K − 1)·D·j and
    j' = j·S, where j is the input-pixel distance between neighbouring cells (the
    "jump"). Upsampling divides j. Where paths merge, the larger field counts.
    After a dense or global pooling layer every value sees the whole input
    (``math.inf``).
    """
    fields = []
    for layer, inputs in model.nodes:
        r, j = (1.0, 1.0) if not inputs else max(fields[i] for i in inputs)
        if isinstance(layer, L.Conv2DTranspose):
            S = _first(layer.strides)
            r, j = r + (math.ceil(layer.kernel_size[0] / S) - 1) * j, j / S
        elif isinstance(layer, L.UpSampling2D):
            j = j / layer.size[0]
        elif isinstance(layer, _WINDOW_LAYERS):
            K = layer.kernel_size[0] if isinstance(layer, (L.Conv2D, L.Conv1D)) else _first(layer.pool_size)
            S = _first(layer.strides if layer.strides is not None else layer.pool_size)
            r, j = r + (K - 1) * j, j * S
        elif isinstance(layer, (L.Dense, L.GlobalAveragePooling2D, L.Flatten)):
            r = math.inf
        fields.append((r, j))
    return [(r if math.isinf(r) else int(r), j) for r, j in fields]


def layer_table(model, group=None, print_fn=print):
    """Print a compact table: output shape, parameters, multiply-adds and receptive field.

    ``group`` (a regular expression) merges consecutive layers whose names give the same
    first match (e.g. ``r"conv\\d_block\\d+"`` for ResNet's blocks); the row shows the
    group's last output shape and receptive field and its total parameters and work.
    Returns the rows as dicts.
    """
    shapes = model.shapes()
    macs, fields = multiply_adds(model), receptive_fields(model)
    rows = []
    for (layer, out, params), work, (r, _) in zip(shapes, macs, fields):
        match = re.match(group, layer.name) if group else None
        key = match.group(0) if match else layer.name
        if rows and rows[-1]["name"] == key and match:
            rows[-1].update(shape=out, field=r, layers=rows[-1]["layers"] + 1)
            rows[-1]["params"] += params
            rows[-1]["macs"] += work
        else:
            kind = "" if match else type(layer).__name__
            rows.append(dict(name=key, kind=kind, shape=out, params=params, macs=work, field=r, layers=1))
    total_params, total_macs = sum(r["params"] for r in rows), sum(r["macs"] for r in rows)
    lines = [
        f"{'layer':<28}{'output shape':<16}{'params':>13}{'% params':>9}{'MACs':>10}{'% MACs':>8}{'field':>7}"
    ]
    for row in rows:
        label = row["name"] if row["layers"] == 1 else f"{row['name']} ({row['layers']} layers)"
        field = "all" if math.isinf(row["field"]) else row["field"]
        lines.append(
            f"{label:<28}{'×'.join(map(str, row['shape'])):<16}{row['params']:>13,}"
            f"{100 * row['params'] / total_params:>8.1f}%{_short(row['macs']):>10}"
            f"{100 * row['macs'] / max(total_macs, 1):>7.1f}%{field!s:>7}"
        )
    lines.append(f"{'total':<44}{total_params:>13,}{'':>9}{_short(total_macs):>10}")
    print_fn("\n".join(lines))
    return rows


def _first(value):
    return value if isinstance(value, int) else value[0]


def _short(n):
    """1234567 -> '1.23M', 15e9 -> '15.5G'."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)
