"""Elementwise numpy work cut into blocks of rows, on two threads when the arrays are large.

Why: numpy runs each ufunc (``np.subtract``, ``np.maximum``, ...) on one core, while
PyTorch uses every core. numpy lets go of Python's lock (the GIL) inside a ufunc's loop,
so two Python threads that each call ufuncs on their own rows of an array really do run
on two cores at once.

How: ``for_blocks(work, n, row_bytes)`` cuts the rows ``range(n)`` into blocks of about
``BLOCK_BYTES`` and calls ``work(rows)`` once per block, with ``rows`` a ``slice``; it
returns what the calls returned, in block order. That pays twice:

* a block fits in the CPU's cache, so a chain of ufuncs on it (subtract, scale, shift)
  reads and writes main memory once instead of once per ufunc;
* when the rows hold at least ``PARALLEL_BYTES``, a second thread does the second half
  of the blocks while the caller's thread does the first half. Handing work to the other
  thread and waiting for it costs about 20 µs (measured here), and the two threads share
  one memory bus, so small arrays stay on the caller's thread.

``work`` must write only into its own rows; must not call BLAS (``@``) unless BLAS is
held to one thread meanwhile (``_blas.one_thread()``), or OpenBLAS's own threads compete
with these two; and must not call ``for_blocks`` (the helper thread would wait for itself).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

WORKERS = min(2, os.cpu_count() or 1)  # threads that share the blocks: the caller's and one more
BLOCK_BYTES = 2**20  # 1 MiB per block, over all the arrays it touches: a core's L2 cache here
PARALLEL_BYTES = 2**22  # 4 MiB: below this, one thread; each half then takes ~0.2 ms or more ≫ 20 µs

_helper = None  # (process id, executor): a forked child process makes its own


def for_blocks(work, n, row_bytes):
    """Call ``work(rows)`` for consecutive slices ``rows`` of ``range(n)``; return the results.

    Parameters
    ----------
    work : callable
        ``work(rows)`` with ``rows`` a slice; it may return a value.
    n : int
        Number of rows.
    row_bytes : int
        Bytes that ``work`` reads and writes per row, over all its arrays: it sets the
        block size and whether a second thread helps.

    Returns
    -------
    list
        ``[work(rows) for rows in blocks]``, in block order.

    Examples
    --------
    >>> for_blocks(lambda rows: (rows.start, rows.stop), 5, row_bytes=BLOCK_BYTES // 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    per_block = block_rows(n, row_bytes)
    blocks = [slice(start, min(start + per_block, n)) for start in range(0, n, per_block)]
    if WORKERS < 2 or len(blocks) < 2 or n * row_bytes < PARALLEL_BYTES:
        return [work(rows) for rows in blocks]
    half = (len(blocks) + 1) // 2
    second = _executor().submit(lambda: [work(rows) for rows in blocks[half:]])
    try:
        first = [work(rows) for rows in blocks[:half]]
    finally:
        second_results = second.result()  # wait even if the first half raised
    return first + second_results


def block_rows(n, row_bytes):
    """How many rows ``for_blocks(work, n, row_bytes)`` gives each block (the last may have fewer).

    >>> block_rows(1000, row_bytes=BLOCK_BYTES // 300), block_rows(5, row_bytes=1)
    (300, 5)
    """
    return max(1, min(n, BLOCK_BYTES // max(row_bytes, 1)))


def _executor():
    global _helper
    if _helper is None or _helper[0] != os.getpid():
        _helper = (os.getpid(), ThreadPoolExecutor(max_workers=WORKERS - 1, thread_name_prefix="cnnviz"))
    return _helper[1]
