"""What a learner waits for in the browser: the network explorer in JupyterLab, in headless chromium.

Run:  python benchmarks/bench_browser.py            (--n 20: strokes and clicks measured)

Needs Playwright (``pip install playwright``) and a chromium from the system (Debian:
``apt-get install chromium``); never downloads one. It starts a private ``jupyter lab`` on a
notebook of its own in a temporary folder (as tests/test_browser.py does, with tests/_lab.py),
runs it, then measures with the mouse:

- **stroke → picture**: a stroke drawn on the pad; from the mouse button's release to the
  moment the explorer's picture has its last new PNG decoded and painted (the next animation
  frame after ``img.decode()``). While the pen moves the pad already sends the stroke so far
  (every 100 ms), so a picture may still be on its way at release: the time runs until the
  picture stops changing, because that last picture is what the learner waits for;
- **click → panel and outline**: a click on a random cell of a random feature map; from the
  click to the later of the panel's new text and the picture with the outlined cell, painted.

Times are taken in the page (``performance.now()``, from the browser's own mouse events), so
Playwright's messages are not counted. The kernel's share is timed inside the kernel (the
explorer's handlers of a pad change and of a click, decode to PNG) and written to a file;
the rest is the browser's: the trip over the websocket, the PNG's decoding, the layout and
the paint. Prints the median and the worst of each, and the load average.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _timing import load_note

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _lab  # (tests/_lab.py: JupyterLab and chromium, as the browser tests use them)

QUIET_MS = 800  # no new picture for this long: the last one has arrived

# The notebook: the explorer, whose two handlers also log their own time (the kernel's share),
# and the picture's pixel of 40 random feature-map cells, for the clicks.
CELLS = [
    "import json, time\n"
    "import numpy as np\n"
    "from ipywidgets import Label\n"
    "from cnnviz.pretrained import load_lecture_cnn\n"
    "from cnnviz import widgets\n"
    "\n"
    "def logged(kind, handler):  # handler, which also appends its kernel time to kernel-times.jsonl\n"
    "    def run(*args):\n"
    "        start, cpu = time.perf_counter(), time.thread_time()\n"
    "        handler(*args)\n"
    "        ms, cpu_ms = 1e3 * (time.perf_counter() - start), 1e3 * (time.thread_time() - cpu)\n"
    "        with open('kernel-times.jsonl', 'a') as log:\n"
    "            log.write(json.dumps({'kind': kind, 'ms': ms, 'cpu': cpu_ms}) + '\\n')\n"
    "    return run\n"
    "\n"
    "class NetworkExplorer(widgets.NetworkExplorer):  # the same class name: the same CSS class\n"
    "    def _on_pad(self, change):\n"
    "        logged('stroke', super()._on_pad)(change)\n"
    "    def _on_click(self, x, y):\n"
    "        logged('click', super()._on_click)(x, y)\n"
    "\n"
    "blank = np.zeros((3, 28, 28), np.uint8)\n"
    "explorer = NetworkExplorer(load_lecture_cnn(), images=blank, labels=[0, 0, 0])\n"
    "rng = np.random.default_rng(0)\n"
    "targets = []\n"
    "for _ in range(40):\n"
    "    node = int(rng.integers(0, 4))\n"
    "    H, W, C = explorer.picture.shapes[node + 1]\n"
    "    targets.append(explorer.picture.pixel_of(node, (int(rng.integers(H)), int(rng.integers(W)), int(rng.integers(C)))))\n"
    "probe = Label(json.dumps([[float(x), float(y)] for x, y in targets]))\n"
    "_ = probe.add_class('probe-targets')",
    "explorer",
    "probe",
]

# In the page: the time of each mouse release and click, and of each new picture painted and
# panel text shown after it (capturing listeners run before the widgets' own).
WATCH_JS = """
() => {
    const explorer = document.querySelector('.cnnviz-NetworkExplorer');
    const img = explorer.querySelector('.cnnviz-picture img');
    const panel = explorer.querySelector('.cnnviz-explanation');
    const log = window.cnnvizBench = {input: 0, picture: [], panel: [], paint: [], bytes: []};
    const painted = (list) => requestAnimationFrame(() => list.push(performance.now()));
    document.addEventListener('pointerup', () => { log.input = performance.now(); }, true);
    new MutationObserver(() => {  // a new src: decode the PNG, then the frame that paints it
        const arrived = performance.now();
        log.bytes.push(Number(img.dataset.bytes));  // the PNG's size (clickimage.js writes it)
        const done = () => requestAnimationFrame(() => {
            log.picture.push(performance.now());
            log.paint.push(performance.now() - arrived);
        });
        img.decode().then(done, done);
    }).observe(img, {attributes: true, attributeFilter: ['src']});
    new MutationObserver(() => painted(log.panel))
        .observe(panel, {childList: true, subtree: true, characterData: true});
}
"""
CLICKS_JS = (
    "() => document.addEventListener('click', () => { window.cnnvizBench.input = performance.now(); }, true)"
)
RESET_JS = "() => { const log = window.cnnvizBench; log.input = 0; log.picture = []; log.panel = []; }"
PARTS_JS = "() => [window.cnnvizBench.paint, window.cnnvizBench.bytes]"
STATE_JS = "() => window.cnnvizBench"


def settle(page, timeout_ms=20_000):
    """Wait until neither the picture nor the panel has changed for QUIET_MS; the page's log."""
    start = time.monotonic()
    while (time.monotonic() - start) * 1e3 < timeout_ms:
        state = page.evaluate(STATE_JS)
        last = max(state["picture"] + state["panel"] + [state["input"]])
        now = page.evaluate("() => performance.now()")
        if state["input"] and now - last >= QUIET_MS:
            return state
        page.wait_for_timeout(100)
    raise TimeoutError("the explorer did not settle")


def stroke(page, canvas_box, rng):
    """One random stroke of 10 mouse moves, start to end in about 80 ms."""
    x0, y0, w, h = canvas_box["x"], canvas_box["y"], canvas_box["width"], canvas_box["height"]
    a, b = (x0 + w * (0.2 + 0.6 * rng.random()), y0 + h * (0.2 + 0.6 * rng.random()))
    c, d = (x0 + w * (0.2 + 0.6 * rng.random()), y0 + h * (0.2 + 0.6 * rng.random()))
    page.mouse.move(a, b)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(a + (c - a) * k / 10, b + (d - b) * k / 10)
        page.wait_for_timeout(8)
    page.mouse.up()


def summary(name, ms, kernel):
    text = f"{name:>28}: median {statistics.median(ms):6.0f} ms, worst {max(ms):6.0f} ms ({len(ms)} runs)"
    if kernel:
        wall, cpu = [e["ms"] for e in kernel], [e["cpu"] for e in kernel]
        text += (
            f"; kernel's share median {statistics.median(wall):5.0f} ms, worst {max(wall):5.0f} ms"
            f" (the handler's thread on a core: median {statistics.median(cpu):.0f} ms)"
        )
    print(text)


def main():
    import random

    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20, help="strokes and clicks measured")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        root, state = Path(folder) / "root", Path(folder) / "state"
        root.mkdir()
        state.mkdir()
        notebook = root / "bench-network.ipynb"
        notebook.write_text(json.dumps(_notebook(CELLS)), encoding="utf-8")
        with _lab.LabServer(root, state) as lab:
            browser = _lab.launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _lab.open_notebook(page, lab, notebook.name)
            _lab.run_all(page, _lab.code_cell_count(notebook))
            if _lab.problems(page):
                raise RuntimeError("\n".join(_lab.problems(page)))
            explorer = page.locator(".cnnviz-NetworkExplorer")
            _lab.wait_for_picture(explorer)
            canvas = explorer.locator("canvas.cnnviz-pad-canvas")
            expect(canvas).to_be_visible(timeout=30_000)
            targets = json.loads(page.locator(".probe-targets").inner_text())
            page.evaluate(WATCH_JS)
            picture = explorer.locator(".cnnviz-picture img")
            picture.scroll_into_view_if_needed()
            canvas.scroll_into_view_if_needed()
            (root / "kernel-times.jsonl").unlink(missing_ok=True)

            strokes = []
            for k in range(args.n + 2):  # the first two warm up
                if k % 6 == 5:  # a fresh pad now and then, so that strokes keep changing the digit
                    page.evaluate(RESET_JS)
                    explorer.locator(".cnnviz-pad-clear").click()
                    settle(page)
                page.evaluate(RESET_JS)
                stroke(page, canvas.bounding_box(), rng)
                log = settle(page)
                if log["picture"]:
                    strokes.append(max(log["picture"]) - log["input"])
            strokes = strokes[2:]

            clicks = []
            page.evaluate(CLICKS_JS)
            for x, y in targets[: args.n + 2]:
                picture.scroll_into_view_if_needed()
                page.evaluate(RESET_JS)
                _lab.click_picture_at(picture, x, y)
                log = settle(page)
                if log["panel"] or log["picture"]:
                    clicks.append(max(log["picture"] + log["panel"]) - log["input"])
            clicks = clicks[2:]
            paint, png_bytes = page.evaluate(PARTS_JS)
            browser.close()
            lab.shutdown_kernels()
            kernel = [json.loads(line) for line in (root / "kernel-times.jsonl").read_text().splitlines()]

    # per pad update: the live updates while the pen moves and the finished stroke (warm-up left out)
    kernel_strokes = [e for e in kernel if e["kind"] == "stroke"][4:]
    kernel_clicks = [e for e in kernel if e["kind"] == "click"][2:]
    print("network explorer in JupyterLab, headless chromium, times from the page's own events:")
    summary("stroke → picture painted", strokes, kernel_strokes)
    summary("click → panel and outline", clicks, kernel_clicks)
    print("(the kernel's share: the explorer's handler, from the pad's PNG or the click to its new PNG)")
    print(
        f"in the browser, a new picture's PNG ({statistics.median(png_bytes) / 1024:.0f} KB) from its arrival to "
        f"painted (decode, layout, paint): median {statistics.median(paint):.0f} ms, worst {max(paint):.0f} ms"
    )
    print(load_note())


def _notebook(sources):
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
        for s in sources
    ]
    kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}


if __name__ == "__main__":
    main()
