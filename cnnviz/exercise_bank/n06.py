"""Notebook 06's exercises: padding, stride, dilation and the output size."""

from __future__ import annotations

import numpy as np

from ..sizes import kernel_extent, output_length, resolve_padding, transposed_output_length
from ._exercise import Exercise

__all__ = ["EXERCISES"]


def _never_read(L, K, S):
    """Input cells (0-based) that no window reads, with P = 0."""
    read = {i * S + u for i in range(output_length(L, K, 0, S)) for u in range(K)}
    return sorted(set(range(L)) - read)


EXERCISES: list[Exercise] = [
    Exercise(
        id="06.1",
        kind="number",
        answer=lambda: output_length(L=32, K=5, P=2, S=1),
        hint="Use L' = ⌊(L + 2P − K)/S⌋ + 1: padding is added on both sides.",
        mistakes=(
            (lambda a, r: a == r - 1, "Close: did you forget the + 1? The first window position counts too."),
            (lambda a, r: a == 32 - 5 + 1, "That leaves out the padding: P cells are added at each end."),
        ),
        explanation=lambda r: f'⌊(32 + 4 − 5)/1⌋ + 1 = {r}: with K = 5, P = 2 keeps the size (it is "same").',
    ),
    Exercise(
        id="06.2",
        kind="number",
        answer=lambda: output_length(L=10, K=3, P=0, S=3),
        hint="The floor drops the cells no full window reaches; then add one for the first position.",
        mistakes=(
            (
                lambda a, r: a != int(a),
                "Sizes are whole numbers: round the division down (⌊ ⌋) before adding one.",
            ),
            (
                lambda a, r: a == r + 1,
                "Count the windows that fit entirely: the last one must still cover K cells.",
            ),
        ),
        explanation=lambda r: f"⌊(10 − 3)/3⌋ + 1 = ⌊7/3⌋ + 1 = {r}.",
    ),
    Exercise(
        id="06.3",
        kind="indices",
        answer=lambda: _never_read(L=10, K=3, S=3),
        hint="Window i covers cells i·S to i·S + K − 1 (0-based). List them; which cells of x are in none?",
        mistakes=((lambda a, r: a == [10], "Cells count from 0: the last cell of x is L − 1."),),
        explanation=lambda r: f"The windows cover 0–2, 3–5 and 6–8, so cell {r[0]} is never read.",
    ),
    Exercise(
        id="06.4",
        kind="array",
        answer=lambda: np.array(resolve_padding("same", L=20, K=7, S=3)),
        hint='Work as under the table of "same" paddings: first how many windows "same" makes with this stride, '
        "then how many cells those windows need; the padding is what is missing, split as Keras splits it.",
        mistakes=(
            (
                lambda a, r: np.array_equal(a, r[::-1]),
                "Right cells, wrong side: the odd extra cell goes after (bottom, right).",
            ),
            (
                lambda a, r: a.shape == (2,) and a.sum() == 7 - 1,
                "K − 1 cells in all is the padding for S = 1: with S = 3 the windows are fewer, "
                "and need fewer cells.",
            ),
            (lambda a, r: np.any(a != np.round(a)), "Padding is whole cells: split an odd total unevenly."),
            (lambda a, r: a.shape != (2,), "Give two numbers: [before, after]."),
        ),
        explanation=lambda r: (
            f'"same" aims for ⌈20/3⌉ = 7 windows; the last starts at (7 − 1)·3 = 18 and ends K = 7 cells later, '
            f"so the padded input needs 25 cells, 5 more than L: {r[0]} before and {r[1]} after."
        ),
    ),
    Exercise(
        id="06.5",
        kind="number",
        answer=lambda: output_length(L=12, K=3, P=0, S=1, D=2),
        hint="Work out the dilated window's span D·(K − 1) + 1 first, then use it in place of K in the formula.",
        mistakes=(
            (
                lambda a, r: a == 12 - 3 + 1,
                "That ignores the dilation: the taps are D apart, so the window spans more cells.",
            ),
            (
                lambda a, r: a == 12 - 3 * 2 + 1,
                "The span is D·(K − 1) + 1, not D·K: there are only K − 1 gaps between K taps.",
            ),
        ),
        explanation=lambda r: (
            f"The window spans {kernel_extent(3, 2)} cells: L' = 12 − {kernel_extent(3, 2)} + 1 = {r}."
        ),
    ),
    Exercise(
        id="06.6",
        kind="number",
        answer=lambda: transposed_output_length(L=4, K=3, S=2, padding="valid"),
        hint="Each input cell adds a K-cell copy of the kernel, S cells after the previous copy: where does the last copy end?",
        mistakes=(
            (lambda a, r: a == 4 * 2, 'That is "same" (L·S): "valid" keeps every cell the copies cover.'),
            (
                lambda a, r: a == output_length(4, 3, 0, 2),
                "That is the ordinary convolution, which shrinks: the transposed one grows.",
            ),
        ),
        explanation=lambda r: (
            f"(L − 1)·S + K = 3·2 + 3 = {r}; a stride-2 convolution with K = 3 maps {r} cells back to 4."
        ),
    ),
]
