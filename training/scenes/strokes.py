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


HOLE_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)  # ink levels tried for the mask that keeps a digit's loops
MIN_HOLE_AREA = 4  # px at the reference height: smaller gaps in the ink are scanner noise, not a loop


def holes(binary: np.ndarray) -> int:
    """How many enclosed gaps (loops) a 0/1 ink image has, counting only those of some size."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((binary == 0).astype(np.uint8), connectivity=4)
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    return sum(1 for k in range(1, count) if k not in border and stats[k, cv2.CC_STAT_AREA] >= MIN_HOLE_AREA)


def pieces(binary: np.ndarray) -> int:
    """How many separate marks (8-connected) a 0/1 ink image has."""
    return cv2.connectedComponents(binary.astype(np.uint8), connectivity=8)[0] - 1


def loop_keeping_ink(mask: np.ndarray) -> np.ndarray:
    """The digit as 0/1 ink, cut at the level that keeps the most of its loops.

    A writer whose pen was thick for the loop leaves the loop's middle grey, not white: cut at half
    ink, a 9 becomes a solid blob whose centre line is a 1. A higher cut opens that loop again, as
    the writer drew it; it is taken only if it opens more loops and breaks no stroke apart.
    """
    best = mask > HOLE_THRESHOLDS[0]
    best_holes, strokes_at_half = holes(best), pieces(best)
    for level in HOLE_THRESHOLDS[1:]:
        binary = mask > level
        found = holes(binary)
        if found > best_holes and pieces(binary) <= strokes_at_half:
            best, best_holes = binary, found
    return best


RING = ((0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1))  # the 8 neighbours, in order round


def neighbours_of(point: tuple[int, int], on: set) -> list[tuple[int, int]]:
    """The 8-connected skeleton pixels next to ``point``."""
    x, y = point
    return [(x + dx, y + dy) for dx, dy in RING if (x + dx, y + dy) in on]


def branches_at(point: tuple[int, int], on: set) -> int:
    """How many ways the skeleton leaves ``point``: 1 at an end, 2 along a stroke (a staircase step
    included), 3 or more at a fork. Counted as the runs of skeleton pixels round it."""
    x, y = point
    ring = [(x + dx, y + dy) in on for dx, dy in RING]
    return sum(1 for k in range(8) if ring[k] and not ring[k - 1]) or (8 if all(ring) else 0)


def prune_spurs(on: set, longest: float) -> set:
    """Drop the short side branches thinning grows from a thick stroke's corners and ends.

    A branch runs from an end pixel to the first fork; one no longer than ``longest`` (about half
    the stroke's width) is a spur: a pen follows the stroke, not its outline's bumps. Strokes
    without a fork, such as a 1, are never cut.
    """
    spurs = set()
    for end in [p for p in on if branches_at(p, on) == 1]:
        branch, current = [end], end
        while len(branch) <= longest:
            ahead = [p for p in neighbours_of(current, on) if p not in branch]
            if not ahead:
                break
            if any(branches_at(p, on) >= 3 for p in ahead):  # reached a fork: what came before is a branch
                spurs.update(branch)
                break
            current = min(ahead, key=lambda p: abs(p[0] - current[0]) + abs(p[1] - current[1]))
            branch.append(current)
    return on - spurs


def stroke_width(ink: np.ndarray, skeleton: np.ndarray) -> float:
    """The typical width of the strokes: twice the median distance from the centre line to the paper."""
    if not skeleton.any():
        return 0.0
    return 2.0 * float(np.median(cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)[skeleton > 0]))


def pen_path(mask: np.ndarray) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The centre line of a digit mask as segments between 8-connected skeleton pixels, (x, y) each.

    The ink is cut where it keeps the digit's loops (``loop_keeping_ink``) and the skeleton's spurs
    are pruned, so the path is the one a writer's pen took, not the outline of a scan.
    """
    ink = loop_keeping_ink(mask)
    skeleton = thin(ink)
    ys, xs = np.nonzero(skeleton)
    on = prune_spurs({(int(x), int(y)) for x, y in zip(xs, ys)}, stroke_width(ink, skeleton) / 2 + 1)
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
