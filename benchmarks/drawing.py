"""Writing a number on the reader page's pad, stroke by stroke, as a person does: the one drawing helper of the
end-to-end tests, ``benchmarks/page_latency.py`` and ``docs/screenshot.py``.

It lives here because imports flow one way: the tests import benchmarks (and this), the benchmarks and the
docs' script import no tests, and the app (``webapp/``) holds no code that only drives a browser. It needs
nothing but a Playwright page: no Playwright import, no NumPy.

* ``GLYPHS``: simple, unambiguous strokes (the tests' and the latency benchmark's); ``HANDWRITTEN``: a hand's
  strokes with round corners and a slant (the screenshot's). Both in a unit box, x right, y down, about 0.6 wide.
* ``glyph_strokes``: the polylines that write a text with a glyph set, in any units (page pixels here; the
  tests draw them into images too, ``tests/support/digit_paper.draw_strokes``).
* ``Hand``: strokes with the mouse, or with one finger through the DevTools protocol.
* ``write_on_pad``: a text across the middle of ``#draw-canvas``.
"""
from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]

GLYPH_ADVANCE = 0.9  # digit pitch, in digit heights
GLYPH_WIDTH = 0.6  # a glyph's width, in digit heights


@dataclass(frozen=True)
class Glyphs:
    """A glyph set: each character's strokes in a unit box; ``slant`` (x shift at the top, in heights) and
    ``rounds`` of corner cutting applied when they are written."""

    strokes: dict[str, list[list[Point]]]
    slant: float = 0.0
    rounds: int = 0

    def __getitem__(self, char: str) -> list[list[Point]]:
        return self.strokes[char]


GLYPHS = Glyphs({
    "0": [[(0.3, 0.0), (0.08, 0.15), (0.0, 0.5), (0.08, 0.85), (0.3, 1.0), (0.52, 0.85), (0.6, 0.5), (0.52, 0.15),
           (0.3, 0.0)]],
    "1": [[(0.25, 0.2), (0.45, 0.0), (0.45, 1.0)]],
    "4": [[(0.45, 0.0), (0.0, 0.65), (0.6, 0.65)], [(0.45, 0.0), (0.45, 1.0)]],
    "7": [[(0.0, 0.0), (0.6, 0.0), (0.2, 1.0)]],
})

HANDWRITTEN = Glyphs({
    "4": [[(0.38, 0.0), (0.2, 0.32), (0.02, 0.62), (0.3, 0.61), (0.64, 0.58)],
          [(0.5, 0.12), (0.48, 0.55), (0.46, 1.0)]],
    "7": [[(0.0, 0.04), (0.3, 0.02), (0.6, 0.0), (0.45, 0.35), (0.32, 0.68), (0.22, 1.0)]],
    "2": [[(0.02, 0.24), (0.12, 0.06), (0.3, 0.0), (0.5, 0.06), (0.58, 0.24), (0.5, 0.45), (0.28, 0.7),
           (0.02, 0.98), (0.32, 0.96), (0.64, 0.98)]],
    "1": [[(0.02, 0.18), (0.22, 0.0), (0.21, 0.5), (0.2, 1.0)]],
}, slant=0.12, rounds=2)


def smooth(line: list[Point], rounds: int = 2) -> list[Point]:
    """Chaikin's corner cutting: rounds the polyline's corners the way a pen does, keeping its ends."""
    for _ in range(rounds):
        cut = [p for a, b in zip(line, line[1:]) for p in ((0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1]),
                                                           (0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1]))]
        line = [line[0], *cut[1:-1], line[-1]]
    return line


def glyph_strokes(text: str, left: float, top: float, height: float, glyphs: Glyphs = GLYPHS) -> list[list[Point]]:
    """Polylines (in the same units as ``left``/``top``/``height``) that write ``text`` with ``glyphs``."""
    strokes = []
    for i, char in enumerate(text):
        x0 = left + i * GLYPH_ADVANCE * height
        strokes += [[(x0 + (px + glyphs.slant * (1 - py)) * height, top + py * height)
                     for px, py in smooth(line, glyphs.rounds)] for line in glyphs[char]]
    return strokes


def text_width(text: str, height: float) -> float:
    """How wide ``text`` is written ``height`` tall (without the slant)."""
    return ((len(text) - 1) * GLYPH_ADVANCE + GLYPH_WIDTH) * height


class Hand:
    """Strokes with the mouse on a desktop, with one finger on a phone (touch events through the DevTools
    protocol: Playwright's own touchscreen only taps)."""

    def __init__(self, page, touch: bool, steps: int = 8):
        self.page, self.steps = page, steps
        self.cdp = page.context.new_cdp_session(page) if touch else None

    def stroke(self, points) -> None:
        """One stroke through ``points`` (page pixels), pen down to pen up, ``steps`` moves between two points."""
        if self.cdp is None:
            self.page.mouse.move(*points[0])
            self.page.mouse.down()
            for point in points[1:]:
                self.page.mouse.move(*point, steps=self.steps)
            self.page.mouse.up()
            return
        self._touch("touchStart", points[0])
        for start, end in zip(points, points[1:]):
            for step in range(1, self.steps + 1):
                t = step / self.steps
                self._touch("touchMove", (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t))
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def _touch(self, kind: str, point) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": point[0], "y": point[1]}]})


def write_on_pad(page, hand: Hand, text: str, share: float = 0.55, glyphs: Glyphs = GLYPHS, fit: float = 0.9) -> None:
    """``text`` across the middle of the pad (#draw-canvas), ``share`` of its height tall (smaller if it would
    not fit ``fit`` of its width, as a person writes on a narrow pad), pen-up after the last stroke."""
    box = page.locator("#draw-canvas").bounding_box()
    height = share * box["height"]
    width = text_width(text, height)
    if width > fit * box["width"]:
        height *= fit * box["width"] / width
        width = fit * box["width"]
    left = box["x"] + (box["width"] - width) / 2
    top = box["y"] + (box["height"] - height) / 2
    for stroke in glyph_strokes(text, left, top, height, glyphs):
        hand.stroke(stroke)
