"""Waiting in tests, shared by every suite's helpers."""
from __future__ import annotations

import time


class WaitTimeout(AssertionError, TimeoutError):
    """What ``wait_until`` raises: a failed expectation to a test, a timeout to code that catches TimeoutError."""


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy (returned); raise WaitTimeout after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
