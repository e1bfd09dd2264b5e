"""Self-checking exercises.

``check("05.2", answer)`` is how a notebook checks an exercise: the exercise's answer,
hints and explanation live in ``cnnviz.exercise_bank``, out of the learner's sight. A wrong
answer gets a hint that says what to reconsider without giving the answer away; a right
one gets the explanation; ``solution("05.2")`` shows the answer when the learner asks.

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

import numbers

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
    wrong kind (text for a number, a number for a shape) is told what kind is expected.
    """
    exercise = _exercise(exercise_id)
    if answer is None:
        return Verdict(False, TODO)
    right = exercise.answer()
    given, kind_message = _parse(exercise, answer)
    if kind_message:
        return Verdict(False, kind_message)
    if _same(exercise.kind, given, right, answer):
        return Verdict(True, f"✓ Right. {exercise.explain(right)}")
    hint = next((text for test, text in exercise.mistakes if _safe(test, given, right)), exercise.hint)
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


def _parse(exercise, answer):
    """(the answer in the exercise's kind, None), or (None, a message saying what kind was expected)."""
    kind = exercise.kind
    if kind == "number":
        number = _as_number(answer)
        return (
            (number, None)
            if number is not None
            else (None, _kind(answer, "a number, like 5 (without quotes)"))
        )
    if kind in ("shape", "indices"):
        if kind == "shape" and isinstance(answer, np.ndarray) and answer.ndim > 1:
            return (
                None,
                f"✗ Not an answer of the right kind: you gave an array of shape {answer.shape}; the answer is a shape, a tuple of sizes (use .shape).",
            )
        values = _as_indices(answer, sort=kind == "indices")
        expected = (
            "a shape: a tuple of whole sizes, like (4, 3)"
            if kind == "shape"
            else "a list of whole numbers, like [2, 3, 4]"
        )
        return (values, None) if values is not None else (None, _kind(answer, expected))
    if kind == "choice":
        text = str(answer).strip().lower() if isinstance(answer, str) else None
        if text not in exercise.choices:
            return None, _kind(answer, f"one of {list(exercise.choices)}, as text in quotes")
        return text, None
    try:  # "array"
        values = np.asarray(answer)
        if values.dtype.kind not in "biuf":
            raise ValueError
        return values.astype(float), None
    except (ValueError, TypeError):
        return None, _kind(answer, "numbers: a number, a list of numbers or a numpy array")


def _same(kind, given, right, raw):
    if kind == "number":
        rtol, _ = _tolerance(np.asarray(raw).dtype)
        return bool(np.isclose(given, float(right), rtol=rtol, atol=rtol * max(abs(float(right)), 1.0)))
    if kind == "shape":
        return tuple(given) == tuple(int(n) for n in right)
    if kind == "indices":
        return given == sorted(int(n) for n in right)
    if kind == "choice":
        return given == right
    right = np.asarray(right, dtype=float)
    rtol, _ = _tolerance(np.asarray(raw).dtype)
    atol = rtol * max(float(np.max(np.abs(right), initial=0.0)), 1.0)
    return given.shape == right.shape and bool(np.allclose(given, right, rtol=rtol, atol=atol))


def _safe(test, given, right):
    """Whether a mistake's test matches; a test that cannot handle this answer does not."""
    try:
        return bool(test(given, right))
    except Exception:
        return False


def check_output_size(answer, L, K, P=0, S=1):
    """Is ``answer`` the number of window positions L' for this L, K, P, S?"""
    if answer is None:
        return Verdict(False, TODO)
    number = _as_number(answer)
    if number is None:
        return Verdict(False, _kind(answer, "a whole number, like 5 (without quotes)"))
    right = output_length(L, K, P, S)
    formula = formula_text(L, K, P, S)
    if number == right:
        return Verdict(True, f"✓ Right: {formula}")
    hint = "The floor drops the cells no full window reaches; then add 1 for the first position."
    if number == right - 1:
        hint = "Did you forget the + 1? The first window position counts too."
    elif number == (L + 2 * P - K) / S + 1:
        hint = "Sizes are whole numbers: round the division down (⌊ ⌋) before adding 1."
    return Verdict(False, f"✗ Not quite: you answered {_short(number)}, but {formula}. {hint}")


def check_window(answer, i, K, S=1, P=0, D=1, L=None):
    """Which input indices (0-based, in the unpadded x) does output y[i] read?

    Cells that fall in the padding have indices below 0 (or at/after L); the
    learner's answer may list them or leave them out: the check is on the
    indices i·S − P + j·D for j = 0..K−1, with or without those in the padding.
    """
    if answer is None:
        return Verdict(False, TODO)
    indices = _as_indices(answer, sort=True)
    if indices is None:
        return Verdict(False, _kind(answer, "a list of whole indices, like [2, 3, 4]"))
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
        f"✗ Not quite: you answered {indices}. The window of y[{i}] starts at "
        f"{start} and covers {K} cells{spacing}: {right}.",
    )


def check_array(answer, expected, what="the result", explanation=""):
    """Does ``answer`` equal ``expected``: the same shape, and the same numbers up to rounding?

    The tolerance suits the answer's precision: float32 and float16 answers are
    compared to about 6 (3) significant digits, others to about 9, with a small
    absolute floor for values near 0; the verdict says which.
    """
    if answer is None:
        return Verdict(False, TODO)
    try:
        answer_array = np.asarray(answer)
        if answer_array.dtype.kind not in "biuf":
            raise ValueError
        answer_array = answer_array.astype(float)
    except (ValueError, TypeError):
        return Verdict(False, _kind(answer, "numbers: a number, a list of numbers or a numpy array"))
    expected = np.asarray(expected, dtype=float)
    rtol, digits = _tolerance(np.asarray(answer).dtype)
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
    if isinstance(answer, np.ndarray) and answer.ndim > 1:
        return Verdict(
            False,
            f"✗ Not quite: you gave an array of shape {answer.shape}; the answer is a shape, a tuple of sizes (use .shape).",
        )
    sizes = _as_indices(answer)
    if sizes is None:
        return Verdict(False, _kind(answer, "a shape: a tuple of whole sizes, like (4, 3)"))
    if tuple(sizes) == tuple(expected):
        return Verdict(True, f"✓ Right: {what} has shape {tuple(expected)}.")
    return Verdict(
        False, f"✗ Not quite: {what} has shape {tuple(expected)}, not {tuple(sizes)}. {explanation}"
    )


def _as_number(answer):
    """A real number from a number (or a 0-d / one-element array); None for anything else."""
    if isinstance(answer, (bool, str, bytes)):
        return None
    try:
        value = np.asarray(answer)
    except (ValueError, TypeError):
        return None
    if value.size != 1 or value.dtype.kind not in "iuf":
        return None
    return float(value.reshape(()))


def _as_indices(answer, sort=False):
    """A list of whole numbers from a list, tuple or 1D array (sorted if asked); None for anything else."""
    if isinstance(answer, (str, bytes, numbers.Number)) or not hasattr(answer, "__iter__"):
        return None
    try:
        values = [_as_number(v) for v in answer]
    except TypeError:
        return None
    if not all(v is not None and np.isfinite(v) and v == round(v) for v in values):
        return None
    whole = [round(v) for v in values]
    return sorted(whole) if sort else whole


def _kind(answer, expected):
    """The verdict for an answer of the wrong kind: what was received, and what is expected."""
    shown = repr(answer) if len(repr(answer)) < 60 else repr(answer)[:57] + "..."
    return f"✗ Not an answer of the right kind: you gave {shown} ({type(answer).__name__}); the checker expects {expected}."


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
        v = float(a)
        return f"{v:.{digits}g}"
    return np.array2string(a, precision=3, suppress_small=True, separator=", ")
