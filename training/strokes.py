"""Pen strokes: a digit's centre line, redrawn with a round pen of one width.

The page's draw canvas strokes every line with one round pen; MNIST digits were scanned from
pens of every width. Thinning an MNIST digit to its centre line and stroking that line again
gives the canvas's kind of ink, for training (``synth``) and for the reader benchmark alike.
"""
from __future__ import annotations

import cv2
import numpy as np


def full_strength(mask: np.ndarray) -> np.ndarray:
    """Scale a digit mask so its strokes reach full ink. A thinner pen (training's erosion) leaves
    thin strokes of low values that would otherwise render as faint, broken ink: a pen is opaque."""
    ink = mask[mask > 0.05]
    return np.clip(mask / max(float(np.percentile(ink, 95)) if ink.size else 1.0, 0.05), 0.0, 1.0)


def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a 0/1 image to a one-pixel-wide skeleton (numpy, vectorised)."""
    img = np.pad(binary.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p2, p3, p4, p5 = img[:-2, 1:-1], img[:-2, 2:], img[1:-1, 2:], img[2:, 2:]
            p6, p7, p8, p9 = img[2:, 1:-1], img[2:, :-2], img[1:-1, :-2], img[:-2, :-2]
            ring = [p2, p3, p4, p5, p6, p7, p8, p9]
            neighbours = sum(r.astype(np.int32) for r in ring)
            transitions = sum(((a == 0) & (b == 1)).astype(np.int32) for a, b in zip(ring, ring[1:] + ring[:1]))
            if step == 0:
                side = ((p2 & p4 & p6) == 0) & ((p4 & p6 & p8) == 0)
            else:
                side = ((p2 & p4 & p8) == 0) & ((p2 & p6 & p8) == 0)
            remove = (img[1:-1, 1:-1] == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & side
            if remove.any():
                img[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1]


def pen_path(mask: np.ndarray) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The centre line of a digit mask as segments between 8-connected skeleton pixels, (x, y) each."""
    skeleton = thin(mask > 0.5)
    ys, xs = np.nonzero(skeleton)
    on = {(int(x), int(y)) for x, y in zip(xs, ys)}
    segments = []
    for x, y in on:
        for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):  # each neighbour pair once
            if (x + dx, y + dy) in on:
                segments.append(((x, y), (x + dx, y + dy)))
        if not any((x + dx, y + dy) in on for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy):
            segments.append(((x, y), (x, y)))  # an isolated dot still leaves a mark
    return sorted(segments)


def draw_pen(size: tuple[int, int], segments, scale: tuple[float, float], offset: tuple[float, float],
             width: float) -> np.ndarray:
    """Stroke the path with a round, anti-aliased pen, as the browser canvas does: float alpha (H, W).
    Path point p lands at ``p * scale + offset`` (x and y scaled apart: a squeezed hand)."""
    shift = 4  # sub-pixel precision: coordinates in 1/16 px
    layer = np.zeros(size[::-1], np.uint8)
    thickness = max(1, int(round(width)))
    for a, b in segments:
        pa = tuple(int(round((v * k + o) * (1 << shift))) for v, k, o in zip(a, scale, offset))
        pb = tuple(int(round((v * k + o) * (1 << shift))) for v, k, o in zip(b, scale, offset))
        cv2.line(layer, pa, pb, 255, thickness, cv2.LINE_AA, shift)
    return layer.astype(np.float32) / 255.0
