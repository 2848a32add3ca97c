"""Links that reopen the run form: every field from the query string of `/`, nothing run, bad
values explained; and the page's "copy link" building such a link from the form."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from playground.pages import form_values_from_query
from tests.conftest import Playground

# Every field of the form, each away from its default (fan-out's parameters are 500/300/700).
LINKED = {
    "scenario": "fan-out",
    "variant": "gather",
    "model": "burst",
    "requests": "10",
    "concurrency": "10",
    "database_ms": "200",
    "param.cache_ms": "120",  # the form's own name works too
    "api_ms": "90",
}
EXPECTED_INPUTS = {
    "requests": "10",
    "concurrency": "10",
    "param.database_ms": "200",
    "param.cache_ms": "120",
    "param.api_ms": "90",
}

# The values of the run form's enabled fields, as a browser would submit them.
FORM_FIELDS = """
() => {
  const form = document.querySelector('#run-form');
  const values = {};
  for (const [name, value] of new FormData(form)) values[name] = String(value);
  return values;
}
"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


def run_count(playground: Playground) -> int:
    return len(playground.client.get("/api/runs").json()["runs"])


def test_the_parser_keeps_each_value_as_the_link_spells_it() -> None:
    linked = form_values_from_query(LINKED)
    assert linked.errors == []
    assert linked.scenario.id == "fan-out"
    assert {key: linked.values[key] for key in EXPECTED_INPUTS} == EXPECTED_INPUTS
    assert (linked.values["variant"], linked.values["model"]) == ("gather", "burst")


def test_the_parser_names_what_is_wrong() -> None:
    assert any(
        "unknown scenario 'nope'" in m for m in form_values_from_query({"scenario": "nope"}).errors
    )
    wrong = form_values_from_query({"requests": "0"}).errors
    assert any("requests" in message for message in wrong), wrong
    wrong = form_values_from_query({"param.delay_ms": "-5"}).errors
    assert any("delay_ms must be within" in message for message in wrong), wrong
    # Keys of others (presenter mode, a lesson) are not the form's business.
    assert form_values_from_query({"present": "1", "lesson": "x"}).errors == []


def test_a_link_sets_every_field_and_runs_nothing(page: Page, playground: Playground) -> None:
    before = run_count(playground)
    page.goto(f"{playground.url}/?{urlencode(LINKED)}")
    expect(page.locator("select[name=scenario]")).to_have_value("fan-out")
    expect(page.locator("input[name=variant][value=gather]")).to_be_checked()
    expect(page.locator("select[name=model]")).to_have_value("burst")
    for name, value in EXPECTED_INPUTS.items():
        expect(page.locator(f"#run-form input[name='{name}']:enabled")).to_have_value(value)
    expect(page.locator(".prediction")).to_contain_text("Predicted makespan")
    expect(page.locator(".empty-stage")).to_be_visible()  # no run, no answer
    assert run_count(playground) == before


def test_a_link_opens_another_load_model_with_its_fields(
    page: Page, playground: Playground
) -> None:
    query = {
        "model": "users",
        "users": "7",
        "duration_s": "4",
        "think_min_s": "0.2",
        "think_max_s": "0.4",
        "variant": "sync",
        "delay_ms": "150",
    }
    page.goto(f"{playground.url}/?{urlencode(query)}")
    expect(page.locator("select[name=model]")).to_have_value("users")
    users = page.locator("fieldset[data-model=users]")
    expect(users).to_be_visible()
    expect(page.locator("fieldset[data-model=burst]")).to_be_hidden()
    for name in ("users", "duration_s", "think_min_s", "think_max_s"):
        expect(users.locator(f"input[name={name}]")).to_have_value(query[name])
    expect(page.locator("input[name='param.delay_ms']")).to_have_value("150")
    expect(page.locator("input[name=variant][value=sync]")).to_be_checked()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"scenario": "nope"}, "unknown scenario 'nope'"),
        ({"scenario": "sleep", "variant": "gather"}, "unknown variant 'gather'"),
        ({"requests": "0"}, "requests"),
        ({"requests": "ten"}, "requests"),
        ({"requests": "10", "concurrency": "50"}, "concurrency (50) cannot exceed requests (10)"),
        ({"delay_ms": "999999"}, "delay_ms must be within"),
    ],
)
def test_bad_values_in_a_link_get_the_forms_messages(
    playground: Playground, query: dict[str, str], message: str
) -> None:
    response = playground.client.get("/", params=query)
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert 'class="prediction"' not in response.text


def test_copy_link_round_trips_the_form(page: Page, playground: Playground) -> None:
    page.goto(playground.url)
    page.select_option("select[name=scenario]", "fan-out")
    expect(page.locator("input[name=variant][value=taskgroup]")).to_be_visible()
    page.check("input[name=variant][value=taskgroup]")
    page.select_option("select[name=model]", "rate")
    page.fill("fieldset[data-model=rate] input[name=rate_rps]", "12.5")
    page.fill("fieldset[data-model=rate] input[name=duration_s]", "3")
    page.fill("input[name='param.api_ms']", "250")
    page.check("input[data-predict-first]")
    shown: dict[str, Any] = page.evaluate(FORM_FIELDS)

    page.click("[data-copy-link]")
    field = page.locator("[data-settings-link]")
    expect(field).to_be_visible()
    link = field.input_value()
    assert "api_ms=250" in link and "scenario=fan-out" in link and "guess" not in link
    expect(page.locator("[data-settings-link-status]")).to_have_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == link

    before = run_count(playground)
    page.goto(link)
    expect(page.locator("select[name=model]")).to_have_value("rate")
    assert page.evaluate(FORM_FIELDS) == shown
    assert run_count(playground) == before
