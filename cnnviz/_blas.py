"""Matrix products that pick how many threads to use from their size.

numpy hands ``a @ b`` to OpenBLAS, which can split it over all cores. For a large
product (a Dense layer with millions of weights) two threads nearly halve the time
on 2 cores. For a small one (a Dense layer, one tap of a small convolution)
starting and stopping the threads costs far more than the product: measured here,
a 12544×16 by 16×8 product inside a training loop took 3 to 90 ms with 2 threads
and a steady 0.3 ms with one. So products below ``SMALL_FLOPS`` run on one thread.

A large product is cut in two halves that two threads of ``cnnviz._parallel``
compute, each with BLAS held to one thread (``one_thread()``), rather than by
OpenBLAS's own threads: after a product those keep spinning for a while (about a
tenth of a second), and whatever runs next on the two cores, such as the
convolution's blocks on their two threads, then runs up to twice as slowly.
Code that splits its work over threads of its own holds BLAS to one thread the
same way, so that each of its threads runs its products itself.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

from ._parallel import for_blocks

__all__ = ["SMALL_FLOPS", "matmul", "one_thread"]


SMALL_FLOPS = 5e7  # multiply-adds × 2 below which one thread is faster

_blas = None
_held = False  # True inside one_thread(): BLAS already runs on the calling thread only


def _controller():
    global _blas
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


@contextmanager
def one_thread():
    """Hold BLAS to one thread (the caller's) inside the ``with`` block; nested uses do nothing.

    Enter it on the main thread, around work that other threads share: they see the
    limit too, and leave it to the outermost block to lift. (The libraries' own setters
    are called directly: ``ThreadpoolController.limit`` first queries every library,
    which costs more than a small product.)
    """
    global _held
    if _held:
        yield
        return
    libraries = _controller().lib_controllers
    before = [library.num_threads for library in libraries]
    for library in libraries:
        library.set_num_threads(1)
    _held = True
    try:
        yield
    finally:
        _held = False
        for library, threads in zip(libraries, before):
            library.set_num_threads(threads)


def matmul(a, b, out=None):
    """``a @ b`` for 2D arrays, into ``out`` if given: one BLAS thread, or two halves on two threads.

    A large product is cut into two halves of a's rows (or of b's columns, when b has
    more columns than a has rows), each computed on one BLAS thread.
    """
    if _held or 2.0 * a.shape[0] * a.shape[1] * b.shape[1] < SMALL_FLOPS:
        with one_thread():
            return np.matmul(a, b, out=out)
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b)) if out is None else out
    by_rows = a.shape[0] >= b.shape[1]
    n = a.shape[0] if by_rows else b.shape[1]
    halves = [slice(0, n // 2), slice(n // 2, n)]

    def product(part):  # the rows (or columns) ``part`` of out
        if by_rows:
            np.matmul(a[part], b, out=out[part])  # (rows, K) @ (K, N)
        else:
            np.matmul(a, b[:, part], out=out[:, part])  # (M, K) @ (K, columns)

    half_bytes = (a.nbytes + b.nbytes + out.nbytes) // 2  # what each half reads and writes, about
    with one_thread():
        for_blocks(lambda some: [product(half) for half in halves[some]], 2, half_bytes)
    return out
