"""Screenshots of a few explorers, as a learner sees them in JupyterLab, for the README.

    python images/make_screenshots.py

Needs playwright (in requirements.txt) and a chromium from the system (Debian: ``apt-get
install chromium``); no browser is downloaded. It runs a private ``jupyter lab`` on a copy of
the notebooks (see tests/_lab.py, shared with the browser tests), runs each notebook, moves
a slider a few steps, and saves the explorer, cropped to its content, into images/.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import _lab  # noqa: E402  (lives in tests/, put on the path above)

# notebook, explorer class, {control: steps to the right}, file name in images/
SHOTS = [
    ("02-convolution-case1.ipynb", "Conv1DExplorer", {"i": 3}, "explorer-conv1d.png"),
    ("05-convolution-case4.ipynb", "ImageKernelExplorer", {}, "explorer-image-kernel.png"),
    ("07-max-pooling.ipynb", "PoolStepExplorer", {"step": 4}, "explorer-pooling.png"),
]


def trim(path: Path, margin: int = 8) -> None:
    """Cut the white space around the picture, keeping a small margin."""
    image = Image.open(path).convert("RGB")
    pixels = np.asarray(image)
    rows, cols = np.nonzero((pixels < 250).any(axis=2))
    if rows.size:
        box = (
            max(cols.min() - margin, 0),
            max(rows.min() - margin, 0),
            min(cols.max() + margin + 1, image.width),
            min(rows.max() + margin + 1, image.height),
        )
        image = image.crop(box)
    image.save(path, optimize=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = _lab.find_chromium()
    if chromium is None:
        sys.exit("no chromium found (looked for /usr/bin/chromium and `chromium` on PATH)")
    with tempfile.TemporaryDirectory(prefix="cnnviz-shots-") as tmp:
        root, state = Path(tmp, "notebooks"), Path(tmp, "state")
        root.mkdir()
        state.mkdir()
        for notebook, *_ in SHOTS:
            shutil.copy(ROOT / "notebooks" / notebook, root / notebook)
        with _lab.LabServer(root, state) as lab, sync_playwright() as playwright:
            browser = _lab.launch_chromium(playwright, chromium)
            for notebook, kind, moves, name in SHOTS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                _lab.open_notebook(page, lab, notebook)
                _lab.run_all(page, _lab.code_cell_count(ROOT / "notebooks" / notebook))
                problems = _lab.problems(page)
                if problems:
                    sys.exit(f"{notebook}: " + "\n".join(problems))
                explorer = page.locator(f".cnnviz-explorer.cnnviz-{kind}").first
                src = _lab.wait_for_picture(explorer)
                for control, steps in moves.items():
                    slider = explorer.locator(f".cnnviz-control-{control}.widget-slider")
                    for _ in range(steps):
                        _lab.press_right(slider)
                        src = _lab.wait_for_new_picture(explorer, src)
                        if src is None:
                            sys.exit(f"{notebook}: {kind}'s picture did not change when {control} moved")
                page.evaluate("document.activeElement?.blur()")  # no focus outline on the slider
                explorer.scroll_into_view_if_needed()
                out = ROOT / "images" / name
                explorer.screenshot(path=str(out))
                trim(out)
                print(f"wrote images/{name}")
                page.close()
                lab.shutdown_kernels()
            browser.close()


if __name__ == "__main__":
    main()
