"""Predict, then reveal, and an honest cancel, in Debian's Chromium on a real playground.

Predict first hides the prediction and its dashed line until the learner has guessed, run and
pressed reveal; the guess is stored with the run. Cancel says so at once, and what it left
unanswered is counted cancelled, not failed, with no verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from playground.guess import GUESS_REQUIRED
from tests.conftest import Playground


@pytest.fixture
def page(browser: Browser, playground: Playground) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground.url)
    yield page
    context.close()
    assert errors == [], errors


def timeline_state(page: Page) -> str | None:
    """What the painter last drew of the prediction: "shown" or "hidden"."""
    page.wait_for_function("() => document.querySelector('.timeline')?.dataset.predictedLine")
    return page.get_attribute(".timeline", "data-predicted-line")


def answer_is_hidden(page: Page) -> None:
    expect(page.locator(".run .numbers")).to_be_visible()
    expect(page.locator(".run .numbers")).not_to_contain_text("predicted", use_inner_text=True)
    expect(page.locator(".run .verdict")).to_be_hidden()
    expect(page.locator("[data-reveal-prediction]")).to_be_hidden()
    assert timeline_state(page) == "hidden"


def test_predict_first_hides_the_answer_until_the_reveal(
    page: Page, playground: Playground
) -> None:
    page.check("input[name=variant][value=async-blocking]")
    page.fill("input[name=requests]", "6")
    page.fill("input[name='param.delay_ms']", "100")
    expect(page.locator(".prediction")).to_contain_text("6 waves × 100 ms")
    expect(page.locator(".variant .explanation")).to_be_visible()
    page.check("input[data-predict-first]")
    expect(page.locator(".prediction")).to_be_hidden()
    expect(page.locator(".variant .explanation")).to_be_hidden()  # it tells what happens
    expect(page.locator(".variant .source")).to_be_visible()  # the code is what to reason from
    run_button = page.locator("button.run-button")
    expect(run_button).to_be_disabled()  # a guess first
    page.check("input[name=guess_shape][value=one-at-a-time]")
    expect(run_button).to_be_enabled()
    run_button.click()

    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".status-line")).to_contain_text("done", timeout=60_000)
    answer_is_hidden(page)
    stored = playground.client.get(f"/api/runs/{run_id}").json()
    assert stored["guess"] == {"kind": "shape", "value": "one-at-a-time"}
    assert "guess" not in stored["request"]
    predicted = f"{stored['prediction']['makespan_s']:,.2f} s"

    page.click("[data-reveal-button]")
    expect(page.locator("[data-reveal-guess]")).to_have_text("one at a time")
    expect(page.locator("[data-reveal-prediction]")).to_have_text(predicted)
    expect(page.locator(".reveal-grid")).to_contain_text("ceil(N / min(C=6")  # the formula
    makespan = stored["summary"]["makespan_s"]
    expect(page.locator("[data-reveal-measured]")).to_have_text(f"{makespan:,.2f} s")
    expect(page.locator("[data-reveal-judgement]")).to_contain_text("Right")
    expect(page.locator(".run .numbers")).to_contain_text(f"predicted {predicted}")
    page.wait_for_function(
        "() => document.querySelector('.timeline').dataset.predictedLine === 'shown'"
    )

    # The permalink opens with the answer hidden again; the space key reveals it.
    page.reload()
    expect(page.locator(".status-line")).to_contain_text("done")
    answer_is_hidden(page)
    page.keyboard.press("Space")
    expect(page.locator("[data-reveal-prediction]")).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('.timeline').dataset.predictedLine === 'shown'"
    )


def test_a_makespan_guess_is_stored_and_judged(page: Page, playground: Playground) -> None:
    page.check("input[data-predict-first]")
    page.check("input[name=variant][value=async]")
    page.fill("input[name=requests]", "5")
    page.fill("input[name='param.delay_ms']", "100")
    page.fill("input[name=guess_makespan]", "30")
    page.click("button.run-button")
    expect(page.locator(".status-line")).to_contain_text("done", timeout=60_000)
    run_id = int(page.url.rsplit("/", 1)[1])
    assert playground.client.get(f"/api/runs/{run_id}").json()["guess"] == {
        "kind": "makespan",
        "value": 30.0,
    }
    page.click("[data-reveal-button]")
    expect(page.locator("[data-reveal-guess]")).to_have_text("a makespan of 30.00 s")
    expect(page.locator("[data-reveal-judgement]")).to_contain_text("Not quite")
    # The next run asks for a guess of its own.
    expect(page.locator("input[name=guess_makespan]")).to_have_value("")
    expect(page.locator("button.run-button")).to_be_disabled()


def test_without_a_guess_the_server_refuses_to_run(playground: Playground) -> None:
    before = len(playground.client.get("/api/runs").json()["runs"])
    response = playground.client.post(
        "/runs", data={"scenario": "sleep", "variant": "async", "predict_first": "1"}
    )
    assert response.status_code == 422
    assert "predict first is on" in response.text and GUESS_REQUIRED[:20] in response.text
    bad = playground.client.post(
        "/runs",
        data={"scenario": "sleep", "variant": "async", "predict_first": "1", "guess_makespan": "0"},
    )
    assert bad.status_code == 422 and "greater than 0" in bad.text
    assert len(playground.client.get("/api/runs").json()["runs"]) == before


def test_predict_first_is_remembered_and_on_in_presenter_mode(
    browser: Browser, playground: Playground
) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(playground.url)
    expect(page.locator("input[data-predict-first]")).not_to_be_checked()
    page.check("input[data-predict-first]")
    page.reload()
    expect(page.locator("input[data-predict-first]")).to_be_checked()
    expect(page.locator("[data-guess]")).to_be_visible()
    context.close()

    presenting = browser.new_context(bypass_csp=True)
    # What part 1's presenter mode sets on <html>, set once the page is parsed, before its modules.
    presenting.add_init_script(
        "document.addEventListener('readystatechange', () =>"
        " { document.documentElement.dataset.present = '' }, { once: true })"
    )
    page = presenting.new_page()
    page.goto(playground.url)
    expect(page.locator("input[data-predict-first]")).to_be_checked()
    expect(page.locator(".prediction")).to_be_hidden()
    presenting.close()


# Stamps in the page: the click on Cancel, the first time its text says "cancelling…", and the
# server's answer to the cancel.
STAMP_CANCEL = """
() => {
  const stamps = window.cancelStamps = {};
  const button = document.querySelector('[data-cancel]');
  document.addEventListener('click', (event) => {
    if (event.target.closest('[data-cancel]')) stamps.clicked = performance.now();
  }, { capture: true });
  new MutationObserver(() => {
    const shown = button.textContent.includes('cancelling…');
    if (stamps.shown == null && shown) stamps.shown = performance.now();
  }).observe(button, { childList: true, characterData: true, subtree: true });
  document.addEventListener('htmx:afterRequest', (event) => {
    if (event.detail.elt === button) stamps.answered = performance.now();
  });
}
"""


def test_cancel_answers_at_once_and_counts_the_unanswered_as_cancelled(
    page: Page, playground: Playground
) -> None:
    page.check("input[name=variant][value=async-blocking]")
    page.fill("input[name=requests]", "40")
    page.fill("input[name='param.delay_ms']", "250")  # 10 s, one at a time
    page.click("button.run-button")
    expect(page.locator("[data-cancel]")).to_be_visible()
    page.wait_for_function("() => Number(document.querySelector('.timeline')?.dataset.drawn) >= 3")
    page.click("button.run-button")  # a second run while this one goes
    expect(page.locator("#form-errors")).to_contain_text("is still going")

    page.evaluate(STAMP_CANCEL)
    page.click("[data-cancel]")
    page.wait_for_function("() => window.cancelStamps.answered != null")
    stamps = page.evaluate("window.cancelStamps")
    assert stamps["shown"] - stamps["clicked"] < 100, stamps
    assert stamps["shown"] <= stamps["answered"], stamps

    expect(page.locator(".status-line")).to_contain_text("cancelled", timeout=60_000)
    run_id = int(page.url.rsplit("/", 1)[1])
    summary = playground.client.get(f"/api/runs/{run_id}").json()["summary"]
    assert summary["cancelled"] > 0 and summary["errors"] == 0 and summary["verdict"] is None
    expect(page.locator("[data-cancelled]")).to_have_text(str(summary["cancelled"]))
    expect(page.locator("[data-errors]")).to_have_text("0")
    expect(page.locator(".run .verdict")).to_have_count(0)
    expect(page.locator(".numbers .bad")).to_have_count(0)
    expect(page.locator("#form-errors")).to_be_empty()  # "still going" went with the run
