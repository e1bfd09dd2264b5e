"""The layers Keras tutorials use beyond the first CNN: 1D and global pooling, LeakyReLU, Softmax, Rescaling.

Each layer computes with a cnnviz op, tested in its own module's file (global pooling in
test_resample, leaky ReLU in test_activations, rescaling in test_linear). Here the layers: the
1D poolings against the 2D reference on a one-row image, each layer against centred differences
and Keras' own documented examples, inside a small Sequential that trains, and for the errors it
raises.
"""

import re

import numpy as np
import pytest
from _helpers import EXACT, GRAD_TOL, distinct_values, numerical_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import keras, ops
from cnnviz import reference as ref
from cnnviz.keras import layers

# --- 1D pooling layers: vectorized == the 2D reference ------------------------------------------


@st.composite
def pool1d_setups(draw):
    """A 1D pooling layer call: x (N, L, C), pool K (an int or a 1-tuple), strides, "valid" or "same"."""
    L = draw(st.integers(1, 9))
    padding = draw(st.sampled_from(["valid", "same"]))
    K = draw(st.integers(1, L if padding == "valid" else L + 2))
    S = draw(st.sampled_from([None, 1, 2, 3]))
    as_tuple = draw(st.booleans())
    return {
        "x_shape": (draw(st.integers(1, 3)), L, draw(st.integers(1, 3))),
        "pool_size": (K,) if as_tuple else K,
        "strides": None if S is None else ((S,) if as_tuple else S),
        "padding": padding,
        "kind": draw(st.sampled_from(["max", "avg"])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def check_pool1d_layer(setup):
    """The layer's output, output_shape and backward equal the 2D reference on one-row images."""
    rng = np.random.default_rng(setup["seed"])
    x = rng.normal(size=setup["x_shape"])
    kind, padding = setup["kind"], setup["padding"]
    make = layers.MaxPooling1D if kind == "max" else layers.AveragePooling1D
    layer = make(setup["pool_size"], setup["strides"], padding)
    args = (setup["pool_size"], setup["strides"], padding)  # reference 1D pooling: 2D loops on one row
    y = layer.forward(x)
    assert y.shape[1:] == layer.output_shape(x.shape[1:])
    np.testing.assert_allclose(y, getattr(ref, f"{kind}_pool1d_forward")(x, *args), **EXACT)
    dy = rng.normal(size=y.shape)
    dx_ref = getattr(ref, f"{kind}_pool1d_backward")(dy, x, *args)
    np.testing.assert_allclose(layer.backward(dy), dx_ref, **EXACT)


@given(pool1d_setups())
@settings(max_examples=80)
def test_pool1d_layers_match_the_2d_reference(setup):
    """MaxPooling1D and AveragePooling1D, random configurations: layer == reference."""
    check_pool1d_layer(setup)


POOL1D_CASES = {
    "overlapping_stride1": dict(x_shape=(2, 7, 2), pool_size=3, strides=1, padding="valid"),
    "stride_gt_pool": dict(x_shape=(1, 9, 3), pool_size=2, strides=3, padding="valid"),
    "same_odd_total": dict(x_shape=(2, 6, 1), pool_size=4, strides=1, padding="same"),
    "cells_per_side": dict(x_shape=(2, 6, 2), pool_size=3, strides=2, padding=(2, 1)),
    "pool_equals_input": dict(x_shape=(3, 5, 2), pool_size=5, strides=None, padding="valid"),
    "batch_of_one_pool1": dict(x_shape=(1, 4, 1), pool_size=1, strides=None, padding="valid"),
}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", POOL1D_CASES)
def test_pool1d_layers_on_grid(kind, name):
    """Named configurations (overlap, stride > pool, odd 'same' totals, explicit cells): layer == reference."""
    check_pool1d_layer({"kind": kind, "seed": 5, **POOL1D_CASES[name]})


@pytest.mark.parametrize(
    ("make", "strides", "padding", "expected"),
    [
        (layers.MaxPooling1D, 1, "valid", [2, 3, 4, 5]),
        (layers.MaxPooling1D, 2, "valid", [2, 4]),
        (layers.MaxPooling1D, 1, "same", [2, 3, 4, 5, 5]),
        (layers.AveragePooling1D, 1, "valid", [1.5, 2.5, 3.5, 4.5]),
        (layers.AveragePooling1D, 2, "valid", [1.5, 3.5]),
        (layers.AveragePooling1D, 1, "same", [1.5, 2.5, 3.5, 4.5, 5.0]),
    ],
)
def test_pool1d_layers_give_keras_documented_results(make, strides, padding, expected):
    """Keras' documentation examples: x = [1, 2, 3, 4, 5] as (1, 5, 1), pool_size=2."""
    y = make(pool_size=2, strides=strides, padding=padding)(np.arange(1.0, 6.0).reshape(1, 5, 1))
    np.testing.assert_allclose(y[0, :, 0], expected, rtol=1e-12)


# --- softmax along an axis ----------------------------------------------------------------------


@given(
    shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40)
def test_softmax_layer_along_any_axis(shape, data, seed):
    """Softmax(axis) equals the softmax function along that axis (batch axis counted as 0)."""
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(size=shape) * 3
    layer = layers.Softmax(axis=axis)
    y = layer(x)
    assert layer.output_shape(shape[1:]) == tuple(shape[1:])
    np.testing.assert_allclose(y, ops.softmax(x, axis=axis), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-12)


def test_softmax_layer_keras_example_and_its_activation():
    """Keras' example [1, 2, 1]; axis=-1 makes the layer the softmax activation (what the losses look for)."""
    np.testing.assert_allclose(
        layers.Softmax()(np.array([[1.0, 2.0, 1.0]])), [[0.21194157, 0.5761169, 0.21194157]], rtol=1e-7
    )
    assert layers.Softmax().activation == "softmax" and layers.Softmax(axis=1).activation is None


# --- gradients ----------------------------------------------------------------------------------

LAYER_CASES = {
    "max_pooling1d_overlapping_same": (lambda: layers.MaxPooling1D(3, strides=2, padding="same"), (2, 7, 2)),
    "average_pooling1d_same": (lambda: layers.AveragePooling1D(2, strides=1, padding="same"), (2, 5, 3)),
    "global_max_pooling2d": (lambda: layers.GlobalMaxPooling2D(), (2, 3, 4, 2)),
    "global_max_pooling2d_keepdims": (lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 3, 4, 2)),
    "global_max_pooling1d_keepdims": (lambda: layers.GlobalMaxPooling1D(keepdims=True), (2, 5, 3)),
    "global_average_pooling1d": (lambda: layers.GlobalAveragePooling1D(), (2, 5, 3)),
    "leaky_relu": (lambda: layers.LeakyReLU(negative_slope=0.1), (2, 3, 3, 2)),
    "softmax_last_axis": (lambda: layers.Softmax(), (3, 4)),
    "softmax_axis1": (lambda: layers.Softmax(axis=1), (2, 4, 3)),
    "softmax_batch_axis": (lambda: layers.Softmax(axis=0), (3, 2)),
    "rescaling": (lambda: layers.Rescaling(1 / 127.5, offset=-1), (2, 3, 3, 1)),
}


@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_backward_numerically(rng, name):
    """Each layer's backward (after a forward pass) matches centred differences of its forward."""
    make, shape = LAYER_CASES[name]
    layer, x = make(), distinct_values(rng, shape) + 0.05
    y = layer.forward(x)
    assert y.shape[1:] == layer.output_shape(shape[1:])  # the shape arithmetic agrees with the data
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, numerical_gradient(layer.forward, x, dy), **GRAD_TOL)


@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_rebuilds_from_its_config(name):
    """type(layer)(**layer.get_config()) makes the same layer, with no warning."""
    layer = LAYER_CASES[name][0]()
    config = layer.get_config()
    assert type(layer)(**config).get_config() == config


# --- each layer trains inside a small Sequential ------------------------------------------------


def two_classes(shape, n=64, seed=0):
    """Noise around −0.5 (class 0) or +0.5 (class 1), samples of ``shape``, as float32."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, *shape)).astype(np.float32)
    x += np.where(y == 1, 0.5, -0.5).astype(np.float32).reshape(n, *[1] * len(shape))
    return x, y


TRAINING_CASES = {
    "max_pooling1d": [layers.Conv1D(4, 3, input_shape=(12, 2)), layers.MaxPooling1D(2), layers.Flatten()],
    "average_pooling1d": [
        layers.Conv1D(4, 3, input_shape=(12, 2)),
        layers.AveragePooling1D(3, strides=2, padding="same"),
        layers.Flatten(),
    ],
    "global_max_pooling2d": [layers.Conv2D(4, 3, input_shape=(6, 6, 1)), layers.GlobalMaxPooling2D()],
    "global_max_pooling2d_keepdims": [
        layers.Conv2D(4, 3, input_shape=(6, 6, 1)),
        layers.GlobalMaxPooling2D(keepdims=True),
        layers.Flatten(),
    ],
    "global_max_pooling1d": [layers.Conv1D(4, 3, input_shape=(12, 2)), layers.GlobalMaxPooling1D()],
    "global_average_pooling1d": [layers.Conv1D(4, 3, input_shape=(12, 2)), layers.GlobalAveragePooling1D()],
    "leaky_relu": [layers.Conv2D(4, 3, input_shape=(6, 6, 1)), layers.LeakyReLU(0.1), layers.Flatten()],
    "softmax_axis1": [layers.Conv1D(4, 3, input_shape=(12, 2)), layers.Softmax(axis=1), layers.Flatten()],
    "rescaling": [layers.Conv2D(4, 3, input_shape=(6, 6, 1)), layers.Rescaling(0.5, 0.1), layers.Flatten()],
}


@pytest.mark.parametrize("name", TRAINING_CASES)
def test_each_layer_trains_inside_a_sequential(name):
    """A convolution, the layer, a softmax classifier: the loss falls, and the convolution below the
    layer learns (so the gradient came back through the layer)."""
    body = [type(layer)(**layer.get_config()) for layer in TRAINING_CASES[name]]  # fresh layers each run
    model = keras.models.Sequential([*body, layers.Dense(2, activation="softmax")], seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    model.build()
    kernel = model.layers[0].params["kernel"].copy()
    x, y = two_classes(model.input_shape)
    loss = model.fit(x, y, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    assert not np.allclose(model.layers[0].params["kernel"], kernel)


def test_a_softmax_layer_at_the_end_trains_like_a_softmax_activation():
    """Dense(2) + Softmax() is Dense(2, activation="softmax"): the same losses, step by step."""
    x, y = two_classes((4, 4, 1))
    histories = []
    for head in ([layers.Dense(2), layers.Softmax()], [layers.Dense(2, activation="softmax")]):
        model = keras.models.Sequential([layers.Flatten(input_shape=(4, 4, 1)), *head], seed=3)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        histories.append(model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"])
        np.testing.assert_allclose(model.predict(x[:4]).sum(axis=1), 1.0, rtol=1e-6)
    assert histories[0] == histories[1]


def test_rescaling_first_takes_raw_pixels():
    """Keras' habit: Rescaling(1./255) as the first layer, and uint8 images straight from the dataset."""
    x, y = two_classes((6, 6, 1))
    pixels = np.clip(x * 60 + 128, 0, 255).astype(np.uint8)
    model = keras.models.Sequential([
        layers.Rescaling(1.0 / 255, input_shape=(6, 6, 1)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(2, activation="softmax"),
    ], seed=1)  # fmt: skip
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    loss = model.fit(pixels, y, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert loss[-1] < loss[0]


def test_keras_names_and_shapes_in_a_summary(capsys):
    """Layers are named as in Keras, and their shapes come from shapes alone."""
    model = keras.models.Sequential([
        layers.Conv1D(8, 3, padding="same", input_shape=(32, 2)),
        layers.LeakyReLU(),
        layers.MaxPooling1D(),
        layers.AveragePooling1D(pool_size=(2,), strides=(2,)),
        layers.GlobalMaxPooling1D(keepdims=True),
        layers.GlobalAveragePooling1D(),
        layers.Rescaling(2.0),
        layers.Dense(3),
        layers.Softmax(),
    ])  # fmt: skip
    assert [shape for _, shape, _ in model.shapes()] == [
        (32, 8), (32, 8), (16, 8), (8, 8), (1, 8), (8,), (8,), (3,), (3,)
    ]  # fmt: skip
    model.summary()
    out = capsys.readouterr().out
    for name in (
        "leaky_re_lu (LeakyReLU)",
        "max_pooling1d (MaxPooling1D)",
        "global_max_pooling1d",
        "softmax",
    ):
        assert name in out
    assert layers.GlobalMaxPooling2D().output_shape((4, 5, 3)) == (3,)
    assert layers.GlobalMaxPooling2D(keepdims=True).output_shape((4, 5, 3)) == (1, 1, 3)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: layers.LeakyReLU(-0.1), ValueError, "LeakyReLU expects negative_slope >= 0; received negative_slope=-0.1."),
        (lambda: layers.LeakyReLU("0.2"), TypeError, "LeakyReLU expects negative_slope as a number; received negative_slope='0.2'."),
        (lambda: layers.MaxPooling1D(pool_size=(2, 2)), ValueError, "MaxPooling1D: pool_size needs one value per spatial axis (1); received pool_size=(2, 2)."),
        (lambda: layers.AveragePooling1D(pool_size=0), ValueError, "pool_size must be >= 1; received pool_size=0."),
        (lambda: layers.MaxPooling1D(2, strides=1.5), TypeError, "MaxPooling1D: strides must be an int or a sequence of 1 ints; received strides=1.5."),
        (lambda: layers.MaxPooling1D(2, padding="full"), ValueError, "MaxPooling1D expects padding 'valid' or 'same' (in any case); received padding='full'."),
        (lambda: layers.MaxPooling1D(data_format="channels_first"), ValueError, "cnnviz works channels last"),
        (lambda: layers.GlobalMaxPooling1D(data_format="channels_first"), ValueError, "GlobalMaxPooling1D received data_format='channels_first'"),
        (lambda: layers.GlobalMaxPooling2D(keepdims=1), TypeError, "GlobalMaxPooling2D expects keepdims=True or False; received keepdims=1."),
        (lambda: layers.Softmax(axis=[1, 2]), TypeError, "axis must be a whole number (int); received axis=[1, 2]"),
        (lambda: layers.Rescaling("1/255"), TypeError, "Rescaling expects scale as a number; received scale='1/255'."),
        (lambda: layers.Rescaling(1 / 255, offset=None), TypeError, "Rescaling expects offset as a number; received offset=None."),
    ],
    ids=[
        "negative_slope_below_0", "negative_slope_text", "pool_size_2d", "pool_size_0", "strides_float",
        "padding_unknown", "pool_channels_first", "global_channels_first", "keepdims_int", "softmax_axes_list",
        "scale_text", "offset_none",
    ],
)  # fmt: skip
def test_constructor_errors_name_the_argument_and_value(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


def test_alpha_is_keras_2s_name_for_the_slope():
    """LeakyReLU(alpha=0.2) works, warning with the Keras 3 spelling; its config uses negative_slope."""
    with pytest.warns(UserWarning, match=re.escape("write LeakyReLU(negative_slope=0.2)")):
        layer = layers.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2 and layer.get_config()["negative_slope"] == 0.2
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=re.escape("received negative_slope=-1")):
        layers.LeakyReLU(alpha=-1)


@pytest.mark.parametrize(
    ("layer", "input_shape", "message"),
    [
        (layers.MaxPooling1D(), (28, 28, 1), "MaxPooling1D expects inputs of 2 dims per sample, (length, channels); received input shape (28, 28, 1)"),
        (layers.GlobalMaxPooling1D(), (8, 8, 1), "GlobalMaxPooling1D expects inputs of 2 dims per sample, (length, channels)"),
        (layers.GlobalAveragePooling1D(), (8,), "GlobalAveragePooling1D expects inputs of 2 dims per sample"),
        (layers.GlobalMaxPooling2D(), (8, 2), "GlobalMaxPooling2D expects inputs of 3 dims per sample, (height, width, channels)"),
        (layers.Softmax(axis=3), (4, 5), "softmax: Softmax(axis=3) does not fit inputs of shape (None, 4, 5): axis counts the batch axis as 0, so it must be 0..2 or -3..-1."),
        (layers.Softmax(axis=-4), (4, 5), "Softmax(axis=-4) does not fit"),
        (layers.MaxPooling1D(5), (3, 1), "Impossible output size along length"),
    ],
    ids=["maxpool1d_image", "globalmax1d_image", "globalavg1d_vector", "globalmax2d_signal", "softmax_axis_3", "softmax_axis_minus4", "pool_longer_than_signal"],
)  # fmt: skip
def test_shape_errors_show_the_expected_layout(layer, input_shape, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.output_shape(input_shape)


def test_keepdims_backward_refuses_a_dy_that_is_not_one_cell():
    """With keepdims, dy must have the (N, 1, 1, C) shape the forward pass returned."""
    layer = layers.GlobalMaxPooling2D(keepdims=True)
    layer.forward(np.ones((2, 3, 3, 4)))
    message = (
        "with keepdims=True, dy has the forward output's shape (N, 1, 1, C); received dy.shape=(2, 2, 1, 4)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.backward(np.ones((2, 2, 1, 4)))


GLOBAL_POOLINGS = {
    "GlobalMaxPooling2D": ((2, 4, 5, 3), np.max),
    "GlobalAveragePooling2D": ((2, 4, 5, 3), np.mean),
    "GlobalMaxPooling1D": ((2, 6, 3), np.max),
    "GlobalAveragePooling1D": ((2, 6, 3), np.mean),
}


@pytest.mark.parametrize("name", GLOBAL_POOLINGS)
def test_every_global_pooling_takes_keras_keepdims(rng, name):
    """All four global poolings have Keras' signature (data_format=None, keepdims=False); keepdims
    keeps one cell per spatial axis, forward and backward, and survives get_config."""
    import inspect

    cls = getattr(layers, name)
    parameters = inspect.signature(cls).parameters
    assert list(parameters)[:2] == ["data_format", "keepdims"] and parameters["keepdims"].default is False
    shape, reduce = GLOBAL_POOLINGS[name]
    spatial = tuple(range(1, len(shape) - 1))
    x = rng.standard_normal(shape)
    flat, kept = cls(), cls(keepdims=True)
    assert flat.output_shape(shape[1:]) == (shape[-1],)
    assert kept.output_shape(shape[1:]) == (*(1,) * len(spatial), shape[-1])
    y, y_kept = flat.forward(x), kept.forward(x)
    np.testing.assert_allclose(y, reduce(x, axis=spatial), **EXACT)
    np.testing.assert_array_equal(y_kept, reduce(x, axis=spatial, keepdims=True).astype(y_kept.dtype))
    dy = rng.standard_normal(y.shape)
    np.testing.assert_array_equal(kept.backward(dy.reshape(y_kept.shape)), flat.backward(dy))
    assert cls.from_config(kept.get_config()).keepdims is True


def test_layers_share_small_bases_not_one_another():
    """No layer is another layer in disguise: each kind has its own class, so isinstance tells them apart."""
    apart = [
        (layers.AveragePooling2D(), layers.MaxPooling2D),
        (layers.MaxPooling1D(), layers.MaxPooling2D),
        (layers.AveragePooling1D(), layers.MaxPooling1D),
        (layers.GlobalMaxPooling1D(), layers.GlobalMaxPooling2D),
        (layers.GlobalAveragePooling1D(), layers.GlobalMaxPooling1D),
        (layers.GlobalAveragePooling2D(), layers.GlobalMaxPooling2D),
        (layers.Conv1D(2, 3), layers.Conv2D),
        (layers.Conv2DTranspose(2, 3), layers.Conv2D),
        (layers.ReLU(), layers.Activation),
        (layers.Softmax(), layers.Activation),
    ]
    for layer, other in apart:
        assert not isinstance(layer, other), (type(layer).__name__, other.__name__)
    assert layers.MaxPooling1D(3).pool_size == (3,) and layers.AveragePooling2D(3).pool_size == (3, 3)


def test_activations_and_initializers_are_looked_up_by_name_in_any_case():
    """ "ReLU" is "relu"; a function of cnnviz's is taken as is; an unknown name lists the known ones."""
    from cnnviz import initializers

    assert layers.Dense(2, activation="ReLU").activation == "relu"
    assert layers.Activation(keras.activations.tanh).activation == "tanh"
    assert layers.Dense(2, activation=None).activation is None
    assert layers.Dense(2, kernel_initializer="HE_Normal").kernel_initializer == "he_normal"
    assert initializers.get(initializers.ones) is initializers.ones
    message = (
        "Unknown activation 'gelu'; expected one of ('linear', 'relu', 'sigmoid', 'tanh', 'softmax') or None."
    )
    with pytest.raises(ValueError, match=re.escape(message + " Received: Dense(activation='gelu').")):
        layers.Dense(2, activation="gelu")
    with pytest.raises(ValueError, match=re.escape("Received: Conv2D(bias_initializer='orthogonal').")):
        layers.Conv2D(2, 3, bias_initializer="orthogonal")
    with pytest.raises(ValueError, match=re.escape("Unknown activation 3;")):
        layers.Dense(2, activation=3)


def test_dense_takes_keras_2s_input_dim():
    """``Dense(1, input_dim=784)`` (keras-io's callbacks guide) is ``input_shape=(784,)``; both may be
    given only if they agree."""
    model = keras.Sequential()
    model.add(layers.Dense(1, input_dim=784))
    assert model.output_shape == (None, 1) and model.count_params() == 785
    layer = model.layers[0]
    assert layers.Dense.from_config(layer.get_config()).input_shape == (784,)
    assert layers.Dense(2, input_dim=3, input_shape=(3,)).input_shape == (3,)
    with pytest.raises(ValueError, match=re.escape("received input_dim=3 and input_shape=(4,).")):
        layers.Dense(1, input_dim=3, input_shape=(4,))
    with pytest.raises(
        TypeError, match=re.escape("Dense expects input_dim as a whole number (int); received input_dim=2.0.")
    ):
        layers.Dense(1, input_dim=2.0)
    with pytest.raises(ValueError, match=re.escape("Dense expects input_dim >= 1; received input_dim=0.")):
        layers.Dense(1, input_dim=0)
