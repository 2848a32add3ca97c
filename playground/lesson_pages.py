"""The lesson pages: the list, one screen per step, and a step's reveal after its run.

A step's run is started by the page's own run form (`POST /runs`, with the same validation
and errors as every run); the reveal reads the finished run from the store. What is not there
raises from the error vocabulary (`playground/errors.py`): a whole not-found page when a
browser navigated, the `_errors.html` partial when the step's script asked.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from playground.bounds import MAX_RUN_ID
from playground.errors import LessonNotFound, RunNotFound
from playground.lab.info import LabInfo
from playground.lessons import LESSONS, SHAPES, SHAPES_BY_ID, Lesson, Step, expected_shape
from playground.store import RunStore
from playground.supervisor import LabSupervisor

MAX_GUESS_S = 3_600.0


def step_number(text: str, lesson: Lesson) -> int | None:
    """The step a path names ("2"), or None when the lesson has no such step."""
    if not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    return number if lesson.step(number) is not None else None


def read_guess(step: Step, text: str) -> Any:
    """The guess the page sent: a `Shape`, seconds, or None (none given, or not one)."""
    text = text.strip()[:40]
    if step.guess == "shape":
        return SHAPES_BY_ID.get(text)
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and 0 < seconds <= MAX_GUESS_S else None


def lessons_router(*, templates: Jinja2Templates, store: RunStore, lab: LabSupervisor) -> APIRouter:
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def find(lesson_id: str, number: str) -> tuple[Lesson, int]:
        lesson = LESSONS.get(lesson_id)
        if lesson is None:
            raise LessonNotFound(f"there is no lesson {lesson_id[:60]!r}; see /lessons")
        found = step_number(number, lesson)
        if found is None:
            raise LessonNotFound(
                f"the lesson {lesson.title!r} has steps 1 to {len(lesson.steps)}, "
                f"not {number[:20]!r}"
            )
        return lesson, found

    @router.get("/lessons")
    async def lessons_page(request: Request) -> Response:
        return render(request, "lessons.html", lessons=LESSONS.values(), lab=lab.info)

    @router.get("/lessons/{lesson_id}")
    async def lesson_start(request: Request, lesson_id: str) -> Response:
        find(lesson_id, "1")
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/lessons/{lesson_id}/1{query}", status_code=303)

    @router.get("/lessons/{lesson_id}/{number}")
    async def step_page(request: Request, lesson_id: str, number: str) -> Response:
        lesson, n = find(lesson_id, number)
        query = f"?{request.url.query}" if request.url.query else ""
        return render(
            request,
            "lesson.html",
            lesson=lesson,
            number=n,
            step=lesson.steps[n - 1],
            lab=lab.info,
            shapes=SHAPES,
            back=f"/lessons/{lesson.id}/{n - 1}{query}" if n > 1 else f"/lessons{query}",
            next=f"/lessons/{lesson.id}/{n + 1}{query}" if n < len(lesson.steps) else None,
        )

    @router.get("/lessons/{lesson_id}/{number}/reveal")
    async def reveal(
        request: Request,
        lesson_id: str,
        number: str,
        run: Annotated[int, Query(ge=1, le=MAX_RUN_ID)],
        guess: Annotated[str, Query(max_length=100)] = "",
    ) -> Response:
        lesson, n = find(lesson_id, number)
        step = lesson.steps[n - 1]
        record = await store.get_run(run)
        if record is None:
            raise RunNotFound(run)
        if record.status == "running":
            errors = [f"run {record.id} has not finished yet: reveal it when it has"]
            return render(request, "_errors.html", 409, errors=errors)
        info = record.lab.get("info")
        ran_on = LabInfo.from_json(info) if info else lab.info
        expected = expected_shape(step, ran_on) if ran_on is not None else None
        return render(
            request,
            "_lesson_reveal.html",
            step=step,
            record=record,
            guess=read_guess(step, guess),
            expected=expected,
            lab=ran_on,
        )

    return router
