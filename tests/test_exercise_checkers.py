"""The exercise checkers never raise, whatever a student types, and explain what kind of answer
they expected; right answers in float32 or with large values pass; the findings of the wrong-use
review, one by one."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnviz.exercises import Verdict, check_array, check_output_size, check_shape, check_window

# anything a student might type into `answer = ...`
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.complex_numbers(allow_nan=True),
)
answers = st.recursive(
    scalars | hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=8,
)

CHECKS = [
    lambda a: check_output_size(a, L=7, K=3, P=0, S=2),
    lambda a: check_window(a, i=1, K=3, S=1, P=1),
    lambda a: check_array(a, [[1.0, 2.0], [3.0, 4.0]]),
    lambda a: check_array(a, 0.1),
    lambda a: check_shape(a, (4, 3)),
]


@pytest.mark.parametrize("check", range(len(CHECKS)))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # capsys is read after each example
@given(answer=answers)
def test_a_checker_never_raises(check, answer, capsys):
    verdict = CHECKS[check](answer)
    assert isinstance(verdict, Verdict)
    assert capsys.readouterr().out.strip()  # it always says something


def test_float32_and_large_answers_are_right_within_their_precision(capsys):
    assert check_array(np.float32(0.1), 0.1)
    assert check_array(np.float32([1e6 + 0.5, 3.25]), [1e6 + 0.5, 3.25])
    assert check_array(1e200, 1e200)
    assert not check_array(0.1001, 0.1)
    assert "compared to about 9 significant digits" in capsys.readouterr().out


def test_the_window_may_leave_out_the_padding(capsys):
    assert check_window([0, 1], i=0, K=3, P=1)  # the docstring allows leaving out the padded cell
    assert check_window([-1, 0, 1], i=0, K=3, P=1)
    assert check_window((5, 6), i=3, K=3, S=2, P=1, L=7)  # x[7] is in the padding of a 7-cell x
    assert not check_window([0, 1, 2], i=0, K=3, P=1)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: check_shape(np.zeros((4, 5, 3)), (4, 5, 3)), "you gave an array of shape (4, 5, 3)"),
        (lambda: check_shape(6, (6,)), "expects a shape: a tuple of whole sizes"),
        (lambda: check_window(3, i=0, K=3), "expects a list of whole indices"),
        (
            lambda: check_output_size("3", L=7, K=3, S=2),
            "you gave '3' (str); the checker expects a whole number",
        ),
    ],
)
def test_an_answer_of_the_wrong_kind_is_explained(call, expected, capsys):
    assert not call()
    assert expected in capsys.readouterr().out


def test_a_number_in_any_numeric_form_is_accepted(capsys):
    assert check_output_size(np.int64(3), L=7, K=3, S=2)
    assert check_output_size(3.0, L=7, K=3, S=2)
    assert check_shape((4.0, 3), (4, 3)) and check_shape(np.array([4, 3]), (4, 3))


# -- counts are exact, and no example in a message is an answer (issue 20, point 10) ------------------


def test_a_count_must_be_given_exactly_whatever_its_dtype(capsys):
    from cnnviz.exercise_bank import BANK
    from cnnviz.exercises import check

    right = BANK["00.1"].answer()
    assert isinstance(right, int)
    assert not check("00.1", np.float32(right + 4))  # float32's ~2e-5 tolerance let ±8 pass here
    assert not check("00.1", right + 0.5)  # a count is a whole number
    assert not check("00.1", np.float64(right) + 1e-6)
    assert check("00.1", np.float32(right)) and check("00.1", float(right)) and check("00.1", np.int32(right))
    assert check("00.1", np.array([right]))
    for exercise_id, exercise in BANK.items():  # every count in the bank, one off in float32 and float64
        count = exercise.answer()
        if exercise.kind == "number" and isinstance(count, int):
            for off in (np.float32(count) + np.float32(max(1, count * 2e-5)), np.float64(count) + 1):
                assert not check(exercise_id, off), (exercise_id, off)


def test_a_number_may_be_typed_correctly_rounded_but_not_roughly(capsys):
    from cnnviz.exercise_bank import BANK
    from cnnviz.exercises import check

    right = BANK["09.1"].answer()  # 3 − 0.05·26/3 = 2.5666...
    assert check("09.1", 2.5667) and check("09.1", 2.567) and check("09.1", right)
    assert "to the digits you typed" in check("09.1", 2.567).message
    assert check("09.1", 2.57)  # three significant digits are enough
    assert "at least three significant digits" in check("09.1", 2.6).message
    for wrong in (2.6, 2.5666, 2.566, 2.56):  # fewer than 3 digits kept, or rounded the wrong way
        assert not check("09.1", wrong), wrong
    assert "not rounded correctly" in check("09.1", 2.5666).message
    for exercise_id, exercise in BANK.items():  # every non-whole number answer, to 4 significant digits
        value = exercise.answer()
        if exercise.kind == "number" and not isinstance(value, int) and value != 0:
            typed = float(f"{value:.4g}")
            assert check(exercise_id, typed), (exercise_id, typed)


def _examples(text):
    """Every example a message shows: what follows "like " (a number, a tuple or a list)."""
    import ast
    import re

    found = re.findall(r"\blike (\([^)]*\)|\[[^\]]*\]|-?\d+(?:\.\d+)?)", text)
    return [ast.literal_eval(example) for example in found]


def _forms(value):
    """An answer or example as comparable forms: a float, its flat values, and sorted."""
    flat = np.ravel(np.asarray(value, dtype=float)).tolist()
    return {tuple(flat), tuple(sorted(flat))}


def test_no_example_in_any_message_is_an_exercises_answer(capsys):
    from cnnviz.exercise_bank import BANK
    from cnnviz.exercises import check

    wrong_kinds = ["text", 3, (1, 2), [[1, 2], [3, 4]], {"a": 1}, object(), np.zeros((2, 2)), "b"]
    for exercise_id in BANK:
        for answer in wrong_kinds:
            check(exercise_id, answer)
    for answer in wrong_kinds:
        for call in CHECKS:
            call(answer)
    examples = _examples(capsys.readouterr().out)
    assert {repr(e) for e in examples} >= {"17", "(2, 9)", "[1, 5, 6]"}  # a number, a shape, indices
    answers = set()
    for exercise in BANK.values():
        right = exercise.answer()
        if exercise.kind != "choice":
            answers |= _forms(right)
    for example in examples:
        assert not (_forms(example) & answers), f"the example {example!r} is an exercise's answer"
