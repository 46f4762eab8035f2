"""A contact sheet of a benchmark's misses: one tile per image, scaled to fit, with the truth and what was read
printed under it ("4071 -> 471"; "4071 -> nothing found" when the detector found no region, "nothing read"
when it found one but nothing was read from it; "no number -> 7" for a picture without one), and the
detector's regions drawn in red.

``benchmarks.reader`` writes one a set to ``benchmarks/out/<set>-misses.png``, a 64-colour palette PNG
(photos' noise would make a full-colour one 3-4 times the size).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

MAX_TILES = 40  # the first 40 misses of a set, in the order they were read
COLUMNS = 5
IMAGE_SIZE = (240, 120)  # width, height of a tile's picture
CAPTION_HEIGHT = 24
PAPER, INK, RULE, BOX = (255, 255, 255), (0, 0, 0), (170, 170, 170), (0, 0, 230)
FONT = cv2.FONT_HERSHEY_SIMPLEX
MAX_FONT_SCALE = 0.5
PALETTE_COLOURS = 64


def caption(truth: list[str], read: list[str], regions_found: int = 0) -> str:
    """"4071 -> 471": the truth, then the numbers read joined by spaces; "nothing found" when the detector
    found no region, "nothing read" when it found some but no number was read."""
    said = " ".join(read) if read else "nothing read" if regions_found else "nothing found"
    text = f"{' '.join(truth) or 'no number'} -> {said}"  # a picture without a number (no-digits) read as one
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)  # Hershey fonts draw ASCII only


def crop_to_regions(image: np.ndarray, boxes: list) -> tuple[np.ndarray, tuple[int, int]]:
    """The part of the image round the detector's regions (the regions' height above and below, twice it to
    either side, so that ink the detector left out beside them shows), or the whole image when none was
    found; and the crop's top-left corner, to move the boxes by."""
    if not boxes:
        return image, (0, 0)
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    margin = y1 - y0
    left, top = max(0, x0 - 2 * margin), max(0, y0 - margin)
    return image[top:y1 + margin, left:x1 + 2 * margin], (left, top)


def fit(image: np.ndarray, size: tuple[int, int] = IMAGE_SIZE) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The image scaled (keeping its shape) and centred on paper of ``size``; the scale and where it sits."""
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    scaled = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), PAPER, np.uint8)
    left, top = (width - scaled.shape[1]) // 2, (height - scaled.shape[0]) // 2
    canvas[top:top + scaled.shape[0], left:left + scaled.shape[1]] = scaled
    return canvas, scale, (left, top)


def draw_caption(cell: np.ndarray, text: str) -> None:
    """The caption under the picture, in black, shrunk to fit the tile's width."""
    width = cell.shape[1] - 8
    (text_width, _), _ = cv2.getTextSize(text, FONT, MAX_FONT_SCALE, 1)
    scale = MAX_FONT_SCALE * min(1.0, width / max(text_width, 1))
    cv2.putText(cell, text, (4, cell.shape[0] - 8), FONT, scale, INK, 1, cv2.LINE_AA)


def tile(image: np.ndarray, text: str, boxes: list = ()) -> np.ndarray:
    """One tile: the picture round the detector's regions (drawn in red), scaled to fit, the caption under it."""
    crop, (dx, dy) = crop_to_regions(image, list(boxes))
    picture, scale, (left, top) = fit(crop)
    for x, y, w, h in boxes:
        corner = (left + round((x - dx) * scale), top + round((y - dy) * scale))
        cv2.rectangle(picture, corner, (corner[0] + round(w * scale), corner[1] + round(h * scale)), BOX, 1)
    cell = np.vstack([picture, np.full((CAPTION_HEIGHT, IMAGE_SIZE[0], 3), PAPER, np.uint8)])
    draw_caption(cell, text)
    cv2.rectangle(cell, (0, 0), (cell.shape[1] - 1, cell.shape[0] - 1), RULE, 1)
    return cell


def sheet(tiles: list[np.ndarray], columns: int = COLUMNS) -> np.ndarray:
    """The tiles in rows of ``columns``, the last row filled with paper."""
    blank = np.full_like(tiles[0], 255)
    padded = tiles + [blank] * (-len(tiles) % columns)
    rows = [np.hstack(padded[i:i + columns]) for i in range(0, len(padded), columns)]
    return np.vstack(rows)


def write_sheet(path: Path, tiles: list[np.ndarray]) -> bool:
    """Write the sheet of ``tiles`` to ``path`` (a PNG), or remove an old one when there are none."""
    path.unlink(missing_ok=True)
    if not tiles:
        return False
    rgb = Image.fromarray(cv2.cvtColor(sheet(tiles), cv2.COLOR_BGR2RGB))
    rgb.quantize(PALETTE_COLOURS).save(path, "PNG", optimize=True)
    return True
