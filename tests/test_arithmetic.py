"""Convolution arithmetic in 2D (cnnviz.plot.arithmetic) and its explorer, headless: what is drawn
follows cnnviz.sizes and cnnviz.conv2d for every K, P, S and D."""

import matplotlib
import numpy as np
import pytest
from _headless import close_figures  # noqa: F401  (Agg, and figures closed after each test)
from matplotlib.patches import Rectangle

import cnnviz
from cnnviz import plot, sizes
from cnnviz.plot.arithmetic import INPUT_COLOR, OUTPUT_COLOR, TAP_COLOR
from cnnviz.widgets import ConvArithmeticExplorer


def _patches(ax, color):
    rgba = matplotlib.colors.to_rgba(color)
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] == rgba[:3]]


@pytest.mark.parametrize(
    ("L", "K", "P", "S", "D"),
    [
        (5, 3, 0, 1, 1),
        (5, 3, 1, 2, 1),
        (7, 3, 0, 1, 2),
        (6, 4, "same", 2, 1),
        (4, 3, "full", 1, 1),
        (5, 2, "valid", 3, 2),
    ],
)
def test_conv_arithmetic_draws_the_input_the_taps_and_the_output_cnnviz_computes(L, K, P, S, D):
    ax_in, ax_out = plot.show_conv_arithmetic(L, K, P, S, D, i=0, j=0)
    before, after = plot.arithmetic_padding(P, L, K, S, D)
    L_out = sizes.output_length(L, K, (before, after), S, D)
    y = cnnviz.conv2d(np.ones((L, L)), np.ones((K, K)), padding=(before, after), strides=S, dilation_rate=D)
    assert y.shape == (L_out, L_out)
    assert len(_patches(ax_in, INPUT_COLOR)) == L * L
    taps = _patches(ax_in, TAP_COLOR)
    assert len(taps) == K * K
    # the taps sit D cells apart, starting at the window's corner
    corners = sorted({(round(p.get_x() - 0.15), round(p.get_y() - 0.15)) for p in taps})
    assert corners == sorted((v * D, u * D) for u in range(K) for v in range(K))
    assert len(_patches(ax_out, OUTPUT_COLOR)) == L_out * L_out
    assert f"{L_out}×{L_out}" in ax_out.get_title()


def test_full_padding_lets_every_tap_touch_every_cell():
    assert plot.arithmetic_padding("full", L=5, K=3, D=2) == (4, 4)
    assert sizes.output_length(5, 3, 4, 1, 2) == 5 + sizes.kernel_extent(3, 2) - 1


@pytest.mark.parametrize(
    ("L", "K", "S", "padding"), [(3, 3, 2, "valid"), (3, 3, 2, "same"), (4, 1, 2, "valid"), (2, 4, 1, "same")]
)
def test_transposed_arithmetic_draws_the_output_size_keras_gives(L, K, S, padding):
    ax_in, ax_out = plot.show_transposed_arithmetic(L, K, S, padding, i=L - 1, j=0)
    L_out = sizes.transposed_output_length(L, K, S, padding)
    assert len(_patches(ax_in, INPUT_COLOR)) == L * L
    assert len(_patches(ax_out, OUTPUT_COLOR)) == L_out * L_out
    (copy,) = _patches(ax_out, TAP_COLOR)
    assert (copy.get_x(), copy.get_y(), copy.get_width()) == (0, (L - 1) * S, K)


def test_an_output_cell_outside_the_output_is_explained():
    with pytest.raises(ValueError, match="must lie in the 3×3 output"):
        plot.show_conv_arithmetic(5, 3, i=3, j=0)


def test_conv_arithmetic_explorer_follows_its_controls_and_explains_impossible_settings():
    explorer = ConvArithmeticExplorer(L=5, K=3)
    first = explorer.png
    assert explorer.message == "" and first
    explorer.controls["D"].value = 2  # window spans 5: one position
    assert explorer.controls["cell"].max == 0
    explorer.controls["mode"].value = "same"
    assert explorer.controls["P"].disabled
    assert explorer.controls["cell"].max == 5 * 5 - 1
    explorer.controls["cell"].value = 24
    assert explorer.message == "" and explorer.png != first
    explorer.controls["mode"].value = "number"
    assert explorer.controls["cell"].max == 0  # back to one position, and the cell follows
    explorer.controls["K"].value = 6  # spans 11 > 5 cells
    assert "larger than the padded input" in explorer.message


@pytest.mark.parametrize(
    ("L", "K", "S", "D"), [(5, 4, 1, 1), (1, 2, 1, 1), (6, 2, 1, 1), (7, 4, 2, 1), (5, 2, 1, 2), (4, 3, 3, 1)]
)
def test_uneven_same_padding_draws_and_states_the_output_keras_gives(L, K, S, D):
    """Uneven "same" padding, (before, after) with after = before + 1, is applied to both axes: the
    caption's conv2d shape is the square that is drawn, ⌈L/S⌉ on each side as in Keras."""
    explorer = ConvArithmeticExplorer(L=L, K=K, S=S, D=D, padding="same")
    assert explorer.message == ""
    fig = matplotlib.figure.Figure()
    explorer.draw(fig, **explorer.values)
    keras = -(-L // S)  # Keras' "same": ⌈L / S⌉
    assert f"cnnviz.conv2d(...).shape = ({keras}, {keras})" in fig._suptitle.get_text()
    assert len(_patches(fig.axes[1], OUTPUT_COLOR)) == keras * keras


def test_transposed_arithmetic_reads_the_padding_mode_in_any_case():
    """The mode "SAME" crops where "same" does, as sizes.transposed_output_length reads it."""
    drawn = [
        sorted(
            (p.get_x(), p.get_y())
            for p in _patches(plot.show_transposed_arithmetic(2, 4, 1, mode)[1], OUTPUT_COLOR)
        )
        for mode in ("same", "SAME")
    ]
    assert drawn[0] == drawn[1]
    assert min(drawn[0]) == (1, 1)  # ⌊(K − S)/2⌋ = ⌊3/2⌋ = 1 cell cropped at the start
