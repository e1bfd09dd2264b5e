"""Input checks shared by the functional core: arrays, shapes and dtypes.

Every check raises ``TypeError`` or ``ValueError`` with a message that says what
was expected, what was received, and, where it helps a learner, what to do.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_model_input",
    "as_real_array",
    "check_bias",
    "check_grad_shape",
    "check_ndim",
    "check_number",
]


def as_real_array(name: str, a, *, func: str) -> np.ndarray:
    """Return ``a`` as a float array (float32 or float64), refusing non-numbers.

    Integers and booleans become float64, so small hand-made examples such as
    ``[1, 2, 3]`` work and give exact results. float16 becomes float32. The
    caller's array is never modified (a float array is returned as is, and the
    core never writes into its inputs).
    """
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if kind == "f":
        return arr if arr.dtype.itemsize >= 4 else arr.astype(np.float32)
    if kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{func} expects {name} to hold real numbers (a float or int array); "
        f"received {name} with dtype {arr.dtype}."
    )


def check_ndim(name: str, a: np.ndarray, ndim: int, layout: str, *, func: str, hint: str = "") -> None:
    """Refuse an array whose number of dims differs from ``ndim``."""
    if a.ndim != ndim:
        raise ValueError(
            f"{func} expects {name} with {ndim} dims {layout}; received {name}.shape={a.shape}."
            + (f" {hint}" if hint and a.ndim == ndim - 1 else "")
        )


def check_bias(b, F: int, dtype, *, func: str):
    """Return the bias as an array of shape ``(F,)`` in ``dtype`` (or None)."""
    if b is None:
        return None
    b = as_real_array("b", b, func=func)
    if b.shape != (F,):
        raise ValueError(f"{func} expects one bias per kernel, b.shape=({F},); received b.shape={b.shape}.")
    return b.astype(dtype, copy=False)


def check_grad_shape(dy: np.ndarray, expected: tuple, *, func: str) -> np.ndarray:
    """The upstream gradient must have the forward output's shape."""
    dy = as_real_array("dy", dy, func=func)
    if dy.shape != tuple(expected):
        raise ValueError(
            f"{func} expects dy with the forward output's shape {tuple(expected)}; "
            f"received dy.shape={dy.shape}."
        )
    return dy


def check_number(name: str, value, *, func: str, minimum: float | None = None) -> float:
    """Return ``value`` as a float if it is one finite real number (``>= minimum`` when given).

    For the scalar settings of an op (a slope, a scale), not for arrays. Booleans are
    refused: ``True`` is not a slope.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{func} expects {name} as one real number; received {name}={value!r} of type {type(value).__name__}."
        )
    if not math.isfinite(value) or (minimum is not None and value < minimum):
        at_least = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"{func} expects {name} as a finite number{at_least}; received {name}={value!r}.")
    return float(value)


def as_model_input(x) -> np.ndarray:
    """A batch for a model: numbers, as float32 (the weights' dtype), without copying float32 input."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"Model inputs must be numbers; received dtype {x.dtype}.")
    return x.astype(np.float32, copy=False)
