"""Self-checking exercises.

``check("05.2", answer)`` is how a notebook checks an exercise: the exercise's answer,
hints and explanation live in ``cnnviz.exercise_bank``, out of the learner's sight. A wrong
answer gets a hint that says what to reconsider without giving the answer away; a right
one gets the explanation; ``solution("05.2")`` shows the answer when the learner asks.

Whatever a learner assigns to ``answer`` is read within limits (``MAX_VALUES`` numbers,
nested at most ``MAX_DEPTH`` deep) before anything else, so an endless generator,
``range(10**12)`` or an object whose ``__repr__`` raises gets a calm "not an answer of the
right kind" at once. A count (an exercise whose answer is a whole number) must be given
exactly; other numbers are compared to the precision of the answer's dtype.

The older checkers below compare an answer with a value given in the call and, when they
differ, explain the right one with the learner's numbers; ``check`` uses their parsing.

Every checker prints one verdict, so a notebook cell reads
``check_output_size(answer, L=7, K=3, P=0, S=2)``. An answer still left as
``None`` gets a reminder instead of a verdict. Each returns a ``Verdict``,
which is truthy when the answer was right and shows nothing in a notebook.

>>> verdict = check_output_size(3, L=7, K=3, P=0, S=2)
✓ Right: L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3
>>> verdict = check_output_size(4, L=7, K=3, P=0, S=2)
✗ Not quite: you answered 4, but L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3. The floor drops the cells no full window reaches; then add 1 for the first position.
>>> bool(verdict)
False
"""

from __future__ import annotations

import itertools
import math
import numbers
import reprlib
import warnings
from collections.abc import Mapping
from functools import partial

import numpy as np

from .exercise_bank import BANK
from .sizes import formula_text, output_length

__all__ = [
    "TODO",
    "Verdict",
    "check",
    "check_array",
    "check_output_size",
    "check_shape",
    "check_window",
    "solution",
]


TODO = "… replace None with your answer and run the cell again."


class Verdict:
    """The result of a check: ``bool(verdict)`` is whether the answer was right.

    It has no text of its own (the checker already printed its explanation), so a
    notebook cell that ends with a check shows only that explanation.
    """

    def __init__(self, right: bool, message: str):
        self.right, self.message = right, message
        print(message)

    def __bool__(self):
        return self.right

    def _ipython_display_(self):  # IPython shows nothing more than the printed verdict
        pass

    def __repr__(self):
        return ""


def check(exercise_id, answer):
    """Check the answer to exercise ``exercise_id`` ("NN.k"); prints a verdict and returns it.

    Right: ✓ and why. Wrong: ✗ and what to reconsider (never the answer). An answer of the
    wrong kind (text for a number, a number for a shape) is told what kind is expected, as
    is one that cannot be read within ``MAX_VALUES`` numbers nested ``MAX_DEPTH`` deep.
    A count (an exercise whose answer is a whole number) must be given exactly; another number
    may be typed correctly rounded, to at least three significant digits.
    """
    exercise = _exercise(exercise_id)
    if answer is None:
        return Verdict(False, TODO)
    right = exercise.answer()
    try:
        given, kind_message = _parse(exercise, answer, right)
        same = kind_message is None and _same(exercise.kind, given, right)
    except Exception:  # the last guard: whatever an answer is, the learner gets a verdict
        given, kind_message = None, _kind(answer, _expected(exercise, right), "it could not be read")
    if kind_message:
        return Verdict(False, kind_message)
    if same:
        return Verdict(True, f"✓ Right. {exercise.explain(right)}")
    if exercise.kind == "number" and _rounded_from(given, right):
        return Verdict(True, f"✓ Right, to the digits you typed. {exercise.explain(right)}")
    if exercise.kind == "array":
        given = given.astype(float)  # mistakes compare float arrays
    hint = next((text for test, text in exercise.mistakes if _safe(test, given, right)), None)
    if hint is None and exercise.kind == "number" and _rounded_from(given, right, least=2):
        hint = "Right as far as it goes: give at least three significant digits, or the calculation itself."
    if hint is None and exercise.kind == "number" and _near_miss(given, right):
        hint = (
            "Close, but not rounded correctly. Round the last digit you keep by the digit after it, "
            "or write the calculation itself and let Python do the arithmetic."
        )
    hint = hint or exercise.hint
    return Verdict(False, f"✗ Not yet: {hint} (To see the answer: solution({exercise_id!r}).)")


def solution(exercise_id):
    """The answer to exercise ``exercise_id`` and why, for when you are stuck."""
    exercise = _exercise(exercise_id)
    right = exercise.answer()
    shown = tuple(int(n) for n in right) if exercise.kind == "shape" else right
    return Verdict(
        True,
        f"Answer to {exercise_id}: {_short(shown) if exercise.kind == 'array' else shown}. {exercise.explain(right)}",
    )


def _exercise(exercise_id):
    if exercise_id not in BANK:
        prefix = str(exercise_id).split(".")[0]
        nearby = sorted(k for k in BANK if k.startswith(prefix + ".")) or sorted(BANK)
        raise ValueError(f"There is no exercise {exercise_id!r}; this notebook's are {nearby}.")
    return BANK[exercise_id]


# What each kind of answer looks like. The examples must never be an exercise's answer
# (tests/test_exercise_checkers.py checks every example against the bank).
EXPECTED = {
    "count": "a whole number, like 17 (without quotes)",
    "number": "a number, like 17 (without quotes)",
    "shape": "a shape: a tuple of whole sizes, like (2, 9)",
    "indices": "a list of whole numbers, like [1, 5, 6]",
    "window": "a list of whole indices, like [1, 5, 6]",
    "array": "numbers: a number, a list of numbers or a numpy array",
}


def _expected(exercise, right):
    """What an answer to ``exercise`` (whose answer is ``right``) looks like, for an answer of the wrong kind."""
    if exercise.kind == "choice":
        return f"one of {list(exercise.choices)}, as text in quotes"
    if exercise.kind == "number" and _is_whole(right):
        return EXPECTED["count"]
    return EXPECTED[exercise.kind]


def _parse(exercise, answer, right):
    """(the answer in the exercise's kind, None), or (None, a message saying what kind was expected)."""
    plain, unreadable = _read(answer)
    if unreadable:
        return None, _kind(answer, _expected(exercise, right), unreadable)
    kind, wrong_kind = exercise.kind, (None, _kind(answer, _expected(exercise, right)))
    if kind == "number":
        number = _as_number(plain)
        return (number, None) if number is not None else wrong_kind
    if kind in ("shape", "indices"):
        if kind == "shape" and isinstance(plain, np.ndarray) and plain.ndim > 1:
            return (
                None,
                f"✗ Not an answer of the right kind: you gave an array of shape {plain.shape}; the answer is a shape, a tuple of sizes (use .shape).",
            )
        values = _as_indices(plain, sort=kind == "indices")
        return (values, None) if values is not None else wrong_kind
    if kind == "choice":
        text = plain.strip().lower() if isinstance(plain, str) else None
        return (text, None) if text in exercise.choices else wrong_kind
    values = _as_array(plain)  # "array": kept in its own dtype, which sets the tolerance
    return (values, None) if values is not None else wrong_kind


def _same(kind, given, right):
    """Whether the parsed answer ``given`` is the right one: counts exactly, other numbers to their precision."""
    if kind == "number":
        if _is_whole(right):  # a count: exactly that whole number, whatever the answer's dtype
            return _whole(given) == int(right)
        rtol, _ = _tolerance(np.asarray(given).dtype)
        return bool(
            np.isclose(float(given), float(right), rtol=rtol, atol=rtol * max(abs(float(right)), 1.0))
        )
    if kind == "shape":
        return tuple(given) == tuple(int(n) for n in right)
    if kind == "indices":
        return given == sorted(int(n) for n in right)
    if kind == "choice":
        return given == right
    right = np.asarray(right)
    if given.shape != right.shape:
        return False
    if right.dtype.kind in "iu":  # whole numbers (positions, counts): exactly
        return bool(np.array_equal(given.astype(float), right))
    rtol, _ = _tolerance(given.dtype)
    atol = rtol * max(float(np.max(np.abs(right), initial=0.0)), 1.0)
    return bool(np.allclose(given.astype(float), right.astype(float), rtol=rtol, atol=atol))


def _rounded_from(given, right, least=3):
    """Whether ``given`` is ``right`` correctly rounded to the decimals it was typed with (at least
    ``least`` significant digits): 2.567 for 2.56666..., but not 2.6, and not 2.566.
    """
    if _is_whole(right) or not np.isfinite(float(given)):
        return False
    typed = repr(float(given))  # the shortest text that gives this float back: what was typed
    if "e" in typed:
        return False
    typed = typed.rstrip("0").rstrip(".") if "." in typed else typed  # 3.0 was typed as 3
    decimals = len(typed.split(".")[1]) if "." in typed else 0
    significant = len(typed.replace("-", "").replace(".", "").lstrip("0"))
    return significant >= least and float(given) == round(float(right), decimals)


def _near_miss(given, right):
    """Whether ``given`` is within 0.1% of a (non-whole) ``right``: a slip of rounding, not of method."""
    return not _is_whole(right) and bool(abs(float(given) - float(right)) <= 1e-3 * abs(float(right)))


def _safe(test, given, right):
    """Whether a mistake's test matches; a test that cannot handle this answer does not."""
    try:
        return bool(test(given, right))
    except Exception:
        return False


def check_output_size(answer, L, K, P=0, S=1):
    """Is ``answer`` the number of window positions L' for this L, K, P, S?"""
    number, refusal = _read_as(answer, _as_number, "count")
    if refusal is not None:
        return refusal
    right = output_length(L, K, P, S)
    formula = formula_text(L, K, P, S)
    if _whole(number) == right:
        return Verdict(True, f"✓ Right: {formula}")
    hint = "The floor drops the cells no full window reaches; then add 1 for the first position."
    if _whole(number) == right - 1:
        hint = "Did you forget the + 1? The first window position counts too."
    elif _isclose(number, (L + 2 * P - K) / S + 1):
        hint = "Sizes are whole numbers: round the division down (⌊ ⌋) before adding 1."
    return Verdict(False, f"✗ Not quite: you answered {_short(number)}, but {formula}. {hint}")


def check_window(answer, i, K, S=1, P=0, D=1, L=None):
    """Which input indices (0-based, in the unpadded x) does output y[i] read?

    Cells that fall in the padding have indices below 0 (or at/after L); the
    learner's answer may list them or leave them out: the check is on the
    indices i·S − P + j·D for j = 0..K−1, with or without those in the padding.
    """
    indices, refusal = _read_as(answer, partial(_as_indices, sort=True), "window")
    if refusal is not None:
        return refusal
    right = [i * S - P + j * D for j in range(K)]
    real = [v for v in right if v >= 0 and (L is None or v < L)]  # without the padding's cells
    start = f"i·S − P = {i}·{S} − {P} = {i * S - P}"
    if indices in (right, real):
        padded = f" ({len(right) - len(real)} of them in the padding)" if real != right else ""
        return Verdict(
            True, f"✓ Right: y[{i}] reads x at {right}{padded} (the window starts at {start}, then {K} taps)."
        )
    spacing = f" spaced {D} apart" if D > 1 else ""
    return Verdict(
        False,
        f"✗ Not quite: you answered {_show(indices)}. The window of y[{i}] starts at "
        f"{start} and covers {K} cells{spacing}: {right}.",
    )


def check_array(answer, expected, what="the result", explanation=""):
    """Does ``answer`` equal ``expected``: the same shape, and the same numbers up to rounding?

    The tolerance suits the answer's precision: float32 and float16 answers are
    compared to about 5 (3) significant digits, others to about 9, with a small
    absolute floor for values near 0; the verdict says which.
    """
    given, refusal = _read_as(answer, _as_array, "array")
    if refusal is not None:
        return refusal
    answer_array = given.astype(float)
    expected = np.asarray(expected, dtype=float)
    rtol, digits = _tolerance(given.dtype)
    atol = rtol * max(float(np.max(np.abs(expected), initial=0.0)), 1.0)
    if answer_array.shape == expected.shape and np.allclose(answer_array, expected, rtol=rtol, atol=atol):
        return Verdict(True, f"✓ Right: {what} is {_short(expected)}.")
    if answer_array.shape != expected.shape:
        return Verdict(
            False,
            f"✗ Not quite: {what} has shape {expected.shape}, your answer has shape "
            f"{answer_array.shape}. {explanation}",
        )
    wrong = np.argwhere(~np.isclose(answer_array, expected, rtol=rtol, atol=atol))
    first = tuple(int(v) for v in wrong[0])
    where = f"at index {first if len(first) != 1 else first[0]} " if first else ""
    return Verdict(
        False,
        f"✗ Not quite ({digits}): {len(wrong)} value(s) differ; {where}{what} has "
        f"{_short(expected[first], 8)}, you have {_short(answer_array[first], 8)}. {explanation}",
    )


def check_shape(answer, expected, what="the output", explanation=""):
    """Is ``answer`` (a tuple of sizes) the shape ``expected``?"""
    if answer is None:
        return Verdict(False, TODO)
    plain, unreadable = _read(answer)
    if isinstance(plain, np.ndarray) and plain.ndim > 1:
        return Verdict(
            False,
            f"✗ Not quite: you gave an array of shape {plain.shape}; the answer is a shape, a tuple of sizes (use .shape).",
        )
    sizes = None if unreadable else _as_indices(plain)
    if sizes is None:
        return Verdict(False, _kind(answer, EXPECTED["shape"], unreadable))
    if tuple(sizes) == tuple(expected):
        return Verdict(True, f"✓ Right: {what} has shape {tuple(expected)}.")
    return Verdict(
        False, f"✗ Not quite: {what} has shape {tuple(expected)}, not {_show(tuple(sizes))}. {explanation}"
    )


# -- reading an answer safely ------------------------------------------------------------------------
# A learner may type anything: a generator that never ends, range(10**12), a list nested a
# hundred thousand deep, an object whose __repr__ or __array__ raises, a view of 10⁹ numbers.
# ``_read`` turns an answer into plain values (numbers, text, small numpy arrays, tuples of
# them) and stops at these limits, so that every checker answers at once and calmly.
MAX_VALUES = 10_000  # no exercise's answer holds more numbers; more are not read
MAX_DEPTH = 6  # nor is one nested deeper (an image (H, W, C) is 3 deep)
OPAQUE = object()  # stands for a value that is neither a number, text nor a sequence


class _Unreadable(Exception):
    """An answer that cannot be read within the limits; its text says why, for the learner."""


def _read_as(answer, convert, kind):
    """``(the answer converted, None)``, or ``(None, the verdict)`` when there is none yet or it is
    of the wrong kind (``convert`` gives None), or cannot be read; ``kind`` keys ``EXPECTED``."""
    if answer is None:
        return None, Verdict(False, TODO)
    plain, unreadable = _read(answer)
    value = None if unreadable else convert(plain)
    if value is None:
        return None, Verdict(False, _kind(answer, EXPECTED[kind], unreadable))
    return value, None


def _read(answer):
    """``(the answer as plain values, None)``, or ``(None, why it cannot be read)``."""
    try:
        return _plain(answer, [MAX_VALUES], 0), None
    except _Unreadable as why:
        return None, str(why)
    except (RecursionError, MemoryError, OverflowError):
        return None, "it is too large to read"
    except Exception:  # its own __len__, __iter__ or __array__ raised
        return None, "it could not be read"


def _plain(answer, budget, depth):
    """``answer`` as a number, a str, None, OPAQUE, a numpy array or a tuple of plain values.

    ``budget`` is a one-item list: how many values may still be read. A value uses one, an
    array its size; nothing larger than what is left is ever copied or iterated.
    """
    _spend(budget, 1)
    if answer is None or isinstance(answer, (bool, np.bool_)):
        return answer if answer is None else bool(answer)
    if isinstance(answer, str):
        return str.__str__(answer)  # a plain str, whatever subclass this is
    if isinstance(answer, np.generic) and answer.dtype.kind != "O":
        return answer  # a numpy scalar keeps its dtype (float32 answers get float32's tolerance)
    if isinstance(answer, numbers.Integral):
        return int(answer)  # exactly, however large
    if isinstance(answer, numbers.Real):
        return float(answer)  # a Fraction, say
    if isinstance(answer, (numbers.Number, bytes, bytearray, Mapping)):
        return OPAQUE  # complex numbers, bytes and dicts are no kind of answer here
    if not isinstance(answer, np.ndarray) and hasattr(answer, "__array__"):
        # an array-like (a tensor, a pandas column): its stated shape first, then numpy reads it
        shape = getattr(answer, "shape", None)
        if isinstance(shape, tuple) and all(isinstance(n, numbers.Integral) for n in shape):
            _spend(budget, math.prod(int(n) for n in shape) - 1)
        with warnings.catch_warnings():  # e.g. numpy 2's note on __array__'s arguments
            warnings.simplefilter("ignore")
            answer = np.asarray(answer)
    if isinstance(answer, np.ndarray):
        if answer.ndim > MAX_DEPTH:
            raise _Unreadable(f"it has {answer.ndim} dimensions; an answer has at most {MAX_DEPTH}")
        if answer.dtype.kind != "O":
            _spend(budget, answer.size - 1)  # before the copy: a view of 10⁹ numbers stops here
            return np.array(answer)  # a plain copy (no subclass) of at most MAX_VALUES numbers
        if answer.ndim == 0:
            return _plain(answer[()], budget, depth)  # an object in a 0-d array
    if depth >= MAX_DEPTH:
        raise _Unreadable(f"it is nested more than {MAX_DEPTH} deep")
    if not (hasattr(answer, "__iter__") or hasattr(answer, "__getitem__")):
        return OPAQUE
    if hasattr(answer, "__len__"):
        _spend(budget, len(answer), dry=True)  # range(10**12) says its length at once
    items = list(itertools.islice(iter(answer), budget[0] + 1))  # itertools.count() stops here
    _spend(budget, len(items), dry=True)
    return tuple(_plain(item, budget, depth + 1) for item in items)


def _spend(budget, n, dry=False):
    """Use ``n`` of the values an answer may still have (only check, with ``dry``), or refuse."""
    if n > budget[0]:
        raise _Unreadable(f"it holds more than the {MAX_VALUES:,} values an answer may have")
    if not dry:
        budget[0] -= n


def _is_whole(value):
    """Whether ``value`` is an integer type (a count): int or numpy integer, not bool."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def _whole(value):
    """``value`` as an int when it is a whole number (3 or 3.0); None otherwise (3.5, inf, NaN)."""
    if _is_whole(value):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _isclose(a, b):
    try:
        return bool(np.isclose(float(a), float(b)))
    except (TypeError, ValueError, OverflowError):
        return False


def _as_number(plain):
    """A real number from a plain answer: a number, or one number in a list or array; None otherwise.

    Whole numbers stay ints (any size) and numpy scalars keep their dtype.
    """
    while isinstance(plain, tuple) and len(plain) == 1:
        plain = plain[0]
    if isinstance(plain, (int, np.integer)) and not isinstance(plain, (bool, np.bool_)):
        return plain
    if isinstance(plain, (float, np.floating)):
        return plain
    if isinstance(plain, np.ndarray) and plain.size == 1 and plain.dtype.kind in "iuf":
        return plain.reshape(())[()]
    return None


def _as_indices(plain, sort=False):
    """A list of whole numbers from a plain list, tuple or 1D array (sorted if asked); None otherwise."""
    if isinstance(plain, np.ndarray):
        plain = tuple(plain) if plain.ndim == 1 else None
    if not isinstance(plain, tuple):
        return None
    whole = [_whole(v) for v in (_as_number(v) for v in plain)]
    if any(v is None for v in whole):
        return None
    return sorted(whole) if sort else whole


def _as_array(plain):
    """A numeric numpy array (in its own dtype) from a plain answer; None for text, OPAQUE or ragged lists."""
    try:
        values = np.asarray(plain)
    except (ValueError, TypeError, OverflowError):
        return None
    return values if values.dtype.kind in "biuf" else None


def _show(answer):
    """A short text for any answer, even one whose __repr__ raises or that never ends."""
    try:
        text = _SHOWN.repr(answer)
    except Exception:
        text = f"<{type(answer).__name__}>"
    return text if len(text) < 60 else text[:57] + "..."


class _ShortRepr(reprlib.Repr):
    """reprlib's short reprs (lists cut after a few items and levels), and ``<Type>`` when __repr__ raises."""

    def repr_instance(self, x, level):
        try:
            text = repr(x)
        except Exception:
            return f"<{type(x).__name__}>"
        return text if len(text) <= self.maxother else text[: self.maxother - 3] + "..."


_SHOWN = _ShortRepr()
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlong = 3, 50, 60, 40


def _kind(answer, expected, why=None):
    """The verdict for an answer of the wrong kind: what was received, and what is expected."""
    why = f", which {why.removeprefix('it ')}" if why else ""
    return (
        f"✗ Not an answer of the right kind: you gave {_show(answer)} ({type(answer).__name__}){why}; "
        f"the checker expects {expected}."
    )


def _tolerance(dtype):
    """Relative tolerance for an answer of this dtype, and how to say it."""
    if dtype == np.float16:
        return 1e-3, "compared to about 3 significant digits"
    if dtype == np.float32:
        return 1e-5, "compared to about 5 significant digits"
    return 1e-9, "compared to about 9 significant digits"


def _short(a, digits=6):
    a = np.asarray(a)
    if a.ndim == 0:
        try:
            return f"{float(a):.{digits}g}"
        except OverflowError:  # a whole number larger than any float
            return "a number with more than 300 digits"
    return np.array2string(a, precision=3, suppress_small=True, separator=", ")
