"""Wrong use of every public op gets a clear answer (issue: "Wrong use gets a clear answer
everywhere"): a ValueError or TypeError whose message names the op or the argument, or a
result. Never an IndexError, ZeroDivisionError, OverflowError, MemoryError, KeyError or
AttributeError from deep inside numpy, never a NaN made from finite inputs, and never an
input written into.

Each case starts from a valid call and breaks one argument: a wrong rank, an empty axis, a
wrong dtype, NaN or infinity, a ragged list, a size or step of 0, a negative, a float, an
absurdly large one, None. ``CNNVIZ_HYPOTHESIS=long`` tries 20 times as many.
"""

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz import ops


def image(n=2, h=6, w=6, c=3):
    return np.arange(n * h * w * c, dtype=np.float64).reshape(n, h, w, c) % 7 - 3


def signal(n=2, length=8, c=3):
    return np.arange(n * length * c, dtype=np.float64).reshape(n, length, c) % 5 - 2


def inference_arguments():
    return {
        "x": image(),
        "gamma": np.ones(3),
        "beta": np.zeros(3),
        "moving_mean": np.zeros(3),
        "moving_variance": np.ones(3),
    }


# (op, valid keyword arguments); the first argument is the data
CALLS = {
    "conv2d_forward": (
        ops.conv2d_forward,
        lambda: {"x": image(), "w": np.ones((3, 3, 3, 4)), "b": np.zeros(4)},
    ),
    "conv1d_forward": (ops.conv1d_forward, lambda: {"x": signal(), "w": np.ones((3, 3, 2))}),
    "conv_transpose2d_forward": (
        ops.conv_transpose2d_forward,
        lambda: {"x": image(), "w": np.ones((2, 2, 4, 3)), "strides": 2},
    ),
    "max_pool2d_forward": (ops.max_pool2d_forward, lambda: {"x": image(), "pool_size": 2}),
    "avg_pool2d_forward": (ops.avg_pool2d_forward, lambda: {"x": image(), "pool_size": 2}),
    "max_pool1d_forward": (ops.max_pool1d_forward, lambda: {"x": signal(), "pool_size": 2}),
    "batchnorm_forward": (
        ops.batchnorm_forward,
        lambda: {"x": image(), "gamma": np.ones(3), "beta": np.zeros(3)},
    ),
    "batchnorm_inference": (ops.batchnorm_inference, inference_arguments),
    "batchnorm_inference_forward": (ops.batchnorm_inference_forward, inference_arguments),
    "dense_forward": (
        ops.dense_forward,
        lambda: {"x": np.ones((2, 5)), "w": np.ones((5, 3)), "b": np.zeros(3)},
    ),
    "dropout_forward": (ops.dropout_forward, lambda: {"x": image(), "rate": 0.5, "rng": 0}),
    "relu_forward": (ops.relu_forward, lambda: {"x": image()}),
    "softmax": (ops.softmax, lambda: {"z": np.ones((2, 4))}),
    "sparse_categorical_crossentropy_forward": (
        ops.sparse_categorical_crossentropy_forward,
        lambda: {"logits": np.ones((3, 4)), "labels": np.array([0, 1, 3])},
    ),
    "zero_padding2d_forward": (ops.zero_padding2d_forward, lambda: {"x": image(), "padding": 1}),
    "cropping2d_forward": (ops.cropping2d_forward, lambda: {"x": image(), "cropping": 1}),
    "upsampling2d_forward": (ops.upsampling2d_forward, lambda: {"x": image(), "size": 2}),
    "global_average_pool2d_forward": (ops.global_average_pool2d_forward, lambda: {"x": image()}),
    "global_max_pool2d_forward": (ops.global_max_pool2d_forward, lambda: {"x": image()}),
}

BAD_ARRAYS = {
    "drop an axis": lambda a: a[0],
    "add an axis": lambda a: a[None],
    "empty first axis": lambda a: a[:0],
    "empty last axis": lambda a: a[..., :0],
    "strings": lambda a: a.astype(str),
    "complex": lambda a: a.astype(complex),
    "objects": lambda a: a.astype(object),
    "a NaN": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a),
    "an infinity": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.inf, a),
    "ragged list": lambda a: [list(np.ravel(a)), [1.0]],
    "None": lambda a: None,
    "a scalar": lambda a: 3.0,
}
BAD_NUMBERS = [0, -1, 2.5, 10**20, -(10**20), None, "2", True, (0, 1), (1, 2, 3), np.nan]
NUMBER_ARGUMENTS = (
    "strides",
    "pool_size",
    "padding",
    "dilation_rate",
    "size",
    "cropping",
    "epsilon",
    "rate",
    "axis",
)
CLEAR = (ValueError, TypeError)


def takes(func, argument):
    return argument in inspect.signature(func).parameters


# (op, setting) for every setting an op takes: the bad numbers are tried only where they apply
SETTINGS = [
    (name, a) for name, (func, _) in sorted(CALLS.items()) for a in NUMBER_ARGUMENTS if takes(func, a)
]


def _run(name, kwargs):
    func, _ = CALLS[name]
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    try:
        result = func(**kwargs)
    except CLEAR as error:
        message = str(error)
        assert message and len(message) < 2000, message
        named = (
            name.split("_forward")[0],
            *kwargs,
            "S=",
            "K=",
            "P=",
            "L=",
            "D=",
        )  # the op, an argument or a symbol
        assert any(word in message for word in named), message
        return None
    for k, v in before.items():  # never written into
        if v.dtype.kind in "biuf":
            np.testing.assert_array_equal(kwargs[k], v)
    return result


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_valid_call_works(name):
    assert _run(name, CALLS[name][1]()) is not None


@given(
    name=st.sampled_from(sorted(CALLS)), damage=st.sampled_from(sorted(BAD_ARRAYS)), which=st.integers(0, 4)
)
def test_a_broken_array_gets_a_clear_answer(name, damage, which):
    kwargs = CALLS[name][1]()
    arrays = [k for k, v in kwargs.items() if isinstance(v, np.ndarray)]
    key = arrays[which % len(arrays)]
    kwargs[key] = BAD_ARRAYS[damage](kwargs[key])
    special = damage in ("a NaN", "an infinity")  # NaN in, NaN out is fine; numpy may warn along the way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if special else "error", RuntimeWarning)
        result = _run(name, kwargs)
    if result is not None and damage not in ("a NaN", "an infinity"):
        out = result[0] if isinstance(result, tuple) else result
        if isinstance(out, np.ndarray) and out.dtype.kind == "f":
            assert not np.isnan(out).any(), f"{name} with {damage} in {key} returned NaN"


def test_every_setting_is_taken_by_some_op():
    """No name in NUMBER_ARGUMENTS is dead (a typo, a renamed argument): each one is tried on an op."""
    assert {argument for _, argument in SETTINGS} == set(NUMBER_ARGUMENTS)


@given(setting=st.sampled_from(SETTINGS), value=st.sampled_from(BAD_NUMBERS))
def test_a_bad_setting_gets_a_clear_answer(setting, value):
    name, argument = setting
    kwargs = CALLS[name][1]()
    kwargs[argument] = value
    _run(name, kwargs)


def test_a_huge_padding_is_refused_before_allocating():
    with pytest.raises(ValueError, match="GiB"):
        ops.conv2d_forward(np.ones((1, 8, 8, 1)), np.ones((3, 3, 1, 1)), padding=100000)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_damage_of_every_argument(name):
    """The whole grid, not a sample: every broken array in every array argument, every bad setting."""
    _, make = CALLS[name]
    for key in [k for k, v in make().items() if isinstance(v, np.ndarray)]:
        for damage, spoil in BAD_ARRAYS.items():
            kwargs = make()
            kwargs[key] = spoil(kwargs[key])
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore" if damage in ("a NaN", "an infinity") else "error", RuntimeWarning
                )
                _run(name, kwargs)
    for argument in [a for op, a in SETTINGS if op == name]:
        for value in BAD_NUMBERS:
            kwargs = make()
            kwargs[argument] = value
            _run(name, kwargs)
