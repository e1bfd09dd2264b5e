"""Every notebook, run the way a learner runs it: in JupyterLab, in a real browser.

For each notebook: open it in JupyterLab (Debian's chromium driven by Playwright), Run All
Cells from the Run menu, then check that no cell shows an error, that every explorer drew
its picture, and that moving one slider of each explorer changes that picture.

Screenshots (the page after the run and at the end, and each explorer after its slider
moved) go to ``$CNNVIZ_ARTIFACTS/browser`` when that variable is set, else to the test's
temporary folder.

The module is skipped when Playwright or a chromium executable is missing. It never
downloads a browser: install chromium from your system's packages (Debian: ``apt-get install
chromium``).
"""

from __future__ import annotations

import os
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
LONG_RUNNING = {
    "09-training-mnist.ipynb": "trains a CNN on MNIST for minutes",
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


@pytest.fixture(scope="session")
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
    page.screenshot(path=str(artifacts / f"{notebook.stem}-end.png"), full_page=True)
    assert not unchanged, f"{notebook.name}: the picture did not change after moving a slider of {unchanged}"
    assert not _lab.problems(page), _lab.problems(page)
