"""Training speed and memory of cnnviz models, against PyTorch on the CPU when it is installed.

Run:  python benchmarks/bench_training.py             (--steps N to change the sample size)
      python benchmarks/bench_training.py --profile   (where a LeNet-like step's time goes)

For each model, training steps (random 28×28×1 inputs and labels: speed does not
depend on the values) are timed in cnnviz and in PyTorch with the same layers, batch
size, optimizer and number of threads, one step of each in turn (benchmarks/_timing.py:
each step timed alone, a burst of load on the machine falls on both); the median
step is scaled to one MNIST epoch (60,000 images) and the ratio is the median of the
steps' ratios. Then the peak extra memory
(tracemalloc) of training the lecture model, and of one step of the notes'
full model with its 97-million-weight layer.

``--profile`` times each layer of the LeNet-like model inside its training steps
(its op and its activation, forward and backward; the fastest of the steps, as the
machine's other work only ever adds), then shows cProfile's busiest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import time
import tracemalloc

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=60)
parser.add_argument("--profile", action="store_true", help="where a LeNet-like step's time goes")
args = parser.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
from _timing import compare  # noqa: E402

from cnnviz import keras  # noqa: E402

try:
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
except ImportError:
    torch = None

rng = np.random.default_rng(0)
K = keras.layers


def lenet():
    return [K.Conv2D(8, 3, padding="same", activation="relu", input_shape=[28, 28, 1]), K.MaxPooling2D(2),
            K.Conv2D(16, 3, padding="same", activation="relu"), K.MaxPooling2D(2), K.Flatten(),
            K.Dense(10, activation="softmax")]  # fmt: skip


def lecture():
    return [K.Conv2D(16, 3, padding="same", activation="relu", input_shape=[28, 28, 1]), K.MaxPooling2D(2),
            K.Conv2D(32, 3, padding="same", activation="relu"), K.MaxPooling2D(2), K.Flatten(),
            K.Dense(10, activation="softmax")]  # fmt: skip


def notes(big_dense=True):
    return [K.Conv2D(32, 3, activation="relu", padding="same", input_shape=[28, 28, 1]),
            K.Conv2D(64, 3, activation="relu", padding="same"), K.Conv2D(64, 3, activation="relu", padding="same"),
            K.MaxPooling2D(2), K.Flatten(), *([K.Dense(7744, activation="relu")] if big_dense else []),
            K.Dense(128, activation="relu"), K.Dense(10, activation="softmax")]  # fmt: skip


def torch_twin(layers):
    """The same network in PyTorch (NCHW), built from the cnnviz layer list."""
    mods, channels, size = [], 1, 28
    for layer in layers:
        name = type(layer).__name__
        if name == "Conv2D":
            mods += [nn.Conv2d(channels, layer.filters, 3, padding=1), nn.ReLU()]
            channels = layer.filters
        elif name == "MaxPooling2D":
            mods.append(nn.MaxPool2d(2))
            size //= 2
        elif name == "Flatten":
            mods.append(nn.Flatten())
            channels = channels * size * size
        elif name == "Dense":
            mods.append(nn.Linear(channels, layer.units))
            channels = layer.units
            if layer.activation == "relu":
                mods.append(nn.ReLU())
    return nn.Sequential(*mods)  # softmax is inside CrossEntropyLoss


def cnnviz_step(layers, batch, steps):
    """A function that trains a cnnviz model one step per call, on the next of ``steps`` batches."""
    model = keras.models.Sequential(layers, seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01))
    x = rng.random((batch * steps, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch * steps)
    batches = itertools.cycle(range(steps))

    def step():
        i = next(batches)
        model.train_on_batch(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])

    return step


def torch_step(layers, batch, steps):
    """The same for the PyTorch twin of the network."""
    net = torch_twin(layers)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch * steps, 1, 28, 28)
    y = torch.randint(0, 10, (batch * steps,))
    batches = itertools.cycle(range(steps))

    def step():
        i = next(batches)
        opt.zero_grad()
        loss_fn(net(x[i * batch : (i + 1) * batch]), y[i * batch : (i + 1) * batch]).backward()
        opt.step()

    return step


def speed(name, make, batch, steps, target):
    theirs = torch_step(make(), batch, steps) if torch is not None else None
    timing = compare(cnnviz_step(make(), batch, steps), theirs, rounds=steps)  # one step per round each
    line = f"{name:<44} batch {batch:>3}: cnnviz {timing.ours * 60000 / batch:7.1f} s/epoch"
    if torch is not None:
        line += f" | torch {timing.theirs * 60000 / batch:7.1f} s/epoch | ratio {timing.ratio:4.2f}x" + (
            f" (target <= {target}x)" if target is not None else " (no target)"
        )
    print(line)


def profile_lenet(steps, batch=32):
    """Per-layer times of a LeNet-like training step (fastest of ``steps``), then cProfile's top functions."""
    model = keras.models.Sequential(lenet(), seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01))
    x = rng.random((batch * steps, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch * steps)
    model.train_on_batch(x[:batch], y[:batch])  # build and warm up
    step_times = {}  # (part, what) -> seconds in the current step

    def timed(obj, method, key):  # obj.method now adds its time to step_times[key]
        inner = getattr(obj, method)

        def run(*a, **k):
            start = time.perf_counter()
            result = inner(*a, **k)
            step_times[key] = step_times.get(key, 0.0) + time.perf_counter() - start
            return result

        setattr(obj, method, run)

    parts = {"call": "fwd op", "forward": "fwd op+act", "call_backward": "bwd op", "backward": "bwd op+act"}
    for layer in model.layers:
        for method, what in parts.items():
            timed(layer, method, (layer.name, what))
    timed(model.loss, "logits_value_and_gradient", ("loss", "fwd op"))
    timed(model.optimizer, "step", ("optimizer", "fwd op"))
    steps_seen = []
    for i in range(steps):
        step_times.clear()
        start = time.perf_counter()
        model.train_on_batch(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])
        step_times[("step", "total")] = time.perf_counter() - start
        steps_seen.append(dict(step_times))

    def fastest(key):
        return min(s.get(key, 0.0) for s in steps_seen) * 1e3

    print(f"LeNet-like step, batch {batch}: the fastest of {steps} steps, in ms")
    print(f"  {'':<16}{'op fwd':>8}{'act fwd':>8}{'op bwd':>8}{'act bwd':>8}")
    for name in [layer.name for layer in model.layers] + ["loss", "optimizer"]:
        fwd, fwd_all = fastest((name, "fwd op")), fastest((name, "fwd op+act"))
        bwd, bwd_all = fastest((name, "bwd op")), fastest((name, "bwd op+act"))
        acts = (max(fwd_all - fwd, 0), bwd, max(bwd_all - bwd, 0)) if fwd_all else ()
        print(f"  {name:<16}{fwd:8.3f}" + "".join(f"{t:8.3f}" for t in acts))
    total = [s[("step", "total")] * 1e3 for s in steps_seen]
    print(f"  step: fastest {min(total):.3f} ms, median {np.median(total):.3f} ms\n")
    profile = cProfile.Profile()
    profile.enable()
    for i in range(steps):
        model.train_on_batch(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)


def peak_memory(name, work):
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{name:<60} peak extra memory {peak / 2**20:8.0f} MB")


def train_lecture_model():
    model = keras.models.Sequential(lecture(), seed=0)
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(2e-3), metrics=["accuracy"]
    )
    x = rng.random((60000, 28, 28, 1), dtype=np.float32)  # the training set's size, as float32
    model.fit(x[:6400], rng.integers(0, 10, 6400), epochs=1, batch_size=64, verbose=0)


def one_step_of_the_notes_model():
    model = keras.models.Sequential(notes(), seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(3e-2))
    model.train_on_batch(rng.random((32, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, 32))


def main():
    print(
        f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, {args.threads} threads, "
        f"{args.steps} steps per measurement, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}\n"
    )
    if args.profile:
        profile_lenet(args.steps * 5)
        return
    speed("LeNet-like 8->16", lenet, 32, args.steps, 1.25)
    speed("lecture model 16->32 (the training notebook's)", lecture, 64, args.steps, None)
    speed(
        "notes' model without Dense(7744)", lambda: notes(big_dense=False), 32, max(args.steps // 4, 5), 1.5
    )
    speed("notes' full model (97M-weight Dense(7744))", notes, 32, max(args.steps // 20, 3), 1.0)
    print()
    peak_memory("lecture model: 100 training steps (+ 60000x28x28 float32 inputs)", train_lecture_model)
    peak_memory("notes' full model: building it and one step (batch 32)", one_step_of_the_notes_model)
    print("\ntargets: lecture model's training <= 1536 MB; one step of the notes' full model <= 3072 MB")


if __name__ == "__main__":
    main()
