"""Seeded, deterministic generator of written digit strings built from MNIST digits.

As in the write-up: digits stacked left to right (or top to bottom), each rotated at random
within ``max_angle`` degrees (at most 45, so 6 and 9 stay apart), scaled, and shifted at random
without touching its neighbours, any length from ``min_length`` to ``max_length``. On top of
that, what real input needs: stroke thickness, both polarities, paper texture and ruled lines,
uneven light, slight perspective, blur, noise and JPEG artefacts.

``SequenceGenerator.sample`` gives a raw grayscale crop (as the app's detector would cut from
a photo); ``SequenceGenerator.batch`` passes crops through ``preprocess.normalize_line``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from training import preprocess
from training.strokes import draw_pen, full_strength, pen_path
from training.datasets import Digits

BLANK = 0  # class 0 is the CTC blank / "no digit"; digit d is class d + 1
NUM_CLASSES = 11


@dataclass(frozen=True)
class SynthConfig:
    """How strings are built and rendered."""

    min_length: int = 1
    max_length: int = 8
    max_angle: float = 15.0
    vertical: bool = False
    realistic: bool = True  # paper, light, blur, noise, perspective, JPEG
    clean_fraction: float = 0.25  # share of plain canvas-like drawings when realistic
    heights: tuple[int, int] = (20, 64)  # digit height in pixels before normalisation (resolution)
    restroke: bool = True  # vary pen thickness and digit width (writers and pens differ)
    pen_fraction: float = 0.5  # share of the clean drawings redrawn with one round pen, as the draw canvas does
    pen_widths: tuple[float, float] = (0.06, 0.2)  # the pen's width as a share of the digit height
    flagged_ones: float = 0.3  # share of 1s given the up-stroke most of Europe writes (MNIST's are mostly bare)
    elastic: float = 0.0  # most a digit's ink moves in an elastic distortion, in pixels of MNIST's 28 (0: none)

    def __post_init__(self):
        if not 0 <= self.max_angle <= 45:
            raise ValueError(f"max_angle must be within 0..45 degrees (6 and 9 must stay apart), got {self.max_angle}")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError(f"need 1 <= min_length <= max_length, got {self.min_length}..{self.max_length}")
        if not 0 <= self.elastic <= 8:
            raise ValueError(f"elastic is a displacement within 0..8 pixels, got {self.elastic}")
        for share in ("clean_fraction", "pen_fraction"):
            if not 0 <= getattr(self, share) <= 1:
                raise ValueError(f"{share} is a share within 0..1, got {getattr(self, share)}")


@dataclass
class Sample:
    """One generated string: ``image`` uint8 (H, W) crop, ``text`` its digits, ``boxes`` (x, y, w, h) per digit."""

    image: np.ndarray
    text: str
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)


def encode_labels(texts: list[str], max_length: int) -> np.ndarray:
    """Digit strings -> int32 (n, max_length) classes (digit + 1), padded with BLANK."""
    labels = np.zeros((len(texts), max_length), np.int32)
    for row, text in enumerate(texts):
        labels[row, : len(text)] = [int(ch) + 1 for ch in text]
    return labels


def _tight(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask > 0.1)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else mask


def elastic_warp(mask: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Bend the strokes as different hands would (Simard et al., 2003): a smooth random displacement
    field, moving ink by at most a draw from 0..``strength`` pixels."""
    h, w = mask.shape
    # a coarse 5x5 grid of random moves, smoothly interpolated: stroke-sized bends, cheaper than blurring noise
    coarse = rng.uniform(-1, 1, (2, 5, 5)).astype(np.float32)
    dx, dy = (cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC) for grid in coarse)
    scale = rng.uniform(0, strength) / max(1e-6, float(max(np.abs(dx).max(), np.abs(dy).max())))
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, xs + dx * scale, ys + dy * scale, cv2.INTER_LINEAR, borderValue=0.0)


def transform_digit(digit: np.ndarray, rng: np.random.Generator, height: int, max_angle: float,
                    restroke: bool = True, elastic: float = 0.0) -> np.ndarray:
    """An MNIST digit (28x28 uint8) -> float mask in [0, 1], bent (``elastic`` > 0), rotated, scaled to
    ``height``, restroked."""
    mask = np.pad(digit.astype(np.float32) / 255.0, 8)
    if elastic:  # draws from rng only when asked: strings without it stay as they were
        mask = elastic_warp(mask, rng, elastic)
    angle = rng.uniform(-max_angle, max_angle)
    rotation = cv2.getRotationMatrix2D((mask.shape[1] / 2, mask.shape[0] / 2), angle, 1.0)
    mask = _tight(cv2.warpAffine(mask, rotation, mask.shape[::-1], flags=cv2.INTER_LINEAR))
    aspect = rng.uniform(0.8, 1.2) if restroke else 1.0  # writers differ in how wide they write
    width = max(2, round(mask.shape[1] * height / mask.shape[0] * aspect))
    mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    stroke = rng.integers(-1, 3) * max(1, height // 28) if restroke else 0  # thinner or thicker pen
    if stroke:
        kernel = np.ones((abs(stroke) + 1,) * 2, np.uint8)
        mask = (cv2.dilate if stroke > 0 else cv2.erode)(mask, kernel)
    return np.clip(mask, 0.0, 1.0)


def add_flag(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 1 with its flag: a short stroke from the top of the stem down to the left, as most of Europe
    writes it. Without it a flagged 1 reads as 7, the only MNIST digit with ink up there on the left."""
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) < 2:
        return mask
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    _, axes = np.linalg.eigh(np.cov(points.T))
    down = axes[:, -1] * (1 if axes[1, -1] >= 0 else -1)  # the stem's direction, pointing down the page
    along = points @ down  # each ink pixel's position down the stem
    top = points[np.argmin(along)]
    slant = np.degrees(np.arctan2(-down[0], down[1]))  # > 0: the stem leans right, as a 7's does
    steepest = min(60.0, 65.0 - slant)  # a flag nearly along the stem is no flag; a level one makes a 7
    if steepest < 35.0:
        return mask
    below = np.radians(rng.uniform(35.0, steepest))  # the flag's angle below the horizontal, leftwards
    end = top + np.array([-np.cos(below), np.sin(below)]) * rng.uniform(0.2, 0.35) * mask.shape[0]
    room = int(np.ceil(max(0.0, -end[0]))) + 2  # the flag may stick out left of the stem's box
    mask = np.pad(mask, ((0, 0), (room, 0)))
    stem_width = len(xs) / max(1.0, float(np.ptp(along)) + 1)  # ink area over stem length
    start, stop = (tuple(int(round(v)) for v in p + [room, 0]) for p in (top, end))
    cv2.line(mask, start, stop, 1.0, max(1, int(round(stem_width))), cv2.LINE_AA)
    return _tight(mask)


def compose(masks: list[np.ndarray], rng: np.random.Generator, vertical: bool) -> tuple[np.ndarray, list]:
    """Place digit masks one after another with random gaps (>= 1 px, never touching) and jitter."""
    if vertical:  # stack top to bottom: place the transposed masks left to right, transpose back
        canvas, boxes = compose([m.T for m in masks], rng, vertical=False)
        return canvas.T, [(y, x, h, w) for (x, y, w, h) in boxes]
    height = max(m.shape[0] for m in masks)
    jitter = int(0.15 * height)
    canvas = np.zeros((height + 2 * jitter, sum(m.shape[1] for m in masks) + len(masks) * height), np.float32)
    x, boxes = 0, []
    for mask in masks:
        y = jitter + (height - mask.shape[0]) // 2 + int(rng.integers(-jitter, jitter + 1))
        h, w = mask.shape
        canvas[y : y + h, x : x + w] = np.maximum(canvas[y : y + h, x : x + w], mask)
        boxes.append((x, y, w, h))
        x += w + 1 + int(rng.integers(0, max(2, int(0.35 * height))))
    return canvas[:, : x], boxes


def _pad(mask: np.ndarray, boxes: list, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Add the paper around the ink that a detector's crop would include."""
    h = mask.shape[0]
    top, bottom, left, right = (int(rng.uniform(0.05, 0.4) * h) for _ in range(4))
    padded = np.pad(mask, ((top, bottom), (left, right)))
    return padded, [(x + left, y + top, w, hh) for (x, y, w, hh) in boxes]


def _perspective(image: np.ndarray, rng: np.random.Generator, strength: float = 0.04) -> np.ndarray:
    h, w = image.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.uniform(-strength, strength, (4, 2)).astype(np.float32) * [w, h]
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def render(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink mask -> a photo-like grayscale uint8 crop: paper, light, lines, perspective, blur, noise."""
    h, w = mask.shape
    paper = rng.uniform(140, 255)
    ink = rng.uniform(0, max(1.0, paper - 90))
    image = paper + (ink - paper) * mask
    if rng.random() < 0.25:  # ruled or squared paper under the number
        for y in range(int(rng.integers(0, h)), h, max(8, int(rng.uniform(0.6, 1.3) * h))):
            image[y : y + 1 + int(rng.integers(0, 2))] -= rng.uniform(15, 50) * (1 - mask[y : y + 2].mean())
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), rng.uniform(0.5, 3))
    image += texture * rng.uniform(0, 10)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xs / w + np.sin(direction) * ys / h)
    image *= 1.0 - rng.uniform(0, 0.4) * (ramp - ramp.min()) / max(1e-6, np.ptp(ramp))
    if rng.random() < 0.2:  # light ink on dark: chalkboard, inverted screens
        image = 255.0 - image
    image = _perspective(image.astype(np.float32), rng)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.1, 1.2) * h / 60)
    image += rng.normal(0, rng.uniform(0, 10), image.shape)
    out = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def pen_stroke(mask: np.ndarray, boxes: list, rng: np.random.Generator, height: int,
               widths: tuple[float, float]) -> tuple[np.ndarray, list]:
    """Redraw composed ink with one round pen along its centre lines, the line squeezed sideways as
    long numbers are on a narrow canvas: float mask with room for the pen all round, and its boxes."""
    pen = rng.uniform(*widths) * height
    squeeze = rng.uniform(0.7, 1.0)
    segments = pen_path(mask) or [((0, 0), (0, 0))]
    margin = int(np.ceil(pen))
    size = (int(mask.shape[1] * squeeze) + 2 * margin, mask.shape[0] + 2 * margin)
    stroked = draw_pen(size, segments, (squeeze, 1.0), (margin, margin), pen)
    return stroked, [(int(x * squeeze) + margin, y + margin, max(1, int(w * squeeze)), h) for x, y, w, h in boxes]


def render_clean(mask: np.ndarray) -> np.ndarray:
    """Ink mask -> a canvas-like drawing: black ink on white, nothing else."""
    return np.clip(255.0 * (1.0 - mask), 0, 255).astype(np.uint8)


class SequenceGenerator:
    """Makes digit strings from a pool of MNIST digits; the same seed gives the same strings."""

    def __init__(self, digits: Digits, config: SynthConfig = SynthConfig(), seed: int = 0):
        self.digits = digits
        self.config = config
        self.seed = seed

    def rng(self, *key: int) -> np.random.Generator:
        """A generator for one item, fixed by the seed and the key (epoch, index...)."""
        return np.random.default_rng([self.seed, *key])

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        """One string: pick digits, transform, compose, pad and render."""
        cfg = self.config
        length = length or int(rng.integers(cfg.min_length, cfg.max_length + 1))
        picks = rng.integers(0, len(self.digits), length)
        height = int(rng.uniform(*cfg.heights)) if cfg.heights[1] > cfg.heights[0] else cfg.heights[0]
        clean = not cfg.realistic or rng.random() < cfg.clean_fraction
        pen = clean and cfg.pen_fraction > 0 and rng.random() < cfg.pen_fraction
        height = max(height, 40) if pen else height  # a centre line needs a few pixels of stroke to find
        masks = [transform_digit(self.digits.images[i], rng, height, cfg.max_angle, cfg.restroke and not pen,
                                 cfg.elastic) for i in picks]
        masks = [add_flag(m, rng) if self._flag(i, rng) else m for m, i in zip(masks, picks)]
        masks = [full_strength(m) for m in masks] if pen else masks  # faint strokes are still the pen's path
        mask, boxes = compose(masks, rng, cfg.vertical)
        if pen:
            mask, boxes = pen_stroke(mask, boxes, rng, height, cfg.pen_widths)
        mask, boxes = _pad(mask, boxes, rng)
        image = render_clean(mask) if clean else render(mask, rng)
        return Sample(image, "".join(str(self.digits.labels[i]) for i in picks), boxes)

    def _flag(self, pick: int, rng: np.random.Generator) -> bool:
        # draws from rng only for 1s of a config with flags: strings without flags stay as they were
        share = self.config.flagged_ones
        return bool(share) and self.digits.labels[pick] == 1 and rng.random() < share

    def batch(self, size: int, *key: int, length: int | None = None) -> tuple[np.ndarray, list[str]]:
        """``size`` normalized model inputs float32 (size, 32, 256, 1) and their texts."""
        rng = self.rng(*key)
        samples = [self.sample(rng, length) for _ in range(size)]
        inputs = np.stack([preprocess.normalize_line(s.image)[0] for s in samples])
        return inputs, [s.text for s in samples]


# One generator per data process (``--processes``): set once by ``start_worker``, then used by ``worker_batch``.
_worker_generator: SequenceGenerator | None = None


def start_worker(digits: Digits, config: SynthConfig, seed: int) -> None:
    """Pool initializer: build this process's generator (the same strings as in the parent, key for key)."""
    global _worker_generator
    cv2.setNumThreads(1)  # one process per core already: OpenCV's own threads would only contend
    _worker_generator = SequenceGenerator(digits, config, seed)


def worker_batch(size: int, *key: int) -> tuple[np.ndarray, list[str]]:
    """``SequenceGenerator.batch`` in a data process."""
    return _worker_generator.batch(size, *key)
