"""The learned number detector at run time: a small fully convolutional network marks where numbers are.

Its map is of *kernels*: is this cell inside a number's kernel, the number's box shrunk by ``SHRINK`` of its
height on every side (DBNet's idea: kernels of neighbouring numbers stay apart even where their boxes nearly
touch). One module for training, serving and evaluation, as ``preprocess`` is for the reader:
- ``detector_input(gray)``: the picture at the working scale (longer side ``WORK_SIDE``), padded to a multiple
  of ``MULTIPLE`` by repeating its edge: float32 (H, W, 1) in 0..1, and the scale used.
- ``boxes_from_map(...)``: kernels -> number boxes in the image: grown back by the shrink, then tightened to
  the ink in the full-resolution picture (``tighten``).
The network (``build_detector``) and the maps it learns (``target_maps``) are in ``training.models.detector``.
"""
from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from training.core import preprocess

WORK_SIDE = 384  # px: the detector sees the picture with its longer side this long
MOST_UPSCALE = 3.0  # a small picture (a tight crop) is enlarged at most this much
MULTIPLE = 32  # the network halves the size 4 times and adds a margin: sides are padded to a multiple of this
STRIDE = 4  # one map cell per 4x4 working pixels
SHRINK = 0.2  # a number's kernel is its box less this share of its height on every side
THRESHOLD = 0.5  # a cell belongs to a kernel from this probability on (chosen on validation scenes)
MIN_SCORE = 0.6  # a kernel's mean probability: weaker ones are not numbers
MIN_KERNEL_CELLS = 2
TIGHTEN_MARGIN = 0.25  # the ink is looked for this share of the box's height beyond the coarse box
# Pieces of one number the map left apart (digits written with wide gaps): side by side, sharing most of their
# rows, of like heights, and closer than this share of the taller's height, they are one number
JOIN_GAP = 0.6
JOIN_LEVEL_OVERLAP = 0.5  # rows shared, as a share of the shorter piece's height
JOIN_HEIGHTS = 2.0  # the taller at most this many times the shorter


# --- input ---------------------------------------------------------------------------------------

def work_scale(shape: tuple[int, int]) -> float:
    """The factor from image to working pixels for an image of ``shape`` (height, width)."""
    return min(MOST_UPSCALE, WORK_SIDE / max(shape))


def detector_input(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """uint8 (H, W) -> float32 (h, w, 1) at the working scale, edge-padded to multiples of ``MULTIPLE``; and
    the scale (working px per image px)."""
    scale = work_scale(gray.shape)
    size = (max(1, int(round(gray.shape[1] * scale))), max(1, int(round(gray.shape[0] * scale))))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return padded(small).astype(np.float32)[:, :, None] / 255.0, scale


def padded(image: np.ndarray) -> np.ndarray:
    """Edge-replicated to the next multiple of ``MULTIPLE`` on the bottom and right (at least one multiple)."""
    height, width = image.shape[:2]
    bottom = max(MULTIPLE, -(-height // MULTIPLE) * MULTIPLE) - height
    right = max(MULTIPLE, -(-width // MULTIPLE) * MULTIPLE) - width
    return cv2.copyMakeBorder(image, 0, bottom, 0, right, cv2.BORDER_REPLICATE)


# --- map -> boxes --------------------------------------------------------------------------------

def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def kernels(probability: np.ndarray, threshold: float = THRESHOLD, min_score: float = MIN_SCORE) -> list:
    """Connected kernels of the map: each a working-pixel box (x, y, w, h) of its cells, with its mean score."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((probability > threshold).astype(np.uint8), 4)
    found = []
    for i in range(1, count):
        x, y, w, h, cells = stats[i]
        score = float(probability[labels == i].mean())
        if cells >= MIN_KERNEL_CELLS and score >= min_score:
            found.append(((x * STRIDE, y * STRIDE, w * STRIDE, h * STRIDE), score))
    return found


def grown(kernel: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The number's box from its kernel: the shrink given back (kernel height = box height (1 - 2 SHRINK))."""
    x, y, w, h = kernel
    grow = SHRINK * h / (1 - 2 * SHRINK)
    return x - grow, y - grow, w + 2 * grow, h + 2 * grow


def ink_parts(gray: np.ndarray, box: tuple[float, float, float, float]) -> list[tuple[int, int, int, int]]:
    """The ink near a coarse box (image pixels): the boxes of the ink components of a crop a little larger than
    the box (``preprocess.ink_map``) that reach into it; [] when there is none."""
    x, y, w, h = box
    margin = TIGHTEN_MARGIN * h
    x0, y0 = max(0, int(x - margin)), max(0, int(y - margin))
    x1, y1 = min(gray.shape[1], int(np.ceil(x + w + margin))), min(gray.shape[0], int(np.ceil(y + h + margin)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    ink = preprocess.ink_map(gray[y0:y1, x0:x1]) > 0.35
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    inside = [stats[i] for i in range(1, count)
              if _reaches_into(stats[i], (x - x0, y - y0, w, h)) and not _runs_out(stats[i], (x0, y0, x1, y1), gray.shape)]
    return [(x0 + int(sx), y0 + int(sy), int(sw), int(sh)) for sx, sy, sw, sh, _ in inside]


def union_box(parts: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    left, top = min(p[0] for p in parts), min(p[1] for p in parts)
    right, bottom = max(p[0] + p[2] for p in parts), max(p[1] + p[3] for p in parts)
    return left, top, right - left, bottom - top


def tighten(gray: np.ndarray, box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
    """The box around the ink near a coarse box (``ink_parts``); None: no ink."""
    parts = ink_parts(gray, box)
    return union_box(parts) if parts else None


def _reaches_into(stat: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """A component (x, y, w, h, area) of the crop reaching into the coarse box: not a speck, a quarter of it or more
    inside (a digit at the end the map fell short of counts), and not much taller than the box (a sheet's edge)."""
    cx, cy, cw, ch, area = stat
    x, y, w, h = box
    if area < max(2.0, 0.002 * w * h) or ch > 1.6 * h:
        return False
    overlap_w = min(cx + cw, x + w) - max(cx, x)
    overlap_h = min(cy + ch, y + h) - max(cy, y)
    return overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h >= 0.25 * cw * ch


def _runs_out(stat: np.ndarray, crop: tuple[int, int, int, int], shape: tuple[int, int]) -> bool:
    """A component touching a side of the crop that is not the image's own edge: it goes on beyond the number's
    margin (the desk beside the sheet, a ruled line, the sheet's shadow), so it is not the number's ink."""
    cx, cy, cw, ch, _ = stat
    x0, y0, x1, y1 = crop
    return ((cx == 0 and x0 > 0) or (cy == 0 and y0 > 0) or (cx + cw == x1 - x0 and x1 < shape[1])
            or (cy + ch == y1 - y0 and y1 < shape[0]))


class Found(NamedTuple):
    """A number the detector found: its box in image pixels (x, y, w, h), its kernel's mean score, and the boxes of
    its ink components (empty when not tightened)."""

    box: tuple[int, int, int, int]
    score: float
    parts: tuple = ()


def boxes_from_map(logits: np.ndarray, scale: float, gray: np.ndarray | None = None,
                   threshold: float = THRESHOLD) -> list[Found]:
    """Map logits (h, w) or (h, w, 1) -> the numbers found, in image pixels; tightened to the ink when ``gray``
    (the full-resolution picture) is given."""
    probability = sigmoid(np.asarray(logits, np.float32).reshape(logits.shape[0], logits.shape[1]))
    found = []
    for kernel, score in kernels(probability, threshold):
        x, y, w, h = (v / scale for v in grown(kernel))
        if gray is None:
            found.append(Found((int(x), int(y), int(round(w)), int(round(h))), score))
            continue
        parts = ink_parts(gray, (x, y, w, h))
        if parts:
            found.append(Found(union_box(parts), score, tuple(parts)))
    return joined(found)


def _pieces_of_one(a: Found, b: Found) -> bool:
    """``a`` and ``b`` (a left of b) are pieces of one number: level, of like heights, close (``JOIN_GAP``)."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a.box, b.box
    shorter, taller = min(ah, bh), max(ah, bh)
    level = min(ay + ah, by + bh) - max(ay, by) > JOIN_LEVEL_OVERLAP * shorter
    return level and taller <= JOIN_HEIGHTS * shorter and bx - (ax + aw) < JOIN_GAP * taller


def joined(found: list[Found]) -> list[Found]:
    """Numbers with the pieces of one number joined (``_pieces_of_one``), left to right until none is left."""
    pieces = sorted(found, key=lambda f: f.box[0])
    merged = True
    while merged:
        merged = False
        for i, j in ((i, j) for i in range(len(pieces)) for j in range(i + 1, len(pieces))):
            if _pieces_of_one(pieces[i], pieces[j]):
                a, b = pieces[i], pieces.pop(j)
                pieces[i] = Found(union_box([a.box, b.box]), min(a.score, b.score), a.parts + b.parts)
                merged = True
                break
    return pieces
