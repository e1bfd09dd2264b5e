"""cnnviz._blas.matmul: a small product on one BLAS thread, a large one in two halves on two threads.

Both ways give a @ b; the halves are of a's rows, or of b's columns when b has more columns
than a has rows. SMALL_FLOPS set to 0 sends every product down the halves' path, and
``blocks_on_two_threads`` makes the two halves run on two threads whatever their size.
"""

import contextlib

import numpy as np
import pytest
from _helpers import blocks_on_two_threads

from cnnviz import _blas, ops

SHAPES = {"more_rows": (7, 3, 4), "more_columns": (2, 5, 9), "one_row": (1, 4, 6), "one_column": (5, 3, 1)}
PATHS = {
    "one_thread": (1e300, contextlib.nullcontext),
    "halves": (0, contextlib.nullcontext),
    "halves_on_two_threads": (0, blocks_on_two_threads),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("shape", SHAPES)
def test_matmul_equals_the_product(monkeypatch, rng, shape, path, dtype):
    M, K, N = SHAPES[shape]
    small_flops, split = PATHS[path]
    monkeypatch.setattr(_blas, "SMALL_FLOPS", small_flops)
    a, b = rng.normal(size=(M, K)).astype(dtype), rng.normal(size=(K, N)).astype(dtype)
    with split():
        got = _blas.matmul(a, b)
        got_transposed = _blas.matmul(b.T, a.T)  # views with transposed strides, as dense_backward passes
        out = np.full((M, N), np.nan, dtype)
        into = _blas.matmul(a, b, out=out)
    assert got.dtype == dtype and into is out
    np.testing.assert_allclose(got, a @ b, rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(got_transposed, (a @ b).T, rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("path", PATHS)
def test_dense_on_each_path(monkeypatch, rng, path):
    """dense_forward and dense_backward give x·w + b, dy·wᵀ, xᵀ·dy and Σ dy on each path."""
    small_flops, split = PATHS[path]
    monkeypatch.setattr(_blas, "SMALL_FLOPS", small_flops)
    x, w, b = rng.normal(size=(6, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    dy = rng.normal(size=(6, 3))
    with split():
        y, cache = ops.dense_forward(x, w, b)
        dx, dw, db = ops.dense_backward(dy, cache)
    np.testing.assert_allclose(y, x @ w + b, rtol=1e-12)
    np.testing.assert_allclose(dx, dy @ w.T, rtol=1e-12)
    np.testing.assert_allclose(dw, x.T @ dy, rtol=1e-12)
    np.testing.assert_allclose(db, dy.sum(axis=0), rtol=1e-12)
