"""Issue 21 for notebooks 00-04: terms defined before they are used, a "you need to know" box
in every notebook, no multiple choice, hints for the near misses the text invites, and
pictures whose text can be read."""

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnviz import images, plot
from cnnviz.exercise_bank import BANK
from cnnviz.exercises import check
from cnnviz.kernels import KERNELS
from cnnviz.plot.style import FONT
from cnnviz.widgets import BatchNormExplorer, Conv1DExplorer, PixelExplorer, PoolStepExplorer

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
FIRST_FIVE = ["00", "01", "02", "03", "04"]


def _cells(prefix):
    (path,) = NOTEBOOKS.glob(f"{prefix}-*.ipynb")
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]


@pytest.mark.parametrize("prefix", FIRST_FIVE)
def test_every_notebook_opens_with_what_you_need_to_know(prefix):
    assert "**You need to know.**" in _cells(prefix)[0]


@pytest.mark.parametrize(
    "term",
    ["epoch", "Adam", "learning rate", "gradient", "backpropagation", "SGD", "MSE", "logit", "multiply-add"],
)
def test_notebook_00_defines_the_words_of_training_before_using_them(term):
    cells = _cells("00")
    words = next(i for i, text in enumerate(cells) if text.startswith("### Words you will meet"))
    used = [i for i, text in enumerate(cells[1:], start=1) if re.search(re.escape(term), text, re.IGNORECASE)]
    assert used and used[0] >= words, f"{term!r} is used in cell {used[:1]} before the words are defined in {words}"
    assert re.search(rf"\*\*{re.escape(term)}", cells[words], re.IGNORECASE), f"{term!r} is not defined"


def test_no_exercise_of_notebooks_00_to_04_is_a_multiple_choice():
    assert [k for k, e in BANK.items() if k[:2] in FIRST_FIVE and e.kind == "choice"] == []


@pytest.mark.parametrize(
    ("exercise_id", "answer", "expected"),
    [
        ("03.1", (7, 1), "one axis too many"),
        ("01.5", float(np.mean(images.photo()[250, 400])), "plain mean"),
        ("02.4", -2, "The sign"),
        ("00.2", 12_544 * 7_744 + 7_744, "2 × 2 pooling"),
    ],
)
def test_a_near_miss_gets_its_own_hint(exercise_id, answer, expected, capsys):
    assert not check(exercise_id, answer)
    assert expected in capsys.readouterr().out


def _smallest_text_in_pixels(fig):
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    return min(sizes) * fig.dpi / 72


@pytest.mark.parametrize(
    "make",
    [
        lambda: Conv1DExplorer(case=1),
        lambda: Conv1DExplorer(case=3, mix="sum and difference"),
        lambda: PoolStepExplorer(),
        lambda: BatchNormExplorer(),
        lambda: PixelExplorer(),
    ],
)
def test_an_explorers_picture_writes_no_text_smaller_than_12_pixels(make):
    explorer = make()
    assert _smallest_text_in_pixels(explorer._canvas.figure) >= 12


def test_the_cnn_pipeline_writes_its_labels_at_the_house_font_size():
    names = ("sobel x", "sobel y", "Laplacian", "sharpen")
    bank = np.stack([KERNELS[n] for n in names], axis=-1)[:, :, None, :]
    axes = plot.show_cnn_pipeline(images.digit(3) / 255.0, bank, names=names)
    fig = axes[0].figure
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    plt.close(fig)
    assert min(sizes) >= FONT
