"""Notebook 11's exercises."""

from __future__ import annotations

from ._exercise import Exercise

__all__ = ["EXERCISES"]

EXERCISES: list[Exercise] = []
