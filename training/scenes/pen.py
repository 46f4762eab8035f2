"""Draw pen strokes (UNIPEN samples) as the page's draw canvas does: a round pen, black on white.

The canvas (``static/js/draw.js``) strokes each pointer move with ``lineCap = lineJoin = 'round'`` and a pen
``PEN_SHARE`` (1/18) of the canvas height wide, black on white, anti-aliased. ``render`` does the same for
a ``PenSample``'s strokes at any size, placement and pen width; ``speed`` optionally thins the pen where it
moved fast (from the spacing of the tablet's points, sampled at a steady rate) and thickens it where it
moved slowly, as a real pen's ink does. ``ink_mask`` gives the same ink as float alpha (0..1) at a given
height, for compositing onto paper. Each segment is inked by its distance from the pixel centres, so any
pen width (not only whole pixels) comes out right, with the canvas's kind of anti-aliased edge.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from training.sources.datasets import Digits

PEN_SHARE = 1 / 18  # the page's pen width as a share of the canvas height (static/js/draw.js)
SPEED_LIMITS = (0.4, 1.25)  # the most speed thins (fast) or thickens (slow) the pen, as a factor of its width
SPEED_WINDOW = 5  # segments the pace is averaged over
MAX_SMOOTHING = 4
MNIST_BOX = 20  # MNIST fits each digit's ink in 20x20 and centres its mass in 28x28


def _strokes_of(sample) -> Sequence[np.ndarray]:
    return sample.strokes if hasattr(sample, "strokes") else sample


def extent(strokes: Sequence[np.ndarray]) -> tuple[float, float]:
    """(width, height) of the strokes' centre line, in their own units (a PenSample's are 1 tall)."""
    every = np.concatenate([np.asarray(s, np.float64) for s in strokes])
    return float(every[:, 0].max() - every[:, 0].min()), float(every[:, 1].max() - every[:, 1].min())


def width_factors(stroke: np.ndarray, speed: float) -> np.ndarray:
    """Per segment of ``stroke``, the pen width's factor: 1 at the stroke's median pace, ``pace ** -speed``
    elsewhere (smoothed over neighbouring segments, clipped to ``SPEED_LIMITS``)."""
    steps = np.hypot(*np.diff(np.asarray(stroke, np.float64), axis=0).T)
    if speed == 0 or len(steps) == 0:
        return np.ones(len(steps))
    moving = steps[steps > 0]
    if len(moving) == 0:
        return np.ones(len(steps))
    half = SPEED_WINDOW // 2
    window = np.ones(SPEED_WINDOW) / SPEED_WINDOW
    pace = np.convolve(np.pad(steps, half, mode="edge"), window, mode="valid") / np.median(moving)
    return np.clip(np.maximum(pace, 1e-3) ** -speed, *SPEED_LIMITS)


def _simplified(pixels: np.ndarray, radii: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Drop points closer than ``tolerance`` pixels to the last kept one (tablets sample densely)."""
    keep = [0]
    for i in range(1, len(pixels)):
        if np.hypot(*(pixels[i] - pixels[keep[-1]])) >= tolerance or i == len(pixels) - 1:
            keep.append(i)
    return pixels[keep], radii[np.minimum(keep, len(radii) - 1)]


def _stamp(alpha: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float) -> None:
    """Ink a round-capped segment a-b of ``radius`` into ``alpha`` (max), anti-aliased by distance: a pixel
    whose centre is d from the segment gets clip(radius - d + 0.5, 0, 1)."""
    height, width = alpha.shape
    x0 = max(int(np.floor(min(a[0], b[0]) - radius - 1)), 0)
    x1 = min(int(np.ceil(max(a[0], b[0]) + radius + 1)), width)
    y0 = max(int(np.floor(min(a[1], b[1]) - radius - 1)), 0)
    y1 = min(int(np.ceil(max(a[1], b[1]) + radius + 1)), height)
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5 - a[0]
    py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - a[1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0) if length2 > 0 else np.float32(0.0)
    distance = np.hypot(px - t * dx, py - t * dy)
    window = alpha[y0:y1, x0:x1]
    np.maximum(window, np.clip(radius - distance + 0.5, 0.0, 1.0), out=window)


def smoothed(stroke: np.ndarray, passes: int) -> np.ndarray:
    """``passes`` rounds of a [1, 2, 1] / 4 filter along the stroke, its ends kept: takes the staircase out
    of a coarse tablet's integer coordinates."""
    stroke = np.asarray(stroke, np.float64)
    for _ in range(passes if len(stroke) > 2 else 0):
        stroke = np.concatenate([stroke[:1], (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4, stroke[-1:]])
    return stroke


def smoothing_passes(sample, scale: float) -> int:
    """How many ``smoothed`` passes a sample drawn at ``scale`` px per unit needs: none while a tablet unit
    is under a pixel, then one per pixel it spans (at most ``MAX_SMOOTHING``)."""
    step = getattr(sample, "tablet_unit", 0.0) * scale
    return 0 if step < 1 else min(int(np.ceil(step)), MAX_SMOOTHING)


def ink_alpha(strokes, size: tuple[int, int], scale: float, offset: tuple[float, float], pen: float,
              speed: float = 0.0, smooth: bool = True) -> np.ndarray:
    """The strokes' ink as float32 alpha (height, width) = ``size[::-1]``: point p lands at
    ``p * scale + offset`` pixels (pixel i spans [i, i + 1), as on the canvas), drawn with a round pen
    ``pen`` pixels wide, round caps and joins, anti-aliased (``speed``: see module). ``smooth``: where a
    ``PenSample``'s tablet unit spans pixels, smooth its coordinates' staircase (``smoothing_passes``)."""
    width, height = size
    alpha = np.zeros((height, width), np.float32)
    passes = smoothing_passes(strokes, scale) if smooth else 0
    for stroke in _strokes_of(strokes):
        stroke = smoothed(stroke, passes)
        pixels = stroke * scale + np.asarray(offset, np.float64)
        radii = pen / 2 * width_factors(stroke, speed) if len(stroke) > 1 else np.full(1, pen / 2)
        pixels, radii = _simplified(pixels, np.append(radii, radii[-1]), min(0.5, pen / 4))
        if len(pixels) == 1:  # a tap: the page draws a dot
            _stamp(alpha, pixels[0], pixels[0], pen / 2)
        for a, b, radius in zip(pixels[:-1], pixels[1:], radii[1:]):
            _stamp(alpha, a, b, float(radius))
    return alpha


def render(sample, size: tuple[int, int], ink_height: float | None = None,
           offset: tuple[float, float] | None = None, pen: float | None = None, speed: float = 0.0,
           smooth: bool = True) -> np.ndarray:
    """``sample``'s strokes drawn on a white canvas of ``size`` (width, height): uint8 grayscale, black ink.

    ``ink_height``: the centre line's height in pixels (default: as large as fits within a margin of the pen
    and a tenth of the canvas height). ``offset``: where the ink box's top-left lands (default: centred).
    ``pen``: the pen's width in pixels (default: the page's, canvas height * ``PEN_SHARE``)."""
    width, height = size
    pen = height * PEN_SHARE if pen is None else float(pen)
    w, h = extent(_strokes_of(sample))
    if ink_height is None:
        margin = pen + 0.1 * height
        ink_height = max(1.0, min(height - 2 * margin, (width - 2 * margin) * max(h, 1e-6) / max(w, 1e-6)))
    scale = ink_height / max(h, 1e-6)
    if offset is None:
        offset = ((width - w * scale) / 2, (height - h * scale) / 2)
    low = np.concatenate([np.asarray(s, np.float64) for s in _strokes_of(sample)]).min(axis=0)
    origin = (offset[0] - low[0] * scale, offset[1] - low[1] * scale)
    alpha = ink_alpha(sample, size, scale, origin, pen, speed, smooth)
    return np.rint(255.0 * (1.0 - alpha)).astype(np.uint8)


def ink_mask(sample, height: int, pen_share: float = 0.1, speed: float = 0.0, smooth: bool = True) -> np.ndarray:
    """The sample's ink as float32 alpha 0..1, ``height`` rows tall with the ink (pen included) filling them
    and as wide as the ink: ready to composite as ink on paper. ``pen_share``: the pen's width as a share of
    ``height`` (the page's pen is 1/18 of the canvas, some 0.08 to 0.12 of a number written on it)."""
    pen = max(pen_share * height, 0.5)
    w, h = extent(_strokes_of(sample))
    scale = max(height - pen, 1.0) / max(h, 1e-6)
    width = int(np.ceil(w * scale + pen))
    low = np.concatenate([np.asarray(s, np.float64) for s in _strokes_of(sample)]).min(axis=0)
    origin = (pen / 2 - low[0] * scale, pen / 2 - low[1] * scale)
    return ink_alpha(sample, (max(width, 1), height), scale, origin, pen, speed, smooth)


def mnist_like(alpha: np.ndarray) -> np.ndarray:
    """Ink alpha (any size) -> a 28x28 uint8 digit framed as MNIST's: the ink box scaled into 20x20 (aspect
    kept) and its centre of mass at the centre, white ink on black."""
    ys, xs = np.nonzero(alpha > 0.02)
    out = np.zeros((28, 28), np.float32)
    if len(xs) == 0:
        return out.astype(np.uint8)
    crop = alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = MNIST_BOX / max(crop.shape)
    new_w, new_h = max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))
    small = np.clip(cv2.resize(crop, (new_w, new_h), interpolation=cv2.INTER_AREA), 0, 1)
    mass = small.sum()
    cy, cx = (np.array([(small.sum(axis=1) * np.arange(new_h)).sum(), (small.sum(axis=0) * np.arange(new_w)).sum()])
              / max(mass, 1e-6))
    top, left = int(round(13.5 - cy)), int(round(13.5 - cx))
    top, left = min(max(top, 0), 28 - new_h), min(max(left, 0), 28 - new_w)
    out[top : top + new_h, left : left + new_w] = small
    return np.rint(out * 255).astype(np.uint8)


def render_digits(samples, pen_share: float = 0.12, speed: float = 0.0, source: str = "unipen") -> Digits:
    """UNIPEN digit samples as MNIST-style ``Digits`` (28x28, white on black): each drawn 80 px tall with a
    round pen ``pen_share`` of its height, then framed as MNIST frames its digits."""
    images = np.stack([mnist_like(ink_mask(s, 80, pen_share, speed)) for s in samples]) if samples else \
        np.zeros((0, 28, 28), np.uint8)
    return Digits(images, np.array([int(s.label) for s in samples], np.uint8), source)
