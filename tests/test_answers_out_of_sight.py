"""No exercise's answer is in sight before the exercise (issue 21, "no answer in plain sight").

For every exercise in ``cnnviz.exercise_bank`` of the notebooks in ``NOTEBOOKS_CHECKED``, the
answer (``Exercise.answer()``) must not be written anywhere a student reads before answering:
the markdown and code of that notebook up to and including the checking cell, the stored text
outputs of the cells before it, and every cell and text output of the earlier notebooks.
(Pictures are not read here: a number drawn in a PNG is not found.)

Only answers that cannot occur by chance are checked; the rule (``distinctive``):

* a whole number, unless it is one of the few numbers that every notebook writes anyway
  (``COMMON``: −16 to 16, and sizes like 28, 32, 64, 128, 255); so every number of 3 digits
  or more, bar those, and most of 2 digits;
* a number with a fraction, when it has at least 3 significant digits (0.667, not 0.5);
  a text number matches when it has at least 3 significant digits and equals the answer
  rounded to the decimals the text shows;
* several numbers (a shape, a list of indices, an array), when they are not all equal and
  there are at least 3 of them or at least 3 digits among them ((16, 8), not (7, 1));
  they match when they stand in a row in the text with only separators between them
  (spaces, commas, brackets), as ``print`` writes a tuple, a list or a numpy array;
* a choice ("a", "b") never: a letter occurs everywhere. Multiple-choice exercises should
  ask for something computed instead.

Numbers are read with or without thousands separators (97,148,480, 97148480, 97_148_480,
LaTeX's 97{,}148{,}480 and thin spaces) and with either minus sign (-2, −2).

Later helpers extend ``NOTEBOOKS_CHECKED`` as they free the later notebooks' exercises.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from cnnviz.exercise_bank import BANK, Exercise

NOTEBOOKS_CHECKED = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]

NOTEBOOK_DIR = Path(__file__).parent.parent / "notebooks"
COMMON = {*range(-16, 17), 20, 24, 25, 28, 30, 32, 50, 64, 100, 128, 255, 256, 512, 1000, 1024}
TEXT_OUTPUTS = ("text/plain", "text/markdown")  # html and latex repeat text/plain

# a number: digits with optional thousands separators, a fraction, an exponent; not part of a name
NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?")
SEPARATORS = re.compile(r"[\s,;\[\]()]+")


def _notebook(prefix):
    (path,) = NOTEBOOK_DIR.glob(f"{prefix}-*.ipynb")
    return json.loads(path.read_text())


def _outputs_text(cell):
    """The text of a cell's outputs that a student sees in JupyterLab.

    An output that carries a picture (image/png) is shown as the picture: its text/plain
    ("<Figure size 650x1500 with 144 Axes>", say) is only for viewers that cannot show images.
    """
    parts = []
    for output in cell.get("outputs", ()):
        if "text" in output:
            parts.append("".join(output["text"]))
        data = output.get("data", {})
        for kind in TEXT_OUTPUTS:
            if kind in data and not (kind == "text/plain" and "image/png" in data):
                parts.append("".join(data[kind]))
    return "\n".join(parts)


def _normalise(text):
    """One way to write a number: thousands with ',', the ASCII minus."""
    text = text.replace("−", "-").replace("{,}", ",")
    text = re.sub(r"(?<=\d)(?:\\,|[\u2009\u202f]|_)(?=\d{3})", ",", text)  # 12\,544, 12 544, 12_544
    return text


class Number:
    """A number as written in the text: its value, how many decimals and significant digits it shows."""

    def __init__(self, match):
        written = match.group().replace(",", "")
        self.value = float(written)
        mantissa = re.split(r"[eE]", written)[0].lstrip("-")
        self.decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        self.exponent = "e" in written.lower()
        self.significant = len(mantissa.replace(".", "").lstrip("0")) or 1
        self.start, self.end = match.span()

    def shows(self, x):
        """Whether this text number is ``x`` as written (a whole ``x`` exactly; else rounded alike)."""
        if float(x).is_integer():
            return self.value == float(x)
        if self.exponent:  # 1e-3 shows one digit: too few to give away anything (as for plain numbers)
            return self.significant >= 3 and math.isclose(self.value, x, rel_tol=10 ** (1 - self.significant))
        return self.significant >= 3 and abs(self.value - x) <= 0.5 * 10**-self.decimals + 1e-12


def numbers_in(text):
    return [Number(m) for m in NUMBER.finditer(_normalise(text))]


def _digits(x):
    return len(f"{abs(x):g}".replace(".", "").replace("-", "").lstrip("0")) or 1


def distinctive(exercise, right):
    """Whether ``right`` cannot occur in a text by chance (the rule in this module's docstring)."""
    if exercise.kind == "choice":
        return False
    values = np.ravel(np.asarray(right, dtype=float))
    if exercise.kind == "number" or values.size == 1:
        x = float(values[0])
        if x.is_integer():
            return int(x) not in COMMON
        return len(f"{abs(x):.6g}".replace(".", "").lstrip("0")) >= 3
    if values.size < 2 or np.all(values == values[0]):
        return False
    return values.size >= 3 or sum(_digits(v) for v in values) >= 3


def found_in(text, right):
    """Whether the answer ``right`` is written in ``text`` (alone, or as a row of numbers)."""
    values = np.ravel(np.asarray(right, dtype=float))
    tokens = numbers_in(text)
    flat = _normalise(text)
    n = len(values)
    for start in range(len(tokens) - n + 1):
        run = tokens[start : start + n]
        if all(token.shows(v) for token, v in zip(run, values)) and all(
            SEPARATORS.fullmatch(flat[a.end : b.start]) for a, b in itertools.pairwise(run)
        ):
            return True
    return False


def _what_the_student_read(exercise_id):
    """[(where, text)] that a student has read when reaching exercise ``exercise_id``."""
    prefix = exercise_id.split(".")[0]
    read = []
    for earlier in sorted(p.name[:2] for p in NOTEBOOK_DIR.glob("*.ipynb")):
        if earlier >= prefix:
            break
        for i, cell in enumerate(_notebook(earlier)["cells"]):
            read.append((f"notebook {earlier}, cell {i}", "".join(cell["source"])))
            read.append((f"notebook {earlier}, cell {i}'s output", _outputs_text(cell)))
    cells = _notebook(prefix)["cells"]
    posed = [i for i, cell in enumerate(cells) if f'check("{exercise_id}"' in "".join(cell["source"])]
    assert len(posed) == 1, f"exercise {exercise_id} should be checked in exactly one cell of notebook {prefix}"
    for i, cell in enumerate(cells[: posed[0] + 1]):
        read.append((f"notebook {prefix}, cell {i}", "".join(cell["source"])))
        if i < posed[0]:
            read.append((f"notebook {prefix}, cell {i}'s output", _outputs_text(cell)))
    return read


CHECKED = sorted(
    exercise_id
    for exercise_id, exercise in BANK.items()
    if exercise_id.split(".")[0] in NOTEBOOKS_CHECKED and distinctive(exercise, exercise.answer())
)


@pytest.mark.parametrize("exercise_id", CHECKED)
def test_no_answer_is_written_before_its_exercise(exercise_id):
    right = BANK[exercise_id].answer()
    seen = [where for where, text in _what_the_student_read(exercise_id) if found_in(text, right)]
    assert not seen, f"the answer to {exercise_id}, {np.asarray(right).tolist()}, is in sight in: {seen}"


@pytest.mark.parametrize(
    ("text", "right", "found"),
    [
        ("12,544 · 7,744 + 7,744 = 97,148,480 weights", 97_148_480, True),
        ("print(97148480)", 97_148_480, True),
        ("$12{,}544 \\cdot 7{,}744 + 7{,}744 = 97{,}148{,}480$", 97_148_480, True),
        ("assert n == 97_148_480", 97_148_480, True),
        ("971484800 and 1297148480", 97_148_480, False),
        ("shape: (16, 8)", (16, 8), True),
        ("[16 8]", (16, 8), True),
        ("16 kernels of size 8", (16, 8), False),
        ("y = [−2. 0. 1.]", [-2, 0, 1], True),
        ("p = 0.667 or 0.6667", 2 / 3, True),
        ("p = 0.7", 2 / 3, False),
        ("conv2d_320", 320, False),
        ("[5.    6.667]", [5, 20 / 3], True),
    ],
)
def test_numbers_are_found_however_they_are_written(text, right, found):
    assert found_in(text, right) == found


def test_the_text_of_a_picture_is_not_read_but_printed_text_is():
    figure = {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": ["<Figure size 650x1500 with 144 Axes>"]}}
    printed = {"output_type": "execute_result", "data": {"text/plain": ["144"]}}
    assert "144" not in _outputs_text({"outputs": [figure]})
    assert "144" in _outputs_text({"outputs": [figure, printed]})


def test_the_rule_skips_answers_that_occur_by_chance():
    number, shape, choice = (
        Exercise(id="99.1", kind=kind, answer=lambda: None, hint="", explanation="")
        for kind in ("number", "shape", "choice")
    )
    assert distinctive(number, 320) and distinctive(number, 17) and not distinctive(number, 9)
    assert not distinctive(number, 128) and not distinctive(number, 0.5) and distinctive(number, 0.622)
    assert distinctive(shape, (16, 8)) and not distinctive(shape, (7, 1)) and not distinctive(shape, (4, 4))
    assert distinctive(shape, (28, 28, 1)) and not distinctive(choice, "b")
