"""pytest's configuration for the whole repository (the unit tests have theirs in tests/conftest.py).

MNIST, for the notebooks that read it. A notebook that loads MNIST fails cell after cell on a
machine that has no copy and no network. Instead the suite checks once, before running
anything: the files are on disk (``CNNVIZ_DATA_DIR`` or cnnviz's cache folder), or one download
gets them. If neither, those notebooks (and their browser runs) are skipped with one reason that
says how to get the data. CI has the data and runs them all.
"""

import functools
import json
import re
from pathlib import Path

import pytest

READS_MNIST = re.compile(r"load_mnist\(|load_fashion_mnist\(|\.load_data\(")


@functools.cache
def reads_mnist(notebook: Path) -> bool:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return any(READS_MNIST.search("".join(c["source"])) for c in cells if c["cell_type"] == "code")


@functools.cache
def mnist_missing() -> str | None:
    """None when MNIST and Fashion-MNIST are on this machine (downloading them if need be); else why not."""
    from cnnviz import datasets

    try:
        for dataset in ("mnist", "fashion-mnist"):
            for name in datasets.FILES:
                datasets.fetch(dataset, name, progressbar=False)
    except datasets.DatasetUnavailableError:
        return (
            "MNIST is not on this machine and could not be downloaded: connect to the internet once, or set "
            f"{datasets.ENV_VAR} to a folder that holds mnist/ and fashion-mnist/ (see the README)"
        )
    return None


def _notebook_of(item):
    """The notebook an item runs: an nbval cell's file, or a browser test's ``notebook`` parameter."""
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return path
    callspec = getattr(item, "callspec", None)
    notebook = callspec.params.get("notebook") if callspec else None
    return notebook if isinstance(notebook, Path) else None


def pytest_collection_modifyitems(config, items):
    needing = [item for item in items if (nb := _notebook_of(item)) is not None and reads_mnist(nb)]
    if needing and (reason := mnist_missing()):
        for item in needing:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    reason = mnist_missing() if mnist_missing.cache_info().currsize else None
    if reason and any(reason in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(f"cnnviz: notebooks that read MNIST were skipped: {reason}.", yellow=True)
