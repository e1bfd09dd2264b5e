"""Inside a trained CNN (cnnviz.inside): receptive boxes agree with the architectures' receptive
fields, and every explanation's numbers add up to the value it explains."""

import re

import numpy as np
import pytest
from _helpers import numerical_gradient
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import architectures, digits, inside, keras, sizes
from cnnviz import layers as cnnviz_layers
from cnnviz.keras import layers


def lecture_like(seed=0):
    return keras.models.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(12, 12, 1)),
            layers.MaxPooling2D(2),
            layers.Conv2D(6, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(8, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )


def outputs_of(model, x):
    return [x, *(out[0] for out in model.forward(x[None], keep=True))]


def test_boxes_have_the_receptive_field_of_the_architectures_module():
    model = lecture_like()
    fields = architectures.receptive_fields(model)
    for node, row, col in ((0, 4, 4), (1, 2, 2), (2, 2, 2)):
        box = inside.receptive_boxes(model, node, row, col)[0]
        assert box[1] - box[0] == box[3] - box[2] == fields[node][0]  # an interior cell: the full field
    assert inside.receptive_boxes(model, 4, 0, 0)[0] == (
        0,
        8,
        0,
        8,
    )  # at the edge the same-padding reads zeros
    assert inside.receptive_boxes(model, 6, 0, 0)[0] == (0, 12, 0, 12)  # a dense unit reads everything


NUMBER = r"(−?\d+(?:\.\d+)?(?:e[+−-]?\d+)?)"


def _f(text):
    return float(text.replace("−", "-"))


def _check_arithmetic(text, value):
    """Every line that states a result is right, and the explained value is the last result."""
    results = []
    for line in text.splitlines()[1:]:
        if m := re.search(rf"sum of the products {NUMBER} \+ bias {NUMBER} = {NUMBER}", line):
            a, b, z = map(_f, m.groups())
            assert a + b == pytest.approx(z, rel=1e-3, abs=1e-3)
            results.append(z)
        elif m := re.search(rf"^z = {NUMBER} \+ bias {NUMBER} = {NUMBER}", line):
            a, b, z = map(_f, m.groups())
            assert a + b == pytest.approx(z, rel=1e-3, abs=1e-3)
            results.append(z)
        elif m := re.search(rf"max\({NUMBER}, 0\) = {NUMBER}", line):
            z, v = map(_f, m.groups())
            assert max(z, 0.0) == pytest.approx(v, abs=1e-3)
            results.append(v)
        elif m := re.search(rf"max of the window's cells \[(.*)\] = {NUMBER}", line):
            cells = [_f(v) for v in m.group(1).split(", ")]
            assert max(cells) == _f(m.group(2))
            results.append(_f(m.group(2)))
        elif m := re.search(rf"^p_\d+ = {NUMBER} / {NUMBER} = {NUMBER}", line):
            a, b, p = map(_f, m.groups())
            assert a / b == pytest.approx(p, rel=2e-3)
            results.append(p)
        elif m := re.search(rf"= {NUMBER}   \(moving averages", line):
            results.append(_f(m.group(1)))
    if results:
        assert results[-1] == pytest.approx(value, rel=2e-3, abs=1e-3)


@pytest.mark.parametrize("node", range(8))
def test_every_explanation_adds_up_to_its_value(rng, node):
    model = lecture_like()
    x = rng.random((12, 12, 1)).astype(np.float32)
    outs = outputs_of(model, x)
    y = outs[node + 1]
    index = tuple(int(v) for v in np.unravel_index(int(np.argmax(y)), y.shape))
    text = inside.explain(model, outs, node, index)
    assert text.splitlines()[0].endswith(f"= {inside._n(float(y[index]))}")
    _check_arithmetic(text, float(y[index]))
    if node in (0, 2, 4, 6, 7):
        assert len(text.splitlines()) >= 2  # written out, not only stated


def test_a_convolution_cell_is_written_out_product_by_product(rng):
    model = keras.models.Sequential([layers.Conv2D(1, 2, input_shape=(3, 3, 1))], seed=0)
    x = np.arange(9, dtype=np.float32).reshape(3, 3, 1)
    model.set_weights([np.array([1, 2, 3, 4], np.float32).reshape(2, 2, 1, 1), np.array([0.5], np.float32)])
    text = inside.explain(model, outputs_of(model, x), 0, (1, 1, 0))
    assert "channel 0: 4·1 + 5·2 + 7·3 + 8·4 = 67" in text
    assert "sum of the products 67 + bias 0.5 = 67.5" in text


def test_branches_are_refused():
    a = keras.Input((4, 4, 1))
    model = keras.Model(a, layers.Add()([a, layers.Conv2D(1, 1)(a)]))
    with pytest.raises(ValueError, match="has a branch or merge at layer 'add'"):
        inside.receptive_boxes(model, 1, 0, 0)


def test_every_layer_class_is_described_in_the_table_by_name():
    """Each layer class has its own entry: none is described through the class it happens to extend."""
    classes = [
        cls
        for name in cnnviz_layers.__all__
        if isinstance(cls := getattr(cnnviz_layers, name), type) and issubclass(cls, cnnviz_layers.Layer)
    ]
    missing = [cls.__name__ for cls in classes if cls not in inside.LAYER_KINDS and not cls.merges]
    assert not missing, f"layer classes missing from inside.LAYER_KINDS: {missing}"
    assert (
        inside.kind_of(layers.AveragePooling2D()).explain is not inside.kind_of(layers.MaxPooling2D()).explain
    )


@st.composite
def windows_2d(draw):
    """Kernel, strides, dilation and ((top, bottom), (left, right)) padding of a 2D window over an H × W grid."""
    K, S, D = (tuple(draw(st.integers(1, hi)) for _ in range(2)) for hi in (3, 3, 2))
    pads = tuple(tuple(draw(st.integers(0, 2)) for _ in range(2)) for _ in range(2))
    H, W = (draw(st.integers(max(1, sizes.kernel_extent(k, d) - sum(p)), 6)) for k, d, p in zip(K, D, pads))
    return (H, W), K, S, D, pads


@given(windows_2d())
@settings(max_examples=60, deadline=None)
def test_cells_reading_agrees_with_convolving_one_hot_images(window):
    """cells_reading with dilation, stride and padding: exactly the outputs a one-hot input reaches."""
    (H, W), K, S, D, pads = window
    ones = np.ones(K)
    for row in range(H):
        for col in range(W):
            x = np.zeros((H, W))
            x[row, col] = 1.0
            y = cnnviz.conv2d(x, ones, padding=pads, strides=S, dilation_rate=D)
            readers = inside.cells_reading(row, col, K, S, y.shape, dilation_rate=D, padding=pads)
            assert readers == [tuple(int(v) for v in c) for c in np.argwhere(y != 0)]
            padded = inside.cells_reading(row + pads[0][0], col + pads[1][0], K, S, y.shape, D)
            assert padded == readers  # padding=0: the cell counted in the padded input


@pytest.mark.parametrize(
    ("args", "error", "pattern"),
    [
        (((1, 1, (3, 3), (1, 1), (0, 3))), ValueError, r"L_out must be >= 1; received L_out=0"),
        (((1, 1, (3, 3), 1.5, (3, 3))), TypeError, r"strides must be an int or a sequence of 2 ints"),
        (((1, 1, (3, 3, 3), 1, (3, 3))), ValueError, r"kernel_size needs one value per spatial axis"),
        (((1.0, 1, 3, 1, (3, 3))), TypeError, r"received r=1\.0 of type float"),
    ],
)
def test_cells_reading_names_wrong_arguments(args, error, pattern):
    with pytest.raises(error, match=pattern):
        inside.cells_reading(*args)


def chain(dilation_rate=1, input_shape=(9, 8, 1)):
    """Padding, a convolution, pooling, upsampling and cropping: linear, with weights of one."""
    return keras.models.Sequential(
        [
            layers.ZeroPadding2D(((1, 0), (2, 1)), input_shape=input_shape),
            layers.Conv2D(1, (2, 3), dilation_rate=dilation_rate, padding="same", kernel_initializer="ones"),
            layers.AveragePooling2D(2, strides=(1, 2), padding="same"),
            layers.UpSampling2D((2, 1)),
            layers.Cropping2D(((1, 2), (0, 1))),
        ],
        seed=0,
    )


@pytest.mark.parametrize(
    ("model", "exact"),
    [
        (chain(), True),
        (keras.models.Sequential([layers.Conv2D(1, (2, 3), dilation_rate=(3, 2), padding="same",
                                                kernel_initializer="ones", input_shape=(9, 8, 1))]), True),
        (chain(dilation_rate=(3, 2)), False),
    ],
    ids=["chain", "dilated", "chain-dilated"],
)  # fmt: skip
def test_receptive_boxes_agree_with_which_input_cells_move_a_value(model, exact):
    """Brute force: output cell (r, c) depends on the input cells whose one-hot image moves it. The box is
    the smallest around them; through a dilated layer and then others, boxes of boxes may hold more cells
    (those between the taps), never fewer."""
    one_hot = np.eye(72, dtype=np.float32).reshape(72, 9, 8, 1)
    maps = model.forward(one_hot, keep=True)  # every node's output, for each one-hot image
    for node, out in enumerate(maps):
        for r in range(out.shape[1]):
            for c in range(out.shape[2]):
                moved = np.flatnonzero(out[:, r, c, 0] != 0)  # the input cells that reach (r, c)
                rows, cols = moved // 8, moved % 8
                r0, r1, c0, c1 = box = inside.receptive_boxes(model, node, r, c)[0]
                if not moved.size:
                    assert r0 == r1 or c0 == c1, (node, r, c, box)  # a cell of zero padding reads nothing
                elif exact:
                    assert box == (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1), (node, r, c)
                else:
                    assert r0 <= rows.min() and rows.max() < r1 and c0 <= cols.min() and cols.max() < c1


def test_explain_names_a_wrong_position_or_node():
    model = lecture_like()
    outs = outputs_of(model, np.zeros((12, 12, 1), np.float32))
    with pytest.raises(
        ValueError,
        match=r"position \(row, col, channel\) inside the output of shape \(10, 10, 4\); received \(10, 0, 0\)",
    ):
        inside.explain(model, outs, 0, (10, 0, 0))
    with pytest.raises(ValueError, match=r"position \(unit,\) .* received \(0, 1\)"):
        inside.explain(model, outs, 7, (0, 1))
    with pytest.raises(ValueError, match=r"node as a layer number 0\.\.7; received node=8"):
        inside.explain(model, outs, 8, (0,))
    with pytest.raises(
        ValueError, match=r"position \(row, col\) inside the output of shape \(10, 10\); received \(-1, 0\)"
    ):
        inside.receptive_boxes(model, 0, -1, 0)


@pytest.mark.parametrize("layer", [layers.Activation("softmax"), layers.Softmax(), layers.Softmax(axis=1)])
def test_a_softmax_over_a_map_is_written_out_along_its_axis(rng, layer):
    model = keras.models.Sequential([layers.Conv2D(3, 2, input_shape=(4, 4, 1)), layer], seed=0)
    outs = outputs_of(model, rng.random((4, 4, 1)).astype(np.float32))
    text = inside.explain(model, outs, 1, (1, 2, 0))
    _check_arithmetic(text, float(outs[2][1, 2, 0]))
    assert text.splitlines()[-1].startswith("p_") and len(text.splitlines()) == 4


def test_a_one_dimensional_model_is_named_without_a_wrong_explanation(rng):
    model = keras.models.Sequential([layers.Conv1D(2, 3, input_shape=(8, 1)), layers.MaxPooling1D(2)], seed=0)
    outs = outputs_of(model, rng.random((8, 1)).astype(np.float32))
    assert inside.explain(model, outs, 1, (1, 0)).count("\n") == 0
    assert inside.receptive_boxes(model, 1, 1, 0) == [None, None, None]


def test_model_input_lives_in_digits_and_is_still_importable_from_inside():
    assert inside.model_input is digits.model_input and inside.PAPER_NOISE == digits.PAPER_NOISE
    with pytest.raises(ValueError, match=r"input_shape as \(H, W, C\).*received input_shape=\(28, 28\)"):
        digits.model_input(np.zeros((5, 5)), (28, 28))


# --- gradients and saliency -------------------------------------------------------------------


def small_cnn(seed=0, dropout=0.0, head="softmax", activation="relu"):
    """A tiny CNN with every layer kind whose gradient is taught: conv, ReLU, BN, pooling, dense."""
    return keras.models.Sequential(
        [
            layers.Conv2D(2, 3, activation=activation, input_shape=(6, 6, 1)),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(dropout),
            layers.Dense(3, activation=head),
        ],
        seed=seed,
    )


@pytest.fixture
def float64_models(monkeypatch):
    """Models that compute in float64 (inputs and weights), so that centred differences are exact enough."""
    from cnnviz import training

    monkeypatch.setattr(training, "as_model_input", lambda x: np.asarray(x, dtype=np.float64))

    def in_float64(model):
        model.build()
        for layer in model.layers:
            layer.params = {name: w.astype(np.float64) for name, w in layer.params.items()}
        return model

    return in_float64


def digits_like(rng, n=5):
    x = rng.uniform(0, 1, size=(n, 6, 6, 1))
    y = rng.integers(0, 3, size=n)
    return x, y


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "from_logits"])
def test_gradients_match_centred_differences(rng, float64_models, loss):
    """Every weight's and every layer output's gradient equals the finite-difference slope of the loss."""
    head, compiled = (
        ("softmax", loss)
        if loss != "from_logits"
        else (None, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    )
    # tanh, not ReLU: ReLU's zeros tie in max-pooling windows, where the loss has no derivative
    model = float64_models(small_cnn(head=head, activation="tanh"))
    model.compile(optimizer="sgd", loss=compiled)
    x, y = digits_like(rng)
    loss_value, grads = inside.gradients(model, x, y)
    assert np.isfinite(loss_value) and len(grads) == len(model.layers)

    def loss_at():
        return inside.gradients(model, x, y)[0]

    for layer, entry in zip(model.layers, grads):
        for name in layer.trainable_names:
            w, original = layer.params[name], layer.params[name].copy()
            numeric = numerical_gradient(lambda v, w=w: (w.__setitem__(..., v), loss_at())[1], original, 1.0)
            w[...] = original  # the last nudge stays in w: put the weight back
            np.testing.assert_allclose(entry[name], numeric, rtol=1e-5, atol=1e-8)

    # d(loss)/d(output of layer i): nudge that output and run the rest of the network on it
    outputs = model.forward(x, training=True, keep=True)
    for i, entry in enumerate(grads):

        def rest(h, i=i):
            for layer in model.layers[i + 1 :]:
                h = layer.forward(h, training=True)
            return model.loss.value_and_gradient(y, h, gradient=False)[0]

        numeric = numerical_gradient(rest, outputs[i], 1.0)
        assert entry["output"].shape == outputs[i].shape
        np.testing.assert_allclose(entry["output"], numeric, rtol=1e-5, atol=1e-8)


def test_one_sgd_step_of_fit_moves_each_weight_by_minus_the_learning_rate_times_its_gradient(rng):
    """fit's own step (batch = the whole x, no shuffling) equals w − η · gradients(...), dropout included."""
    model = small_cnn(dropout=0.5)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    x, y = digits_like(rng, n=8)
    _, grads = inside.gradients(model, x, y)
    before = [dict((k, w.copy()) for k, w in layer.params.items()) for layer in model.layers]
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for layer, entry, old in zip(model.layers, grads, before):
        for name in layer.trainable_names:
            np.testing.assert_allclose(
                layer.params[name], old[name] - 0.05 * entry[name], rtol=1e-5, atol=1e-6
            )


def test_gradients_change_nothing_in_the_model(rng):
    """Two identical models trained alike end identical, though one was asked for gradients first."""
    x, y = digits_like(rng, n=12)
    models = [small_cnn(seed=3, dropout=0.3) for _ in range(2)]
    for model in models:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # optimizer state, moving statistics in use
    inside.gradients(models[0], x, y)
    inside.saliency(models[0], x[0], 2)
    for model in models:
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    for a, b in zip(*(model.get_weights() for model in models)):
        np.testing.assert_array_equal(a, b)


def test_a_failed_gradients_call_changes_nothing(rng):
    """Labels of the wrong shape are refused after the forward pass: the moving statistics are put back."""
    model = small_cnn()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, _ = digits_like(rng)
    model.build()
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError):
        inside.gradients(model, x, np.zeros((5, 7)))
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (
            lambda m, x, y: inside.gradients(
                keras.models.Sequential([layers.Dense(2, input_shape=(3,))]), x, y
            ),
            ValueError,
            "compile",
        ),
        (lambda m, x, y: inside.gradients(m, x[:0], y[:0]), ValueError, "0 samples"),
        (lambda m, x, y: inside.gradients(m, np.full_like(x, np.nan), y), ValueError, "NaN"),
        (lambda m, x, y: inside.gradients(m, x, y[:3]), ValueError, "as many labels"),
        (lambda m, x, y: inside.saliency(m, x[0], 3), ValueError, "0..2"),
        (lambda m, x, y: inside.saliency(m, x[0], True), TypeError, "whole number"),
        (lambda m, x, y: inside.saliency(m, x[0], "2"), TypeError, "whole number"),
        (lambda m, x, y: inside.saliency(m, x, 0), ValueError, "one image"),
        (lambda m, x, y: inside.saliency(m, np.full((6, 6), np.inf), 0), ValueError, "NaN or infinite"),
    ],
)
def test_gradients_and_saliency_wrong_use(rng, call, error, words):
    model = small_cnn()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = digits_like(rng)
    with pytest.raises(error, match=words):
        call(model, x, y)


def test_saliency_matches_centred_differences_of_the_class_score(rng, float64_models):
    """In inference mode (moving statistics, no dropout): d(logit of the class)/d(pixel)."""
    model = small_cnn(dropout=0.5)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = digits_like(rng, n=8)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)  # moving statistics away from 0 and 1
    model = float64_models(model)
    image = x[0, :, :, 0]  # (H, W) for a one-channel model

    def score(v):
        return model.forward(v.reshape(1, 6, 6, 1), training=False, activation=False)[0, 1]

    s = inside.saliency(model, image, 1)
    assert s.shape == image.shape
    np.testing.assert_allclose(s, numerical_gradient(score, image, 1.0), rtol=1e-5, atol=1e-8)
    assert inside.saliency(model, x[0], 1).shape == (6, 6, 1)


def test_saliency_of_a_functional_model_with_a_shortcut(rng):
    """Both paths from the input add into the saliency map (a linear model: it is the sum of the weights)."""
    inputs = keras.Input((4,))
    a = layers.Dense(3)(inputs)
    b = layers.Dense(3)(inputs)
    model = keras.Model(inputs, layers.Add()([a, b]))
    model.build()
    kernels = [layer.params["kernel"] for layer in model.layers if "kernel" in layer.params]
    np.testing.assert_allclose(
        inside.saliency(model, rng.normal(size=4), 2), sum(k[:, 2] for k in kernels), rtol=1e-6
    )
