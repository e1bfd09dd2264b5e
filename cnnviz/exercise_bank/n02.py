"""Notebook 02's exercises: convolution case 1 (one channel, one kernel)."""

from __future__ import annotations

from .. import cases, sizes
from ._exercise import Exercise

__all__ = ["EXERCISES"]

EXERCISES: list[Exercise] = [
    Exercise(
        id="02.1",
        kind="number",
        answer=lambda: sizes.output_length(L=12, K=4),
        hint="Count the positions the window can take: its first cell can start at 0 and must leave room for all K cells.",
        mistakes=(
            (lambda a, r: a == r - 1, "Close: did you forget the + 1? The first window position counts too."),
            (lambda a, r: a == 12, "That is L itself: a window of K cells cannot start in the last K − 1 cells."),
        ),
        explanation=lambda r: f"L' = L − K + 1 = 12 − 4 + 1 = {r}.",
    ),
]
