"""Freed memory kept for the next step: glibc's malloc is asked once to keep 64 MiB at the top of each heap.

Why. A training step makes the same large temporaries on every step (feature maps, their
gradients, im2col blocks: a few MB each) and frees them at its end. By default glibc hands
freed memory at the top of a heap back to the system as soon as more than 128 KiB lies free
there, so the next step's arrays land on pages the system must map again: a page fault per
4 KiB, each a trap into the system and a page of zeros. Measured with ``resource.getrusage``
(minor faults) on 2 cores: about 470 faults a step for the LeNet-like model of
``benchmarks/bench_training.py`` (median step 4.8 ms, fastest 3.4) and about 3,600 for the
lecture CNN at batch 128; with 64 MiB kept, none and 17, and the median step 3.6 ms.

How. ``mallopt(M_TOP_PAD, n)`` is glibc's documented knob for "the amount of extra memory
to obtain from the system when a heap grows, and to keep when it is trimmed"; the same can
be set from outside with the environment variable ``MALLOC_TOP_PAD_``. It is called through
``ctypes`` on the C library this Python already runs on: no compiled code of cnnviz's.
The cost: up to 64 MiB per heap (the main one and one per thread that allocates, three here)
stays with the process instead of going back to the system. Where the C library is not
glibc (macOS, Windows) there is no ``mallopt`` and nothing happens; musl's does nothing.
"""

from __future__ import annotations

import ctypes

__all__ = ["KEEP_BYTES", "keep_freed_memory"]

M_TOP_PAD = -2  # the option's number in glibc's <malloc.h>
KEEP_BYTES = 64 * 2**20  # enough for the lecture CNN's step at batch 128 (32 MiB left 1,500 faults)

_asked = False


def keep_freed_memory() -> bool:
    """Ask the C library's malloc, once per process, to keep ``KEEP_BYTES`` free at each heap's top.

    Returns True when a glibc ``mallopt`` accepted it, False where there is none to ask.
    """
    global _asked
    if _asked:
        return True
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library of this process (None: itself)
    except (OSError, TypeError, AttributeError):  # Windows: no CDLL(None); macOS: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _asked = mallopt(M_TOP_PAD, KEEP_BYTES) == 1  # glibc returns 1 on success
    return _asked
