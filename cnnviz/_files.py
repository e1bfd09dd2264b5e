"""Weights files: numpy's ``.npz`` archive of named arrays, plus a JSON description, never pickle.

A file from a stranger must not be able to run code, so arrays are read with
``allow_pickle=False`` and the description is plain JSON text stored as one more array.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np

__all__ = ["read_archive", "write_archive"]

CONFIG_KEY = "__cnnviz__"  # the array that holds the JSON description


def write_archive(path, arrays, config):
    """Write ``{name: array}`` and the JSON-able ``config`` to ``path`` (exactly that name)."""
    with open(path, "wb") as file:
        np.savez(file, **{CONFIG_KEY: np.array(json.dumps(config))}, **arrays)


def read_archive(path, kind):
    """``(arrays, config)`` from a file written by ``write_archive``; a clear error for anything else."""
    try:
        with open(path, "rb") as file:  # ours to close, whatever np.load makes of the bytes
            archive = np.load(file, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("it holds one array, not a .npz archive")
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"No {kind} file at {str(path)!r}.") from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(
            f"{str(path)!r} is not a cnnviz {kind} file (a .npz archive written by cnnviz), or it is damaged: {error}"
        ) from None
    if CONFIG_KEY not in arrays:
        raise ValueError(
            f"{str(path)!r} is a .npz archive but not a cnnviz {kind} file (it has no description)."
        )
    try:
        config = json.loads(str(arrays.pop(CONFIG_KEY)))
    except json.JSONDecodeError as error:
        raise ValueError(f"{str(path)!r}: its description is damaged: {error}") from None
    return arrays, config
