"""A process that writes corrections, for the tests of several gunicorn workers writing one store at once.
Its imports are few: a spawned process imports this module, not the test's."""
from __future__ import annotations

import cv2
import numpy as np

from training.core.corrections import CorrectionStore, NewCorrection, StoreFullError


def add_many(path: str, count: int, max_rows: int) -> tuple[int, int]:
    """``count`` samples into the store at ``path``: (how many were stored, how many refused as full)."""
    corrections = CorrectionStore(path, max_rows=max_rows)
    crop = cv2.imencode(".png", np.full((40, 80), 255, np.uint8))[1].tobytes()
    stored = refused = 0
    for n in range(count):
        try:
            corrections.add(NewCorrection("upload", str(n), "", "m", "v", (80, 40), None, crop))
            stored += 1
        except StoreFullError:
            refused += 1
    return stored, refused
