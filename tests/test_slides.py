"""Lecture handouts: each notebook as a reveal.js deck, made by nbconvert.

The notebooks mark their section headings with ``slideshow.slide_type = "slide"``; each such
cell must start a slide, and the stored outputs (the pictures) must be in the deck.
``cnnviz.slides`` writes the deck with the libraries it needs beside it, so that it opens
offline: its download code is tested here against a loopback registry (``npm_config_registry``)
and a stand-in ``npm`` command, both with small stand-in packages, never the network; the real
deck is opened in chromium, with the network blocked, when the real npm packages are in
``$CNNVIZ_SLIDES_CACHE`` (``.ci/run`` puts them there).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shlex
import sys
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
    no_registry(monkeypatch)
    monkeypatch.setenv(slides.REGISTRY_VARS[0], server.url)
    monkeypatch.delenv(slides.ENV_VAR, raising=False)
    yield server
    server.close()


def no_registry(monkeypatch):
    """Forget any npm registry named in the environment (npm's own variables)."""
    for var in slides.REGISTRY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    """A stand-in ``npm`` first on PATH: ``npm pack NAME@VERSION`` writes a stand-in tarball
    into the current folder and logs its arguments; ``$FAKE_NPM`` = ``fail`` or ``tamper``
    makes it fail as npm does offline, or write a tarball with other bytes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm-calls.txt"
    for name in slides.PACKAGES:
        data = stand_in_tarball(name)
        (bin_dir / f"{name}.tgz").write_bytes(data)
        version, _, keep = slides.PACKAGES[name]
        sha256 = hashlib.sha256(data).hexdigest()
        monkeypatch.setitem(slides.PACKAGES, name, (version, sha256, keep))
    (tmp_path / "npm.py").write_text(
        f"""import os, pathlib, sys
here = pathlib.Path({str(bin_dir)!r})
with open({str(log)!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
mode = os.environ.get("FAKE_NPM", "")
if mode == "fail":
    sys.exit("npm error code ECONNREFUSED\\nnpm error syscall connect")
name, version = sys.argv[-1].rsplit("@", 1)
data = (here / f"{{name}}.tgz").read_bytes() + (b"tampered" if mode == "tamper" else b"")
pathlib.Path(f"{{name}}-{{version}}.tgz").write_bytes(data)
""",
        encoding="utf-8",
    )
    script = bin_dir / "npm"
    script.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(tmp_path / "npm.py"))} "$@"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    no_registry(monkeypatch)
    monkeypatch.delenv(slides.ENV_VAR, raising=False)
    return log


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
    no_registry(monkeypatch)
    monkeypatch.setenv(slides.REGISTRY_VARS[0], "http://127.0.0.1:9")  # the discard port: refused
    cache = tmp_path / "cache"
    with pytest.raises(slides.AssetsUnavailableError) as error:
        slides.fetch_tarball("reveal.js", cache_dir=cache)
    message = str(error.value)
    for part in ("reveal.js-4.0.2.tgz", str(cache), slides.ENV_VAR, slides.PACKAGES["reveal.js"][1]):
        assert part in message


windows = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in npm is a shell script")


@windows
def test_without_a_registry_npm_pack_fetches(fake_npm, tmp_path):
    """With no registry in the environment, ``npm pack`` fetches: npm uses its own settings."""
    cache = tmp_path / "cache"
    assert slides.fetch_tarball("reveal.js", cache_dir=cache) == cache / "reveal.js-4.0.2.tgz"
    calls = fake_npm.read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].split()[0] == "pack" and calls[0].split()[-1] == "reveal.js@4.0.2"
    assert "--ignore-scripts" in calls[0].split()
    assert sorted(p.name for p in cache.iterdir()) == ["reveal.js-4.0.2.tgz"]  # no scratch folder left
    slides.fetch_tarball("reveal.js", cache_dir=cache)  # cached: npm is not asked again
    assert len(fake_npm.read_text().splitlines()) == 1


@windows
@pytest.mark.parametrize(
    ("mode", "says"), [("fail", r"ECONNREFUSED.*reveal\.js-4\.0\.2\.tgz"), ("tamper", "SHA-256 is not")]
)
def test_npm_pack_failures_are_reported(fake_npm, tmp_path, monkeypatch, mode, says):
    monkeypatch.setenv("FAKE_NPM", mode)
    cache = tmp_path / "cache"
    with pytest.raises(slides.AssetsUnavailableError, match=says) as error:
        slides.fetch_tarball("reveal.js", cache_dir=cache)
    assert str(cache) in str(error.value) and slides.ENV_VAR in str(error.value)
    assert list(cache.iterdir()) == []  # nothing half-fetched is kept


def test_without_npm_or_a_registry_says_what_to_do(tmp_path, monkeypatch):
    no_registry(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no npm on it
    cache = tmp_path / "cache"
    with pytest.raises(slides.AssetsUnavailableError) as error:
        slides.fetch_tarball("jquery", cache_dir=cache)
    message = str(error.value)
    for part in ("npm is not installed", "Node.js", "npm_config_registry", str(cache), slides.ENV_VAR,
                 "jquery-2.2.4.tgz", slides.PACKAGES["jquery"][1]):  # fmt: skip
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
