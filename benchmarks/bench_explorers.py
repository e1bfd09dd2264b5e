"""Explorer responsiveness: time from a control change to the finished picture.

Run:  python benchmarks/bench_explorers.py

Each explorer is built at its default size, then a sequence of control changes
is applied, one at a time; setting ``control.value`` redraws synchronously, so
the time of that assignment is the time a learner waits. The whole sequence runs
three times (``--passes``), each on new explorers. Prints per explorer and over all
changes the median time and the worst, as the median of the passes' worsts, so that
one stall of the machine does not make the figure (target: median <= 50 ms,
worst <= 150 ms on 2 cores, issue 25). The OptimizerExplorer (it reads MNIST through
cnnviz.datasets) is timed after them, outside "all", so that "all" stays comparable.
"""

import argparse
import statistics
from functools import partial

from _timing import clock

from cnnviz.widgets import (
    BatchNormExplorer,
    Conv1DExplorer,
    Conv2DStepExplorer,
    ImageKernelExplorer,
    OptimizerExplorer,
    OutputSizeExplorer,
    PixelExplorer,
    PoolStepExplorer,
    ShiftExplorer,
)

CHANGES = {
    "Conv1DExplorer(case=1)": (
        lambda: Conv1DExplorer(case=1),
        [("i", v) for v in range(1, 8)] + [("K", 4), ("P", 1), ("S", 2), ("taps", "peak: −1 … 2 … −1")],
    ),
    "Conv1DExplorer(case=3)": (
        lambda: Conv1DExplorer(case=3),
        [("i", v) for v in range(1, 6)] + [("o", 1), ("mix", "sum and difference"), ("P", 2)],
    ),
    "Conv2DStepExplorer": (
        lambda: Conv2DStepExplorer(),
        [("step", v) for v in range(1, 4)]
        + [("P", 1)]
        + [("step", v) for v in range(4, 12)]
        + [("o", 1), ("S", 2)],
    ),
    "ImageKernelExplorer": (
        lambda: ImageKernelExplorer(),
        [("kernel", k) for k in ("box blur", "sharpen", "sobel y", "Laplacian")]
        + [
            ("relu", True),
            ("flip", True),
            ("S", 2),
            ("P", "same"),
            ("w11", 2.0),
            ("image", "photo, RGB"),
            ("image", "digit 7 (28×28)"),
        ],
    ),
    "OutputSizeExplorer": (
        lambda: OutputSizeExplorer(),
        [("L", v) for v in (8, 9, 12, 16)]
        + [("K", 4), ("P", 2), ("S", 3), ("mode", "same"), ("mode", "valid")],
    ),
    "PixelExplorer": (
        lambda: PixelExplorer(),
        [("row", v) for v in (100, 200, 300)]
        + [
            ("col", 100),
            ("image", "photo, grayscale (uint8)"),
            ("image", "digit (28×28, uint8)"),
            ("row", 10),
        ],
    ),
    "PoolStepExplorer": (
        lambda: PoolStepExplorer(),
        [("step", v) for v in range(1, 9)] + [("mode", "average"), ("K", 3), ("S", 1)],
    ),
    "ShiftExplorer": (lambda: ShiftExplorer(), [("dx", v) for v in (2, 3, -1)] + [("dy", 1), ("K", 3)]),
    "BatchNormExplorer": (
        lambda: BatchNormExplorer(),
        [("gamma", 2.0), ("beta", 1.0), ("epsilon", 1.0), ("N", 2), ("N", 32), ("channel", 0), ("seed", 3)],
    ),
}


# the path is computed anew for every change; the contours are drawn once (outside "all": it reads MNIST)
OPTIMIZER = (
    lambda: OptimizerExplorer(),
    [("learning_rate", v) for v in (0.5, 0.8, 1.2, 2.0)]
    + [("steps", 40), ("momentum", 0.5), ("optimizer", "Adam"), ("optimizer", "SGD")],
)


def timed(name, make, changes):
    """Milliseconds of each change of ``changes`` (control, value) on a new ``make()``."""
    explorer = make()
    times = []
    for control, value in changes:
        wall, _ = clock(partial(setattr, explorer.controls[control], "value", value))
        times.append(wall * 1e3)
        assert explorer.message == "", f"{name}: {control}={value!r} gave {explorer.message}"
    explorer.close()
    return times


def report(name, passes):
    """One line: the number of changes, their median over every pass, the median of the passes' worsts."""
    every = [t for times in passes for t in times]
    worst = statistics.median(max(times) for times in passes)
    print(f"{name:<24} {len(passes[0]):>7} {statistics.median(every):>10.0f} {worst:>9.0f}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=3, help="times the whole sequence runs")
    args = parser.parse_args()
    runs = {name: [] for name in [*CHANGES, "OptimizerExplorer"]}
    for _ in range(args.passes):
        for name, (make, changes) in CHANGES.items():
            runs[name].append(timed(name, make, changes))
        runs["OptimizerExplorer"].append(timed("OptimizerExplorer", *OPTIMIZER))
    print(f"{'explorer':<24} {'changes':>7} {'median ms':>10} {'worst ms':>9}   ({args.passes} passes)")
    for name in CHANGES:
        report(name, runs[name])
    everything = [[t for name in CHANGES for t in runs[name][k]] for k in range(args.passes)]
    report("all", everything)
    print("   (target: median <= 50, worst <= 150; worst: the median of the passes' worsts)")
    report("OptimizerExplorer", runs["OptimizerExplorer"])


if __name__ == "__main__":
    main()
