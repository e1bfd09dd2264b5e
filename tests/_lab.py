"""Drive JupyterLab in a real browser: a private ``jupyter lab`` server plus Debian's chromium.

Used by ``tests/test_browser.py`` and by ``images/make_screenshots.py``. Playwright is imported
only inside the functions that need it, so this module imports (and its doctests run) without it.

What the browser sees is what a learner sees: the notebook opened in JupyterLab, its cells run
from the Run menu, the explorers drawn by the ipywidgets front-end, and their sliders moved
with the keyboard.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Flags that let Debian's chromium run headless as root in a container, without talking to
# Google's update and sync services.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# JupyterLab user settings written into the private settings dir:
SETTINGS = {
    # no "get notified about Jupyter news?" toast over the page
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # every cell in the DOM, so that off-screen cells and their outputs can be checked
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # never write the run notebooks back to disk
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}

# The control each explorer's test moves: a slider that is not at its maximum when the
# explorer appears. Explorers not listed here get their first slider moved.
CONTROL_TO_MOVE = {
    "PixelExplorer": "row",
    "Conv1DExplorer": "i",
    "OutputSizeExplorer": "L",
    "Conv2DStepExplorer": "step",
    "ImageKernelExplorer": "S",
    "PoolStepExplorer": "step",
    "ShiftExplorer": "dx",
    "BatchNormExplorer": "seed",
    "NetworkExplorer": "image",
}

ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# True when every code cell of the notebook on screen has run: no cell waits or runs ([*]),
# and every cell has a number, or the run stopped at an error (the cells after it stay [ ]).
_RUN_FINISHED_JS = """
([nCells, errorSelector]) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return false;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    if (prompts.length !== nCells || prompts.some(t => t.includes('*'))) return false;
    return prompts.every(t => /^\\[\\d+\\]:$/.test(t)) || panel.querySelector(errorSelector) !== null;
}
"""


def find_chromium() -> str | None:
    """Debian's chromium (``/usr/bin/chromium``), else a ``chromium`` on PATH, else None."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_cell_count(notebook: Path) -> int:
    """How many code cells the notebook file holds."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(cell["cell_type"] == "code" for cell in cells)


def has_outputs(notebook: Path) -> bool:
    """Whether the notebook file is stored with outputs."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return any(cell.get("outputs") for cell in cells)


def stored_explorer_count(notebook: Path) -> int:
    """How many explorers the stored outputs show (their text is ``SomethingExplorer(...)``)."""
    count = 0
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", ""))
            if "application/vnd.jupyter.widget-view+json" in data and re.match(r"\w+Explorer\(", text):
                count += 1
    return count


class LabServer:
    """``jupyter lab`` on 127.0.0.1 with a token and its own config, runtime, workspace and settings dirs.

    ``root`` is the folder it serves; ``state`` a fresh folder for Jupyter's state and the
    server's log. Use it as a context manager; the server's process group is ended on exit.
    """

    def __init__(self, root: Path, state: Path):
        self.root, self.state = Path(root), Path(state)
        self.port = free_port()
        self.token = os.urandom(12).hex()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "jupyter-lab.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> LabServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(self.state / "config"),
            JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.state / "workspaces"),
            JUPYTERLAB_SETTINGS_DIR=str(self.state / "settings"),
        )
        env.pop("MPLBACKEND", None)  # the kernel must use the notebook's inline backend
        for plugin, values in SETTINGS.items():
            path = self.state / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}",
            "--allow-root",  # CI and containers run as root; without it the server exits at once
            "--LabApp.extension_manager=readonly",  # no queries to PyPI
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended by stop()
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"jupyter lab exited at once; its log:\n{self.log_text()}")
            try:
                self.api("GET", "status")
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s; its log:\n{self.log_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def api(self, method: str, path: str):
        """Call the server's REST API; the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session (and so every kernel) the browser started."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")

    def url(self, path: str) -> str:
        """The address that opens ``path`` (relative to ``root``) in JupyterLab, with a fresh layout."""
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"


def launch_chromium(playwright, executable: str | None = None):
    """A headless chromium from the system (never a downloaded one)."""
    return playwright.chromium.launch(executable_path=executable or find_chromium(), args=CHROMIUM_FLAGS)


def click_menu(page, menu: str, item: str) -> None:
    """Click ``menu`` in the menu bar, then the item whose label is exactly ``item``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def open_notebook(page, lab: LabServer, path: str, timeout: float = 60_000) -> None:
    """Open the notebook and wait until its kernel is ready (the status bar says "| Idle").

    The toolbar's kernel indicator says idle before a kernel is attached; Run All then opens
    a "Select Kernel" dialog. The status bar's kernel item waits for the real kernel.
    """
    from playwright.sync_api import expect

    page.goto(lab.url(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-cell", timeout=timeout)
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(timeout=timeout)


def run_all(page, n_code_cells: int, timeout: float = 180_000) -> None:
    """Clear the stored outputs, Run → Run All Cells, and wait until every cell has run.

    Clearing first makes the stored execution counts go away, so a numbered prompt means a
    cell that ran now. The wait also ends when the run stops at an error.
    """
    click_menu(page, "Edit", "Clear Outputs of All Cells")
    click_menu(page, "Run", "Run All Cells")
    page.wait_for_function(_RUN_FINISHED_JS, arg=[n_code_cells, ERROR_OUTPUT], timeout=timeout, polling=250)


def problems(page) -> list[str]:
    """Error outputs, tracebacks and widgets that failed to display, as short texts."""
    found = []
    for text in page.locator(ERROR_OUTPUT).all_inner_texts():
        found.append(f"error output: {text[:2000]}")
    for text in page.locator(".jp-OutputArea-output", has_text="Traceback").all_inner_texts():
        found.append(f"traceback: {text[:2000]}")
    if page.get_by_text("Error displaying widget").count():
        found.append("Error displaying widget")
    not_run = [t for t in page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts() if "[ ]" in t]
    if not_run:
        found.append(f"{len(not_run)} code cells did not run")
    return found


def explorer_kind(explorer) -> str:
    """The explorer's class name, read from its CSS class ``cnnviz-<ClassName>``."""
    classes = (explorer.get_attribute("class") or "").split()
    kinds = [c.removeprefix("cnnviz-") for c in classes if c.startswith("cnnviz-") and c != "cnnviz-explorer"]
    return kinds[0] if kinds else "explorer"


def picture(explorer):
    """The locator of the explorer's picture (the ``img`` in its Output widget)."""
    return explorer.locator(".cnnviz-picture img")


def wait_for_picture(explorer, timeout: float = 30_000) -> str:
    """Scroll the explorer into view, wait for its picture, and return the picture's ``src``."""
    from playwright.sync_api import expect

    explorer.scroll_into_view_if_needed()
    expect(picture(explorer)).to_have_count(1, timeout=timeout)
    return picture(explorer).get_attribute("src")


def slider_to_move(explorer):
    """The slider the test moves (see CONTROL_TO_MOVE), as a Playwright locator."""
    name = CONTROL_TO_MOVE.get(explorer_kind(explorer))
    if name is not None:
        return explorer.locator(f".cnnviz-control-{name}.widget-slider")
    return explorer.locator('.widget-slider[class*="cnnviz-control-"]').first


def drag(page, start, end, steps: int = 20) -> None:
    """Press the mouse at ``start``, move it to ``end`` in ``steps`` moves, release: one stroke."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def click_picture_at(picture_img, x: float, y: float) -> None:
    """Click an explorer's picture at pixel (x, y) of its PNG (the image may be shown scaled)."""
    box = picture_img.bounding_box()
    natural = picture_img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    picture_img.page.mouse.click(
        box["x"] + x * box["width"] / natural[0], box["y"] + y * box["height"] / natural[1]
    )


def press_right(slider, times: int = 1) -> None:
    """Move a slider ``times`` steps up with the keyboard, as a user can."""
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(times):
        handle.press("ArrowRight")


def wait_for_new_picture(explorer, old_src: str, timeout: float = 20.0) -> str | None:
    """Wait until the explorer shows a picture other than ``old_src``; its ``src``, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        img = picture(explorer)
        if img.count() == 1:
            src = img.get_attribute("src")
            if src and src != old_src:
                return src
        time.sleep(0.1)
    return None


def assert_no_problems(page, console: list[str]) -> None:
    """No error output, traceback, broken widget or unrun cell in the notebook (see ``problems``)."""
    assert not problems(page), "\n".join(problems(page) + console)


def open_and_run(page, lab: LabServer, notebook: Path, console: list[str]) -> None:
    """Open ``notebook`` (in the lab's root), run all its cells, and check that nothing went wrong."""
    open_notebook(page, lab, notebook.name)
    run_all(page, code_cell_count(notebook))
    assert_no_problems(page, console)


def assert_page_clean(page, console: list[str]) -> None:
    """No problem in the notebook, no uncaught error in the page (a bug in a widget's JavaScript
    shows here), and nothing logged by cnnviz or anywidget."""
    assert_no_problems(page, console)
    ours = [m for m in console if m.startswith("page error") or "cnnviz" in m or "anywidget" in m]
    assert not ours, console
