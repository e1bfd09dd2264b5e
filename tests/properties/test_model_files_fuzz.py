"""Model files built to be hostile or damaged (issue 20, point 6): each is refused with a ValueError
(or TypeError for a path that is not one) that names the problem, before anything large is allocated,
quickly, and without ever changing the model it was loaded into.

* files that claim more than they hold: a 1 kB description of a 1 GB model, an array header
  declaring 10**12 floats, a 3 MB zip whose entry inflates to 3 GiB;
* paths that are not files: a FIFO (which would block forever), a folder;
* descriptions nested 1,000 deep, and every part of a valid description replaced by values of
  the wrong type or removed;
* valid files truncated or with bytes flipped.

Peak memory is measured in a fresh process (``resource.getrusage``'s peak RSS), where nothing
else has run before.
"""

import copy
import json
import os
import struct
import subprocess
import sys
import textwrap
import threading
import time
import warnings
import zipfile
import zlib

import numpy as np
import pytest

from cnnviz import layers as L
from cnnviz._files import CONFIG_KEY
from cnnviz.models import Model, Sequential, load_model

MB = 2**20


def write_npz(path, config, arrays=None):
    """A file as cnnviz writes it: the JSON description plus named arrays (np.savez: stored, no pickle)."""
    np.savez(path, **{CONFIG_KEY: np.array(json.dumps(config))}, **(arrays or {}))


def dense_description(units, inputs):
    """The description of Sequential([Dense(units, input_shape=(inputs,))]), as model.save writes it."""
    return {
        "kind": "model",
        "class": "Sequential",
        "name": "big",
        "layers": [{"class": "Dense", "config": {"units": units, "input_shape": [inputs], "name": "dense"}}],
        "inputs": [[]],
        "input_shape": [inputs],
    }


def npy_header(shape, dtype="<f4"):
    """A .npy (version 1.0) header declaring ``shape``, padded as numpy pads it."""
    text = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    header = text + " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1")


def peak_memory_of(code, tmp_path):
    """Run ``code`` in a fresh Python; return (MB added to the peak RSS by it, its output)."""
    script = textwrap.dedent(
        f"""
        import resource, sys, warnings
        warnings.simplefilter("error")
        import numpy as np
        from cnnviz.models import load_model, Sequential
        from cnnviz import layers as L
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
        {textwrap.indent(textwrap.dedent(code), "    ")}
        except Exception as error:
            print(type(error).__name__ + ": " + str(error))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) / 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True
    )
    *said, grew = done.stdout.strip().splitlines()
    return float(grew), "\n".join(said)


# -- files that claim more than they hold ------------------------------------------------------------


def test_a_1kb_file_declaring_a_1gb_model_is_refused_before_allocating(tmp_path):
    path = tmp_path / "big.npz"
    write_npz(path, dense_description(250_000, 1000))  # 250 million weights declared, none stored
    assert path.stat().st_size < 1500
    grew, said = peak_memory_of(f"load_model({str(path)!r})", tmp_path)
    assert "ValueError" in said and "missing from the file: ['dense/bias', 'dense/kernel']" in said
    assert grew < 50, f"the peak memory grew by {grew:.0f} MB"


def test_an_array_header_declaring_10_to_the_12_floats_is_refused_unread(tmp_path):
    path = tmp_path / "header.npz"
    config = dense_description(3, 2)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(CONFIG_KEY + ".npy", _npy_bytes(np.array(json.dumps(config))))
        archive.writestr("dense/kernel.npy", npy_header((10**6, 10**6)) + bytes(64))  # 4 TB declared
        archive.writestr("dense/bias.npy", _npy_bytes(np.zeros(3, np.float32)))
    start = time.perf_counter()
    with pytest.raises(
        ValueError, match=r"declares an array of shape \(1000000, 1000000\).*but holds 64 bytes"
    ):
        load_model(path)
    assert time.perf_counter() - start < 1
    grew, said = peak_memory_of(f"load_model({str(path)!r})", tmp_path)
    assert "declares an array" in said and grew < 50


def _npy_bytes(array):
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def zip_bomb(path, name, header, gib=3):
    """A zip whose one deflated entry (``header`` + ``gib`` GiB of zeros) takes about 3 MB on disk.

    Built from one compressed 1 MiB block of zeros repeated (a full flush makes each block stand
    alone), so making it takes a moment; its CRC is left 0 (nothing reads that far).
    """
    chunk, count = bytes(MB), gib * 1024
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(header + chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    data = first + block * (count - 1) + deflate.flush()
    size = len(header) + count * MB
    name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, 0, len(data), size, len(name), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0x21,
        0,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    with open(path, "wb") as file:
        file.write(local + name + data)
        start = file.tell()
        file.write(central + name)
        end = file.tell()
        file.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, end - start, start, 0))


@pytest.mark.parametrize("how", ["load_model", "load_weights"])
def test_a_3mb_zip_with_a_3gib_entry_is_refused_unread(how, tmp_path):
    path = tmp_path / "bomb.npz"
    count = 3 * 2**30 // 4  # float32 zeros, 3 GiB
    zip_bomb(path, "dense/kernel.npy", npy_header((count,)))
    assert path.stat().st_size < 4 * MB
    code = (
        f"load_model({str(path)!r})"
        if how == "load_model"
        else f"Sequential([L.Dense(3, input_shape=(2,))]).load_weights({str(path)!r})"
    )
    start = time.perf_counter()
    grew, said = peak_memory_of(code, tmp_path)
    assert "ValueError" in said and "zip bomb" in said, said
    assert grew < 50 and time.perf_counter() - start < 30


def test_a_file_larger_than_memory_allows_is_refused(tmp_path, monkeypatch):
    from cnnviz import _files

    model = Sequential([L.Dense(64, input_shape=(64,))])
    model.save(tmp_path / "m.npz")
    monkeypatch.setattr(_files, "allowed_memory_bytes", lambda: 1000)
    with pytest.raises(ValueError, match=r"more than the 0.00 GiB cnnviz allows itself.*nothing was read"):
        load_model(tmp_path / "m.npz")


def test_the_memory_check_allows_half_of_what_is_available():
    from cnnviz import _checks

    allowed = _checks.allowed_memory_bytes()
    available = _checks._available_memory_bytes() or _checks._memory_bytes()
    assert allowed == int(0.5 * available) and allowed < _checks._memory_bytes()
    with pytest.raises(
        ValueError, match=r"more than this machine's memory allows \(50% of the memory available"
    ):
        _checks.check_allocation((allowed // 4 + 1,), np.float32, what="x", func="f")
    _checks.check_allocation((allowed // 8,), np.float32, what="x", func="f")  # a quarter: fine


# -- paths that are not files ------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("how", ["load_model", "load_weights"])
def test_a_fifo_is_refused_at_once(how, tmp_path):
    path = tmp_path / "fifo.npz"
    os.mkfifo(path)
    result = []

    def load():
        try:
            if how == "load_model":
                load_model(path)
            else:
                Sequential([L.Dense(3, input_shape=(2,))]).load_weights(path)
        except ValueError as error:
            result.append(str(error))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():  # unblock it: open the FIFO for writing, then fail
        with open(path, "wb"):
            pass
        pytest.fail("loading from a FIFO blocked")
    assert result and "is not a regular file (a pipe, a device or a socket)" in result[0]


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        load_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="No model file at"):
        load_model(tmp_path / "missing.npz")


# -- descriptions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_a_description_nested_deeply_is_a_value_error(depth, tmp_path):
    path = tmp_path / "deep.npz"
    np.savez(path, **{CONFIG_KEY: np.array("[" * depth + "]" * depth)})
    with pytest.raises(ValueError, match="its description"):
        load_model(path)


def test_a_description_that_is_not_an_object_is_refused(tmp_path):
    for text in ["[1, 2]", "3", '"model"', "null"]:
        np.savez(tmp_path / "x.npz", **{CONFIG_KEY: np.array(text)})
        with pytest.raises(ValueError, match="should be a JSON object"):
            load_model(tmp_path / "x.npz")
    np.savez(tmp_path / "x.npz", **{CONFIG_KEY: np.arange(3)})
    with pytest.raises(ValueError, match="should be one text"):
        load_model(tmp_path / "x.npz")


def valid_model():
    x = L.Input((6, 6, 1))
    a = L.Conv2D(2, 3, padding="same", activation="relu")(x)
    b = L.ReLU()(L.BatchNormalization()(L.Conv2D(2, 1)(a)))
    y = L.Dense(3, activation="softmax")(L.Flatten()(L.Add()([a, b])))
    model = Model(x, y, seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    model.build()
    return model


def paths_in(tree, prefix=()):
    """Every path to a value in a JSON tree (lists by index, dicts by key)."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths_in(value, (*prefix, key))
    elif isinstance(tree, list):
        for k, value in enumerate(tree):
            yield from paths_in(value, (*prefix, k))


WRONG = [None, True, -1, 0, 10**30, 2.5, float("nan"), "x", "Dense", [], [[1]], {}, {"a": 1}, [None] * 3]


def mutations(config):
    """Each value of the description replaced by each wrong value, or removed."""
    for path in list(paths_in(config))[1:]:
        for value in [*WRONG, "remove"]:
            changed = copy.deepcopy(config)
            parent = changed
            for step in path[:-1]:
                parent = parent[step]
            if value == "remove":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield path, value, changed


def test_every_malformed_description_is_a_value_error_or_loads(tmp_path):
    model = valid_model()
    model.save(tmp_path / "valid.npz")
    arrays = dict(np.load(tmp_path / "valid.npz"))
    config = json.loads(str(arrays.pop(CONFIG_KEY)))
    outcomes = {"refused": 0, "loaded": 0}
    for path, value, changed in mutations(config):
        write_npz(tmp_path / "m.npz", changed, arrays)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                load_model(tmp_path / "m.npz")
            outcomes["loaded"] += 1  # e.g. another name, or a setting that fits
        except ValueError as error:
            assert "m.npz" in str(error), (path, value, error)
            outcomes["refused"] += 1
        except Exception as error:  # any other kind is the failure this test looks for
            pytest.fail(f"{'/'.join(map(str, path))} = {value!r}: {type(error).__name__}: {error}")
    assert outcomes["refused"] > 500 and outcomes["loaded"] > 10, outcomes


def test_unknown_classes_are_refused_by_name(tmp_path):
    model = valid_model()
    model.save(tmp_path / "valid.npz")
    arrays = dict(np.load(tmp_path / "valid.npz"))
    config = json.loads(str(arrays.pop(CONFIG_KEY)))
    for where, name, match in [
        (("layers", 1, "class"), "Layer", None),
        (("layers", 1, "class"), "_ElementwiseMerge", "unknown layer class '_ElementwiseMerge'"),
        (("layers", 1, "class"), "Input", "unknown layer class 'Input'"),
        (("layers", 1, "class"), "np", "unknown layer class 'np'"),
        (("compile", "optimizer", 0), "get", "unknown optimizer class 'get'"),
        (("compile", "loss", 0), "Loss", None),
        (("compile", "loss", 0), "os", "unknown loss class 'os'"),
    ]:
        changed = copy.deepcopy(config)
        changed[where[0]][where[1]][where[2]] = name
        write_npz(tmp_path / "m.npz", changed, arrays)
        with pytest.raises(ValueError, match=match):
            load_model(tmp_path / "m.npz")


# -- damaged bytes ------------------------------------------------------------------------------------


def compressed_copy(source, target):
    """The same archive with its entries deflated, as np.savez_compressed writes them."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))


def test_a_compressed_copy_loads(tmp_path, rng):
    model = valid_model()
    model.save(tmp_path / "valid.npz")
    compressed_copy(tmp_path / "valid.npz", tmp_path / "small.npz")
    x = rng.normal(size=(2, 6, 6, 1)).astype(np.float32)
    np.testing.assert_array_equal(load_model(tmp_path / "small.npz").predict(x), model.predict(x))


@pytest.mark.parametrize("compressed", [False, True])
def test_truncated_and_flipped_files_are_value_errors(compressed, tmp_path):
    model = valid_model()
    model.save(tmp_path / "valid.npz")
    if compressed:  # damage inside a deflated stream: zlib's errors too must become ValueErrors
        compressed_copy(tmp_path / "valid.npz", tmp_path / "deflated.npz")
        os.replace(tmp_path / "deflated.npz", tmp_path / "valid.npz")
    data = (tmp_path / "valid.npz").read_bytes()
    rng = np.random.default_rng(20)
    damaged = [data[:n] for n in range(0, len(data), max(1, len(data) // 150))]
    for _ in range(300):
        flipped = bytearray(data)
        for at in rng.integers(0, len(data), size=rng.integers(1, 4)):
            flipped[at] ^= 1 << int(rng.integers(8))
        damaged.append(bytes(flipped))
    before = [w.tobytes() for w in model.get_weights()]
    kinds = {}
    for k, content in enumerate(damaged):
        (tmp_path / "d.npz").write_bytes(content)
        for load in (lambda p: load_model(p), model.load_weights):
            try:
                with warnings.catch_warnings():  # a flipped bit may make a weight NaN: loaded, with a warning
                    warnings.simplefilter("ignore")
                    load(tmp_path / "d.npz")
                kinds["loaded"] = kinds.get("loaded", 0) + 1
            except ValueError:
                kinds["refused"] = kinds.get("refused", 0) + 1
            except Exception as error:  # any other kind is a failure
                pytest.fail(f"damaged file {k}: {type(error).__name__}: {error}")
        model.set_weights(
            [np.frombuffer(b, np.float32).reshape(w.shape) for b, w in zip(before, model.get_weights())]
        )
    assert kinds["refused"] > 150, kinds


def test_entries_that_are_not_arrays_are_refused(tmp_path):
    model = valid_model()
    model.save(tmp_path / "valid.npz")
    with (
        zipfile.ZipFile(tmp_path / "valid.npz") as source,
        zipfile.ZipFile(tmp_path / "x.npz", "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("notes.txt", b"hello")
    with pytest.raises(ValueError, match=r"'notes\.txt' that is not one array"):
        load_model(tmp_path / "x.npz")
    np.save(tmp_path / "objects.npy", np.array([{"code": 1}], dtype=object), allow_pickle=True)
    with (
        zipfile.ZipFile(tmp_path / "valid.npz") as source,
        zipfile.ZipFile(tmp_path / "y.npz", "w") as target,
    ):
        for info in source.infolist():
            data = (
                (tmp_path / "objects.npy").read_bytes()
                if info.filename == "dense/bias.npy"
                else source.read(info)
            )
            target.writestr(info, data)
    with pytest.raises(ValueError, match=r"holds Python objects .* cnnviz never unpickles"):
        load_model(tmp_path / "y.npz")


def test_a_model_of_4000_layers_loads_in_linear_time(tmp_path):
    layers = [L.Rescaling(1.0, input_shape=(2,))] + [L.Rescaling(1.0) for _ in range(3999)]
    start = time.perf_counter()
    model = Sequential(layers)
    assert time.perf_counter() - start < 1  # was seconds: each layer's name tried against every earlier one
    model.save(tmp_path / "deep.npz")
    start = time.perf_counter()
    loaded = load_model(tmp_path / "deep.npz")
    assert time.perf_counter() - start < 2 and len(loaded.layers) == 4000
    assert loaded.layers[-1].name == "rescaling_3999"
