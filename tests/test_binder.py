"""Binder's pinned install (``binder/``) against the root ``requirements.txt`` and ``pyproject.toml``.

repo2docker reads ``binder/`` instead of the repository root once that folder exists:
``binder/requirements.txt`` pins every package (generated from ``binder/requirements.in`` by
the command at its top) and ``binder/runtime.txt`` names the Python. These tests only read
files: no network, no install.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
TEST_ONLY = {"pytest", "nbval", "hypothesis", "playwright"}  # a Binder session runs no tests


def requirements(path: Path) -> tuple[dict[str, Requirement], list[str]]:
    """The named requirements of a pip requirements file by canonical name, and its option lines."""
    named, options = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        requirement = Requirement(line)
        named[canonicalize_name(requirement.name)] = requirement
    return named, options


def pinned_version(requirement: Requirement) -> Version:
    (spec,) = requirement.specifier  # exactly one specifier ...
    assert spec.operator == "==" and "*" not in spec.version, f"{requirement} is not pinned"
    return Version(spec.version)  # ... and it is ==X.Y.Z


ROOT_REQUIREMENTS, _ = requirements(ROOT / "requirements.txt")
BINDER_NEEDS = sorted(set(ROOT_REQUIREMENTS) - TEST_ONLY)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# cnnviz's own dependencies (the `-e .` line brings them in)
PACKAGE_NEEDS = {canonicalize_name(Requirement(d).name): Requirement(d) for d in PYPROJECT["dependencies"]}


def test_binder_files_exist_and_shadow_the_root():
    for name in ("requirements.in", "requirements.txt", "runtime.txt"):
        assert (BINDER / name).is_file(), f"binder/{name} is missing"
    assert not (ROOT / ".binder").exists(), "repo2docker refuses a repository with both binder/ and .binder/"
    # repo2docker ignores root config files once binder/ exists: a root runtime.txt would mislead
    assert not (ROOT / "runtime.txt").exists()


def test_every_package_is_pinned_and_cnnviz_comes_from_the_repository():
    pins, options = requirements(BINDER / "requirements.txt")
    assert len(pins) > 50  # the transitive packages too, not only the direct ones
    for requirement in pins.values():
        pinned_version(requirement)
        assert not requirement.url, f"{requirement}: a pin names a URL"
    # `.` is the repository root: repo2docker runs pip in it (pip reads local paths from the cwd)
    assert options == ["-e ."]
    header = (BINDER / "requirements.txt").read_text(encoding="utf-8").split("\n-e .", 1)[0]
    assert "uv pip compile binder/requirements.in" in header, "the regeneration command is not at the top"


@pytest.mark.parametrize("name", sorted(set(BINDER_NEEDS) | set(PACKAGE_NEEDS)))
def test_pins_are_inside_the_root_ranges(name):
    pins, _ = requirements(BINDER / "requirements.txt")
    assert name in pins, (
        f"{name} (requirements.txt or pyproject.toml) is not pinned in binder/requirements.txt"
    )
    version = pinned_version(pins[name])
    for source, wanted in (("requirements.txt", ROOT_REQUIREMENTS), ("pyproject.toml", PACKAGE_NEEDS)):
        if name in wanted:
            assert wanted[name].specifier.contains(version, prereleases=True), (
                f"binder pins {name}=={version}, outside {source}'s {wanted[name].specifier}"
            )


def test_binder_input_is_the_root_file_without_the_test_tools():
    inputs, options = requirements(BINDER / "requirements.in")
    assert options == ["-e ."]
    for name in BINDER_NEEDS:
        assert name in inputs and inputs[name].specifier == ROOT_REQUIREMENTS[name].specifier, name
    pins, _ = requirements(BINDER / "requirements.txt")
    assert not TEST_ONLY & (set(inputs) | set(pins))


def test_runtime_python_fits_requires_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-3.X, not {runtime!r}"
    assert Version(match[1]) in SpecifierSet(PYPROJECT["requires-python"])


def test_requires_python_is_no_looser_than_the_pinned_packages():
    """Every Python X.Y that pyproject allows is allowed by the pinned direct dependencies (read
    from their installed metadata, when the installed version is the pinned one)."""
    requires_python = SpecifierSet(PYPROJECT["requires-python"])
    allowed = [Version(f"3.{minor}") for minor in range(8, 16) if Version(f"3.{minor}") in requires_python]
    pins, _ = requirements(BINDER / "requirements.txt")
    checked = 0
    for name in sorted(set(BINDER_NEEDS) | set(PACKAGE_NEEDS)):
        try:
            installed = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(installed["Version"]) != pinned_version(pins[name]):
            continue
        theirs = SpecifierSet(installed.get("Requires-Python") or "")
        for python in allowed:
            assert python in theirs, (
                f"pyproject allows Python {python}, {name} {installed['Version']} needs {theirs}"
            )
        checked += 1
    if not checked:
        pytest.skip("none of the pinned versions is installed here")
