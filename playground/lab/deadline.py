"""A deadline that one thread pushes back and another sleeps on, waking only when it passes.

The lanes' watchdog must act when the event loop has not ticked for a while, and only then. A
thread that wakes every so often to look takes the GIL from the busy loop each time. A Linux
`timerfd` does not: the loop pushes it back at each send with one system call, and the watchdog
sleeps in `read` until it fires, which it never does while the loop keeps sending. Python wraps
timerfd from 3.13 (`os.timerfd_create`); this calls it through `ctypes` for 3.11 and 3.12. Where
there is no timerfd, the watchdog looks every `every_s` while the deadline is armed, as before it
had one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time

__all__ = ["Deadline"]

_CLOCK_MONOTONIC = 1
_TFD_CLOEXEC = os.O_CLOEXEC


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _timespec(seconds: float) -> _Timespec:
    whole = int(seconds)
    return _Timespec(whole, round((seconds - whole) * 1e9))


def _libc_timerfd() -> ctypes.CDLL | None:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc if hasattr(libc, "timerfd_create") else None


class Deadline:
    """Passes `after_s` after the last `push()`, and again every `every_s` until the next one;
    `wait()` returns each time it passes. Disarmed until the first push, and after `disarm()`."""

    def __init__(self, after_s: float, every_s: float) -> None:
        self.every_s = every_s
        self._armed = ctypes.byref(_Itimerspec(_timespec(every_s), _timespec(after_s)))
        self._disarmed = ctypes.byref(_Itimerspec())
        self._now = ctypes.byref(_Itimerspec(_Timespec(), _Timespec(0, 1)))
        self._libc = _libc_timerfd()
        self._fd = -1
        if self._libc is not None:
            self._fd = self._libc.timerfd_create(_CLOCK_MONOTONIC, _TFD_CLOEXEC)
            if self._fd < 0:
                self._libc = None
        self._polled_armed = threading.Event()
        """Without a timerfd: set while armed."""

    def _set(self, spec: object) -> None:
        if self._libc is not None:
            self._libc.timerfd_settime(self._fd, 0, spec, None)

    def push(self) -> None:
        self._set(self._armed)
        if self._libc is None and not self._polled_armed.is_set():
            self._polled_armed.set()

    def disarm(self) -> None:
        self._set(self._disarmed)
        self._polled_armed.clear()

    def pass_now(self) -> None:
        """Wake `wait()` at once, armed or not: to stop the thread waiting."""
        self._set(self._now)
        self._polled_armed.set()

    def wait(self) -> None:
        """Block until the deadline passes (without a timerfd: until `every_s` of it armed)."""
        if self._libc is not None:
            os.read(self._fd, 8)  # how many times it passed: any number is one wake
            return
        self._polled_armed.wait()
        time.sleep(self.every_s)

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
