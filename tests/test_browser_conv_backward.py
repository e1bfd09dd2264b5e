"""The convolution step explorer's backward mode in JupyterLab, in a real browser: switch the
pass to dL/dw, step once, and see the picture change (screenshots as in test_browser)."""

from __future__ import annotations

import _lab
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if _lab.find_chromium() is None:
    pytest.skip("no chromium executable", allow_module_level=True)

import test_browser  # after the skips: it needs playwright

# test_browser's fixtures, shared: JupyterLab, the page, where screenshots go, the console's errors
artifacts, browser, console, lab, page = (
    test_browser.artifacts, test_browser.browser, test_browser.console, test_browser.lab, test_browser.page
)  # fmt: skip

pytestmark = pytest.mark.browser

CELLS = ["from cnnviz.widgets import Conv2DStepExplorer\nsteps = Conv2DStepExplorer()\nsteps"]


def test_backward_mode_switches_and_steps_in_the_browser(lab, page, console, artifacts):
    from playwright.sync_api import expect

    notebook = lab.root / "conv-backward-check.ipynb"
    test_browser.pad_notebook(notebook, CELLS)
    _lab.open_and_run(page, lab, notebook, console)
    explorer = page.locator(".cnnviz-Conv2DStepExplorer")
    forward = _lab.wait_for_picture(explorer)

    explorer.locator(".cnnviz-control-mode button", has_text="backward dL/dw").click()
    slider = explorer.locator(".cnnviz-control-step.widget-slider")
    expect(slider).to_contain_text("tap (u, v)", timeout=20_000)
    backward = _lab.wait_for_new_picture(explorer, forward)
    assert backward is not None, "the picture did not change to the backward pass"
    explorer.screenshot(path=str(artifacts / "conv2d-backward-dw-step0.png"))

    _lab.press_right(slider)  # one step: tap (0, 1)
    expect(slider.locator(".widget-readout")).to_have_text("1", timeout=20_000)
    assert _lab.wait_for_new_picture(explorer, backward) is not None, "the step did not redraw"
    explorer.screenshot(path=str(artifacts / "conv2d-backward-dw-step1.png"))

    explorer.locator(".cnnviz-control-mode button", has_text="backward dL/dx").click()
    expect(slider).to_contain_text("input cell", timeout=20_000)
    page.wait_for_timeout(1000)
    explorer.screenshot(path=str(artifacts / "conv2d-backward-dx-step1.png"))
    _lab.assert_no_problems(page, console)
    expect(explorer.locator(".cnnviz-picture")).not_to_contain_text("Error")
