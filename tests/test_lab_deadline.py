"""The watchdog's deadline: pushed back by one thread, slept on by another.

Only lower bounds on time: a kernel timer never fires early, however busy the machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from playground.lab import deadline as deadline_module
from playground.lab.deadline import Deadline

AFTER_S = 0.2
EVERY_S = 0.1
WAIT_S = 30.0


class _Waiter:
    """A thread waiting on the deadline again and again, noting when each wait returned."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.passed: list[float] = []
        self.stopping = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopping:
            self.deadline.wait()
            with self.changed:
                self.passed.append(time.monotonic())
                self.changed.notify_all()

    def until(self, count: int) -> list[float]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.passed) >= count, WAIT_S), self.passed
            return list(self.passed)


@contextmanager
def waiting() -> Iterator[_Waiter]:
    deadline = Deadline(after_s=AFTER_S, every_s=EVERY_S)
    waiter = _Waiter(deadline)
    waiter.thread.start()
    try:
        yield waiter
    finally:
        waiter.stopping = True
        deadline.pass_now()
        waiter.thread.join(WAIT_S)
        deadline.close()


def test_a_pushed_deadline_passes_after_its_delay_then_every_interval() -> None:
    with waiting() as waiter:
        pushed = time.monotonic()
        waiter.deadline.push()
        first, second = waiter.until(2)[:2]
    # The second pass is due an interval after the first was due, not after the waiter woke:
    # a waiter woken late by a busy machine sees the two closer together.
    assert first - pushed >= AFTER_S * 0.99
    assert second - pushed >= (AFTER_S + EVERY_S) * 0.99
    assert second > first


def test_pushing_the_deadline_back_keeps_its_waiter_asleep() -> None:
    with waiting() as waiter:
        waiter.deadline.push()
        time.sleep(AFTER_S / 2)
        pushed_again = time.monotonic()
        waiter.deadline.push()
        first = waiter.until(1)[0]
    assert first - pushed_again >= AFTER_S * 0.99


def test_a_disarmed_deadline_never_passes_until_told_to() -> None:
    with waiting() as waiter:
        waiter.deadline.push()
        waiter.deadline.disarm()
        time.sleep(2 * AFTER_S)
        assert waiter.passed == []
        told = time.monotonic()
        waiter.deadline.pass_now()
        assert waiter.until(1)[0] >= told


def test_without_a_timerfd_the_waiter_looks_every_interval_while_armed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deadline_module, "_libc_timerfd", lambda: None)  # as on macOS
    with waiting() as waiter:
        time.sleep(2 * EVERY_S)
        assert waiter.passed == []  # not armed yet
        pushed = time.monotonic()
        waiter.deadline.push()
        first, second = waiter.until(2)[:2]
    assert first - pushed >= EVERY_S * 0.99
    assert second - first >= EVERY_S * 0.99
