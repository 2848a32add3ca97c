"""Guided lessons: short sequences of runs, each with a question asked before it and what to
notice after it (`catalogue.py`), declared with the types of `base.py`."""

from __future__ import annotations

from dataclasses import replace

from playground.lessons.base import SHAPES, SHAPES_BY_ID, Lesson, Shape, Step, expected_shape
from playground.lessons.catalogue import LESSONS as _DECLARED

LESSONS: dict[str, Lesson] = {
    lesson.id: replace(lesson, number=number) for number, lesson in enumerate(_DECLARED, 1)
}

__all__ = ["LESSONS", "SHAPES", "SHAPES_BY_ID", "Lesson", "Shape", "Step", "expected_shape"]
