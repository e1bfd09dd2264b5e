"""Size arithmetic for sliding windows: output sizes and padding, in one place.

Convolution and pooling share one formula per spatial axis (ERRATA 3). With an
input of length L, a window of K cells, P zero cells added on each side and a
step (stride) of S cells, the number of window positions is

    L' = ⌊(L + 2P − K) / S⌋ + 1

When the two sides are padded differently (Keras' "same" padding can add one
more cell at the bottom/right), 2P becomes P_before + P_after. With dilation D
the window spans D·(K − 1) + 1 cells, and that extent takes K's place.

Which cells does a window read? Output cell i's window starts at input cell
i·S − P_before and has taps D cells apart: cells i·S − P_before + u·D for
u = 0 .. K − 1 (``window_cells``). Turned around, input cell r is read by every
output cell i with r = i·S − P_before + u·D for some tap u (``windows_reading``),
and a run of output cells reads a run of input cells (``input_span``): the
receptive field of one layer.

A transposed convolution runs this backwards: L' = (L − 1)·S + max(K, S) cells for
"valid" and L·S for "same" (``transposed_output_length``).

Every function here works on plain Python integers, one axis at a time, so a
notebook can show the arithmetic with the learner's own numbers.

>>> output_length(L=28, K=3, P=1, S=1)
28
>>> output_length(L=7, K=3, P=0, S=2)
3
>>> resolve_padding("same", L=28, K=2, S=2)
(0, 0)
>>> resolve_padding("same", L=5, K=4, S=1)
(1, 2)
>>> print(formula_text(L=7, K=3, P=0, S=2))
L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3
>>> list(window_cells(1, K=3, P=1, S=2)), windows_reading(1, L_out=3, K=3, P=1, S=2)
([1, 2, 3], [0, 1])
"""

from __future__ import annotations

import math
import numbers

from ._checks import check_range

__all__ = [
    "ARITHMETIC_MODES",
    "PADDING_MODES",
    "check_int",
    "formula_text",
    "input_span",
    "kernel_extent",
    "output_length",
    "output_shape",
    "pad_pair",
    "per_axis",
    "resolve_padding",
    "same_padding",
    "spatial_pairs",
    "transposed_output_length",
    "window_cells",
    "window_geometry",
    "windows_reading",
]


PADDING_MODES = ("valid", "same")  # what the layers and ops take
ARITHMETIC_MODES = (*PADDING_MODES, "full")  # and what the arithmetic pictures draw besides


def check_int(name: str, value, minimum: int) -> int:
    """Return ``value`` as an ``int`` if it is a whole number ``>= minimum``.

    Booleans and floats are refused (``2.0`` is a float, not a size), so a
    typo like ``strides=1.5`` fails here with the parameter's name instead of
    somewhere deep in numpy.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a whole number (int); received {name}={value!r} of type {type(value).__name__}."
        )
    return check_range(None, name, value, low=minimum, integer=True)  # the range, as every check says it


def kernel_extent(K: int, D: int = 1) -> int:
    """Cells covered by a window of ``K`` taps spaced ``D`` apart: D·(K − 1) + 1."""
    return D * (K - 1) + 1


def formula_text(L, K, P=0, S=1, D=1) -> str:
    """The output-size formula with the numbers substituted, as one line of text.

    ``P`` is an int (the same on both sides) or a pair ``(before, after)``.
    The text follows the notes' form ⌊(L + 2P − K)/S⌋ + 1; with uneven padding
    it shows P_before + P_after, and with dilation it shows the extent. Values
    that make no sense are shown as received, and the result is left out.

    >>> print(formula_text(L=5, K=4, P=(1, 2), S=1))
    L' = ⌊(5 + 1 + 2 − 4) / 1⌋ + 1 = ⌊4 / 1⌋ + 1 = 5
    >>> print(formula_text(L=3, K=5, P=0, S=1))
    L' = ⌊(3 + 2·0 − 5) / 1⌋ + 1 = ⌊-2 / 1⌋ + 1 = -1, fewer than 1 position
    """
    if isinstance(P, (tuple, list)) and len(P) == 2:
        before, after = P
    else:
        before = after = P
    pad = f"2·{_num(before)}" if before == after else f"{_num(before)} + {_num(after)}"
    if not all(_is_int(v, 1) for v in (L, K, S, D)) or not all(_is_int(v, 0) for v in (before, after)):
        return f"L' = ⌊({L} + {pad} − {K}) / {S}⌋ + 1"
    E = kernel_extent(K, D)
    top = L + before + after - E
    text = f"L' = ⌊({L} + {pad} − {E}) / {S}⌋ + 1 = ⌊{top} / {S}⌋ + 1 = {top // S + 1}"
    if top < 0:
        text += ", fewer than 1 position"
    if D != 1:
        text += f"   (the dilated kernel spans D·(K − 1) + 1 = {D}·({K} − 1) + 1 = {E} cells)"
    return text


def output_length(L, K, P=0, S=1, D=1, *, axis: str = "") -> int:
    """Number of window positions along one axis: ⌊(L + 2P − K)/S⌋ + 1.

    Parameters
    ----------
    L : int
        Input length along this axis (>= 1).
    K : int
        Window (kernel or pool) size along this axis (>= 1).
    P : int or (int, int)
        Zero padding on each side, or ``(before, after)`` (>= 0).
    S : int
        Stride, the step between window positions (>= 1).
    D : int
        Dilation, the spacing between the window's taps (>= 1).
    axis : str
        Name of the axis ("height", "width", ...) used in error messages.

    Raises
    ------
    ValueError
        If a value is not a whole number in range, or the padded input is
        shorter than the window; the message names L, K, P, S and shows the
        formula with those numbers.
    """
    where = f" along {axis}" if axis else ""
    if isinstance(P, (tuple, list)) and len(P) == 2:
        before, after = P
    else:
        before = after = P
    shown = f"L={L}, K={K}, P={before if before == after else (before, after)}, S={S}" + (
        f", D={D}" if D != 1 else ""
    )
    problems = [
        (
            f"{name} must be a whole number >= {low} (received {name}={value!r})"
            if not _is_int(value, low, largest=math.inf)
            else f"{name} is larger than any array can be (received {name}={value!r}; at most {LARGEST:,})"
        )
        for name, value, low in (
            ("L", L, 1),
            ("K", K, 1),
            ("P", before, 0),
            ("P", after, 0),
            ("S", S, 1),
            ("D", D, 1),
        )
        if not _is_int(value, low)
    ]
    if problems:
        raise ValueError(
            f"Impossible window{where}: {'; '.join(dict.fromkeys(problems))}. "
            f"Received {shown} in {formula_text(L, K, P, S, D)}."
        )
    E = kernel_extent(K, D)
    if L + before + after < E:
        raise ValueError(
            f"Impossible output size{where}: the window (K={K}"
            + (f", spanning {E} cells with dilation D={D}" if D != 1 else "")
            + f") is larger than the padded input (L + P_before + P_after = {L + before + after}). "
            f"Received {shown}: {formula_text(L, K, P, S, D)}. "
            "Use a smaller kernel, more padding, or a larger input."
        )
    return (L + before + after - E) // S + 1


def same_padding(L: int, K: int, S: int = 1, D: int = 1) -> tuple[int, int]:
    """Per-side padding of Keras' ``padding="same"``: output length ⌈L/S⌉.

    The total padding is whatever makes the last window end at the input's
    end; when it is odd, the extra cell goes after (bottom/right), as in Keras
    and TensorFlow (ERRATA 4).

    >>> same_padding(L=28, K=3)
    (1, 1)
    >>> same_padding(L=28, K=4)
    (1, 2)
    >>> same_padding(L=7, K=3, S=2)
    (1, 1)
    """
    if not all(_is_int(v, 1) for v in (L, K, S, D)):
        output_length(L, K, 0, S, D)  # raises, naming the value that is wrong
    out = -(-L // S)  # ⌈L / S⌉
    total = max((out - 1) * S + kernel_extent(K, D) - L, 0)
    return total // 2, total - total // 2


def transposed_output_length(L, K, S=1, padding="valid", *, axis: str = "") -> int:
    """Output length of a transposed convolution (Keras' ``Conv2DTranspose``) along one axis.

    Each of the L input cells adds a copy of the K-cell kernel into the
    output, S cells after the previous copy; together the copies cover
    (L − 1)·S + K cells.

    * ``"valid"`` keeps them all: L' = (L − 1)·S + K. When the kernel is
      shorter than the step (K < S), Keras still makes the output L·S long,
      and the last S − K cells receive only the bias. In one formula,
      L' = (L − 1)·S + max(K, S).
    * ``"same"`` gives L' = L·S, undoing the size change of a "same"
      convolution with stride S. The K − S extra cells (if K > S) are
      cropped, ⌊(K − S)/2⌋ at the start and the rest at the end.

    Either way, the ordinary convolution with the same K, S and padding maps
    length L' back to length L: the transposed convolution is its backward pass.

    Parameters
    ----------
    L : int
        Input length along this axis (>= 1).
    K : int
        Kernel size along this axis (>= 1).
    S : int
        Stride (>= 1): the output grows by S cells per input cell.
    padding : "valid" or "same"
    axis : str
        Name of the axis used in error messages.

    >>> transposed_output_length(L=4, K=3, S=2, padding="valid")  # (4 − 1)·2 + 3
    9
    >>> transposed_output_length(L=4, K=3, S=2, padding="same")  # 4·2
    8
    >>> transposed_output_length(L=4, K=1, S=2, padding="valid")  # K < S: (4 − 1)·2 + max(1, 2)
    8
    """
    where = f" along {axis}" if axis else ""
    problems = [
        f"{name} must be a whole number >= 1 (received {name}={value!r})"
        for name, value in (("L", L), ("K", K), ("S", S))
        if not _is_int(value, 1)
    ]
    mode = padding.lower() if isinstance(padding, str) else None
    if mode not in PADDING_MODES:
        problems.append(f"padding must be one of {PADDING_MODES} (received padding={padding!r})")
    if problems:
        raise ValueError(
            f"Impossible transposed convolution{where}: {'; '.join(problems)}. "
            f"Received L={L!r}, K={K!r}, S={S!r}, padding={padding!r}."
        )
    if mode == "same":
        return L * S
    return (L - 1) * S + max(K, S)


def resolve_padding(
    padding, L: int, K: int, S: int = 1, D: int = 1, *, axis: str = "", modes=PADDING_MODES
) -> tuple[int, int]:
    """Turn a padding argument into the ``(before, after)`` cells for one axis: the one parser.

    ``padding`` is ``"valid"`` (no padding), ``"same"`` (output ⌈L/S⌉), an int P (P cells
    on both sides) or a pair ``(before, after)``. With ``modes=ARITHMETIC_MODES`` it may
    also be ``"full"``: every cell a window can touch, P = D·(K − 1) on each side, so that
    L' = L + D·(K − 1). The layers take only ``PADDING_MODES``.

    >>> resolve_padding("full", L=5, K=3, modes=ARITHMETIC_MODES)
    (2, 2)
    >>> resolve_padding("full", L=5, K=3, D=2, modes=ARITHMETIC_MODES)
    (4, 4)
    """
    where = f" along {axis}" if axis else ""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid" and mode in modes:
            return 0, 0
        if mode == "same" and mode in modes:
            return same_padding(L, K, S, D)
        if mode == "full" and mode in modes:
            if not all(_is_int(v, 1) for v in (K, D)):
                output_length(1, K, 0, 1, D)  # raises, naming the value that is wrong
            full = kernel_extent(K, D) - 1
            return full, full
        hint = ""
        if mode == "full" and all(_is_int(v, 1) for v in (K, D)):
            hint = f' ("full" padding is P = D·(K − 1) = {kernel_extent(K, D) - 1} cells: write that number)'
        raise ValueError(
            f"Unknown padding {padding!r}; expected one of {tuple(modes)}, "
            f"a whole number of cells, or a pair (before, after). Received: padding={padding!r}.{hint}"
        )
    return pad_pair(padding, where)


def window_cells(i, K, P=0, S=1, D=1) -> range:
    """The input cells output cell ``i``'s window reads along one axis: i·S − P_before + u·D, u = 0..K − 1.

    Cells are counted in the unpadded input, so a cell below 0 (or at L or beyond) is
    padding. ``P`` is an int (the same on both sides) or ``(before, after)``; only the
    cells before matter here. Resolve "valid" or "same" with ``resolve_padding`` first.

    >>> list(window_cells(0, K=3, P=1))          # the first window hangs one cell over the edge
    [-1, 0, 1]
    >>> list(window_cells(2, K=3, S=2, D=2))     # stride 2 and taps 2 apart: cells 4, 6, 8
    [4, 6, 8]
    """
    K, before, S, D = _window("window_cells", K, P, S, D)
    i = check_int("i", i, 0)
    start = i * S - before
    return range(start, start + kernel_extent(K, D), D)


def windows_reading(r, L_out, K, P=0, S=1, D=1) -> list[int]:
    """The output cells whose window reads input cell ``r`` along one axis: the reverse of ``window_cells``.

    Output cell i reads r when r = i·S − P_before + u·D for a tap u in 0..K − 1, that is
    when r + P_before − u·D is a multiple of S, i = (r + P_before − u·D)/S, and
    0 ≤ i < L_out. ``r`` counts in the unpadded input (negative: a padding cell).

    >>> windows_reading(4, L_out=5, K=3)                # K = 3, S = 1: three windows
    [2, 3, 4]
    >>> windows_reading(4, L_out=5, K=3, S=2)           # stride 2: the windows at 2 and 4
    [1, 2]
    >>> windows_reading(3, L_out=5, K=3, D=2)           # taps 2 apart: tap 1 of window 1, tap 0 of 3
    [1, 3]
    """
    K, before, S, D = _window("windows_reading", K, P, S, D)
    r = check_int("r", r, -LARGEST)
    L_out = check_int("L_out", L_out, 1)
    starts = (r + before - u * D for u in range(K - 1, -1, -1))  # u = K − 1 first: smallest i first
    return [t // S for t in starts if t >= 0 and t % S == 0 and t // S < L_out]


def input_span(i0, i1, L, K, P=0, S=1, D=1) -> tuple[int, int]:
    """The input cells [r0, r1) that output cells [i0, i1) read along one axis: one layer's receptive field.

    r0 is the first cell of the input (0..L − 1) that one of the windows reads, r1 one past
    the last; padding is left out. Without dilation that is the first window's start
    i0·S − P_before and the last window's end (i1 − 1)·S − P_before + K, clipped to
    0..L. The span is the smallest run holding every cell read, so with dilation or with
    S > K it also holds cells between the taps. Windows that read only padding give an
    empty span (r0 == r1).

    >>> input_span(0, 1, L=28, K=3, P=1)      # a "same" 3×3 window at the edge: 2 cells and padding
    (0, 2)
    >>> input_span(1, 3, L=10, K=3, S=2)      # windows 1 and 2: cells 2..6
    (2, 7)
    >>> input_span(0, 1, L=9, K=2, P=1, D=3)  # taps at −1 (padding) and 2: only cell 2
    (2, 3)
    """
    K, before, S, D = _window("input_span", K, P, S, D)
    L = check_int("L", L, 1)
    i0 = check_int("i0", i0, 0)
    i1 = check_int("i1", i1, i0 + 1)
    E = kernel_extent(K, D)
    firsts, lasts = [], []
    for i in range(i0, i1):  # from the left: the windows hanging over the start, and the first that does not
        start = i * S - before
        firsts += _taps_inside(start, K, D, L)[:1]
        if start >= 0:
            break
    for i in range(i1 - 1, i0 - 1, -1):  # from the right: the windows hanging over the end, and the next
        start = i * S - before
        lasts += _taps_inside(start, K, D, L)[1:]
        if start + E <= L:
            break
    if not firsts:  # nothing but padding
        r = min(max(i0 * S - before, 0), L)
        return r, r
    return min(firsts), max(lasts) + 1


def _taps_inside(start, K, D, L) -> tuple[int, ...]:
    """(first, last) of the taps start + u·D (u = 0..K − 1) that land in 0..L − 1, or () if none does."""
    first = max(0, -(start // D))  # the smallest u with start + u·D ≥ 0: ⌈−start / D⌉
    last = min(K - 1, (L - 1 - start) // D)  # the largest u with start + u·D ≤ L − 1
    return (start + first * D, start + last * D) if first <= last else ()


def _window(func, K, P, S, D):
    """K, P_before, S and D of one window checked: whole numbers in range, a numeric padding."""
    if isinstance(P, str):
        raise TypeError(
            f"{func} takes the padding as cells, an int or (before, after); received P={P!r}. "
            f'Turn "valid", "same" or "full" into cells with resolve_padding first.'
        )
    before, _ = pad_pair(P)
    return check_int("K", K, 1), before, check_int("S", S, 1), check_int("D", D, 1)


_GEOMETRIES = {}  # repr of window_geometry's arguments → its result (see window_geometry)


def window_geometry(spatial_shape, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Per-axis output sizes and paddings for a sliding window over an N-D grid.

    Parameters
    ----------
    spatial_shape : tuple of int
        The input's spatial sizes, e.g. ``(H, W)`` or ``(L,)``.
    kernel_size, strides, dilation_rate : int or tuple of int
        One value for every axis, or one per axis.
    padding : str, int, or tuple
        ``"valid"``, ``"same"``, an int, one entry per axis (an int or a
        ``(before, after)`` pair).

    Returns
    -------
    out_shape : tuple of int
        The output's spatial sizes.
    pads : tuple of (int, int)
        The ``(before, after)`` padding used on each axis.

    >>> window_geometry((28, 28), 3, 1, "same")
    ((28, 28), ((1, 1), (1, 1)))
    >>> window_geometry((5, 6), (2, 3), (2, 1), "valid")
    ((2, 4), ((0, 0), (0, 0)))

    A training step asks the same few questions again and again (each convolution and
    pooling, forward, and every check of the model's shapes): checking and computing an answer
    takes 16 µs, looking it up 2-4 µs. Answers are kept only for arguments made of Python
    ints, strings, tuples and lists, by their ``repr``, which tells ``1`` from ``True`` and
    ``1.0`` (``==`` would not); wrong arguments raise every time.
    """
    arguments = (spatial_shape, kernel_size, strides, padding, dilation_rate)
    key = repr(arguments) if _plain(arguments) else None
    known = _GEOMETRIES.get(key)
    if known is None:
        known = _window_geometry(*arguments)
        if key is not None:
            if len(_GEOMETRIES) >= 4096:
                _GEOMETRIES.clear()
            _GEOMETRIES[key] = known
    return known


def _plain(value) -> bool:
    """True for Python ints (not bools), strings, and tuples and lists of them: values whose repr is their value."""
    kind = type(value)
    if kind is int or kind is str:
        return True
    if kind is not tuple and kind is not list:
        return False
    for item in value:
        if not _plain(item):
            return False
    return True


def _window_geometry(spatial_shape, kernel_size, strides, padding, dilation_rate):
    names = ("height", "width") if len(spatial_shape) == 2 else ("length",) * len(spatial_shape)
    n = len(spatial_shape)
    Ks = per_axis("kernel_size", kernel_size, n)
    Ss = per_axis("strides", strides, n)
    Ds = per_axis("dilation_rate", dilation_rate, n)
    if isinstance(padding, str) or isinstance(padding, numbers.Integral):
        Ps = (padding,) * n
    else:
        Ps = per_axis("padding", padding, n)
    out, pads = [], []
    for L, K, S, D, P, name in zip(spatial_shape, Ks, Ss, Ds, Ps, names):
        before_after = resolve_padding(P, L, K, S, D, axis=name)
        out.append(output_length(L, K, before_after, S, D, axis=name))
        pads.append(before_after)
    return tuple(out), tuple(pads)


def per_axis(name: str, value, n: int) -> tuple:
    """Expand an int to ``n`` equal values, or check that a sequence has ``n``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        values = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an int or a sequence of {n} ints; received {name}={value!r}."
        ) from None
    if len(values) != n:
        raise ValueError(f"{name} needs one value per spatial axis ({n}); received {name}={value!r}.")
    return values


def spatial_pairs(name: str, value, func: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras' three forms of a 2D padding or cropping, as ``((top, bottom), (left, right))``.

    An int (the same on all four sides), a pair ``(rows, columns)`` (the same
    on both ends of an axis), or the two pairs themselves.

    >>> spatial_pairs("padding", 1, "f"), spatial_pairs("padding", (1, 2), "f")
    (((1, 1), (1, 1)), ((1, 1), (2, 2)))
    >>> spatial_pairs("cropping", ((0, 1), (2, 3)), "f")
    ((0, 1), (2, 3))
    """

    def pair(v):
        return isinstance(v, (tuple, list)) and len(v) == 2

    if _is_int(value, 0):
        pairs = ((value, value), (value, value))
    elif pair(value) and all(_is_int(v, 0) for v in value):
        pairs = ((value[0], value[0]), (value[1], value[1]))
    elif pair(value) and all(pair(p) and all(_is_int(v, 0) for v in p) for p in value):
        pairs = value
    else:
        raise ValueError(
            f"{func} expects {name} as a whole number of cells >= 0, a pair (rows, columns), or "
            f"((top, bottom), (left, right)); received {name}={value!r}."
        )
    return tuple((int(a), int(b)) for a, b in pairs)


def output_shape(spatial_shape, kernel_size, pads, strides, dilation_rate) -> tuple[int, ...]:
    """``output_length`` on every spatial axis, with ``(before, after)`` padding per axis.

    >>> output_shape((28, 28), (3, 3), ((1, 1), (1, 1)), (2, 2), (1, 1))
    (14, 14)
    """
    return tuple(
        output_length(L, K, P, S, D)
        for L, K, P, S, D in zip(spatial_shape, kernel_size, pads, strides, dilation_rate)
    )


def _num(value) -> str:
    """A number as it stands in a formula: negative ones in parentheses."""
    return f"({value})" if isinstance(value, numbers.Real) and value < 0 else str(value)


LARGEST = 2**31 - 1  # no array has a side this long: a larger size or step is a typo


def _is_int(value, minimum: int, largest=LARGEST) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and minimum <= value <= largest


def pad_pair(P, where: str = "") -> tuple[int, int]:
    """Check an explicit padding of one axis (an int or a pair) and return ``(before, after)``.

    >>> pad_pair(2), pad_pair((0, 1))
    ((2, 2), (0, 1))
    """
    pair = (P, P) if not isinstance(P, (tuple, list)) else tuple(P)
    if len(pair) != 2 or not all(_is_int(v, 0) for v in pair):
        raise ValueError(
            f"padding{where} must be 'valid', 'same', a whole number of cells >= 0, "
            f"or a pair (before, after) of them; received padding={P!r}."
        )
    return int(pair[0]), int(pair[1])
