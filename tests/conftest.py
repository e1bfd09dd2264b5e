"""Shared pytest configuration for the cnnviz tests: a Hypothesis profile, an ``rng`` fixture and
one headless chromium for the browser tests. (The check that MNIST is there for the notebooks
that read it is in the repository's top ``conftest.py``, which ``pytest notebooks/`` loads too.)"""

import os

import numpy as np
import pytest
from hypothesis import settings

# Property tests compare against slow reference loops: no per-example deadline, and no
# example database written into the working tree (a failure prints its falsifying example).
# CNNVIZ_HYPOTHESIS=long tries 20 times as many examples per property (minutes instead of seconds).
settings.register_profile("cnnviz", deadline=None, database=None, print_blob=True)
settings.register_profile("long", parent=settings.get_profile("cnnviz"), max_examples=2000)
settings.load_profile("long" if os.environ.get("CNNVIZ_HYPOTHESIS") == "long" else "cnnviz")


@pytest.fixture
def rng():
    """A seeded generator, so that every non-Hypothesis test is reproducible."""
    return np.random.default_rng(20240601)


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium driven by Playwright, shared by the tests of one module.

    Playwright's sync API runs one driver per thread at a time, so every browser test of a
    module uses this one. Not one per session: while the driver lives, its event loop counts as
    running in this thread, and later tests that call ``asyncio.run`` (the explorers' bursts of
    browser changes) would fail. Skips when Playwright or chromium is missing (a learner's
    machine).
    """
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    import _lab

    executable = _lab.find_chromium()
    if executable is None:
        pytest.skip("no chromium executable (looked for /usr/bin/chromium and `chromium` on PATH)")
    with sync_api.sync_playwright() as playwright:
        browser = _lab.launch_chromium(playwright, executable)
        yield browser
        browser.close()
