"""``Exercise``: one exercise's question kind, answer, hints and explanation (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Exercise"]

KINDS = ("number", "shape", "array", "indices", "choice")


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: str
    answer: Callable[[], Any]
    hint: str
    explanation: str | Callable[[Any], str]
    mistakes: tuple = field(default=())
    choices: tuple = field(default=())

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Exercise {self.id}: kind must be one of {KINDS}; received {self.kind!r}.")

    def explain(self, right) -> str:
        return self.explanation(right) if callable(self.explanation) else self.explanation
