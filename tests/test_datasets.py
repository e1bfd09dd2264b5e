"""Tests for cnnviz.datasets against a local HTTP server; they never touch the internet.

The server serves copies of the course's offline copies of the datasets: the folder
``$CNNVIZ_DATA_DIR`` if set, else ``shared/data`` beside the repository. Tests that need
them are skipped where that folder is absent.
"""

from __future__ import annotations

import gzip
import logging
import os
import socket
from pathlib import Path

import numpy as np
import pooch
import pytest
from _helpers import Server

from cnnviz import datasets

SHARED = Path(os.environ.get(datasets.ENV_VAR) or Path(__file__).resolve().parents[2] / "shared" / "data")
needs_shared = pytest.mark.skipif(
    not (SHARED / "mnist").is_dir(), reason=f"the offline copies of MNIST are not in {SHARED}"
)
LABELS = "t10k-labels-idx1-ubyte.gz"  # the smallest file, 4.5 kB


class DataServer(Server):
    """The loopback server, laid out like a dataset mirror: ``<dataset>/<file>``."""

    def add(self, dataset: str, name: str, data: bytes | None = None) -> None:
        """Serve ``<dataset>/<name>``: the shared copy, or ``data`` if given."""
        self.serve(f"{dataset}/{name}", shared_bytes(dataset, name) if data is None else data)

    def mirror(self, dataset: str) -> str:
        return f"{self.url}/{dataset}/"


@pytest.fixture
def server(tmp_path):
    srv = DataServer(tmp_path / "www")
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache root; CNNVIZ_DATA_DIR is unset so the argument is what counts."""
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def dead_url():
    """A URL on a loopback port with nothing listening: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def shared_bytes(dataset: str, name: str) -> bytes:
    return (SHARED / dataset / name).read_bytes()


# --- downloads ---------------------------------------------------------------------------


@needs_shared
def test_download_into_empty_cache_then_no_requests(server, cache):
    server.add("mnist", LABELS)
    path = datasets.fetch(
        "mnist", LABELS, data_dir=cache, mirrors=[server.mirror("mnist")], progressbar=False
    )
    assert path == cache / "mnist" / LABELS
    assert path.read_bytes() == shared_bytes("mnist", LABELS)
    assert server.requests == [f"/mnist/{LABELS}"]

    again = datasets.fetch(
        "mnist", LABELS, data_dir=cache, mirrors=[server.mirror("mnist")], progressbar=False
    )
    assert again == path
    assert len(server.requests) == 1  # the second call made no request


@needs_shared
def test_falls_back_to_the_next_mirror(server, cache, dead_url):
    server.add("mnist", LABELS)
    mirrors = [dead_url, f"{server.url}/no-such-folder/", server.mirror("mnist")]
    path = datasets.fetch("mnist", LABELS, data_dir=cache, mirrors=mirrors, progressbar=False)
    assert pooch.file_hash(str(path)) == datasets.SHA256["mnist"][LABELS]
    assert server.requests == [f"/no-such-folder/{LABELS}", f"/mnist/{LABELS}"]


@needs_shared
def test_tampered_download_is_rejected_and_not_kept(server, cache):
    data = bytearray(shared_bytes("mnist", LABELS))
    data[100] ^= 0xFF
    server.add("mnist", LABELS, bytes(data))
    with pytest.raises(
        datasets.DatasetUnavailableError,
        match=r"(?s)t10k-labels-idx1-ubyte\.gz.*does not match the known hash",
    ):
        datasets.fetch("mnist", LABELS, data_dir=cache, mirrors=[server.mirror("mnist")], progressbar=False)
    assert not (cache / "mnist" / LABELS).exists()
    assert not (cache / "mnist").exists()  # pooch's temporary file is gone, and the empty folder too


@needs_shared
@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_corrupt_cached_file_is_fetched_again(server, cache, damage):
    good = shared_bytes("mnist", LABELS)
    bad = good[:1000] if damage == "truncated" else bytes([good[0] ^ 1]) + good[1:]
    (cache / "mnist").mkdir(parents=True)
    (cache / "mnist" / LABELS).write_bytes(bad)
    server.add("mnist", LABELS)
    path = datasets.fetch(
        "mnist", LABELS, data_dir=cache, mirrors=[server.mirror("mnist")], progressbar=False
    )
    assert path.read_bytes() == good
    assert len(server.requests) == 1


def test_corrupt_cached_file_and_no_mirror_gives_a_clear_error(cache, dead_url):
    (cache / "mnist").mkdir(parents=True)
    (cache / "mnist" / LABELS).write_bytes(b"not the labels")
    with pytest.raises(datasets.DatasetUnavailableError, match="does not match its SHA-256 checksum"):
        datasets.fetch("mnist", LABELS, data_dir=cache, mirrors=[dead_url])


def test_offline_without_a_copy_says_where_and_what_to_do(cache, dead_url, monkeypatch):
    monkeypatch.setitem(datasets.MIRRORS, "mnist", (dead_url, dead_url.replace("/mnist/", "/other/")))
    folder = cache / "mnist"
    with pytest.raises(datasets.DatasetUnavailableError) as info:
        datasets.load_mnist(data_dir=cache, progressbar=False)
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert f"It is missing from {folder}" in message
    assert dead_url + "train-images-idx3-ubyte.gz" in message
    assert "ConnectionError" in message
    with pytest.raises(
        datasets.DatasetUnavailableError,
        match=(
            r"(?s)Could not get the mnist file 'train-images-idx3-ubyte\.gz'\. It is missing from .*"
            r"download train-images-idx3-ubyte\.gz by hand from one of the URLs above into .*"
            r"or set the environment variable CNNVIZ_DATA_DIR to a folder that already holds "
            r"mnist/train-images-idx3-ubyte\.gz\. The dataset's other files \(train-labels-idx1-ubyte\.gz, .*\) "
            r"belong in the same folder\.$"
        ),
    ):
        datasets.load_mnist(data_dir=cache, progressbar=False)


@needs_shared
def test_whole_dataset_download_through_the_loader(server, tmp_path, monkeypatch):
    for name in datasets.FILES:
        server.add("mnist", name)
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "env-cache"))
    monkeypatch.setitem(datasets.MIRRORS, "mnist", (server.mirror("mnist"),))
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(progressbar=False)
    assert len(server.requests) == 4
    assert sorted(p.name for p in (tmp_path / "env-cache" / "mnist").iterdir()) == sorted(datasets.FILES)
    assert [a.shape for a in (x_train, y_train, x_test, y_test)] == [
        (60000, 28, 28),
        (60000,),
        (10000, 28, 28),
        (10000,),
    ]
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert x_train.min() == 0 and x_train.max() == 255
    x_test[0, 0, 0] = 1  # writable, like Keras' arrays


# --- the offline copies, read in place ----------------------------------------------------


def _snapshot(folder: Path):
    return sorted((p.relative_to(folder), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


@needs_shared
def test_env_var_reads_the_shared_copies_in_place(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("pooch.retrieve was called although every file was present")

    monkeypatch.setenv(datasets.ENV_VAR, str(SHARED))
    monkeypatch.setattr(pooch, "retrieve", no_network)
    before = _snapshot(SHARED)
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28),
        (60000,),
        (10000, 28, 28),
        (10000,),
    )
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    assert (x_train.shape, x_test.shape) == ((60000, 28, 28), (10000, 28, 28))
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert _snapshot(SHARED) == before


@needs_shared
def test_data_dir_argument_overrides_the_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "elsewhere"))
    path = datasets.fetch("fashion-mnist", LABELS, data_dir=SHARED, mirrors=["http://127.0.0.1:9/"])
    assert path == SHARED / "fashion-mnist" / LABELS
    assert not (tmp_path / "elsewhere").exists()


def test_default_folder_is_pooch_cache(monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    assert datasets.dataset_dir("mnist") == pooch.os_cache("cnnviz") / "mnist"
    monkeypatch.setenv(datasets.ENV_VAR, "/some/root")
    assert datasets.dataset_dir("fashion-mnist") == Path("/some/root/fashion-mnist")


# --- IDX header checks --------------------------------------------------------------------


def _idx(tmp_path, *words, payload=b""):
    path = tmp_path / "made-up-idx.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"".join(w.to_bytes(4, "big") for w in words) + payload)
    return path


def test_read_idx_reads_a_small_image_file(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    out = datasets.read_idx(_idx(tmp_path, 2051, 2, 28, 28, payload=images.tobytes()), count=2)
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize(
    ("words", "payload", "match"),
    [
        (
            (2050, 3),
            b"\x01\x02\x03",
            r"made-up-idx\.gz is not an MNIST-style IDX file: expected magic number 2051 .* found 2050",
        ),
        ((2049, 3), b"\x01\x02", r"made-up-idx\.gz has 10 bytes after gunzip; .* announces 11"),
        (
            (2049, 4),
            b"\x01\x02\x03\x04",
            r"made-up-idx\.gz holds 4 examples according to its header; expected 3",
        ),
        ((2049, 3), b"\x01\x02\x0c", r"made-up-idx\.gz has a label 12"),
        ((2051, 3, 32, 32), b"", r"made-up-idx\.gz has images of 32×32 pixels .* expected 28×28"),
        ((2051,), b"", r"made-up-idx\.gz has 4 bytes after gunzip; an IDX header alone takes 16"),
    ],
)
def test_read_idx_refuses_bad_headers(tmp_path, words, payload, match):
    with pytest.raises(ValueError, match=match):
        datasets.read_idx(_idx(tmp_path, *words, payload=payload), count=3)


def test_read_idx_refuses_a_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"\x00\x00\x08\x01 plain bytes")
    with pytest.raises(ValueError, match=r"plain\.gz is not a complete gzip file"):
        datasets.read_idx(path)


# --- arguments and constants --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dataset": "cifar10"}, ValueError, "dataset must be one of .*received dataset='cifar10'"),
        ({"filename": "train.npz"}, ValueError, "filename must be one of .*received filename='train.npz'"),
        ({"mirrors": "http://127.0.0.1/"}, TypeError, "mirrors must be a non-empty list of base URLs"),
        ({"mirrors": []}, ValueError, "mirrors must be a non-empty list"),
        ({"mirrors": 8080}, TypeError, "mirrors must be a non-empty list"),
        ({"progressbar": "yes"}, TypeError, "progressbar must be True or False"),
        ({"data_dir": 3}, TypeError, "data_dir must be a folder path"),
    ],
)
def test_fetch_validates_its_arguments(tmp_path, kwargs, error, match):
    args = {"dataset": "mnist", "filename": LABELS, "data_dir": tmp_path, "mirrors": ["http://127.0.0.1:9/"]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        datasets.fetch(args.pop("dataset"), args.pop("filename"), **args)


def test_constants():
    assert len(datasets.FASHION_MNIST_LABELS) == 10
    assert datasets.FASHION_MNIST_LABELS[0] == "T-shirt/top"
    assert set(datasets.MIRRORS) == set(datasets.SHA256) == {"mnist", "fashion-mnist"}
    assert all(set(hashes) == set(datasets.FILES) for hashes in datasets.SHA256.values())


def test_pooch_download_messages_are_silenced():
    logger = pooch.get_logger()
    assert not logger.isEnabledFor(logging.INFO)
    assert all(h.level >= logging.WARNING for h in logger.handlers)


def test_a_folder_where_a_file_should_be_is_named(tmp_path):
    (tmp_path / "mnist" / LABELS).mkdir(parents=True)
    with pytest.raises(datasets.DatasetUnavailableError, match="is a folder, where the mnist file"):
        datasets.fetch("mnist", LABELS, data_dir=tmp_path, mirrors=["http://127.0.0.1:9/"], progressbar=False)
