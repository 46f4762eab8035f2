"""Test images made from the MNIST test digits bundled in the repository (nothing binary is committed).

Digits are the most typical MNIST test samples of their class (highest correlation with the class
mean), so "clean, large, well separated" strings built from them are ones any decent model reads.
Everything is deterministic: the same call gives the same bytes.
"""
from __future__ import annotations

import functools
import io

import cv2
import numpy as np
from PIL import Image

from benchmarks.drawing import GLYPH_ADVANCE, GLYPHS, glyph_strokes  # noqa: F401 (the strokes the page is written with)
from training.sources.datasets import load_test_digits


@functools.lru_cache(maxsize=1)
def _typical() -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """MNIST test images and, per digit, indices sorted from most to least typical."""
    digits = load_test_digits()
    images = digits.images.astype(np.float32) / 255.0
    ranked = {}
    for label in range(10):
        index = np.nonzero(digits.labels == label)[0]
        flat = images[index].reshape(len(index), -1)
        flat = flat - flat.mean(axis=1, keepdims=True)
        mean = flat.mean(axis=0)
        score = flat @ mean / (np.linalg.norm(flat, axis=1) * np.linalg.norm(mean) + 1e-9)
        ranked[label] = index[np.argsort(-score)]
    return digits.images, ranked


def digit_mask(digit: int, height: int, pick: int = 0) -> np.ndarray:
    """A typical MNIST test ``digit`` as float ink mask in [0, 1], cropped to its ink, ``height`` px tall."""
    images, ranked = _typical()
    image = images[ranked[digit][pick]]
    ys, xs = np.nonzero(image > 40)
    image = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255.0
    width = max(2, round(image.shape[1] * height / image.shape[0]))
    return np.clip(cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def number_mask(text: str, height: int, gap: float = 0.35, pick: int = 0) -> np.ndarray:
    """Digits of ``text`` side by side, ``gap`` x height apart: float ink mask (height, width)."""
    masks = [digit_mask(int(ch), height, pick) for ch in text]
    space = int(round(gap * height))
    width = sum(m.shape[1] for m in masks) + space * (len(masks) - 1)
    out = np.zeros((height, width), np.float32)
    x = 0
    for mask in masks:
        out[:, x : x + mask.shape[1]] = np.maximum(out[:, x : x + mask.shape[1]], mask)
        x += mask.shape[1] + space
    return out


def digit_ink_boxes(text: str, origin: tuple[int, int], height: int, gap: float = 0.35,
                    pick: int = 0) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of each digit's ink where ``sheet`` writes ``text`` at ``origin``."""
    boxes, x = [], origin[0]
    for ch in text:
        mask = digit_mask(int(ch), height, pick)
        ys, xs = np.nonzero(mask > 0.5)
        boxes.append((x + int(xs.min()), origin[1] + int(ys.min()), int(xs.max() - xs.min() + 1),
                      int(ys.max() - ys.min() + 1)))
        x += mask.shape[1] + int(round(gap * height))
    return boxes


def sheet(size: tuple[int, int], numbers: list[tuple[str, tuple[int, int], int]], paper: int = 255, ink: int = 0,
          pick: int = 0) -> np.ndarray:
    """A grayscale uint8 (H, W) page of ``size`` (W, H) with each (text, (x, y) top-left, height) written on it."""
    width, height = size
    coverage = np.zeros((height, width), np.float32)
    for text, (x, y), digit_height in numbers:
        mask = number_mask(text, digit_height, pick=pick)
        h, w = mask.shape
        assert x + w <= width and y + h <= height, f"{text!r} at {(x, y)} ({w}x{h}) does not fit in {size}"
        coverage[y : y + h, x : x + w] = np.maximum(coverage[y : y + h, x : x + w], mask)
    return np.clip(paper + (ink - paper) * coverage, 0, 255).astype(np.uint8)


def centred(text: str, size: tuple[int, int] = (480, 200), height: int = 56, **kwargs) -> np.ndarray:
    """``text`` written once in the middle of a white page: the canvas-like picture most tests send."""
    mask = number_mask(text, height)
    x, y = (size[0] - mask.shape[1]) // 2, (size[1] - height) // 2
    return sheet(size, [(text, (x, y), height)], **kwargs)


def text_size(text: str, height: int) -> tuple[int, int]:
    """(width, height) of ``text`` as ``sheet`` writes it."""
    mask = number_mask(text, height)
    return mask.shape[1], mask.shape[0]


def photo(text: str, size: tuple[int, int] = (1280, 720), height: int = 150, seed: int = 0) -> np.ndarray:
    """An RGB uint8 'photo' of ``text`` in dark blue ink on off-white paper: uneven light, grain, slight blur."""
    width, full_height = size
    rng = np.random.default_rng(seed)
    w, h = text_size(text, height)
    ink = number_mask(text, height)
    ink = cv2.GaussianBlur(ink, (0, 0), 1.0)
    coverage = np.zeros((full_height, width), np.float32)
    x, y = (width - w) // 2, (full_height - h) // 2
    coverage[y : y + h, x : x + w] = ink
    ys, xs = np.mgrid[0:full_height, 0:width].astype(np.float32)
    light = 1.0 - 0.18 * (xs / width) - 0.08 * (ys / full_height)  # a lamp on the left
    paper = np.stack([np.full_like(xs, 236), np.full_like(xs, 232), np.full_like(xs, 222)], axis=-1)
    paper *= light[..., None]
    paper += rng.normal(0, 3.0, paper.shape).astype(np.float32)
    ink_colour = np.array([30, 40, 95], np.float32)
    image = paper + (ink_colour - paper) * coverage[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, fmt: str = "PNG", **params) -> bytes:
    """uint8 gray or RGB array -> image file bytes in ``fmt`` (any Pillow format)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **params)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def number_png(text: str = "4071") -> bytes:
    """``centred(text)`` as PNG bytes (cached): the upload most robustness tests send."""
    return encode(centred(text))


@functools.lru_cache(maxsize=2)
def big_photo(seed: int = 0) -> bytes:
    """A 12 MP JPEG photo of a number on grainy paper (about 2-3 MB): a slow-ish upload to read."""
    rng = np.random.default_rng(seed)
    page = centred("4071", size=(4000, 3000), height=600).astype(np.int16)
    page = page + rng.integers(-25, 25, page.shape, dtype=np.int16)
    return encode(np.clip(page, 0, 255).astype(np.uint8), "JPEG", quality=92)


def y4m(frames_rgb: list[np.ndarray], fps: int = 15) -> bytes:
    """RGB uint8 frames (same even size) -> a YUV4MPEG2 (I420) file for Chromium's fake camera."""
    height, width = frames_rgb[0].shape[:2]
    out = [f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode()]
    for frame in frames_rgb:
        yuv = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)  # Y plane, then U, then V, as one array
        out.append(b"FRAME\n" + yuv.tobytes())
    return b"".join(out)


def draw_strokes(size: tuple[int, int], strokes, width: float) -> np.ndarray:
    """What the page's pen makes of ``strokes``: black round-capped lines ``width`` px wide on white."""
    image = np.full((size[1], size[0]), 255, np.uint8)
    for line in strokes:
        points = np.round(np.array(line) * 16).astype(np.int32)
        cv2.polylines(image, [points], False, 0, max(1, int(round(width))), lineType=cv2.LINE_AA, shift=4)
    return image
