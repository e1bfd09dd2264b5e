"""Self-checking exercises: each checker compares the learner's answer with cnnviz's
and, when they differ, explains the right one with the learner's numbers.

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

import numpy as np

from .sizes import formula_text, output_length

__all__ = [
    "TODO",
    "Verdict",
    "check_array",
    "check_output_size",
    "check_shape",
    "check_window",
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


def check_output_size(answer, L, K, P=0, S=1):
    """Is ``answer`` the number of window positions L' for this L, K, P, S?"""
    if answer is None:
        return Verdict(False, TODO)
    right = output_length(L, K, P, S)
    formula = formula_text(L, K, P, S)
    if answer == right:
        return Verdict(True, f"✓ Right: {formula}")
    hint = "The floor drops the cells no full window reaches; then add 1 for the first position."
    if answer == right - 1:
        hint = "Did you forget the + 1? The first window position counts too."
    elif answer == (L + 2 * P - K) / S + 1:
        hint = "Sizes are whole numbers: round the division down (⌊ ⌋) before adding 1."
    return Verdict(False, f"✗ Not quite: you answered {answer}, but {formula}. {hint}")


def check_window(answer, i, K, S=1, P=0, D=1):
    """Which input indices (0-based, in the unpadded x) does output y[i] read?

    Cells that fall in the padding are listed as well, with indices below 0 or
    at/after L; the learner's answer may list them or not: the check is on the
    set of indices i·S − P + j·D for j = 0..K−1.
    """
    if answer is None:
        return Verdict(False, TODO)
    right = [i * S - P + j * D for j in range(K)]
    start = f"i·S − P = {i}·{S} − {P} = {i * S - P}"
    if sorted(answer) == right:
        return Verdict(
            True, f"✓ Right: y[{i}] reads x at {right} (the window starts at {start}, then {K} taps)."
        )
    spacing = f" spaced {D} apart" if D > 1 else ""
    return Verdict(
        False,
        f"✗ Not quite: you answered {sorted(answer)}. The window of y[{i}] starts at "
        f"{start} and covers {K} cells{spacing}: {right}.",
    )


def check_array(answer, expected, what="the result", explanation=""):
    """Does ``answer`` equal ``expected`` (same shape, same numbers up to 1e-9)?"""
    if answer is None:
        return Verdict(False, TODO)
    answer, expected = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    if answer.shape == expected.shape and np.allclose(answer, expected, rtol=0, atol=1e-9):
        return Verdict(True, f"✓ Right: {what} is {_short(expected)}.")
    if answer.shape != expected.shape:
        return Verdict(
            False,
            f"✗ Not quite: {what} has shape {expected.shape}, your answer has shape "
            f"{answer.shape}. {explanation}",
        )
    wrong = np.argwhere(~np.isclose(answer, expected, rtol=0, atol=1e-9))
    first = tuple(int(v) for v in wrong[0])
    return Verdict(
        False,
        f"✗ Not quite: {len(wrong)} value(s) differ; at index "
        f"{first if len(first) != 1 else first[0]} {what} has {_short(expected[first])}, "
        f"you have {_short(answer[first])}. {explanation}",
    )


def check_shape(answer, expected, what="the output", explanation=""):
    """Is ``answer`` (a tuple) the shape ``expected``?"""
    if answer is None:
        return Verdict(False, TODO)
    if tuple(answer) == tuple(expected):
        return Verdict(True, f"✓ Right: {what} has shape {tuple(expected)}.")
    return Verdict(
        False, f"✗ Not quite: {what} has shape {tuple(expected)}, not {tuple(answer)}. {explanation}"
    )


def _short(a):
    a = np.asarray(a)
    if a.ndim == 0:
        v = float(a)
        return f"{v:g}"
    return np.array2string(a, precision=3, suppress_small=True, separator=", ")
