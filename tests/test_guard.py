"""Only the playground's own page and scripts on this machine drive it (playground/guard.py).

Every test talks to a real playground over real HTTP on 127.0.0.1; the last drives the real
page in Chromium under its Content-Security-Policy.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from playground.errors import MAX_BODY_BYTES
from tests.conftest import Playground, burst

EVIL = "http://evil.example"
TINY_FORM = {"scenario": "sleep", "variant": "async", "model": "burst", "requests": "1"}
LAB_FORM = {"threadpool": "8", "workers": "4", "processes": "32"}
LAB_JSON = {"threadpool": 8, "workers": 4, "processes": 32}


def state(playground: Playground) -> tuple[int, int | None, int, dict[str, Any]]:
    """What a refused request must leave as it was: runs, the lab's pid, restarts, settings."""
    runs = playground.client.get("/api/runs", params={"limit": 500}).json()["runs"]
    lab = playground.lab()
    return len(runs), lab["pid"], lab["restarts"], lab["settings"]


def port(playground: Playground) -> int:
    return int(urlparse(playground.url).port or 0)


STATE_CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/runs", {"data": TINY_FORM}),
    ("POST", "/lab", {"data": LAB_FORM}),
    ("POST", "/runs/1/cancel", {}),
    ("PUT", "/api/lab/settings", {"json": LAB_JSON}),
    ("POST", "/api/runs", {"json": burst("async", 1, delay_ms=0)}),
]


@pytest.mark.parametrize(("method", "path", "body"), STATE_CHANGES)
def test_a_post_from_another_site_is_refused_and_changes_nothing(
    playground: Playground, method: str, path: str, body: dict[str, Any]
) -> None:
    before = state(playground)
    response = playground.client.request(method, path, headers={"Origin": EVIL}, **body)
    assert response.status_code == 403
    assert "another site (http://evil.example)" in response.text
    assert state(playground) == before


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_sec_fetch_site_from_elsewhere_without_origin_is_refused(
    playground: Playground, site: str
) -> None:
    before = state(playground)
    response = playground.client.post(
        "/api/runs", json=burst("async", 1, delay_ms=0), headers={"Sec-Fetch-Site": site}
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("refused a request from another site")
    assert state(playground) == before


def test_the_pages_own_origin_and_scripts_without_one_are_served(playground: Playground) -> None:
    own = playground.client.post(
        "/api/runs",
        json=burst("async", 1, delay_ms=0),
        headers={"Origin": playground.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 201, own.text
    playground.wait(own.json()["id"])
    by_name = playground.client.post(
        "/api/runs",
        json=burst("async", 1, delay_ms=0),
        headers={
            "Host": f"localhost:{port(playground)}",
            "Origin": f"http://localhost:{port(playground)}",
        },
    )
    assert by_name.status_code == 201, by_name.text
    playground.wait(by_name.json()["id"])
    script = playground.client.post("/api/runs", json=burst("async", 1, delay_ms=0))
    assert script.status_code == 201, script.text
    playground.wait(script.json()["id"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_rebound_host_name_gets_400(playground: Playground, method: str) -> None:
    before = state(playground)
    response = playground.client.request(
        method,
        "/api/runs" if method == "POST" else "/api/lab",
        headers={"Host": f"evil.example:{port(playground)}"},
        json=burst("async", 1, delay_ms=0) if method == "POST" else None,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.count("\n") == 1
    assert "does not answer to 'evil.example:" in response.text
    assert state(playground) == before


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1", "[::1]:{port}", "LOCALHOST"])
def test_the_playgrounds_own_hosts_are_served(playground: Playground, host: str) -> None:
    response = playground.client.get(
        "/api/lab", headers={"Host": host.format(port=port(playground))}
    )
    assert response.status_code == 200


def test_a_known_host_on_another_port_gets_400(playground: Playground) -> None:
    response = playground.client.get("/api/lab", headers={"Host": "localhost:1"})
    assert response.status_code == 400


def test_every_response_carries_the_security_headers(playground: Playground) -> None:
    page = playground.client.get("/")
    policy = page.headers["content-security-policy"]
    assert policy == "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    for path in ("/api/lab", "/static/app.css", "/api/runs/0"):
        response = playground.client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
    assert (
        "frame-ancestors 'none'"
        in playground.client.get("/docs").headers["content-security-policy"]
    )


def raw_exchange(playground: Playground, head: bytes, body: Iterable[bytes]) -> tuple[bytes, int]:
    """Send a request over a bare socket, a chunk at a time, until an answer arrives; returns
    the answer's head and how many body bytes were sent before it."""
    with socket.create_connection(("127.0.0.1", port(playground)), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        for chunk in body:
            if select.select([sock], [], [], 0.01)[0]:
                break
            sock.sendall(chunk)
            sent += len(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer and (more := sock.recv(4096)):
            answer += more
        return answer, sent


def test_an_8_mb_body_gets_413_before_it_is_sent(playground: Playground) -> None:
    size = 8 * 1024 * 1024
    head = (
        f"POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1:{port(playground)}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    answer, sent = raw_exchange(playground, head, [])  # the head alone
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent == 0  # answered from the Content-Length, without waiting for the body


@pytest.mark.parametrize("path", ["/", "/api/lab"])
def test_a_large_body_on_a_get_gets_413_too(playground: Playground, path: str) -> None:
    head = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port(playground)}\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    ).encode()
    answer, _ = raw_exchange(playground, head, [])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_over_the_limit_gets_413_once_it_passes_it(playground: Playground) -> None:
    head = (
        f"POST /runs HTTP/1.1\r\nHost: 127.0.0.1:{port(playground)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n%s\r\n" % (8192, b"a" * 8192)
    before = state(playground)

    answer, sent = raw_exchange(playground, head, [chunk] * (8 * 1024 * 1024 // 8192))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert MAX_BODY_BYTES < sent < 8 * 1024 * 1024
    assert state(playground) == before


def test_a_body_just_under_the_limit_is_read_and_validated(playground: Playground) -> None:
    padded = {**burst("async", 1), "scenario": "s" * (MAX_BODY_BYTES - 200)}
    response = playground.client.post("/api/runs", json=padded)
    assert response.status_code == 422
    assert len(response.content) < 2000  # the 422 does not echo the 64 KB back


def test_the_run_form_works_under_the_csp_with_no_violation(
    browser: Browser, playground: Playground
) -> None:
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (event) => window.violations.push(event.violatedDirective + ' ' + event.blockedURI));"
    )
    response = page.goto(playground.url)
    assert response is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

    # The load model shows its own fields (was an inline hx-on handler).
    page.select_option("select[name=model]", "users")
    expect(page.locator("fieldset[data-model=users]")).to_be_visible()
    expect(page.locator("fieldset[data-model=burst]")).to_be_hidden()
    page.select_option("select[name=model]", "burst")
    expect(page.locator("fieldset[data-model=burst]")).to_be_visible()

    # Errors show, and the next request clears them (was an inline hx-on handler too).
    page.fill("input[name=requests]", "3")
    page.fill("input[name=concurrency]", "9")
    page.click("button.run-button")
    expect(page.locator("#form-errors")).to_contain_text("cannot exceed requests")
    page.fill("input[name=concurrency]", "")
    page.fill("input[name='param.delay_ms']", "20")
    page.click("button.run-button")
    expect(page.locator(".status-line")).to_contain_text("done", timeout=30_000)
    expect(page.locator("#form-errors")).to_be_empty()

    violations = page.evaluate("window.violations")
    page.close()
    assert violations == [], violations
    refused = [line for line in console if "Content Security Policy" in line or "pageerror" in line]
    assert refused == []
