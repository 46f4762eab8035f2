"""The benchmark's own ink: how its scenes shape MNIST digits, line them up into numbers, find a digit's
centre line, and draw pen paths on the page's canvas and on paper.

This is other code, with other choices, than training's generators (``training.scenes.synth``,
``training.scenes.strokes``, ``training.scenes.pen``), so that a gain that holds only for training's way of drawing does
not show here (``tests/benchmarks/test_renderer_imports.py`` walks the imports to keep it so). The two agree
only on facts about the app: the page's pen is round and 1/18 of the canvas height wide
(``static/js/draw.js``).

- An MNIST digit is bent by one random affine map (turn, shear, stretch) and its pen made heavier or lighter
  by where its soft scan is cut (training turns, resizes, then dilates or erodes).
- A number's digits stand on a baseline that slopes a little and drifts, with gaps measured from the
  digits' own widths (training jitters digits round a centre line with gaps measured from the height).
- A centre line is the morphological skeleton (Lantuejoul's: what each erosion leaves that an opening
  takes away), its pixels joined to neighbours up to 2 px off (training: Zhang-Suen thinning, spurs pruned).
- Paths are drawn by OpenCV's polylines at 4x and averaged down (training stamps each segment by its
  distance to the pixel centres). On paper a pen presses harder and lighter along a stroke, from smooth
  noise, and a ballpoint leaves grain (training thins the pen where it moved fast).
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

PEN_SHARE = 1 / 18  # the page's pen width as a share of the canvas height (static/js/draw.js): a fact, not a choice
SUPERSAMPLE = 4
MAX_SUPERSAMPLED = 16_000_000  # px: a larger picture is drawn at 2x
MNIST_INK = 20.0  # px: MNIST fits each digit's ink in a 20-px box of its 28
TURN = 12.0  # degrees, at most
SHEAR = 0.25  # x moved per unit of y, at most
STRETCH = (0.82, 1.2)  # a digit's width against the writer's own
CUT_LEVEL = (0.15, 0.45)  # where the soft scan is cut: low for a heavy pen, high for a light one
EDGE = 0.12  # the soft edge kept round the cut, in scan levels
GAP = (0.1, 0.5)  # between two digits, in the number's mean digit width
SLOPE = 3.0  # degrees the baseline may rise or fall
DRIFT = 0.03  # how far each digit's bottom wanders off the baseline, in digit heights
SIZE_SPREAD = (0.92, 1.06)  # a digit's height against the number's
JOIN = 2.0  # px: skeleton pixels this close are joined by the pen


# --- MNIST digits into numbers ---------------------------------------------------------------------

def tight(mask: np.ndarray, level: float = 0.1) -> np.ndarray:
    """Crop a float mask to the pixels above ``level``."""
    ys, xs = np.nonzero(mask > level)
    return mask[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1] if len(xs) else mask


def affine_about_centre(rng: np.random.Generator, scale: float, size: int) -> np.ndarray:
    """A 2x3 map from MNIST's 28x28 into a ``size`` square: turned, sheared, stretched and scaled about the
    centres."""
    turn = np.deg2rad(rng.uniform(-TURN, TURN))
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    linear = scale * rotation @ np.array([[rng.uniform(*STRETCH), rng.uniform(-SHEAR, SHEAR)], [0.0, 1.0]])
    shift = np.full(2, size / 2) - linear @ np.full(2, 14.0)
    return np.hstack([linear, shift[:, None]])


def shape_digit(image: np.ndarray, rng: np.random.Generator, height: int) -> np.ndarray:
    """An MNIST digit (28x28 uint8, white on black) -> a float ink mask ``height`` px tall, tight."""
    scale = height / MNIST_INK
    size = int(np.ceil(28 * scale * 1.6))
    warped = cv2.warpAffine(image.astype(np.float32) / 255.0, affine_about_centre(rng, scale, size), (size, size),
                            flags=cv2.INTER_CUBIC)
    mask = tight(np.clip((warped - rng.uniform(*CUT_LEVEL)) / EDGE + 0.5, 0.0, 1.0))
    width = max(1, int(round(mask.shape[1] * height / mask.shape[0])))
    return np.clip(cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


def line_up(masks: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Digit masks written left to right, bottoms on a sloping, drifting baseline, never touching: one float
    mask, tight."""
    widths = np.array([m.shape[1] for m in masks], float)
    heights = np.array([m.shape[0] for m in masks], float)
    gaps = np.maximum(1.0, rng.uniform(*GAP, len(masks) - 1) * widths.mean())
    lefts = np.concatenate([[0.0], np.cumsum(widths[:-1] + gaps)])
    slope = np.tan(np.deg2rad(rng.uniform(-SLOPE, SLOPE)))
    bottoms = -lefts * slope + np.cumsum(rng.normal(0.0, DRIFT * heights.max(), len(masks)))
    tops = np.round(bottoms - heights - (bottoms - heights).min()).astype(int)
    lefts = np.round(lefts).astype(int)
    canvas = np.zeros((int((tops + heights).max()) + 1, int((lefts + widths).max()) + 1), np.float32)
    for mask, x, y in zip(masks, lefts, tops):
        window = canvas[y: y + mask.shape[0], x: x + mask.shape[1]]
        np.maximum(window, mask, out=window)
    return tight(canvas)


def written_number(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray, length: int,
                   height: int) -> tuple[np.ndarray, str]:
    """``length`` random digits of ``images`` (MNIST-style) written as one number about ``height`` px tall:
    float ink mask (tight) and its text."""
    picks = rng.integers(0, len(images), length)
    sizes = rng.uniform(*SIZE_SPREAD, length) * height
    masks = [shape_digit(images[i], rng, max(int(round(s)), 4)) for i, s in zip(picks, sizes)]
    return line_up(masks, rng), "".join(str(labels[i]) for i in picks)


# --- centre lines ------------------------------------------------------------------------------------

def skeleton(binary: np.ndarray) -> np.ndarray:
    """Lantuejoul's morphological skeleton of a 0/1 image: the union over k of what the k-th erosion
    leaves that an opening of it removes."""
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    ink, bones = binary.astype(np.uint8), np.zeros(binary.shape, bool)
    while ink.any():
        eroded = cv2.erode(ink, cross)
        bones |= (ink > 0) & (cv2.dilate(eroded, cross) == 0)
        ink = eroded
    return bones


def centre_segments(mask: np.ndarray, level: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """A mask's centre line as segments (n, 2, 2) of (x, y) pixel centres: each skeleton pixel joined to
    every other within ``JOIN`` px (which bridges the skeleton's small breaks; a lone pixel, the skeleton of a
    bump on a stroke's edge, is left out unless it is all there is); and each
    segment's reach: how far the ink reaches from it (the distance to paper at its nearer end, px). A pen
    kept within its reach does not grow knobs where the skeleton runs out into a stroke's corners."""
    binary = (mask >= level).astype(np.uint8)
    ys, xs = np.nonzero(skeleton(binary))
    points = np.column_stack([xs, ys]).astype(np.float32)
    if not len(points):
        return np.zeros((0, 2, 2), np.float32), np.zeros(0, np.float32)
    distance = cv2.distanceTransform(binary, cv2.DIST_L2, 5)[ys, xs]
    near = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)) <= JOIN
    first, second = np.nonzero(np.triu(near, 1))
    pairs = np.stack([first, second], 1) if len(first) else np.zeros((1, 2), int)  # a lone pixel: a dot
    return points[pairs], distance[pairs].min(axis=1)


# --- drawing paths -----------------------------------------------------------------------------------

def segments_of(strokes: Sequence[np.ndarray]) -> np.ndarray:
    """Pen strokes ((n, 2) points each) as segments (m, 2, 2); a one-point stroke as a dot."""
    pieces = [np.stack([s[:-1], s[1:]], 1) if len(s) > 1 else np.stack([s, s], 1) for s in map(np.asarray, strokes)]
    return np.concatenate(pieces).astype(np.float64) if pieces else np.zeros((0, 2, 2))


def stroke(size: tuple[int, int], segments: np.ndarray, scale, offset, widths) -> np.ndarray:
    """Draw ``segments`` (n, 2, 2) with a round pen: point p lands at ``p * scale + offset`` px (pixel i spans
    [i, i + 1)); ``widths``: the pen's width in px, one for all or one per segment. Float alpha (H, W)."""
    width, height = size
    k = SUPERSAMPLE if width * height * SUPERSAMPLE ** 2 <= MAX_SUPERSAMPLED else 2
    layer = np.zeros((height * k, width * k), np.uint8)
    placed = (np.asarray(segments, np.float64) * np.asarray(scale) + np.asarray(offset)) * k - 0.5
    fixed = np.round(placed * 16).astype(np.int32)  # 4 bits of sub-pixel position
    # OpenCV's thick line covers the pixels whose centres lie within (thickness + 1) / 2 of the path
    thickness = np.maximum(1, np.round(np.broadcast_to(np.asarray(widths, float), len(fixed)) * k) - 1).astype(int)
    for value in np.unique(thickness):
        cv2.polylines(layer, list(fixed[thickness == value]), False, 255, int(value), cv2.LINE_8, 4)
    return cv2.resize(layer, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def extent(strokes: Sequence[np.ndarray]) -> tuple[float, float]:
    """(width, height) of the strokes' centre line in their own units."""
    every = np.concatenate([np.asarray(s, np.float64) for s in strokes])
    return float(np.ptp(every[:, 0])), float(np.ptp(every[:, 1]))


def rounded(stroke_points: np.ndarray, passes: int) -> np.ndarray:
    """Chaikin's corner cutting, ``passes`` times: takes a coarse tablet's staircase out of a stroke."""
    points = np.asarray(stroke_points, np.float64)
    for _ in range(passes if len(points) > 2 else 0):
        cut = np.stack([0.75 * points[:-1] + 0.25 * points[1:], 0.25 * points[:-1] + 0.75 * points[1:]], 1)
        points = np.concatenate([points[:1], cut.reshape(-1, 2), points[-1:]])
    return points


def placed_strokes(sample, ink_height: float) -> tuple[list[np.ndarray], float]:
    """A pen sample's strokes (or a list of strokes) rounded where its tablet's unit spans pixels at
    ``ink_height``, and the scale from its units to pixels."""
    strokes = list(getattr(sample, "strokes", sample))
    scale = ink_height / max(extent(strokes)[1], 1e-6)
    passes = min(3, int(np.ceil(getattr(sample, "tablet_unit", 0.0) * scale)))
    return [rounded(s, passes if passes >= 1 else 0) for s in strokes], scale


def canvas_drawing(sample, size: tuple[int, int], ink_height: float, offset: tuple[float, float],
                   pen: float) -> np.ndarray:
    """A pen sample drawn in black on a white canvas of ``size`` (uint8 grey): its centre line
    ``ink_height`` px tall, the top-left of that line's box at ``offset``, a round pen ``pen`` px wide."""
    strokes, scale = placed_strokes(sample, ink_height)
    low = np.concatenate(strokes).min(axis=0)
    origin = np.asarray(offset) - low * scale
    alpha = stroke(size, segments_of(strokes), scale, origin, pen)
    return np.rint(255.0 * (1.0 - alpha)).astype(np.uint8)


def pressure(rng: np.random.Generator, count: int, strength: float) -> np.ndarray:
    """A pen's width factor along ``count`` segments: smooth noise round 1, ``strength`` its spread."""
    knots = rng.normal(0.0, 1.0, max(2, count // 12 + 2))
    along = np.interp(np.linspace(0, len(knots) - 1, max(count, 1)), np.arange(len(knots)), knots)
    return np.clip(1.0 + strength * along, 0.45, 1.6)[:count]


def paper_ink(rng: np.random.Generator, sample, height: int, pen_share: float, strength: float,
              grain: float) -> np.ndarray:
    """A pen sample's ink on paper as float alpha, ``height`` rows (pen included) and as wide as the ink: a
    pen ``pen_share`` of the height wide, pressed harder and lighter along each stroke (``strength``), with a
    ballpoint's ``grain`` (0: a felt tip's even ink)."""
    pen = max(pen_share * height, 0.6)
    strokes, scale = placed_strokes(sample, max(height - pen, 1.0))
    low, width = np.concatenate(strokes).min(axis=0), extent(strokes)[0] * scale + pen
    segments = segments_of(strokes)
    widths = pen * np.concatenate([pressure(rng, max(len(s) - 1, 1), strength) for s in strokes])
    alpha = stroke((max(int(np.ceil(width)), 1), height), segments, scale, pen / 2 - low * scale, widths)
    speckle = cv2.GaussianBlur(rng.uniform(0.0, 1.0, alpha.shape).astype(np.float32), (0, 0), 0.7)
    return alpha * (1.0 - grain * speckle)
