"""Classic hand-made 3×3 kernels, as (3, 3) arrays of weights; and the notes' 1D cases' kernels and signals.

Applied with ``cnnviz.conv2d`` (cross-correlation, no flip), a positive
response of ``sobel_x`` means brightness grows from left to right.

>>> KERNELS["sobel x"]
array([[-1.,  0.,  1.],
       [-2.,  0.,  2.],
       [-1.,  0.,  1.]])
"""

import numpy as np

__all__ = ["CHANNEL_MIX", "KERNELS", "SIGNALS", "TAPS"]


KERNELS = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "box blur": np.full((3, 3), 1 / 9),
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    # bright diagonal lines on a dark background: ↘ from top left to bottom right, ↗ the other way
    "diagonal line ↘": np.array([[2, -1, -1], [-1, 2, -1], [-1, -1, 2]], dtype=float),
    "diagonal line ↗": np.array([[-1, -1, 2], [-1, 2, -1], [2, -1, -1]], dtype=float),
}


# -- the notes' 1D cases (notebooks 02-04): a kernel's taps for any K, how kernels mix channels, the signals
# w[j, c, o] = TAPS[name](K)[j] · CHANNEL_MIX[case][mix][c][o]; x = SIGNALS[case], (L,) or (L, C)

TAPS = {  # the K weights along the signal, for any K
    "edge: +1 … −1": lambda K: np.r_[1.0, np.zeros(max(K - 2, 0)), -1.0][:K] if K > 1 else np.ones(1),
    "average: 1/K each": lambda K: np.full(K, 1.0 / K),
    "sum: 1 each": lambda K: np.ones(K),
    "peak: −1 … 2 … −1": lambda K: np.r_[-1.0, np.full(max(K - 2, 1), 2.0 / max(K - 2, 1)), -1.0][:K],
    "identity: 1 at the centre": lambda K: np.eye(K)[(K - 1) // 2],
}

CHANNEL_MIX = {  # weight of each channel c in each kernel o: w[j, c, o] = taps[j] · mix[c, o]
    1: {"one channel, one kernel": [[1.0]]},
    2: {
        "all channels alike": [[1.0], [1.0]],
        "channel 0 only": [[1.0], [0.0]],
        "channel 0 minus channel 1": [[1.0], [-1.0]],
    },
    3: {
        "kernel o reads channel o": [[1.0, 0.0], [0.0, 1.0]],
        "sum and difference": [[1.0, 1.0], [1.0, -1.0]],
        "both read channel 0": [[1.0, 1.0], [0.0, 0.0]],
    },
}

SIGNALS = {  # the input x of each case: (L,) or (L, C)
    1: np.array([0, 0, 1, 3, 3, 3, 1, 0, 0, 2], dtype=float),
    2: np.array([[0, 1], [0, 1], [2, 1], [2, 3], [2, 3], [0, 3], [0, 1], [1, 1]], dtype=float),
    3: np.array([[0, 1], [0, 1], [2, 1], [2, 3], [2, 3], [0, 3], [0, 1], [1, 1]], dtype=float),
}
