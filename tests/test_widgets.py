"""Explorers driven headless: set a control's value, check what is drawn."""

import numpy as np
import pytest

import cnnviz
from cnnviz import conv1d
from cnnviz.widgets import Conv1DExplorer, OutputSizeExplorer


def shown_png(explorer):
    """The PNG bytes the explorer's Output currently holds (None if it shows a message)."""
    (item,) = explorer.out.outputs
    return item["data"].get("image/png")


def test_conv1d_explorer_redraws_when_the_position_moves():
    explorer = Conv1DExplorer()
    before = explorer.png
    explorer.controls["i"].value = 3
    assert explorer.message == ""
    assert explorer.png != before
    assert shown_png(explorer) is not None


def test_conv1d_explorer_keeps_the_position_inside_the_output():
    explorer = Conv1DExplorer()
    explorer.controls["i"].value = 7
    explorer.controls["S"].value = 4  # L' = ⌊(10 − 3)/4⌋ + 1 = 2 output cells
    assert explorer.controls["i"].max == len(conv1d(explorer.x, [1, 0, -1], strides=4)) - 1 == 1
    assert explorer.controls["i"].value == 1


def test_step_buttons_move_one_cell_and_stop_at_the_ends():
    explorer = Conv1DExplorer()
    explorer.steps.previous.click()
    assert explorer.controls["i"].value == 0
    explorer.steps.next.click()
    explorer.steps.next.click()
    assert explorer.controls["i"].value == 2


def test_output_size_explorer_explains_an_impossible_setting_in_place_of_the_picture():
    explorer = OutputSizeExplorer(L=7, K=3)
    explorer.controls["K"].value = 9
    assert "L=7, K=9, P=0, S=1" in explorer.message
    assert "⌊(7 + 2·0 − 9) / 1⌋" in explorer.message
    (item,) = explorer.out.outputs
    assert "image/png" not in item["data"]
    assert "K=9" in item["data"]["text/html"]
    explorer.controls["K"].value = 3  # back to a valid setting: the picture returns
    assert explorer.message == "" and shown_png(explorer)


@pytest.mark.parametrize(("L", "K", "S"), [(7, 3, 2), (8, 4, 2), (5, 2, 3)])
def test_same_padding_in_the_explorer_gives_ceil_of_L_over_S(L, K, S):
    explorer = OutputSizeExplorer(L=L, K=K, S=S)
    explorer.controls["mode"].value = "same"
    assert explorer.controls["P"].disabled
    assert explorer.message == ""
    assert len(conv1d(np.ones(L), np.ones(K), strides=S, padding="same")) == -(-L // S)


def test_explorer_shows_a_png_to_viewers_without_a_kernel():
    bundle = Conv1DExplorer()._repr_mimebundle_()
    assert {"image/png", "application/vnd.jupyter.widget-view+json", "text/plain"} <= set(bundle)


def test_exercise_checkers_explain_a_wrong_answer(capsys):
    from cnnviz.exercises import check_array, check_output_size, check_shape, check_window

    assert not check_output_size(5, L=7, K=3, P=0, S=2)
    assert "L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3" in capsys.readouterr().out
    assert check_window([3, 4, 5], i=3, K=3)
    assert not check_window([1, 2, 3], i=1, K=3, S=2)
    assert "starts at i·S − P = 1·2 − 0 = 2" in capsys.readouterr().out.splitlines()[-1]
    assert not check_array([1, 2], [1, 3], what="y")
    assert "at index 1 y has 3, you have 2" in capsys.readouterr().out
    assert check_shape((2, 3), (2, 3)) and not check_shape((3, 2), (2, 3))
    assert not check_output_size(None, L=7, K=3)
    assert "replace None" in capsys.readouterr().out.splitlines()[-1]


def test_image_kernel_explorer_presets_fill_the_grid_and_edits_become_custom():
    from cnnviz.kernels import KERNELS
    from cnnviz.widgets import ImageKernelExplorer

    explorer = ImageKernelExplorer(kernel="sobel x")
    first = explorer.png
    explorer.controls["kernel"].value = "Gaussian blur"
    assert [cell.value for cell in explorer.cells] == pytest.approx(KERNELS["Gaussian blur"].ravel())
    assert explorer.png != first and explorer.message == ""
    explorer.cells[4].value = 9.0
    assert explorer.controls["kernel"].value == "custom"
    explorer.controls["image"].value = "photo, RGB"  # a 3-channel kernel is built from the grid
    assert explorer.message == ""


def test_image_kernel_explorer_explains_a_stride_too_large_for_the_digit():
    from cnnviz.widgets import ImageKernelExplorer

    explorer = ImageKernelExplorer(image="digit 7 (28×28)")
    explorer.controls["S"].value = 4
    assert explorer.message == ""  # ⌊(28 − 3)/4⌋ + 1 = 7: fine
    assert shown_png(explorer)


def test_conv2d_step_explorer_walks_every_output_cell():
    from cnnviz.widgets import Conv2DStepExplorer

    explorer = Conv2DStepExplorer()
    y = cnnviz.conv2d(explorer.x, explorer.w, explorer.b)
    assert explorer.controls["step"].max == y.shape[0] * y.shape[1] - 1
    pictures = set()
    for step in range(explorer.controls["step"].max + 1):
        explorer.controls["step"].value = step
        pictures.add(explorer.png)
    assert len(pictures) == y.shape[0] * y.shape[1]
    explorer.controls["P"].value = 1  # 5×5 padded input: 4×4 outputs
    assert explorer.controls["step"].max == 15


def test_pixel_explorer_keeps_its_sliders_inside_a_smaller_image():
    from cnnviz.widgets import PixelExplorer

    explorer = PixelExplorer(row=500, col=400)
    assert "(600, 512, 3)" in explorer.info.value
    explorer.controls["image"].value = "digit (28×28, uint8)"
    assert explorer.controls["row"].value == explorer.controls["row"].max == 27
    assert explorer.controls["col"].max == 27
    assert "(28, 28)" in explorer.info.value and explorer.message == ""


def test_rebuilding_the_figure_again_and_again_does_not_grow_memory():
    """A change of K builds a new Figure (not a light redraw): the picture changes, and once the old
    figures are collected only matplotlib's bounded caches remain."""
    import gc
    import tracemalloc

    explorer = Conv1DExplorer()
    figure, png = explorer.figure, explorer.png
    explorer.controls["K"].value = 4
    assert explorer.figure is not figure and explorer.png != png  # a new figure, another picture
    explorer.controls["K"].value = 3
    assert explorer.png == png  # the same state draws the same picture
    del figure
    pictures = set()

    def rebuild(times):
        for n in range(times):
            explorer.controls["K"].value = 4 - n % 2  # 4, 3, 4, ...
            pictures.add(explorer.png)
        gc.collect()  # figures hold reference cycles: the collector frees them, not reference counting
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    before = rebuild(30)  # warm-up, traced: the figure alive now was made under tracing, as the last will be
    grown = rebuild(30) - before
    tracemalloc.stop()
    assert len(pictures) == 2 and explorer.message == ""
    assert grown < 200_000, f"memory grew by {grown} bytes over 30 new figures"


def test_conv1d_explorer_draws_the_numbers_cnnviz_computes():
    """The sum written in the title and the revealed output cells are conv1d's values."""
    from cnnviz.plot import num

    explorer = Conv1DExplorer(case=2, mix="channel 0 minus channel 1")
    explorer.controls["P"].value = 1
    explorer.controls["i"].value = 3
    values = explorer.values
    w = explorer.kernel(values["taps"], values["mix"], values["K"])
    y = cnnviz.conv1d(explorer.x, w, padding=1)[:, 0]
    assert explorer.picture.title.get_text().endswith(f"= {num(y[3])}")
    shown = [t.get_text() for t in explorer.picture.output.texts[0] if t.get_visible()]
    assert shown == [num(v) for v in y[:4]]
    x = explorer.picture.window.get_x()
    assert x == 3 * 1 - 0.5  # the window starts at padded cell i·S


def test_conv2d_step_explorer_writes_the_total_with_the_bias():
    from cnnviz.plot import num
    from cnnviz.widgets import Conv2DStepExplorer

    explorer = Conv2DStepExplorer()
    explorer.controls["o"].value = 1
    explorer.controls["step"].value = 3  # (i, j) = (1, 1) of a 2×2 output
    y = cnnviz.conv2d(explorer.x, explorer.w, explorer.b)
    total = explorer.picture.total.get_text()
    assert "y[1, 1, 1] =" in total and f"= {num(y[1, 1, 1])}\n" in total


def test_stepping_redraws_only_what_moves_and_matches_a_full_redraw():
    """Blitting (a light redraw) gives the same picture as drawing everything anew."""
    explorer = Conv1DExplorer()
    explorer.controls["i"].value = 4
    light = explorer.png
    explorer.render()  # full redraw of the same state
    assert explorer.png == light


def test_pool_step_explorer_frames_the_window_maximum():
    from cnnviz import ops
    from cnnviz.widgets import PoolStepExplorer

    explorer = PoolStepExplorer()
    explorer.controls["step"].value = 4  # (i, j) = (1, 1) of a 3×3 output
    y, cache = ops.max_pool2d_forward(explorer.x[None, :, :, None], 2)
    assert explorer.picture.title.get_text().endswith(f"= {y[0, 1, 1, 0]:.0f}")
    u, v = divmod(int(cache["argmax"][0, 1, 1, 0]), 2)
    assert explorer.picture.winner.get_xy() == (2 + v - 0.5, 2 + u - 0.5)
    explorer.controls["mode"].value = "average"
    assert "mean of the window" in explorer.picture.title.get_text()
    explorer.controls["K"].value = 1  # padding must stay below K: its slider follows
    assert explorer.controls["P"].max == 0 and explorer.message == ""


def test_shift_explorer_counts_changed_outputs_both_ways():
    from cnnviz.widgets import ShiftExplorer

    explorer = ShiftExplorer()
    _, _, before, after = explorer.compute("digit 7 (28×28)", dx=0, dy=0, K=2)
    assert np.array_equal(before, after)  # no shift, nothing changes
    _, _, before, after = explorer.compute("digit 7 (28×28)", dx=1, dy=0, K=2)
    changed = ~np.isclose(before, after)
    assert 0 < changed.sum() < (before > 0).sum()  # some outputs change, others stay
    explorer.controls["dx"].value = 2
    assert explorer.message == "" and shown_png(explorer)


def test_batchnorm_explorer_normalizes_the_drawn_batch():
    from cnnviz.widgets import BatchNormExplorer

    explorer = BatchNormExplorer()
    first = explorer.png
    explorer.controls["N"].value = 1
    explorer.controls["gamma"].value = 2.0
    assert explorer.message == "" and explorer.png != first


def test_the_first_explorer_exempts_long_lived_objects_from_cycle_collection():
    """The kernel's modules are kept out of full cycle collections (their pauses landed on redraws),
    once, when the first explorer is made: a cycle of objects made later is still collected when dropped."""
    import gc
    import weakref

    from cnnviz.widgets import explorer

    OutputSizeExplorer()  # the first picture of this process, or a later one: frozen either way
    frozen = gc.get_freeze_count()
    assert frozen > 0 and explorer._exempted
    explorer.exempt_long_lived_objects()
    OutputSizeExplorer()
    assert gc.get_freeze_count() <= frozen  # nothing more exempted (exempted objects may still be freed)

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the cycle collector can free it
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


def test_importing_the_widgets_exempts_nothing_from_cycle_collection():
    """gc.freeze() waits for the first explorer: a kernel that only imports cnnviz.widgets is left alone."""
    import subprocess
    import sys

    code = "import gc, cnnviz.widgets; print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0"


def test_batchnorm_explorer_draws_light_log_axes_and_no_negative_zero():
    """Laying out a log axis's minor ticks and typesetting 10² labels were half of each redraw: the
    explorer's histograms label their decades as plain numbers; and a mean of 0 reads 0.000, not −0.000."""
    from cnnviz.widgets import BatchNormExplorer

    explorer = BatchNormExplorer()
    axes = explorer._canvas.figure.axes
    assert all(ax.get_yscale() == "log" and not ax.yaxis.get_minorticklocs().size for ax in axes)
    labels = [label.get_text() for ax in axes for label in ax.yaxis.get_ticklabels()]
    assert "100" in labels and not any("$" in label for label in labels)
    for seed in range(6):
        explorer.controls["seed"].value = seed
        assert "-0.000" not in "".join(ax.get_title() for ax in explorer._canvas.figure.axes)


def test_a_live_picture_blits_what_a_full_redraw_draws():
    """The base's contract: build the artists once, move them, blit; the picture equals drawing everything."""
    from cnnviz.widgets import LivePicture

    class Dot(LivePicture):
        figsize = (2, 2)

        def __init__(self):
            ax = self.new_figure().subplots()
            ax.set_xlim(0, 4)
            ax.set_ylim(0, 4)
            (self.dot,) = ax.plot([1], [1], "o", ms=12)
            self.draw_background([self.dot])
            self.blit()

        def move(self, x, y):
            self.dot.set_data([x], [y])
            return self.blit()

    picture = Dot()
    first = picture.png
    moved = picture.move(3, 2)
    assert moved != first and picture.png == moved
    assert picture.redraw() == moved  # everything drawn again: the same pixels
    assert picture.move(1, 1) == first
    picture.say("a message")
    assert picture.message == "a message"


@pytest.mark.parametrize(("make", "control", "values"), [
    ("BatchNormExplorer", "N", (16, 24, 32)),
    ("ImageKernelExplorer", "S", (2, 3, 4)),
])  # fmt: skip
def test_slow_explorers_draw_a_burst_of_browser_changes_once(make, control, values):
    """Key presses queued while a picture of ~100 ms is drawn: one picture, with the newest value.

    (N and S change the picture's layout: each change builds the figure again, the slow kind.)"""
    import asyncio

    import cnnviz.widgets

    explorer = getattr(cnnviz.widgets, make)()
    drawn = []
    render = explorer.render
    explorer.render = lambda light=False: drawn.append(explorer.values[control]) or render(light)

    async def burst():
        for value in values:
            explorer.controls[control].set_state({"value": value})  # as the browser sends it
        await asyncio.sleep(explorer.coalesce_seconds + 0.05)

    asyncio.run(burst())
    assert drawn == [values[-1]] and explorer.message == "" and explorer.png


def pixels(png):
    """A PNG decoded to its (height, width, 4) array of pixels."""
    import io

    import PIL.Image

    return np.asarray(PIL.Image.open(io.BytesIO(png)))


def fresh(make, values):
    """A new explorer built by ``make()`` and set to ``values`` (drawn once, in full)."""
    explorer = make()
    for _ in range(2):  # twice: a slider's limit may follow the others' values (the step's, say)
        with explorer.hold():
            for name, value in values.items():
                explorer.controls[name].value = value
    assert explorer.values == values
    return explorer


# id: (explorer, its arguments, changes): light changes, layout changes between them (N, S, K, P, image) and back
LIGHT_CHANGES = {
    "Conv1DExplorer(case=1)": (("Conv1DExplorer", {"case": 1}), [
        ("i", 3), ("taps", "peak: −1 … 2 … −1"), ("i", 5), ("taps", "average: 1/K each"), ("K", 4),
        ("taps", "sum: 1 each"), ("S", 2), ("taps", "edge: +1 … −1"), ("i", 1),
    ]),
    "Conv1DExplorer(case=2)": (("Conv1DExplorer", {"case": 2}), [
        ("i", 3), ("mix", "channel 0 minus channel 1"), ("taps", "peak: −1 … 2 … −1"), ("P", 2),
        ("mix", "channel 0 only"), ("i", 9),
    ]),
    "Conv1DExplorer(case=3)": (("Conv1DExplorer", {"case": 3}), [
        ("o", 1), ("i", 2), ("mix", "sum and difference"), ("taps", "average: 1/K each"), ("o", 0),
        ("K", 2), ("mix", "both read channel 0"), ("o", 1),
    ]),
    "BatchNormExplorer": (("BatchNormExplorer", {}), [
        ("gamma", 2.0), ("beta", 1.0), ("gamma", -1.5), ("epsilon", 10.0),
        ("N", 1), ("gamma", 2.5), ("epsilon", 1e-5), ("N", 8), ("beta", -3.0),
    ]),
    "ImageKernelExplorer": (("ImageKernelExplorer", {}), [
        ("w11", 2.0), ("relu", True), ("flip", True), ("kernel", "box blur"), ("w00", -5.0),
        ("S", 2), ("kernel", "Laplacian"), ("relu", False), ("P", "same"), ("S", 3), ("kernel", "sobel y"),
        ("S", 1), ("P", "valid"), ("image", "photo, RGB"), ("w22", 3.0), ("S", 2), ("image", "digit 7 (28×28)"),
        ("P", "same"),
    ]),
    "Conv2DStepExplorer": (("Conv2DStepExplorer", {}), [
        ("step", 2), ("o", 1), ("step", 3), ("P", 1), ("o", 0), ("step", 9), ("mode", "backward dL/dw"),
        ("o", 1), ("step", 2), ("mode", "forward"), ("o", 0),
    ]),
    "PoolStepExplorer": (("PoolStepExplorer", {}), [
        ("step", 4), ("mode", "average"), ("step", 7), ("K", 3), ("mode", "max"), ("S", 1),
        ("step", 5), ("mode", "average"), ("P", 1), ("mode", "max"),
    ]),
    "ShiftExplorer": (("ShiftExplorer", {}), [
        ("dx", 2), ("dy", -2), ("dx", -3), ("K", 3), ("dy", 3), ("K", 2), ("dx", 0), ("dy", 0),
    ]),
    "ConvArithmeticExplorer": (("ConvArithmeticExplorer", {"L": 7, "K": 3, "P": 1, "S": 2}), [
        ("cell", 5), ("cell", 15), ("D", 2), ("cell", 3), ("mode", "same"), ("cell", 8), ("mode", "full"),
        ("cell", 0), ("cell", 35),
    ]),
}  # fmt: skip


@pytest.mark.parametrize("make", list(LIGHT_CHANGES))
def test_a_light_change_moves_the_picture_to_what_a_new_explorer_draws(make, monkeypatch):
    """Each change of a light control only moves the picture's artists (no new figure), and the
    picture is pixel for pixel that of a new explorer with the same values; so is the picture after
    a change of the layout (a new figure) and after light changes that follow it."""
    import base64
    import functools

    import cnnviz.widgets

    (name, arguments), changes = LIGHT_CHANGES[make]
    make_explorer = functools.partial(getattr(cnnviz.widgets, name), **arguments)
    explorer = make_explorer()
    full = []
    draw_full = explorer._draw_full
    monkeypatch.setattr(explorer, "_draw_full", lambda: full.append(1) or draw_full())
    for control, value in changes:
        full.clear()
        explorer.controls[control].value = value
        assert explorer.message == ""
        backward = getattr(explorer, "backward", False)  # a backward pass draws another kernel anew
        light = control in (*explorer.light_controls, "kernel") and not (control == "o" and backward)
        assert len(full) == (0 if light else 1), control
        expected = fresh(make_explorer, explorer.values)
        assert np.array_equal(pixels(explorer.png), pixels(expected.png)), f"{control}={value!r}"
        # the picture shown is the new one (a clickable explorer's is in its ClickImage)
        shown = explorer.clicker.png if explorer.clicker else base64.b64decode(shown_png(explorer))
        assert shown == explorer.png


def test_image_kernel_explorer_draws_a_preset_once_and_light(monkeypatch):
    from cnnviz.widgets import ImageKernelExplorer

    explorer = ImageKernelExplorer()
    figure, pictures = explorer.figure, []
    blit = explorer.blit
    monkeypatch.setattr(explorer, "blit", lambda *a, **k: pictures.append(1) or blit(*a, **k))
    explorer.controls["kernel"].value = "sharpen"
    assert len(pictures) == 1 and explorer.figure is figure  # one picture, on the same figure
    assert explorer.picture.axes[1].texts[4].get_text() == "5"  # sharpen's centre weight


def test_image_kernel_explorer_explains_a_wrong_weight_in_place_then_draws_again():
    """A weight that is no number of a sensible size: the message in place of the picture (no
    traceback); a good weight brings back the picture a new explorer draws."""
    from cnnviz.widgets import ImageKernelExplorer

    explorer = ImageKernelExplorer()
    explorer.controls["w11"].value = 1e7
    assert "between −1,000,000 and 1,000,000; received 1e+07" in explorer.message
    (item,) = explorer.out.outputs
    assert "image/png" not in item["data"] and explorer.png == b""
    explorer.controls["w11"].value = 3.0
    assert explorer.message == "" and shown_png(explorer)
    assert np.array_equal(pixels(explorer.png), pixels(fresh(ImageKernelExplorer, explorer.values).png))


def test_batchnorm_explorer_redraws_only_the_histogram_after_normalization():
    from cnnviz.widgets import BatchNormExplorer

    explorer = BatchNormExplorer()
    before, after = explorer.picture.axes
    title = before.get_title()
    explorer.controls["gamma"].value = 2.0
    assert explorer.dynamic == [after] and before.get_title() == title
    assert "γ = 2.0" in after.get_title() and after.get_yscale() == "log"
    low, high = after.get_xlim()
    explorer.controls["gamma"].value = 1.0
    assert after.get_xlim()[1] - after.get_xlim()[0] == pytest.approx((high - low) / 2, rel=0.05)
