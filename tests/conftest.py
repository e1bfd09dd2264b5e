"""Shared pytest configuration for the cnnviz tests: a Hypothesis profile and an ``rng`` fixture."""

import numpy as np
import pytest
from hypothesis import settings

# Property tests compare against slow reference loops: no per-example deadline, and no
# example database written into the working tree (a failure prints its falsifying example).
settings.register_profile("cnnviz", deadline=None, database=None, print_blob=True)
settings.load_profile("cnnviz")


@pytest.fixture
def rng():
    """A seeded generator, so that every non-Hypothesis test is reproducible."""
    return np.random.default_rng(20240601)
