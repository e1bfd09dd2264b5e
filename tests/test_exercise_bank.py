"""The notebooks' exercises: every answer in the bank passes its own check, no hint gives the
answer away, and no checking cell in a notebook states its expected answer (issue: "lessons a
student can trust alone"): a checking call's arguments are the exercise's id and names only."""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from cnnviz.exercise_bank import BANK
from cnnviz.exercises import check, solution

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("exercise_id", sorted(BANK))
def test_the_right_answer_passes_and_a_hint_hides_it(exercise_id, capsys):
    exercise = BANK[exercise_id]
    right = exercise.answer()
    assert check(exercise_id, right.tolist() if isinstance(right, np.ndarray) else right)
    for test, _ in exercise.mistakes:  # a mistake's test never matches the right answer
        assert not test(np.asarray(right, dtype=float) if exercise.kind == "array" else right, right)
    capsys.readouterr()
    assert solution(exercise_id)
    assert exercise_id in capsys.readouterr().out
    for hint in (exercise.hint, *(text for _, text in exercise.mistakes)):
        if exercise.kind == "number" and not (
            float(right).is_integer() and abs(right) < 10
        ):  # 2 is too common a word
            assert not re.search(rf"(?<![\d.]){re.escape(f'{float(right):g}')}(?![\d.])", hint), hint
        if exercise.kind == "shape":
            assert str(tuple(int(n) for n in right)) not in hint, hint


def _checking_calls(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_checking_cells_show_only_the_exercise_id_and_the_learners_names(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    seen = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for call in _checking_calls("".join(cell["source"])):
            assert len(call.args) == 2 and not call.keywords, ast.unparse(call)
            exercise_id, answer = call.args
            assert isinstance(exercise_id, ast.Constant) and isinstance(exercise_id.value, str), ast.unparse(
                call
            )
            assert isinstance(answer, ast.Name), (
                f"{notebook.stem}: {ast.unparse(call)} passes more than a name"
            )
            assert exercise_id.value in BANK, (
                f"{notebook.stem}: no exercise {exercise_id.value!r} in the bank"
            )
            seen.append(exercise_id.value)
    prefix = notebook.stem[:2] + "."
    mine = sorted(k for k in BANK if k.startswith(prefix))
    assert sorted(seen) == sorted(set(seen)), f"{notebook.stem} checks an exercise twice"
    if mine and seen:
        assert sorted(seen) == mine, (
            f"{notebook.stem}: the bank has {mine}, the notebook checks {sorted(seen)}"
        )
