"""cnnviz.learning, its pictures (cnnviz.plot.learning), the OptimizerExplorer and the exercises of
"How a CNN learns": numbers checked by hand and against finite differences, wrong use refused clearly."""

import matplotlib
import numpy as np
import pytest

from cnnviz import learning, ops, plot
from cnnviz.exercises import check
from cnnviz.optimizers import SGD, Adam

matplotlib.use("Agg")

X, T = np.array([1.0, 2.0, 3.0]), np.array([2.5, 3.5, 6.5])
TINY = dict(
    x=np.array([[1.0, 2, 3, 3, 0], [0, 3, 3, 0, 1], [3, 1, 1, 3, 1], [1, 2, 2, 0, 0], [3, 3, 3, 2, 3]]),
    w=0.5 * np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]]),
    b=0.5,
    dense_kernel=np.array([[0.5, -0.5, 0.0], [0.25, 0.5, -0.5], [-0.5, 0.25, 0.5], [0.0, -0.25, 0.25]]),
    dense_bias=np.array([0.1, 0.0, -0.1]),
    label=1,
)


# -- one weight ------------------------------------------------------------------------------------
def test_one_weight_loss_and_slope_by_hand_and_numerically():
    loss, slope = learning.one_weight_loss(2.0, X, T)
    assert loss == pytest.approx(((2 - 2.5) ** 2 + (4 - 3.5) ** 2 + (6 - 6.5) ** 2) / 3)
    assert slope == pytest.approx(2 / 3 * (-0.5 * 1 + 0.5 * 2 - 0.5 * 3))
    numeric = learning.finite_difference(lambda w: learning.one_weight_loss(w[()], X, T)[0], np.array(2.0))
    assert numeric == pytest.approx(slope, abs=1e-6)


def test_descent_converges_crawls_overshoots_and_diverges_as_the_step_factor_says():
    best = np.sum(X * T) / np.sum(X * X)  # the minimum of the mean squared error
    curvature = 2 * np.mean(X * X)  # L''(w): each step multiplies w − best by (1 − η·L'')
    for rate in (0.01, 0.1, 0.2, 0.25):
        ws, losses = learning.descend_one_weight(0.0, X, T, rate, 10)
        assert np.allclose(ws - best, (0 - best) * (1 - rate * curvature) ** np.arange(11))
    ws, losses = learning.descend_one_weight(0.0, X, T, 0.25, 10)
    assert losses[-1] > 100 * losses[0] and np.all(np.diff(losses) > 0)


def test_descent_that_overflows_reports_infinity_without_warnings():
    _ws, losses = learning.descend_one_weight(0.0, X, T, 50.0, 400)
    assert np.isinf(losses[-1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate > 0"),
        ({"learning_rate": "fast"}, ValueError, "learning_rate > 0"),
        ({"steps": -1}, ValueError, "steps as a whole number"),
        ({"x": [1.0, 2.0]}, ValueError, "same length"),
        ({"x": [1.0, np.nan, 2]}, ValueError, "finite"),
    ],
)
def test_descend_one_weight_refuses_wrong_use(kwargs, error, match):
    args = {"w0": 0.0, "x": X, "t": T, "learning_rate": 0.1, "steps": 3} | kwargs
    with pytest.raises(error, match=match):
        learning.descend_one_weight(**args)


def test_learn_kernel_recovers_an_edge_kernel_and_refuses_a_mismatched_start():
    images = np.random.default_rng(0).random((4, 8, 8))
    target = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    kernels, losses = learning.learn_kernel(images, target, np.zeros((3, 3)), 0.3, 300)
    assert np.abs(kernels[-1] - target).max() < 0.05 and losses[-1] < losses[0] / 1000
    with pytest.raises(ValueError, match="shaped like target_kernel"):
        learning.learn_kernel(images, target, np.zeros((2, 2)), 0.3, 3)
    with pytest.raises(ValueError, match="larger than the images"):
        learning.learn_kernel(images[:, :2, :2], target, np.zeros((3, 3)), 0.3, 3)


# -- the tiny CNN ------------------------------------------------------------------------------------
def test_tiny_cnn_every_gradient_agrees_with_finite_differences():
    values = learning.tiny_cnn_forward(**TINY)
    grads = learning.tiny_cnn_backward(values)
    for name in ("z", "a", "p", "s"):
        numeric = learning.finite_difference(
            lambda v, n=name: learning.tiny_cnn_loss_from(n, v, values), values[name]
        )
        assert np.allclose(numeric, grads[name], atol=1e-7), name
    for name in ("x", "w", "dense_kernel", "dense_bias"):
        short = {"dense_kernel": "W", "dense_bias": "c"}.get(name, name)
        numeric = learning.finite_difference(
            lambda v, n=name: learning.tiny_cnn_forward(**(TINY | {n: v}))["loss"], TINY[name]
        )
        assert np.allclose(numeric, grads[short], atol=1e-7), name
    numeric_b = learning.finite_difference(
        lambda v: learning.tiny_cnn_forward(**(TINY | {"b": v[()]}))["loss"], np.array(0.5)
    )
    assert numeric_b == pytest.approx(grads["b"], abs=1e-7)
    assert np.allclose(grads["s"], values["q"] - np.eye(3)[1])  # softmax + cross-entropy: q − onehot


def test_tiny_cnn_refuses_wrong_shapes_and_labels():
    with pytest.raises(ValueError, match=r"dense_kernel must be \(4, classes\)"):
        learning.tiny_cnn_forward(**(TINY | {"dense_kernel": np.zeros((9, 3))}))
    with pytest.raises(ValueError, match=r"label must be in 0\.\.2"):
        learning.tiny_cnn_forward(**(TINY | {"label": 3}))
    with pytest.raises(TypeError, match="the dict that tiny_cnn_forward returned"):
        learning.tiny_cnn_backward({"z": 1})
    values = learning.tiny_cnn_forward(**TINY)
    with pytest.raises(ValueError, match="name in"):
        learning.tiny_cnn_loss_from("q", values["q"], values)
    with pytest.raises(ValueError, match="shape"):
        learning.tiny_cnn_loss_from("z", np.zeros(3), values)


def test_finite_difference_leaves_its_array_alone_and_refuses_a_non_function():
    a = np.array([1.0, 2.0])
    learning.finite_difference(lambda v: float(np.sum(v)), a)
    assert a.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="function"):
        learning.finite_difference(3, a)


# -- gradients of a convolution as convolutions -------------------------------------------------------
@pytest.mark.parametrize(("H", "K", "S"), [(5, 3, 1), (7, 3, 2), (8, 3, 2), (6, 2, 3), (4, 4, 1)])
def test_input_and_kernel_gradients_as_convolutions_equal_conv2d_backward(H, K, S):
    rng = np.random.default_rng(H * 10 + K + S)
    x, w = rng.normal(size=(H, H + 1)), rng.normal(size=(K, K))
    y, cache = ops.conv2d_forward(x[None, :, :, None], w[:, :, None, None], strides=S)
    dy = rng.normal(size=y.shape[1:3])
    dx, dw, _ = ops.conv2d_backward(dy[None, :, :, None], cache)
    assert np.allclose(learning.input_gradient_full(dy, w, S, input_shape=x.shape), dx[0, :, :, 0])
    for u in range(K):
        for v in range(K):
            terms, total = learning.kernel_gradient_products(x, dy, u, v, S)
            assert len(terms) == dy.size and total == pytest.approx(dw[u, v, 0, 0])


def test_convolution_gradient_helpers_refuse_wrong_use():
    with pytest.raises(ValueError, match="reads outside x"):
        learning.kernel_gradient_products(np.zeros((4, 4)), np.zeros((2, 2)), 3, 0)
    with pytest.raises(ValueError, match="stride as a whole number >= 1"):
        learning.spread_with_zeros(np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match="input_shape"):
        learning.input_gradient_full(np.zeros((2, 2)), np.zeros((3, 3)), 1, input_shape=(9, 9))


# -- batch norm, stacking, optimizers ---------------------------------------------------------------
def test_batchnorm_terms_add_up_to_the_backward_pass_and_the_mean_term_is_uniform():
    rng = np.random.default_rng(1)
    x, dy, gamma = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)), np.array([1.5, -0.5])
    terms = learning.batchnorm_backward_terms(x, gamma, dy)
    _, cache = ops.batchnorm_forward(x, gamma, np.zeros(2))
    dx, _, _ = ops.batchnorm_backward(dy, cache)
    assert np.allclose(terms["direct"] + terms["mean"] + terms["variance"], dx)
    assert np.allclose(terms["mean"], terms["mean"][0])
    with pytest.raises(ValueError, match="one shape"):
        learning.batchnorm_backward_terms(x, gamma, dy[:3])


def test_stacked_kernel_equals_two_convolutions_and_not_with_relu_between():
    rng = np.random.default_rng(2)
    x, w1, w2 = rng.normal(size=(9, 10)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    from cnnviz import conv2d

    k = learning.stacked_kernel(w1, w2)
    assert k.shape == (5, 5)
    assert np.allclose(conv2d(conv2d(x, w1), w2), conv2d(x, k))
    assert not np.allclose(conv2d(np.maximum(conv2d(x, w1), 0), w2), conv2d(x, k))
    with pytest.raises(ValueError, match="2 dimension"):
        learning.stacked_kernel(np.ones(3), w2)


def test_one_step_matches_each_optimizers_rule_and_keeps_the_weights():
    w, g = np.array([1.0, -0.5]), np.array([0.4, -0.1])
    assert np.allclose(learning.one_step(SGD(0.1), w, g), w - 0.1 * g)
    assert np.allclose(learning.one_step(Adam(0.1), w, g), w - 0.1 * np.sign(g), atol=1e-6)
    momentum = SGD(0.1, momentum=0.9)
    step = w
    for _ in range(3):
        step = learning.one_step(momentum, step, g)
    assert np.allclose(step, w - 0.1 * g * (1 + 1.9 + 2.71))
    assert w.tolist() == [1.0, -0.5]
    with pytest.raises(TypeError, match="cnnviz optimizer"):
        learning.one_step("sgd", w, g)
    with pytest.raises(ValueError, match="shaped like weights"):
        learning.one_step(SGD(), w, [1.0])


def _tiny_problem():
    from cnnviz import keras

    model = keras.models.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    return learning.TwoWeights(model, x, np.arange(20) % 3, (0, "kernel", (0, 1)), (0, "bias", (2,)))


def test_two_weights_gradient_is_the_numerical_one_and_the_model_is_unchanged():
    problem = _tiny_problem()
    before = [w.copy() for w in problem.model.get_weights()]
    point = problem.start + np.array([0.3, -0.2])
    _loss, g = problem.loss_and_gradient(point)
    numeric = learning.finite_difference(lambda w: problem.loss_and_gradient(w)[0], point, h=1e-3)
    assert np.allclose(numeric, g, atol=1e-4)
    assert all(np.array_equal(a, b) for a, b in zip(before, problem.model.get_weights()))
    path, losses = learning.optimizer_path(problem, SGD(0.5, momentum=0.5), point, 20)
    assert path.shape == (21, 2) and losses[-1] < losses[0]
    assert problem.surface([0.0, 1.0], [0.0, 1.0, 2.0]).shape == (3, 2)


def test_two_weights_refuses_a_weight_that_does_not_exist():
    problem = _tiny_problem()
    with pytest.raises(ValueError, match="layer index, weight name, index"):
        learning.TwoWeights(problem.model, problem.x, problem.y, (0, "gamma", (0,)), (0, "bias", (2,)))
    with pytest.raises(ValueError, match="two different weights"):
        learning.TwoWeights(problem.model, problem.x, problem.y, (0, "bias", (2,)), (0, "bias", (2,)))
    with pytest.raises(TypeError, match="TwoWeights problem"):
        learning.optimizer_path(None, SGD(), [0, 0], 3)


# -- pictures -----------------------------------------------------------------------------------------
def test_pictures_label_their_axes_and_share_a_signed_scale():
    axes = plot.show_signed_maps([np.array([[1.0, -2.0]]), np.array([[0.5, 4.0]])], ["a", "b"], label="dL/dx")
    limits = {tuple(ax.images[0].get_clim()) for ax in axes}
    assert limits == {(-4.0, 4.0)}
    assert axes[0].figure.axes[-1].get_ylabel() == "dL/dx"  # the colour bar
    ws, losses = learning.descend_one_weight(0.0, X, T, 0.25, 8)
    grid = np.linspace(-1, 5, 50)
    curve = [learning.one_weight_loss(w, X, T)[0] for w in grid]
    axes = plot.show_descent_runs(grid, curve, {"η = 0.25": (ws, losses)})
    off = int(np.sum((ws < grid[0]) | (ws > grid[-1])))
    assert off and f"{off} steps off\nthe chart" in axes[0].texts[0].get_text()
    # the run on the curve: the steps off the chart are gaps, not points pinned to the edge
    path = axes[0].lines[1].get_xdata()
    assert np.sum(np.isfinite(path)) == len(ws) - off and not np.any(np.isin(path, [grid[0], grid[-1]]))
    arrows = [line.get_marker() for line in axes[0].lines[3:]]  # hollow arrows on the frame, off the curve
    assert sorted(arrows) == ["<", ">"] and all(line.get_mfc() == "white" for line in axes[0].lines[3:])
    assert axes[1].get_yscale() == "log" and axes[1].get_xlabel() == "step"
    with pytest.raises(ValueError, match="one title each"):
        plot.show_signed_maps([np.zeros((2, 2))], [])
    with pytest.raises(ValueError, match="steps must be in"):
        plot.show_kernel_steps(np.zeros((3, 2, 2)), [5], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="surface of shape"):
        plot.show_optimizer_paths([0, 1], [0, 1, 2], np.zeros((2, 2)), {})


# -- the explorer --------------------------------------------------------------------------------------
def test_optimizer_explorer_draws_each_optimizer_and_explains_a_bad_start_in_place():
    from cnnviz.widgets import OptimizerExplorer

    problem = _tiny_problem()
    w1, w2 = problem.start
    surface = (np.linspace(w1 - 2, w1 + 2, 7), np.linspace(w2 - 2, w2 + 2, 7))
    explorer = OptimizerExplorer(problem, surface=(*surface, problem.surface(*surface)))
    assert explorer.message == "" and explorer.png
    first = explorer.png
    for name in ("SGD", "Adam", "SGD with momentum"):
        explorer.controls["optimizer"].value = name
        assert explorer.message == ""
    explorer.controls["momentum"].value = 0.5
    assert explorer.png != first
    explorer.controls["w1_start"].value = w1 + 100
    assert "Start inside the picture" in explorer.message
    (item,) = explorer.out.outputs
    assert "image/png" not in item["data"]
    explorer.controls["w1_start"].value = w1
    assert explorer.message == "" and explorer.png
    explorer.controls["learning_rate"].value = 30.0
    assert explorer.message == "" or "too large" in explorer.message


def test_optimizer_explorer_refuses_a_problem_that_is_not_two_weights():
    from cnnviz.widgets import OptimizerExplorer

    with pytest.raises(TypeError, match="TwoWeights"):
        OptimizerExplorer(problem="valley")


# -- exercises: typical mistakes get their hint --------------------------------------------------------
@pytest.mark.parametrize(
    ("exercise_id", "answer", "hint"),
    [
        ("09.1", 3.4333333, "uphill"),
        ("09.1", 1.7, "divide the sum by 3"),
        ("09.1", 2.7833333, "factor 2"),
        ("09.2", [[7, -1, 1], [0, 2, 3], [1, 3, 3]], "u counts rows"),
        ("09.3", [[0, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0]], "FIRST maximum"),
        ("09.3", [[0.5, 0, 0, 0], [0.5, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0]], "not shared"),
        ("09.4", (9, 9), "do not add"),
        ("09.5", -0.6, "plain SGD"),
        ("09.6", 2.4, "kept fraction"),
        ("09.6", 15, "fraction KEPT"),
        ("09.7", 9, "middle"),
    ],
)
def test_typical_mistakes_get_their_targeted_hint(exercise_id, answer, hint, capsys):
    assert not check(exercise_id, answer)
    assert hint in capsys.readouterr().out


def test_epoch_batch_losses_gives_one_loss_per_batch_also_with_metrics():
    from cnnviz import keras

    model = keras.models.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(25, 4)).astype(np.float32)
    losses = learning.epoch_batch_losses(model, x, np.arange(25) % 3, batch_size=10, shuffle=True)
    assert losses.shape == (3,) and np.isfinite(losses).all()
    with pytest.raises(ValueError, match="batch_size"):
        learning.epoch_batch_losses(model, x, np.arange(25) % 3, batch_size=0, shuffle=True)


def test_optimizer_explorer_shows_a_still_picture_without_a_kernel():
    from cnnviz.widgets import OptimizerExplorer

    problem = _tiny_problem()
    w1, w2 = problem.start
    grid = (np.linspace(w1 - 2, w1 + 2, 5), np.linspace(w2 - 2, w2 + 2, 5))
    explorer = OptimizerExplorer(problem, surface=(*grid, problem.surface(*grid)))
    bundle = explorer._repr_mimebundle_()
    assert bundle["image/png"] and "OptimizerExplorer(" in bundle["text/plain"]
    explorer.close()


def _small_explorer():
    from cnnviz.widgets import OptimizerExplorer

    problem = _tiny_problem()
    w1, w2 = problem.start
    grid = (np.linspace(w1 - 2, w1 + 2, 7), np.linspace(w2 - 2, w2 + 2, 7))
    return OptimizerExplorer(problem, surface=(*grid, problem.surface(*grid)))


def test_optimizer_explorer_says_at_which_step_the_path_left_the_picture():
    explorer = _small_explorer()
    assert explorer.picture.note.get_text() == "" and explorer.picture.left is None
    calm = explorer.png
    with explorer.hold():
        explorer.controls["optimizer"].value = "SGD"
        explorer.controls["learning_rate"].value = 30.0
    path, _ = explorer.path(
        **{**explorer.values, "w1_start": explorer.start[0], "w2_start": explorer.start[1]}
    )
    outside = ~((path[:, 0] >= explorer.w1_values[0]) & (path[:, 0] <= explorer.w1_values[-1])
                & (path[:, 1] >= explorer.w2_values[0]) & (path[:, 1] <= explorer.w2_values[-1]))  # fmt: skip
    assert outside.any() and explorer.message == ""
    step = int(np.argmax(outside))
    assert explorer.picture.left == step
    assert f"the path left the picture at step {step}" in explorer.picture.note.get_text()
    assert explorer.png != calm
    explorer.controls["learning_rate"].value = 0.1  # back inside: the note goes
    assert explorer.picture.note.get_text() == ""


def test_optimizer_pictures_write_contour_labels_at_10_points_or_more():
    explorer = _small_explorer()
    labels = explorer.picture.ax.texts
    contour_labels = [t for t in labels if t is not explorer.picture.note]
    assert contour_labels and min(t.get_fontsize() for t in contour_labels) >= 10
    problem = _tiny_problem()
    w1, w2 = problem.start
    grid = (np.linspace(w1 - 2, w1 + 2, 7), np.linspace(w2 - 2, w2 + 2, 7))
    ax = plot.show_optimizer_paths(*grid, problem.surface(*grid), {"a": [[w1, w2], [w1 + 9, w2]]})
    assert min(t.get_fontsize() for t in ax.texts) >= 10
    assert "the path left the picture at step 1" in ax.texts[-1].get_text()


def test_optimizer_explorer_shows_a_rounded_start_and_uses_the_exact_one():
    from cnnviz.widgets.learning import rounded

    explorer = _small_explorer()
    exact = explorer.exact_start
    shown = (explorer.controls["w1_start"].value, explorer.controls["w2_start"].value)
    assert all(len(f"{v:.15g}".lstrip("-0.").replace(".", "")) <= 3 for v in shown)  # 3 significant digits
    assert shown == (rounded(exact[0]), rounded(exact[1])) and explorer.start == exact
    first = explorer.png
    explorer.controls["w1_start"].value = shown[0] + 0.5  # a number typed in is used as typed
    assert explorer.start == (shown[0] + 0.5, exact[1]) and explorer.png != first
    assert rounded(0.123456) == 0.123 and rounded(-1234.5) == -1230.0


def test_optimizer_explorer_draws_a_burst_of_browser_changes_once_with_the_newest_value():
    """Key presses on a slider arrive faster than pictures are drawn: drawn once, when the kernel is free."""
    import asyncio

    explorer = _small_explorer()
    drawn = []
    original = explorer.render
    explorer.render = lambda light=False: drawn.append(explorer.values["steps"]) or original(light)

    async def burst():
        for steps in (31, 32, 33, 34, 35):
            explorer.controls["steps"].set_state({"value": steps})  # as a message from the browser
        assert drawn == []  # nothing drawn yet: the kernel is still busy with the messages
        await asyncio.sleep(explorer.coalesce_seconds + 0.05)

    asyncio.run(burst())
    assert drawn == [35] and explorer.message == ""
    assert explorer.picture.ax.get_title().startswith("loss after 35 steps")
    explorer.controls["steps"].value = 36  # a change made in Python is drawn at once
    assert drawn == [35, 36]


def test_descent_runs_legend_covers_no_curve():
    ws, losses = learning.descend_one_weight(0.0, X, T, 0.25, 8)
    grid = np.linspace(-1, 5, 50)
    curve = [learning.one_weight_loss(w, X, T)[0] for w in grid]
    axes = plot.show_descent_runs(
        grid, curve, {"η = 0.25": (ws, losses), "η = 0.1": learning.descend_one_weight(0.0, X, T, 0.1, 8)}
    )
    fig = axes[-1].figure
    fig.canvas.draw()
    legend = axes[-1].get_legend().get_window_extent()
    assert not legend.overlaps(axes[-1].get_window_extent())  # beside the axes, not over their curves


def test_the_optimizer_picture_helpers_refuse_wrong_use_naming_what_they_received():
    from cnnviz.plot.learning import path_in_picture
    from cnnviz.widgets.learning import rounded

    with pytest.raises(ValueError, match=r"shape \(steps \+ 1, 2\); received shape \(3,\)"):
        path_in_picture([1.0, 2.0, 3.0], [0, 1], [0, 1])
    with pytest.raises(TypeError, match="path of numbers"):
        path_in_picture([["a", "b"]], [0, 1], [0, 1])
    with pytest.raises(TypeError, match=r"received '1.5' \(str\)"):
        rounded("1.5")
    with pytest.raises(ValueError, match="digits=0"):
        rounded(1.5, digits=0)


def test_signed_maps_write_a_value_with_three_decimals_exactly():
    axes = plot.show_signed_maps(
        [np.array([[0.25, -0.5], [0.125, 0.75]]), np.array([[0.5, 1 / 3]])], ["a", "b"]
    )
    assert [t.get_text() for t in axes[0].texts] == ["0.250", "−0.500", "0.125", "0.750"]  # not 0.12
    assert [t.get_text() for t in axes[1].texts] == ["0.50", "0.33"]  # two decimals otherwise


def test_the_optimizer_paths_legend_sits_above_the_contours():
    problem = _tiny_problem()
    w1, w2 = problem.start
    grid = (np.linspace(w1 - 2, w1 + 2, 7), np.linspace(w2 - 2, w2 + 2, 7))
    ax = plot.show_optimizer_paths(*grid, problem.surface(*grid), {"a": [[w1, w2], [w1 + 0.5, w2]]})
    ax.figure.canvas.draw()
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y0 >= frame.y1  # wholly above the axes: it hides no contour and no label


def test_the_first_optimizer_path_is_drawn_on_top_in_hollow_rings_so_a_path_under_it_shows():
    problem = _tiny_problem()
    w1, w2 = problem.start
    grid = (np.linspace(w1 - 2, w1 + 2, 7), np.linspace(w2 - 2, w2 + 2, 7))
    same_line = {"momentum": [[w1, w2], [w1 + 0.1, w2], [w1 + 0.3, w2]], "SGD": [[w1, w2], [w1 + 0.1, w2]]}
    ax = plot.show_optimizer_paths(*grid, problem.surface(*grid), same_line)
    first, second = (line for line in ax.lines if line.get_label() in same_line)
    assert first.get_mfc() == "none" and first.get_markersize() > second.get_markersize()
    assert first.get_zorder() > second.get_zorder()  # on top, yet the filled points show inside the rings
