"""The lesson pages: the list, one screen per step, and a step's reveal after its run.

A step's run is started by the page's own run form (`POST /runs`, with the same validation
and errors as every run); the reveal reads the finished run from the store.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

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

    def not_found(request: Request, message: str) -> Response:
        return render(request, "not_found.html", 404, message=message)

    def find(lesson_id: str, number: str) -> tuple[Lesson, int] | str:
        lesson = LESSONS.get(lesson_id)
        if lesson is None:
            return f"There is no lesson {lesson_id[:60]!r}."
        found = step_number(number, lesson)
        if found is None:
            return f"The lesson {lesson.title!r} has steps 1 to {len(lesson.steps)}."
        return lesson, found

    @router.get("/lessons")
    async def lessons_page(request: Request) -> Response:
        return render(request, "lessons.html", lessons=LESSONS.values(), lab=lab.info)

    @router.get("/lessons/{lesson_id}")
    async def lesson_start(request: Request, lesson_id: str) -> Response:
        if lesson_id not in LESSONS:
            return not_found(request, f"There is no lesson {lesson_id[:60]!r}.")
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/lessons/{lesson_id}/1{query}", status_code=303)

    @router.get("/lessons/{lesson_id}/{number}")
    async def step_page(request: Request, lesson_id: str, number: str) -> Response:
        found = find(lesson_id, number)
        if isinstance(found, str):
            return not_found(request, found)
        lesson, n = found
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
        request: Request, lesson_id: str, number: str, run: str = "", guess: str = ""
    ) -> Response:
        found = find(lesson_id, number)
        if isinstance(found, str):
            return render(request, "_errors.html", 404, errors=[found])
        lesson, n = found
        step = lesson.steps[n - 1]
        record = await store.get_run(int(run)) if run.isdigit() and len(run) < 12 else None
        if record is None:
            return render(request, "_errors.html", 404, errors=[f"there is no run {run[:20]!r}"])
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
