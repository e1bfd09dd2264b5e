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
