"""How a network learns, in small pieces a notebook can show: gradient descent, the chain rule, optimizers.

Every number here comes from cnnviz's own forward and backward passes (``cnnviz.ops``) and
optimizers (``cnnviz.optimizers``); these functions only arrange them so that one step can be
looked at:

* ``one_weight_loss``, ``descend_one_weight``: the loss of a model with ONE weight, y = w·x,
  its slope, and plain gradient descent on it;
* ``learn_kernel``: gradient descent on a 3×3 kernel that should copy a known kernel;
* ``tiny_cnn_forward``, ``tiny_cnn_backward``, ``finite_difference``: the chain rule through
  convolution → ReLU → max-pooling → dense → softmax → cross-entropy, checked numerically;
* ``kernel_gradient_products``, ``spread_with_zeros``, ``input_gradient_full``: the gradient of
  a convolution written as convolutions;
* ``batchnorm_backward_terms``: batch normalization's input gradient split into its three paths;
* ``stacked_kernel``: the one kernel equal to two convolutions in a row (no activation between);
* ``one_step``, ``TwoWeights``, ``optimizer_path``, ``epoch_batch_losses``: optimizers' steps and
  paths, and what shuffling changes;
* ``targeted_sign_steps``: small steps along the sign of a gradient that change a prediction.

>>> ws, losses = descend_one_weight(0.0, x=[1.0, 2.0], t=[2.0, 4.0], learning_rate=0.1, steps=3)
>>> np.round(ws, 3)                     # L(w) = mean((w·x − t)²): w moves towards 2
array([0.  , 1.  , 1.5 , 1.75])
"""

from __future__ import annotations

import numpy as np

from . import ops
from .inside import saliency
from .optimizers import SGD, Optimizer

__all__ = [
    "TwoWeights",
    "batchnorm_backward_terms",
    "descend_one_weight",
    "epoch_batch_losses",
    "finite_difference",
    "input_gradient_full",
    "kernel_gradient_products",
    "learn_kernel",
    "lecture_head_problem",
    "one_step",
    "one_weight_loss",
    "optimizer_path",
    "spread_with_zeros",
    "stacked_kernel",
    "targeted_sign_steps",
    "tiny_cnn_backward",
    "tiny_cnn_forward",
    "tiny_cnn_loss_from",
]


# -- small checks shared below -------------------------------------------------------------------
def _floats(name, value, func, ndim=None):
    """``value`` as a float64 array of finite numbers (a copy), or a clear error."""
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{func} expects {name} as numbers; received {value!r}.") from None
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{func} expects {name} with {ndim} dimension(s); received shape {a.shape}.")
    if a.size == 0:
        raise ValueError(f"{func} expects {name} to hold at least one value; received shape {a.shape}.")
    if not np.isfinite(a).all():
        raise ValueError(f"{func} expects {name} to hold finite numbers; received NaN or infinity.")
    return a


def _positive(name, value, func):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not value > 0
    ):
        raise ValueError(f"{func} expects {name} > 0; received {name}={value!r}.")
    return float(value)


def _count(name, value, func, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{func} expects {name} as a whole number >= {minimum}; received {name}={value!r}.")
    return int(value)


# -- gradient descent on one number --------------------------------------------------------------
def one_weight_loss(w, x, t):
    """The loss of the one-weight model y = w·x and its slope: (L(w), dL/dw).

    L(w) = mean over n of (w·x[n] − t[n])², the mean squared error, computed by
    ``ops.mean_squared_error_forward``; the slope by its backward pass and the chain rule
    (dL/dw = Σ_n dL/dy[n] · x[n]).

    Parameters
    ----------
    w : float
    x, t : array_like, shape (N,)
        Inputs and targets.

    >>> one_weight_loss(1.0, x=[1.0, 2.0], t=[2.0, 4.0])   # errors −1, −2: (1 + 4)/2; slope (−2·1 − 4·2)/2
    (2.5, -5.0)
    """
    func = "one_weight_loss"
    x, t = _floats("x", x, func, 1), _floats("t", t, func, 1)
    if x.shape != t.shape:
        raise ValueError(f"{func} expects x and t of the same length; received {len(x)} and {len(t)}.")
    w = float(_floats("w", w, func, 0))
    loss, cache = ops.mean_squared_error_forward(w * x, t)
    dy = ops.mean_squared_error_backward(1.0, cache)  # dL/dy[n]
    return float(loss), float(np.sum(dy * x))  # dL/dw = Σ_n dL/dy[n] · dy[n]/dw, and dy[n]/dw = x[n]


def descend_one_weight(w0, x, t, learning_rate, steps):
    """Plain gradient descent on the one-weight model: w ← w − η · dL/dw, ``steps`` times.

    The step is cnnviz's own SGD (``optimizers.SGD``, no momentum). Returns ``(ws, losses)``,
    two arrays of ``steps + 1`` values: the weight and the loss before each step and after the
    last. A learning rate that is too large makes them grow without bound (overflowing to inf:
    no warning is raised, the numbers show it).
    """
    func = "descend_one_weight"
    learning_rate = _positive("learning_rate", learning_rate, func)
    steps = _count("steps", steps, func)
    w = np.array([float(_floats("w0", w0, func, 0))])
    optimizer = SGD(learning_rate=learning_rate)
    ws, losses = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps + 1):
            loss, slope = one_weight_loss(w[0], x, t) if np.isfinite(w[0]) else (np.inf, np.inf)
            ws.append(w[0])
            losses.append(loss if np.isfinite(loss) else np.inf)
            if len(ws) <= steps and np.isfinite(slope):
                one = np.array([slope])
                optimizer.step({"w": (w, one)})  # w ← w − η · dL/dw
    return np.array(ws), np.array(losses)


def learn_kernel(images, target_kernel, w0, learning_rate, steps):
    """Gradient descent on a kernel w so that conv(images, w) matches conv(images, target_kernel).

    The loss is the mean squared error between the two feature maps; its gradient with
    respect to w comes from ``ops.conv2d_backward``; the step is SGD. Returns
    ``(kernels, losses)``: ``kernels`` (steps + 1, K, K) the kernel before each step and after
    the last, ``losses`` (steps + 1,).

    Parameters
    ----------
    images : array_like, shape (N, H, W)
    target_kernel, w0 : array_like, shape (K, K)

    >>> x = np.arange(16.0).reshape(1, 4, 4) % 3
    >>> kernels, losses = learn_kernel(x, [[1.0, 0], [0, -1]], np.zeros((2, 2)), 0.05, 200)
    >>> np.round(kernels[-1], 2) + 0.0, bool(losses[-1] < 1e-6)
    (array([[ 1.,  0.],
           [ 0., -1.]]), True)
    """
    func = "learn_kernel"
    x = _floats("images", images, func, 3)[..., None]  # (N, H, W, 1)
    target = _floats("target_kernel", target_kernel, func, 2)
    w = _floats("w0", w0, func, 2)
    if w.shape != target.shape:
        raise ValueError(f"{func} expects w0 shaped like target_kernel {target.shape}; received {w.shape}.")
    if target.shape[0] > x.shape[1] or target.shape[1] > x.shape[2]:
        raise ValueError(
            f"{func}: the kernel {target.shape} is larger than the images {x.shape[1:3]}; use larger images."
        )
    learning_rate = _positive("learning_rate", learning_rate, func)
    steps = _count("steps", steps, func)
    wanted, _ = ops.conv2d_forward(x, target[:, :, None, None])  # (N, H', W', 1)
    optimizer = SGD(learning_rate=learning_rate)
    kernels, losses = [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            y, cache = ops.conv2d_forward(x, w[:, :, None, None])
            loss, loss_cache = ops.mean_squared_error_forward(y, wanted)
            kernels.append(w.copy())
            losses.append(loss)
            if step < steps:
                _, dw, _ = ops.conv2d_backward(ops.mean_squared_error_backward(1.0, loss_cache), cache)
                optimizer.step({"w": (w, dw[:, :, 0, 0])})  # w ← w − η · dL/dw
    return np.array(kernels), np.array(losses)


# -- the chain rule through a tiny CNN -----------------------------------------------------------
def tiny_cnn_forward(x, w, b, dense_kernel, dense_bias, label):
    """Convolution (3×3, valid) → ReLU → 2×2 max-pooling (stride 1) → dense → softmax → cross-entropy.

    One 1-channel image, one kernel; every value on the way is returned, with the caches the
    backward passes need, in a dict: "z" (convolution's output), "a" (after ReLU), "p"
    (pooled), "f" (p flattened), "s" (the class scores, logits), "q" (the softmax
    probabilities), "loss", the weights and label as given ("w", "b", "W", "c", "label"), and
    "caches".

    Parameters
    ----------
    x : array_like, shape (H, W)
    w : array_like, shape (K, K);  b : float
    dense_kernel : array_like, shape (features, classes);  dense_bias : (classes,)
    label : int, the true class

    >>> v = tiny_cnn_forward(np.ones((4, 4)), np.ones((3, 3)), 0.0, np.zeros((1, 2)), np.zeros(2), 0)
    >>> v["z"], v["f"], round(v["loss"], 4)     # two equal scores: loss log 2
    (array([[9., 9.],
           [9., 9.]]), array([9.]), 0.6931)
    """
    func = "tiny_cnn_forward"
    x = _floats("x", x, func, 2)
    w = _floats("w", w, func, 2)
    b = float(_floats("b", b, func, 0))
    W = _floats("dense_kernel", dense_kernel, func, 2)
    c = _floats("dense_bias", dense_bias, func, 1)
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(f"{func}: the kernel {w.shape} is larger than the image {x.shape}.")
    z, conv = ops.conv2d_forward(x[None, :, :, None], w[:, :, None, None], np.array([b]))  # (1, H', W', 1)
    a, relu = ops.relu_forward(z)
    p, pool = ops.max_pool2d_forward(a, pool_size=2, strides=1)  # (1, H'−1, W'−1, 1)
    f = p.reshape(1, -1)  # (1, features)
    if W.shape[0] != f.shape[1] or c.shape != (W.shape[1],):
        raise ValueError(
            f"{func}: the pooled map has {f.shape[1]} values, so dense_kernel must be ({f.shape[1]}, classes) "
            f"and dense_bias (classes,); received {W.shape} and {c.shape}."
        )
    s, dense = ops.dense_forward(f, W, c)  # (1, classes)
    label = _count("label", label, func)
    if label >= W.shape[1]:
        raise ValueError(f"{func}: label must be in 0..{W.shape[1] - 1}; received label={label}.")
    loss, ce = ops.sparse_categorical_crossentropy_forward(s, np.array([label]))
    return {
        "x": x, "z": z[0, :, :, 0], "a": a[0, :, :, 0], "p": p[0, :, :, 0], "f": f[0], "s": s[0],
        "q": ce["p"][0], "loss": loss, "w": w, "b": b, "W": W, "c": c, "label": label,
        "caches": {"conv": conv, "relu": relu, "pool": pool, "dense": dense, "ce": ce},
    }  # fmt: skip


def tiny_cnn_backward(values):
    """Every gradient of the tiny CNN's loss, layer by layer backwards: a dict of arrays.

    "s" (dL/ds = q − onehot), "W" and "c" (the dense layer's weights), "f" and "p", "a"
    (through max-pooling: to each window's winner), "z" (through ReLU), "w", "b" and "x"
    (through the convolution). ``values`` is what ``tiny_cnn_forward`` returned.
    """
    if not isinstance(values, dict) or "caches" not in values:
        raise TypeError("tiny_cnn_backward expects the dict that tiny_cnn_forward returned.")
    caches = values["caches"]
    ds = ops.sparse_categorical_crossentropy_backward(1.0, caches["ce"])  # (1, classes)
    df, dW, dc = ops.dense_backward(ds, caches["dense"])
    dp = df.reshape(caches["pool"]["y_shape"])  # (1, features) -> (1, H'', W'', 1)
    da = ops.max_pool2d_backward(dp, caches["pool"])
    dz = ops.relu_backward(da, caches["relu"])
    dx, dw, db = ops.conv2d_backward(dz, caches["conv"])
    return {
        "s": ds[0], "W": dW, "c": dc, "f": df[0], "p": dp[0, :, :, 0], "a": da[0, :, :, 0],
        "z": dz[0, :, :, 0], "w": dw[:, :, 0, 0], "b": float(db[0]), "x": dx[0, :, :, 0],
    }  # fmt: skip


def finite_difference(f, a, h=1e-6):
    """The centred difference (f(a + h·e) − f(a − h·e)) / 2h for every entry e of ``a``: df/da, numerically.

    ``f`` takes an array shaped like ``a`` and returns a number; ``a`` itself is not changed.

    >>> finite_difference(lambda v: float(np.sum(v**2)), np.array([1.0, -3.0])).round(6)   # 2v
    array([ 2., -6.])
    """
    if not callable(f):
        raise TypeError(
            f"finite_difference expects f as a function of an array; received {type(f).__name__}."
        )
    a = _floats("a", a, "finite_difference")
    h = _positive("h", h, "finite_difference")
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (float(f(plus)) - float(f(minus))) / (2 * h)
    return grad


# -- the gradient of a convolution is a convolution ----------------------------------------------
def kernel_gradient_products(x, dy, u, v, stride=1):
    """The sum behind dL/dw[u, v] = Σ_{i,j} dy[i, j] · x[i·S + u, j·S + v], term by term.

    Returns ``(terms, total)``: ``terms`` lists (i, j, dy[i, j], x[i·S + u, j·S + v], product)
    for every output cell, in reading order; ``total`` is their sum.

    >>> terms, total = kernel_gradient_products(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), 0, 1)
    >>> [t[3] for t in terms], total                  # x[0,1], x[0,2], x[1,1], x[1,2]
    ([1.0, 2.0, 4.0, 5.0], 12.0)
    """
    func = "kernel_gradient_products"
    x, dy = _floats("x", x, func, 2), _floats("dy", dy, func, 2)
    S = _count("stride", stride, func, 1)
    u, v = _count("u", u, func), _count("v", v, func)
    Ho, Wo = dy.shape
    if (Ho - 1) * S + u >= x.shape[0] or (Wo - 1) * S + v >= x.shape[1]:
        raise ValueError(
            f"{func}: with dy {dy.shape} and stride {S}, tap (u, v) = ({u}, {v}) reads outside x {x.shape}."
        )
    terms = [(i, j, float(dy[i, j]), float(x[i * S + u, j * S + v]), float(dy[i, j] * x[i * S + u, j * S + v]))
             for i in range(Ho) for j in range(Wo)]  # fmt: skip
    return terms, float(sum(t[4] for t in terms))


def spread_with_zeros(dy, stride):
    """``dy`` with S − 1 zeros between neighbouring cells: where a strided convolution's outputs sat.

    >>> spread_with_zeros(np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    dy = _floats("dy", dy, "spread_with_zeros", 2)
    S = _count("stride", stride, "spread_with_zeros", 1)
    out = np.zeros(((dy.shape[0] - 1) * S + 1, (dy.shape[1] - 1) * S + 1))
    out[::S, ::S] = dy
    return out


def input_gradient_full(dy, w, stride=1, input_shape=None):
    """dL/dx of a convolution (no padding) as a convolution: dy, "full" padding, the kernel flipped.

    dx[a, b] = Σ_{u,v} w[u, v] · dy[(a − u)/S, (b − v)/S] over the taps that read x[a, b]. With
    dy spread out by ``spread_with_zeros`` and padded by K − 1 zeros on every side ("full"
    padding), that is the cross-correlation of the padded dy with the kernel turned by a half
    (rows and columns reversed: a true convolution, notebook 05's flip). Input rows and
    columns that no window read (a stride that does not fit) get zeros: pass ``input_shape``
    to have them.

    >>> input_gradient_full(np.array([[1.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))   # one window: dx = w
    array([[1., 2.],
           [3., 4.]])
    """
    func = "input_gradient_full"
    w = _floats("w", w, func, 2)
    spread = spread_with_zeros(dy, stride)
    KH, KW = w.shape
    padded = np.pad(spread, ((KH - 1, KH - 1), (KW - 1, KW - 1)))  # "full" padding: K − 1 zeros each side
    flipped = w[::-1, ::-1]  # the half-turn of a true convolution
    dx, _ = ops.conv2d_forward(padded[None, :, :, None], flipped[:, :, None, None])
    dx = dx[0, :, :, 0]  # (H', W') = ((H_dy − 1)·S + K, ...): the rows the windows read
    if input_shape is not None:
        H, W = (_count("input_shape", n, func, 1) for n in input_shape)
        if H < dx.shape[0] or W < dx.shape[1] or H - dx.shape[0] >= stride or W - dx.shape[1] >= stride:
            raise ValueError(
                f"{func}: dy {np.shape(dy)} with kernel {w.shape} and stride {stride} comes from an input of "
                f"{dx.shape} (plus fewer than {stride} unread rows/columns); received input_shape={tuple(input_shape)}."
            )
        dx = np.pad(dx, ((0, H - dx.shape[0]), (0, W - dx.shape[1])))  # rows no window read: zero gradient
    return dx


# -- batch normalization's three paths -----------------------------------------------------------
def batchnorm_backward_terms(x, gamma, dy, epsilon=1e-3):
    """dL/dx of batch normalization (training mode) as the sum of its three paths.

    Each x[k] reaches the loss directly (through its own x̂[k]), through the batch mean μ_B
    (which every x̂ subtracts) and through the batch variance σ²_B (which every x̂ divides
    by). With g = γ·dy (dL/dx̂) and σ = √(σ²_B + ε):

    * direct: g[k] / σ
    * through μ_B: −(1/m) Σ_k g[k] / σ
    * through σ²_B: −(1/m) · x̂[k] · Σ_k g[k] · x̂[k] / σ

    Returns a dict of the three, each shaped like x; they add up to ``ops.batchnorm_backward``'s dx.

    Parameters
    ----------
    x, dy : array_like, shape (m, C)
    gamma : array_like, shape (C,)

    >>> t = batchnorm_backward_terms([[1.0], [3.0]], [1.0], [[1.0], [0.0]], epsilon=0.0)
    >>> t["direct"].ravel(), t["mean"].ravel(), t["variance"].ravel()   # x̂ = [−1, 1]
    (array([1., 0.]), array([-0.5, -0.5]), array([-0.5,  0.5]))
    """
    func = "batchnorm_backward_terms"
    x, dy = _floats("x", x, func, 2), _floats("dy", dy, func, 2)
    gamma = _floats("gamma", gamma, func, 1)
    if dy.shape != x.shape or gamma.shape != x.shape[1:]:
        raise ValueError(
            f"{func} expects x and dy of one shape (m, C) and gamma (C,); received {x.shape}, {dy.shape}, {gamma.shape}."
        )
    _, cache = ops.batchnorm_forward(x, gamma, np.zeros_like(gamma), epsilon)
    sigma = np.sqrt(cache["var"] + epsilon)  # (C,)
    x_hat = (x - cache["mean"]) / sigma  # (m, C)
    g = gamma * dy  # dL/dx̂
    m = len(x)
    return {
        "direct": g / sigma,
        "mean": -np.sum(g, axis=0) / (m * sigma) + 0 * x,  # the same for every k
        "variance": -x_hat * np.sum(g * x_hat, axis=0) / (m * sigma),
    }


# -- why the non-linearity -----------------------------------------------------------------------
def stacked_kernel(w1, w2):
    """The one kernel that does what w1 then w2 do (two convolutions, no activation between them).

    k[a, b] = Σ_{u,v} w2[u, v] · w1[a − u, b − v]: w1 padded with K2 − 1 zeros, cross-correlated
    with w2 turned by a half. Two 3×3 kernels give a 5×5 one. Without padding,
    conv(conv(x, w1), w2) == conv(x, stacked_kernel(w1, w2)).

    >>> stacked_kernel(np.eye(2), np.ones((2, 2)))
    array([[1., 1., 0.],
           [1., 2., 1.],
           [0., 1., 1.]])
    """
    w1 = _floats("w1", w1, "stacked_kernel", 2)
    w2 = _floats("w2", w2, "stacked_kernel", 2)
    K2h, K2w = w2.shape
    padded = np.pad(w1, ((K2h - 1, K2h - 1), (K2w - 1, K2w - 1)))
    k, _ = ops.conv2d_forward(padded[None, :, :, None], w2[::-1, ::-1, None, None])
    return k[0, :, :, 0]


# -- optimizers ------------------------------------------------------------------------------------
def one_step(optimizer, weights, gradient, key="weights"):
    """The weights after one step of ``optimizer`` with this gradient (a copy: ``weights`` is not changed).

    The optimizer keeps its state (momentum, Adam's averages) under ``key``: calling again with
    the same optimizer continues from there.

    >>> one_step(SGD(learning_rate=0.1), [1.0, 2.0], [10.0, -10.0])   # w − η·g
    array([0., 3.])
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"one_step expects a cnnviz optimizer (e.g. SGD()); received {type(optimizer).__name__}."
        )
    w = _floats("weights", weights, "one_step")
    g = _floats("gradient", gradient, "one_step")
    if g.shape != w.shape:
        raise ValueError(f"one_step expects gradient shaped like weights {w.shape}; received {g.shape}.")
    optimizer.step({key: (w, g)})
    return w


class TwoWeights:
    """The loss of a compiled model as a function of two of its weights, everything else frozen.

    ``first`` and ``second`` name a weight each: ``(layer index, weight name, index in that
    weight)``, e.g. ``(0, "kernel", (3, 1))``. ``loss_and_gradient([w1, w2])`` puts the two values
    in, asks ``inside.gradients`` for the loss and the two gradients on (x, y), and puts the
    old values back: the model does not change.
    """

    def __init__(self, model, x, y, first, second):
        self.model, self.x, self.y = model, x, y
        if getattr(model, "built_input_shape", 0) is None:
            model.build()  # weights exist only once the model is built
        self.where = []
        for name, spec in (("first", first), ("second", second)):
            try:
                k, weight, index = spec
                array = model.layers[k].params[weight]
                if np.ndim(array[index]) != 0:
                    raise IndexError  # a row, not one number
                self.where.append((k, weight, tuple(np.atleast_1d(index))))
            except (TypeError, ValueError, IndexError, KeyError):
                raise ValueError(
                    f"TwoWeights expects {name} as (layer index, weight name, index), naming one number of "
                    f"a weight of the model; received {spec!r}."
                ) from None
        if self.where[0] == self.where[1]:
            raise ValueError("TwoWeights expects two different weights; first and second name the same one.")
        self.start = np.array([self._array(k, w)[i] for k, w, i in self.where], dtype=np.float64)

    def _array(self, k, weight):
        return self.model.layers[k].params[weight]

    def loss_and_gradient(self, w):
        """(loss, [dL/dw1, dL/dw2]) with the two weights set to ``w``."""
        from .inside import gradients

        w = _floats("w", w, "TwoWeights.loss_and_gradient", 1)
        if w.shape != (2,):
            raise ValueError(f"TwoWeights.loss_and_gradient expects two values; received shape {w.shape}.")
        old = [self._array(k, name)[i] for k, name, i in self.where]
        try:
            for (k, name, i), value in zip(self.where, w):
                self._array(k, name)[i] = value
            loss, grads = gradients(self.model, self.x, self.y)
        finally:
            for (k, name, i), value in zip(self.where, old):
                self._array(k, name)[i] = value
        return loss, np.array([grads[k][name][i] for k, name, i in self.where], dtype=np.float64)

    def surface(self, w1_values, w2_values):
        """The loss on a grid: ``losses[r, c]`` at w1 = w1_values[c], w2 = w2_values[r] (rows: w2, as a contour plot reads)."""
        return np.array([[self.loss_and_gradient([a, b])[0] for a in w1_values] for b in w2_values])


def lecture_head_problem(count=200, first=(0, "kernel", (343, 3)), second=(0, "bias", (3,))):
    """Two weights of the lecture CNN's last layer, the rest frozen, on ``count`` test digits: a ``TwoWeights``.

    The convolutions' features of the digits (the ``Flatten`` output, 1568 values each) are
    computed once; the "tiny model" is the dense layer on top of them (a copy of the lecture
    CNN's, compiled with its loss), so a loss costs one matrix product. The default weights
    are the kernel weight from feature 343, a feature that is large on most digits, to class
    3, and class 3's bias: both add to class 3's score on most digits, so the loss surface
    is a long, narrow, diagonal valley.
    """
    from . import keras
    from .datasets import load_mnist
    from .pretrained import load_lecture_cnn

    count = _count("count", count, "lecture_head_problem", 1)
    cnn = load_lecture_cnn()
    _, (x_test, y_test) = load_mnist(progressbar=False)
    images = (x_test[:count] / 255.0).astype(np.float32)[..., None]  # (count, 28, 28, 1)
    features = cnn.forward(images, keep=True)[4]  # the Flatten output, (count, 1568)
    dense = cnn.layers[5]
    head = keras.models.Sequential(
        [keras.layers.Dense(10, activation="softmax", input_shape=features.shape[1:])]
    )
    head.build(features.shape[1:])
    head.set_weights([dense.params["kernel"], dense.params["bias"]])
    head.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return TwoWeights(head, features, y_test[:count], first, second)


def optimizer_path(problem, optimizer, start, steps):
    """Where ``optimizer`` takes the two weights of ``problem`` (a ``TwoWeights``) in ``steps`` steps.

    Returns ``(path, losses)``: path (steps + 1, 2), the weights before each step and after
    the last; losses (steps + 1,).
    """
    if not isinstance(problem, TwoWeights):
        raise TypeError(f"optimizer_path expects a TwoWeights problem; received {type(problem).__name__}.")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer_path expects a cnnviz optimizer; received {type(optimizer).__name__}.")
    w = _floats("start", start, "optimizer_path", 1)
    steps = _count("steps", steps, "optimizer_path")
    path, losses = [], []
    for step in range(steps + 1):
        loss, g = problem.loss_and_gradient(w)
        path.append(w.copy())
        losses.append(loss)
        if step < steps:
            w = one_step(optimizer, w, g, key="two weights")
    return np.array(path), np.array(losses)


def epoch_batch_losses(model, x, y, batch_size, shuffle, seed=0):
    """Train ``model`` (compiled) for one epoch, batch by batch; the loss of each batch as it was trained.

    With ``shuffle`` the samples are visited in a random order (``seed``); without, in the
    order given. The model's weights change (it trains).
    """
    batch_size = _count("batch_size", batch_size, "epoch_batch_losses", 1)
    order = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))
    losses = []
    for k in range(0, len(x), batch_size):
        rows = order[k : k + batch_size]
        logs = model.train_on_batch(x[rows], y[rows], return_dict=True)  # one step of training
        losses.append(logs["loss"])
    return np.array(losses)


# -- changing a prediction ---------------------------------------------------------------------------
def targeted_sign_steps(model, image, target, step=0.01, max_steps=100):
    """Nudge ``image`` until ``model`` predicts class ``target``: small steps along a gradient's sign.

    Each step adds ``step`` · sign(d(score_target − score_predicted)/d(image)) to every pixel
    (the scores before the softmax, gradients from ``inside.saliency``) and keeps the pixels
    in [0, 1]: the fast gradient sign method of Goodfellow, Shlens and Szegedy (2015), repeated
    in small steps (Kurakin, Goodfellow and Bengio, 2017). Returns ``(changed image, steps
    taken)``; ValueError if ``max_steps`` steps are not enough.
    """
    a = _floats("image", image, "targeted_sign_steps")
    target = _count("target", target, "targeted_sign_steps")
    step = _positive("step", step, "targeted_sign_steps")
    max_steps = _count("max_steps", max_steps, "targeted_sign_steps", 1)
    x = a.copy()
    for n in range(max_steps + 1):
        batch = x.reshape(1, *model.built_input_shape) if model.built_input_shape else x[None]
        predicted = int(np.argmax(model.predict(batch.astype(np.float32), verbose=0)[0]))
        if predicted == target:
            return x, n
        if n == max_steps:
            break
        # raise the target's score, lower the predicted class's score
        direction = saliency(model, x, target) - saliency(model, x, predicted)
        x = np.clip(x + step * np.sign(direction), 0.0, 1.0)
    raise ValueError(
        f"targeted_sign_steps: {max_steps} steps of {step} did not make the model predict {target}; "
        "try a larger step or more steps."
    )


def tiny_cnn_loss_from(name, value, values):
    """The tiny CNN's loss recomputed from one of its values onwards, the weights as in ``values``.

    ``name`` is "z" (the convolution's output), "a" (after ReLU), "p" (pooled) or "s" (the
    scores); ``value`` replaces that value. A finite difference of this function checks the
    backward pass from the loss down to that value.

    >>> v = tiny_cnn_forward(np.ones((4, 4)), np.ones((3, 3)), 0.0, np.zeros((1, 2)), np.zeros(2), 0)
    >>> round(tiny_cnn_loss_from("s", np.array([0.0, 0.0]), v), 4)
    0.6931
    """
    stages = ("z", "a", "p", "s")
    if name not in stages:
        raise ValueError(f"tiny_cnn_loss_from expects name in {stages}; received {name!r}.")
    if not isinstance(values, dict) or "caches" not in values:
        raise TypeError("tiny_cnn_loss_from expects the dict that tiny_cnn_forward returned.")
    v = _floats("value", value, "tiny_cnn_loss_from")
    if v.shape != np.shape(values[name]):
        raise ValueError(
            f"tiny_cnn_loss_from: {name} has shape {np.shape(values[name])}; received value of shape {v.shape}."
        )
    W, c, label = values["W"], values["c"], np.array([values["label"]])
    if name == "z":
        v = ops.relu_forward(v)[0]
    if name in ("z", "a"):
        v = ops.max_pool2d_forward(v[None, :, :, None], pool_size=2, strides=1)[0][0, :, :, 0]
    if name != "s":
        v = ops.dense_forward(v.reshape(1, -1), W, c)[0][0]
    return ops.sparse_categorical_crossentropy_forward(v[None], label)[0]
