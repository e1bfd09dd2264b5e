"""TrainingExplorer (cnnviz.widgets.training): each step is fit's step, the numbers it shows are the
model's, the picture moves in place, and wrong use is refused before anything trains."""

import gc
import weakref

import matplotlib
import numpy as np
import pytest

from cnnviz import inside, keras
from cnnviz.keras import layers
from cnnviz.pretrained import load_lecture_cnn
from cnnviz.widgets import TrainingExplorer


def small_cnn(seed=0, **conv):
    return keras.models.Sequential(
        [
            layers.Conv2D(3, 3, activation="relu", input_shape=(8, 8, 1), **conv),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(2, activation="softmax"),
        ],
        seed=seed,
    )


def data(n=24, seed=0):
    x = np.random.default_rng(seed).random((n, 8, 8, 1)).astype(np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(int)  # top half brighter?
    return x, y


def compiled(model, optimizer=None, metrics=("accuracy",)):
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))  # fmt: skip
    return model


def test_one_step_moves_the_framed_weight_by_minus_the_learning_rate_times_its_gradient():
    x, y = data()
    model = compiled(small_cnn())
    explorer = TrainingExplorer(model, x, y, batch_size=len(x), validation_split=0)  # one batch: all of x
    _, grads = inside.gradients(model, x, y)  # the same batch, before the step
    explorer.controls["kernel"].value = 2
    before = model.layers[0].params["kernel"].copy()
    explorer.step()
    s = explorer.selected
    assert s["index"] == (1, 1, 0, 2)
    assert s["before"] == pytest.approx(float(before[1, 1, 0, 2]))
    assert s["gradient"] == pytest.approx(float(grads[0]["kernel"][1, 1, 0, 2]), rel=1e-4, abs=1e-7)
    assert s["after"] == pytest.approx(s["before"] - 0.1 * s["gradient"], rel=1e-5, abs=1e-7)
    assert float(model.layers[0].params["kernel"][1, 1, 0, 2]) == s["after"]
    assert "new = old − learning rate × gradient" in explorer.panel.value


def test_an_epoch_keeps_history_with_keras_keys_and_the_picture_moves_in_place():
    x, y = data(30)
    model = compiled(small_cnn())
    explorer = TrainingExplorer(model, x, y, batch_size=8)  # 27 training samples: 4 batches, 3 held out
    figure, first = explorer.picture.fig, explorer.png
    explorer.step()
    assert explorer.png != first and explorer.picture.fig is figure
    assert (explorer.epoch, explorer.batch, len(explorer.batch_losses)) == (0, 1, 1)
    explorer.run_epoch()
    assert (explorer.epoch, explorer.batch, len(explorer.batch_losses)) == (1, 0, 4)
    assert sorted(explorer.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 1 for v in explorer.history.values())
    assert explorer.history["val_loss"][0] == pytest.approx(model.evaluate(x[27:], y[27:], verbose=0)[0])
    explorer.buttons["batch"].click()
    explorer.buttons["epoch"].click()
    assert explorer.epoch == 2 and len(explorer.batch_losses) == 8


def test_run_steps_once_per_tick_of_the_play_widget():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.play.value += 1
    explorer.play.value += 1
    assert len(explorer.batch_losses) == 2


def test_adam_is_described_without_the_plain_sgd_formula():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn(), keras.optimizers.Adam(0.01)), x, y, batch_size=4)
    explorer.step()
    assert (
        "Adam changed it by" in explorer.panel.value
        and "learning rate × gradient =" not in explorer.panel.value
    )


def test_the_lecture_cnn_trains_in_the_explorer():
    model = compiled(load_lecture_cnn(), keras.optimizers.Adam(0.001))
    x = np.random.default_rng(1).random((40, 28, 28)).astype(np.float32)  # (N, H, W): one channel
    y = np.arange(40) % 10
    explorer = TrainingExplorer(model, x, y, batch_size=16, validation_split=0.2)
    explorer.step(2)
    assert len(explorer.batch_losses) == 2 and np.isfinite(explorer.batch_losses).all()
    assert all(np.isfinite(explorer.gradient_sizes)) and len(explorer.gradient_sizes) == 3
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and bundle["text/plain"].startswith("TrainingExplorer(")


def test_a_diverging_run_stops_with_a_message():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn(), keras.optimizers.SGD(1e30)), x * 1e6, y, batch_size=4)
    explorer.step(5)
    assert explorer.message.startswith("The loss became")
    losses = len(explorer.batch_losses)
    explorer.step()
    assert len(explorer.batch_losses) == losses  # stopped: nothing more is trained


def no_conv():
    return keras.models.Sequential(
        [layers.Flatten(input_shape=(8, 8, 1)), layers.Dense(2, activation="softmax")]
    )


def branching():
    inputs = keras.Input((8, 8, 1))
    a = layers.Conv2D(2, 3, padding="same")(inputs)
    b = layers.Conv2D(2, 3, padding="same")(inputs)
    return keras.Model(inputs, layers.Dense(2, activation="softmax")(layers.Flatten()(layers.Add()([a, b]))))


@pytest.mark.parametrize(
    "make, args, error, words",
    [
        (lambda: small_cnn(), {}, ValueError, "compile"),
        (lambda: compiled(no_conv()), {}, ValueError, "no Conv2D"),
        (lambda: compiled(branching()), {}, ValueError, "branch or merge"),
        (lambda: compiled(small_cnn()), {"y": np.zeros((24, 5))}, ValueError, "labels"),
        (lambda: compiled(small_cnn()), {"y": np.arange(23)}, ValueError, "as many labels"),
        (lambda: compiled(small_cnn()), {"x": np.zeros((0, 8, 8, 1)), "y": []}, ValueError, "0 samples"),
        (lambda: compiled(small_cnn()), {"x": np.full((24, 8, 8, 1), np.nan)}, ValueError, "NaN"),
        (lambda: compiled(small_cnn()), {"x": np.zeros((24, 9, 9, 1))}, ValueError, "shape"),
        (lambda: compiled(small_cnn()), {"batch_size": 0}, ValueError, "batch_size"),
        (lambda: compiled(small_cnn()), {"batch_size": None}, ValueError, "batch_size"),
        (lambda: compiled(small_cnn()), {"validation_split": 1.5}, ValueError, "validation_split"),
        (lambda: compiled(small_cnn()), {"validation_data": 3}, TypeError, "validation_data"),
        (lambda: compiled(small_cnn()), {"sample": 99}, ValueError, "sample"),
        (lambda: compiled(small_cnn()), {"sample": True}, ValueError, "sample"),
    ],
)
def test_wrong_use_is_refused_before_anything_trains(make, args, error, words):
    model = make()
    x, y = data()
    kwargs = {"x": x, "y": y, **args}
    weights = [w.copy() for w in model.get_weights()] if model.built_input_shape else None
    with pytest.raises(error, match=words):
        TrainingExplorer(model, **kwargs)
    if weights is not None:
        for a, b in zip(weights, model.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_a_bad_number_of_batches_is_a_message_not_an_exception():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.step("2")
    assert "whole number" in explorer.message and not explorer.batch_losses


def test_a_closed_explorer_is_freed():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.step()
    explorer.close()
    ref = weakref.ref(explorer)
    del explorer
    gc.collect()
    assert ref() is None


def test_the_kernels_colour_scale_stays_put_and_says_when_it_widens():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    picture = explorer.picture
    first = picture.kernels.get_clim()
    kernel = explorer.conv.params["kernel"]
    assert first == pytest.approx((-1.25 * np.abs(kernel).max(), 1.25 * np.abs(kernel).max()))
    assert "fixed at" in picture.scale_note.get_text()
    kernel *= 0.5  # every weight shrinks: a scale that followed the largest weight would hide it
    explorer.step()
    assert picture.kernels.get_clim() == first
    kernel[0, 0, 0, 0] = 3 * first[1]  # one weight leaves the scale: it widens, and the panel says so
    explorer.controls["kernel"].value = 1  # a redraw
    assert picture.kernels.get_clim()[1] == pytest.approx(1.25 * np.abs(kernel).max())
    assert "widened after batch 1" in picture.scale_note.get_text()


def test_the_loss_axis_ticks_whole_batches():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.step(3)
    explorer.picture.fig.canvas.draw()
    ticks = explorer.picture.ax_loss.get_xticks()
    assert len(ticks) > 1 and np.all(ticks == np.round(ticks))


def test_the_panel_puts_a_negative_factor_in_parentheses():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.step()
    explorer.selected |= {"gradient": -0.05}  # the text of this step, with a negative gradient
    explorer._explain()
    assert "− 0.1 × (−0.05) =" in explorer.panel.value


def test_the_panel_writes_enough_digits_for_a_small_change_to_show():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    explorer.step()
    explorer.selected |= {"before": 0.148041, "gradient": 0.0011, "after": 0.148041 - 0.1 * 0.0011}
    explorer._explain()
    assert "= 0.14804 − 0.1 × 0.0011 = 0.14793" in explorer.panel.value  # not 0.148 − ... = 0.1479
    assert "changed by −0.00011" in explorer.panel.value


def test_the_epoch_points_say_they_come_after_each_epoch():
    x, y = data()
    explorer = TrainingExplorer(compiled(small_cnn()), x, y, batch_size=4)
    labels = [t.get_text() for t in explorer.picture.ax_loss.get_legend().get_texts()]
    assert labels[1:] == ["epoch mean, training (after each epoch)", "held-out data (after each epoch)"]


def test_show_kernel_change_draws_before_after_and_the_change_and_refuses_wrong_shapes():
    from cnnviz.plot.training import show_kernel_change

    before = np.random.default_rng(0).normal(size=(3, 3, 2, 5))
    after = before + 0.01
    axes = show_kernel_change(before, after, channel=1)
    assert [ax.get_title() for ax in axes] == ["before", "after", "after − before (largest 0.01)"]
    assert axes[0].images[0].get_clim() == axes[1].images[0].get_clim()  # one scale: colours compare
    assert np.allclose(axes[2].images[0].get_clim(), (-0.01, 0.01))
    with pytest.raises(
        ValueError, match=r"one shape \(KH, KW, C, F\); received \(3, 3, 2, 5\) and \(3, 3, 5\)"
    ):
        show_kernel_change(before, after[:, :, 0])
    with pytest.raises(ValueError, match=r"channel must be an index in 0\.\.1; received 2"):
        show_kernel_change(before, after, channel=2)


def test_show_kernel_change_marks_weights_of_a_diverged_run_and_scales_by_the_finite_ones():
    import warnings

    from cnnviz.plot.network import NOT_FINITE_COLOR
    from cnnviz.plot.training import show_kernel_change

    before = np.random.default_rng(1).normal(size=(3, 3, 1, 4))
    after = before + 0.5
    after[0, 0, 0, 0], after[1, 1, 0, 2] = np.nan, np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the NaN
        axes = show_kernel_change(before, after)
    titles = [ax.get_title() for ax in axes]
    assert titles[0] == "before"
    assert titles[1] == "after\n2 not finite (NaN or ±∞), in magenta"
    assert titles[2].endswith("\n2 not finite (NaN or ±∞), in magenta")
    assert titles[2].startswith("after − before (largest 0.5)")
    lo, hi = axes[1].images[0].get_clim()
    largest = max(np.abs(before).max(), np.abs(after[np.isfinite(after)]).max())
    assert np.isfinite([lo, hi]).all() and hi == pytest.approx(largest)
    image = axes[1].images[0]
    rgba = image.to_rgba(image.get_array())
    magenta = matplotlib.colors.to_rgba(NOT_FINITE_COLOR)
    assert np.allclose(rgba[0, 0], magenta)  # the NaN weight's cell, tile 0's top-left
    for ax in axes:  # only the non-finite cells: the largest finite weight is not drawn as "over"
        image = ax.images[0]
        drawn = image.to_rgba(image.get_array())
        assert np.all(drawn == magenta, axis=-1).sum() == (0 if ax is axes[0] else 2)


def test_show_kernel_change_keeps_a_tiny_change_of_float64_weights():
    from cnnviz.plot.training import show_kernel_change

    before = np.full((3, 3, 1, 2), 0.5)
    after = before.copy()
    after[0, 0, 0, 0] += 2.2e-8  # below float32's step at 0.5 (6e-8): the difference is taken in float64
    assert show_kernel_change(before, after)[2].get_title() == "after − before (largest 2.2e-08)"
