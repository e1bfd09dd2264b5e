"""NetworkExplorer responsiveness: from a new drawing to the finished picture, and from a click to its explanation.

Run:  CNNVIZ_DATA_DIR=... python benchmarks/bench_network.py

A drawing reaches Python as the pad's PNG (what the browser sends after each stroke); setting
``pad.image`` decodes it, prepares it the MNIST way, runs the lecture CNN once and redraws the
picture synchronously, so the time of that assignment is the time a learner waits (the PNG's
trip to the browser is not counted). A click is ``clicker.press(x, y)`` at the pixel of a
feature-map cell: locating the cell, the receptive field, the explanation and the redraw.
Prints the median and the worst of 50 of each (targets on 2 cores: drawing median ≤ 50 ms and
worst ≤ 150 ms; click ≤ 100 ms), with this process's CPU time, which other work on the machine
does not inflate, and the load average.
"""

import os
import statistics
from functools import partial

import numpy as np
import PIL.Image
import PIL.ImageDraw
from _timing import clock

from cnnviz.pretrained import load_lecture_cnn
from cnnviz.widgets import NetworkExplorer
from cnnviz.widgets.drawing import encode_png

N = 50


def strokes(n, size=280, seed=0):
    """n drawings of one to three random strokes, as the pad's PNG data URLs."""
    rng = np.random.default_rng(seed)
    urls = []
    for _ in range(n):
        canvas = PIL.Image.new("L", (size, size), 0)
        pen = PIL.ImageDraw.Draw(canvas)
        for _ in range(rng.integers(1, 4)):
            pen.line([tuple(rng.integers(30, size - 30, 2)) for _ in range(3)], fill=255, width=20)
        urls.append(encode_png(np.asarray(canvas) / 255.0))
    return urls


def main():
    explorer = NetworkExplorer(load_lecture_cnn())
    explorer.select("conv2d_1", 7, 7, 3)  # a selection that follows every drawing
    drawings, drawings_cpu = [], []
    for url in strokes(N + 3)[3:]:  # the first few warm caches up
        wall, cpu = clock(partial(setattr, explorer.pad, "image", url))
        drawings.append(wall)
        drawings_cpu.append(cpu)
    rng = np.random.default_rng(1)
    clicks, clicks_cpu = [], []
    for _ in range(N):
        node = int(rng.integers(0, 4))
        H, W, C = explorer.picture.shapes[node + 1]
        where = (int(rng.integers(H)), int(rng.integers(W)), int(rng.integers(C)))
        x, y = explorer.picture.pixel_of(node, where)
        wall, cpu = clock(partial(explorer.clicker.press, x, y))
        clicks.append(wall)
        clicks_cpu.append(cpu)
        assert explorer.selection == (node, where), (explorer.selection, node, where)
    for name, times, cpu in (
        ("drawing → picture", drawings, drawings_cpu),
        ("click → explanation", clicks, clicks_cpu),
    ):
        ms, cpu_ms = [1000 * t for t in times], [1000 * t for t in cpu]
        print(
            f"{name:>20}: median {statistics.median(ms):6.1f} ms, worst {max(ms):6.1f} ms  ({len(ms)} runs; "
            f"CPU time of this process: median {statistics.median(cpu_ms):.1f} ms, worst {max(cpu_ms):.1f} ms)"
        )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
