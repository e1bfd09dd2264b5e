"""Helpers shared by the tests: numerical gradients, the engine's paths forced, and a loopback
HTTP server for the download code.

``cnnviz.reference`` takes each op's name and arguments, so tests call it as they call the op.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from cnnviz import _conv_engine, _parallel, _windows, ops, reference

EXACT = {"rtol": 1e-10, "atol": 1e-10}  # vectorized vs reference loops, both in float64
GRAD_TOL = {"rtol": 1e-6, "atol": 1e-8}  # analytic vs centred-difference gradients


def numerical_gradient(f, x, dy, h=1e-6):
    """d(Σ f(x) · dy)/dx by centred differences, one entry of x at a time (x is not modified)."""
    x = np.array(x, dtype=np.float64)  # a private copy that we nudge in place
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.sum(f(x) * dy)
        x[idx] = old - h
        minus = np.sum(f(x) * dy)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


# 1D pooling settings the pool tests and the gradient checks share: windows side by side,
# overlapping, apart, "same" and per-side padding
POOL1D_CASES = {
    "2_default": dict(pool_size=2),
    "overlapping": dict(pool_size=3, strides=1),
    "stride_gt_pool": dict(pool_size=2, strides=3),
    "same": dict(pool_size=3, strides=2, padding="same"),
    "per_side": dict(pool_size=3, padding=(2, 0)),
}


def distinct_values(rng, shape, spacing=0.1):
    """An array of distinct values (a shuffled ramp), so that every max-pool window has one winner."""
    n = int(np.prod(shape))
    return (rng.permutation(n) - n / 2).reshape(shape) * spacing


@contextlib.contextmanager
def blocks_on_two_threads(block_bytes=1):
    """Make ``cnnviz._parallel`` split work at any size, in blocks of ``block_bytes`` (at least
    one row or image each; with a few rows, the last block is often shorter), on two threads."""
    saved = _parallel.WORKERS, _parallel.BLOCK_BYTES, _parallel.PARALLEL_BYTES
    _parallel.WORKERS, _parallel.BLOCK_BYTES, _parallel.PARALLEL_BYTES = 2, block_bytes, 0
    try:
        yield
    finally:
        _parallel.WORKERS, _parallel.BLOCK_BYTES, _parallel.PARALLEL_BYTES = saved


def assert_same_gradients(got, want, x, w, b):
    """(dx, dw, db) of the fast code equal the reference's; db is None without a bias."""
    (dx, dw, db), (dx_ref, dw_ref, db_ref) = got, want
    assert dx.shape == x.shape and dw.shape == w.shape
    np.testing.assert_allclose(dx, dx_ref, **EXACT)
    np.testing.assert_allclose(dw, dw_ref, **EXACT)
    if b is None:
        assert db is None
    else:
        np.testing.assert_allclose(db, db_ref, **EXACT)


class Server:
    """A loopback HTTP server over one folder that counts the requests it receives."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, format, *args):  # keep the test output quiet
                pass

        root.mkdir(parents=True, exist_ok=True)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def serve(self, relative_path: str, data: bytes) -> None:
        """Serve ``data`` at ``<url>/<relative_path>``."""
        target = self.root / relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# the convolution engine's choices (cnnviz._conv_engine), each forced whatever the size: im2col stored row by row or column by column,
# and dx by col2im ("scatter") or, for stride 1, by an im2col of dy ("gather")
CONV_PATHS = {
    "rows_scatter": {"CHANNELS_FIRST_BELOW": 0, "GATHER_UP_TO": 0},
    "rows_gather": {"CHANNELS_FIRST_BELOW": 0, "GATHER_UP_TO": 10**9},
    "columns_tap_products": {"CHANNELS_FIRST_BELOW": 10**9, "TAP_PRODUCTS_UP_TO": 10**9},
    "columns_one_product": {"CHANNELS_FIRST_BELOW": 10**9, "TAP_PRODUCTS_UP_TO": 0},
}
CONV_SPLITS = ("one_block", "blocks_on_two_threads")


@contextlib.contextmanager
def conv_path(path, split):
    """Force one of the convolution engine's fast paths (``CONV_PATHS``) and one way to split the batch.

    ``split`` is "one_block" (the whole batch in one block) or "blocks_on_two_threads" (one
    image per block, two threads sharing the blocks, whatever the size).
    """
    settings = {**CONV_PATHS[path], "BLOCK_BYTES": 2**62 if split == "one_block" else 1}
    module = {
        "CHANNELS_FIRST_BELOW": _windows,
        "GATHER_UP_TO": _conv_engine,
        "TAP_PRODUCTS_UP_TO": _conv_engine,
        "BLOCK_BYTES": _conv_engine,
    }
    saved = {name: getattr(module[name], name) for name in settings}
    for name, value in settings.items():
        setattr(module[name], name, value)
    try:
        with blocks_on_two_threads() if split == "blocks_on_two_threads" else contextlib.nullcontext():
            yield
    finally:
        for name, value in saved.items():
            setattr(module[name], name, value)


def check_without_input_gradient(forward, backward, x, w, b, rng, *args, **kwargs):
    """``backward(..., input_gradient=False)`` returns dx None and the same dw and db as with dx."""
    y, cache = forward(x, w, b, *args, **kwargs)
    dy = rng.normal(size=y.shape)
    dx, dw, db = backward(dy, cache)
    none, dw2, db2 = backward(dy, cache, input_gradient=False)
    assert none is None and dx.shape == x.shape
    np.testing.assert_array_equal(dw2, dw)
    np.testing.assert_array_equal(db2, db)


# --- what every op promises, whatever it computes ------------------------------------------------
# each check takes call(x, rng) -> (y, cache), with the op's weights drawn from rng in x's dtype,
# and backward(dy, cache)


def _arrays_of(result):
    """The arrays in an op's gradients: one array, a tuple (dx, dw, db) or a list."""
    items = result if isinstance(result, (list, tuple)) else [result]
    return [a for a in items if a is not None]


def check_inputs_left_alone(call, backward, rng):
    """Forward and backward leave x and dy alone, and writing into the results does not reach them."""
    x = rng.normal(size=(2, 3, 4, 2))
    x_copy = x.copy()
    y, cache = call(x, np.random.default_rng(0))
    dy = rng.normal(size=y.shape)
    dy_copy = dy.copy()
    grads = _arrays_of(backward(dy, cache))
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dy, dy_copy)
    y[...] = 0
    for g in grads:
        g[...] = 0
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dy, dy_copy)


def check_float32_in_float32_out(call, backward, rng):
    """float32 inputs give float32 outputs and gradients, close to the float64 ones."""
    x = rng.normal(size=(2, 3, 4, 2))
    y64, c64 = call(x, np.random.default_rng(0))
    y32, c32 = call(x.astype(np.float32), np.random.default_rng(0))  # the same weights, in float32
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)
    dy = rng.normal(size=y64.shape)
    for g32, g64 in zip(
        _arrays_of(backward(dy.astype(np.float32), c32)), _arrays_of(backward(dy, c64)), strict=True
    ):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


def check_dy_of_the_wrong_shape_is_refused(call, backward, rng):
    """A dy of the wrong shape is refused, naming the forward output's shape and the one received."""
    y, cache = call(rng.normal(size=(2, 3, 4, 2)), np.random.default_rng(0))
    bad = np.ones((*y.shape, 1))
    message = f"{backward.__name__} expects dy with the forward output's shape {y.shape}; received dy.shape={bad.shape}."
    with pytest.raises(ValueError, match=re.escape(message)):
        backward(bad, cache)


OP_CHECKS = {
    "inputs_left_alone": check_inputs_left_alone,
    "float32_in_float32_out": check_float32_in_float32_out,
    "dy_of_the_wrong_shape": check_dy_of_the_wrong_shape_is_refused,
}


def check_weighted_op_against_reference(name, x, w, b, rng, *args, **kwargs):
    """ops' ``name``_forward(x, w, b, ...) and _backward(dy, cache) equal the reference's, called
    with the same arguments: y, then dx, dw and db for a dy drawn from rng. Returns the cache."""
    y, cache = getattr(ops, f"{name}_forward")(x, w, b, *args, **kwargs)
    np.testing.assert_allclose(y, getattr(reference, f"{name}_forward")(x, w, b, *args, **kwargs), **EXACT)
    dy = rng.normal(size=y.shape)
    want = getattr(reference, f"{name}_backward")(dy, x, w, b, *args, **kwargs)
    assert_same_gradients(getattr(ops, f"{name}_backward")(dy, cache), want, x, w, b)
    return cache


# --- small things the widget tests share ----------------------------------------------------------


def tiny_cnn(side, classes):
    """conv 3×3 (2 filters, ReLU) → max-pool 2 → flatten → dense softmax, on side × side × 1 images."""
    from cnnviz.keras import layers, models

    return models.Sequential(
        [layers.Conv2D(2, 3, activation="relu", input_shape=(side, side, 1)), layers.MaxPooling2D(2),
         layers.Flatten(), layers.Dense(classes, activation="softmax")], seed=0,
    )  # fmt: skip


def upload(name, content):
    """What a FileUpload's value is after the browser sends one file."""
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": when,
        },
    )
