"""The convolution step explorer's backward mode: every number it writes is ops.conv2d_backward's.

``Conv2DStepExplorer``'s "pass" control steps through dL/dw (tap by tap) or dL/dx (input cell
by cell) for a given gradient dy of the output. These tests read what is drawn (the revealed
grid cells and the products written out under them) and compare it with cnnviz's own backward
pass, for the strides, paddings and kernels the explorer allows.
"""

import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import cnnviz
from cnnviz import ops
from cnnviz.plot import num
from cnnviz.widgets import Conv2DStepExplorer
from cnnviz.widgets.convolution import upstream_gradient

DW, DX = "backward dL/dw", "backward dL/dx"

LEARNERS = {  # (x, w) as a learner passes them, beside the explorer's default
    "default": {},
    "one channel, 3×3 kernel": {
        "x": np.arange(25).reshape(5, 5) % 4,
        "w": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    },
    "non-square, 3 channels, 3 kernels": {
        "x": (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 7) % 5 - 2,
        "w": (np.arange(2 * 3 * 3 * 3).reshape(2, 3, 3, 3) % 3) - 1.0,
        "b": [0.0, 1.0, 2.0],
    },
}


def backward(explorer):
    """ops.conv2d_backward for the explorer's arrays and controls: (dx (H, W, C), dw (KH, KW, C, F), dy)."""
    v = explorer.values
    y, cache = ops.conv2d_forward(explorer.x[None], explorer.w, strides=v["S"], padding=v["P"])
    dy = upstream_gradient(y.shape[1:])
    dx, dw, _ = ops.conv2d_backward(dy[None], cache)
    return dx[0], dw, dy


def written_sums(text):
    """Each line "...: a·b + c·d = s" of the text (wrapped lines joined): ([(a, b), ...], s) per line."""
    text = text.replace("−", "-").replace("\n      + ", " + ")
    found = []
    for line in text.splitlines():
        match = re.fullmatch(r"c = \d+(?:, kernel \d+)?: (.*) = (\S+)", line)
        if match and "no products" not in line:
            terms = [term.split("·") for term in match.group(1).split(" + ") if not term.startswith("…")]
            pairs = [tuple(float(t.strip("()")) for t in term) for term in terms]
            found.append((pairs, float(match.group(2))))
    return found


def set_controls(explorer, **values):
    with explorer.hold():
        for name, value in values.items():
            explorer.controls[name].value = value


def settings(explorer):
    """Every (P, S, o) the sliders allow for which the window fits the (padded) input."""
    for P in range(explorer.controls["P"].max + 1):
        for S in range(1, explorer.controls["S"].max + 1):
            for o in range(explorer.w.shape[3]):
                try:
                    cnnviz.conv2d(explorer.x, explorer.w, strides=S, padding=P)
                except ValueError:
                    continue
                yield P, S, o


@pytest.mark.parametrize("learner", sorted(LEARNERS))
def test_every_dw_step_shows_conv2d_backwards_numbers(learner):
    explorer = Conv2DStepExplorer(**LEARNERS[learner])
    KH, KW, C, _ = explorer.w.shape
    for P, S, o in settings(explorer):
        set_controls(explorer, mode=DW, P=P, S=S, o=o, step=0)
        _, dw, dy = backward(explorer)
        assert explorer.message == "" and explorer.controls["step"].max == KH * KW - 1
        assert explorer.steps.play.max == KH * KW - 1  # Play walks the same steps
        for step in range(KH * KW):
            explorer.controls["step"].value = step
            u, v = divmod(step, KW)
            picture = explorer.picture
            assert np.array_equal(picture.dy[:, :, o], dy[:, :, o])
            sums = written_sums(picture.text.get_text())
            assert len(sums) == C
            for c, (pairs, total) in enumerate(sums):
                assert total == pytest.approx(dw[u, v, c, o])
                if dy.shape[0] * dy.shape[1] <= 32:  # every product written out: they add up to it
                    assert len(pairs) == dy.shape[0] * dy.shape[1]
                    assert sum(a * b for a, b in pairs) == pytest.approx(dw[u, v, c, o])
                # the cells revealed so far are dw's, and only those
                shown = [[t.get_text() for t in row] for row in picture.outputs[c].texts]
                visible = [[t.get_visible() for t in row] for row in picture.outputs[c].texts]
                assert np.array_equal(np.array(visible).ravel(), np.arange(KH * KW) <= step)
                assert shown[u][v] == num(
                    dw[u, v, c, o], fmt=("{:.0f}" if float(dw[u, v, c, o]).is_integer() else None)
                )


@pytest.mark.parametrize("learner", sorted(LEARNERS))
def test_every_dx_step_shows_conv2d_backwards_numbers(learner):
    explorer = Conv2DStepExplorer(**LEARNERS[learner])
    H, W, C = explorer.x.shape
    F = explorer.w.shape[3]
    for P, S, o in settings(explorer):
        if o > 0:
            continue  # dL/dx sums over every kernel: o only picks the kernel drawn (tested below)
        set_controls(explorer, mode=DX, P=P, S=S, o=o, step=0)
        dx, _, dy = backward(explorer)
        # kernel k's share of dL/dx: the backward pass of dy with only map k kept
        _, cache = ops.conv2d_forward(explorer.x[None], explorer.w, strides=S, padding=P)
        shares = [
            ops.conv2d_backward(np.where(np.arange(F) == k, dy, 0.0)[None], cache)[0][0] for k in range(F)
        ]
        assert explorer.message == "" and explorer.controls["step"].max == H * W - 1
        for step in range(H * W):
            explorer.controls["step"].value = step
            a, b = divmod(step, W)
            text = explorer.picture.text.get_text()
            sums = written_sums(text)
            readers = int(re.search(r"is read by (\w+) of", text).group(1).replace("none", "0"))
            if readers == 0:
                assert np.all(dx[a, b] == 0) and f"dL/dx[{a}, {b}, c] = 0" in text
                continue
            assert len(sums) == C * F  # one line per channel and kernel
            for k, (pairs, total) in enumerate(sums):
                c, kernel = divmod(k, F)
                assert len(pairs) == readers  # one product w[u, v]·dy[i, j] per window reading x[a, b]
                assert sum(p * q for p, q in pairs) == pytest.approx(total)
                assert total == pytest.approx(shares[kernel][a, b, c] if F > 1 else dx[a, b, c])
            for c in range(C):
                if F > 1:  # the shares add up to dL/dx, written at the end of the channel's lines
                    assert f"dL/dx[{a}, {b}, {c}] = " in text
                    line = next(t for t in text.splitlines() if f"dL/dx[{a}, {b}, {c}] = " in t)
                    assert line.endswith(f"= {num(dx[a, b, c])}")
                assert explorer.picture.outputs[c].values[a, b] == dx[a, b, c]


def test_the_kernel_slider_picks_the_kernel_drawn_not_the_numbers():
    explorer = Conv2DStepExplorer()
    set_controls(explorer, mode=DX, step=4)
    text = explorer.picture.text.get_text()
    explorer.controls["o"].value = 1
    assert explorer.picture.text.get_text() == text  # dL/dx adds every kernel's share
    assert explorer.picture.axes[0, 0].get_title() == "w[:, :, 0, 1]"
    assert np.array_equal(explorer.picture.dy, upstream_gradient((2, 2, 2)))


def test_a_border_cell_is_reached_by_fewer_windows_than_the_centre():
    explorer = Conv2DStepExplorer(x=np.arange(25).reshape(5, 5) % 4, w=np.ones((3, 3)))
    explorer.controls["mode"].value = DX
    counts = {}
    for a, b in [(0, 0), (0, 2), (2, 2)]:
        explorer.controls["step"].value = a * 5 + b
        text = explorer.picture.text.get_text()
        counts[a, b] = int(re.search(r"is read by (\d+) of the 9 windows", text).group(1))
        assert len(explorer.picture.reaching.get_segments()) == counts[a, b]  # framed in dy
        assert len(explorer.picture.pairs[0].get_segments()) == counts[a, b]  # taps framed in w
    assert counts == {(0, 0): 1, (0, 2): 3, (2, 2): 9}


@pytest.mark.parametrize(("S", "P"), [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)])
def test_dx_is_dy_with_zeros_between_convolved_with_the_flipped_kernel_over_full_padding(S, P):
    """What the dL/dx caption says, checked: spread dy by the stride, pad it by K − 1 (and by any rows
    no window read), correlate with the kernel flipped (its in and out channels swapped), cut the padding."""
    x = np.arange(6 * 7 * 2).reshape(6, 7, 2) % 5 - 2.0
    w = np.arange(3 * 2 * 2 * 3).reshape(3, 2, 2, 3) % 4 - 1.5  # KH ≠ KW, C = 2, F = 3
    y, cache = ops.conv2d_forward(x[None], w, strides=S, padding=P)
    dy = upstream_gradient(y.shape[1:])
    dx = ops.conv2d_backward(dy[None], cache)[0][0]
    KH, KW = w.shape[:2]
    Ho, Wo, F = dy.shape
    spread = np.zeros(((Ho - 1) * S + 1, (Wo - 1) * S + 1, F))
    spread[::S, ::S] = dy  # S − 1 zeros between dy's cells
    H_pad, W_pad = x.shape[0] + 2 * P, x.shape[1] + 2 * P
    full = ((KH - 1, KH - 1 + H_pad - (Ho - 1) * S - KH), (KW - 1, KW - 1 + W_pad - (Wo - 1) * S - KW))
    flipped = w[::-1, ::-1].transpose(0, 1, 3, 2)  # (KH, KW, F, C)
    dx_pad = cnnviz.conv2d(spread, flipped, padding=full)  # (H_pad, W_pad, C)
    assert np.allclose(dx_pad[P : P + x.shape[0], P : P + x.shape[1]], dx)
    explorer = Conv2DStepExplorer(x=x, w=w, b=None)
    set_controls(explorer, mode=DX, S=S, P=P)
    caption = "\n".join(t.get_text() for t in explorer.picture.axes[1, -1].texts)
    assert "flipped kernel" in caption and "'full' padding" in caption
    assert ("zero" in caption and "between" in caption) == (S > 1)


def test_forward_mode_draws_the_same_picture_after_a_trip_through_backward():
    explorer = Conv2DStepExplorer()
    set_controls(explorer, P=1, S=2, o=1, step=2)
    before = explorer.png
    fresh = Conv2DStepExplorer()
    set_controls(fresh, P=1, S=2, o=1, step=2)
    assert fresh.png == before
    for mode in (DW, DX, "forward"):
        explorer.controls["mode"].value = mode
    assert explorer.png == before and explorer.controls["step"].description == "cell number"
    assert explorer.values["mode"] == "forward" and Conv2DStepExplorer().values["mode"] == "forward"


@pytest.mark.parametrize("mode", [DW, DX])
def test_a_backward_step_redraws_only_what_moves_and_matches_a_full_redraw(mode):
    explorer = Conv2DStepExplorer()
    set_controls(explorer, mode=mode, P=1)
    explorer.steps.next.click()
    explorer.steps.next.click()
    light = explorer.png
    assert explorer.controls["step"].value == 2
    explorer.render()  # everything drawn anew, same state
    assert explorer.png == light
    explorer.steps.play.value = 3  # Play moves the same slider (linked in the browser; set here)
    explorer.controls["step"].value = explorer.steps.play.value
    assert explorer.png != light


@pytest.mark.parametrize("mode", [DW, DX])
def test_a_click_on_a_gradient_cell_jumps_to_it(mode):
    explorer = Conv2DStepExplorer(x=np.arange(16).reshape(4, 4), w=np.ones((2, 2)))
    explorer.controls["mode"].value = mode
    rows, cols = explorer.picture.grid.shape[:2]
    explorer.clicker.press(*explorer.pixel_of(explorer.picture.axes[1, 0], cols - 1, rows - 1))
    assert explorer.controls["step"].value == rows * cols - 1
    explorer.clicker.press(5, 5)  # the margin: nothing happens
    assert explorer.controls["step"].value == rows * cols - 1 and explorer.message == ""


@pytest.mark.parametrize("learner", sorted(LEARNERS))
@pytest.mark.parametrize("mode", [DW, DX])
def test_text_is_readable_and_stays_inside_the_picture(learner, mode):
    """At least 12 pixels tall in the stored PNG (9 pt at the explorer's 96 dpi), and the written-out
    products fit under the grids at every step, for the largest output the sliders allow."""
    explorer = Conv2DStepExplorer(**LEARNERS[learner])
    set_controls(explorer, mode=mode, P=1, S=1)
    fig = explorer._canvas.figure
    renderer = explorer._canvas.get_renderer()
    for step in range(explorer.controls["step"].max + 1):
        explorer.controls["step"].value = step
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
        assert min(t.get_fontsize() for t in texts) * explorer.dpi / 72 >= 12
        box = explorer.picture.text.get_window_extent(renderer)
        assert box.y0 >= 0 and box.x1 <= fig.bbox.width, (step, explorer.picture.text.get_text())
        grids_bottom = min(ax.get_position().y0 for ax in explorer.picture.axes.ravel()) * fig.bbox.height
        assert box.y1 <= grids_bottom


@pytest.mark.parametrize("mode", [DW, DX])
@pytest.mark.parametrize(
    ("x", "w"),
    [
        (np.ones((2, 2)), np.ones((3, 3))),  # the kernel is larger than the input: a message, until P = 1
        (np.ones((1, 1)), np.ones((1, 1))),  # one cell
        (np.ones((9, 9, 2)), np.ones((2, 2, 2, 4))),  # large for a picture
    ],
)
def test_a_learners_arrays_in_backward_mode_give_a_picture_or_a_message(mode, x, w):
    explorer = Conv2DStepExplorer(x=x, w=w)
    for P in (0, 1):
        for S in (1, 2, 3):
            set_controls(explorer, mode=mode, P=P, S=S)
            if explorer.message:
                assert "K=3" in explorer.message or "kernel" in explorer.message, explorer.message
            else:
                assert explorer.png
            explorer.controls["step"].value = explorer.controls["step"].max
            assert explorer.message or explorer.png
    set_controls(explorer, P=0, S=1)
    if x.shape[0] < w.shape[0]:
        assert explorer.message  # and switching the mode keeps the explanation
        explorer.controls["mode"].value = "forward"
        assert explorer.message
