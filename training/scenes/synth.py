"""Seeded, deterministic generator of written digit strings built from MNIST digits (and real handwriting).

As in the write-up: digits stacked left to right (or top to bottom), each rotated at random
within ``max_angle`` degrees (at most 45, so 6 and 9 stay apart), scaled, and shifted at random
without touching its neighbours, any length from ``min_length`` to ``max_length``. On top of
that, what real input needs: stroke thickness, both polarities, paper texture and ruled lines,
uneven light, slight perspective, blur, noise and JPEG artefacts.

With ``real_fraction`` > 0, that share of the strings is real handwriting of the train split only
(``RealStrings``, issue 22): UNIPEN digits of one writer drawn from their pen strokes and laid out as a
hand writes (gaps that vary down to touching, a drifting baseline, sizes that vary, runs of one digit on
purpose), whole digit-only UNIPEN strings, and USPS and optdigits scans as further writers.

``SequenceGenerator.sample`` gives a raw grayscale crop (as the app's detector would cut from
a photo); ``SequenceGenerator.batch`` passes crops through ``preprocess.normalize_line``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from training.core import preprocess
from training.core.alphabet import BLANK, DIGIT_ALPHABET
from training.scenes import marks
from training.sources import realdata
from training.scenes.layout import GAP_JITTER, MOST_OVERLAP, REAL_GAPS, REAL_SIZES, baseline
from training.scenes.pen import ink_mask
from training.sources.realdata import PenSample
from training.scenes.strokes import draw_pen, full_strength, pen_path
from training.sources.datasets import Digits

TEXT_LABEL_WIDTH = 24  # labels of the text alphabet are padded to this ("+1 234 567 8901" has 15 characters)

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
    real_fraction: float = 0.0  # share of strings of real handwriting, train split only (RealStrings; 0: MNIST only)
    repeat_fraction: float = 0.3  # share of composed real strings of 2+ digits given a run of one digit ("3200")
    real_whole_fraction: float = 0.15  # share of real strings that are whole digit-only UNIPEN strings
    real_scan_fraction: float = 0.25  # share of composed real strings made of USPS or optdigits scans
    real_seed_layout: float = 0.25  # share of composed real strings laid out by the seed's rules (compose)
    real_canvas_fraction: float = 0.5  # share of pen-drawn real strings shown as the page's canvas shows them
    real_pen_widths: tuple[float, float] = (0.05, 0.22)  # pen width as a share of the digit height: any pen
    separator_fraction: float = 0.0  # share of real strings written with separators ("3.14"): text alphabet only
    stray_mark_fraction: float = 0.0  # share of strings given a stray mark (``marks``): an underline, a box, a tick
    crowded_fraction: float = 0.0  # share of composed real strings written crowded: touching, overlapping, sizes apart
    paper_fraction: float = 0.0  # share of strings on paper (``paper.PaperGenerator``: real crops, rendered ink)
    printed_fraction: float = 0.0  # share of strings printed or on displays (``printed.PrintedGenerator``, issue 37)
    alphabet: str = DIGIT_ALPHABET

    def __post_init__(self):
        if not 0 <= self.max_angle <= 45:
            raise ValueError(f"max_angle must be within 0..45 degrees (6 and 9 must stay apart), got {self.max_angle}")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError(f"need 1 <= min_length <= max_length, got {self.min_length}..{self.max_length}")
        if not 0 <= self.elastic <= 8:
            raise ValueError(f"elastic is a displacement within 0..8 pixels, got {self.elastic}")
        for share in ("clean_fraction", "pen_fraction", "real_fraction", "repeat_fraction", "real_whole_fraction",
                      "real_scan_fraction", "real_seed_layout", "real_canvas_fraction", "separator_fraction",
                      "stray_mark_fraction", "crowded_fraction", "paper_fraction", "printed_fraction"):
            if not 0 <= getattr(self, share) <= 1:
                raise ValueError(f"{share} is a share within 0..1, got {getattr(self, share)}")
        if self.separator_fraction and not set(realdata.SEPARATORS) <= set(self.alphabet):
            raise ValueError(f"separator_fraction needs an alphabet with separators, got {self.alphabet!r}")


@dataclass
class Sample:
    """One generated string: ``image`` uint8 (H, W) crop, ``text`` its digits, ``boxes`` (x, y, w, h) per digit
    (none for a whole UNIPEN string: where its digits are is not known). ``origin``: "mnist", "unipen",
    "unipen-string", "usps-train" or "optdigits-train"; ``writers``: each digit's writer (real handwriting);
    ``repeat``: a run of one digit was put in on purpose (``repeat_fraction``)."""

    image: np.ndarray
    text: str
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    origin: str = "mnist"
    writers: tuple[str, ...] = ()
    repeat: bool = False


def encode_labels(texts: list[str], width: int, alphabet: str = DIGIT_ALPHABET) -> np.ndarray:
    """Strings -> int32 (n, width) classes (index in ``alphabet`` + 1), padded with BLANK."""
    labels = np.zeros((len(texts), width), np.int32)
    for row, text in enumerate(texts):
        if len(text) > width or not set(text) <= set(alphabet):
            raise ValueError(f"cannot encode {text!r} in {width} classes of the alphabet {alphabet!r}")
        labels[row, : len(text)] = [alphabet.index(ch) + 1 for ch in text]
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


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int = 4) -> np.ndarray:
    """A smooth random field in [0, 1] over ``shape``: pressure along a stroke, light over a page, fading print."""
    coarse = rng.uniform(0, 1, (cells, cells)).astype(np.float32)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def jpeg(image: np.ndarray, rng: np.random.Generator, share: float,
         qualities: tuple[int, int] = (35, 92)) -> np.ndarray:
    """uint8 (H, W) JPEG'd at a quality drawn from ``qualities`` [low, high) on ``share`` of the calls: a phone's
    blocks and ringing."""
    if rng.random() >= share:
        return image
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*qualities))])
    return cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE) if ok else image


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


def at_odds(rng: np.random.Generator, share: float) -> bool:
    """True at ``share``'s odds. Draws from ``rng`` only when the share is set, so the strings of configs
    without it stay as they were, draw for draw."""
    return bool(share) and rng.random() < share


def maybe_stray_mark(mask: np.ndarray, boxes: list, rng: np.random.Generator,
                     cfg: SynthConfig) -> tuple[np.ndarray, list]:
    """A ``stray_mark_fraction`` of strings get a stray mark (``marks.with_stray_mark``); the label stays."""
    if at_odds(rng, cfg.stray_mark_fraction):
        return marks.with_stray_mark(mask, boxes, rng)
    return mask, boxes


def render_clean(mask: np.ndarray) -> np.ndarray:
    """Ink mask -> a canvas-like drawing: black ink on white, nothing else."""
    return np.clip(255.0 * (1.0 - mask), 0, 255).astype(np.uint8)


class SequenceGenerator:
    """Makes digit strings from a pool of MNIST digits; the same seed gives the same strings."""

    def __init__(self, digits: Digits, config: SynthConfig = SynthConfig(), seed: int = 0):
        self.digits = digits
        self.config = config
        self.seed = seed
        self.real = RealStrings(load_real_pool(), config) if config.real_fraction else None

    def rng(self, *key: int) -> np.random.Generator:
        """A generator for one item, fixed by the seed and the key (epoch, index...)."""
        return np.random.default_rng([self.seed, *key])

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        """One string: pick digits, transform, compose, pad and render (or one of real handwriting)."""
        cfg = self.config
        if at_odds(rng, cfg.real_fraction):  # MNIST strings as before when no real share is asked
            return self.real.sample(rng, length)
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
        mask, boxes = _pad(*maybe_stray_mark(mask, boxes, rng, cfg), rng)
        image = render_clean(mask) if clean else render(mask, rng)
        return Sample(image, "".join(str(self.digits.labels[i]) for i in picks), boxes)

    def _flag(self, pick: int, rng: np.random.Generator) -> bool:
        # draws from rng only for 1s of a config with flags: strings without flags stay as they were
        return self.digits.labels[pick] == 1 and at_odds(rng, self.config.flagged_ones)

    def batch(self, size: int, *key: int, length: int | None = None) -> tuple[np.ndarray, list[str]]:
        """``size`` normalized model inputs float32 (size, 32, 256, 1) and their texts."""
        rng = self.rng(*key)
        samples = [self.sample(rng, length) for _ in range(size)]
        inputs = np.stack([preprocess.normalize_line(s.image)[0] for s in samples])
        return inputs, [s.text for s in samples]


# --------------------------------------------------------------------------- real handwriting (issue 22)

REAL_TILT = 5.0  # most a real digit is turned, in degrees: its writer's own slant is already in it
REAL_SLANT = 0.25  # most a string's slant is changed by (a shear: x moves this share of the height)
CROWDED_GAPS, CROWDED_OVERLAP = (-0.22, 0.05), 0.4  # a crowded hand's mean gap, and how far its digits overlap
CROWDED_SIZES = (0.6, 1.15)  # and how much its digits' heights differ ("1965" with a small 6)
RUN_LENGTHS, RUN_ODDS = (2, 3), (0.6, 0.4)  # a repeated digit is written twice or three times in a row
ZERO_RUNS = 0.5  # of the runs, this share are of 0s ("00", "000") where the writer wrote a 0
SPEED_SHARE, SPEEDS = 0.5, (0.3, 1.0)  # pen strings with speed-dependent thickness, and how strong (pen.py)
CANVAS_HEIGHT = 40  # the page's canvas draws numbers large: pen strings shown as it shows them are at least this tall
SEPARATED_WHOLE_SHARE = 0.4  # of the strings with separators, this share are real UNIPEN ones (the rest composed)
WHOLE_STRING_HEIGHTS = (1.0, 1.3)  # a whole string's ink height, as a share of a digit's (digits differ in height)


def is_digit_string(label: str) -> bool:
    """Digits only: no separators or spaces (the alphabet is 0-9 for now)."""
    return bool(label) and set(label) <= realdata.DIGITS


class RealPool:
    """Real handwriting of the train split only (``training/data/SPLITS.json``): UNIPEN single digits grouped by
    writer, whole digit-only UNIPEN strings (both pen strokes), and scanned digits (USPS and optdigits train,
    each set one more writer)."""

    def __init__(self, digits: list[PenSample], strings: list[PenSample], scans: tuple[Digits, ...],
                 separated: list[PenSample] = ()):
        self.separated = list(separated)  # whole UNIPEN strings with separators or spaces ("12/05/94")
        self.by_writer: dict[str, list[PenSample]] = {}
        for sample in digits:
            self.by_writer.setdefault(sample.writer, []).append(sample)
        self.writer_names = sorted(self.by_writer)
        self.labels = {w: np.array([int(s.label) for s in self.by_writer[w]]) for w in self.writer_names}
        self.writer_odds = _odds([len(self.by_writer[w]) for w in self.writer_names])  # each digit equally likely
        self.strings = strings
        self.scans = scans
        self.scan_odds = _odds([len(d) for d in scans])

    def describe(self) -> dict:
        """What the pool holds, for a model's card."""
        return {"unipen": f"UNIPEN train split ({', '.join(realdata.split_labs('train'))}; training/data/SPLITS.json)",
                "unipen_writers": len(self.by_writer), "unipen_digits": sum(map(len, self.by_writer.values())),
                "unipen_strings": len(self.strings), "unipen_strings_with_separators": len(self.separated),
                "scans": {d.source: len(d) for d in self.scans},
                "scan_files": {"usps-train": f"USPS {realdata.USPS_FILES['train']} less its validation tenth",
                               "optdigits-train": f"optdigits {realdata.OPTDIGITS_FILES['train']} less its validation tenth"}}


def _odds(counts: list[int]) -> np.ndarray:
    counts = np.asarray(counts, np.float64)
    return counts / counts.sum()


@lru_cache(maxsize=1)
def load_real_pool() -> RealPool:
    """The train split's real handwriting (once per process): UNIPEN digits and the one-digit UNIPEN strings as
    single digits, longer digit-only UNIPEN strings whole, strings with separators apart, USPS and optdigits
    train scans."""
    digits = realdata.load_unipen("digits", "train")
    every_string = realdata.load_unipen("strings", "train")
    strings = [s for s in every_string if is_digit_string(s.label)]
    singles = [s for s in strings if len(s.label) == 1]
    wholes = [s for s in strings if len(s.label) > 1]
    separated = [s for s in every_string if not is_digit_string(s.label) and len(s.label) <= TEXT_LABEL_WIDTH]
    scans = (realdata.load_scans("usps", "train"), realdata.load_scans("optdigits", "train"))
    return RealPool(digits + singles, wholes, scans, separated)


class PenLook(NamedTuple):
    """How one real string is drawn: shown as the page's canvas shows it (``canvas``) or as ink on paper;
    its digits' height in pixels; the pen's width as a share of it and its ``speed`` (pen.py); a slant."""

    canvas: bool
    height: int
    pen_share: float
    speed: float
    slant: float


def choose_look(rng: np.random.Generator, cfg: SynthConfig) -> PenLook:
    """A pen and a look for one real string: any width, sometimes thinner where the pen moved fast."""
    canvas = not cfg.realistic or rng.random() < cfg.real_canvas_fraction
    height = int(rng.uniform(*cfg.heights)) if cfg.heights[1] > cfg.heights[0] else cfg.heights[0]
    speed = rng.uniform(*SPEEDS) if rng.random() < SPEED_SHARE else 0.0
    return PenLook(canvas, max(height, CANVAS_HEIGHT) if canvas else height, rng.uniform(*cfg.real_pen_widths),
                   speed, rng.uniform(-REAL_SLANT, REAL_SLANT))


def tilted(sample: PenSample, slant: float, angle: float) -> PenSample:
    """The sample with its strokes sheared by ``slant`` (top to the right for > 0; y points down) and turned
    ``angle`` degrees."""
    turn = np.radians(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    matrix = rotation @ np.array([[1.0, -slant], [0.0, 1.0]])
    return replace(sample, strokes=tuple((s @ matrix.T).astype(np.float32) for s in sample.strokes))


def pen_ink(sample: PenSample, rng: np.random.Generator, look: PenLook, height: int, max_angle: float) -> np.ndarray:
    """A UNIPEN sample drawn with the string's pen: float ink alpha, ``height`` rows, as wide as its ink."""
    angle = rng.uniform(-max_angle, max_angle)
    return ink_mask(tilted(sample, look.slant, angle), height, look.pen_share, look.speed)


def digit_height(rng: np.random.Generator, height: int, sizes: tuple[float, float] = REAL_SIZES) -> int:
    """One digit's height in a string of ``height``: a hand does not write every digit the same size."""
    return max(8, int(round(height * rng.uniform(*sizes))))


def pick_digits(rng: np.random.Generator, labels: np.ndarray, length: int,
                run_share: float) -> tuple[np.ndarray, bool]:
    """``length`` picks among one writer's digits (their ``labels``); a string of 2 or more digits gets, at
    ``run_share``'s odds, a run of one digit written 2 or 3 times (``run_digit``), as in "3200" or "10000".
    Returns the picks and whether a run was put in."""
    picks = rng.integers(0, len(labels), length)
    if length < 2 or not run_share or rng.random() >= run_share:
        return picks, False
    run = min(length, int(rng.choice(RUN_LENGTHS, p=RUN_ODDS)))
    same = np.flatnonzero(labels == run_digit(rng, labels))
    start = int(rng.integers(0, length - run + 1))
    picks[start : start + run] = rng.choice(same, run, replace=len(same) < run)  # other samples where there are
    return picks, True


def run_digit(rng: np.random.Generator, labels: np.ndarray) -> int:
    """The digit of a run: 0 half the time where the writer wrote one (runs of 0s end most misread numbers),
    else any of the writer's digits."""
    if (labels == 0).any() and rng.random() < ZERO_RUNS:
        return 0
    return int(labels[rng.integers(len(labels))])


def write_along(masks: list[np.ndarray], rng: np.random.Generator, crowded: bool = False) -> tuple[np.ndarray, list]:
    """Place one hand's digits as it writes them: bottoms on a drifting baseline, gaps varying around the
    writer's own (``advance``), some touching or slightly overlapping (``crowded``: most). Ink overlaps as ink."""
    height = max(m.shape[0] for m in masks)
    lefts = advance(masks, rng, height, crowded)
    tops = [int(round(bottom)) - m.shape[0] for bottom, m in zip(baseline(len(masks), rng, height), masks)]
    tops = [top - min(tops) for top in tops]
    canvas = np.zeros((max(t + m.shape[0] for t, m in zip(tops, masks)),
                       max(x + m.shape[1] for x, m in zip(lefts, masks))), np.float32)
    boxes = []
    for x, y, mask in zip(lefts, tops, masks):
        h, w = mask.shape
        np.maximum(canvas[y : y + h, x : x + w], mask, out=canvas[y : y + h, x : x + w])
        boxes.append((x, y, w, h))
    return canvas, boxes


def advance(masks: list[np.ndarray], rng: np.random.Generator, height: int, crowded: bool = False) -> list[int]:
    """Each digit's left edge: the writer's mean gap (``REAL_GAPS``, crowded ``CROWDED_GAPS``) give or take
    ``GAP_JITTER``; a negative gap overlaps the neighbour, by at most ``MOST_OVERLAP`` (``CROWDED_OVERLAP``)
    of the narrower digit."""
    mean = rng.uniform(*(CROWDED_GAPS if crowded else REAL_GAPS)) * height
    most_overlap = CROWDED_OVERLAP if crowded else MOST_OVERLAP
    lefts = [0]
    for left, right in zip(masks, masks[1:]):
        gap = max(mean + rng.uniform(-GAP_JITTER, GAP_JITTER) * height,
                  -most_overlap * min(left.shape[1], right.shape[1]))
        lefts.append(lefts[-1] + left.shape[1] + int(round(gap)))
    return lefts


class RealStrings:
    """Strings of real handwriting from a ``RealPool`` (``SequenceGenerator`` hands it ``real_fraction`` of its
    strings): whole UNIPEN strings (``real_whole_fraction``), strings of scans (``real_scan_fraction`` of the
    rest), else strings composed from one UNIPEN writer's digits."""

    def __init__(self, pool: RealPool, config: SynthConfig):
        self.pool, self.config = pool, config
        self.wholes = [s for s in pool.strings if config.min_length <= len(s.label) <= config.max_length]

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        cfg = self.config
        if cfg.separator_fraction and length is None and rng.random() < cfg.separator_fraction:
            return self.with_separators(rng)
        wholes = [s for s in self.wholes if len(s.label) == length] if length else self.wholes
        if wholes and rng.random() < cfg.real_whole_fraction:
            return self.whole_string(rng, wholes[int(rng.integers(len(wholes)))])
        length = length or int(rng.integers(cfg.min_length, cfg.max_length + 1))
        if rng.random() < cfg.real_scan_fraction:
            return self.scanned(rng, length)
        return self.one_writer(rng, length)

    def whole_string(self, rng: np.random.Generator, string: PenSample, origin: str = "unipen-string") -> Sample:
        """A whole string drawn from its pen strokes (no boxes: where its digits are is not known)."""
        look = choose_look(rng, self.config)
        mask = pen_ink(string, rng, look, int(look.height * rng.uniform(*WHOLE_STRING_HEIGHTS)), REAL_TILT)
        if is_digit_string(string.label):  # a mark after "(408)" could pass for a separator: digits only
            mask, _ = maybe_stray_mark(mask, [], rng, self.config)
        mask, _ = _pad(mask, [], rng)
        image = render_clean(mask) if look.canvas else render(mask, rng)
        return Sample(image, string.label, [], origin, (string.writer,) * len(string.label))

    def with_separators(self, rng: np.random.Generator) -> Sample:
        """A number written with separators ("3.14", "(408) 974-8980"): a whole UNIPEN string that has them
        (``SEPARATED_WHOLE_SHARE``), else one composed from a writer's digits and drawn separators."""
        from training.scenes import separators  # loaded when first needed

        if self.pool.separated and rng.random() < SEPARATED_WHOLE_SHARE:
            return self.whole_string(rng, self.pool.separated[int(rng.integers(len(self.pool.separated)))])
        writer = self.pool.writer_names[int(rng.choice(len(self.pool.writer_names), p=self.pool.writer_odds))]
        strokes, label = separators.compose_with_separators(
            separators.digits_by_char(self.pool.by_writer[writer]), separators.sample_format(rng), rng)
        return self.whole_string(rng, PenSample(label, writer.split("/")[0], writer, tuple(strokes)), "separators")

    def one_writer(self, rng: np.random.Generator, length: int) -> Sample:
        """A new string of one UNIPEN writer's digits, drawn with one pen, as that hand writes (or, a share
        ``real_seed_layout``, by the seed's rules)."""
        pool, cfg = self.pool, self.config
        writer = pool.writer_names[int(rng.choice(len(pool.writer_names), p=pool.writer_odds))]
        samples = pool.by_writer[writer]
        picks, repeat = pick_digits(rng, pool.labels[writer], length, cfg.repeat_fraction)
        look = choose_look(rng, cfg)
        seed_rules = rng.random() < cfg.real_seed_layout
        crowded = not seed_rules and at_odds(rng, cfg.crowded_fraction)
        masks = [pen_ink(samples[i], rng, look, digit_height(rng, look.height, self._sizes(crowded)),
                         cfg.max_angle if seed_rules else REAL_TILT) for i in picks]
        image, boxes = self._lay_out_and_render(masks, rng, seed_rules, look.canvas, crowded)
        return Sample(image, "".join(samples[i].label for i in picks), boxes, "unipen",
                      tuple(samples[i].writer for i in picks), repeat)

    def scanned(self, rng: np.random.Generator, length: int) -> Sample:
        """A string of one scanned set's digits (USPS or optdigits train), transformed as MNIST's are."""
        cfg = self.config
        scans = self.pool.scans[int(rng.choice(len(self.pool.scans), p=self.pool.scan_odds))]
        picks, repeat = pick_digits(rng, scans.labels, length, cfg.repeat_fraction)
        height = int(rng.uniform(*cfg.heights)) if cfg.heights[1] > cfg.heights[0] else cfg.heights[0]
        seed_rules = rng.random() < cfg.real_seed_layout
        crowded = not seed_rules and at_odds(rng, cfg.crowded_fraction)
        masks = [transform_digit(scans.images[i], rng, digit_height(rng, height, self._sizes(crowded)),
                                 cfg.max_angle if seed_rules else REAL_TILT, cfg.restroke) for i in picks]
        clean = not cfg.realistic or rng.random() < cfg.clean_fraction
        image, boxes = self._lay_out_and_render(masks, rng, seed_rules, clean, crowded)
        return Sample(image, "".join(str(scans.labels[i]) for i in picks), boxes, scans.source,
                      (scans.source,) * length, repeat)

    @staticmethod
    def _sizes(crowded: bool) -> tuple[float, float]:
        return CROWDED_SIZES if crowded else REAL_SIZES

    def _lay_out_and_render(self, masks: list[np.ndarray], rng: np.random.Generator, seed_rules: bool,
                            clean: bool, crowded: bool = False) -> tuple[np.ndarray, list]:
        """The digits laid out (by the seed's rules or as a hand writes), padded and rendered: image and boxes."""
        if seed_rules:
            mask, boxes = compose(masks, rng, self.config.vertical)
        else:
            mask, boxes = write_along(masks, rng, crowded)
        mask, boxes = _pad(*maybe_stray_mark(mask, boxes, rng, self.config), rng)
        return render_clean(mask) if clean else render(mask, rng), boxes


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


def worker_job(job: tuple[int, ...]) -> tuple[np.ndarray, list[str]]:
    """``worker_batch`` of one (size, *key) tuple, for ``Pool.imap``. It lives here, not beside its caller, so that
    a data process unpickling it imports no Keras: no TensorFlow start-up, a few hundred MB less per process."""
    return worker_batch(*job)
