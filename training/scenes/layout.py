"""How a hand lays its digits out along a line: their sizes, the gaps between them, a drifting baseline.

In units of the digits' height. ``synth`` lays out real handwriting with these (``write_along``), and
``separators`` writes its numbers with the same gaps and baseline, so its digits sit as a hand's do.
"""
from __future__ import annotations

import numpy as np

REAL_SIZES = (0.85, 1.15)  # a digit's height as a share of its string's
REAL_GAPS = (-0.1, 0.45)  # a writer's mean gap between digits, as a share of the height: below 0 they overlap
GAP_JITTER = 0.12  # each gap differs from the writer's mean by up to this share of the height
MOST_OVERLAP = 0.25  # digits overlap by at most this share of the narrower one's width
BASELINE_DRIFT = 0.08  # the baseline rises or falls by up to this share of the height per digit
BASELINE_JITTER = 0.03  # and each digit sits off it by about this share (standard deviation)


def baseline(count: int, rng: np.random.Generator, height: int) -> np.ndarray:
    """Where each digit's bottom sits: a line rising or falling by up to ``BASELINE_DRIFT`` of the height per
    digit, each digit a little off it."""
    slope = rng.uniform(-BASELINE_DRIFT, BASELINE_DRIFT) * height
    return height + slope * np.arange(count) + rng.normal(0, BASELINE_JITTER * height, count)
