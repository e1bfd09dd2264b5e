"""The functional API (keras.Input, layers called on tensors, keras.Model) and the new layers as layers.

The ops behind the new layers are checked against reference loops in test_resample.py;
here: shapes without data, the graph's forward and backward (gradients summed where a value
feeds two layers), training, and the messages for graphs that cannot work.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import numerical_gradient

from cnnviz import keras
from cnnviz import layers as L
from cnnviz.models import Model, Sequential


def as_float64(model):
    """Weights in float64, so that centred differences are accurate."""
    for layer in model.layers:
        for name, value in layer.params.items():
            layer.params[name] = value.astype(np.float64)


def small_graph(seed=0):
    """Branches and merges: a shortcut (Add), a concatenation, a crop, an up-convolution."""
    x = L.Input((6, 6, 2))
    a = L.Conv2D(3, 3, padding="same", activation="tanh")(x)
    b = L.Conv2D(3, 1)(a)
    s = L.Add()([a, b])  # a feeds both the conv and the add: its gradient is a sum
    p = L.MaxPooling2D(2)(s)  # 3×3
    u = L.Conv2DTranspose(2, 2, strides=2, activation="sigmoid")(p)  # 6×6
    c = L.Cropping2D(1)(L.Concatenate()([u, s]))  # 4×4×5
    z = L.ZeroPadding2D(((0, 1), (1, 0)))(L.UpSampling2D(2)(c))  # 9×9×5
    y = L.Dense(4, activation="softmax")(L.GlobalAveragePooling2D()(z))
    return Model(x, y, seed=seed)


def test_shapes_and_counts_without_weights():
    model = small_graph()
    assert model.output_shape == (None, 4)
    assert [shape for _, shape, _ in model.shapes()] == [
        (6, 6, 2), (6, 6, 3), (6, 6, 3), (6, 6, 3), (3, 3, 3), (6, 6, 2), (6, 6, 5), (4, 4, 5),
        (8, 8, 5), (9, 9, 5), (5,), (4,),
    ]  # fmt: skip
    # 3·3·2·3 + 3, 1·1·3·3 + 3, Conv2DTranspose kernel (2, 2, 2, 3) + 2, 5·4 + 4
    assert model.count_params() == 57 + 12 + 26 + 24
    assert not any(layer.built for layer in model.layers[1:])


def test_summary_lists_each_layers_inputs():
    lines = []
    small_graph().summary(print_fn=lines.append)
    text = lines[0]
    assert "input_layer (InputLayer)" in text
    assert "add (Add)" in text and "conv2d, conv2d_1" in text.split("add (Add)")[1].splitlines()[0]
    assert "Total params: 119" in text


def decoder_stack(seed=0):
    """A decoder's layers: dense to a small image, reshape, up-convolution, flatten."""
    return Sequential(
        [
            L.Dense(12, activation="tanh", input_shape=(3,)),
            L.Reshape((2, 2, 3)),
            L.Conv2DTranspose(2, 3, strides=2, padding="same", activation="sigmoid"),
            L.ZeroPadding2D(1),
            L.Flatten(),
            L.Dense(4, activation="softmax"),
        ],
        seed=seed,
    )


@pytest.mark.parametrize(
    ("build", "x_shape"), [(small_graph, (2, 6, 6, 2)), (decoder_stack, (3, 3))], ids=["graph", "decoder"]
)
def test_gradients_match_centred_differences(rng, build, x_shape):
    model = build()
    x = rng.normal(size=x_shape)
    model.build()
    as_float64(model)
    dout = rng.normal(size=(x_shape[0], 4))
    model.forward(x, training=True)
    model.backward(dout)
    for layer in model.layers:
        for name, param in layer.params.items():

            def f(value, layer=layer, name=name):
                saved = layer.params[name]
                layer.params[name] = value
                try:
                    return model.forward(x, training=True)
                finally:
                    layer.params[name] = saved

            expected = numerical_gradient(f, param, dout)
            np.testing.assert_allclose(
                layer.grads[name], expected, rtol=1e-5, atol=1e-8, err_msg=f"{layer.name}.{name}"
            )


def test_chain_as_model_equals_sequential(rng):
    def stack():
        return [
            L.Conv2D(4, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ]

    sequential = Sequential(stack(), seed=3)
    sequential.build((8, 8, 1))
    x = L.Input((8, 8, 1))
    y = x
    for layer in stack():
        y = layer(y)
    functional = Model(x, y, seed=3)
    functional.build()
    for a, b in zip(sequential.layers, functional.layers[1:]):
        np.testing.assert_array_equal(a.params.get("kernel", 0), b.params.get("kernel", 0))
    images, labels = rng.random((64, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 64)
    for model in (sequential, functional):
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", ["accuracy"])
    h1 = sequential.fit(images, labels, epochs=2, batch_size=16, verbose=0)
    h2 = functional.fit(images, labels, epochs=2, batch_size=16, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(sequential.predict(images), functional.predict(images), rtol=1e-5, atol=1e-7)


def test_keras_functional_code_runs(rng):
    """The functional-API pattern from Keras' guide, with cnnviz's keras."""
    inputs = keras.Input(shape=(12, 12, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    shortcut = x
    x = keras.layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = keras.layers.Add()([x, shortcut])
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="toy_resnet")
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    images = rng.random((40, 12, 12, 1)).astype(np.float32)
    labels = (images.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    images[labels == 1] += 0.5
    history = model.fit(images, labels, epochs=15, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(images, labels)
    assert accuracy > 0.9
    assert model.predict(images[:3]).shape == (3, 2)
    assert [layer.name for layer, _ in model.layer_outputs(images[:2])][:3] == [
        "input_layer",
        "conv2d",
        "conv2d_1",
    ]


def test_per_pixel_classes_train(rng):
    """A segmentation-shaped model: softmax over classes at each pixel, labels (N, H, W)."""
    x = keras.Input((8, 8, 1))
    y = keras.layers.Conv2D(2, 3, padding="same", activation="softmax")(x)
    model = keras.Model(x, y, seed=0)
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", ["accuracy"])
    images = rng.random((32, 8, 8, 1)).astype(np.float32)
    masks = (images[..., 0] > 0.5).astype(np.int64)
    model.fit(images, masks, epochs=20, batch_size=8, verbose=0)
    _, pixel_accuracy = model.evaluate(images, masks)
    assert 0.95 <= pixel_accuracy <= 1.0
    with pytest.raises(ValueError, match=r"one label per output position.*\(32, 8, 8\).*\(32,\)"):
        model.evaluate(images, masks[:, 0, 0])


def test_layer_on_arrays_computes_at_once(rng):
    x = rng.random((2, 3, 3, 1)).astype(np.float32)
    np.testing.assert_array_equal(L.UpSampling2D(2)(x), x.repeat(2, axis=1).repeat(2, axis=2))
    np.testing.assert_array_equal(L.Add()([x, x]), 2 * x)


# --- graphs that cannot work: clear messages ----------------------------------------------------


def test_shape_errors_show_where_the_graph_is_built():
    x = L.Input((8, 8, 3))
    a, b = L.Conv2D(4, 3)(x), L.Conv2D(4, 1)(x)
    with pytest.raises(
        ValueError,
        match=r"Add needs two or more inputs of one shape; received shapes \[\(6, 6, 4\), \(8, 8, 4\)\]",
    ):
        L.Add()([a, b])
    with pytest.raises(
        ValueError, match=r"differ only along axis -1; received shapes \[\(6, 6, 4\), \(8, 8, 4\)\]"
    ):
        L.Concatenate()([a, b])
    with pytest.raises(ValueError, match=r"leaves nothing of a 8×8 image \(8 − 4 − 4 = 0 rows"):
        L.Cropping2D(4)(x)
    with pytest.raises(
        ValueError, match=r"cannot reshape \(8, 8, 3\) \(192 values\) to \(10, 10\) \(100 values\)"
    ):
        L.Reshape((10, 10))(x)
    with pytest.raises(ValueError, match=r"padding 'valid' or 'same'; received padding=1"):
        L.Conv2DTranspose(4, 2, padding=1)


def test_misuse_of_layers_and_models():
    x = L.Input((8, 8, 3))
    conv = L.Conv2D(4, 3)
    conv(x)
    with pytest.raises(ValueError, match="already used in a graph"):
        conv(x)
    with pytest.raises(TypeError, match="Add 'add' takes a list of tensors"):
        L.Add()(x)
    with pytest.raises(TypeError, match="takes one tensor"):
        L.Conv2D(1, 1)([x, x])
    other = L.Input((8, 8, 3), name="other_input")
    with pytest.raises(ValueError, match=r"not connected to it.*'other_input'"):
        Model(x, L.Conv2D(1, 1)(other))
    two = Model(x, [L.Flatten()(x), L.GlobalMaxPooling2D()(x)])  # several outputs: an activation model
    assert [a.shape for a in two.predict(np.ones((2, 8, 8, 3)), verbose=0)] == [(2, 192), (2, 3)]
    with pytest.raises(ValueError, match="cnnviz trains models with one output"):
        two.compile("adam", "mse")
    with pytest.raises(ValueError, match="one input and one output; received 2 inputs"):
        Model([x, other], L.Flatten()(x))
    with pytest.raises(TypeError, match="received ndarray"):
        Model(x, np.zeros(3))
    with pytest.raises(TypeError, match=r"build such models with keras\.Input and keras\.Model"):
        Sequential([L.Add()])


@pytest.mark.parametrize("merge", ["add", "average", "maximum", "multiply", "subtract", "concatenate"])
def test_keras_merge_functions_build_and_train(merge):
    """keras.io's functional API guide joins branches with layers.add([...]) and its siblings: each
    builds the layer of that name, and a model using it learns (its gradient reaches both branches)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(int)
    inputs = keras.Input((6,))
    a = keras.layers.Dense(4, activation="tanh")(inputs)
    b = keras.layers.Dense(4, activation="tanh")(inputs)
    joined = getattr(keras.layers, merge)([a, b])
    assert type(joined.layer).__name__.lower() == merge
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(joined))
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=15, batch_size=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.8
    branch_kernels = [k for k, w in enumerate(before) if w.shape == (6, 4)]
    assert all(not np.array_equal(before[k], model.get_weights()[k]) for k in branch_kernels)


def test_merge_layers_refuse_shapes_that_do_not_fit():
    inputs = keras.Input((4,))
    a, b = keras.layers.Dense(3)(inputs), keras.layers.Dense(5)(inputs)
    with pytest.raises(ValueError, match="Maximum needs two or more inputs of one shape"):
        keras.layers.maximum([a, b])
    c = keras.layers.Dense(3)(inputs)
    with pytest.raises(ValueError, match="Subtract needs exactly two inputs"):
        keras.layers.subtract([a, c, keras.layers.Dense(3)(inputs)])


def test_input_without_a_shape_is_refused_clearly():
    with pytest.raises(TypeError, match="Input expects shape as a tuple of sizes"):
        keras.Input(None)


def test_an_activation_model_as_in_chollets_deep_learning_with_python():
    """§5.4 "Visualizing intermediate activations" (Chollet, Deep Learning with Python, 1st ed., MIT
    licence), its lines with only the imports changed: layer.output, model.input, Model(inputs, outputs)."""
    from cnnviz.keras import layers, models

    model = models.Sequential()
    model.add(layers.Conv2D(8, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(16, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation="softmax"))
    img_tensor = np.random.default_rng(0).random((1, 28, 28, 1)).astype("float32")

    layer_outputs = [layer.output for layer in model.layers[:4]]
    activation_model = models.Model(inputs=model.input, outputs=layer_outputs)
    activations = activation_model.predict(img_tensor)
    first_layer_activation = activations[0]

    assert first_layer_activation.shape == (1, 26, 26, 8) and len(activations) == 4
    for got, want in zip(activations, model.forward(img_tensor, keep=True)):
        np.testing.assert_array_equal(got, want)  # the same layers, the same weights
    model.layers[0].params["kernel"][...] = 0  # and they stay shared: a change shows in both
    assert not activation_model.predict(img_tensor, verbose=0)[0].any()
    assert model.get_layer(index=2) is model.get_layer(name="conv2d_1") is activation_model.layers[3]
    assert model.output.shape == (None, 10) and model.inputs == [model.input]


def test_layer_output_before_the_input_shape_is_known():
    model = Sequential([L.Dense(3)])
    with pytest.raises(AttributeError, match="has never been called and thus has no defined input"):
        model.input  # noqa: B018
    with pytest.raises(AttributeError, match="has never been called and thus has no defined output"):
        model.layers[0].output  # noqa: B018
    model.build((4,))
    assert model.layers[0].output.shape == (None, 3)
    with pytest.raises(ValueError, match="get_layer expects a name or an index"):
        model.get_layer()
    with pytest.raises(ValueError, match="No layer named 'conv'"):
        model.get_layer("conv")
