"""The reader benchmark's pad sets: pen-real's held-out UNIPEN strings drawn on the page's canvas with the
page's pen, filling 75-95% of its height (``pad-large``: only the strings that fit across it so, squeezed at
most to 70%) or 25-40% of it (``pad-small``); each returns a ``Scene`` with the ink's true box.
"""
from __future__ import annotations

import cv2
import numpy as np

from benchmarks.scenes import base, camera, ink
from benchmarks.scenes.mnist import CANVAS_ROOM, MIN_SQUEEZE
from benchmarks.scenes.real import PEN_CANVAS_SIZES, ink_aspect, squeezed
from training.sources.realdata import PenSample, load_unipen

# --- the drawing pad at the sizes people draw: large and small --------------------------------------

# The ink's height, the pen's width included, as a share of the canvas height: a number drawn to fill the
# pad, and one drawn small in a corner of it. pen-real draws at 45-80%.
PAD_FILL = {"pad-large": (0.75, 0.95), "pad-small": (0.25, 0.40)}
PAD_TARGET = 0.97  # the canvas set's target: a drawing is read at any size it is drawn
MOST_OVERLAP = 0.3  # strokes' ink overlapping more than this (loops filled in, strokes run together): a blot
MOST_COVER = 0.55  # or ink over this share of its box (small digits between a date's tall slashes, filled in)
THIN_BOX = 0.6  # a box narrower than this share of its height holds a lone thin stroke ("1"), all ink anyway
LARGER_STEP = 0.025  # how much larger (share of the canvas height) a writer who sees a blob tries again


def most_pad_fill(aspect: float, width: int, height: int) -> float:
    """The largest share of the canvas height the string's ink may fill and still fit across it, squeezed
    to at most ``MIN_SQUEEZE``, within ``CANVAS_ROOM`` of the width."""
    pen_width = height * ink.PEN_SHARE
    centre_height = (CANVAS_ROOM * width - pen_width) / max(aspect * MIN_SQUEEZE, 1e-6)
    return (centre_height + pen_width) / height


def fits_pad(sample: PenSample, fill: tuple[float, float]) -> bool:
    """Whether the string fits across every canvas size at the smallest ``fill``, and the page's pen leaves
    it legible at the largest (``blotted``, on the smallest canvas: tiny digits between tall brackets stay a
    blot at any size the set allows, and a writer would draw them larger still)."""
    aspect = ink_aspect(sample)
    if any(most_pad_fill(aspect, width, height) < fill[0] for width, height in PEN_CANVAS_SIZES):
        return False
    size = min(PEN_CANVAS_SIZES, key=lambda wh: wh[1])
    largest = min(fill[1], most_pad_fill(aspect, *size))
    pen_width = size[1] * ink.PEN_SHARE
    return not blotted(*drawn_on_pad(sample, size, largest * size[1] - pen_width, np.full(2, 0.5)), pen_width)


def pad_items(name: str, split: str) -> list[PenSample]:
    """A pad set's items: ``split``'s UNIPEN strings (pen-real's) that fit the pad at the set's size and stay
    legible on it, in order."""
    return [sample for sample in load_unipen("strings", split) if fits_pad(sample, PAD_FILL[name])]


def pad_scene(rng: np.random.Generator, sample: PenSample, fill: tuple[float, float]) -> "base.Scene":
    """A UNIPEN string drawn with the page's pen on a canvas of a size the page has, its ink (pen included)
    ``fill`` of the canvas height tall, squeezed across if need be, anywhere with 2% of white round it ->
    the canvas's PNG, [label], [the ink's box]. A writer who sees the pen fill in the string's loops and
    gaps (``blotted``) writes it larger, within ``fill``."""
    width, height = PEN_CANVAS_SIZES[int(rng.integers(len(PEN_CANVAS_SIZES)))]
    most = max(fill[0], min(fill[1], most_pad_fill(ink_aspect(sample), width, height)))
    share = rng.uniform(fill[0], most)
    where = rng.uniform(0.0, 1.0, 2)  # where the ink lies in the room it leaves: 0 left (top), 1 right (bottom)
    gray, strokes = pad_drawing(sample, (width, height), share, where)
    while blotted(gray, strokes, height * ink.PEN_SHARE) and share < most:
        share = min(share + LARGER_STEP, most)
        gray, strokes = pad_drawing(sample, (width, height), share, where)
    box = base.alpha_box(1.0 - gray.astype(np.float32) / 255.0)
    return base.Scene(camera.canvas_png(gray), [sample.label], [box])


def pad_drawing(sample: PenSample, size: tuple[int, int], share: float,
                where: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The string on the canvas, its ink ``share`` of the canvas height tall, placed at ``where``; and its
    strokes' centre lines in canvas pixels."""
    pen_width = size[1] * ink.PEN_SHARE
    centre_height = share * size[1] - pen_width  # the round pen adds half its width above and below
    gray, _ = drawn_on_pad(sample, size, centre_height, where)
    # smoothing a coarse tablet's staircase takes a pixel or few off the ink's height: draw it again at the
    # height that gives the share asked for
    centre_height *= (share * size[1] - pen_width) / max(ink_height_px(gray) - pen_width, 1.0)
    return drawn_on_pad(sample, size, centre_height, where)


def drawn_on_pad(sample: PenSample, size: tuple[int, int], centre_height: float,
                 where: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The string's centre line ``centre_height`` px tall, squeezed to fit across, drawn with the page's pen
    with 2% of white round its ink, at ``where`` in the room left: uint8 grey canvas, and the centre lines
    in its pixels (as ``pen.render`` places them)."""
    (width, height), pen_width, aspect = size, size[1] * ink.PEN_SHARE, ink_aspect(sample)
    written = squeezed(sample, pad_squeeze(aspect, centre_height, width, pen_width))
    ink_w, ink_h = ink.extent(written.strokes)[0] * centre_height + pen_width, centre_height + pen_width
    x = 0.02 * width + where[0] * max(0.96 * width - ink_w, 0.0) + pen_width / 2
    y = 0.02 * height + where[1] * max(0.96 * height - ink_h, 0.0) + pen_width / 2
    gray = ink.canvas_drawing(written, size, centre_height, (x, y), pen_width)
    low, scale = np.concatenate(written.strokes).min(axis=0), centre_height / max(ink.extent(written.strokes)[1], 1e-6)
    return gray, [(stroke - low) * scale + np.float32([x, y]) for stroke in written.strokes]


def pad_squeeze(aspect: float, centre_height: float, width: int, pen_width: float) -> float:
    """How much narrower the string is written so that it fits across the canvas (1: as written)."""
    return min(1.0, (CANVAS_ROOM * width - pen_width) / max(aspect * centre_height, 1e-6))


def ink_height_px(gray: np.ndarray) -> int:
    """Rows from the ink's top to its bottom (ink: darker than mid grey) on a canvas."""
    rows = np.nonzero((gray < 128).any(axis=1))[0]
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def blotted(gray: np.ndarray, strokes: list[np.ndarray], pen_width: float) -> bool:
    """Whether the pen has made a blot of the string: inked most of a box that is not a lone thin stroke
    (``MOST_COVER``: small digits between a date's tall slashes), or run strokes together (``overlapping``)."""
    x, y, w, h = base.alpha_box(1.0 - gray.astype(np.float32) / 255.0)
    covered = w > THIN_BOX * h and float((gray[y:y + h, x:x + w] < 128).mean()) > MOST_COVER
    return covered or overlapping(gray, strokes, pen_width)


def overlapping(gray: np.ndarray, strokes: list[np.ndarray], pen_width: float) -> bool:
    """Whether a piece of ink is much less than its strokes would cover apart (their length x the pen's
    width, plus round ends): loops filled in and strokes run together, over ``MOST_OVERLAP`` of it. Piece by
    piece, so that a blot between a date's or a bracket's clean long strokes still counts. (A stroke written
    back over itself counts too; such a writer only writes a little larger.)"""
    count, labels = cv2.connectedComponents((gray < 128).astype(np.uint8), connectivity=8)
    apart = np.zeros(count)
    for stroke in strokes:
        x, y = np.clip(np.rint(stroke[len(stroke) // 2]).astype(int), 0, (gray.shape[1] - 1, gray.shape[0] - 1))
        length = float(np.hypot(*np.diff(stroke, axis=0).T).sum()) if len(stroke) > 1 else 0.0
        apart[labels[y, x]] += length * pen_width + np.pi * (pen_width / 2) ** 2  # the piece its middle lies in
    area = np.bincount(labels.ravel(), minlength=count)
    return bool(np.any(area[1:] < (1.0 - MOST_OVERLAP) * apart[1:]))


def render_pad_large(rng: np.random.Generator, sample: PenSample) -> "base.Scene":
    return pad_scene(rng, sample, PAD_FILL["pad-large"])


def render_pad_small(rng: np.random.Generator, sample: PenSample) -> "base.Scene":
    return pad_scene(rng, sample, PAD_FILL["pad-small"])


# after the real sets in benchmarks.reader.ALL_SETS (a set's place seeds its images); boxed, unlike REAL_SCENES
PAD_SCENES = {"pad-large": render_pad_large, "pad-small": render_pad_small}
