"""The reader benchmark's scenes of real people's handwriting, from writers held out of training: a UNIPEN
string's pen strokes on the page's canvas (``pen-real``) or as ink on paper, photographed (``paper-real``), and
one scanned digit (``usps``, ``optdigits``). ``written``, ``separated`` and ``pad`` build on these.

- ``pen-real``: drawn as the page's canvas draws them (round pen, canvas height / 18 wide, black on white) by
  the benchmark's own ``ink.canvas_drawing``, sent as the canvas's PNG at a size the page has.
- ``paper-real``: ``ink.paper_ink`` (a ballpoint's or felt tip's width, pressure and grain) on ``camera``'s
  sheet, desk, light, tilt, camera and JPEG. Nothing here comes from training's renderers.
- ``usps`` and ``optdigits``: one scanned digit each, upscaled as a scanner at a higher resolution would see
  it, as ink on a crop of paper.

Each ``render_*(rng, item)`` is pure and deterministic and returns ``(image_bytes, [truth])``: the label as
written (separators and spaces kept) or the scan's digit. ``SLICES`` sorts labels into the slices the
benchmark reports (``label_slices``). No TensorFlow.
"""
from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import cv2
import numpy as np

from benchmarks.scenes import base, camera, ink, mnist
from training.sources.realdata import DIGITS, SEPARATORS, PenSample

# --- the page's canvas ----------------------------------------------------------------------------

# The draw canvas is 5:2 on every screen (app.css .stack--draw); its backing store is CSS size x
# devicePixelRatio, the 1-px border included as in mnist.CANVAS_SIZES (the page and panel take 50 CSS px
# of a phone's width, 66 of a wider window's).
PEN_CANVAS_SIZES = (
    (974, 390),  # a 1280-px desktop window, 1x
    (750, 300),  # a narrow desktop window, 1x
    (1020, 408),  # a 390-px phone held upright, 3x
    (620, 248),  # a 360-px phone held upright, 2x
    (2334, 933),  # an 844-px phone on its side, 3x
)
PEN_CANVAS_FILL = mnist.CANVAS_FILL  # the ink's height as a share of the canvas height, when it fits
CANVAS_ROOM = mnist.CANVAS_ROOM
MIN_SQUEEZE = mnist.MIN_SQUEEZE  # a long string is written narrower to fit, down to 70% of its width
MAX_PEN_SHARE = mnist.MAX_PEN_SHARE  # the pen at most 1/5 of the ink's height, while the string fits


def ink_aspect(sample: PenSample) -> float:
    """Width / height of the sample's centre line (a lone "1" is narrow, a phone number some 8 wide)."""
    width, height = ink.extent(sample.strokes)
    return width / max(height, 1e-6)


def canvas_ink_size(rng: np.random.Generator, aspect: float, width: int, height: int) -> tuple[float, float]:
    """The centre line's height in px on a ``width`` x ``height`` canvas and the horizontal squeeze: 45-80%
    of the canvas height, less when the string, squeezed to 70%, would not fit across; never so small
    that the pen is over a fifth of it while it fits."""
    pen_width = height * ink.PEN_SHARE
    room = CANVAS_ROOM * width - pen_width
    most = min(PEN_CANVAS_FILL[1] * height, CANVAS_ROOM * height - pen_width, room / (aspect * MIN_SQUEEZE))
    least = min(max(PEN_CANVAS_FILL[0] * height, pen_width / MAX_PEN_SHARE), most)
    ink_height = rng.uniform(least, most)
    return ink_height, min(1.0, room / max(aspect * ink_height, 1e-6))


def squeezed(sample: PenSample, squeeze: float) -> PenSample:
    """The sample written ``squeeze`` times as wide (its tablet resolution kept for smoothing)."""
    if squeeze >= 1.0:
        return sample
    return replace(sample, strokes=tuple(s * np.float32([squeeze, 1.0]) for s in sample.strokes))


def canvas_offset(rng: np.random.Generator, ink_size: tuple[float, float], size: tuple[int, int],
                  pen_width: float) -> tuple[float, float]:
    """Where the centre line's box starts: anywhere that leaves 2% of white round the inked box."""
    (ink_w, ink_h), (width, height) = ink_size, size
    x = rng.uniform(0.02 * width, max(0.02 * width, 0.98 * width - ink_w - pen_width))
    y = rng.uniform(0.02 * height, max(0.02 * height, 0.98 * height - ink_h - pen_width))
    return x + pen_width / 2, y + pen_width / 2


def render_pen_canvas(rng: np.random.Generator, sample: PenSample) -> tuple[bytes, list[str]]:
    """A UNIPEN string drawn on the page's canvas with the page's pen -> PNG bytes, [label]."""
    width, height = PEN_CANVAS_SIZES[int(rng.integers(len(PEN_CANVAS_SIZES)))]
    pen_width = height * ink.PEN_SHARE
    aspect = ink_aspect(sample)
    ink_height, squeeze = canvas_ink_size(rng, aspect, width, height)
    offset = canvas_offset(rng, (aspect * ink_height * squeeze, ink_height), (width, height), pen_width)
    gray = ink.canvas_drawing(squeezed(sample, squeeze), (width, height), ink_height, offset, pen_width)
    return camera.canvas_png(gray), [sample.label]


# --- ink on paper, photographed -------------------------------------------------------------------

PAPER_CAMERA = camera.PHOTO  # frames 1280x720 and 640x480, ink 40-120 px tall
PAPER_PEN_SHARE = (0.045, 0.12)  # a ballpoint's or felt tip's line, as a share of the string's height
PAPER_PRESSURE = (0.0, 0.35)  # how much the pen's width follows the hand's pressure along a stroke
PAPER_GRAIN = (0.0, 0.3)  # a ballpoint's uneven ink (0: a felt tip's)


def paper_ink(rng: np.random.Generator, sample: PenSample, ink_height: float) -> np.ndarray:
    """The sample's strokes as pen ink, ``ink_height`` px tall (pen included), alpha 0..1."""
    return ink.paper_ink(rng, sample, max(int(round(ink_height)), 8), rng.uniform(*PAPER_PEN_SHARE),
                         rng.uniform(*PAPER_PRESSURE), rng.uniform(*PAPER_GRAIN))


def paper_ink_height(rng: np.random.Generator, aspect: float, room: float) -> float:
    """The string's height in the frame: the camera's digit heights, less if it would not fit across."""
    low, high = PAPER_CAMERA.digit_height
    most = room / max(aspect + 0.1, 0.5)  # the pen's width on each side, and a lone "1" still some height
    return rng.uniform(min(low, most), min(high, most))


def render_pen_paper(rng: np.random.Generator, sample: PenSample) -> tuple[bytes, list[str]]:
    """A UNIPEN string written in ink on paper (plain or ruled), photographed by a phone -> JPEG, [label]."""
    width, height = PAPER_CAMERA.frames[int(rng.integers(len(PAPER_CAMERA.frames)))]
    sheet = camera.choose_sheet(rng, width, height)
    x0, y0, x1, y1 = camera.writable(sheet, width, height)
    ink_height = paper_ink_height(rng, ink_aspect(sample), x1 - x0)
    sheet = sheet.rule(ink_height, rng)
    mask = base.shrink_to(paper_ink(rng, sample, ink_height), x1 - x0, y1 - y0)
    x = rng.uniform(x0, max(x0, x1 - mask.shape[1]))
    y = rng.uniform(y0, max(y0, y1 - mask.shape[0]))
    y = min(max(camera.on_ruling(rng, sheet, y + mask.shape[0]) - mask.shape[0], y0), y1 - mask.shape[0])
    ink = np.zeros((height, width), np.float32)
    base.place(ink, mask, int(round(x)), int(round(y)))
    return camera.photograph(rng, PAPER_CAMERA, width, height, sheet, ink), [sample.label]


# --- scanned digits (USPS, optdigits) -------------------------------------------------------------


class ScanDigit(NamedTuple):
    image: np.ndarray  # uint8, white ink on black, as realdata loads it (16x16 or 32x32)
    label: int


SCANNER = camera.Camera(frames=(), digit_height=(32.0, 96.0), jpeg_quality=(100, 100), blur=(0.3, 0.7),
                        noise=(0.5, 2.0), contrast=(0.95, 1.0), motion_blur=0.0, vignette=(0.0, 0.0))
SCAN_MARGIN = (0.3, 1.2)  # paper round the digit on each side, in digit heights
SCAN_SOFTEN = 0.4  # blur the upscaled bitmap by this share of one source pixel: a scan has no staircase


def scanned_ink(image: np.ndarray, digit_height: float) -> np.ndarray:
    """A source digit upscaled to ``digit_height`` px as a finer scan of the same ink would show it: its
    pixels' staircase smoothed, the ink opaque with a thin edge. Alpha 0..1."""
    scale = digit_height / image.shape[0]
    size = (max(1, int(round(image.shape[1] * scale))), max(1, int(round(digit_height))))
    alpha = cv2.resize(image.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(SCAN_SOFTEN * scale, 0.3))
    return np.clip((alpha - 0.25) / 0.5, 0.0, 1.0)


def render_scan(rng: np.random.Generator, digit: ScanDigit) -> tuple[bytes, list[str]]:
    """One scanned digit on a crop of paper, 32-96 px tall with 0.3-1.2 digit heights of paper round it,
    in a pen's ink colour; the scanner's light is even, its blur and noise slight -> PNG bytes, [digit]."""
    digit_height = rng.uniform(*SCANNER.digit_height)
    top, bottom, left, right = (int(round(rng.uniform(*SCAN_MARGIN) * digit_height)) for _ in range(4))
    ink = cv2.copyMakeBorder(scanned_ink(digit.image, digit_height), top, bottom, left, right,
                             cv2.BORDER_CONSTANT, value=0.0)
    height, width = ink.shape
    sheet = camera.Sheet((0, 0, width, height), camera.paper_colour(rng), ruled=False)
    surface = camera.ink_on(rng, camera.paper(rng, sheet, width, height), ink)
    _, buf = cv2.imencode(".png", cv2.cvtColor(camera.camera_faults(rng, surface, SCANNER), cv2.COLOR_RGB2BGR))
    return buf.tobytes(), [str(digit.label)]


# --- slices ---------------------------------------------------------------------------------------


def has_repeated_digit(label: str) -> bool:
    """Two equal digits in a row ("1100"), where a reader may drop one."""
    return any(a == b and a in DIGITS for a, b in zip(label, label[1:]))


def has_separator(label: str) -> bool:
    return any(c in SEPARATORS or c == " " for c in label)


def is_long(label: str) -> bool:
    return len(label) >= 9


def is_single_digit(label: str) -> bool:
    return len(label) == 1 and label in DIGITS


SLICES = {"repeated": has_repeated_digit, "separators": has_separator, "long": is_long, "single": is_single_digit}


def label_slices(label: str) -> list[str]:
    """The slices ``label`` belongs to, in ``SLICES``'s order."""
    return [name for name, belongs in SLICES.items() if belongs(label)]
