"""Classic hand-made 3×3 kernels, as (3, 3) arrays of weights.

Applied with ``cnnviz.conv2d`` (cross-correlation, no flip), a positive
response of ``sobel_x`` means brightness grows from left to right.

>>> KERNELS["sobel x"]
array([[-1.,  0.,  1.],
       [-2.,  0.,  2.],
       [-1.,  0.,  1.]])
"""

import numpy as np

__all__ = ["KERNELS"]


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
