"""Making an in-process app's server busy, and measuring how it copes (the overload and fault tests)."""
from __future__ import annotations

import threading
import time

import numpy as np


class SlowReads:
    """Wraps a recognizer's ``recognize`` to take ``delay_s`` longer, counting how many calls ran at once
    (``most``): how the tests make the server busy and see how much of it reads at the same time."""

    def __init__(self, recognize, delay_s: float):
        self.recognize, self.delay_s = recognize, delay_s
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, data, model=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.delay_s)
            return self.recognize(data, model)
        finally:
            with self.lock:
                self.running -= 1


def slow_down(service, monkeypatch, delay_s: float) -> SlowReads:
    """Make ``service``'s reading ``delay_s`` slower for one test; the returned SlowReads counts."""
    slow = SlowReads(service.recognize, delay_s)
    monkeypatch.setattr(service, "recognize", slow)
    return slow


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, float), q))
