"""cnnviz.reference itself: every op's loop under the op's name, taking the op's arguments.

The ops' tests (test_conv, test_pool, test_norm, test_resample, ...) hold each op to its loop; here
the loops' own contract: the names and signatures that let a test call
``getattr(reference, name)(*args)`` with the op's arguments, and the ops whose tests live
elsewhere (activations, dense, rescaling) against their loops.
"""

import inspect

import numpy as np
import pytest
from _helpers import EXACT

from cnnviz import ops
from cnnviz import reference as ref

# ops with no loop here: dropout draws random numbers; the losses are checked in test_losses.py
WITHOUT_LOOPS = {
    "binary_crossentropy",
    "categorical_crossentropy",
    "dropout",
    "mean_absolute_error",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
}
FORWARDS = sorted(n.removesuffix("_forward") for n in ops.__all__ if n.endswith("_forward"))


def parameters(f):
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", [n for n in FORWARDS if n not in WITHOUT_LOOPS])
def test_each_op_has_a_loop_with_its_arguments(name):
    """reference.<op>_forward takes the op's arguments, names and defaults; <op>_backward takes dy, then them."""
    forward = parameters(getattr(ref, f"{name}_forward"))
    assert forward == parameters(getattr(ops, f"{name}_forward"))
    assert parameters(getattr(ref, f"{name}_backward"))[1:] == forward


def test_the_ops_without_loops_are_the_listed_ones():
    """A new op gets a loop, or a place in WITHOUT_LOOPS with its reason."""
    assert {n for n in FORWARDS if not hasattr(ref, f"{n}_forward")} == WITHOUT_LOOPS


CALLS = {  # x's shape, and the op's arguments after x (drawn from rng)
    "relu": ((2, 3, 4), lambda rng: ()),
    "leaky_relu": ((2, 3, 4), lambda rng: (0.2,)),
    "sigmoid": ((3, 5), lambda rng: ()),
    "tanh": ((3, 5), lambda rng: ()),
    "softmax": ((4, 6), lambda rng: ()),
    "rescaling": ((2, 3), lambda rng: (1 / 255, -0.5)),
    "dense": ((4, 3), lambda rng: (rng.normal(size=(3, 2)), rng.normal(size=2))),
}


@pytest.mark.parametrize("name", CALLS)
def test_activations_dense_and_rescaling_match_their_loops(rng, name):
    """Forward and backward equal the loops, on values with exact zeros and large magnitudes."""
    x_shape, draw_args = CALLS[name]
    x = rng.normal(size=x_shape) * 20
    x.flat[::5] = 0.0  # the kink of ReLU and leaky ReLU: the gradient takes the slope's side
    args = draw_args(rng)
    y, cache = getattr(ops, f"{name}_forward")(x, *args)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x, *args), **EXACT)
    dy = rng.normal(size=y.shape)
    got, want = getattr(ops, f"{name}_backward")(dy, cache), getattr(ref, f"{name}_backward")(dy, x, *args)
    if name == "dense":  # (dx, dw, db)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, **EXACT)
    else:
        np.testing.assert_allclose(got, want, **EXACT)


def test_older_names_are_the_same_functions():
    """Names from before the reference took the ops' names still work, for one example as before."""
    assert ref.add is ref.add_forward and ref.leaky_relu is ref.leaky_relu_forward
    x, w = np.arange(12.0).reshape(3, 4, 1), np.ones((2, 2, 1, 1))
    np.testing.assert_array_equal(ref.conv2d_case4(x, w), ref.conv2d_forward(x[None], w)[0])
    np.testing.assert_array_equal(ref.max_pool2d(x, K=2), ref.max_pool2d_forward(x[None], 2)[0])


def test_a_batch_is_required_and_named():
    """The op-named loops take a batch, as the ops do; one image is refused with the shape it has."""
    with pytest.raises(ValueError, match=r"max_pool2d_forward expects x with 4 dims .*x\.shape=\(4, 4, 1\)"):
        ref.max_pool2d_forward(np.ones((4, 4, 1)))


@pytest.mark.parametrize("name", ["conv1d", "max_pool1d", "avg_pool1d"])
def test_one_axis_settings_as_one_tuples(rng, name):
    """A 1D op's settings as 1-tuples, as the ops take them: the loops agree."""
    x = rng.normal(size=(2, 9, 3))
    args = (
        (rng.normal(size=(3, 3, 2)), None, (2,), "same", (2,)) if name == "conv1d" else ((3,), (2,), "same")
    )
    y, cache = getattr(ops, f"{name}_forward")(x, *args)
    np.testing.assert_allclose(y, getattr(ref, f"{name}_forward")(x, *args), **EXACT)
    dy = rng.normal(size=y.shape)
    got, want = getattr(ops, f"{name}_backward")(dy, cache), getattr(ref, f"{name}_backward")(dy, x, *args)
    np.testing.assert_allclose(
        got[0] if name == "conv1d" else got, want[0] if name == "conv1d" else want, **EXACT
    )
