"""A contact sheet of printed training numbers (``printed.PrintedStrings``), to look at them as a person would:
``python -m training.scenes.printed_sheet [PATH]`` writes 40 crops, each captioned with its truth, its kind and
the words printed inside it (default ``docs/printed-training-samples.png``)."""
from __future__ import annotations

import sys

import cv2
import numpy as np

from training.core.alphabet import TEXT_ALPHABET
from training.scenes.printed import PrintedStrings

CELL = (380, 96)  # each sample's cell (width, height): the crop fitted into its lower 76 rows, a caption above


def cell(image: np.ndarray, caption: str) -> np.ndarray:
    """One crop (uint8 (h, w)) fitted into a white cell (96, 380) below its caption."""
    out = np.full(CELL[::-1], 255, np.uint8)
    scale = min((CELL[0] - 8) / image.shape[1], (CELL[1] - 24) / image.shape[0])
    fitted = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    out[20:20 + fitted.shape[0], 4:4 + fitted.shape[1]] = fitted
    cv2.putText(out, caption, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, 0, 1, cv2.LINE_AA)
    return out


def contact_sheet(path: str = "docs/printed-training-samples.png", count: int = 40, seed: int = 37) -> None:
    """``count`` samples of the text alphabet in two columns, each captioned "truth  [kind; words in crop]"."""
    strings, rng = PrintedStrings(TEXT_ALPHABET, 8), np.random.default_rng(seed)
    cells = []
    for _ in range(count):
        scene = strings.scene(rng)
        words = f"; words {' '.join(scene.words)}" if scene.words else ""
        cells.append(cell(scene.image, f'"{scene.text}"  [{scene.kind}{words}]'))
    rows = [np.hstack(cells[i:i + 2] + [np.full(CELL[::-1], 255, np.uint8)] * (2 - len(cells[i:i + 2])))
            for i in range(0, len(cells), 2)]
    sheet = np.vstack(rows)
    sheet[:, CELL[0] - 1] = 160  # a rule between the columns
    cv2.imwrite(path, sheet)


if __name__ == "__main__":
    contact_sheet(*sys.argv[1:2])
