"""The notes' convolution cases (cnnviz.cases and the ops under them), worked out by hand and pinned
exactly; the arithmetic is in the comments."""

import numpy as np

import cnnviz
from cnnviz import ops

# --- case 1: one channel, one kernel ------------------------------------------------------------


def test_case1():
    """x = [1, 2, 3, 4, 5], w = [1, 0, −1]: y_i = x_i − x_{i+2} = −2 three times."""
    # y_0 = 1·1 + 0·2 − 1·3 = −2;  y_1 = 2 − 4 = −2;  y_2 = 3 − 5 = −2;  L' = 5 − 3 + 1 = 3
    np.testing.assert_array_equal(cnnviz.conv1d([1, 2, 3, 4, 5], [1, 0, -1]), [-2, -2, -2])


def test_case1_with_padding_and_stride():
    """P = 1, S = 2: x_pad = [0, 1, 2, 3, 4, 5, 0], windows start at 0, 2, 4."""
    # L' = ⌊(5 + 2·1 − 3)/2⌋ + 1 = 3
    # y_0 = 0 − 2 = −2;  y_1 = 2 − 4 = −2;  y_2 = 4 − 0 = 4
    np.testing.assert_array_equal(
        cnnviz.conv1d([1, 2, 3, 4, 5], [1, 0, -1], strides=2, padding=1), [-2, -2, 4]
    )


def test_case1_with_bias():
    """A single kernel takes a number as bias: [−2, −2, −2] + 10."""
    np.testing.assert_array_equal(cnnviz.conv1d([1, 2, 3, 4, 5], [1, 0, -1], 10), [8, 8, 8])


# --- case 2: several channels, one kernel -------------------------------------------------------


def test_case2():
    """x (4, 2), w (2, 2): y_i = Σ_{j1, j2} w[j1, j2] · x[i + j1, j2]."""
    x = [[1, 2], [3, 4], [5, 6], [7, 8]]
    w = [[1, -1], [2, 0]]
    # y_0 = 1·1 − 1·2 + 2·3 + 0·4 = 5
    # y_1 = 1·3 − 1·4 + 2·5 + 0·6 = 9
    # y_2 = 1·5 − 1·6 + 2·7 + 0·8 = 13
    np.testing.assert_array_equal(cnnviz.conv1d(x, w), [5, 9, 13])


# --- case 3: several channels, several kernels --------------------------------------------------


def test_case3_two_kernels_give_two_output_channels():
    """x (3, 2), w (2, 2, 2), b = [10, −1]: one output channel per kernel."""
    x = [[1, 2], [3, 4], [5, 6]]
    w = np.zeros((2, 2, 2), dtype=int)
    w[0, 0, 0] = 1  # kernel 0 picks x[i, 0]
    w[1, 1, 1] = 1  # kernel 1 picks x[i + 1, 1]
    # kernel 0: [x[0, 0], x[1, 0]] + 10 = [1, 3] + 10 = [11, 13]
    # kernel 1: [x[1, 1], x[2, 1]] − 1 = [4, 6] − 1 = [3, 5]
    np.testing.assert_array_equal(cnnviz.conv1d(x, w, [10, -1]), [[11, 3], [13, 5]])


# --- case 4: an image -------------------------------------------------------------------------


def test_case4_d2l_example():
    """The d2l example: x = arange(9) as 3×3, w = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]]."""
    x = np.arange(9).reshape(3, 3)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    w = [[0, 1], [2, 3]]
    # 0·0 + 1·1 + 2·3 + 3·4 = 19;  0·1 + 1·2 + 2·4 + 3·5 = 25
    # 0·3 + 1·4 + 2·6 + 3·7 = 37;  0·4 + 1·5 + 2·7 + 3·8 = 43
    np.testing.assert_array_equal(cnnviz.conv2d(x, w), [[19, 25], [37, 43]])


def test_case4_d2l_example_backward():
    """With dy = 1 everywhere: dw[u, v] sums the cells tap (u, v) saw; dx counts the weights that saw each cell."""
    x = np.arange(9).reshape(1, 3, 3, 1)
    w = np.array([[0, 1], [2, 3]]).reshape(2, 2, 1, 1)
    y, cache = ops.conv2d_forward(x, w, [1])
    dx, dw, db = ops.conv2d_backward(np.ones_like(y), cache)
    # dw[0, 0] = 0 + 1 + 3 + 4 = 8;  dw[0, 1] = 1 + 2 + 4 + 5 = 12
    # dw[1, 0] = 3 + 4 + 6 + 7 = 20; dw[1, 1] = 4 + 5 + 7 + 8 = 24
    np.testing.assert_array_equal(dw[:, :, 0, 0], [[8, 12], [20, 24]])
    # dx[a, b] = Σ w[a − i, b − j] over the windows (i, j) covering (a, b):
    # corners see one weight each (0, 1, 2, 3), edges two, the centre all four (0 + 1 + 2 + 3 = 6)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    np.testing.assert_array_equal(db, [4])  # four outputs, dy = 1 each


def test_case4_two_channels_two_kernels_with_bias():
    """d2l's multi-channel example, with a second kernel (kernel + 1) and a bias per kernel."""
    x = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)  # (3, 3, 2)
    k0 = np.stack([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], axis=-1)  # (2, 2, 2): channel 0, channel 1
    w = np.stack([k0, k0 + 1], axis=-1)  # (2, 2, 2, 2): two kernels
    b = [1, -1]
    # kernel 0, top-left: channel 0 gives 19 (as above); channel 1: 1·1 + 2·2 + 3·4 + 4·5 = 37; 19 + 37 + 1 = 57
    # kernel 1, top-left: channel 0: 1·0 + 2·1 + 3·3 + 4·4 = 27; channel 1: 2·1 + 3·2 + 4·4 + 5·5 = 49; 27 + 49 − 1 = 75
    # the other windows likewise: kernel 0 -> [[56, 72], [104, 120]] + 1, kernel 1 -> [[76, 100], [148, 172]] − 1
    y = cnnviz.conv2d(x, w, b)
    np.testing.assert_array_equal(y[:, :, 0], [[57, 73], [105, 121]])
    np.testing.assert_array_equal(y[:, :, 1], [[75, 99], [147, 171]])


def test_conv2d_same_padding_keeps_the_size():
    """A 3×3 box kernel of ones over a 3×3 grid of ones with "same" padding counts each cell's neighbours."""
    # corners see 4 cells, edges 6, the centre 9
    y = cnnviz.conv2d(np.ones((3, 3)), np.ones((3, 3)), padding="same")
    np.testing.assert_array_equal(y, [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


# --- cross-correlation vs convolution (ERRATA 5) --------------------------------------------------


def test_cross_correlation_is_not_flipped_convolution():
    """On a ramp, w = [1, 0, −1] gives −2 and its flip [−1, 0, 1] gives +2: flipping negates the output."""
    ramp = [0, 1, 2, 3, 4, 5]
    # cross-correlation (what conv1d computes): y_i = x_i − x_{i+2} = −2
    np.testing.assert_array_equal(cnnviz.conv1d(ramp, [1, 0, -1]), [-2, -2, -2, -2])
    # with the kernel flipped: y_i = −x_i + x_{i+2} = +2
    np.testing.assert_array_equal(cnnviz.conv1d(ramp, [-1, 0, 1]), [2, 2, 2, 2])
    # a true convolution flips the kernel: np.convolve(x, [1, 0, −1]) = cross-correlation with [−1, 0, 1]
    np.testing.assert_array_equal(np.convolve(ramp, [1, 0, -1], mode="valid"), [2, 2, 2, 2])
