"""Exercises 02.4, 03.4 and 04.4 ask for a number that an explorer shows: the bank's answer is
what the explorer draws for the controls the exercise names."""

import matplotlib

matplotlib.use("Agg")
import pytest

from cnnviz.exercise_bank import BANK
from cnnviz.widgets import Conv1DExplorer


@pytest.mark.parametrize(
    ("exercise_id", "case", "controls", "cell"),
    [
        ("02.4", 1, {"K": 4, "i": 3}, (0, 3)),
        ("03.4", 2, {"mix": "channel 0 minus channel 1", "i": 5}, (0, 5)),
        ("04.4", 3, {"mix": "sum and difference", "o": 0, "i": 2}, (0, 2)),
    ],
)
def test_the_answer_is_what_the_explorer_shows(exercise_id, case, controls, cell):
    explorer = Conv1DExplorer(case=case)
    with explorer.hold():
        for name, value in controls.items():
            explorer.controls[name].value = value
    assert explorer.values["taps"] == "edge: +1 … −1" and explorer.values["K"] == controls.get("K", 3)
    assert explorer.picture.y[cell] == BANK[exercise_id].answer()
    shown = [t.get_text() for t in explorer.picture.output.texts[cell[0]] if t.get_visible()]
    assert shown[-1] == f"{BANK[exercise_id].answer():g}".replace("-", "−")


def test_08_5_is_what_the_batchnorm_explorer_shows():
    """08.5 asks for the mean and variance in the right histogram's title for γ = −2, β = 1, ε = 1e-5."""
    from cnnviz.widgets import BatchNormExplorer

    explorer = BatchNormExplorer()
    with explorer.hold():
        for name, value in {
            "gamma": -2.0,
            "beta": 1.0,
            "epsilon": 1e-5,
            "N": 8,
            "channel": 3,
            "seed": 0,
        }.items():
            explorer.controls[name].value = value
    title = explorer._canvas.figure.axes[1].get_title()
    mean, variance = BANK["08.5"].answer()
    assert f"mean {mean:.3f}, variance {variance:.3f}" in title, title


def test_08_5_asks_for_more_than_beta_and_gamma():
    """The variance is γ² (not γ, nor |γ|), and the learner's rounding of it is matched to a hint."""
    mean, variance = BANK["08.5"].answer()
    assert (mean, variance) == (1.0, 4.0)
