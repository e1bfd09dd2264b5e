"""Explorers driven headless: set a control's value, check what is drawn."""

import numpy as np
import pytest

from cnnviz import conv1d
from cnnviz.widgets import Conv1DExplorer, OutputSizeExplorer


def shown_png(explorer):
    """The PNG bytes the explorer's Output currently holds (None if it shows a message)."""
    (item,) = explorer.out.outputs
    return item["data"].get("image/png")


def test_conv1d_explorer_redraws_when_the_position_moves():
    explorer = Conv1DExplorer()
    before = explorer.png
    explorer.controls["i"].value = 3
    assert explorer.message == ""
    assert explorer.png != before
    assert shown_png(explorer) is not None


def test_conv1d_explorer_keeps_the_position_inside_the_output():
    explorer = Conv1DExplorer()
    explorer.controls["i"].value = 7
    explorer.controls["S"].value = 4  # L' = ⌊(10 − 3)/4⌋ + 1 = 2 output cells
    assert explorer.controls["i"].max == len(conv1d(explorer.x, [1, 0, -1], strides=4)) - 1 == 1
    assert explorer.controls["i"].value == 1


def test_step_buttons_move_one_cell_and_stop_at_the_ends():
    explorer = Conv1DExplorer()
    explorer.steps.previous.click()
    assert explorer.controls["i"].value == 0
    explorer.steps.next.click()
    explorer.steps.next.click()
    assert explorer.controls["i"].value == 2


def test_output_size_explorer_explains_an_impossible_setting_in_place_of_the_picture():
    explorer = OutputSizeExplorer(L=7, K=3)
    explorer.controls["K"].value = 9
    assert "L=7, K=9, P=0, S=1" in explorer.message
    assert "⌊(7 + 2·0 − 9) / 1⌋" in explorer.message
    (item,) = explorer.out.outputs
    assert "image/png" not in item["data"]
    assert "K=9" in item["data"]["text/html"]
    explorer.controls["K"].value = 3  # back to a valid setting: the picture returns
    assert explorer.message == "" and shown_png(explorer)


@pytest.mark.parametrize(("L", "K", "S"), [(7, 3, 2), (8, 4, 2), (5, 2, 3)])
def test_same_padding_in_the_explorer_gives_ceil_of_L_over_S(L, K, S):
    explorer = OutputSizeExplorer(L=L, K=K, S=S)
    explorer.controls["mode"].value = "same"
    assert explorer.controls["P"].disabled
    assert explorer.message == ""
    assert len(conv1d(np.ones(L), np.ones(K), strides=S, padding="same")) == -(-L // S)


def test_explorer_shows_a_png_to_viewers_without_a_kernel():
    bundle = Conv1DExplorer()._repr_mimebundle_()
    assert {"image/png", "application/vnd.jupyter.widget-view+json", "text/plain"} <= set(bundle)


def test_exercise_checkers_explain_a_wrong_answer(capsys):
    from cnnviz.exercises import check_array, check_output_size, check_shape, check_window

    assert not check_output_size(5, L=7, K=3, P=0, S=2)
    assert "L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3" in capsys.readouterr().out
    assert check_window([3, 4, 5], i=3, K=3)
    assert not check_window([1, 2, 3], i=1, K=3, S=2)
    assert "starts at i·S − P = 1·2 − 0 = 2" in capsys.readouterr().out.splitlines()[-1]
    assert not check_array([1, 2], [1, 3], what="y")
    assert "at index 1 y has 3, you have 2" in capsys.readouterr().out
    assert check_shape((2, 3), (2, 3)) and not check_shape((3, 2), (2, 3))
    assert not check_output_size(None, L=7, K=3)
    assert "replace None" in capsys.readouterr().out.splitlines()[-1]
