"""Every notebook, run the way a learner runs it: in JupyterLab, in a real browser.

For each notebook: open it in JupyterLab (Debian's chromium driven by Playwright), Run All
Cells from the Run menu, then check that no cell shows an error, that every explorer drew
its picture, and that moving one slider of each explorer changes that picture. And the
drawing pad (``cnnviz.widgets.drawing``): a stroke drawn with the mouse reaches the kernel as
an MNIST-style digit, and its Clear, Undo and eraser buttons work.

Screenshots (the page after the run and at the end, and each explorer after its slider
moved) go to ``$CNNVIZ_ARTIFACTS/browser`` when that variable is set, else to the test's
temporary folder.

The module is skipped when Playwright or a chromium executable is missing. It never
downloads a browser: install chromium from your system's packages (Debian: ``apt-get install
chromium``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import _lab
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

CHROMIUM = _lab.find_chromium()
if CHROMIUM is None:
    pytest.skip(
        "no chromium executable (looked for /usr/bin/chromium and `chromium` on PATH)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))

# Notebooks whose cells compute for minutes. nbval runs them already; here they run only with
# CNNVIZ_BROWSER_ALL=1, so that this module stays at a few minutes.
LONG_RUNNING = {  # run by nbval in every run; here only with CNNVIZ_BROWSER_ALL=1 (no explorers in them)
    "10-training-mnist.ipynb": "trains a CNN on MNIST for minutes",
    "12-architectures.ipynb": "trains a UNet and an autoencoder (50 s in JupyterLab)",
}
RUN_ALL = os.environ.get("CNNVIZ_BROWSER_ALL") == "1"


def notebook_param(notebook: Path):
    reason = LONG_RUNNING.get(notebook.name)
    marks = (
        [pytest.mark.skip(reason=f"{reason}; set CNNVIZ_BROWSER_ALL=1 to run it")]
        if reason and not RUN_ALL
        else []
    )
    return pytest.param(notebook, id=notebook.stem, marks=marks)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """``jupyter lab`` serving a copy of notebooks/ (the run notebooks are never saved back)."""
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in NOTEBOOK_FILES:
        shutil.copy(notebook, root / notebook.name)
    with _lab.LabServer(root, tmp_path_factory.mktemp("lab-state")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(lab, chromium):
    return chromium


@pytest.fixture
def artifacts(tmp_path):
    """Where screenshots go: ``$CNNVIZ_ARTIFACTS/browser`` if the variable is set, else tmp_path."""
    folder = os.environ.get("CNNVIZ_ARTIFACTS")
    if not folder:
        return tmp_path
    path = Path(folder) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def console():
    """The browser's error messages (shown with a failure, not failing a test by themselves)."""
    return []


@pytest.fixture
def page(browser, lab, console):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))
    page.on("console", lambda m: console.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    yield page
    page.close()
    lab.shutdown_kernels()


@pytest.mark.parametrize("notebook", [notebook_param(n) for n in NOTEBOOK_FILES])
def test_notebook_runs_in_jupyterlab(notebook, lab, page, console, artifacts):
    _lab.open_notebook(page, lab, notebook.name)
    _lab.run_all(
        page, _lab.code_cell_count(notebook), timeout=(1200_000 if notebook.name in LONG_RUNNING else 180_000)
    )
    page.screenshot(path=str(artifacts / f"{notebook.stem}-run.png"), full_page=True)
    found = _lab.problems(page)
    assert not found, f"{notebook.name} in JupyterLab:\n" + "\n".join(found + console)

    # as many explorers as the stored outputs show (when the notebook is stored with outputs)
    explorers = page.locator(".cnnviz-explorer")
    if _lab.has_outputs(notebook):
        expected = _lab.stored_explorer_count(notebook)
        assert explorers.count() == expected, (
            f"{notebook.name}: {explorers.count()} explorers, expected {expected}"
        )

    unchanged = []
    for k in range(explorers.count()):
        explorer = explorers.nth(k)
        kind = _lab.explorer_kind(explorer)
        before = _lab.wait_for_picture(explorer)
        slider = _lab.slider_to_move(explorer)
        assert slider.count() == 1, f"{notebook.name}: {kind} has no slider to move"
        _lab.press_right(slider)
        after = _lab.wait_for_new_picture(explorer, before)
        explorer.screenshot(path=str(artifacts / f"{notebook.stem}-{k + 1}-{kind}.png"))
        if after is None:
            unchanged.append(kind)
        elif kind == "TrainingExplorer" and not _trains_one_batch(explorer, after):
            unchanged.append(f"{kind} after 'one batch'")
    page.screenshot(path=str(artifacts / f"{notebook.stem}-end.png"), full_page=True)
    assert not unchanged, f"{notebook.name}: the picture did not change after moving a slider of {unchanged}"
    assert not _lab.problems(page), _lab.problems(page)


def _trains_one_batch(explorer, src: str) -> bool:
    """Press a TrainingExplorer's "one batch": its picture (loss, kernels) and its panel must change."""
    panel = explorer.locator(".cnnviz-explanation")
    text = panel.inner_text()
    explorer.locator(".cnnviz-control-batch").click()
    changed = _lab.wait_for_new_picture(explorer, src) is not None
    return (
        changed
        and panel.inner_text() != text
        and "new = old − learning rate × gradient" in panel.inner_text()
    )


# -- the drawing pad: drawn on with the mouse --------------------------------------------------------

PAD_NOTEBOOK_CELLS = [
    "import numpy as np\n"
    "from ipywidgets import Button, HBox, Label\n"
    "from cnnviz.widgets.drawing import DrawingPad\n"
    "\n"
    "pad = DrawingPad(live_ms=0)  # only when the pen is lifted: the counts below are strokes\n"
    "pad.add_class('probe-pad')\n"
    "status = Label('strokes=0')\n"
    "status.add_class('probe-status')\n"
    "strokes = []\n"
    "\n"
    "\n"
    "def report(change):\n"
    "    if change['name'] == 'value':\n"
    "        strokes.append(change['new'])\n"
    "    digit = pad.value\n"
    "    rows, cols = digit.any(axis=1).sum(), digit.any(axis=0).sum()\n"
    "    status.value = f'strokes={len(strokes)} ink={digit.sum() > 0} rows={rows} cols={cols} eraser={pad.eraser}'\n"
    "\n"
    "\n"
    "pad.observe(report, names=['value', 'eraser'])\n"
    "# Python draws on the pad: a horizontal bar, rows 13-14 and columns 4-23\n"
    "bar = np.zeros((28, 28))\n"
    "bar[13:15, 4:24] = 1.0\n"
    "show = Button(description='show a bar')\n"
    "show.add_class('probe-show')\n"
    "show.on_click(lambda _: setattr(pad, 'value', bar))",
    "pad",
    "HBox([status, show])",
]


# the red level (0..255) of the pad's canvas at pixel (x, y)
PIXEL_JS = "([x, y]) => document.querySelector('.probe-pad canvas').getContext('2d').getImageData(x, y, 1, 1).data[0]"


def pad_notebook(path: Path, sources=None) -> None:
    """A notebook of the code cells ``sources`` (default: the drawing pad's)."""
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
        for source in (PAD_NOTEBOOK_CELLS if sources is None else sources)
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")


def test_drawing_pad_draws_with_the_mouse_and_the_kernel_sees_the_digit(lab, page, console, artifacts):
    from playwright.sync_api import expect

    notebook = lab.root / "drawing-pad-check.ipynb"
    pad_notebook(notebook)
    _lab.open_and_run(page, lab, notebook, console)

    pad = page.locator(".probe-pad")
    status = page.locator(".probe-status")
    canvas = pad.locator("canvas.cnnviz-pad-canvas")
    expect(canvas).to_be_visible(timeout=30_000)
    for tool in ("width", "eraser", "undo", "clear"):
        expect(pad.locator(f".cnnviz-pad-{tool}")).to_have_count(1)
    expect(status).to_have_text("strokes=0")

    # one vertical stroke, top to bottom, in 25 mouse moves: the kernel hears once
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(x + 3, box["y"] + box["height"] - 40, steps=25)
    page.mouse.up()
    expect(status).to_have_text(re.compile(r"^strokes=1 ink=True rows=20 cols=[1-4] "), timeout=20_000)
    pad.screenshot(path=str(artifacts / "drawing-pad-stroke.png"))

    pad.locator(".cnnviz-pad-clear").click()
    expect(status).to_have_text(re.compile(r"^strokes=2 ink=False rows=0 cols=0 "), timeout=20_000)
    pad.locator(".cnnviz-pad-undo").click()  # the stroke comes back
    expect(status).to_have_text(re.compile(r"^strokes=3 ink=True rows=20 "), timeout=20_000)

    pad.locator(".cnnviz-pad-eraser").click()  # the button reaches the kernel, and it shows
    expect(status).to_have_text(re.compile(r"eraser=True$"), timeout=20_000)
    expect(pad.locator(".cnnviz-pad-eraser")).to_have_class(re.compile("mod-active"))
    page.mouse.move(x - 60, box["y"] + 40)  # an eraser stroke across the top of the "1"
    page.mouse.down()
    page.mouse.move(x + 60, box["y"] + 100, steps=10)
    page.mouse.up()
    expect(status).to_have_text(re.compile(r"^strokes=4 ink=True rows=20 "), timeout=20_000)
    pad.screenshot(path=str(artifacts / "drawing-pad-erased.png"))

    # Python sets the value: the pad shows it (white where the bar is, black where the "1" was)
    page.locator(".probe-show").click()
    expect(status).to_have_text(re.compile(r"^strokes=5 ink=True rows=2 cols=20 "), timeout=20_000)
    page.wait_for_function(f"xy => ({PIXEL_JS})(xy) === 255", arg=[140, 140], timeout=20_000)
    assert page.evaluate(PIXEL_JS, [140, 40]) == 0
    pad.screenshot(path=str(artifacts / "drawing-pad-from-python.png"))
    pad.locator(".cnnviz-pad-undo").click()  # Undo goes back to the drawing before it
    expect(status).to_have_text(re.compile(r"^strokes=6 ink=True rows=20 "), timeout=20_000)

    pad.screenshot(path=str(artifacts / "drawing-pad-end.png"))
    page.screenshot(path=str(artifacts / "drawing-pad-page.png"), full_page=True)
    _lab.assert_page_clean(page, console)


# -- the network explorer: draw, click, upload -----------------------------------------------------

NETWORK_NOTEBOOK_CELLS = [
    "import numpy as np\n"
    "from ipywidgets import Label\n"
    "from cnnviz.pretrained import load_lecture_cnn\n"
    "from cnnviz.widgets import Conv2DStepExplorer, NetworkExplorer\n"
    "\n"
    "blank = np.zeros((3, 28, 28), np.uint8)\n"
    "explorer = NetworkExplorer(load_lecture_cnn(), images=blank, labels=[0, 0, 0])\n"
    "status = Label('')\n"
    "status.add_class('probe-prediction')\n"
    "explorer.pad.observe(lambda ch: setattr(status, 'value', f'predicted={explorer.probabilities.argmax()}'), 'value')\n"
    "# where cell (10, 12) of conv2d's map 3 is drawn, in pixels of the picture's PNG\n"
    "X, Y = explorer.picture.pixel_of(0, (10, 12, 3))\n"
    "target = Label(f'{X:.1f},{Y:.1f}')\n"
    "_ = target.add_class('probe-target')",
    "explorer",
    "status",
    "target",
    "steps = Conv2DStepExplorer()\n"
    "out_ax = steps.click_geometry()[1]\n"
    "SX, SY = steps.pixel_of(out_ax, 1, 1)  # output cell (1, 1): step 3\n"
    "step_target = Label(f'{SX:.1f},{SY:.1f}')\n"
    "step_target.add_class('probe-step-target')\n"
    "steps",
    "step_target",
]


def test_network_explorer_draw_click_and_upload_in_the_browser(lab, page, console, artifacts, tmp_path):
    import io

    import numpy as np
    import PIL.Image
    from playwright.sync_api import expect

    notebook = lab.root / "network-explorer-check.ipynb"
    pad_notebook(notebook, NETWORK_NOTEBOOK_CELLS)
    _lab.open_and_run(page, lab, notebook, console)

    explorer = page.locator(".cnnviz-NetworkExplorer")
    picture = explorer.locator(".cnnviz-picture img")
    before = _lab.wait_for_picture(explorer)
    canvas = explorer.locator("canvas.cnnviz-pad-canvas")
    expect(canvas).to_be_visible(timeout=30_000)

    # draw a 1 with the mouse: one vertical stroke, slowly. The picture follows the pen: it
    # changes while the button is still down (the pad sends the stroke so far every 100 ms);
    # after release the kernel predicts 1 and the picture shows the finished stroke
    box = canvas.bounding_box()
    middle = box["x"] + box["width"] / 2
    top, bottom = box["y"] + 25, box["y"] + box["height"] - 25
    page.mouse.move(middle, top)
    page.mouse.down()
    for k in range(1, 9):  # halfway down in 8 moves, 60 ms apart
        page.mouse.move(middle + k / 8, top + k * (bottom - top) / 16)
        page.wait_for_timeout(60)
    while_drawing = _lab.wait_for_new_picture(explorer, before)
    explorer.screenshot(path=str(artifacts / "network-explorer-while-drawing.png"))
    page.mouse.move(middle + 2, bottom, steps=8)
    page.mouse.up()
    assert while_drawing is not None, "the picture did not follow the pen before the button was released"
    expect(page.locator(".probe-prediction")).to_have_text("predicted=1", timeout=20_000)
    drawn = _lab.wait_for_new_picture(explorer, while_drawing)
    assert drawn is not None, "the picture did not change after drawing"
    explorer.screenshot(path=str(artifacts / "network-explorer-drawn-1.png"))

    # click cell (10, 12) of conv2d's map 3 (a cell is about 1.3 screen pixels: ±1 cell is the
    # mouse's rounding): its arithmetic appears in the panel
    tx, ty = (float(v) for v in page.locator(".probe-target").inner_text().split(","))
    _lab.click_picture_at(picture, tx, ty)
    panel = explorer.locator(".cnnviz-explanation")
    expect(panel).to_contain_text("conv2d (Conv2D) at (", timeout=20_000)
    text = panel.inner_text()
    row, col, channel = (
        int(v) for v in re.search(r"conv2d \(Conv2D\) at \((\d+), (\d+), (\d+)\)", text).groups()
    )
    assert abs(row - 10) <= 1 and abs(col - 12) <= 1 and channel == 3, text
    assert "sum of the products" in text
    assert f"receptive field in the image: rows {row - 1}..{row + 1}, columns {col - 1}..{col + 1}" in text
    clicked = _lab.wait_for_new_picture(explorer, drawn)
    assert clicked is not None, "the picture did not outline the selection"
    explorer.screenshot(path=str(artifacts / "network-explorer-clicked.png"))

    # upload a photo of a 7 (dark ink on light paper): converted, shown, the selection kept
    photo = np.full((120, 90, 3), 230, np.uint8)
    photo[15:25, 15:75] = 40
    for r in range(25, 105):
        c = 70 - (r - 25) // 3
        photo[r, c - 5 : c + 5] = 40
    path = tmp_path / "seven.png"
    buffer = io.BytesIO()
    PIL.Image.fromarray(photo).save(buffer, format="png")
    path.write_bytes(buffer.getvalue())
    with page.expect_file_chooser() as chooser:  # the FileUpload's hidden <input type=file>
        explorer.locator(".cnnviz-upload").click()
    chooser.value.set_files(str(path))
    expect(explorer).to_contain_text("the upload seven.png (converted: original → grey → inverted → mnist_style)",
                                      timeout=20_000)  # fmt: skip
    expect(explorer.locator(".cnnviz-conversion")).to_be_visible()
    expect(panel).to_contain_text(f"conv2d (Conv2D) at ({row}, {col}, 3) = ")
    assert _lab.wait_for_new_picture(explorer, clicked) is not None
    explorer.screenshot(path=str(artifacts / "network-explorer-uploaded.png"))
    expect(explorer.locator(".cnnviz-message")).to_have_text("")

    # "why this class?": the saliency of the predicted class appears over the input, with its scale
    explorer.locator(".cnnviz-control-why select").select_option(label="the predicted class")
    expect(explorer.locator("img.cnnviz-why, .cnnviz-why img").first).to_be_visible(timeout=20_000)
    expect(explorer.locator(".cnnviz-why-note")).to_contain_text("most sensitive")
    explorer.screenshot(path=str(artifacts / "network-explorer-why.png"))

    # the step explorer: a click on output cell (1, 1) jumps to step 3
    steps = page.locator(".cnnviz-Conv2DStepExplorer")
    steps_before = _lab.wait_for_picture(steps)
    sx, sy = (float(v) for v in page.locator(".probe-step-target").inner_text().split(","))
    _lab.click_picture_at(_lab.picture(steps), sx, sy)
    expect(steps.locator(".cnnviz-control-step .widget-readout").first).to_have_text("3", timeout=20_000)
    assert _lab.wait_for_new_picture(steps, steps_before) is not None
    steps.screenshot(path=str(artifacts / "conv2d-step-clicked.png"))

    page.screenshot(path=str(artifacts / "network-explorer-page.png"), full_page=True)
    _lab.assert_page_clean(page, console)


TRAINING_NOTEBOOK_CELLS = [
    "import numpy as np\n"
    "from cnnviz import keras\n"
    "from cnnviz.widgets import TrainingExplorer\n"
    "\n"
    "model = keras.models.Sequential([\n"
    "    keras.layers.Conv2D(8, 3, activation='relu', input_shape=(28, 28, 1)),\n"
    "    keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')], seed=0)\n"
    "model.compile(optimizer=keras.optimizers.SGD(0.05), loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
    "x = np.random.default_rng(0).random((200, 28, 28, 1)).astype(np.float32)\n"
    "y = np.arange(200) % 10\n"
    "explorer = TrainingExplorer(model, x, y, batch_size=32)",
    "explorer",
]


def test_training_explorer_trains_one_batch_in_the_browser(lab, page, console, artifacts):
    """Press "one batch": the picture changes (loss, kernels) and the panel writes out the weight's update."""
    from playwright.sync_api import expect

    notebook = lab.root / "training-explorer-check.ipynb"
    pad_notebook(notebook, TRAINING_NOTEBOOK_CELLS)
    _lab.open_and_run(page, lab, notebook, console)
    explorer = page.locator(".cnnviz-TrainingExplorer")
    before = _lab.wait_for_picture(explorer)
    panel = explorer.locator(".cnnviz-explanation")
    expect(panel).to_contain_text("Train one batch to see what a step does to it")
    explorer.locator(".cnnviz-control-batch").click()
    expect(panel).to_contain_text("new = old − learning rate × gradient =", timeout=20_000)
    after = _lab.wait_for_new_picture(explorer, before)
    assert after is not None, "the picture did not change after one batch"
    explorer.screenshot(path=str(artifacts / "training-explorer-one-batch.png"))
    explorer.locator(".cnnviz-control-epoch").click()
    assert _lab.wait_for_new_picture(explorer, after) is not None, "the picture did not change after an epoch"
    explorer.screenshot(path=str(artifacts / "training-explorer-one-epoch.png"))
    _lab.assert_no_problems(page, console)
