"""The one way every benchmark here times its work.

Each ``bench_*.py`` script imports this file (the scripts run as ``python benchmarks/bench_x.py``,
so this folder is on ``sys.path``). The rules it keeps in one place:

- a warm-up call first (buffers allocated, caches filled, lazy imports done), not counted;
- the **median** of several calls, not the best or the mean: the machine's other work only ever
  adds time, and the median is what a learner feels on most calls;
- a ratio against PyTorch from **interleaved rounds**: each round times cnnviz in its own block,
  then PyTorch in its own block, so a burst of load on the machine falls on both sides; the ratio
  reported is the median of the rounds' ratios.

>>> calls = []
>>> len(repeat(lambda: calls.append(1), repeats=3))   # 3 timed calls ...
3
>>> len(calls)                                        # ... after 1 warm-up call
4
"""

from __future__ import annotations

import os
import statistics
import time
from typing import NamedTuple


def load_note():
    """The machine's load next to its cores: ratios measured while other work runs are noisy."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    busy = "  (busy: other work shares the cores, times are noisy)" if load > cores / 2 else ""
    return f"load average {load:.1f} on {cores} cores{busy}"


def clock(fn):
    """Time one call of ``fn()``: (wall seconds, CPU seconds of this process).

    The CPU time is what this process itself spent; other work on the machine does not inflate it.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def repeat(fn, repeats=7, warmup=1):
    """Wall seconds of ``repeats`` calls of ``fn()``, after ``warmup`` calls that are not counted."""
    for _ in range(warmup):
        fn()
    return [clock(fn)[0] for _ in range(repeats)]


def median_seconds(fn, repeats=7, warmup=1):
    """Median wall seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` uncounted calls."""
    return statistics.median(repeat(fn, repeats, warmup))


class Comparison(NamedTuple):
    """Medians of interleaved rounds: seconds per call of each side, and the median ratio;
    then the fastest round of each side and their ratio (what a quiet machine would give)."""

    ours: float
    theirs: float | None
    ratio: float | None
    ours_best: float
    theirs_best: float | None
    ratio_best: float | None


def compare(ours, theirs, rounds=7, warmup=1, calls=1):
    """Time ``ours()`` against ``theirs()`` in interleaved rounds.

    Both sides are warmed up, then each round times ``calls`` calls of ``ours`` in one block and
    ``calls`` calls of ``theirs`` in the next. Returns the median seconds per call of each side and
    the median of the rounds' ratios ours / theirs, then the same from each side's fastest round.
    With ``theirs=None`` (PyTorch not installed) only ``ours`` is timed and the rest is None.
    """
    sides = (ours,) if theirs is None else (ours, theirs)
    for fn in sides:
        for _ in range(warmup):
            fn()
    per_call = [[] for _ in sides]  # per_call[side][round]: seconds per call in that round's block
    for _ in range(rounds):
        for fn, seconds in zip(sides, per_call):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            seconds.append((time.perf_counter() - start) / calls)
    if theirs is None:
        return Comparison(statistics.median(per_call[0]), None, None, min(per_call[0]), None, None)
    ratios = [a / b for a, b in zip(*per_call)]
    best = [min(seconds) for seconds in per_call]
    return Comparison(*map(statistics.median, per_call), statistics.median(ratios), *best, best[0] / best[1])
