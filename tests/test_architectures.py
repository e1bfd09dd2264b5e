"""The named architectures match their papers: parameter counts, feature-map sizes, receptive fields.

The published figures pinned here:
VGG16 configuration D, 138,357,544 parameters (Keras' VGG16 summary);
AlexNet as in torchvision, 61,100,840 parameters, first layer 55×55;
ResNet-50, 25,557,032 parameters (torchvision) and 25,636,712 (Keras, with convolution
biases and the batch-norm moving statistics);
UNet, every size in Figure 1 of Ronneberger et al. (2015), 572×572×1 → 388×388×2.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from cnnviz import architectures as A
from cnnviz import layers as L


def test_vgg16_configuration_d():
    model = A.vgg16()
    assert model.count_params() == 138_357_544
    shapes = {layer.name: shape for layer, shape, _ in model.shapes()}
    assert [shapes[f"block{b}_pool"] for b in range(1, 6)] == [
        (112, 112, 64), (56, 56, 128), (28, 28, 256), (14, 14, 512), (7, 7, 512),
    ]  # fmt: skip
    assert shapes["flatten"] == (25088,) and shapes["predictions"] == (1000,)
    assert sum(isinstance(layer, (L.Conv2D, L.Dense)) for layer in model.layers) == 16  # the "16"


def test_alexnet_torchvision_variant():
    model = A.alexnet()
    assert model.count_params() == 61_100_840
    rows = model.shapes()
    assert rows[0][1] == (55, 55, 64)  # ⌊(224 + 2·2 − 11)/4⌋ + 1 = 55
    assert rows[7][1] == (6, 6, 256)


def test_alexnet_paper_counts():
    """The 2012 two-GPU network: about 60 million parameters, as its abstract says."""
    counts = A.alexnet_paper_params()
    assert sum(w + b for w, b in counts.values()) == 60_965_224
    # 224 − 11 is not a multiple of 4: without padding the paper's 55×55 needs a 227×227 input
    assert [(size - 11) / 4 + 1 for size in (224, 227)] == [54.25, 55.0]


@pytest.mark.parametrize(
    ("style", "total", "trainable_count"),
    [("torchvision", 25_610_152, 25_557_032), ("keras", 25_636_712, 25_583_592)],
)
def test_resnet50(style, total, trainable_count):
    model = A.resnet50(style=style)
    assert model.count_params() == total
    assert model.count_trainable_params() == trainable_count
    # the moving mean and variance of the 53 batch-norm layers, 2 · 26,560 values
    assert total - trainable_count == 53_120
    shapes = {layer.name: shape for layer, shape, _ in model.shapes()}
    assert [shapes[f"conv{k}_block1_out"] for k in (2, 3, 4, 5)] == [
        (56, 56, 256), (28, 28, 512), (14, 14, 1024), (7, 7, 2048),
    ]  # fmt: skip
    convs = [layer for layer in model.layers if isinstance(layer, (L.Conv2D, L.Dense))]
    projections = [layer for layer in convs if layer.name.endswith("_0_conv")]
    assert len(convs) - len(projections) == 50 and len(projections) == 4
    assert sum(isinstance(layer, L.Add) for layer in model.layers) == 16  # 3 + 4 + 6 + 3 blocks


UNET_FIGURE_1 = {  # Ronneberger et al. (2015), Figure 1: (height = width, channels)
    "down1_conv1": (570, 64), "down1_conv2": (568, 64), "down2_pool": (284, 64),
    "down2_conv1": (282, 128), "down2_conv2": (280, 128), "down3_pool": (140, 128),
    "down3_conv1": (138, 256), "down3_conv2": (136, 256), "down4_pool": (68, 256),
    "down4_conv1": (66, 512), "down4_conv2": (64, 512), "down5_pool": (32, 512),
    "down5_conv1": (30, 1024), "down5_conv2": (28, 1024),
    "up4_upconv": (56, 512), "up4_crop": (56, 512), "up4_concat": (56, 1024),
    "up4_conv1": (54, 512), "up4_conv2": (52, 512),
    "up3_upconv": (104, 256), "up3_crop": (104, 256), "up3_conv1": (102, 256), "up3_conv2": (100, 256),
    "up2_upconv": (200, 128), "up2_crop": (200, 128), "up2_conv1": (198, 128), "up2_conv2": (196, 128),
    "up1_upconv": (392, 64), "up1_crop": (392, 64), "up1_conv1": (390, 64), "up1_conv2": (388, 64),
    "scores": (388, 2),
}  # fmt: skip


def test_unet_sizes_match_the_paper():
    model = A.unet()
    shapes = {layer.name: shape for layer, shape, _ in model.shapes()}
    assert shapes["input_layer"] == (572, 572, 1)
    for name, (size, channels) in UNET_FIGURE_1.items():
        assert shapes[name] == (size, size, channels), name
    assert model.output_shape == (None, 388, 388, 2)
    assert model.count_params() == 31_030_658


def test_unet_same_padding_keeps_the_size_and_crops_nothing():
    model = A.unet((28, 28, 1), classes=11, filters=8, depth=3, padding="same")
    assert model.output_shape == (None, 28, 28, 11)
    assert not any(isinstance(layer, L.Cropping2D) for layer in model.layers)


@pytest.mark.parametrize(
    ("kwargs", "nearest"),
    [
        (dict(input_shape=(190, 190, 1)), r"\[188, 204\]"),  # an odd map before the 4th pool
        (dict(input_shape=(100, 100, 1)), r"\[188\]"),  # shrinks to nothing
        (dict(input_shape=(29, 29, 1), depth=3, padding="same"), r"\[28, 32\]"),
    ],
)
def test_unet_refuses_sizes_that_do_not_fit(kwargs, nearest):
    """Odd maps before a pool would make the crops silently lose pixels: say so, and what fits."""
    with pytest.raises(
        ValueError, match=r"every 2×2 max-pool needs an even size.*nearest sizes that fit: " + nearest
    ):
        A.unet(**kwargs)


def test_summaries_allocate_no_weights():
    tracemalloc.start()
    models = [A.vgg16(), A.alexnet(), A.resnet50(), A.unet()]
    counts = [model.count_params() for model in models]
    for model in models:
        model.summary(print_fn=lambda text: None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sum(counts) > 250_000_000
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB for shapes alone"
    assert not any(layer.params for model in models for layer in model.layers)


def test_receptive_fields_and_work():
    """Published receptive fields (Araujo et al., Distill 2019) and multiply-adds (the papers)."""
    fields = {
        name: A.receptive_fields(model)[index][0]
        for name, model, index in [
            ("alexnet", A.alexnet(), 7),  # pool5
            ("vgg16", A.vgg16(), 17),  # block5_pool
            ("resnet50", A.resnet50(style="keras"), -3),  # the last block's output
            ("resnet50_torchvision", A.resnet50(), -3),
        ]
    }
    # torchvision's stride sits in the 3×3 convolution, so three 3×3s see a finer grid: 483 − 56
    assert fields == {"alexnet": 195, "vgg16": 212, "resnet50": 483, "resnet50_torchvision": 427}
    assert sum(A.multiply_adds(A.vgg16())) / 1e9 == pytest.approx(
        15.47, abs=0.01
    )  # "15.3 billion" (ResNet paper)
    assert sum(A.multiply_adds(A.resnet50(style="keras"))) / 1e9 == pytest.approx(
        3.86, abs=0.01
    )  # "3.8 billion"
    assert sum(A.multiply_adds(A.resnet50())) / 1e9 == pytest.approx(
        4.09, abs=0.01
    )  # torchvision's docs: 4.09


def test_layer_table_groups_blocks():
    lines = []
    rows = A.layer_table(A.resnet50(), group=r"conv\d_block\d+", print_fn=lines.append)
    names = [row["name"] for row in rows]
    assert names[:7] == [
        "input_layer",
        "conv1_pad",
        "conv1_conv",
        "conv1_bn",
        "conv1_relu",
        "pool1_pad",
        "pool1_pool",
    ]
    assert names[7:23] == [
        f"conv{s}_block{b}" for s, n in ((2, 3), (3, 4), (4, 6), (5, 3)) for b in range(1, n + 1)
    ]
    assert sum(row["params"] for row in rows) == 25_610_152
    assert "conv5_block1 (12 layers)" in lines[0]


@pytest.mark.parametrize(
    ("builder", "input_shape"),
    [
        (lambda shape: A.vgg16(shape, classes=10), (32, 32, 3)),
        (lambda shape: A.alexnet(shape, classes=10), (224, 224, 3)),
        (lambda shape: A.resnet50(shape, classes=10, style="keras"), (32, 32, 3)),
        (lambda shape: A.unet(shape, filters=2), (188, 188, 1)),
    ],
    ids=["vgg16", "alexnet", "resnet50", "unet"],
)
def test_forward_pass_gives_the_predicted_shapes(builder, input_shape, rng):
    model = builder(input_shape)
    model.rng = np.random.default_rng(0)
    x = rng.random((1, *input_shape), dtype=np.float32)
    outputs = model.layer_outputs(x)
    for (layer, value), (_, shape, _) in zip(outputs, model.shapes()):
        assert value.shape == (1, *shape), layer.name
        assert value.dtype == np.float32, layer.name
    probabilities = outputs[-1][1]
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1, rtol=1e-5)
