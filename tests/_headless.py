"""Headless pictures for the tests that draw: matplotlib on Agg, and every figure closed after
each test of a module that imports ``close_figures`` (an autouse fixture)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")
