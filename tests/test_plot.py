"""The plot package's one calling convention, its step pictures' numbers, and Explorer.hold(), headless."""

import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from _headless import close_figures  # noqa: F401  (Agg, and figures closed after each test)

import cnnviz
from cnnviz import demos, ops, plot, widgets


def test_num_writes_short_numbers_with_a_true_minus():
    assert [plot.num(v) for v in (3.0, -0.0, 0.25, -1.5, 2.0 / 3)] == ["3", "0", "0.25", "−1.5", "0.67"]
    assert plot.num(-2, wrap=True) == "(−2)" and plot.num(2, wrap=True) == "2"
    assert plot.num(-np.inf) == "−∞" and plot.num(0.5, fmt="{:.2f}") == "0.50"
    assert plot.style.grid_format([1, 2, np.inf]) == "{:.0f}" and plot.style.grid_format([0.5]) == "{:.2f}"


def test_a_grid_of_exact_eighths_is_written_with_three_decimals():
    """An average of 2×2 cells of 0.5 and 0: 0.125 is written as it is, not rounded to 0.12."""
    _, ax = plt.subplots()
    plot.show_grid([[0.125, 0.25], [0.5, 0.375]], ax=ax)
    written = {t.get_text() for t in ax.texts}
    assert {"0.125", "0.250", "0.500", "0.375"} <= written
    assert plot.style.grid_format([1 / 3, 0.125]) == "{:.2f}"  # not all exact at three: two decimals


def test_importing_plot_needs_neither_pyplot_nor_ipywidgets():
    code = "import sys, cnnviz.plot; print('matplotlib.pyplot' in sys.modules, 'ipywidgets' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_given_axes_are_drawn_on_and_returned():
    fig, axes = plt.subplots(1, 3)
    assert plot.show_grid([[1, 2], [3, 4]], ax=axes[0]) is axes[0]
    assert plot.show_kernel([[1, -1]], ax=axes[1]) is axes[1]
    assert plot.show_output_size(L=7, K=3, ax=axes[2]) is axes[2]
    assert len(fig.axes) == 3  # nothing new was made


def test_pictures_with_several_axes_fill_a_subfigure_and_return_its_axes():
    fig = plt.figure()
    top, bottom = fig.subfigures(2, 1)
    maps = plot.show_feature_maps(np.zeros((4, 4, 3)), fig=top)
    grid = plot.show_image_grid({"a": np.zeros((2, 4, 4))}, fig=bottom)
    assert len(maps) == 3 and all(ax in top.axes for ax in maps)
    assert grid.shape == (1, 2) and all(ax in bottom.axes for ax in grid.ravel())
    assert len(plt.get_fignums()) == 1


def test_the_cnn_pipeline_returns_its_axes():
    bank = np.zeros((3, 3, 1, 2))
    axes = plot.show_cnn_pipeline(np.zeros((8, 8)), bank)
    assert len(axes) == 1 + 2 * 2 + 3 and axes[0].get_title() == "input (8, 8, 1)"


def test_conv1d_step_shows_a_dilated_window_with_cnnviz_numbers():
    x, w = np.arange(9.0), [1.0, 0.0, -1.0]
    step = plot.Conv1DStep(x, w, D=2, P=1).set(2)
    y = cnnviz.conv1d(x, w, padding=1, dilation_rate=2)
    np.testing.assert_array_equal(step.y[0], y)
    assert step.window.get_width() == 5  # D·(K − 1) + 1 cells
    assert [tap.get_x() + 0.5 for tap in step.taps] == [2, 4, 6]  # start i·S, then every D-th cell
    assert step.title.get_text() == f"y[2] = 1·1 + 0·3 + (−1)·5 = {plot.num(y[2])}"


def test_conv2d_and_pool_steps_accept_keras_padding_forms():
    x = np.arange(16.0).reshape(4, 4)
    conv = plot.Conv2DStep(x, np.ones((3, 3)), P="same")
    np.testing.assert_array_equal(conv.y, cnnviz.conv2d(x, np.ones((3, 3)), padding="same"))
    pool = plot.Pool2DStep(x, K=3, S=1, P=(1, 0))  # one row above and below, no columns
    assert pool.pads == ((1, 1), (0, 0)) and pool.y.shape == (4, 2)


def test_batchnorm_picture_gives_the_batch_statistics():
    batch = demos.bn_activations(count=8)
    y, cache = ops.batchnorm_forward(batch, np.ones(4), np.zeros(4), 1e-3)
    before, after = plot.show_batchnorm_channel(
        batch, y, 1, cache["mean"][1], cache["var"][1], 1.0, 0.0, 1e-3, population=batch
    )
    assert f"μ_B = {cache['mean'][1]:.3f}" in before.get_title()
    assert "m = N·26·26 = 5408 values" in before.get_title()
    assert after.get_title().endswith(f"variance {y[..., 1].var():.3f}")  # 0.999: ε = 1e-3 in the denominator


def test_bn_activations_live_in_demos_and_are_still_reachable_from_widgets():
    assert widgets.bn_activations is demos.bn_activations
    assert demos.bn_activations(count=3).shape == (3, 26, 26, 4)


def count_full_draws(explorer, monkeypatch):
    calls = []
    original = explorer._draw_full
    monkeypatch.setattr(explorer, "_draw_full", lambda: calls.append(1) or original())
    return calls


def test_hold_changes_several_controls_and_draws_once(monkeypatch):
    explorer = widgets.Conv1DExplorer()
    calls = count_full_draws(explorer, monkeypatch)
    with explorer.hold():
        explorer.controls["K"].value = 4
        explorer.controls["S"].value = 2
        assert explorer.held and not calls
    assert not explorer.held and len(calls) == 1
    assert explorer.picture.window.get_width() == 4 and explorer.picture.S == 2


def test_a_preset_and_a_new_image_are_each_drawn_once(monkeypatch):
    kernels = widgets.ImageKernelExplorer()
    calls = count_full_draws(kernels, monkeypatch)
    kernels.controls["kernel"].value = "sharpen"
    assert not calls and kernels.controls["kernel"].value == "sharpen"  # one light picture: see test_widgets
    pixels = widgets.PixelExplorer()
    calls = count_full_draws(pixels, monkeypatch)
    pixels.controls["image"].value = "digit (28×28, uint8)"
    assert len(calls) == 1 and pixels.controls["row"].value == 27


def test_float_slider_has_the_explorers_look():
    slider = widgets.float_slider("γ", 1.0, -2.0, 3.0)
    assert (slider.min, slider.max, slider.step, slider.layout.width) == (-2.0, 3.0, 0.1, "340px")


def test_channels_are_drawn_dark_at_zero_with_a_colour_bar():
    img = np.zeros((4, 4, 3), np.uint8)
    img[0, 0] = 255
    axes = plot.show_channels(img)
    for ax in axes:
        image = ax.get_images()[0]
        assert image.get_clim() == (0, 255)
        assert tuple(image.cmap(0.0)[:3]) == (0.0, 0.0, 0.0)  # 0 is dark in every channel
        assert image.colorbar is not None
    assert tuple(axes[0].get_images()[0].cmap(1.0)[:3]) == (1.0, 0.0, 0.0)


def test_the_current_output_cell_is_framed_without_a_sign_colour():
    step = plot.Conv1DStep([1.0, 2.0, 3.0, 4.0], [1.0, -1.0]).set(1)
    cell = step.output.cell
    assert not cell.get_fill() and matplotlib.colors.same_color(cell.get_edgecolor(), "black")
    pool = plot.Pool2DStep(np.arange(16.0).reshape(4, 4)).set(1, 0)
    assert not pool.output.cell.get_fill()


def test_conv1d_step_adds_the_bias_to_the_output_and_the_sum():
    x = np.array([[1, 0], [2, 1], [0, 3], [1, 1]])
    w = np.stack([[[1, 0], [0, 1]], [[1, 1], [-1, -1]]], axis=-1)
    step = plot.Conv1DStep(x, w, o=1, b=[0, 1]).set(1)
    np.testing.assert_array_equal(step.y.T, cnnviz.conv1d(x, w, [0, 1]))
    assert step.title.get_text().endswith("plus the bias b[1] = 1: y[1, 1] = 1")


def test_the_cnn_pipeline_names_its_kernels_on_one_scale_centred_at_zero():
    bank = np.stack([np.eye(3), -2 * np.eye(3)], axis=-1)[:, :, None, :]
    fig = plt.figure()
    plot.show_cnn_pipeline(np.ones((8, 8)), bank, fig=fig, names=["a", "b"])
    kernels = [ax for ax in fig.axes if ax.get_title() in ("a", "b")]
    assert len(kernels) == 2
    assert {ax.get_images()[0].get_clim() for ax in kernels} == {(-2.0, 2.0)}
    maps = [ax.get_images()[0].get_clim() for ax in fig.axes if ax.get_images() and ax not in kernels][1:]
    assert len(set(maps)) == 1 and maps[0][0] == 0  # every map and the flat vector: one scale from 0
