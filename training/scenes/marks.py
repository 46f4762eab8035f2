"""Stray marks round a training string (issue 22): what people's numbers come with that is not a digit.

An underline, a box drawn round the number, a form field's edge beside it, a tick after it, a stray stroke
to its right. The reader must read the digits and nothing of the mark ("96" with a stroke after it is not
"961"). ``with_stray_mark`` draws one on a laid-out ink mask (float32 0..1, the digits' boxes known) and
returns the mask grown to hold it; the label does not change. Sizes are in digit heights (the mask's height).

These are the training marks. The reader benchmark's ``stray-marks`` set draws its own, with other code
(``benchmarks/scenes/written.py``), so a gain there is not one of this module's shapes only.
"""
from __future__ import annotations

import cv2
import numpy as np

ROOM = 0.6  # the mask is padded by this many heights on each side before a mark is drawn, then cropped to ink
PEN = (0.05, 0.12)  # the mark's line width, as a share of the height (the digits' pens are in this range)
GAP = (-0.05, 0.3)  # the mark's distance from the digits' ink; below 0 it touches or crosses them
SUBPIXEL = 16  # cv2's fixed-point shift 4: line ends placed to a sixteenth of a pixel


def _line(mask: np.ndarray, points: np.ndarray, width: int) -> None:
    """Draw a polyline of (x, y) pixel points into ``mask`` as ink 1.0, anti-aliased."""
    pts = np.round(points * SUBPIXEL).astype(np.int32)
    cv2.polylines(mask, [pts], False, 1.0, width, lineType=cv2.LINE_AA, shift=4)


def underline(rng: np.random.Generator, ink: tuple[float, float, float, float], h: float) -> list[np.ndarray]:
    """A line under the number, a little longer or shorter than it, not quite level."""
    x0, _, x1, y1 = ink
    y = y1 + rng.uniform(*GAP) * h
    return [np.array([[x0 - rng.uniform(-0.2, 0.4) * h, y], [x1 + rng.uniform(-0.2, 0.4) * h,
                                                             y + rng.uniform(-0.08, 0.08) * h]])]


def field_edge(rng: np.random.Generator, ink: tuple[float, float, float, float], h: float) -> list[np.ndarray]:
    """A form field's edge: a line taller than the digits beside them, left or right, at times with its
    bottom line running under the number."""
    x0, y0, x1, y1 = ink
    left = rng.random() < 0.5
    x = x0 - rng.uniform(*GAP) * h if left else x1 + rng.uniform(*GAP) * h
    top, bottom = y0 - rng.uniform(0.1, 0.5) * h, y1 + rng.uniform(0.05, 0.4) * h
    edge = [np.array([[x, top], [x + rng.uniform(-0.05, 0.05) * h, bottom]])]
    if rng.random() < 0.5:
        edge.append(np.array([[x, bottom], [x1 + 0.3 * h if left else x0 - 0.3 * h, bottom]]))
    return edge


def frame(rng: np.random.Generator, ink: tuple[float, float, float, float], h: float) -> list[np.ndarray]:
    """A box drawn round the number by hand: four sides, corners overshooting a little."""
    x0, y0, x1, y1 = ink
    m = rng.uniform(0.05, 0.4, 4) * h
    corners = np.array([[x0 - m[0], y0 - m[1]], [x1 + m[2], y0 - m[1]], [x1 + m[2], y1 + m[3]], [x0 - m[0], y1 + m[3]]])
    corners += rng.normal(0.0, 0.03 * h, corners.shape)
    return [np.vstack([corners, corners[:1]])]


def tick(rng: np.random.Generator, ink: tuple[float, float, float, float], h: float) -> list[np.ndarray]:
    """A tick after (or before) the number, a third to two thirds of its height."""
    x0, y0, x1, y1 = ink
    size = rng.uniform(0.3, 0.65) * h
    x = x1 + rng.uniform(0.15, 0.4) * h if rng.random() < 0.7 else x0 - rng.uniform(0.15, 0.4) * h - size
    y = y0 + rng.uniform(0.2, 0.9) * (y1 - y0)
    return [np.array([[x, y - 0.4 * size], [x + 0.35 * size, y], [x + size, y - size]])]


def stroke_after(rng: np.random.Generator, ink: tuple[float, float, float, float], h: float) -> list[np.ndarray]:
    """A short stray stroke after the number, steep (a slip of the pen; shorter than a 1; a level one would
    be a dash)."""
    _, y0, x1, y1 = ink
    length = rng.uniform(0.15, 0.45) * h
    angle = rng.choice([-1.0, 1.0]) * rng.uniform(np.radians(35), np.radians(90))
    start = np.array([x1 + rng.uniform(0.15, 0.5) * h, y0 + rng.uniform(0.3, 0.9) * (y1 - y0)])
    return [np.array([start, start + length * np.array([np.cos(angle), np.sin(angle)])])]


MARKS = (underline, field_edge, frame, tick, stroke_after)


def _ink_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask > 0.2)
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def with_stray_mark(mask: np.ndarray, boxes: list, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """``mask`` (float32 (H, W) ink) with one stray mark drawn near its digits, cropped to all the ink;
    ``boxes`` (x, y, w, h per digit) moved with the crop."""
    if not (mask > 0.2).any():
        raise ValueError(f"a stray mark needs ink to go beside; received an empty mask of shape {mask.shape}")
    h = float(mask.shape[0])
    room = int(ROOM * h) + 2
    grown = np.pad(mask, room)
    x0, y0, x1, y1 = _ink_box(grown)
    width = max(1, int(round(rng.uniform(*PEN) * h)))
    for points in MARKS[int(rng.integers(len(MARKS)))](rng, (x0, y0, x1, y1), h):
        _line(grown, np.clip(points, 0, [grown.shape[1] - 1, grown.shape[0] - 1]), width)
    cx0, cy0, cx1, cy1 = (int(v) for v in _ink_box(grown))
    moved = [(x + room - cx0, y + room - cy0, w, hh) for (x, y, w, hh) in boxes]
    return np.ascontiguousarray(grown[cy0 : cy1 + 1, cx0 : cx1 + 1]), moved
