"""Seven-segment digits drawn as bars (issue 37): the LCDs and LED displays of meters, scales and clocks.

``draw_display`` lays a reading ("12.5", "08:45", "-3") out in cells of seven bars each, with decimal points
and a clock's colon, and returns two layers: the lit bars and the unlit ones (an LCD shows its unlit bars
faintly, and the model must learn that a ghostly 8 is no digit). ``training.scenes.printed`` lights them as an
LCD or an LED display. The geometry and the table are this module's own; the benchmark draws its displays
with its own code (benchmarks/scenes/printed.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Which segments light for each character: a top, b top right, c bottom right, d bottom, e bottom left,
# f top left, g middle. VARIANTS: the 6 without its top bar, the 7 with a left bar, the 9 without its tail.
SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg",
            "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g", " ": ""}
VARIANTS = {"6": "cdefg", "7": "abcf", "9": "abcfg"}
# Each segment's centre line in a unit cell: x right (times the cell's width), y down (times its height).
SEGMENT_LINES = {"a": ((0, 0), (1, 0)), "b": ((1, 0), (1, 0.5)), "c": ((1, 0.5), (1, 1)), "d": ((0, 1), (1, 1)),
                 "e": ((0, 0.5), (0, 1)), "f": ((0, 0), (0, 0.5)), "g": ((0, 0.5), (1, 0.5))}


@dataclass(frozen=True)
class SegmentStyle:
    """A display's digits, in pixels: cell ``width`` x ``height`` (between the bars' centre lines), bar
    ``thickness``, ``gap`` cut off each bar's ends, ``slant`` (x moves this share of the height above the
    foot), ``pitch`` from cell to cell, and whether the 6, 7 and 9 use ``VARIANTS``."""

    width: float
    height: float
    thickness: float
    gap: float
    slant: float
    pitch: float
    variants: bool = False


def segment_style(rng: np.random.Generator) -> SegmentStyle:
    height = rng.uniform(40, 90)
    width = height * rng.uniform(0.42, 0.62)
    thickness = height * rng.uniform(0.07, 0.16)
    return SegmentStyle(width, height, thickness, thickness * rng.uniform(0.05, 0.3), rng.uniform(0, 0.2),
                        width + thickness * rng.uniform(2.2, 3.4), rng.random() < 0.25)


def segment_polygon(name: str, style: SegmentStyle, x0: float, y0: float) -> np.ndarray:
    """One bar as a pointed hexagon (6, 2) float, the cell's top-left centre-line corner at (x0, y0)."""
    (ux, uy), (vx, vy) = SEGMENT_LINES[name]
    p = np.array([ux * style.width, uy * style.height])
    q = np.array([vx * style.width, vy * style.height])
    along = (q - p) / np.linalg.norm(q - p)
    across, half = np.array([-along[1], along[0]]), style.thickness / 2
    p, q = p + along * style.gap, q - along * style.gap
    points = np.array([p, p + (along + across) * half, q + (across - along) * half, q,
                       q - (along + across) * half, p + (along - across) * half])
    points[:, 0] += (style.height - points[:, 1]) * style.slant  # lean right, pivoting on the foot
    return points + [x0, y0]


def _fill(layer: np.ndarray, points: np.ndarray) -> None:
    """Fill a polygon (n, 2) float on a uint8 layer, anti-aliased at 1/8 pixel."""
    cv2.fillPoly(layer, [np.round(points * 8).astype(np.int32)], 255, cv2.LINE_AA, shift=3)


def display_cells(text: str) -> tuple[list[str], set[int], set[int]]:
    """A reading -> its cells' characters, the cells followed by a decimal point, the cells followed by a colon."""
    cells, points, colons = [], set(), set()
    for ch in text:
        if ch == ".":
            points.add(len(cells) - 1)
        elif ch == ":":
            colons.add(len(cells) - 1)
        else:
            cells.append(ch)
    return cells, points, colons


def draw_display(text: str, blanks: int, style: SegmentStyle) -> tuple[np.ndarray, np.ndarray]:
    """A seven-segment reading with ``blanks`` dark cells before it: the lit and the unlit segments, uint8
    (H, W) layers each (255: the segment's area)."""
    cells, points, colons = display_cells(" " * blanks + text)
    margin = style.thickness * 1.5
    size = (int(style.height + 2 * margin + 2), int(len(cells) * style.pitch + style.height * style.slant + 2 * margin))
    lit, unlit = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
    dot = style.thickness * 0.5  # half a decimal point's side: as wide as a bar, in the room between cells
    for i, ch in enumerate(cells):
        x0 = margin + i * style.pitch
        on = VARIANTS.get(ch, SEGMENTS[ch]) if style.variants else SEGMENTS[ch]
        for name in SEGMENT_LINES:
            _fill(lit if name in on else unlit, segment_polygon(name, style, x0, margin))
        centre = (x0 + style.width + (style.pitch - style.width) / 2, margin + style.height - dot)
        _fill(lit if i in points else unlit, _square(centre, dot))
        if i in colons:
            for share in (0.3, 0.7):
                y = margin + style.height * share
                _fill(lit, _square((centre[0] + (style.height - y) * style.slant, y), dot))
    return lit, unlit


def _square(centre: tuple[float, float], half: float) -> np.ndarray:
    x, y = centre
    return np.array([[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half]])


def display_reading(rng: np.random.Generator, alphabet: str, most_chars: int) -> str:
    """What a meter, scale, clock or thermostat shows: digits, at times a minus, a decimal point or a colon."""
    digits = int(rng.integers(1, min(6, most_chars) + 1))
    text = "".join(str(int(rng.integers(10))) for _ in range(digits))
    if "." not in alphabet:
        return text
    kind = rng.random()
    if kind < 0.4 and digits >= 2:
        at = int(rng.integers(1, digits))
        text = text[:at] + "." + text[at:]
    elif kind < 0.6 and digits in (3, 4):
        text = text[:-2] + ":" + text[-2:]
    if rng.random() < 0.12 and len(text) < most_chars:
        text = "-" + text
    return text
