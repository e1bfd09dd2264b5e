"""The pictures of notebooks 05, 07 and 08 say what their legends and titles claim, headless:
compared signed panels share one scale centred at 0, histograms have a count axis, a shift by
whole windows is compared with the moved pooled map, and the new diagonal kernels find their lines."""

import numpy as np
import pytest
from _headless import close_figures  # noqa: F401  (Agg, and figures closed after each test)

import cnnviz
from cnnviz import demos, ops, plot
from cnnviz.kernels import KERNELS
from cnnviz.widgets import ShiftExplorer


def test_the_gallery_puts_signed_responses_on_one_scale_centred_at_zero_with_legends():
    img = np.random.default_rng(0).random((20, 20))
    axes = plot.show_filter_gallery(img, KERNELS, ncols=5, colorbar=True)
    limits = {
        name: ax.images[0].get_clim()
        for ax, (name, w) in zip(axes[1:], KERNELS.items())
        if abs(w.sum() - 1) > 1e-9
    }
    assert len(set(limits.values())) == 1  # one scale for every signed panel
    (low, high) = next(iter(limits.values()))
    assert low == -high > -np.inf
    labels = [ax.get_ylabel() for ax in axes[0].figure.axes]
    assert "brightness" in labels and "response (one scale, centred at 0)" in labels


def test_the_gallery_without_colour_bars_is_drawn_as_before():
    """Without colour bars: the input on its own grey scale, a brightness-keeping output clipped
    to 0 … 1, a signed output on its own scale, the row's empty slot hidden, and no legend."""
    img = np.add.outer(np.arange(8.0), np.arange(6.0) ** 2) / 40  # rows and columns both vary
    kernels = {"box blur": KERNELS["box blur"], "sobel x": KERNELS["sobel x"]}
    axes = plot.show_filter_gallery(img, kernels)
    figure_axes = axes[0].figure.axes
    assert len(figure_axes) == 4 and not figure_axes[3].axison  # input, two kernels, the row's empty slot
    assert [ax.get_title() for ax in axes] == ["input (8, 6)", "box blur", "sobel x"]
    shown = [ax.images[0] for ax in axes]
    assert all(image.colorbar is None for image in shown)
    np.testing.assert_array_equal(shown[0].get_array(), img)
    assert shown[0].get_clim() == (img.min(), img.max())  # autoscaled: not fixed to 0 … 1
    blurred = cnnviz.conv2d(img, KERNELS["box blur"], padding="same")
    np.testing.assert_allclose(shown[1].get_array(), np.clip(blurred, 0, 1), rtol=1e-12)
    assert shown[1].get_clim() == (0, 1)
    edges = cnnviz.conv2d(img, KERNELS["sobel x"], padding="same")
    np.testing.assert_allclose(shown[2].get_array(), edges, rtol=1e-12)
    top = float(np.percentile(np.abs(edges), 99.5))  # its own scale, centred at 0
    assert shown[2].get_clim() == (-top, top) and shown[2].get_cmap().name == "RdBu_r"


def test_histograms_count_on_a_log_axis():
    before = demos.bn_activations(count=2)
    after, _ = ops.batchnorm_forward(before, np.ones(4), np.zeros(4))
    axes = plot.show_histograms(before, after)
    for ax in np.ravel(axes):
        assert ax.get_yscale() == "log" and ax.get_ylabel() == "count (log scale)"


def test_batchnorm_picture_draws_the_two_means_in_different_halves():
    batch = demos.bn_activations(count=4)
    y, cache = ops.batchnorm_forward(batch, np.ones(4), np.zeros(4))
    before, _ = plot.show_batchnorm_channel(
        batch, y, 3, cache["mean"][3], cache["var"][3], 1.0, 0.0, 1e-3, population=batch
    )
    batch_line, all_line = before.get_lines()[:2]
    assert batch_line.get_ydata()[1] == 0.5 and all_line.get_ydata()[0] == 0.5


@pytest.mark.parametrize(
    ("shift", "K", "moved"), [((0, 2), 2, (0, 1)), ((3, 0), 3, (1, 0)), ((0, 1), 2, None)]
)
def test_pooled_shift_names_the_cells_a_whole_window_shift_moves(shift, K, moved):
    assert plot.pooled_shift(shift, K) == moved


def test_shift_picture_compares_a_whole_window_shift_with_the_moved_map():
    explorer = ShiftExplorer()
    explorer.controls["dx"].value = 2
    img, shifted, before, after = explorer.compute("digit 7 (28×28)", dx=2, dy=0, K=2)
    axes = plot.show_shift_pooling(img, shifted, before, after, (0, 2), 2)
    assert np.array_equal(after, np.roll(before, 1, axis=1))
    assert "moved (0, 1) cells" in axes[3].get_title() and "0 of 196 differ" in axes[3].get_title()
    axes = plot.show_shift_pooling(img, shifted, before, after, (0, 1), 2)
    assert "in place" in axes[3].get_title()


def test_diagonal_kernels_prefer_their_own_diagonal_and_the_laplacian_ignores_a_ramp():
    down, up = np.eye(7), np.eye(7)[::-1]
    assert (
        cnnviz.conv2d(down, KERNELS["diagonal line ↘"]).max()
        > cnnviz.conv2d(down, KERNELS["diagonal line ↗"]).max()
    )
    assert (
        cnnviz.conv2d(up, KERNELS["diagonal line ↗"]).max()
        > cnnviz.conv2d(up, KERNELS["diagonal line ↘"]).max()
    )
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(6.0))  # grows steadily both ways
    assert np.all(cnnviz.conv2d(ramp, KERNELS["Laplacian"]) == 0)


def test_the_gallery_can_draw_a_region_of_the_filtered_image():
    img = np.random.default_rng(1).random((40, 30))
    axes = plot.show_filter_gallery(img, {"sobel x": KERNELS["sobel x"]}, region=((10, 20), (5, 25)))
    assert axes[0].images[0].get_array().shape == (10, 20) == axes[1].images[0].get_array().shape
    whole = cnnviz.conv2d(
        img, KERNELS["sobel x"], padding="same"
    )  # filtered whole, then cut: no padding seams
    assert np.allclose(axes[1].images[0].get_array(), whole[10:20, 5:25])
    assert "rows 10–19, columns 5–24" in axes[0].get_title()
    with pytest.raises(ValueError, match=r"region=\(\(top, bottom\), \(left, right\)\) must lie inside"):
        plot.show_filter_gallery(img, {"sobel x": KERNELS["sobel x"]}, region=((0, 50), (0, 10)))


def test_the_image_kernel_explorer_has_a_colour_bar_and_shows_the_padding_per_side():
    from cnnviz.widgets import ImageKernelExplorer

    explorer = ImageKernelExplorer()
    explorer.controls["P"].value = "same"
    explorer.controls["S"].value = 2  # the 300×256 photo, K = 3, S = 2: "same" pads (0, 1) both ways
    output = explorer._canvas.figure.axes[2]
    assert "(top, bottom) = (0, 1), (left, right) = (0, 1)" in output.get_xlabel()
    labels = [ax.get_ylabel() for ax in explorer._canvas.figure.axes]
    assert "response (0: white)" in labels  # the signed output's colour bar


def test_a_comparison_without_changes_still_shows_the_grid():
    grid = np.arange(16.0).reshape(4, 4)
    ax = plot.show_changes(grid, grid)
    assert np.array_equal(ax.images[0].get_array(), grid)  # the grid, in grey
    assert not np.any(ax.images[1].get_array()[..., 3])  # no red: nothing changed


def test_same_scale_draws_every_cell_the_same_size():
    big, small = np.zeros((60, 40)), np.zeros((30, 20))
    axes = plot.show_same_scale([big, small], ["big", "small"], scale=2, dpi=100, label="value")
    for ax, a in zip(axes, (big, small)):
        box = ax.get_window_extent()
        assert box.width == pytest.approx(2 * a.shape[1]) and box.height == pytest.approx(2 * a.shape[0])
    with pytest.raises(ValueError, match="one title per array"):
        plot.show_same_scale([big], ["a", "b"])
