"""The guided lessons: every step a valid run of the catalogue, texts from the lab's facts, the
pages, and one lesson driven in Chromium by keyboard alone.

Set PLAYGROUND_LESSON_SCREENSHOT=path.png to keep a screenshot of a revealed step at 1920 x 1080.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from playground.lab.info import LabInfo
from playground.lessons import LESSONS, Lesson, Step, expected_shape
from playground.scenarios import SCENARIOS
from playground.schemas import RunRequest
from tests.conftest import Playground, watch_errors

STEPS = [
    pytest.param(lesson, number, step, id=f"{lesson.id}:{number}")
    for lesson in LESSONS.values()
    for number, step in enumerate(lesson.steps, 1)
]
# An unusual lab, so that a number typed into a text instead of a fact shows.
LAB = LabInfo(
    threadpool=7, default_executor=9, cores=3, workers=1, processes=5, pid=1,
    calibration={"async_client_build_ms": 11.0},
)  # fmt: skip


@pytest.mark.parametrize(("lesson", "number", "step"), STEPS)
def test_every_step_is_a_valid_run_of_the_catalogue(
    lesson: Lesson, number: int, step: Step
) -> None:
    again = RunRequest.model_validate(step.run.model_dump(exclude_none=True))
    assert again == step.run
    assert step.run.variant in SCENARIOS[step.run.scenario].variants_by_id
    assert step.guess in ("shape", "makespan")
    assert lesson.step(number) is step


@pytest.mark.parametrize(("lesson", "number", "step"), STEPS)
def test_texts_name_the_labs_facts_not_typed_pool_sizes(
    lesson: Lesson, number: int, step: Step
) -> None:
    for template in (step.question, step.notice):
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert names <= set(LAB.facts()), names - set(LAB.facts())
        # "40 threads", "2 processes": a pool size only ever comes from the lab's facts.
        assert not re.search(r"\b\d+ (threads|processes|cores)\b", template), template
    for text in (step.ask(LAB), step.what_to_notice(LAB)):
        assert "{" not in text and "}" not in text, text


def test_the_catalogue_has_ten_lessons_in_order() -> None:
    assert len(LESSONS) >= 10
    assert [lesson.number for lesson in LESSONS.values()] == list(range(1, len(LESSONS) + 1))
    assert all(1 < len(lesson.steps) <= 4 for lesson in LESSONS.values())


def test_the_expected_shape_follows_the_labs_pools() -> None:
    (step,) = [s for s in LESSONS["def-is-not-one-at-a-time"].steps if s.guess == "shape"]
    wide = LabInfo(threadpool=40, default_executor=6, cores=2, workers=1, processes=2, pid=1)
    assert expected_shape(step, wide)[0].id == "all-at-once"  # 40 requests, 40 threads
    assert expected_shape(step, LAB)[0].id == "waves"  # 40 requests, 7 threads
    refused = LESSONS["shared-async-session"].steps[0]
    assert expected_shape(refused, LAB)[0].id == "fail"
    blocking = LESSONS["blocking-in-async"].steps[1]
    assert expected_shape(blocking, LAB)[0].id == "one-at-a-time"


def test_the_list_shows_every_lesson(playground: Playground) -> None:
    page = playground.client.get("/lessons")
    assert page.status_code == 200
    links = set(re.findall(r'href="/lessons/([a-z-]+)/1"', page.text))
    assert links == set(LESSONS)
    assert len(links) >= 10
    assert 'href="/lessons"' in playground.client.get("/").text  # the header links to it


@pytest.mark.parametrize(
    "path",
    ["/lessons/no-such-lesson/1", "/lessons/the-gil/0", "/lessons/the-gil/4",
     "/lessons/the-gil/x", "/lessons/the-gil/99999999999999", "/lessons/no-such-lesson"],
)  # fmt: skip
def test_an_unknown_lesson_or_step_is_the_not_found_page(playground: Playground, path: str) -> None:
    response = playground.client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "There is no lesson" in response.text or "has steps 1 to 3" in response.text


def test_a_step_page_shows_the_question_settings_and_source(playground: Playground) -> None:
    response = playground.client.get("/lessons/sync-dependency/1")
    assert response.status_code == 200
    threadpool = playground.lab()["info"]["threadpool"]
    assert "100 requests" in response.text and "lookup time = 100 ms" in response.text
    assert "def blocking_lookup(lookup_ms: int) -&gt; User:" in response.text
    assert 'name="variant" value="sync-dependency"' in response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)  # no inline script
    assert not re.search(r"\son[a-z]+=", response.text)  # no inline event handler
    step = LESSONS["sync-dependency"].steps[0]
    assert step.what_to_notice(None) != step.what_to_notice(
        LabInfo(threadpool=threadpool, default_executor=1, cores=1, workers=1, processes=1, pid=1)
    )


def test_a_reveal_of_an_unknown_run_is_refused_in_words(playground: Playground) -> None:
    partial = {"HX-Request": "true"}  # as the step's script asks: the errors partial
    url = "/lessons/the-gil/1/reveal"
    missing = playground.client.get(url, params={"run": "999999"}, headers=partial)
    assert missing.status_code == 404
    assert "there is no run 999999" in missing.text and "<html" not in missing.text
    for junk in ("x", "0", str(2**64), "\0"):
        refused = playground.client.get(url, params={"run": junk, "guess": "\0"}, headers=partial)
        assert refused.status_code == 422, junk
        assert "run:" in refused.text
    step = playground.client.get("/lessons/the-gil/9/reveal", params={"run": "1"}, headers=partial)
    assert step.status_code == 404 and "has steps 1 to 3" in step.text


# --- the page in Chromium -----------------------------------------------------------------


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    watch_errors(page, errors)
    yield page
    page.close()
    assert errors == [], errors


def test_a_lesson_driven_by_keyboard_alone(playground: Playground, page: Page) -> None:
    lesson = LESSONS["def-is-not-one-at-a-time"]
    page.goto(f"{playground.url}/lessons/{lesson.id}/1")
    expect(page.locator(".lesson-question")).to_contain_text("40 requests hit a")
    expect(page.locator("[data-reveal]")).to_be_disabled()

    page.keyboard.press(" ")  # nothing to reveal before a run
    expect(page.locator("#lesson-errors")).to_contain_text("press r to run")
    page.keyboard.press("3")  # guess: one at a time
    expect(page.locator("input[name=guess][value=one-at-a-time]")).to_be_checked()
    page.keyboard.press("r")
    expect(page.locator("#lesson-stage .timeline")).to_be_visible()
    expect(page.locator("[data-lesson]")).to_have_attribute(
        "data-state", "finished", timeout=120_000
    )
    expect(page.locator("#lesson-stage .timeline")).to_have_attribute("data-drawn", "40")

    page.keyboard.press(" ")
    reveal = page.locator("#lesson-reveal .reveal")
    expect(reveal).to_be_visible()
    expect(reveal.locator("[data-your-guess]")).to_have_text("one at a time")
    expect(reveal.locator("[data-check]")).to_have_text("✗ not what the model says")
    threadpool = playground.lab()["info"]["threadpool"]
    expected = "all at once" if threadpool >= 40 else "in waves, a pool's width at a time"
    expect(reveal.locator(".reveal-predicted strong")).to_have_text(expected)
    expect(reveal.locator(".notice")).to_contain_text(f"a threadpool of {threadpool} threads")
    expect(reveal.locator("[data-measured]")).to_have_text(re.compile(r"^\d+\.\d\d s$"))
    if path := os.environ.get("PLAYGROUND_LESSON_SCREENSHOT"):
        page.screenshot(path=path)

    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"/lessons/{lesson.id}/2$"))
    expect(page.locator(".lesson-question")).to_contain_text("Now 100 requests")
    page.keyboard.press("g")
    page.keyboard.type("1.5")
    page.keyboard.press("Escape")  # done typing: the keys drive the lesson again
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"/lessons/{lesson.id}/1$"))
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"/lessons$"))


def test_a_makespan_guess_is_revealed_beside_the_measurement(
    playground: Playground, page: Page
) -> None:
    page.goto(f"{playground.url}/lessons/shared-async-session/2")
    page.keyboard.press("g")
    page.keyboard.type("0.25")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator("[data-lesson]")).to_have_attribute(
        "data-state", "finished", timeout=120_000
    )
    page.keyboard.press(" ")
    expect(page.locator("[data-your-guess]")).to_have_text("0.25 s")
    expect(page.locator("[data-check]")).to_contain_text("× your guess")
    expect(page.locator("#lesson-reveal .notice")).to_contain_text("its own connection")


def test_a_run_refused_by_the_run_machinery_shows_its_message(
    playground: Playground, page: Page
) -> None:
    page.goto(f"{playground.url}/lessons/the-gil/1")
    page.evaluate("document.querySelector('input[name=\"param.work_ms\"]').value = '999999'")
    page.keyboard.press("r")
    expect(page.locator("#lesson-errors")).to_contain_text("work_ms must be within")
    expect(page.locator("#lesson-stage .timeline")).to_have_count(0)
