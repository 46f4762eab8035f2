"""A contact sheet of numbers composed with separators (``separators.compose_with_separators``), to look at:
``python -m training.scenes.separator_sheet`` writes ``/tmp/separators_sheet.png``."""
from __future__ import annotations

import cv2
import numpy as np

from training.scenes.pen import extent, render
from training.scenes.separators import compose_with_separators, digits_by_char, sample_format
from training.scenes.synth import load_real_pool


def contact_sheet(path: str = "/tmp/separators_sheet.png", count: int = 30, seed: int = 1) -> None:
    """``count`` composed strings of train-split writers, drawn with the page's pen, labelled, to look at."""
    pool, rng, rows = load_real_pool(), np.random.default_rng(seed), []
    for _ in range(count):
        writer = pool.writer_names[int(rng.integers(len(pool.writer_names)))]
        strokes, label = compose_with_separators(digits_by_char(pool.by_writer[writer]), sample_format(rng), rng)
        row = render(strokes, (900, 90), ink_height=extent(strokes)[1] * 45, pen=5)
        cv2.putText(row, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 110, 1)
        rows.append(row)
    cv2.imwrite(path, np.vstack(rows))


if __name__ == "__main__":
    contact_sheet()
