"""Input checks shared by cnnviz: arrays, shapes and dtypes; numbers in a range; names in a registry.

Every check raises ``TypeError`` or ``ValueError`` with a message that says what
was expected, what was received, and, where it helps a learner, what to do.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

__all__ = [
    "allowed_memory_bytes",
    "as_model_input",
    "as_real_array",
    "check_allocation",
    "check_bias",
    "check_bool",
    "check_cache",
    "check_conv_arrays",
    "check_grad_shape",
    "check_ndim",
    "check_number",
    "check_range",
    "lookup",
    "tag",
    "usable_memory_bytes",
]


def as_real_array(name: str, a, *, func: str) -> np.ndarray:
    """Return ``a`` as a float array (float32 or float64), refusing non-numbers.

    Integers and booleans become float64, so small hand-made examples such as
    ``[1, 2, 3]`` work and give exact results. float16 becomes float32. The
    caller's array is never modified (a float array is returned as is, and the
    core never writes into its inputs).
    """
    try:
        arr = np.asarray(a)
    except ValueError:  # numpy's "inhomogeneous shape": rows of different lengths
        raise ValueError(
            f"{func} expects {name} as an array with rows of equal length; received a ragged list "
            f"(its rows differ in length), which is no array."
        ) from None
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


def tag(op: str, **cache) -> dict:
    """A forward pass's cache, labelled with the op that made it (``check_cache`` reads the label)."""
    return {"op": op, **cache}


def check_cache(cache, op: str, *, func: str) -> dict:
    """Refuse a cache that did not come from ``op``'s forward pass, naming what was received."""
    if isinstance(cache, dict) and cache.get("op") == op:
        return cache
    if isinstance(cache, dict) and "op" in cache:
        received = f"the cache of {cache['op']}_forward"
    elif cache is None:
        received = "None (the forward pass's second result is the cache; did you pass the first?)"
    else:
        received = f"a {type(cache).__name__}"
    raise TypeError(f"{func} expects the cache that {op}_forward returned; received {received}.")


# cnnviz allocates at most this share of the memory available when it asks: the rest is the
# system's, the notebook's and the other arrays' (a Binder session has 1-2 GB in all).
ALLOCATION_SHARE = 0.5
# An array smaller than this is allocated without asking the system first: no machine that runs
# a notebook lacks it, and asking reads three files (0.4 ms of a 4 ms training step, asked 3 times).
ALWAYS_ALLOWED_BYTES = 2**26  # 64 MiB


def check_allocation(shape, dtype, *, what: str, func: str) -> None:
    """Refuse to allocate an array larger than half of the memory available, before numpy tries.

    The message gives the shape, the bytes, and the memory there is, so that a typo like
    ``padding=100000`` is explained instead of ending in a MemoryError or a machine swapping
    for minutes. "Available" is what the system can give without swapping (Linux's
    MemAvailable, within the container's limit), or the physical memory where it does not say.
    """
    count = 1
    for n in shape:
        count *= int(n)
    need = count * np.dtype(dtype).itemsize
    if need <= ALWAYS_ALLOWED_BYTES:
        return
    allowed = allowed_memory_bytes()
    if allowed and need > allowed:
        raise ValueError(
            f"{func}: {what} would have shape {tuple(int(n) for n in shape)}, {need / 2**30:,.1f} GiB, more than "
            f"this machine's memory allows ({ALLOCATION_SHARE:.0%} of the memory available now: "
            f"{allowed / 2**30:,.1f} GiB). Check the sizes (a padding, a stride or a batch too large?)."
        )


def allowed_memory_bytes() -> int:
    """The most one allocation may take: ``ALLOCATION_SHARE`` of the memory available (0: unknown)."""
    return int(ALLOCATION_SHARE * usable_memory_bytes())


def usable_memory_bytes() -> int:
    """The memory this process can use now: what the system (or the container) has available,
    else the machine's physical memory where the system does not say (0: unknown)."""
    return _available_memory_bytes() or _memory_bytes()


def _available_memory_bytes() -> int:
    """Memory the system can give now without swapping (0 where it does not say).

    Linux's MemAvailable, capped by the container's limit (cgroup v2, then v1) minus what
    the container already uses: a Binder session sees the host's memory in /proc/meminfo.
    """
    available = 0
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024  # in kB
    except (OSError, ValueError, IndexError):
        return 0
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            with open(limit_file) as limit, open(usage_file) as usage:
                text = limit.read().strip()
                if text != "max" and int(text) < 2**60:  # "max" or a huge number: no limit
                    available = min(available, max(int(text) - int(usage.read()), 0))
                break
        except (OSError, ValueError):
            continue
    return available


def _memory_bytes() -> int:
    """The machine's physical memory in bytes (0 where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not every system has these names
        return 0


def check_conv_arrays(x, w, func, x_layout, w_layout, depth_axis=-2):
    """Validate x and w of a convolution and bring them to one float dtype.

    ``depth_axis`` is the kernel's axis that must match the input's channels: -2 for a
    convolution's (…, C, F), -1 for a transposed convolution's (KH, KW, F, C).
    """
    x = as_real_array("x", x, func=func)
    w = as_real_array("w", w, func=func)
    rank = len(x_layout.split(","))
    check_ndim("x", x, rank, x_layout, func=func, hint="Add a batch axis with x[None].")
    check_ndim("w", w, rank, w_layout, func=func)
    if x.shape[-1] != w.shape[depth_axis]:
        rule = "each kernel's depth" if depth_axis == -2 else "the kernel's last axis"
        raise ValueError(
            f"{func}: x has C={x.shape[-1]} channels (x.shape={x.shape}, layout {x_layout}) but "
            f"w has C={w.shape[depth_axis]} (w.shape={w.shape}, layout {w_layout}); "
            f"{rule} must equal the input's depth."
        )
    if 0 in x.shape or 0 in w.shape:
        raise ValueError(f"{func} needs non-empty arrays; received x.shape={x.shape}, w.shape={w.shape}.")
    dtype = np.result_type(x.dtype, w.dtype)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False)


def check_bool(owner, argument, value) -> bool:
    """Return ``value`` as a bool if it is ``True`` or ``False`` (1 and "yes" are refused: a flag is a flag)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner} expects {argument}=True or False; received {argument}={value!r}.")
    return bool(value)


def check_range(
    owner, argument, value, *, low=-math.inf, high=math.inf, low_open=False, high_open=False, integer=False
):
    """Return ``value`` as a float (an int with ``integer=True``) if it is a finite number in its range.

    The one check behind every scalar setting of a layer, an optimizer, ``fit`` or a
    callback. The range is ``[low, high]``; ``low_open``/``high_open`` leave an end out.
    Booleans are refused (``True`` is no rate), and with ``integer=True`` so are floats
    (``2.0`` is a float, not a count). ``owner`` names who asks (``"Adam"``, ``"fit"``);
    without one the message starts with the argument, as the size checks write it.

    Raises ``TypeError`` for what is not a number and ``ValueError`` for a number outside
    the range or not finite, with the argument, the range and the value received.

    >>> check_range("Dropout", "rate", 0.5, low=0, high=1, high_open=True)
    0.5
    >>> check_range("Adam", "beta_1", 1.5, low=0, high=1, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: Adam expects beta_1 in [0, 1); received beta_1=1.5.
    >>> check_range(None, "batch_size", 0, low=1, integer=True)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be >= 1; received batch_size=0.
    """
    shown = value.item() if isinstance(value, np.generic) else value  # 2.0, not np.float32(2.0)
    expects = f"{owner} expects {argument}" if owner else f"{argument} must be"
    article = "as " if owner else ""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        what = "a whole number (int)" if integer else "a number"
        raise TypeError(f"{expects} {article}{what}; received {argument}={shown!r}.")
    bounds = _bounds_text(low, high, low_open, high_open)
    if not math.isfinite(value):
        raise ValueError(
            f"{expects} {article}a finite number{' ' + bounds if bounds else ''}; received {argument}={shown!r}."
        )
    inside = (low < value if low_open else low <= value) and (value < high if high_open else value <= high)
    if not inside:
        raise ValueError(f"{expects} {bounds}; received {argument}={shown!r}.")
    return int(value) if integer else float(value)


def _bounds_text(low, high, low_open, high_open) -> str:
    """A range in words: ">= 1", "> 0", "<= 1", "in [0, 1)", or "" when there is none."""
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f"{'>' if low_open else '>='} {low:g}"
    if math.isinf(low):
        return f"{'<' if high_open else '<='} {high:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def lookup(kind, identifier, registry, *, where, base=None, argument=None):
    """The thing a Keras identifier names: ``registry``'s entry for a name, or the thing itself.

    One rule for every registry of names (optimizers, losses, metrics, initializers,
    activations):

    * a string names an entry in any case (``"Adam"`` is ``"adam"``);
    * ``None`` is accepted where the registry has a ``None`` key (no activation);
    * with ``base`` (a class), the registry holds subclasses of it: a name gives a new
      object, ``registry[name]()``; an object of ``base`` is returned as it is; the class
      itself is refused with the fix (``write Adam()``);
    * without ``base``, one of the registry's own entries (a function) is returned as it is.

    Anything else is a ``ValueError`` listing the names the registry knows. ``kind`` is
    what a registry holds ("optimizer"), ``argument`` the parameter that received it
    (default: ``kind``), ``where`` the function or class that asks ("compile", "Dense").

    >>> lookup("activation", "ReLU", {None: None, "relu": "relu_pair"}, where="Dense")
    'relu_pair'
    >>> lookup("activation", "gelu", {None: None, "relu": "relu_pair"}, where="Dense")
    Traceback (most recent call last):
    ...
    ValueError: Unknown activation 'gelu'; expected one of ('relu',) or None. Received: Dense(activation='gelu').
    """
    argument = argument or kind
    if base is not None and isinstance(identifier, base):
        return identifier
    if base is not None and isinstance(identifier, type) and issubclass(identifier, base):
        name = identifier.__name__
        names = [key for key, entry in registry.items() if entry is identifier and isinstance(key, str)]
        or_name = f" or {names[0]!r}" if names else ""
        raise TypeError(
            f"{where} expects {_a(kind)} object or name; received the class {name}: "
            f"write {name}() (with parentheses){or_name}."
        )
    if identifier is None and None in registry:
        return registry[None]
    if isinstance(identifier, str) and identifier.lower() in registry:
        entry = registry[identifier.lower()]
        return entry() if base is not None else entry
    if base is None and callable(identifier) and any(identifier is entry for entry in registry.values()):
        return identifier
    names = tuple(key for key in registry if key is not None)
    others = f" or {_a(kind)} object" if base is not None else (" or None" if None in registry else "")
    raise ValueError(
        f"Unknown {argument} {identifier!r}; expected one of {names}{others}. "
        f"Received: {where}({argument}={identifier!r})."
    )


def _a(noun: str) -> str:
    """The noun with its article: "an optimizer", "a loss"."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
