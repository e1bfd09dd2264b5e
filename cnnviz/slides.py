"""Lecture handouts that open without internet: a notebook as a reveal.js slide deck.

A command-line tool (``python -m cnnviz.slides NOTEBOOK``, see ``main``) as well as a module:
nothing else in cnnviz imports it.

``jupyter nbconvert --to slides`` writes a deck whose page loads reveal.js, require.js,
jQuery and MathJax from public CDNs, so it shows nothing useful on a lecture-room laptop that
is offline. ``make_slides`` writes the same deck next to a folder ``slides-assets/`` that holds
those libraries, and points the page at them with relative links. Copy the output folder
anywhere (a USB stick, a course website) and open the ``.slides.html`` file in a browser.

The libraries are the npm packages in ``PACKAGES``, at the versions nbconvert's template is
written for. Their tarballs are kept in a cache folder: the ``cache_dir`` argument, else the
environment variable ``CNNVIZ_SLIDES_CACHE``, else pooch's cache for cnnviz. A tarball already
there with the right checksum is used without any network access. A missing one is fetched
once from the npm registry the user has configured, and checked against the SHA-256 values
below: with ``npm pack`` (npm uses its own settings: registry, proxy, cache), or, when the
``registry`` argument or npm's environment variable ``npm_config_registry`` names a registry,
downloaded from there directly with pooch (no npm needed). No registry address is built in.

From a shell (each section heading of a notebook starts a slide)::

    python -m cnnviz.slides notebooks/02-convolution-case1.ipynb --output-dir handouts

>>> sorted(PACKAGES)
['jquery', 'mathjax', 'requirejs', 'reveal.js']
>>> tarball_name("reveal.js")
'reveal.js-4.0.2.tgz'
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import jinja2
import nbformat
import pooch
from nbconvert import SlidesExporter

from . import datasets  # noqa: F401  (quietens pooch's download log, as for the datasets)

__all__ = [
    "ASSETS",
    "ENV_VAR",
    "NPM_PACK_OPTIONS",
    "PACKAGES",
    "REGISTRY_VARS",
    "AssetsUnavailableError",
    "cache_folder",
    "configured_registry",
    "fetch_tarball",
    "install_assets",
    "main",
    "make_slides",
    "tarball_name",
]

ENV_VAR = "CNNVIZ_SLIDES_CACHE"
# npm also reads its settings from environment variables, spelt in lower or upper case
REGISTRY_VARS = ("npm_config_registry", "NPM_CONFIG_REGISTRY")
# npm pack's settings: no package scripts, npm's own cache first (a lecturer who installed the
# package once can fetch it offline), and one quick retry, so that an offline laptop hears
# within seconds, not a minute, that the download failed
NPM_PACK_OPTIONS = (
    "--ignore-scripts",
    "--prefer-offline",
    "--fetch-retries=1",
    "--fetch-retry-mintimeout=1000",
    "--fetch-retry-maxtimeout=5000",
)
ASSETS = "slides-assets"  # the folder written next to the decks

# name: (version, SHA-256 of the npm tarball, what to copy out of the tarball's package/)
PACKAGES = {
    "reveal.js": (
        "4.0.2",
        "0c234d5bfe539606c1af4bcc031f0d21ed99e264d90b7859abad34f7e3a0c587",
        ("dist/reveal.js", "dist/reveal.css", "dist/theme/simple.css", "plugin/notes/notes.js"),
    ),
    "requirejs": (
        "2.3.7",
        "31f3330c978fb28684622fe71165dc946432cf0210b2ea8a1ca0233e70f2737d",
        ("require.js",),
    ),
    "jquery": (
        "2.2.4",
        "1ce113265b4e2a1c8cfc1da2fbf8836bd44e2911daa2a264b8ec52afef2e19a1",
        ("dist/jquery.min.js",),
    ),
    "mathjax": (
        "2.7.7",
        "f0054315d40f7288b2373b23520677fd1132a405702dfca05ee6ebe5cd0a8677",
        ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions/Safe.js",
         "extensions/MathMenu.js", "extensions/MathZoom.js", "extensions/TeX",
         "jax/input/TeX", "jax/element", "jax/output/CommonHTML", "fonts/HTML-CSS/TeX/woff",
         "localization/en"),
    ),
}  # fmt: skip

# Where the deck's page looks for each library, relative to the page; and a slide taller than
# the screen (a long output) scrolls instead of being cut off.
OPTIONS = {
    "reveal_scroll": True,
    "reveal_url_prefix": f"{ASSETS}/reveal.js",
    "require_js_url": f"{ASSETS}/requirejs/require.js",
    "jquery_url": f"{ASSETS}/jquery/dist/jquery.min.js",
    "mathjax_url": f"{ASSETS}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}

# nbconvert's reveal template also imports mermaid (diagrams, unused here) from a CDN, as a
# module script; leave it out rather than have the page reach for the network.
TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}"""


class AssetsUnavailableError(OSError):
    """A library for the offline deck is neither in the cache nor downloadable."""


def tarball_name(name: str) -> str:
    version = PACKAGES[name][0]
    return f"{name}-{version}.tgz"


def cache_folder(cache_dir=None) -> Path:
    root = cache_dir if cache_dir is not None else os.environ.get(ENV_VAR)
    return Path(root) if root else Path(pooch.os_cache("cnnviz")) / "npm"


def configured_registry(registry=None) -> str | None:
    """The npm registry to download from directly: ``registry``, else ``$npm_config_registry``."""
    for value in (registry, *(os.environ.get(var) for var in REGISTRY_VARS)):
        if value:
            return value
    return None


def fetch_tarball(name: str, *, cache_dir=None, registry=None) -> Path:
    """The checked npm tarball of ``name`` in the cache, fetched first if it is not there."""
    if name not in PACKAGES:
        raise ValueError(f"unknown package {name!r}; expected one of {sorted(PACKAGES)}")
    version, sha256, _ = PACKAGES[name]
    folder = cache_folder(cache_dir)
    filename = tarball_name(name)
    path = folder / filename
    if path.is_file() and pooch.file_hash(str(path)) == sha256:
        return path
    remedy = (
        f"Without internet, put the npm tarball {filename} (SHA-256 {sha256}) into {folder}, "
        f"or set {ENV_VAR} to a folder that holds it."
    )
    base = configured_registry(registry)
    if base:
        url = f"{base.rstrip('/')}/{name}/-/{filename}"
        try:
            return Path(pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=folder))
        except (OSError, ValueError) as error:  # requests' errors are OSErrors; a bad hash is a ValueError
            raise AssetsUnavailableError(
                f"could not get {filename} for the offline slides from {url} ({error}). {remedy}"
            ) from error
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsUnavailableError(
            f"cannot fetch {filename} for the offline slides: npm is not installed and no npm "
            f"registry is configured. Install Node.js (it comes with npm), or set the environment "
            f"variable {REGISTRY_VARS[0]} to the address of an npm registry. {remedy}"
        )
    return _npm_pack(npm, f"{name}@{version}", path, sha256, remedy)


def _npm_pack(npm: str, spec: str, path: Path, sha256: str, remedy: str) -> Path:
    """``npm pack spec`` into a scratch folder beside ``path``; move the tarball there if it checks out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".npm-pack-", dir=path.parent) as scratch:
        try:
            done = subprocess.run(
                [npm, "pack", *NPM_PACK_OPTIONS, spec],
                cwd=scratch,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
            lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
            said = " / ".join(lines[:3])  # npm's error code and first words, e.g. "code ECONNREFUSED"
            failed = done.returncode != 0
        except OSError as error:
            said, failed = str(error), True
        packed = Path(scratch) / path.name
        if failed or not packed.is_file():
            raise AssetsUnavailableError(
                f"`npm pack {spec}` could not get {path.name} for the offline slides "
                f"({said or 'it wrote no tarball'}). {remedy}"
            )
        if pooch.file_hash(str(packed)) != sha256:
            raise AssetsUnavailableError(
                f"`npm pack {spec}` gave a {path.name} whose SHA-256 is not {sha256}, so it is not "
                f"used. {remedy}"
            )
        os.replace(packed, path)
    return path


def install_assets(out_dir, *, cache_dir=None, registry=None) -> Path:
    """Copy the libraries the deck needs into ``out_dir/slides-assets`` and return that folder."""
    target = Path(out_dir) / ASSETS
    for name, (_, _, keep) in PACKAGES.items():
        tarball = fetch_tarball(name, cache_dir=cache_dir, registry=registry)
        package_dir = target / name
        if package_dir.exists():
            shutil.rmtree(package_dir)
        with tarfile.open(tarball, "r:gz") as archive:
            members = [m for m in archive.getmembers() if m.isfile() and _wanted(m.name, keep)]
            for member in members:
                member.name = str(PurePosixPath(member.name).relative_to("package"))
            archive.extractall(package_dir, members=members, filter="data")
    return target


def _wanted(member: str, keep) -> bool:
    parts = PurePosixPath(member).parts
    if parts[:1] != ("package",):
        return False
    inside = PurePosixPath(*parts[1:])
    return any(inside == PurePosixPath(k) or PurePosixPath(k) in inside.parents for k in keep)


def make_slides(notebook, output_dir=None, *, cache_dir=None, registry=None) -> Path:
    """Write ``<output_dir>/<notebook name>.slides.html`` and the libraries it needs beside it.

    The deck shows the outputs stored in the notebook (it is not run again): each cell whose
    ``slideshow.slide_type`` is ``"slide"`` starts a slide. ``output_dir`` defaults to
    ``handouts`` in the current folder. Returns the path of the HTML file.
    """
    notebook = Path(notebook)
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook} (expected an existing .ipynb file)")
    out = Path(output_dir) if output_dir is not None else Path("handouts")
    out.mkdir(parents=True, exist_ok=True)
    if not all((out / ASSETS / name).is_dir() for name in PACKAGES):
        install_assets(out, cache_dir=cache_dir, registry=registry)
    exporter = SlidesExporter(
        extra_loaders=[jinja2.DictLoader({"cnnviz-offline.j2": TEMPLATE})],
        template_file="cnnviz-offline.j2",
        **OPTIONS,
    )
    html, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    page = out / f"{notebook.stem}.slides.html"
    page.write_text(html, encoding="utf-8")
    return page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnnviz.slides",
        description="Turn notebooks into reveal.js slide decks that open without internet.",
    )
    parser.add_argument("notebooks", nargs="+", help="the .ipynb files")
    parser.add_argument("--output-dir", default="handouts", help="where to write (default: handouts)")
    args = parser.parse_args(argv)
    for notebook in args.notebooks:
        try:
            page = make_slides(notebook, args.output_dir)
        except (FileNotFoundError, AssetsUnavailableError) as error:
            parser.exit(1, f"error: {error}\n")
        print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
