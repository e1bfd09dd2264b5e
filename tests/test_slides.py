"""Lecture handouts: ``jupyter nbconvert --to slides`` turns each notebook into a reveal.js deck.

The notebooks mark their section headings with ``slideshow.slide_type = "slide"``; each such
cell must start a slide, and the stored outputs (the pictures) must be in the deck.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbconvert import SlidesExporter

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def stored_pngs(nb) -> list[str]:
    """The base64 text of every PNG among the stored outputs."""
    return [
        "".join(output["data"]["image/png"]).replace("\n", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]


@pytest.mark.parametrize("notebook", NOTEBOOK_FILES, ids=[n.stem for n in NOTEBOOK_FILES])
def test_notebook_becomes_slides(notebook):
    nb = nbformat.read(notebook, as_version=4)
    html, _ = SlidesExporter().from_notebook_node(nb)

    # one horizontal slide (an outer <section> holding its vertical ones) per "slide" cell
    slides = sum(slide_type(cell) == "slide" for cell in nb.cells)
    if slide_type(nb.cells[0]) != "slide":
        slides += 1  # the cells before the first marked heading form a slide of their own
    assert slides >= 3, f"{notebook.name}: only {slides} cells start a slide"
    assert html.count("<section><section>") == slides

    # the stored pictures are in the deck, as <img> with the same PNG
    pngs = stored_pngs(nb)
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= len(pngs)
    for png in pngs:
        assert png in images
        assert base64.b64decode(png).startswith(b"\x89PNG")


def test_slides_command_line(tmp_path):
    """The command the README gives for handouts (written to tmp_path, not next to the notebook)."""
    notebook = NOTEBOOK_FILES[0]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "slides",
            str(notebook),
            "--output-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    html = (tmp_path / f"{notebook.stem}.slides.html").read_text(encoding="utf-8")
    assert html.count("<section") >= 6
    assert re.search(r'<img[^>]*src="data:image/png;base64,', html)
