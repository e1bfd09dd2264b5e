"""Weights files: numpy's ``.npz`` archive of named arrays, plus a JSON description, never pickle.

A file from a stranger must not be able to run code, so arrays are read with
``allow_pickle=False`` and the description is plain JSON text stored as one more array.

Nor may a file take more than it holds, or lose what was there before:

* **Writing** goes to a temporary file in the same folder, renamed over the old file only
  once it is complete (``os.replace`` is atomic), so a save that fails halfway leaves
  the previous file as it was.
* **Reading** first looks at the archive's table of contents and at every array's header
  (its dtype and shape: a few dozen bytes), never at the data. The sizes the headers
  declare must agree with the sizes of the archive's entries, and all of them together
  must fit in the memory ``check_allocation`` allows, and in 10 times the file's size (weights
  never compress that well: more is a zip bomb), before anything is read; the caller then
  compares the names and shapes with the model (``Archive.headers``) and reads only when they
  fit. Paths that are not regular files (a FIFO would block forever) are refused.
"""

from __future__ import annotations

import json
import math
import os
import reprlib
import secrets
import stat
import zipfile
import zlib

import numpy as np

from ._checks import ALLOCATION_SHARE, allowed_memory_bytes

__all__ = ["Archive", "check_path", "write_archive"]

CONFIG_KEY = "__cnnviz__"  # the array that holds the JSON description
MAX_DESCRIPTION_BYTES = 64 * 2**20  # a description of 4,000 layers takes about 1 MB
# cnnviz writes arrays as they are (np.savez); compressed by hand (np.savez_compressed), weights shrink
# little, as random numbers do. An archive whose arrays would be more than 10 times its size is a zip bomb.
MAX_EXPANSION = 10


def check_path(path, method):
    """``path`` as a str, or a TypeError: ``save(1)`` would otherwise write to file descriptor 1."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(
            f"{method} expects a file path (a str or pathlib.Path), like 'model.npz'; "
            f"received {reprlib.repr(path)} of type {type(path).__name__}."
        )
    if not path:
        raise ValueError(f"{method} expects a file path, like 'model.npz'; received an empty string.")
    return path


def write_archive(path, arrays, config, method="save"):
    """Write ``{name: array}`` and the JSON-able ``config`` to ``path`` (exactly that name), atomically."""
    path = check_path(path, method)
    # the description first: if it cannot be written, no file has been touched
    text = json.dumps(config, default=_plain)
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")  # same folder: same disk
    try:
        with open(temporary, "xb") as file:  # "x": a new file, never someone else's
            np.savez(file, **{CONFIG_KEY: np.array(text)}, **arrays)
            file.flush()
            os.fsync(file.fileno())  # on disk before it takes the old file's place
        os.replace(temporary, path)  # atomic: readers see the old file or the new one, never half
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _plain(value):
    """numpy numbers as Python's (``json.dumps`` calls this for what it cannot write)."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()  # np.float32(0.01) -> 0.009999999776482582, the very number it held
    raise TypeError(
        f"cannot save {reprlib.repr(value)} (of type {type(value).__name__}) in a model's description: "
        "it holds numbers, strings, lists and dicts only."
    )


# what numpy, zipfile and zlib raise for damaged bytes (zipfile: NotImplementedError for features it lacks)
DAMAGED = (
    ValueError,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RecursionError,
    SyntaxError,
    NotImplementedError,
)


class Refused(ValueError):
    """A file refused with a complete message (other errors get "damaged" and the file's name)."""


class Archive:
    """A cnnviz file opened for reading: its description and its arrays' headers, no data yet.

    ``config`` is the JSON description; ``headers`` maps each array's name to
    ``(shape, dtype)`` as declared, already checked against the entry's size;
    ``read(name)`` reads one array. Use it in a ``with`` block, which closes the file.
    """

    def __init__(self, path, kind):
        self.path, self.kind = check_path(path, f"reading a {kind} file"), kind
        self.file = _open_regular(self.path, kind)
        try:
            self.zip = zipfile.ZipFile(self.file)
            entries = self._entries()
            # name -> (shape, dtype, header's bytes, Fortran order): what read() needs
            self.layout = {name: self._header(info) for name, info in entries.items()}
            self.config = self._description(entries)
            self.headers = {name: layout[:2] for name, layout in self.layout.items() if name != CONFIG_KEY}
        except Refused as error:
            self.close()
            raise ValueError(str(error)) from None  # a ValueError by name, as every other refusal
        except DAMAGED as error:
            self.close()  # what numpy and zipfile say of damaged bytes, as a ValueError that names the file
            raise ValueError(self._damaged(error)) from None
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.file.close()

    def read(self, name):
        """The array ``name`` (its size was checked against the entry when the file was opened)."""
        shape, dtype, header_bytes, fortran = self.layout[name]
        data_bytes = math.prod(shape) * dtype.itemsize
        try:
            with self.zip.open(self.entries[name]) as entry:
                entry.read(header_bytes)  # parsed already: the data follows
                data = entry.read(data_bytes)
        except DAMAGED as error:
            raise ValueError(self._damaged(error)) from None
        if len(data) != data_bytes:
            raise ValueError(self._damaged(f"{name!r} holds {len(data):,} of its {data_bytes:,} bytes"))
        return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")  # read-only

    # -- what opening checks ---------------------------------------------------------------------
    def _damaged(self, error):
        return (
            f"{self.path!r} is not a cnnviz {self.kind} file (a .npz archive written by cnnviz), "
            f"or it is damaged: {error}"
        )

    def _entries(self):
        """{array name: ZipInfo}, after checking the table of contents against the file's size."""
        infos = self.zip.infolist()
        size = os.fstat(self.file.fileno()).st_size
        self.entries = {}
        for info in infos:
            name = info.filename[: -len(".npy")] if info.filename.endswith(".npy") else None
            if name is None or name in self.entries:
                raise ValueError(
                    f"it holds an entry {info.filename!r} that is not one array of a .npz archive"
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
                raise ValueError(
                    f"entry {info.filename!r} is compressed or encrypted in a way numpy never writes"
                )
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise ValueError(
                    f"entry {info.filename!r} is stored as it is, yet claims {info.file_size:,} bytes "
                    f"and holds {info.compress_size:,}"
                )
            self.entries[name] = info
        if sum(info.compress_size for info in infos) > size:
            raise ValueError(f"its entries claim more bytes than the file's {size:,}")
        declared, allowed = sum(info.file_size for info in infos), allowed_memory_bytes()
        if declared > MAX_EXPANSION * size + 2**20:  # (+ 1 MiB: a tiny file's headers)
            raise Refused(
                f"{self.path!r} declares {declared:,} bytes of arrays in a file of {size:,} bytes: compressed "
                f"more than {MAX_EXPANSION} times, which weights never are (a zip bomb?); nothing was read."
            )
        if allowed and declared > allowed:
            raise Refused(
                f"{self.path!r} declares {declared / 2**30:,.2f} GiB of arrays, more than the "
                f"{allowed / 2**30:,.2f} GiB cnnviz allows itself ({ALLOCATION_SHARE:.0%} of the memory "
                "available now); "
                "nothing was read."
            )
        return self.entries

    def _header(self, info):
        """(shape, dtype, header's bytes, Fortran order) from an array's header, checked against the entry."""
        with self.zip.open(info) as entry:
            version = np.lib.format.read_magic(entry)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(entry)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(entry)
            else:
                raise ValueError(
                    f"entry {info.filename!r} has .npy format {version}, which cnnviz does not read"
                )
            header_bytes = entry.tell()
        if dtype.hasobject:
            raise ValueError(
                f"entry {info.filename!r} holds Python objects (dtype {dtype}), which only pickle can read; "
                "cnnviz never unpickles a file"
            )
        if any(n < 0 for n in shape):
            raise ValueError(f"entry {info.filename!r} declares a negative size: shape {shape}")
        data_bytes = math.prod(shape) * dtype.itemsize
        if header_bytes + data_bytes != info.file_size:
            raise ValueError(
                f"entry {info.filename!r} declares an array of shape {shape} and dtype {dtype} "
                f"({data_bytes:,} bytes) but holds {info.file_size - header_bytes:,} bytes"
            )
        return shape, dtype, header_bytes, fortran

    def _description(self, entries):
        """The JSON description, a dict; a clear error when it is missing, too large or damaged."""
        if CONFIG_KEY not in entries:
            raise Refused(
                f"{self.path!r} is a .npz archive but not a cnnviz {self.kind} file (it has no description)."
            )
        shape, dtype, _, _ = self.layout[CONFIG_KEY]
        if shape != () or dtype.kind != "U" or entries[CONFIG_KEY].file_size > MAX_DESCRIPTION_BYTES:
            raise Refused(
                f"{self.path!r}: its description should be one text of at most {MAX_DESCRIPTION_BYTES:,} "
                f"bytes; it is an array of shape {shape} and dtype {dtype} "
                f"({entries[CONFIG_KEY].file_size:,} bytes)."
            )
        try:
            config = json.loads(str(self.read(CONFIG_KEY)))
        except (json.JSONDecodeError, RecursionError) as error:
            reason = "it is nested too deeply" if isinstance(error, RecursionError) else error
            raise Refused(f"{self.path!r}: its description is damaged: {reason}") from None
        if not isinstance(config, dict):
            raise Refused(
                f"{self.path!r}: its description should be a JSON object; it is a {type(config).__name__}."
            )
        return config


def _open_regular(path, kind):
    """The file at ``path``, opened for reading, if it is a regular file (a FIFO would block forever)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # a FIFO opens at once
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(f"No {kind} file at {path!r}.") from None
    except IsADirectoryError:
        raise ValueError(f"{path!r} is a folder, not a cnnviz {kind} file.") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, a device or a socket)"
        raise ValueError(f"{path!r} is {what}; cnnviz reads {kind} from .npz files only.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")
