"""Bad input raises ValueError/TypeError with a message that says what was expected and received."""

import re

import numpy as np
import pytest

import cnnviz
from cnnviz import ops

# --- wrong number of dims -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "layout", "shape"),
    [
        (lambda x: ops.conv2d_forward(x, np.ones((3, 3, 1, 2))), "4 dims (N, H, W, C)", (28, 28, 1)),
        (lambda x: ops.conv1d_forward(x, np.ones((3, 1, 2))), "3 dims (N, L, C)", (28, 1)),
        (lambda x: ops.max_pool2d_forward(x), "4 dims (N, H, W, C)", (28, 28, 1)),
        (lambda x: ops.avg_pool2d_forward(x), "4 dims (N, H, W, C)", (28, 28, 1)),
        (lambda x: ops.max_pool1d_forward(x), "3 dims (N, L, C)", (28, 1)),
        (lambda x: ops.avg_pool1d_forward(x), "3 dims (N, L, C)", (28, 1)),
        (lambda x: ops.conv_transpose2d_forward(x, np.ones((2, 2, 1, 1))), "4 dims (N, H, W, C)", (5, 5, 1)),
        (ops.zero_padding2d_forward, "4 dims (N, H, W, C)", (5, 5, 1)),
        (ops.cropping2d_forward, "4 dims (N, H, W, C)", (5, 5, 1)),
        (ops.upsampling2d_forward, "4 dims (N, H, W, C)", (5, 5, 1)),
        (ops.global_average_pool2d_forward, "4 dims (N, H, W, C)", (5, 5, 1)),
    ],
    ids=[
        "conv2d",
        "conv1d",
        "max_pool2d",
        "avg_pool2d",
        "max_pool1d",
        "avg_pool1d",
        "conv_transpose2d",
        "zero_padding2d",
        "cropping2d",
        "upsampling2d",
        "global_average_pool2d",
    ],
)
def test_missing_batch_axis_suggests_x_none(call, layout, shape):
    """One dim short: the message shows x.shape and suggests adding a batch axis with x[None]."""
    message = f"expects x with {layout}; received x.shape={shape}. Add a batch axis with x[None]."
    with pytest.raises(ValueError, match=re.escape(message)):
        call(np.ones(shape))


@pytest.mark.parametrize("shape", [(28,), (2, 1, 28, 28, 1)])
def test_other_wrong_ranks_do_not_suggest_a_batch_axis(shape):
    """Far off ranks get the expected layout but no x[None] hint."""
    with pytest.raises(ValueError, match=re.escape(f"received x.shape={shape}.")) as info:
        ops.conv2d_forward(np.ones(shape), np.ones((3, 3, 1, 2)))
    assert "x[None]" not in str(info.value)


def test_kernel_of_the_wrong_rank():
    """A 2D kernel for conv2d_forward names the expected kernel layout."""
    with pytest.raises(
        ValueError, match=re.escape("expects w with 4 dims (KH, KW, C, F); received w.shape=(3, 3)")
    ):
        ops.conv2d_forward(np.ones((1, 5, 5, 1)), np.ones((3, 3)))


def test_batchnorm_needs_a_batch_and_a_feature_axis():
    """batchnorm on a 1D array explains the expected layouts."""
    with pytest.raises(ValueError, match=re.escape("(N, C) or (N, H, W, C); received x.shape=(4,)")):
        ops.batchnorm_forward(np.ones(4), np.ones(4), np.zeros(4))


# --- channel mismatch ---------------------------------------------------------------------------


def test_conv2d_forward_channel_mismatch_names_both_shapes():
    """Input depth 3, kernel depth 2: the message gives both shapes."""
    with pytest.raises(ValueError, match=r"each kernel's depth must equal the input's depth") as info:
        ops.conv2d_forward(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4)))
    assert "x.shape=(1, 5, 5, 3)" in str(info.value) and "w.shape=(3, 3, 2, 4)" in str(info.value)


def test_conv1d_forward_channel_mismatch_names_both_shapes():
    """The 1D core names (N, L, C) and (K, C, F) shapes."""
    with pytest.raises(ValueError, match=re.escape("x has C=2 channels (x.shape=(1, 6, 2)")) as info:
        ops.conv1d_forward(np.ones((1, 6, 2)), np.ones((3, 1, 4)))
    assert "w has C=1 (w.shape=(3, 1, 4)" in str(info.value)


@pytest.mark.parametrize(
    ("func", "x_shape", "w_shape"),
    [
        (cnnviz.conv1d, (6, 2), (3, 3, 4)),  # case 3
        (cnnviz.conv1d, (2, 6, 2), (3, 3, 4)),  # batch
        (cnnviz.conv2d, (6, 6, 2), (3, 3, 3, 4)),  # case 4
        (cnnviz.conv2d, (1, 6, 6, 2), (3, 3, 3, 4)),  # batch
        (cnnviz.conv1d, (6, 2), (3, 3)),  # case 2: one kernel (K, C)
        (cnnviz.conv2d, (6, 6, 2), (3, 3, 3)),  # one kernel (KH, KW, C)
    ],
    ids=["conv1d_case3", "conv1d_batch", "conv2d_case4", "conv2d_batch", "conv1d_case2", "conv2d_one_kernel"],
)
def test_friendly_channel_mismatch_names_the_shapes_received(func, x_shape, w_shape):
    """The friendly calls name both shapes as the learner passed them."""
    with pytest.raises(
        ValueError, match=r"the kernel's depth must equal the input's number of channels"
    ) as info:
        func(np.ones(x_shape), np.ones(w_shape))
    assert f"x.shape={x_shape}" in str(info.value)
    assert f"w.shape={w_shape}" in str(info.value)


# --- impossible sizes and unknown padding -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "axis"),
    [
        (lambda: ops.conv2d_forward(np.ones((1, 3, 8, 1)), np.ones((5, 2, 1, 1))), "height"),
        (lambda: ops.conv2d_forward(np.ones((1, 8, 3, 1)), np.ones((2, 5, 1, 1))), "width"),
        (lambda: ops.conv1d_forward(np.ones((1, 3, 1)), np.ones((5, 1, 1))), "length"),
        (lambda: ops.max_pool2d_forward(np.ones((1, 3, 8, 1)), (5, 2)), "height"),
        (lambda: ops.avg_pool1d_forward(np.ones((1, 3, 1)), 5), "length"),
        (lambda: cnnviz.conv1d([1, 2, 3], [1, 1, 1, 1, 1]), "length"),
        (lambda: cnnviz.conv2d(np.ones((8, 3)), np.ones((2, 5))), "width"),
    ],
    ids=[
        "conv2d_height",
        "conv2d_width",
        "conv1d",
        "max_pool2d",
        "avg_pool1d",
        "friendly_conv1d",
        "friendly_conv2d",
    ],
)
def test_impossible_size_shows_the_formula(call, axis):
    """A window larger than the padded input names the axis, L, K, S and shows the formula with the numbers."""
    with pytest.raises(ValueError, match=f"Impossible output size along {axis}") as info:
        call()
    message = str(info.value)
    assert "L=3, K=5, P=" in message and ", S=" in message
    assert "⌊(3 + 2·0 − 5) / " in message
    assert "fewer than 1 position" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda: ops.conv2d_forward(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full"),
        lambda: ops.conv1d_forward(np.ones((1, 5, 1)), np.ones((3, 1, 1)), padding="full"),
        lambda: ops.max_pool2d_forward(np.ones((1, 4, 4, 1)), padding="full"),
        lambda: ops.avg_pool1d_forward(np.ones((1, 4, 1)), padding="full"),
        lambda: cnnviz.conv2d(np.ones((5, 5)), np.ones((3, 3)), padding="full"),
    ],
    ids=["conv2d", "conv1d", "max_pool2d", "avg_pool1d", "friendly_conv2d"],
)
def test_unknown_padding_lists_the_modes(call):
    """An unknown padding string lists 'valid' and 'same'."""
    with pytest.raises(ValueError, match=r"Unknown padding 'full'; expected one of \('valid', 'same'\)"):
        call()


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (dict(strides=0), ValueError, r"S must be a whole number >= 1 \(received S=0\)"),
        (
            dict(strides=1.5),
            TypeError,
            r"strides must be an int or a sequence of 2 ints; received strides=1\.5",
        ),
        (dict(strides=(1, 2, 3)), ValueError, r"strides needs one value per spatial axis \(2\)"),
        (dict(padding=-1), ValueError, r"padding along height must be .*received padding=-1"),
        (dict(dilation_rate=0), ValueError, r"D must be a whole number >= 1 \(received D=0\)"),
    ],
)
def test_bad_strides_padding_dilation(kwargs, error, pattern):
    """Bad strides, padding or dilation name the parameter and the value received."""
    with pytest.raises(error, match=pattern):
        ops.conv2d_forward(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), **kwargs)


def test_empty_arrays_are_refused():
    """A zero-length axis is refused with both shapes."""
    with pytest.raises(ValueError, match=re.escape("needs non-empty arrays; received x.shape=(0, 5, 5, 1)")):
        ops.conv2d_forward(np.ones((0, 5, 5, 1)), np.ones((3, 3, 1, 1)))


# --- non-numeric dtypes -------------------------------------------------------------------------

BAD_ARRAYS = {
    "str": np.array([["a", "b"], ["c", "d"]]),
    "object": np.array([[1, None], [2, 3]], dtype=object),
    "complex": np.ones((2, 2), dtype=complex),
}

CALLS_TAKING_X = {
    "conv2d_forward": lambda x: ops.conv2d_forward(x.reshape(1, 2, 2, 1), np.ones((1, 1, 1, 1))),
    "conv1d_forward": lambda x: ops.conv1d_forward(x.reshape(1, 4, 1), np.ones((1, 1, 1))),
    "max_pool2d_forward": lambda x: ops.max_pool2d_forward(x.reshape(1, 2, 2, 1)),
    "avg_pool2d_forward": lambda x: ops.avg_pool2d_forward(x.reshape(1, 2, 2, 1)),
    "batchnorm_forward": lambda x: ops.batchnorm_forward(x, np.ones(2), np.zeros(2)),
    "relu_forward": ops.relu_forward,
    "conv2d": lambda x: cnnviz.conv2d(x, np.ones((1, 1))),
    "conv1d": lambda x: cnnviz.conv1d(x.ravel(), np.ones(1)),
}


@pytest.mark.parametrize("dtype_name", BAD_ARRAYS)
@pytest.mark.parametrize("func", CALLS_TAKING_X)
def test_non_numeric_x_is_a_type_error(func, dtype_name):
    """Strings, objects and complex numbers raise TypeError naming the function and the dtype."""
    bad = BAD_ARRAYS[dtype_name]
    with pytest.raises(TypeError, match=re.escape(f"{func} expects x to hold real numbers")) as info:
        CALLS_TAKING_X[func](bad)
    assert f"received x with dtype {bad.dtype}" in str(info.value)


@pytest.mark.parametrize("dtype_name", BAD_ARRAYS)
def test_non_numeric_kernel_bias_and_logits(dtype_name):
    """w, b, logits and z are checked the same way, each by its own name."""
    bad = BAD_ARRAYS[dtype_name]
    dtype = re.escape(str(bad.dtype))
    with pytest.raises(TypeError, match=rf"expects w to hold real numbers .*received w with dtype {dtype}"):
        ops.conv2d_forward(np.ones((1, 3, 3, 1)), bad.reshape(2, 2, 1, 1))
    with pytest.raises(TypeError, match=rf"expects b to hold real numbers .*received b with dtype {dtype}"):
        ops.conv2d_forward(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 4)), bad.ravel())
    with pytest.raises(
        TypeError, match=rf"expects logits to hold real numbers .*received logits with dtype {dtype}"
    ):
        ops.sparse_categorical_crossentropy_forward(bad, np.array([0, 1]))
    with pytest.raises(TypeError, match=rf"expects z to hold real numbers .*received z with dtype {dtype}"):
        ops.softmax(bad)


# --- bias and per-channel parameters of the wrong shape -----------------------------------------


@pytest.mark.parametrize(
    "b", [np.zeros(3), np.zeros((1, 4)), np.float64(1.0)], ids=["too_few", "2d", "scalar"]
)
def test_conv2d_bias_of_the_wrong_shape(b):
    """One bias per kernel: b.shape must be (F,)."""
    message = f"expects one bias per kernel, b.shape=(4,); received b.shape={np.shape(b)}"
    with pytest.raises(ValueError, match=re.escape(message)):
        ops.conv2d_forward(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), b)


def test_conv1d_bias_of_the_wrong_shape():
    """conv1d_forward checks b against its F."""
    with pytest.raises(
        ValueError,
        match=re.escape("conv1d_forward expects one bias per kernel, b.shape=(2,); received b.shape=(3,)"),
    ):
        ops.conv1d_forward(np.ones((1, 5, 1)), np.ones((3, 1, 2)), np.zeros(3))


def test_friendly_bias_of_the_wrong_shape():
    """Case 3 with two kernels needs two biases."""
    with pytest.raises(ValueError, match=re.escape("b.shape=(2,); received b.shape=(3,)")):
        cnnviz.conv1d(np.ones((5, 1)), np.ones((3, 1, 2)), [1, 2, 3])


@pytest.mark.parametrize("name", ["gamma", "beta"])
def test_batchnorm_parameters_of_the_wrong_shape(name):
    """γ and β need one value per channel (the last axis)."""
    args = {"gamma": np.ones(3), "beta": np.zeros(3), name: np.ones(2)}
    message = f"expects one {name} per channel, {name}.shape=(3,) for x.shape=(4, 5, 5, 3); received {name}.shape=(2,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        ops.batchnorm_forward(np.ones((4, 5, 5, 3)), **args)


@pytest.mark.parametrize("name", ["moving_mean", "moving_variance"])
def test_batchnorm_inference_moving_statistics_of_the_wrong_shape(name):
    """Moving statistics need one value per channel too."""
    args = {"moving_mean": np.zeros(3), "moving_variance": np.ones(3), name: np.ones(4)}
    with pytest.raises(
        ValueError, match=re.escape(f"{name}.shape=(3,) for x.shape=(2, 3); received {name}.shape=(4,)")
    ):
        ops.batchnorm_inference(np.ones((2, 3)), np.ones(3), np.zeros(3), **args)


@pytest.mark.parametrize("epsilon", [-1e-3, np.array([1e-3, 1e-3]), "small"])
def test_batchnorm_epsilon_must_be_a_non_negative_number(epsilon):
    """ε must be a number >= 0."""
    with pytest.raises(ValueError, match=r"expects epsilon >= 0"):
        ops.batchnorm_forward(np.ones((4, 2)), np.ones(2), np.zeros(2), epsilon=epsilon)


# --- upstream gradient of the wrong shape -------------------------------------------------------


def _forward_outputs():
    x4, x3 = np.ones((2, 6, 6, 3)), np.ones((2, 6, 3))
    return {
        "conv2d_backward": (ops.conv2d_backward, ops.conv2d_forward(x4, np.ones((3, 3, 3, 4)))),
        "conv1d_backward": (ops.conv1d_backward, ops.conv1d_forward(x3, np.ones((3, 3, 4)))),
        "max_pool2d_backward": (ops.max_pool2d_backward, ops.max_pool2d_forward(x4)),
        "avg_pool2d_backward": (ops.avg_pool2d_backward, ops.avg_pool2d_forward(x4)),
        "max_pool1d_backward": (ops.max_pool1d_backward, ops.max_pool1d_forward(x3)),
        "avg_pool1d_backward": (ops.avg_pool1d_backward, ops.avg_pool1d_forward(x3)),
        "batchnorm_backward": (ops.batchnorm_backward, ops.batchnorm_forward(x4, np.ones(3), np.zeros(3))),
        "relu_backward": (ops.relu_backward, ops.relu_forward(x4)),
        "softmax_backward": (ops.softmax_backward, ops.softmax_forward(x3)),
    }


WRONG_DYS = {  # how dy is spoiled: one channel too many, or (1D passes) the batch axis left out
    "extra_channel": lambda y: np.ones((*y.shape[:-1], y.shape[-1] + 1)),
    "no_batch_axis": lambda y: y[0],
}


@pytest.mark.parametrize(
    ("func", "damage"),
    [(func, "extra_channel") for func in _forward_outputs()]
    + [(func, "no_batch_axis") for func in ("conv1d_backward", "max_pool1d_backward", "avg_pool1d_backward")],
)
def test_dy_of_the_wrong_shape(func, damage):
    """Each backward refuses a dy whose shape differs from the forward output's (the 1D ones a dy
    without the batch axis too), naming both shapes as the caller sees them."""
    backward, (y, cache) = _forward_outputs()[func]
    bad = WRONG_DYS[damage](y)
    message = f"{func} expects dy with the forward output's shape {y.shape}; received dy.shape={bad.shape}."
    with pytest.raises(ValueError, match=re.escape(message)):
        backward(bad, cache)


# --- friendly calls with an unsupported combination of ranks ------------------------------------


FRIENDLY_CASES = {  # what the message lists for each friendly call
    "conv1d": r"conv1d takes case 1: x \(L,\) with w \(K,\); case 2: .*case 3: .*a batch",
    "conv2d": r"conv2d takes case 4: x \(H, W, C\) with w \(KH, KW, C, k\);.*grayscale.*a batch",
}


@pytest.mark.parametrize(
    ("func", "x_shape", "w_shape"),
    [
        ("conv1d", (5,), (3, 1)),
        ("conv1d", (5, 1), (3,)),
        ("conv1d", (2, 5, 1), (3, 1)),
        ("conv1d", (5, 1), (3, 1, 1, 1)),
        ("conv2d", (5, 5), (3, 3, 1)),
        ("conv2d", (5,), (3,)),
        ("conv2d", (5, 5, 1), (3, 3)),
        ("conv2d", (1, 5, 5, 1), (3, 3, 1)),
    ],
)
def test_friendly_calls_explain_the_cases(func, x_shape, w_shape):
    """conv1d with ranks it does not take lists cases 1, 2, 3 and the batch; conv2d case 4, the
    grayscale and one-kernel forms and the batch; then the shapes received."""
    with pytest.raises(ValueError, match=FRIENDLY_CASES[func]) as info:
        getattr(cnnviz, func)(np.ones(x_shape), np.ones(w_shape))
    assert f"received x.shape={x_shape} and w.shape={w_shape}." in str(info.value)


def test_dropout_never_aliases_checks_dy_and_takes_a_seed():
    x = np.ones((3, 4))
    y, cache = ops.dropout_forward(x, 0.0)
    y[0, 0] = 5.0
    assert x[0, 0] == 1.0  # writing into the output leaves the input alone
    y, cache = ops.dropout_forward(x, 0.5, rng=0)  # an int seeds a generator
    np.testing.assert_array_equal(y, ops.dropout_forward(x, 0.5, rng=0)[0])
    with pytest.raises(
        ValueError, match=r"dropout_backward expects dy with the forward output's shape \(3, 4\)"
    ):
        ops.dropout_backward(np.ones(4), cache)
    with pytest.raises(
        TypeError, match=r"expects rng as a numpy\.random\.Generator or an int seed; received str"
    ):
        ops.dropout_forward(x, 0.5, rng="0")


@pytest.mark.parametrize(
    ("backward", "forward_cache", "expected"),
    [
        (
            ops.relu_backward,
            None,
            "relu_backward expects the cache that relu_forward returned; received None",
        ),
        (
            ops.dense_backward,
            lambda: ops.relu_forward(np.ones((2, 3)))[1],
            "received the cache of relu_forward",
        ),
        (
            ops.add_backward,
            lambda: {"w": 1},
            "add_backward expects the cache that add_forward returned; received a dict",
        ),
    ],
)
def test_a_backward_pass_names_the_cache_it_expected(backward, forward_cache, expected):
    cache = forward_cache() if forward_cache else None
    with pytest.raises(TypeError, match=re.escape(expected)):
        backward(np.ones((2, 3)), cache)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ops.leaky_relu_forward(np.ones(3), -1), ValueError, "leaky_relu_forward expects negative_slope as a finite number >= 0; received negative_slope=-1."),
        (lambda: ops.leaky_relu_forward(np.ones(3), None), TypeError, "leaky_relu_forward expects negative_slope as one real number; received negative_slope=None of type NoneType."),
        (lambda: ops.leaky_relu_forward(np.ones(3), True), TypeError, "received negative_slope=True of type bool"),
        (lambda: ops.rescaling_forward(np.ones(3), np.nan), ValueError, "rescaling_forward expects scale as a finite number; received scale=nan."),
        (lambda: ops.global_max_pool2d_forward(np.ones((5, 5, 1))), ValueError, "global_max_pool2d_forward expects x with 4 dims (N, H, W, C); received x.shape=(5, 5, 1). Add a batch axis with x[None]."),
        (lambda: ops.global_max_pool1d_forward(np.ones((8, 1))), ValueError, "global_max_pool1d_forward expects x with 3 dims (N, L, C); received x.shape=(8, 1). Add a batch axis with x[None]."),
        (lambda: ops.global_average_pool1d_forward(np.ones((2, 4, 4, 1))), ValueError, "global_average_pool1d_forward expects x with 3 dims (N, L, C); received x.shape=(2, 4, 4, 1)."),
        (lambda: ops.global_max_pool2d_forward(np.array([["a"]])), TypeError, "global_max_pool2d_forward expects x to hold real numbers"),
    ],
    ids=["slope_negative", "slope_none", "slope_bool", "scale_nan", "gmp2d_no_batch", "gmp1d_no_batch", "gap1d_image", "gmp2d_text"],
)  # fmt: skip
def test_keras_newer_ops_name_what_they_expected(call, error, message):
    """leaky ReLU's slope, rescaling's scale, and the global poolings' layouts, pinned."""
    with pytest.raises(error, match=re.escape(message)):
        call()
