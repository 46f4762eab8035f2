"""What every benchmark scene is made of: the ``Scene`` a renderer returns, true boxes, and placing ink.

Each renderer (``benchmarks.scenes.mnist``, ``finding``, ``real``, ``written``, ``separated``, ``pad``) is pure
and deterministic: the same generator state and items give the same bytes. A ``Scene`` holds the image as
sent to the app, the numbers in it in reading order (lines top to bottom, left to right within a line), and
each number's true box (the box of its ink in the image sent) where the renderer knows it, else None.
"""
from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

INK_LEVEL = 0.5  # ink alpha from which a pixel counts as the number's ink, for its true box

Box = tuple[int, int, int, int]  # x, y, width, height in image pixels


class Scene(NamedTuple):
    """A rendered image, the numbers in it in reading order, and each number's true box (its ink's; None
    where the renderer does not know it)."""

    data: bytes
    truth: list[str]
    boxes: list[Box] | None


# --- true boxes ----------------------------------------------------------------------------------

def alpha_box(alpha: np.ndarray, level: float = INK_LEVEL) -> Box:
    """The bounding box of the pixels of ``alpha`` at or above ``level`` ((0, 0, 0, 0) when none is)."""
    ys, xs = np.nonzero(alpha >= level)
    if not len(xs):
        return 0, 0, 0, 0
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def ink_points(mask: np.ndarray, x: int, y: int, level: float = INK_LEVEL) -> np.ndarray:
    """The frame coordinates (x, y) of the centres of the ink pixels of ``mask`` placed at (x, y)."""
    ys, xs = np.nonzero(mask >= level)
    return np.column_stack([xs + x, ys + y]).astype(np.float32)


def warped_box(points: np.ndarray, homography: np.ndarray, width: int, height: int) -> Box:
    """The box round ``points`` moved by ``homography``, in whole pixels, clipped to the frame. A warped
    image's pixel takes its value from where the homography's inverse sends its centre, so a moved point
    lands in the pixel it rounds to."""
    if not len(points):
        return 0, 0, 0, 0
    moved = np.rint(cv2.perspectiveTransform(points[None].astype(np.float64), homography)[0])
    x0, y0 = np.maximum(moved.min(axis=0), 0)
    x1, y1 = np.minimum(moved.max(axis=0) + 1, (width, height))
    return int(x0), int(y0), int(max(x1 - x0, 0)), int(max(y1 - y0, 0))


# --- numbers -------------------------------------------------------------------------------------

def fit_height(low: float, high: float, length: int, room: float, width_per_height: float = 1.0) -> tuple[float, float]:
    """Narrow a digit-height range so ``length`` digits (about ``width_per_height`` x height wide each,
    gaps included) fit into ``room`` pixels; the low end gives way when even it does not fit."""
    most = room / (length * width_per_height)
    return min(low, most), min(high, most)


def place(layer: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """Add ``mask`` into the alpha ``layer`` at (x, y) (max, so overlaps stay ink), clipped to the layer."""
    h, w = mask.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(layer.shape[1], x + w), min(layer.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        region = layer[y0:y1, x0:x1]
        np.maximum(region, mask[y0 - y : y1 - y, x0 - x : x1 - x], out=region)


def shrink_to(mask: np.ndarray, width: float, height: float) -> np.ndarray:
    """Scale a mask down (never up) so it fits within width x height."""
    scale = min(1.0, width / mask.shape[1], height / mask.shape[0])
    if scale >= 1.0:
        return mask
    size = (max(1, int(mask.shape[1] * scale)), max(1, int(mask.shape[0] * scale)))
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA)


def pick(rng: np.random.Generator, choices):
    return choices[int(rng.integers(len(choices)))]
