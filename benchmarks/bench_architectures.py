"""What it costs to describe and to run the big architectures.

Run:  python benchmarks/bench_architectures.py

For VGG16, AlexNet, ResNet-50 and UNet at their papers' sizes: the time and peak
memory (tracemalloc) of building the model and printing its summary (shapes only,
no weights), then of allocating the weights, then one forward pass on one image
(median of three). With PyTorch installed, each model's heaviest convolution (most
multiply-adds) is also timed alone in cnnviz and in PyTorch: that is where the
forward time goes (interleaved rounds, benchmarks/_timing.py).
"""

from __future__ import annotations

import os
import time
import tracemalloc

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "2")

import numpy as np  # noqa: E402
from _timing import compare, median_seconds  # noqa: E402

from cnnviz import architectures, ops  # noqa: E402

try:
    import torch

    torch.set_num_threads(2)
except ImportError:
    torch = None

BUILDERS = {
    "VGG16": architectures.vgg16,
    "AlexNet": architectures.alexnet,
    "ResNet-50": architectures.resnet50,
    "UNet": architectures.unet,
}


def measure(func):
    tracemalloc.start()
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def median_of_three(func):
    """Median seconds of three calls (no warm-up: a big model's forward pass takes seconds)."""
    return median_seconds(func, repeats=3, warmup=0)


print(f"{'model':10}{'summary':>18}{'weights':>22}{'forward, 1 image':>20}{'GMACs':>8}{'GMAC/s':>8}")
for label, builder in BUILDERS.items():

    def describe(builder=builder):
        model = builder()
        model.summary(print_fn=lambda text: None)
        return model

    model, t_summary, mb_summary = measure(describe)
    _, t_build, mb_build = measure(model.build)
    image = np.random.default_rng(0).random((1, *model.input_shape), dtype=np.float32)
    t_forward = median_of_three(lambda model=model, image=image: model.predict(image))
    macs = sum(architectures.multiply_adds(model)) / 1e9
    print(
        f"{label:10}{t_summary * 1e3:8.0f} ms {mb_summary:5.1f} MB{t_build:9.2f} s {mb_build:7.0f} MB"
        f"{t_forward:17.2f} s{macs:8.1f}{macs / t_forward:8.1f}"
    )
    del model


def compare_heaviest_conv(label, model):
    works = architectures.multiply_adds(model)
    k = int(np.argmax(works))
    layer, ins = model.layers[k], model.node_shapes()[k][0]
    w_shape = layer.param_shapes(ins)["kernel"]
    rng = np.random.default_rng(0)
    x = rng.random((1, *ins), dtype=np.float32)
    w = rng.random(w_shape, dtype=np.float32)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    wt = torch.from_numpy(w).permute(3, 2, 0, 1).contiguous()
    same = w_shape[0] // 2 if layer.padding == "same" else 0
    pad = layer.padding if isinstance(layer.padding, int) else same

    def theirs():
        with torch.no_grad():
            torch.nn.functional.conv2d(xt, wt, stride=layer.strides, padding=pad)

    t = compare(lambda: ops.conv2d_forward(x, w, None, layer.strides, layer.padding), theirs, rounds=3)
    print(
        f"{label:10}{layer.name:14}{ins!s:18} cnnviz {t.ours * 1e3:7.1f} ms  torch {t.theirs * 1e3:7.1f} ms"
        f"  ratio {t.ratio:.2f}"
    )


if torch is not None:
    print("\nconv2d forward on each model's heaviest layer (by multiply-adds), cnnviz vs PyTorch:")
    for label, builder in BUILDERS.items():
        compare_heaviest_conv(label, builder())
