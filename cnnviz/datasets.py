"""MNIST and Fashion-MNIST as numpy arrays, read from the original gzip IDX files.

``load_mnist()`` and ``load_fashion_mnist()`` return ``(x_train, y_train), (x_test, y_test)``
as ``uint8`` arrays with the shapes Keras gives: images ``(N, 28, 28)`` and labels ``(N,)``,
with N = 60000 for training and 10000 for testing.

Where the files come from. Each dataset is four gzip files (``FILES``), fetched with pooch
from the mirrors in ``MIRRORS``, tried in order, and checked against the SHA-256 values in
``SHA256``. A file that is already on disk with the right checksum is used as is, without
any network access; a file with the wrong checksum is downloaded again.

Where they are kept. ``<root>/mnist/<file>`` and ``<root>/fashion-mnist/<file>``. The root
is the ``data_dir`` argument if given, else the environment variable ``CNNVIZ_DATA_DIR``
if set, else pooch's cache folder for cnnviz (``~/.cache/cnnviz`` on Linux). Point
``CNNVIZ_DATA_DIR`` at a folder that already holds the files to work offline.

>>> FASHION_MNIST_LABELS[9]
'Ankle boot'
>>> dataset_dir("fashion-mnist", data_dir="/tmp/course-data").as_posix()
'/tmp/course-data/fashion-mnist'
>>> [name for name in FILES if "t10k" in name]
['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pooch

__all__ = [
    "COLS",
    "ENV_VAR",
    "FASHION_MNIST_LABELS",
    "FILES",
    "MIRRORS",
    "ROWS",
    "SHA256",
    "DatasetUnavailableError",
    "dataset_dir",
    "fetch",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
]


ENV_VAR = "CNNVIZ_DATA_DIR"

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# Base URLs, tried in this order. Tests put local servers here.
MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}

SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

FASHION_MNIST_LABELS = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049  # 0x00000803 and 0x00000801, big-endian
ROWS = COLS = 28

# pooch logs "Downloading data from ..." at INFO to stderr, which would become a notebook
# cell output that depends on the cache. pooch's logger sits outside logging's hierarchy, so
# a level set after its first message is ignored: set both the logger and its handlers now.
_POOCH_LOGGER = pooch.get_logger()
_POOCH_LOGGER.setLevel(logging.WARNING)
for _handler in _POOCH_LOGGER.handlers:
    _handler.setLevel(logging.WARNING)


class DatasetUnavailableError(OSError):
    """A dataset file is not on disk (or is corrupt) and no mirror could deliver it.

    A subclass of ``OSError``, so ``except OSError`` catches it too.
    """


def load_mnist(*, data_dir=None, mirrors=None, progressbar=True):
    """Load MNIST handwritten digits (LeCun, Cortes and Burges), downloading it if needed.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Root folder holding ``mnist/<file>``. Default: ``$CNNVIZ_DATA_DIR``, else pooch's
        cache folder for cnnviz.
    mirrors : sequence of str, optional
        Base URLs to try in order. Default: ``MIRRORS["mnist"]``.
    progressbar : bool
        Show a tqdm progress bar while downloading.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuple of numpy.ndarray
        uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).
        Pixels are 0-255 (0 = background); labels are the digits 0-9.

    Raises
    ------
    DatasetUnavailableError
        If a file is missing or corrupt and no mirror could deliver a good copy.
    ValueError
        If a file with the right checksum still does not hold what MNIST should (see
        :func:`read_idx`); this cannot happen with the published files.
    """
    return _load("mnist", data_dir, mirrors, progressbar)


def load_fashion_mnist(*, data_dir=None, mirrors=None, progressbar=True):
    """Load Fashion-MNIST (Zalando Research, MIT License), downloading it if needed.

    Same parameters and return shapes as :func:`load_mnist`, with files under
    ``<root>/fashion-mnist/``. Label ``k`` is the clothing class ``FASHION_MNIST_LABELS[k]``.
    """
    return _load("fashion-mnist", data_dir, mirrors, progressbar)


def dataset_dir(dataset: str, data_dir=None) -> Path:
    """The folder that holds (or will hold) one dataset's files: ``<root>/<dataset>``."""
    _check_choice("dataset", dataset, tuple(SHA256))
    root = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or pooch.os_cache("cnnviz")
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a folder path (str or Path); received data_dir={root!r}.")
    return Path(root).expanduser() / dataset


def fetch(dataset: str, filename: str, *, data_dir=None, mirrors=None, progressbar=True) -> Path:
    """Return the local path of one verified file, downloading it if it is missing or corrupt.

    A file already present with the right SHA-256 is returned without any network
    access and without writing anything. Otherwise each mirror is tried in order with
    ``pooch.retrieve``, which only keeps a download whose checksum matches.

    Raises
    ------
    DatasetUnavailableError
        If no mirror delivered a good copy. The message names the file, the folder where
        it is expected, each URL tried with its error, and how to get the file by hand.
    """
    folder = dataset_dir(dataset, data_dir)
    _check_choice("filename", filename, FILES)
    if mirrors is None:
        mirrors = MIRRORS[dataset]
    if isinstance(mirrors, str) or not isinstance(mirrors, Sequence) or not mirrors:
        raise (ValueError if isinstance(mirrors, Sequence) and not mirrors else TypeError)(
            f"mirrors must be a non-empty list of base URLs (str); received mirrors={mirrors!r}. "
            'For a single mirror, write mirrors=["https://example.org/mnist/"].'
        )
    if not isinstance(progressbar, bool):
        raise TypeError(f"progressbar must be True or False; received progressbar={progressbar!r}.")
    known = SHA256[dataset][filename]
    path = folder / filename
    if path.is_dir():
        raise DatasetUnavailableError(
            f"{path} is a folder, where the {dataset} file {filename!r} should be. Move or rename that "
            "folder, and run again to download the file."
        )
    present = path.is_file()
    if present and pooch.file_hash(str(path)) == known:
        return path
    folder_existed = folder.is_dir()

    errors = []
    for base in mirrors:
        url = str(base).rstrip("/") + "/" + filename
        try:
            pooch.retrieve(
                url, known_hash=f"sha256:{known}", fname=filename, path=folder, progressbar=progressbar
            )
        except (OSError, ValueError) as err:  # requests' errors are OSErrors; a bad hash is a ValueError
            errors.append(f"  - {url}\n    {type(err).__name__}: {err}")
        else:
            return path
    if not folder_existed and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()  # a failed download leaves nothing behind, not even the empty folder it made
    state = (
        f"The copy in {folder} does not match its SHA-256 checksum (corrupt or truncated)"
        if present
        else f"It is missing from {folder}"
    )
    raise DatasetUnavailableError(
        f"Could not get the {dataset} file {filename!r}. {state}, and no mirror delivered "
        f"a good copy (expected SHA-256 {known}). URLs tried:\n" + "\n".join(errors) + "\n"
        f"To fix this, download {filename} by hand from one of the URLs above into {folder}, "
        f"or set the environment variable {ENV_VAR} to a folder that already holds "
        f"{dataset}/{filename}. The dataset's other files ({', '.join(f for f in FILES if f != filename)}) "
        "belong in the same folder."
    )


def read_idx(path, *, count=None) -> np.ndarray:
    """Read one gzip IDX file of the MNIST layout, checking its header against its size.

    Parameters
    ----------
    path : str or os.PathLike
        A ``*-images-idx3-ubyte.gz`` file (magic 2051) or ``*-labels-idx1-ubyte.gz`` (2049).
    count : int, optional
        The number of examples the file must hold.

    Returns
    -------
    numpy.ndarray
        uint8 images of shape (count, 28, 28), or uint8 labels of shape (count,).

    Raises
    ------
    ValueError
        If the file is not gzip, its magic number, count or image size is not the expected
        one, or the payload length differs from what the header announces.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"{path} is not a complete gzip file ({err}). Delete it and load again.") from None
    magic = int.from_bytes(data[:4], "big")
    if magic not in (IMAGE_MAGIC, LABEL_MAGIC):
        raise ValueError(
            f"{path} is not an MNIST-style IDX file: expected magic number {IMAGE_MAGIC} (images) "
            f"or {LABEL_MAGIC} (labels) in its first 4 bytes; found {magic} (file of {len(data)} bytes)."
        )
    header = 16 if magic == IMAGE_MAGIC else 8
    if len(data) < header:
        raise ValueError(f"{path} has {len(data)} bytes after gunzip; an IDX header alone takes {header}.")
    # header: magic, count[, rows, cols], each a big-endian uint32
    n, *dims = (int.from_bytes(data[i : i + 4], "big") for i in range(4, header, 4))
    if count is not None and n != count:
        raise ValueError(f"{path} holds {n} examples according to its header; expected {count}.")
    if magic == IMAGE_MAGIC and dims != [ROWS, COLS]:
        raise ValueError(
            f"{path} has images of {dims[0]}×{dims[1]} pixels (rows × cols); expected {ROWS}×{COLS}."
        )
    shape = (n, ROWS, COLS) if magic == IMAGE_MAGIC else (n,)
    expected_len = header + int(np.prod(shape))
    if len(data) != expected_len:
        raise ValueError(
            f"{path} has {len(data)} bytes after gunzip; its header (magic {magic}, count {n}) "
            f"announces {expected_len}. The file is truncated or damaged: delete it and load again."
        )
    out = np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()  # writable copy
    if magic == LABEL_MAGIC and n and out.max() > 9:
        raise ValueError(f"{path} has a label {out.max()}; expected labels 0-9.")
    return out


def _load(dataset, data_dir, mirrors, progressbar):
    arrays = {}
    for name in FILES:
        path = fetch(dataset, name, data_dir=data_dir, mirrors=mirrors, progressbar=progressbar)
        arrays[name] = read_idx(path, count=60000 if name.startswith("train") else 10000)
    x_train, y_train, x_test, y_test = (arrays[name] for name in FILES)
    return (x_train, y_train), (x_test, y_test)


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; received {name}={value!r}.")
