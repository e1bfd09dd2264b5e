"""Notebook 10's exercises: inside a trained CNN."""

from __future__ import annotations

from ._exercise import Exercise

__all__ = ["EXERCISES"]

EXERCISES: list[Exercise] = []
