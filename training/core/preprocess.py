"""The one preprocessing step shared by training, serving and evaluation.

``normalize_line`` turns a grayscale crop holding one written number (any polarity, any size,
uneven light) into the model's input: float32 (INPUT_HEIGHT, INPUT_WIDTH, 1), ink bright on
black, ink scaled to DIGIT_HEIGHT pixels tall and left-aligned. What the model sees in
training is exactly what it sees in the app, because both call this function.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

INPUT_HEIGHT = 32
INPUT_WIDTH = 256
DIGIT_HEIGHT = 24
INPUT_SHAPE = (INPUT_HEIGHT, INPUT_WIDTH, 1)
MARGIN = 4  # pixels left free above, below and to the left of the ink


@dataclass(frozen=True)
class Placement:
    """Where the crop's ink landed in the model input: ``input_x = (crop_x - x0) * scale + MARGIN``."""

    x0: int
    y0: int
    scale: float


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any uint8 image (H, W), (H, W, 3) BGR or (H, W, 4) BGRA -> uint8 (H, W)."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def ink_is_dark(gray: np.ndarray) -> bool:
    """True when the ink is darker than the paper: the border is mostly paper, ink pulls the mean away."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) >= float(gray.mean())


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Float32 (H, W) in [0, 1]: how much ink each pixel holds, background removed."""
    paper_dark = 255 - gray if ink_is_dark(gray) else gray  # uint8, ink light
    img = paper_dark.astype(np.float32)
    # Background estimate: a grey opening wider than any stroke removes the ink and keeps
    # slow light changes (shadows, vignetting), so subtracting it flattens uneven light. Strokes scale
    # with the digits' height, the crop's height: a third of the crop's width would be narrower than the
    # stroke of a lone, boldly written 1, and the opening would hollow it into two thin lines.
    k = max(3, (gray.shape[0] // 3) | 1)
    # on the uint8 image: the same minima and maxima as on floats, several times faster for a large kernel
    background = cv2.morphologyEx(paper_dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    ink = img - background.astype(np.float32)
    peak = float(np.percentile(ink, 99.7))
    if peak < 8.0:  # no real contrast anywhere: an empty crop
        return np.zeros_like(ink)
    ink = np.clip(ink / peak, 0.0, 1.0)
    return np.clip((ink - 0.15) / 0.85, 0.0, 1.0)  # drop paper grain and sensor noise


def ink_bbox(ink: np.ndarray, threshold: float = 0.35) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) around the pixels above ``threshold``, or None when there are none."""
    ys, xs = np.nonzero(ink > threshold)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def fit_line(ink: np.ndarray) -> tuple[np.ndarray, Placement]:
    """Crop ``ink`` to its ink and scale it into the fixed model input, left-aligned."""
    canvas = np.zeros((INPUT_HEIGHT, INPUT_WIDTH), np.float32)
    box = ink_bbox(ink)
    if box is None:
        return canvas, Placement(0, 0, 1.0)
    x, y, w, h = box
    scale = min(DIGIT_HEIGHT / h, (INPUT_WIDTH - 2 * MARGIN) / w)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(ink[y : y + h, x : x + w], (new_w, new_h), interpolation=interpolation)
    top = (INPUT_HEIGHT - new_h) // 2
    canvas[top : top + new_h, MARGIN : MARGIN + new_w] = np.clip(resized, 0.0, 1.0)  # resizing overshoots a little
    return canvas, Placement(x, y - round((top - MARGIN) / scale), scale)


def normalize_line(image: np.ndarray) -> tuple[np.ndarray, Placement]:
    """A crop of one number (uint8, gray or BGR) -> model input (32, 256, 1) float32 and its placement."""
    line, placement = fit_line(ink_map(to_gray(image)))
    return line[:, :, None], placement
