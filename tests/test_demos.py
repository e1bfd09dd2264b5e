"""The demos' data and models (cnnviz.demos) and the architecture pictures (cnnviz.plot), headless."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from cnnviz import architectures, demos, keras, plot


def test_cluttered_digits_keeps_the_front_digit_as_the_mask():
    images = np.zeros((3, 28, 28), np.uint8)
    images[:, 4:10, 4:8] = 255
    images[1, 4:10, 4:8] = 100  # faint: below the 0.5 cut, not ink
    x, masks = demos.cluttered_digits(images, seed=0, noise=0.0)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float32 and masks.dtype == np.int64
    assert masks[0].sum() == 24 and masks[1].sum() == 0
    assert 0 <= x.min() and x.max() <= 1
    # the clutter is an image of the batch shifted by (7, 9), 0.6 as bright: here a full or a faint block
    assert any(np.isclose(x[0, 11, 13, 0], 0.6 * value / 255) for value in (255, 100))
    assert x[0, 0, 0, 0] == 0
    again, _ = demos.cluttered_digits(images, seed=0, noise=0.0)
    np.testing.assert_array_equal(x, again)


def test_cluttered_digits_refuses_floats():
    with pytest.raises(ValueError, match=r"uint8 images \(N, H, W\).*float64 and shape \(2, 28, 28\)"):
        demos.cluttered_digits(np.zeros((2, 28, 28)))


def test_mask_scores_and_threshold():
    true = np.array([[0, 1, 1, 0]])
    scores = demos.mask_scores(np.array([[0, 1, 0, 1]]), true)
    assert scores == {"pixel_accuracy": 0.5, "iou": 1 / 3}  # 1 pixel in both, 3 in either
    images = np.array([[0.1, 0.9, 0.8, 0.3]])[..., None]
    threshold, best = demos.best_threshold(images, true)
    assert 0.3 <= threshold < 0.8 and best["iou"] == 1.0


def test_interpolate_includes_both_ends():
    codes = demos.interpolate([0, 0], [2, 4], steps=3)
    np.testing.assert_allclose(codes, [[0, 0], [1, 2], [2, 4]])


def test_autoencoder_halves_share_the_trained_layers(rng):
    model, encoder, decoder = demos.autoencoder(code_size=4, seed=0)
    assert model.shapes()[3][1] == (4,) and model.shapes()[-1][1] == (28, 28, 1)
    x = rng.random((8, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(decoder.predict(encoder.predict(x)), model.predict(x), rtol=1e-5, atol=1e-6)
    first_kernel = model.layers[0].params["kernel"].copy()
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.train_on_batch(x, x)
    assert not np.array_equal(first_kernel, encoder.layers[0].params["kernel"])  # gradients reach the encoder


def test_architecture_pictures_draw():
    small = architectures.unet((28, 28, 1), classes=2, filters=4, depth=3, padding="same")
    paper = architectures.unet()
    ax = plot.show_unet(paper)
    texts = [t.get_text() for t in ax.texts]
    assert "572²\n×1" in texts and "388²\n×2" in texts and texts.count("copy and crop") == 4
    assert len(ax.patches) == 1 + 19 + 4  # the input, 18 + 1 convolutions (the last 1×1), 4 up-convolutions
    assert "+512 = ×1024" in texts  # at the lowest join the channels double: 512 copied + 512 up-convolved
    assert "copy" in [t.get_text() for t in plot.show_unet(small).texts]  # "same" padding: nothing to crop
    models = {"unet": small, "alexnet": architectures.alexnet()}
    sizes, channels = plot.show_architecture_shapes(models)
    assert [sizes.get_title(), channels.get_title()] == ["height = width (cells)", "channels"]
    assert [t.get_text() for t in sizes.get_legend().get_texts()] == ["unet", "alexnet"]
    (unet_sizes, alexnet_sizes), (unet_channels, alexnet_channels) = sizes.get_lines(), channels.get_lines()
    # AlexNet: conv, pool, conv, pool, three convs, pool; the small U-Net: down to 28/2² and from 1 channel to 2
    assert list(alexnet_sizes.get_ydata()) == [55, 27, 27, 13, 13, 13, 13, 6]
    assert list(alexnet_channels.get_ydata()) == [64, 64, 192, 192, 384, 256, 256, 256]
    assert min(unet_sizes.get_ydata()) == 7 and list(unet_channels.get_ydata()[[0, -1]]) == [1, 2]
    fields = plot.show_receptive_fields(models)
    assert fields.get_title() == "dotted: the input's size"
    unet_fields, unet_input, alexnet_fields, alexnet_input = fields.get_lines()
    assert list(alexnet_fields.get_ydata()) == [11, 19, 51, 67, 99, 131, 163, 195]  # AlexNet's known fields
    assert list(unet_input.get_ydata()) == [28, 28] and list(alexnet_input.get_ydata()) == [224, 224]
    assert unet_fields.get_ydata()[-1] == 44 and unet_input.get_color() == unet_fields.get_color()
    rows = architectures.layer_table(models["alexnet"], print_fn=lambda text: None)
    ax = plot.show_params_and_work(rows)
    assert len(ax.patches) == 2 * 8  # 5 convolutions and 3 dense layers, two bars each
    axes = plot.show_image_grid({"a": np.zeros((3, 4, 4)), "b": np.ones((2, 4, 4, 1))})
    assert axes.shape == (2, 3) and not axes[1, 2].axison
    plt.close("all")
