"""Lecture handouts: each notebook as a reveal.js deck, made by nbconvert.

The notebooks mark their section headings with ``slideshow.slide_type = "slide"``; each such
cell must start a slide, and the stored outputs (the pictures) must be in the deck.
``cnnviz.slides`` writes the deck with the libraries it needs beside it, so that it opens
offline: its download code is tested here against a loopback server with small stand-in
packages; the real deck is opened in chromium, with the network blocked, when the real npm
packages are in ``$CNNVIZ_SLIDES_CACHE`` (``.ci/run`` puts them there).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
from pathlib import Path

import nbformat
import pytest
from _helpers import Server
from nbconvert import SlidesExporter

from cnnviz import slides

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


# --- offline decks: cnnviz.slides ----------------------------------------------------------


def stand_in_tarball(name: str) -> bytes:
    """An npm-style tarball with a small text file at every path the real package provides."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in (*slides.PACKAGES[name][2], "README.md", "test/unused.js"):
            data = f"/* stand-in for {name}/{path} */\n".encode()
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A loopback npm registry serving stand-in tarballs whose checksums cnnviz expects."""
    server = Server(tmp_path / "registry")
    for name in slides.PACKAGES:
        data = stand_in_tarball(name)
        server.serve(f"{name}/-/{slides.tarball_name(name)}", data)
        version, _, keep = slides.PACKAGES[name]
        sha256 = hashlib.sha256(data).hexdigest()
        monkeypatch.setitem(slides.PACKAGES, name, (version, sha256, keep))
    monkeypatch.setattr(slides, "REGISTRY", server.url)
    monkeypatch.delenv(slides.ENV_VAR, raising=False)
    yield server
    server.close()


def local_links(html: str) -> list[str]:
    """The src/href targets of the page's <script> and <link> tags, without ?query."""
    links = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    return [link.split("?")[0] for link in links]


def test_deck_and_its_libraries_are_written_together(registry, tmp_path):
    out = tmp_path / "handouts"
    page = slides.make_slides(NOTEBOOK_FILES[2], out, cache_dir=tmp_path / "cache")
    assert page == out / f"{NOTEBOOK_FILES[2].stem}.slides.html"
    html = page.read_text(encoding="utf-8")
    links = local_links(html)
    assert links, "the page links no scripts or stylesheets"
    for link in links:
        assert not re.match(r"[a-z]+://|//", link), f"the deck still loads {link} from the network"
        assert (out / link).is_file(), f"the deck links {link}, which was not written"
    for expected in ("reveal.js/dist/reveal.js", "requirejs/require.js", "mathjax/MathJax.js"):
        assert f"{slides.ASSETS}/{expected}" in html
    assert "mermaid" not in html
    assert not (out / slides.ASSETS / "reveal.js" / "README.md").exists()  # only what is needed
    assert len(registry.requests) == len(slides.PACKAGES)

    # a second deck (another folder) reuses the cached tarballs: no request
    slides.make_slides(NOTEBOOK_FILES[3], tmp_path / "again", cache_dir=tmp_path / "cache")
    assert len(registry.requests) == len(slides.PACKAGES)


def test_cache_folder_from_the_environment(registry, tmp_path, monkeypatch):
    monkeypatch.setenv(slides.ENV_VAR, str(tmp_path / "from-env"))
    slides.install_assets(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "from-env").iterdir()) == sorted(
        slides.tarball_name(name) for name in slides.PACKAGES
    )


def test_tampered_tarball_is_refused(registry, tmp_path):
    registry.serve(f"jquery/-/{slides.tarball_name('jquery')}", b"not what was published")
    with pytest.raises(slides.AssetsUnavailableError, match=r"jquery-2\.2\.4\.tgz.*SHA-256"):
        slides.fetch_tarball("jquery", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / slides.tarball_name("jquery")).exists()


def test_offline_without_a_copy_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(slides, "REGISTRY", "http://127.0.0.1:9")  # the discard port: refused
    cache = tmp_path / "cache"
    with pytest.raises(slides.AssetsUnavailableError) as error:
        slides.fetch_tarball("reveal.js", cache_dir=cache)
    message = str(error.value)
    for part in ("reveal.js-4.0.2.tgz", str(cache), slides.ENV_VAR, slides.PACKAGES["reveal.js"][1]):
        assert part in message


def test_command_line_as_in_the_readme(registry, tmp_path, monkeypatch, capsys):
    """``python -m cnnviz.slides <notebooks>`` writes handouts/ in the current folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(slides.ENV_VAR, str(tmp_path / "cache"))
    assert slides.main([str(NOTEBOOK_FILES[2]), str(NOTEBOOK_FILES[6])]) == 0
    written = sorted(p.name for p in (tmp_path / "handouts").glob("*.slides.html"))
    assert written == [f"{NOTEBOOK_FILES[2].stem}.slides.html", f"{NOTEBOOK_FILES[6].stem}.slides.html"]
    assert capsys.readouterr().out.split() == [f"handouts/{name}" for name in written]


def test_command_line_reports_a_missing_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        slides.main([str(tmp_path / "nope.ipynb"), "--output-dir", str(tmp_path)])
    assert exit_.value.code == 1
    assert "no notebook at" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown package 'vue'"):
        slides.fetch_tarball("vue", cache_dir=tmp_path)


@pytest.mark.browser
@pytest.mark.skipif(
    not os.environ.get(slides.ENV_VAR),
    reason=f"${slides.ENV_VAR} (the npm tarballs for the offline slides) is not set",
)
def test_real_deck_works_offline_in_chromium(tmp_path, chromium):
    notebook = NOTEBOOKS / "06-padding-stride-output-size.ipynb"
    page_path = slides.make_slides(notebook, tmp_path / "handouts")
    n_slides = sum(slide_type(cell) == "slide" for cell in nbformat.read(notebook, as_version=4).cells)

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    reached = []
    context.route(
        lambda url: not url.startswith("file:"),
        lambda route: (reached.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
        " && document.querySelectorAll('.MathJax_CHTML').length > 0",
        timeout=30_000,
    )
    assert page.evaluate("document.querySelectorAll('.MathJax_CHTML merror, .MathJax_Error').length") == 0
    assert page.locator(".reveal .slides > section").count() >= n_slides
    current = "document.querySelector('.reveal .slides > section.present').textContent"
    first = page.evaluate(current)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert page.evaluate(current) != first, "the right arrow did not move to the next slide"
    artifacts = os.environ.get("CNNVIZ_ARTIFACTS")
    if artifacts:
        (Path(artifacts) / "slides").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(artifacts) / "slides" / f"{notebook.stem}-2.png"))
    context.close()

    assert errors == []
    # only the theme's web fonts are asked for (they fall back to the browser's sans-serif)
    assert all(url.startswith("https://fonts.googleapis.com/") for url in reached), reached
