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
