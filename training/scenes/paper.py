"""Numbers written on paper, for training (issue 35): real crops and rendered ink in the places people write.

``PaperStrings.sample`` gives a grey crop (ink dark on light, as uploaded) and its digits; the training loop
passes it through ``preprocess.normalize_line``, as the app does with a number it found, so a whole tight crop
(a cell with its border, a form box, a cheque line) is what the model learns to read, borders not digits.

- ``real``: a register-number or cheque-amount crop of the **train** split (``paperdata``), cut as the
  finder would (the number with a margin) or left whole, sometimes scanned or photographed again.
- ``rendered``: digits of one writer (pen strokes of pendigits and UNIPEN train writers; scans of swiss,
  semeion, USPS, optdigits train) laid out as a hand writes, with runs of one digit and round amounts
  ("3200", "17000") common; inked as a ballpoint, felt-tip or pencil leaves it (grey, grainy, faint, pressure,
  bleed); on a place: a table cell or form boxes with borders, an underline, a baseline, a printed label
  beside, ruled or squared paper, a cheque's amount box; then scanned (threshold, low resolution) or
  photographed (blur, shadow, tilt, JPEG).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from training.core import ruling
from training.scenes import synth
from training.sources import paperdata, realdata
from training.sources.datasets import Digits
from training.sources.realdata import PenSample
from training.scenes.synth import (PenLook, Sample, SequenceGenerator, SynthConfig, at_odds, digit_height, jpeg,
                                   pen_ink, smooth_field, transform_digit, write_along)

REAL_SHARE = 0.35  # of paper strings, real crops (registers and cheques, train split)
FINDER_SHARE = 0.5  # of real crops, cut as the app's hand-tuned finder cuts a number (from stage 2 on)
FINDER_PADS = (0.08, 0.25)  # paper kept round a found number, as a share of its height (the app keeps 0.15)
CHEQUE_SHARE = 0.3  # of the real crops, cheques
PEN_SHARE = 0.55  # of rendered strings, written from pen strokes (the rest from scans)
ROUND_AMOUNT = 0.3  # of rendered strings, a round amount: digits then zeros ("3200", "17000")
RUN_SHARE = 0.2  # of the others, a run of one digit ("1188", "7770")
SHORT_SHARE = 0.45  # of rendered strings, 1 to 3 digits (lone digits and short numbers in cells)
TOOLS = ("ballpoint", "felt", "pencil")
TOOL_ODDS = (0.5, 0.25, 0.25)
PLACES = ("bare", "cell", "boxes", "underline", "baseline", "label", "ruled", "squared", "cheque")
PLACE_ODDS = (0.1, 0.25, 0.1, 0.1, 0.08, 0.1, 0.1, 0.07, 0.1)
LABELS = ("No.", "Nr", "Tel", "$", "Rs.", "Total", "Amount", "Qty", "Page", "#", "Fr.", "EUR")
WORD_SHARE = 0.15  # of rendered strings, a handwritten word (unipen-words) beside the number: letters are not digits
WORD_GAP = (0.3, 1.2)  # the gap between word and number, in digit heights (the app's finder may keep them as one)
RULING_ERASED = 0.7  # of paper strings, the ruling painted over as the app does (training.core.ruling, from stage 3)


# --------------------------------------------------------------------------------------------- the pool


@dataclass
class PaperPool:
    """The train split's writing for paper strings: pen writers (id -> samples), scan sets, real crops."""

    pen_writers: dict[str, list[PenSample]]
    scans: tuple[Digits, ...]
    registers: list[paperdata.Crop]
    cheques: list[paperdata.Crop]
    words: list[PenSample] = field(default_factory=list)  # handwritten words, no digits (negatives)

    def __post_init__(self):
        self.writer_names = sorted(self.pen_writers)

    def describe(self) -> dict:
        return {"pen_writers": len(self.pen_writers), "pen_digits": sum(map(len, self.pen_writers.values())),
                "scans": {d.source: len(d) for d in self.scans}, "register_crops": len(self.registers),
                "cheque_crops": len(self.cheques), "words": len(self.words)}


@lru_cache(maxsize=1)
def load_paper_pool() -> PaperPool:
    """Train splits only: pendigits and UNIPEN digits by writer; swiss, semeion, USPS, optdigits scans;
    register and cheque crops with labels of digits only."""
    writers: dict[str, list[PenSample]] = {}
    for sample in paperdata.load_pen("pendigits", "train") + realdata.load_unipen("digits", "train"):
        writers.setdefault(sample.writer, []).append(sample)
    scans = (paperdata.load_scanned("swiss-numbers", "train"), paperdata.load_scanned("semeion", "train"),
             realdata.load_scans("usps", "train"), realdata.load_scans("optdigits", "train"))
    return PaperPool(writers, scans, paperdata.load_crops("register-numbers", "train"),
                     paperdata.load_crops("cheque-amounts", "train"), paperdata.load_pen("unipen-words", "train"))


# --------------------------------------------------------------------------------------------- what is written


def number_text(rng: np.random.Generator, length: int) -> str:
    """A number people write: a round amount, a run of one digit, or any digits (no leading zero past one)."""
    if length >= 2 and rng.random() < ROUND_AMOUNT:
        head = int(rng.integers(1, length))
        return "".join(str(d) for d in rng.integers(0, 10, head)).lstrip("0").rjust(head, "1") + "0" * (length - head)
    digits = [str(d) for d in rng.integers(0, 10, length)]
    if length >= 2 and rng.random() < RUN_SHARE:
        run = int(rng.integers(2, min(length, 4) + 1))
        start = int(rng.integers(0, length - run + 1))
        digits[start:start + run] = [str(rng.integers(0, 10))] * run
    return "".join(digits)


def choose_length(rng: np.random.Generator, most: int) -> int:
    if rng.random() < SHORT_SHARE:
        return int(rng.integers(1, min(3, most) + 1))
    return int(rng.integers(1, most + 1))


def pen_masks(rng: np.random.Generator, samples: list[PenSample], text: str, height: int) -> list[np.ndarray] | None:
    """One writer's ink for each digit of ``text`` (None where the writer has no such digit)."""
    by_digit: dict[str, list[PenSample]] = {}
    for s in samples:
        by_digit.setdefault(s.label, []).append(s)
    if not all(ch in by_digit for ch in text):
        return None
    look = PenLook(False, height, rng.uniform(0.04, 0.16), rng.uniform(0, 0.5), rng.uniform(-0.25, 0.25))
    picks = [by_digit[ch][int(rng.integers(len(by_digit[ch])))] for ch in text]
    return [pen_ink(s, rng, look, digit_height(rng, height), synth.REAL_TILT) for s in picks]


def scan_masks(rng: np.random.Generator, digits: Digits, text: str, height: int) -> list[np.ndarray]:
    """One scan set's digits for ``text``, each scaled to about ``height`` (scans: one more writer each)."""
    masks = []
    for ch in text:
        same = np.flatnonzero(digits.labels == int(ch))
        image = digits.images[int(rng.choice(same))]
        masks.append(transform_digit(image, rng, digit_height(rng, height), synth.REAL_TILT, True))
    return masks


def written(rng: np.random.Generator, pool: PaperPool, text: str, height: int) -> tuple[np.ndarray, str]:
    """``text`` as one hand writes it: float ink alpha (h, w), laid out along a drifting baseline; and the
    writer (a pen writer's id, or the scan set)."""
    masks, writer = None, ""
    if rng.random() < PEN_SHARE:
        writer = pool.writer_names[int(rng.integers(len(pool.writer_names)))]
        masks = pen_masks(rng, pool.pen_writers[writer], text, height)
    if masks is None:
        scans = pool.scans[int(rng.integers(len(pool.scans)))]
        masks, writer = scan_masks(rng, scans, text, height), scans.source
    mask, _ = write_along(masks, rng, crowded=rng.random() < 0.3)
    return mask, writer


def with_word(rng: np.random.Generator, words: list[PenSample], mask: np.ndarray, height: int) -> np.ndarray:
    """``mask`` (h, w) with a handwritten word before or after it on the same baseline, WORD_GAP heights away;
    the truth stays the number's: a word's letters are not digits (the no-digits set's inventions were words)."""
    word = synth.pen_ink(words[int(rng.integers(len(words)))], rng, PenLook(False, height, rng.uniform(0.04, 0.12),
                         rng.uniform(0, 0.5), rng.uniform(-0.2, 0.2)), digit_height(rng, height), synth.REAL_TILT)
    rows = max(word.shape[0], mask.shape[0])
    gap = np.zeros((rows, int(rng.uniform(*WORD_GAP) * height)), np.float32)
    bottom = [np.pad(m, ((rows - m.shape[0], 0), (0, 0))) for m in (word, mask)]  # bottoms on one line
    return np.hstack([bottom[0], gap, bottom[1]] if rng.random() < 0.6 else [bottom[1], gap, bottom[0]])


# --------------------------------------------------------------------------------------------- ink


def inked(mask: np.ndarray, rng: np.random.Generator, tool: str) -> np.ndarray:
    """How dark the tool leaves each pixel (0..1): ballpoint dark with pressure gaps, felt-tip dark and
    bled, pencil grey and grainy; any of them faint now and then."""
    pressure = 0.6 + 0.4 * smooth_field(rng, mask.shape)
    if tool == "felt":
        size = max(1, int(round(mask.shape[0] / 40)))
        mask = cv2.GaussianBlur(cv2.dilate(mask, np.ones((size + 1, size + 1), np.uint8)), (0, 0), 0.6 + size / 2)
        darkness = rng.uniform(0.75, 1.0)
    elif tool == "pencil":
        grain = cv2.GaussianBlur(rng.uniform(0.3, 1.0, mask.shape).astype(np.float32), (0, 0), 0.7)
        mask = mask * np.clip(grain * 1.3, 0, 1)
        darkness = rng.uniform(0.25, 0.65)
    else:
        darkness = rng.uniform(0.55, 1.0)
    if rng.random() < 0.15:  # faint: a dry pen, a light hand
        darkness *= rng.uniform(0.35, 0.7)
    return np.clip(mask * pressure * darkness, 0, 1)


# --------------------------------------------------------------------------------------------- places


def placed(ink: np.ndarray, rng: np.random.Generator, place: str) -> tuple[np.ndarray, np.ndarray]:
    """The ink on a page with the place it is written in: (paper darkness of printed/ruled lines, ink), both
    float (H, W), the crop as tight as the place (a cell with its border, the boxes, the line)."""
    h, w = ink.shape
    pad = [int(rng.uniform(0.1, 0.5) * h) for _ in range(4)]
    if place in ("cell", "boxes", "cheque"):
        pad = [int(rng.uniform(0.15, 0.6) * h) for _ in range(4)]
    if place == "label":
        pad[2] += int(rng.uniform(1.5, 3.5) * h)
    page_ink = np.pad(ink, ((pad[0], pad[1]), (pad[2], pad[3])))
    lines = np.zeros_like(page_ink)
    box = (pad[2], pad[0], w, h)  # x, y, w, h of the writing on the page
    PLACE_DRAWERS[place](lines, box, rng)
    return lines, page_ink


def _text(lines: np.ndarray, text: str, origin: tuple[int, int], scale: float, grey: float, thickness: int) -> None:
    """Printed text onto the float ``lines`` (OpenCV draws text on 8-bit images only)."""
    layer = np.zeros(lines.shape, np.uint8)
    cv2.putText(layer, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    np.maximum(lines, layer.astype(np.float32) * (grey / 255), out=lines)


def _line_grey(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.25, 0.9))


def _thick(rng: np.random.Generator, h: int) -> int:
    return max(1, int(round(rng.uniform(0.02, 0.07) * h)))


def draw_cell(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """A table cell: its border just inside the crop (some sides past it), the writing anywhere in it."""
    H, W = lines.shape
    t, grey = _thick(rng, box[3]), _line_grey(rng)
    inset = [int(rng.uniform(0, 0.6) * m) for m in (box[1], H - box[1] - box[3], box[0], W - box[0] - box[2])]
    top, bottom, left, right = inset[0], H - 1 - inset[1], inset[2], W - 1 - inset[3]
    for side, (p0, p1) in enumerate((((0, top), (W, top)), ((0, bottom), (W, bottom)),
                                      ((left, 0), (left, H)), ((right, 0), (right, H)))):
        if rng.random() < 0.85:
            cv2.line(lines, p0, p1, grey, t)


def draw_boxes(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """Form boxes (a comb): a frame round the writing cut into boxes about a digit wide."""
    H, W = lines.shape
    t, grey = _thick(rng, box[3]), _line_grey(rng)
    top, bottom = max(0, box[1] - int(0.2 * box[3])), min(H - 1, box[1] + int(1.2 * box[3]))
    cv2.rectangle(lines, (max(0, box[0] - 4), top), (min(W - 1, box[0] + box[2] + 4), bottom), grey, t)
    step = max(6, int(rng.uniform(0.7, 1.1) * box[3]))
    tick = top if rng.random() < 0.5 else bottom - int(0.35 * (bottom - top))
    for x in range(box[0] - 4 + step, box[0] + box[2], step):
        cv2.line(lines, (x, tick), (x, bottom if tick != top else top + int(0.35 * (bottom - top))), grey, t)


def draw_underline(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    y = min(lines.shape[0] - 1, box[1] + box[3] + int(rng.uniform(0.02, 0.25) * box[3]))
    x0, x1 = int(box[0] * rng.uniform(0, 0.8)), lines.shape[1] - int((lines.shape[1] - box[0] - box[2]) * rng.uniform(0, 0.8))
    cv2.line(lines, (x0, y), (x1, y + int(rng.integers(-2, 3))), _line_grey(rng), _thick(rng, box[3]))


def draw_baseline(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """A printed dotted or full line the number sits on, across the crop."""
    y = min(lines.shape[0] - 1, box[1] + box[3] - int(rng.uniform(-0.05, 0.1) * box[3]))
    grey, t = _line_grey(rng) * 0.7, max(1, _thick(rng, box[3]) - 1)
    if rng.random() < 0.5:
        cv2.line(lines, (0, y), (lines.shape[1], y), grey, t)
        return
    for x in range(0, lines.shape[1], 6):
        cv2.line(lines, (x, y), (x + 2, y), grey, t)


def draw_label(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """A printed word left of the number ("No.", "Total"), and sometimes a line under both."""
    text = LABELS[int(rng.integers(len(LABELS)))]
    scale = box[3] * rng.uniform(0.4, 0.7) / 22
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x = max(1, box[0] - tw - int(rng.uniform(0.2, 0.8) * box[3]))
    y = box[1] + box[3] - int(rng.uniform(0, 0.2) * box[3])
    _text(lines, text, (x, y), scale, min(1.0, _line_grey(rng) + 0.1), max(1, int(scale * 2)))
    if rng.random() < 0.4:
        draw_baseline(lines, box, rng)


def draw_ruled(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """Ruled paper: lines a little more than the writing apart, one near the number's foot."""
    spacing = max(8, int(rng.uniform(0.9, 1.5) * box[3]))
    start = (box[1] + box[3] + int(rng.uniform(-0.05, 0.15) * box[3])) % spacing
    grey = _line_grey(rng) * 0.6
    for y in range(start, lines.shape[0], spacing):
        cv2.line(lines, (0, y), (lines.shape[1], y), grey, 1)


def draw_squared(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """Squared (graph) paper: a grid of faint lines about half a digit apart."""
    spacing = max(5, int(rng.uniform(0.35, 0.7) * box[3]))
    grey = _line_grey(rng) * 0.45
    dx, dy = (int(rng.integers(0, spacing)) for _ in range(2))
    for y in range(dy, lines.shape[0], spacing):
        cv2.line(lines, (0, y), (lines.shape[1], y), grey, 1)
    for x in range(dx, lines.shape[1], spacing):
        cv2.line(lines, (x, 0), (x, lines.shape[0]), grey, 1)


def draw_cheque(lines: np.ndarray, box: tuple, rng: np.random.Generator) -> None:
    """A cheque's amount box: a printed pattern behind, a frame, sometimes a currency sign printed left."""
    H, W = lines.shape
    pattern = smooth_field(rng, (H, W), 8) * rng.uniform(0.05, 0.25)
    stripes = (np.sin(np.arange(W)[None, :] * rng.uniform(0.3, 1.2) + np.arange(H)[:, None] * rng.uniform(0.3, 1.2)) > 0.6)
    np.maximum(lines, pattern + stripes * rng.uniform(0, 0.12), out=lines)
    draw_cell(lines, box, rng)
    if rng.random() < 0.5:
        _text(lines, "$", (max(1, box[0] - int(0.8 * box[3])), box[1] + box[3]), box[3] / 30, _line_grey(rng),
              max(1, box[3] // 12))


PLACE_DRAWERS = {"bare": lambda lines, box, rng: None, "cell": draw_cell, "boxes": draw_boxes,
                 "underline": draw_underline, "baseline": draw_baseline, "label": draw_label,
                 "ruled": draw_ruled, "squared": draw_squared, "cheque": draw_cheque}


# --------------------------------------------------------------------------------------------- capture


def on_paper(lines: np.ndarray, ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paper (its tone and grain), printed lines and the ink: float grey 0..255, ink dark."""
    paper = rng.uniform(170, 250)
    grain = cv2.GaussianBlur(rng.normal(0, 1, ink.shape).astype(np.float32), (0, 0), rng.uniform(0.5, 2))
    image = paper + grain * rng.uniform(0, 8)
    image *= 1 - lines * rng.uniform(0.3, 0.8)
    ink_tone = rng.uniform(0, 60)
    return image + (ink_tone - image) * ink


def scanned(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scanner: low resolution (down and up again), sometimes a hard threshold (binary scans)."""
    h, w = image.shape
    factor = rng.uniform(0.3, 1.0)
    small = cv2.resize(image, (max(4, int(w * factor)), max(4, int(h * factor))), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.35:  # between the darkest ink and the paper: a share of the sum (to stage 2) went past the
        level = small.min() + rng.uniform(0.35, 0.65) * (small.max() - small.min())  # paper, 2% of strings all ink
        small = np.where(small < level, 20.0, 235.0).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) if rng.random() < 0.5 else small


def photographed(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone: tilt, a shadow across, uneven light, blur, noise and JPEG."""
    h, w = image.shape
    angle = rng.uniform(-6, 6)
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    image = cv2.warpAffine(image, rotation, (w, h), borderMode=cv2.BORDER_REPLICATE)
    image = synth._perspective(image, rng, 0.05)
    light = 1 - rng.uniform(0, 0.45) * smooth_field(rng, image.shape, 3)
    if rng.random() < 0.3:  # a hard shadow edge (a hand, a phone)
        xs = np.arange(w)[None, :] + np.arange(h)[:, None] * rng.uniform(-1, 1)
        light = light * np.where(xs > rng.uniform(0, w), rng.uniform(0.55, 0.85), 1.0)
    image = image * light
    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), rng.uniform(0.2, 1.5) * max(1.0, h / 80))
    image = image + rng.normal(0, rng.uniform(0, 8), image.shape)
    return jpeg(np.clip(image, 0, 255).astype(np.uint8), rng, 0.6)


# --------------------------------------------------------------------------------------------- real crops


def cut_real(crop: paperdata.Crop, rng: np.random.Generator) -> np.ndarray:
    """A real crop as the app may get it: whole, or cut round its digits (cheque boxes) or round the middle
    (a register window is centred on its number), at times scanned or photographed again."""
    image = crop.image
    h, w = image.shape
    if crop.boxes is not None and len(crop.boxes) and rng.random() < 0.6:
        x0, y0 = crop.boxes[:, :2].min(axis=0)
        x1, y1 = (crop.boxes[:, :2] + crop.boxes[:, 2:]).max(axis=0)
        pad = int(rng.uniform(0.05, 0.45) * (y1 - y0))
        image = image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
    elif crop.boxes is None and rng.random() < 0.5:
        top, bottom = (int(rng.uniform(0, 0.2) * h) for _ in range(2))
        left, right = (int(rng.uniform(0, 0.2) * w) for _ in range(2))
        image = image[top:h - bottom, left:w - right]
    if rng.random() < 0.25:
        image = np.clip(scanned(image.astype(np.float32), rng), 0, 255).astype(np.uint8)
    return jpeg(image, rng, 0.2)


def found_number(crop: paperdata.Crop, rng: np.random.Generator) -> tuple[np.ndarray, str] | None:
    """A number of ``crop`` as the app's hand-tuned finder finds it (``detect.find_numbers``), cut with a margin
    as the app cuts it, and its label: a register crop's when the finder finds one number there; for a cheque,
    one found number's digits (those whose boxes' centres it holds). None where that cannot be told."""
    from training.core import detect  # the app's finder: imported when a run asks for it

    regions = detect.find_numbers(crop.image)
    if crop.boxes is None:
        if len(regions) != 1:
            return None
        region, label = regions[0], crop.label
    elif regions:
        region = regions[int(rng.integers(len(regions)))]
        label = "".join(ch for ch, centre in zip(crop.label, crop.boxes[:, :2] + crop.boxes[:, 2:] / 2)
                        if region.box.x <= centre[0] < region.box.right and region.box.y <= centre[1] < region.box.bottom)
    else:
        return None
    box = region.box
    pad = int(round(rng.uniform(*FINDER_PADS) * box.h))
    image = crop.image[max(0, box.y - pad):box.bottom + pad, max(0, box.x - pad):box.right + pad]
    return (image, label) if label else None


# --------------------------------------------------------------------------------------------- strings


class PaperStrings:
    """Paper strings for the training loop (``SynthConfig.paper_fraction`` of them)."""

    def __init__(self, pool: PaperPool, max_length: int, finder_cuts: bool = True, stage3: bool = True):
        self.pool, self.max_length, self.finder_cuts = pool, max_length, finder_cuts  # stage 1 ran without
        self.stage3 = stage3  # stages 1 and 2 ran without: words beside numbers, ruling erased

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        if length is None and rng.random() < REAL_SHARE:
            sample = self.real(rng)
        else:
            sample = self.rendered(rng, length or choose_length(rng, self.max_length))
        if self.stage3 and rng.random() < RULING_ERASED:  # the app paints a cell's borders over before reading
            sample = dataclasses.replace(sample, image=ruling.erase_ruling(sample.image))
        return sample

    def real(self, rng: np.random.Generator) -> Sample:
        crops = self.pool.cheques if rng.random() < CHEQUE_SHARE else self.pool.registers
        crops = [c for c in crops if len(c.label) <= self.max_length] if crops is self.pool.cheques else crops
        crop = crops[int(rng.integers(len(crops)))]
        origin = "cheque" if crop.boxes is not None else "register"
        found = found_number(crop, rng) if self.finder_cuts and rng.random() < FINDER_SHARE else None
        if found is not None:
            return Sample(jpeg(found[0], rng, 0.2), found[1], [], f"{origin}-found")
        return Sample(cut_real(crop, rng), crop.label, [], origin)

    def rendered(self, rng: np.random.Generator, length: int) -> Sample:
        text = number_text(rng, length)
        height = int(rng.uniform(14, 64))
        tool = TOOLS[int(rng.choice(len(TOOLS), p=TOOL_ODDS))]
        place = PLACES[int(rng.choice(len(PLACES), p=PLACE_ODDS))]
        mask, writer = written(rng, self.pool, text, height)
        if self.stage3 and self.pool.words and rng.random() < WORD_SHARE:
            mask = with_word(rng, self.pool.words, mask, height)
        ink = inked(mask, rng, tool)
        lines, page_ink = placed(ink, rng, place)
        image = on_paper(lines, page_ink, rng)
        image = scanned(image, rng) if rng.random() < 0.4 else image
        out = photographed(image, rng) if rng.random() < 0.6 else np.clip(image, 0, 255).astype(np.uint8)
        return Sample(out, text, [], f"paper-{place}-{tool}", (writer,) * len(text))


class PaperGenerator(SequenceGenerator):
    """``SequenceGenerator`` that hands ``config.paper_fraction`` of its strings to ``PaperStrings`` (the rest are
    made as before); the same seed and key give the same strings."""

    def __init__(self, digits: Digits, config: SynthConfig = SynthConfig(), seed: int = 0):
        super().__init__(digits, config, seed)
        self.paper = PaperStrings(load_paper_pool(), config.max_length)

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        if at_odds(rng, self.config.paper_fraction):
            return self.paper.sample(rng, length)
        return super().sample(rng, length)


def generator_for(digits: Digits, config: SynthConfig, seed: int) -> SequenceGenerator:
    """The training loop's generator: a ``PaperGenerator`` when the config asks for paper strings, inside a
    ``printed.PrintedGenerator`` when it asks for printed ones (loaded only then: its fonts, PIL)."""
    generator = (PaperGenerator if config.paper_fraction else SequenceGenerator)(digits, config, seed)
    if not config.printed_fraction:
        return generator
    from training.scenes import printed

    return printed.PrintedGenerator(generator)


def start_worker(digits: Digits, config: SynthConfig, seed: int) -> None:
    """``synth.start_worker`` for a data process of a run with paper strings (``synth.worker_batch`` uses it)."""
    cv2.setNumThreads(1)
    synth._worker_generator = generator_for(digits, config, seed)
