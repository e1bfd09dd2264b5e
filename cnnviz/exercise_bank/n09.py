"""The exercises of the notebook "How a CNN learns": gradient descent, gradients through layers, optimizers, dropout."""

from __future__ import annotations

import numpy as np

from .. import learning, ops
from ..inside import cells_reading
from ..optimizers import SGD
from ._exercise import Exercise

__all__ = ["EXERCISES"]

# the one-weight model of the notebook: y = w·x, loss mean((w·x − t)²)
X, T = np.array([1.0, 2.0, 3.0]), np.array([2.5, 3.5, 6.5])

# exercise 2: a 4×4 input, a 3×3 kernel, so a 2×2 output, and the output's gradient dy
X2 = np.array([[1.0, 0, 2, 1], [0, 3, 1, 0], [2, 1, 0, 1], [1, 0, 1, 2]])
DY2 = np.array([[1.0, -1], [0, 2]])

# exercise 3: max-pooling 2×2, stride 2, with a tie in the top-left window
X3 = np.array([[4.0, 1, 0, 2], [4, 3, 5, 1], [0, 2, 1, 1], [6, 1, 3, 0]])
DY3 = np.array([[1.0, 2], [3, 4]])


def _one_step():
    ws, _ = learning.descend_one_weight(3.0, X, T, learning_rate=0.05, steps=1)
    return float(ws[1])


def _kernel_gradient():
    _, cache = ops.conv2d_forward(X2[None, :, :, None], np.zeros((3, 3, 1, 1)))
    return ops.conv2d_backward(DY2[None, :, :, None], cache)[1][:, :, 0, 0]


def _pool_gradient():
    _, cache = ops.max_pool2d_forward(X3[None, :, :, None])
    return ops.max_pool2d_backward(DY3[None, :, :, None], cache)[0, :, :, 0]


def _pool_gradient_tie_to(cells):
    """The answer with the top-left window's gradient put on ``cells`` (each getting the given share)."""
    dx = _pool_gradient()
    dx[:2, :2] = 0
    for (r, c), share in cells:
        dx[r, c] = share
    return dx


def _momentum():
    optimizer, w = SGD(learning_rate=0.2, momentum=0.5), np.array([0.0])
    for _ in range(3):
        w = learning.one_step(optimizer, w, [1.0])
    return float(w[0])


def _near(a, values, tol=1e-3):
    values = np.asarray(values, dtype=float)
    return np.shape(a) == values.shape and bool(np.all(np.abs(np.asarray(a, float) - values) <= tol))


EXERCISES: list[Exercise] = [
    Exercise(
        id="09.1",
        kind="number",
        answer=_one_step,
        hint="Compute the slope dL/dw = (2/3)·Σ (w·x − t)·x at w = 3 first (the mean over the three examples), then step against it: w − η·slope.",
        mistakes=(
            (lambda a, r: abs(a - (6 - r)) < 1e-3, "You stepped uphill: the step is −η times the slope."),
            (
                lambda a, r: abs(a - (3 - 3 * (3 - r))) < 1e-3,
                "The loss is a mean over the 3 examples: divide the sum by 3.",
            ),
            (
                lambda a, r: abs(a - (3 - (3 - r) / 2)) < 1e-3,
                "The derivative of (w·x − t)² is 2·(w·x − t)·x: the factor 2 is missing.",
            ),
        ),
        explanation=lambda r: (
            "The errors at w = 3 are 3·x − t = [0.5, 2.5, 2.5]; the slope is (2/3)·(0.5·1 + 2.5·2 + 2.5·3) = 26/3 ≈ 8.667, "
            f"so w becomes 3 − 0.05·8.667 = {r:.4f}."
        ),
    ),
    Exercise(
        id="09.2",
        kind="array",
        answer=_kernel_gradient,
        hint="dL/dw[u, v] = Σ_{i,j} dy[i, j]·x[i + u, j + v]: slide dy over x as if dy were the kernel, and write each sum at (u, v).",
        mistakes=(
            (
                lambda a, r: _near(
                    a,
                    ops.conv2d_backward(
                        DY2[::-1, ::-1][None, :, :, None],
                        ops.conv2d_forward(X2[None, :, :, None], np.zeros((3, 3, 1, 1)))[1],
                    )[1][:, :, 0, 0],
                ),
                "You turned dy by a half (a true convolution): the kernel's gradient is a cross-correlation, dy as it is.",
            ),
            (lambda a, r: _near(a, r.T), "Rows and columns are swapped: u counts rows, v columns."),
            (lambda a, r: np.shape(a) != (3, 3), "The gradient has the kernel's shape: 3×3."),
        ),
        explanation=lambda r: (
            f"Each entry is the input under dy's window at offset (u, v), weighted by dy: for example "
            f"dL/dw[0, 0] = 1·1 + (−1)·0 + 0·0 + 2·3 = {r[0, 0]:g}. In all:\n{np.round(r, 3)}"
        ),
    ),
    Exercise(
        id="09.3",
        kind="array",
        answer=_pool_gradient,
        hint="Each window sends its whole gradient to the cell that won it and nothing to the others; "
        "on a tie, cnnviz (like the other libraries) picks the first winner in reading order.",
        mistakes=(
            (
                lambda a, r: _near(a, _pool_gradient_tie_to([((1, 0), 1.0)])),
                "On a tie the FIRST maximum in reading order (row by row) wins, not the last.",
            ),
            (
                lambda a, r: _near(a, _pool_gradient_tie_to([((0, 0), 0.5), ((1, 0), 0.5)])),
                "The gradient is not shared on a tie: one cell, the first in reading order, gets all of it.",
            ),
            (
                lambda a, r: _near(a, np.kron(DY3, np.full((2, 2), 0.25))),
                "That is average pooling's gradient: max-pooling sends everything to the winner.",
            ),
            (lambda a, r: np.shape(a) != (4, 4), "dL/dx has the input's shape: 4×4."),
        ),
        explanation=lambda r: (
            f"Only the winners get a gradient; the top-left window's tie goes to (0, 0):\n{r}"
        ),
    ),
    Exercise(
        id="09.4",
        kind="shape",
        answer=lambda: (
            learning.stacked_kernel(
                learning.stacked_kernel(np.ones((3, 3)), np.ones((3, 3))), np.ones((3, 3))
            ).shape
        ),
        hint="Each 3×3 convolution widens what one output reads by 2 rows and 2 columns; count how far three reach.",
        mistakes=(
            (
                lambda a, r: tuple(a) == (9, 9),
                "The sizes do not add: each new 3×3 kernel adds K − 1 = 2, not 3.",
            ),
            (lambda a, r: tuple(a) == (5, 5), "That is two convolutions; the question stacks three."),
        ),
        explanation=lambda r: (
            f"3 + 2 + 2 = 7: the single kernel is {tuple(int(n) for n in r)}. Without activations a stack of "
            "convolutions is one (bigger) convolution; it is the ReLU between them that makes depth worth having."
        ),
    ),
    Exercise(
        id="09.5",
        kind="number",
        answer=_momentum,
        hint="Keep the velocity v: each step v ← μ·v − η·g, then w ← w + v. Write down v and w after each of the three steps.",
        mistakes=(
            (
                lambda a, r: abs(a + 0.6) < 1e-3,
                "That is plain SGD (three steps of −η·g): the velocity carries the previous steps along.",
            ),
            (lambda a, r: abs(a + r) < 1e-3, "Mind the sign: with a positive gradient the weight goes down."),
        ),
        explanation=lambda r: (
            f"v = −0.2, −0.3, −0.35, so w = −0.2, −0.5, {r:g}: the steps grow as the velocity builds up.".replace("-", "−")
        ),
    ),
    Exercise(
        id="09.6",
        kind="number",
        answer=lambda: float(ops.dropout_forward(np.full(1000, 3.0), rate=0.2, rng=0)[0].max()),
        hint="In training, cnnviz (like Keras) divides each value it keeps by the fraction kept, 1 − rate, so that the average stays the same.",
        mistakes=(
            (
                lambda a, r: abs(a - 2.4) < 1e-3,
                "Multiplying by the kept fraction 0.8 is what inference would need WITHOUT inverted dropout; cnnviz and Keras divide during training instead.",
            ),
            (lambda a, r: abs(a - 15) < 1e-3, "Divide by the fraction KEPT, 1 − rate, not by the rate."),
            (lambda a, r: abs(a - 3) < 1e-3, "Kept values are not left alone in training: they are scaled."),
        ),
        explanation=lambda r: f"3 / (1 − 0.2) = {r:g}; in inference nothing is dropped or scaled.",
    ),
    Exercise(
        id="09.7",
        kind="number",
        answer=lambda: len(cells_reading(0, 1, (3, 3), (1, 1), (4, 4))),
        hint="A window at output cell (i, j) covers rows i..i + 2 and columns j..j + 2 of the input. Which windows cover row 0, column 1?",
        mistakes=(
            (
                lambda a, r: a == 9,
                "Nine is for a cell in the middle; a cell on the top border is read by windows of the first row only.",
            ),
            (
                lambda a, r: a == 1,
                "That is the corner cell; column 1 is also covered by the window that starts at column 1.",
            ),
            (
                lambda a, r: a == 3,
                "Columns: the windows start at j = 0, 1, 2, ...; which of them reach column 1?",
            ),
        ),
        explanation=lambda r: (
            f"Only windows of row 0 cover row 0, and the ones starting at columns 0 and 1 cover column 1: {r} windows, so dL/dx[0, 1] is a sum of {r} products."
        ),
    ),
]
