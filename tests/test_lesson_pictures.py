"""The pictures of notebooks 05, 07 and 08 say what their legends and titles claim, headless:
compared signed panels share one scale centred at 0, histograms have a count axis, a shift by
whole windows is compared with the moved pooled map, and the new diagonal kernels find their lines."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import cnnviz
from cnnviz import demos, ops, plot
from cnnviz.kernels import KERNELS
from cnnviz.widgets import ShiftExplorer


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
    axes = plot.show_filter_gallery(np.ones((8, 8)), {"box blur": KERNELS["box blur"]})
    assert len(axes[0].figure.axes) == 4  # input, one kernel, two empty slots of the row


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
