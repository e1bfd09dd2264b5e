"""cnnviz.sizes: the output-size formula L' = ⌊(L + 2P − K)/S⌋ + 1, "same" padding, errors."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnviz
from cnnviz import sizes

# --- output_length on hand examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(L=28, K=3, P=1, S=1), 28),  # ⌊(28 + 2 − 3)/1⌋ + 1 = 28: "same" for K=3
        (dict(L=7, K=3, P=0, S=2), 3),  # ⌊(7 − 3)/2⌋ + 1 = 3
        (dict(L=5, K=3), 3),  # case 1: L' = L − K + 1
        (dict(L=4, K=4), 1),  # K equal to L: one position
        (dict(L=8, K=2, P=0, S=3), 3),  # stride > kernel: ⌊6/3⌋ + 1 = 3
        (dict(L=3, K=5, P=1, S=1), 1),  # padding makes room: ⌊(3 + 2 − 5)/1⌋ + 1 = 1
        (dict(L=5, K=4, P=(1, 2), S=1), 5),  # uneven padding: ⌊(5 + 1 + 2 − 4)/1⌋ + 1 = 5
        (dict(L=5, K=4, P=(0, 1), S=2), 2),  # ⌊(5 + 0 + 1 − 4)/2⌋ + 1 = 2
        (dict(L=6, K=2, P=[2, 0], S=1), 7),  # a list works like a pair
        (dict(L=7, K=3, P=0, S=1, D=2), 3),  # extent 2·(3 − 1) + 1 = 5: ⌊(7 − 5)/1⌋ + 1 = 3
        (dict(L=9, K=2, P=0, S=2, D=3), 3),  # extent 3·1 + 1 = 4: ⌊(9 − 4)/2⌋ + 1 = 3
    ],
)
def test_output_length_hand_examples(kwargs, expected):
    """output_length matches the formula worked by hand."""
    assert sizes.output_length(**kwargs) == expected


@pytest.mark.parametrize(("K", "D", "extent"), [(1, 1, 1), (3, 1, 3), (3, 2, 5), (2, 4, 5), (4, 3, 10)])
def test_kernel_extent(K, D, extent):
    """A dilated kernel spans D·(K − 1) + 1 cells."""
    assert sizes.kernel_extent(K, D) == extent


@given(L=st.integers(1, 40), K=st.integers(1, 8), D=st.integers(1, 3), S=st.integers(1, 4))
@settings(max_examples=60)
def test_dilation_is_the_same_as_a_kernel_of_its_extent(L, K, D, S):
    """With dilation D, the output length equals that of an undilated kernel of size D·(K−1)+1."""
    E = D * (K - 1) + 1
    P = E  # enough padding that every combination is possible
    assert sizes.output_length(L, K, P, S, D) == sizes.output_length(L, E, P, S)
    assert sizes.output_length(L, K, P, S, D) == (L + 2 * P - E) // S + 1


# --- same padding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("L", "K", "S", "D", "expected"),
    [
        (28, 3, 1, 1, (1, 1)),  # total 2, split evenly
        (28, 4, 1, 1, (1, 2)),  # total 3: the odd cell goes after (bottom/right)
        (28, 2, 2, 1, (0, 0)),  # ⌈28/2⌉ = 14 windows fit exactly
        (7, 3, 2, 1, (1, 1)),  # ⌈7/2⌉ = 4: total (4 − 1)·2 + 3 − 7 = 2
        (6, 4, 2, 1, (1, 1)),  # ⌈6/2⌉ = 3: total 2·2 + 4 − 6 = 2
        (5, 4, 2, 1, (1, 2)),  # ⌈5/2⌉ = 3: total 2·2 + 4 − 5 = 3
        (5, 1, 3, 1, (0, 0)),  # stride > kernel: the total would be negative, so 0
        (10, 3, 1, 2, (2, 2)),  # extent 5: total 4
    ],
)
def test_same_padding_examples(L, K, S, D, expected):
    """same_padding gives Keras' per-side padding, extra cell after."""
    assert sizes.same_padding(L, K, S, D) == expected


@given(L=st.integers(1, 64), K=st.integers(1, 9), S=st.integers(1, 5), D=st.integers(1, 3))
@settings(max_examples=60)
def test_same_padding_gives_ceil_L_over_S(L, K, S, D):
    """ "same" padding always yields ⌈L/S⌉ positions and puts the odd cell after."""
    before, after = sizes.same_padding(L, K, S, D)
    assert 0 <= before <= after <= before + 1
    assert sizes.output_length(L, K, (before, after), S, D) == math.ceil(L / S)
    assert sizes.resolve_padding("same", L, K, S, D) == (before, after)


# --- resolve_padding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("padding", "expected"),
    [
        ("valid", (0, 0)),
        ("same", (1, 2)),  # L=5, K=4, S=1: total 3
        (0, (0, 0)),
        (2, (2, 2)),
        ((1, 3), (1, 3)),
        ([0, 2], (0, 2)),
    ],
)
def test_resolve_padding(padding, expected):
    """resolve_padding turns "valid", "same", an int or a pair into (before, after)."""
    assert sizes.resolve_padding(padding, L=5, K=4, S=1) == expected


def test_resolve_padding_unknown_string_lists_the_modes():
    """An unknown padding string names the accepted ones; "full" is for the pictures, and says its number."""
    with pytest.raises(
        ValueError, match=r"Unknown padding 'full'.*'valid', 'same'.*P = D·\(K − 1\) = 2 cells"
    ):
        sizes.resolve_padding("full", L=5, K=3)
    with pytest.raises(
        ValueError, match=r"Unknown padding 'half'; expected one of \('valid', 'same', 'full'\)"
    ):
        sizes.resolve_padding("half", L=5, K=3, modes=sizes.ARITHMETIC_MODES)


@pytest.mark.parametrize(
    ("K", "D", "expected"), [(1, 1, (0, 0)), (3, 1, (2, 2)), (3, 2, (4, 4)), (4, 3, (9, 9))]
)
def test_full_padding_lets_every_tap_touch_every_cell(K, D, expected):
    """Full padding: P = D·(K − 1) on each side, so the output is L + D·(K − 1) long and its ends read one cell."""
    pads = sizes.resolve_padding("FULL", L=5, K=K, D=D, modes=sizes.ARITHMETIC_MODES)
    assert pads == expected
    L_out = sizes.output_length(5, K, pads, 1, D)
    assert L_out == 5 + D * (K - 1)
    assert sizes.input_span(0, 1, 5, K, pads, 1, D) == (0, 1)
    assert sizes.input_span(L_out - 1, L_out, 5, K, pads, 1, D) == (4, 5)


def test_full_padding_names_a_bad_kernel():
    with pytest.raises(ValueError, match=r"received K=0"):
        sizes.resolve_padding("full", L=5, K=0, modes=sizes.ARITHMETIC_MODES)


@pytest.mark.parametrize("padding", [-1, (1, -1), (1, 2, 3), 1.5, (1.0, 1)])
def test_resolve_padding_rejects_bad_values(padding):
    """Negative, fractional or badly shaped padding is refused with the value shown."""
    with pytest.raises(ValueError, match=re.escape(f"received padding={padding!r}")):
        sizes.resolve_padding(padding, L=5, K=3)


# --- window_geometry ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (((28, 28), 3, 1, "same"), ((28, 28), ((1, 1), (1, 1)))),
        (((5, 6), (2, 3), (2, 1), "valid"), ((2, 4), ((0, 0), (0, 0)))),
        # H: ⌊(5 + 2 − 2)/1⌋ + 1 = 6; W: ⌊(6 + 0 − 3)/1⌋ + 1 = 4
        (((5, 6), (2, 3), 1, (1, 0)), ((6, 4), ((1, 1), (0, 0)))),
        # per side: H ⌊(5 + 0 + 1 − 2)/2⌋ + 1 = 3; W ⌊(6 + 2 + 0 − 3)/1⌋ + 1 = 6
        (((5, 6), (2, 3), (2, 1), ((0, 1), (2, 0))), ((3, 6), ((0, 1), (2, 0)))),
        # "same" per axis: H ⌈7/2⌉ = 4, total 3·2 + 4 − 7 = 3; W ⌈6/1⌉ = 6, total 1
        (((7, 6), (4, 2), (2, 1), "same"), ((4, 6), ((1, 2), (0, 1)))),
        # dilation per axis: H extent 5, W extent 2
        (((7, 6), (3, 2), 1, "valid", (2, 1)), ((3, 5), ((0, 0), (0, 0)))),
        # one axis (1D): ⌈10/2⌉ = 5, total 4·2 + 3 − 10 = 1, after
        (((10,), 3, 2, "same"), ((5,), ((0, 1),))),
    ],
)
def test_window_geometry(args, expected):
    """window_geometry returns per-axis output sizes and paddings."""
    assert sizes.window_geometry(*args) == expected


def test_window_geometry_names_the_axis_in_errors():
    """An impossible width says "along width"."""
    with pytest.raises(ValueError, match="along width"):
        sizes.window_geometry((5, 2), (2, 3))


def test_window_geometry_keeps_answers_but_never_for_an_equal_looking_wrong_argument():
    """Answers are kept by the arguments' repr: True, 1.0 and (3, True) still fail after 1 and (3, 1) passed."""
    assert sizes.window_geometry((5, 5), 1) == sizes.window_geometry((5, 5), 1) == ((5, 5), ((0, 0), (0, 0)))
    assert sizes.window_geometry((5, 5), (3, 1)) == ((3, 5), ((0, 0), (0, 0)))
    for wrong in (True, 1.0):
        with pytest.raises(TypeError, match="kernel_size must be an int"):
            sizes.window_geometry((5, 5), wrong)
    with pytest.raises(ValueError, match=r"K must be a whole number >= 1 \(received K=True\)"):
        sizes.window_geometry((5, 5), (3, True))
    with np.printoptions(formatter={"int": lambda v: "n"}):  # numpy arrays are not kept: their repr can lie
        assert sizes.window_geometry(np.array([5, 5]), 3)[0] == (3, 3)
        assert sizes.window_geometry(np.array([9, 9]), 3)[0] == (7, 7)
    shape = [5, 5]  # a list: its value at the call is what counts
    assert sizes.window_geometry(shape, 2) == ((4, 4), ((0, 0), (0, 0)))
    shape[0] = 9
    assert sizes.window_geometry(shape, 2) == ((8, 4), ((0, 0), (0, 0)))


@pytest.mark.parametrize("name", ["kernel_size", "strides", "dilation_rate", "padding"])
def test_window_geometry_wants_one_value_per_axis(name):
    """A per-axis parameter with the wrong count names the parameter and the expected count."""
    kwargs = {"kernel_size": 1, "strides": 1, "padding": "valid", "dilation_rate": 1, name: (1, 1, 1)}
    with pytest.raises(ValueError, match=re.escape(f"{name} needs one value per spatial axis (2)")):
        sizes.window_geometry((5, 5), **kwargs)


# --- errors -------------------------------------------------------------------------------------


def test_kernel_larger_than_padded_input_shows_the_numbers():
    """K > L + 2P names L, K, P, S and shows the formula with the numbers."""
    with pytest.raises(ValueError) as info:
        sizes.output_length(L=3, K=5, P=0, S=1)
    message = str(info.value)
    assert "L=3, K=5, P=0, S=1" in message
    assert "⌊(3 + 2·0 − 5) / 1⌋" in message
    assert "Impossible output size" in message


def test_dilated_kernel_too_large_mentions_dilation():
    """A dilated kernel that does not fit names D and its extent."""
    with pytest.raises(ValueError, match=r"spanning 5 cells with dilation D=2.*L=3, K=3, P=0, S=1, D=2"):
        sizes.output_length(L=3, K=3, D=2)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(L=3, K=2, S=0), r"S must be a whole number >= 1 \(received S=0\)"),
        (dict(L=3, K=0), r"K must be a whole number >= 1 \(received K=0\)"),
        (dict(L=3, K=2, P=-1), r"P must be a whole number >= 0 \(received P=-1\)"),
        (dict(L=3, K=2, P=(0, -1)), r"P must be a whole number >= 0 \(received P=-1\)"),
        (dict(L=0, K=1), r"L must be a whole number >= 1 \(received L=0\)"),
        (dict(L=3, K=2.5), r"K must be a whole number >= 1 \(received K=2\.5\)"),
        (dict(L=3, K=2, S=1.0), r"S must be a whole number >= 1 \(received S=1\.0\)"),
        (dict(L=3, K=True), r"K must be a whole number >= 1 \(received K=True\)"),
        (dict(L=5, K=2, D=0), r"D must be a whole number >= 1 \(received D=0\)"),
    ],
)
def test_output_length_rejects_bad_values(kwargs, pattern):
    """Zero, negative or non-integer sizes raise ValueError naming the value."""
    with pytest.raises(ValueError, match=pattern):
        sizes.output_length(**kwargs)


def test_bad_value_message_still_shows_the_formula():
    """Even for a bad value the message shows the formula with the numbers received."""
    with pytest.raises(ValueError, match=re.escape("L=3, K=2, P=0, S=0 in L' = ⌊(3 + 2·0 − 2) / 0⌋ + 1")):
        sizes.output_length(L=3, K=2, P=0, S=0)


def test_same_padding_rejects_bad_values():
    """same_padding refuses a zero stride with the output_length message."""
    with pytest.raises(ValueError, match=r"received S=0"):
        sizes.same_padding(L=5, K=3, S=0)


def test_check_int():
    """check_int accepts whole numbers and refuses floats, booleans and small values."""
    assert sizes.check_int("filters", 3, 1) == 3
    with pytest.raises(TypeError, match=r"received filters=2\.0 of type float"):
        sizes.check_int("filters", 2.0, 1)
    with pytest.raises(TypeError, match=r"received filters=True of type bool"):
        sizes.check_int("filters", True, 1)
    with pytest.raises(ValueError, match=r"filters must be >= 1; received filters=0"):
        sizes.check_int("filters", 0, 1)


# --- formula_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        (dict(L=7, K=3, P=0, S=2), "L' = ⌊(7 + 2·0 − 3) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3"),
        (dict(L=28, K=3, P=1, S=1), "L' = ⌊(28 + 2·1 − 3) / 1⌋ + 1 = ⌊27 / 1⌋ + 1 = 28"),
        (dict(L=5, K=4, P=(1, 2), S=1), "L' = ⌊(5 + 1 + 2 − 4) / 1⌋ + 1 = ⌊4 / 1⌋ + 1 = 5"),
        (
            dict(L=3, K=5, P=0, S=1),
            "L' = ⌊(3 + 2·0 − 5) / 1⌋ + 1 = ⌊-2 / 1⌋ + 1 = -1, fewer than 1 position",
        ),
        (
            dict(L=7, K=3, P=0, S=2, D=2),
            "L' = ⌊(7 + 2·0 − 5) / 2⌋ + 1 = ⌊2 / 2⌋ + 1 = 2"
            "   (the dilated kernel spans D·(K − 1) + 1 = 2·(3 − 1) + 1 = 5 cells)",
        ),
        (dict(L=3, K=2, P=-1, S=1), "L' = ⌊(3 + 2·(-1) − 2) / 1⌋ + 1"),  # nonsense: no result
        (dict(L=3, K=2.5, P=0, S=1), "L' = ⌊(3 + 2·0 − 2.5) / 1⌋ + 1"),
    ],
)
def test_formula_text(kwargs, text):
    """formula_text substitutes the numbers into the notes' formula."""
    assert sizes.formula_text(**kwargs) == text


@given(L=st.integers(1, 50), K=st.integers(1, 9), P=st.integers(0, 4), S=st.integers(1, 5))
@settings(max_examples=50)
def test_formula_text_ends_with_output_length(L, K, P, S):
    """When the window fits, formula_text ends with output_length's value."""
    if L + 2 * P >= K:
        assert sizes.formula_text(L, K, P, S).endswith(f"= {sizes.output_length(L, K, P, S)}")


# --- which cells a window reads, and which windows read a cell -------------------------------------


@st.composite
def windows(draw):
    """(L, K, (P_before, P_after), S, D) of a window that fits: small, with pad = 0, S < K, S > K, D > 1."""
    K, D = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    pads = (draw(st.integers(0, 4)), draw(st.integers(0, 4)))
    L = draw(st.integers(max(1, sizes.kernel_extent(K, D) - sum(pads)), 10))
    return L, K, pads, draw(st.integers(1, 4)), D


def read_by_convolution(L, K, P, S, D):
    """reads[r, i]: does output cell i read input cell r? Brute force: convolve each one-hot input with ones."""
    columns = []
    for r in range(L):
        x = np.zeros(L)
        x[r] = 1.0
        columns.append(cnnviz.conv1d(x, np.ones(K), padding=P, strides=S, dilation_rate=D) != 0)
    return np.array(columns)  # (L, L')


@given(windows())
@settings(max_examples=300, deadline=None)
def test_window_arithmetic_agrees_with_convolving_one_hot_inputs(window):
    """window_cells, windows_reading and input_span, against which outputs a one-hot input reaches."""
    L, K, P, S, D = window
    reads = read_by_convolution(L, K, P, S, D)
    L_out = sizes.output_length(L, K, P, S, D)
    assert reads.shape == (L, L_out)
    for i in range(L_out):
        cells = list(sizes.window_cells(i, K, P, S, D))
        assert len(cells) == K and cells[-1] - cells[0] == sizes.kernel_extent(K, D) - 1
        assert [r for r in cells if 0 <= r < L] == list(np.flatnonzero(reads[:, i]))
    for r in range(-P[0], L + P[1]):  # padding cells too: they are read, but reach nothing
        readers = sizes.windows_reading(r, L_out, K, P, S, D)
        assert readers == [i for i in range(L_out) if r in sizes.window_cells(i, K, P, S, D)]
        if 0 <= r < L:
            assert readers == list(np.flatnonzero(reads[r]))
    for i0 in range(L_out):
        for i1 in range(i0 + 1, L_out + 1):
            read = np.flatnonzero(reads[:, i0:i1].any(axis=1))
            r0, r1 = sizes.input_span(i0, i1, L, K, P, S, D)
            assert (r0, r1) == ((read[0], read[-1] + 1) if read.size else (r0, r0)), (i0, i1)
            assert 0 <= r0 <= r1 <= L


def test_window_arithmetic_by_hand():
    """A 3-tap window with stride 2 and one cell of padding, over 7 cells: L' = ⌊(7 + 2 − 3)/2⌋ + 1 = 4."""
    assert [list(sizes.window_cells(i, 3, 1, 2)) for i in range(4)] == [
        [-1, 0, 1],
        [1, 2, 3],
        [3, 4, 5],
        [5, 6, 7],
    ]
    assert [sizes.windows_reading(r, 4, 3, 1, 2) for r in range(7)] == [
        [0],
        [0, 1],
        [1],
        [1, 2],
        [2],
        [2, 3],
        [3],
    ]
    assert sizes.input_span(0, 4, 7, 3, 1, 2) == (0, 7)
    assert sizes.input_span(1, 3, 7, 3, 1, 2) == (1, 6)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: sizes.window_cells(-1, 3), ValueError, r"i must be >= 0; received i=-1"),
        (lambda: sizes.window_cells(0, 0), ValueError, r"K must be >= 1; received K=0"),
        (lambda: sizes.window_cells(0, 3, S=1.5), TypeError, r"received S=1\.5 of type float"),
        (lambda: sizes.window_cells(0, 3, P="same"), TypeError, r"received P='same'.*resolve_padding"),
        (lambda: sizes.window_cells(0, 3, P=-1), ValueError, r"received padding=-1"),
        (lambda: sizes.windows_reading(2, 0, 3), ValueError, r"L_out must be >= 1; received L_out=0"),
        (lambda: sizes.windows_reading(2.0, 3, 3), TypeError, r"received r=2\.0 of type float"),
        (lambda: sizes.windows_reading(2, 3, 3, D=0), ValueError, r"D must be >= 1; received D=0"),
        (lambda: sizes.input_span(2, 2, 5, 3), ValueError, r"i1 must be >= 3; received i1=2"),
        (lambda: sizes.input_span(0, 1, 0, 3), ValueError, r"L must be >= 1; received L=0"),
    ],
)
def test_window_arithmetic_names_wrong_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# --- the transposed convolution's output size ------------------------------------------------------


@pytest.mark.parametrize(
    ("L", "K", "S", "padding", "expected"),
    [
        (4, 3, 1, "valid", 6),  # (4 − 1)·1 + 3: stride 1 undoes a "valid" convolution
        (4, 3, 1, "same", 4),
        (4, 3, 2, "valid", 9),  # (4 − 1)·2 + 3
        (4, 1, 2, "valid", 8),  # K < S: (4 − 1)·2 + max(1, 2)
        (4, 1, 3, "same", 12),
        (1, 4, 3, "valid", 4),  # one input cell: one whole stamp
        (5, 2, 2, "VALID", 10),  # the mode is not case-sensitive, as in resolve_padding
    ],
)
def test_transposed_output_length(L, K, S, padding, expected):
    """The transposed size formula on hand examples."""
    assert sizes.transposed_output_length(L, K, S, padding) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(L=0, K=3, S=2, padding="valid"), "L must be a whole number >= 1 (received L=0)"),
        (dict(L=4, K=3, S=1.5, padding="same"), "S must be a whole number >= 1 (received S=1.5)"),
        (
            dict(L=4, K=3, S=2, padding="full"),
            "padding must be one of ('valid', 'same') (received padding='full')",
        ),
        (dict(L=4, K=3, S=2, padding=1), "(received padding=1)"),
    ],
)
def test_transposed_output_length_errors(kwargs, message):
    """Bad values are named with what was received."""
    with pytest.raises(ValueError, match=re.escape(message)):
        sizes.transposed_output_length(**kwargs)
