"""The exercise checks against hostile answers (issue 20, point 7): whatever a learner assigns to
``answer`` (an object whose __repr__, __array__ or __iter__ raises, a list nested 100,000 deep,
itertools.count(), range(10**12), a view of 10⁹ numbers), every check of every exercise says
calmly that it is not an answer of the right kind, within a second: no exception, no hang, no
MemoryError. Nothing here allocates the large answers it describes."""

import itertools
import time

import numpy as np
import pytest

from cnnviz.exercise_bank import BANK
from cnnviz.exercises import (
    MAX_VALUES,
    Verdict,
    check,
    check_array,
    check_output_size,
    check_shape,
    check_window,
)

WRONG_KIND = "✗ Not an answer of the right kind"


class ReprRaises:
    def __repr__(self):
        raise RuntimeError("no repr for you")


class ArrayRaises:
    shape = (3,)

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")


class IterRaises:
    def __iter__(self):
        raise RuntimeError("no iteration for you")

    def __len__(self):
        return 3


class LenRaises(list):
    def __len__(self):
        raise RuntimeError("no length for you")


class GetattrRaises:
    def __getattr__(self, name):
        raise RuntimeError(f"no {name} for you")


class LazyHuge:
    """Claims 10⁹ numbers without holding them; making its array would take 8 GB."""

    shape = (10**9,)
    array_calls = 0

    def __len__(self):
        return 10**9

    def __getitem__(self, i):
        if not 0 <= i < 10**9:
            raise IndexError(i)
        return 0.0

    def __array__(self, dtype=None, copy=None):
        LazyHuge.array_calls += 1
        raise MemoryError("8 GB")


class EndlessSequence:
    """Old-style sequence (only __getitem__) that never ends."""

    def __getitem__(self, i):
        return 1


class HostileStr(str):
    def __str__(self):
        raise RuntimeError("no str for you")

    def strip(self, *args):
        raise RuntimeError("no strip for you")


def deeply_nested(depth=100_000):
    nested = []
    for _ in range(depth):
        nested = [nested]
    return nested


DEEPLY_NESTED = deeply_nested()


def self_containing():
    loop = [1]
    loop.append(loop)
    return loop


# name -> a function making a fresh hostile answer (iterators are used up by one check)
HOSTILE = {
    "__repr__ raises": ReprRaises,
    "__array__ raises": ArrayRaises,
    "__iter__ raises": IterRaises,
    "__len__ raises": lambda: LenRaises([1, 2]),
    "__getattr__ raises": GetattrRaises,
    # made once: 60 of them took 10 s (a check reads it and never changes it)
    "nested 100,000 deep": lambda: DEEPLY_NESTED,
    "a list that contains itself": self_containing,
    "itertools.count()": itertools.count,
    "a generator without end": lambda: (n for n in itertools.count()),
    "an endless old-style sequence": EndlessSequence,
    "range(10**12)": lambda: range(10**12),
    "a view of 10⁹ numbers": lambda: np.broadcast_to(np.float64(1.0), (10**9,)),
    "a 2D view of 10⁹ numbers": lambda: np.broadcast_to(np.float32(2.0), (10**5, 10**4)),
    "a lazy object of 10⁹ numbers": LazyHuge,
    "one value too many": lambda: list(range(MAX_VALUES + 1)),
    "an array of 7 dimensions": lambda: np.zeros((1,) * 7),
    "an object array of hostile things": lambda: np.array([ReprRaises(), IterRaises()], dtype=object),
    "a dict": lambda: {"a": 1},
    "bytes": lambda: b"\x03\x04",
    "a complex number": lambda: 3 + 4j,
    "an object": object,
}

# answers that are no threat to the check, though a learner's number may then simply be wrong
ODD_BUT_READABLE = {
    "a whole number with 5,000 digits": lambda: 10**5000,
    "NaN": lambda: float("nan"),
    "infinity": lambda: np.float32("inf"),
    "a str with hostile methods": lambda: HostileStr("b"),
    "MAX_VALUES numbers": lambda: np.zeros(MAX_VALUES),
    "nested 6 deep": lambda: [[[[[[1]]]]]],
}

OLD_CHECKERS = {
    "check_output_size": lambda a: check_output_size(a, L=7, K=3, P=0, S=2),
    "check_window": lambda a: check_window(a, i=1, K=3, S=1, P=1),
    "check_array": lambda a: check_array(a, [[1.0, 2.0], [3.0, 4.0]]),
    "check_shape": lambda a: check_shape(a, (4, 3)),
}


def _timed(call, answer, capsys):
    start = time.perf_counter()
    verdict = call(answer)
    seconds = time.perf_counter() - start
    return verdict, seconds, capsys.readouterr().out


@pytest.mark.parametrize("name", HOSTILE)
def test_every_exercise_refuses_a_hostile_answer_calmly_and_at_once(name, capsys):
    for exercise_id in sorted(BANK):
        BANK[exercise_id].answer()  # computed once here, so the time below is the answer's reading
        verdict, seconds, out = _timed(lambda a, i=exercise_id: check(i, a), HOSTILE[name](), capsys)
        assert isinstance(verdict, Verdict) and not verdict, (exercise_id, out)
        assert out.startswith(WRONG_KIND), (exercise_id, out)
        assert "the checker expects" in out and len(out) < 400, (exercise_id, out)
        assert seconds < 1.0, (exercise_id, name, seconds)
    assert LazyHuge.array_calls == 0  # its size was read from its shape: its array was never asked for


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("checker", OLD_CHECKERS)
def test_the_older_checkers_refuse_a_hostile_answer_calmly_and_at_once(checker, name, capsys):
    verdict, seconds, out = _timed(OLD_CHECKERS[checker], HOSTILE[name](), capsys)
    assert isinstance(verdict, Verdict) and not verdict, out
    assert out.startswith(WRONG_KIND) or "you gave an array of shape" in out, out
    assert seconds < 1.0, seconds


@pytest.mark.parametrize("name", ODD_BUT_READABLE)
def test_odd_but_harmless_answers_get_a_verdict(name, capsys):
    for exercise_id in sorted(BANK):
        verdict, seconds, out = _timed(lambda a, i=exercise_id: check(i, a), ODD_BUT_READABLE[name](), capsys)
        assert isinstance(verdict, Verdict) and out.strip(), exercise_id
        assert seconds < 1.0, (exercise_id, name, seconds)
    for checker in OLD_CHECKERS.values():
        verdict, seconds, out = _timed(checker, ODD_BUT_READABLE[name](), capsys)
        assert isinstance(verdict, Verdict) and out.strip()
        assert seconds < 1.0


def test_the_message_says_why_an_answer_could_not_be_read(capsys):
    check("00.1", range(10**12))
    assert (
        "range(0, 1000000000000) (range), which holds more than the 10,000 values" in capsys.readouterr().out
    )
    check("03.2", deeply_nested())
    assert "which is nested more than 6 deep" in capsys.readouterr().out
    check("03.2", ReprRaises())
    assert "you gave <ReprRaises> (ReprRaises)" in capsys.readouterr().out
    check("03.3", ArrayRaises())
    assert "which could not be read" in capsys.readouterr().out


def test_array_likes_within_the_limits_are_read(capsys):
    """The limits stop only what no answer needs: a small array-like, a set of indices, a generator."""

    class Tensor:  # what a torch tensor or a pandas column offers numpy
        shape = (3,)

        def __array__(self, dtype=None, copy=None):
            return np.array([-2.0, 0.0, 1.0], dtype=np.float32)

    right = BANK["03.3"].answer()
    assert np.array_equal(right, [-2.0, 0.0, 1.0])  # the answer Tensor gives
    assert check("03.3", Tensor())
    assert check("02.2", set(BANK["02.2"].answer()))
    assert check("03.1", (n for n in BANK["03.1"].answer()))
