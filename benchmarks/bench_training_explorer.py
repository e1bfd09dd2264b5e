"""TrainingExplorer responsiveness: one batch of training plus the redrawn picture.

Run:  python benchmarks/bench_training_explorer.py   (reads MNIST through cnnviz.datasets)

The lecture CNN (cnnviz.pretrained.lecture_cnn, freshly initialised) with Adam, batches of 64
MNIST digits: ``step()`` trains one batch and moves the picture (loss curve, gradient sizes,
kernels, feature maps), synchronously, so its time is what a learner waits after pressing
"one batch". Prints the median and the worst over 60 steps, and the share of the redraw
(target: median <= 150 ms on 2 cores). Whole epochs are timed too (one step, then the redraw once).
"""

import statistics

import numpy as np
from _timing import clock

from cnnviz import datasets, keras
from cnnviz.pretrained import lecture_cnn
from cnnviz.widgets import TrainingExplorer


def main():
    (x, y), _ = datasets.load_mnist(progressbar=False)
    x, y = (x[:6400] / 255).astype(np.float32)[..., None], y[:6400]
    model = lecture_cnn(seed=0)
    model.compile(
        optimizer=keras.optimizers.Adam(0.002), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    explorer = TrainingExplorer(model, x, y, batch_size=64)
    explorer.step(3)  # warm up: buffers, caches
    steps, draws = [], []
    for _ in range(60):
        steps.append(clock(explorer.step)[0] * 1e3)
        draws.append(explorer.draw_seconds * 1e3)
    print(f"one batch + redraw: median {statistics.median(steps):.0f} ms, worst {max(steps):.0f} ms "
          f"(redraw alone: median {statistics.median(draws):.0f} ms)   target: median <= 150")  # fmt: skip
    epoch_seconds, _ = clock(explorer.run_epoch)
    print(f"the rest of an epoch ({explorer.batches_per_epoch} batches of 64, held-out data evaluated): "
          f"{epoch_seconds:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
