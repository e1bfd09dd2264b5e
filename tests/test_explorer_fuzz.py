"""Every explorer, driven the way a lecturer drags every slider and a learner passes their own
arrays (issue: "Wrong use gets a clear answer everywhere"): no exception ever escapes a control
change, a setting that makes no sense is explained in place, and hostile constructor arguments
get a ValueError or TypeError that names the argument."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz import widgets as W


def _in_mode(explorer, mode):
    """The explorer with its "mode" control (the backward pass of Conv2DStepExplorer) set to ``mode``."""
    explorer.controls["mode"].value = mode
    return explorer


EXPLORERS = {
    "Conv1DExplorer case 1": lambda: W.Conv1DExplorer(case=1),
    "Conv1DExplorer case 3": lambda: W.Conv1DExplorer(case=3),
    "OutputSizeExplorer": lambda: W.OutputSizeExplorer(),
    "ConvArithmeticExplorer": lambda: W.ConvArithmeticExplorer(),
    "ImageKernelExplorer": lambda: W.ImageKernelExplorer(image="digit 7 (28×28)"),
    "Conv2DStepExplorer": lambda: W.Conv2DStepExplorer(),
    "Conv2DStepExplorer dL/dw": lambda: _in_mode(W.Conv2DStepExplorer(), "backward dL/dw"),
    "Conv2DStepExplorer dL/dx": lambda: _in_mode(
        W.Conv2DStepExplorer(x=np.ones((4, 5)), w=[[1, 2], [0, -1]]), "backward dL/dx"
    ),
    "PoolStepExplorer": lambda: W.PoolStepExplorer(),
    "ShiftExplorer": lambda: W.ShiftExplorer(),
    "BatchNormExplorer": lambda: W.BatchNormExplorer(),
    "PixelExplorer": lambda: W.PixelExplorer(image="digit (28×28, uint8)"),
}


def _values(control):
    """A few values of a control: its ends and middle, or its options."""
    if hasattr(control, "options") and control.options:
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return options[:4]
    if hasattr(control, "min") and hasattr(control, "max"):
        low, high = control.min, control.max
        middle = (low + high) / 2 if isinstance(low, float) else (low + high) // 2
        return [low, middle, high]
    if isinstance(control.value, bool):
        return [True, False]
    return [control.value]


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_no_control_change_raises(name):
    explorer = EXPLORERS[name]()
    assert explorer.message == "", explorer.message  # the default state draws
    for key, control in list(explorer.controls.items()):
        for value in _values(control):
            try:
                control.value = value  # a slider the picture limits may refuse a value: that is fine
            except Exception as error:
                assert type(error).__name__ == "TraitError", f"{name}.{key}={value!r}: {error!r}"
            assert isinstance(explorer.message, str)
            assert explorer.message or explorer.png, f"{name}: neither a picture nor a message"


@settings(max_examples=40)
@given(data=st.data())
def test_random_control_sequences_never_raise(data):
    name = data.draw(st.sampled_from(sorted(EXPLORERS)))
    explorer = EXPLORERS[name]()
    controls = list(explorer.controls.items())
    for _ in range(6):
        key, control = data.draw(st.sampled_from(controls))
        value = data.draw(st.sampled_from(_values(control)))
        try:
            control.value = value
        except Exception as error:
            assert type(error).__name__ == "TraitError", f"{name}.{key}={value!r}: {error!r}"
        assert explorer.message or explorer.png


HOSTILE = [
    None,
    [],
    [[1, 2], [3]],
    [[1, np.inf], [2, 3]],
    [[np.nan, 1], [2, 3]],
    [1, 2, 3, 4],
    "abc",
    np.ones((2, 2, 2, 2, 2)),
]


@pytest.mark.parametrize(
    ("make", "value"),
    list(
        itertools.product(
            [
                lambda v: W.PoolStepExplorer(x=v),
                lambda v: W.Conv2DStepExplorer(x=v),
                lambda v: W.Conv2DStepExplorer(w=v),
                lambda v: W.Conv1DExplorer(x=v),
            ],
            HOSTILE[1:],
        )
    ),
)
def test_a_learners_odd_array_gets_a_clear_error_or_a_picture(make, value):
    try:
        explorer = make(value)
    except (ValueError, TypeError) as error:
        assert any(word in str(error) for word in ("x", "w", "expects")), str(error)
    else:
        assert explorer.message or explorer.png


def test_findings_of_the_review():
    with pytest.raises(ValueError, match="finite numbers"):
        W.PoolStepExplorer(x=[[1, np.inf], [2, 3]])
    with pytest.raises(ValueError, match=r"received x of shape \(4,\)"):
        W.PoolStepExplorer(x=[1, 2, 3, 4])
    assert W.Conv2DStepExplorer(x=np.ones((3, 3)), w=np.ones((2, 2))).message == ""
    assert W.OutputSizeExplorer(L=28).controls["L"].value == 28  # not clamped to the slider's end
    assert W.PoolStepExplorer(K=4).controls["P"].max == 3  # padding up to K − 1 from the start
    with pytest.raises(ValueError, match="image must be one of"):
        W.PixelExplorer(image="my photo")
    explorer = W.ImageKernelExplorer()
    explorer.controls["w00"].value = 1e200
    assert "between −1,000,000 and 1,000,000" in explorer.message
