"""Scenes of real people's handwriting, from writers held out of training (issue 22).

The reader benchmark (``benchmarks.reader``) measures the app on them:

- ``pen-real``: a UNIPEN string's pen strokes drawn as the page's draw canvas draws them (``training.pen``:
  round pen, canvas height / 18 wide, black on white), sent as the canvas's PNG at a size the page has.
- ``paper-real``: the same strokes as ink on paper, photographed: ``pen.ink_mask`` (a ballpoint's width and
  its thinning where the pen moved fast) on ``training.scenes``'s sheet, desk, light, tilt, camera and JPEG.
  Nothing here comes from the training renderer (``training.synth.render``).
- ``usps`` and ``optdigits``: one scanned digit each, upscaled as a scanner at a higher resolution would
  see it, as ink on a crop of paper.
- ``touching``, ``continental``, ``stray-marks`` and ``separated``: numbers of 2-8 isolated UNIPEN digits of
  one held-out writer (``WrittenNumber``), laid out here (not by ``training.synth`` or
  ``training.separators``): digits that touch or overlap their neighbours, in sizes that differ; 1s with a
  flag and a foot, crossed 7s, slashed 0s; a stray mark near the number (underline, frame, a form's box
  edge, a tick, a short stroke); separators drawn here between the digits, in a format drawn for the
  number's digit count ("3.14", "1,250", "12/05/24", "10:30", "974-8980", "(12) 345", "-5", "+4.5",
  "12 345"). Half are drawn on the canvas, half photographed on paper (``WrittenNumber.on_paper``).
- ``pad-large`` and ``pad-small`` (``PAD_SCENES``): pen-real's held-out UNIPEN strings drawn on the page's
  canvas with the page's pen, filling 75-95% of its height (only the strings that fit across it so, squeezed
  at most to 70%) or 25-40% of it; each returns a ``scenes.Scene`` with the ink's true box.

Each ``render_*(rng, item)`` is pure and deterministic, like ``training.scenes``'s, and returns
``(image_bytes, [truth])``: the UNIPEN label as written (separators and spaces kept), the composed number as
written (its digits; with its separators for ``separated``), or the scan's digit.
``SLICES`` sorts labels into the slices the benchmark reports (``label_slices``). No TensorFlow.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

import cv2
import numpy as np

from training import pen, scenes
from training.datasets import Digits
from training.realdata import DIGITS, SCAN_LOADERS, SEPARATORS, PenSample, load_scans, load_unipen

# --- the page's canvas ----------------------------------------------------------------------------

# The draw canvas is 5:2 on every screen (app.css .stack--draw); its backing store is CSS size x
# devicePixelRatio, the 1-px border included as in scenes.CANVAS_SIZES (the page and panel take 50 CSS px
# of a phone's width, 66 of a wider window's).
PEN_CANVAS_SIZES = (
    (974, 390),  # a 1280-px desktop window, 1x
    (750, 300),  # a narrow desktop window, 1x
    (1020, 408),  # a 390-px phone held upright, 3x
    (620, 248),  # a 360-px phone held upright, 2x
    (2334, 933),  # an 844-px phone on its side, 3x
)
PEN_CANVAS_FILL = scenes.CANVAS_FILL  # the ink's height as a share of the canvas height, when it fits
CANVAS_ROOM = scenes.CANVAS_ROOM
MIN_SQUEEZE = scenes.MIN_SQUEEZE  # a long string is written narrower to fit, down to 70% of its width
MAX_PEN_SHARE = scenes.MAX_PEN_SHARE  # the pen at most 1/5 of the ink's height, while the string fits


def ink_aspect(sample: PenSample) -> float:
    """Width / height of the sample's centre line (a lone "1" is narrow, a phone number some 8 wide)."""
    width, height = pen.extent(sample.strokes)
    return width / max(height, 1e-6)


def canvas_ink_size(rng: np.random.Generator, aspect: float, width: int, height: int) -> tuple[float, float]:
    """The centre line's height in px on a ``width`` x ``height`` canvas and the horizontal squeeze: 45-80%
    of the canvas height, less when the string, squeezed to 70%, would not fit across; never so small
    that the pen is over a fifth of it while it fits."""
    pen_width = height * pen.PEN_SHARE
    room = CANVAS_ROOM * width - pen_width
    most = min(PEN_CANVAS_FILL[1] * height, CANVAS_ROOM * height - pen_width, room / (aspect * MIN_SQUEEZE))
    least = min(max(PEN_CANVAS_FILL[0] * height, pen_width / MAX_PEN_SHARE), most)
    ink_height = rng.uniform(least, most)
    return ink_height, min(1.0, room / max(aspect * ink_height, 1e-6))


def squeezed(sample: PenSample, squeeze: float) -> PenSample:
    """The sample written ``squeeze`` times as wide (its tablet resolution kept for smoothing)."""
    if squeeze >= 1.0:
        return sample
    return replace(sample, strokes=tuple(s * np.float32([squeeze, 1.0]) for s in sample.strokes))


def canvas_offset(rng: np.random.Generator, ink_size: tuple[float, float], size: tuple[int, int],
                  pen_width: float) -> tuple[float, float]:
    """Where the centre line's box starts: anywhere that leaves 2% of white round the inked box."""
    (ink_w, ink_h), (width, height) = ink_size, size
    x = rng.uniform(0.02 * width, max(0.02 * width, 0.98 * width - ink_w - pen_width))
    y = rng.uniform(0.02 * height, max(0.02 * height, 0.98 * height - ink_h - pen_width))
    return x + pen_width / 2, y + pen_width / 2


def render_pen_canvas(rng: np.random.Generator, sample: PenSample) -> tuple[bytes, list[str]]:
    """A UNIPEN string drawn on the page's canvas with the page's pen -> PNG bytes, [label]."""
    width, height = PEN_CANVAS_SIZES[int(rng.integers(len(PEN_CANVAS_SIZES)))]
    pen_width = height * pen.PEN_SHARE
    aspect = ink_aspect(sample)
    ink_height, squeeze = canvas_ink_size(rng, aspect, width, height)
    offset = canvas_offset(rng, (aspect * ink_height * squeeze, ink_height), (width, height), pen_width)
    gray = pen.render(squeezed(sample, squeeze), (width, height), ink_height, offset, pen_width)
    return scenes.canvas_png(gray), [sample.label]


# --- ink on paper, photographed -------------------------------------------------------------------

PAPER_CAMERA = scenes.PHOTO  # frames 1280x720 and 640x480, ink 40-120 px tall
PAPER_PEN_SHARE = (0.05, 0.11)  # a ballpoint's or felt tip's line, as a share of the string's height
PAPER_PEN_SPEED = (0.0, 0.6)  # how much a fast stroke thins the line (0: a felt tip's even line)


def paper_ink(rng: np.random.Generator, sample: PenSample, ink_height: float) -> np.ndarray:
    """The sample's strokes as pen ink, ``ink_height`` px tall (pen included), alpha 0..1."""
    return pen.ink_mask(sample, max(int(round(ink_height)), 8), pen_share=rng.uniform(*PAPER_PEN_SHARE),
                        speed=rng.uniform(*PAPER_PEN_SPEED))


def paper_ink_height(rng: np.random.Generator, aspect: float, room: float) -> float:
    """The string's height in the frame: the camera's digit heights, less if it would not fit across."""
    low, high = PAPER_CAMERA.digit_height
    most = room / max(aspect + 0.1, 0.5)  # the pen's width on each side, and a lone "1" still some height
    return rng.uniform(min(low, most), min(high, most))


def render_pen_paper(rng: np.random.Generator, sample: PenSample) -> tuple[bytes, list[str]]:
    """A UNIPEN string written in ink on paper (plain or ruled), photographed by a phone -> JPEG, [label]."""
    width, height = PAPER_CAMERA.frames[int(rng.integers(len(PAPER_CAMERA.frames)))]
    sheet = scenes.choose_sheet(rng, width, height)
    x0, y0, x1, y1 = scenes.writable(sheet, width, height)
    ink_height = paper_ink_height(rng, ink_aspect(sample), x1 - x0)
    sheet = sheet.rule(ink_height, rng)
    mask = scenes.shrink_to(paper_ink(rng, sample, ink_height), x1 - x0, y1 - y0)
    x = rng.uniform(x0, max(x0, x1 - mask.shape[1]))
    y = rng.uniform(y0, max(y0, y1 - mask.shape[0]))
    y = min(max(scenes.on_ruling(rng, sheet, y + mask.shape[0]) - mask.shape[0], y0), y1 - mask.shape[0])
    ink = np.zeros((height, width), np.float32)
    scenes.place(ink, mask, int(round(x)), int(round(y)))
    return scenes.photograph(rng, PAPER_CAMERA, width, height, sheet, ink), [sample.label]


# --- scanned digits (USPS, optdigits) -------------------------------------------------------------


class ScanDigit(NamedTuple):
    image: np.ndarray  # uint8, white ink on black, as realdata loads it (16x16 or 32x32)
    label: int


SCANNER = scenes.Camera(frames=(), digit_height=(32.0, 96.0), jpeg_quality=(100, 100), blur=(0.3, 0.7),
                        noise=(0.5, 2.0), contrast=(0.95, 1.0), motion_blur=0.0, vignette=(0.0, 0.0))
SCAN_MARGIN = (0.3, 1.2)  # paper round the digit on each side, in digit heights
SCAN_SOFTEN = 0.4  # blur the upscaled bitmap by this share of one source pixel: a scan has no staircase


def scanned_ink(image: np.ndarray, digit_height: float) -> np.ndarray:
    """A source digit upscaled to ``digit_height`` px as a finer scan of the same ink would show it: its
    pixels' staircase smoothed, the ink opaque with a thin edge. Alpha 0..1."""
    scale = digit_height / image.shape[0]
    size = (max(1, int(round(image.shape[1] * scale))), max(1, int(round(digit_height))))
    alpha = cv2.resize(image.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(SCAN_SOFTEN * scale, 0.3))
    return np.clip((alpha - 0.25) / 0.5, 0.0, 1.0)


def render_scan(rng: np.random.Generator, digit: ScanDigit) -> tuple[bytes, list[str]]:
    """One scanned digit on a crop of paper, 32-96 px tall with 0.3-1.2 digit heights of paper round it,
    in a pen's ink colour; the scanner's light is even, its blur and noise slight -> PNG bytes, [digit]."""
    digit_height = rng.uniform(*SCANNER.digit_height)
    top, bottom, left, right = (int(round(rng.uniform(*SCAN_MARGIN) * digit_height)) for _ in range(4))
    ink = cv2.copyMakeBorder(scanned_ink(digit.image, digit_height), top, bottom, left, right,
                             cv2.BORDER_CONSTANT, value=0.0)
    height, width = ink.shape
    sheet = scenes.Sheet((0, 0, width, height), scenes.paper_colour(rng), ruled=False)
    surface = scenes.ink_on(rng, scenes.paper(rng, sheet, width, height), ink)
    _, buf = cv2.imencode(".png", cv2.cvtColor(scenes.camera_faults(rng, surface, SCANNER), cv2.COLOR_RGB2BGR))
    return buf.tobytes(), [str(digit.label)]


# --- numbers written from one held-out writer's digits: touching, continental, stray marks ---------

# Held-out UNIPEN strings seldom show these failure classes on their own, so these sets write numbers from
# one writer's isolated digits, laid out here (nothing from training.synth or training.separators, whose
# layouts train the reader). Units while laying out: the writer's digit box is 1 tall, y points down, a
# full-size digit's bottom sits at y = 1.
COMPOSED_SEED = 2207  # which digits make which number: fixed per set and split
NUMBER_LENGTHS = (2, 8)  # digits in a written number
WIDEST_DIGIT = 1.4  # a digit sample wider than this many heights is one of UNIPEN's stray marks: left out
MOST_STROKES = 4  # a held-out digit of more strokes is a scribble (one test "8": a box of five lines): left out
# the test labs' two val writers wrote some 700 digits each, the other writers 4-200: numbers from more than
# this many of one writer's digits would make a set mostly theirs
MOST_DIGITS_A_WRITER = 200
CONTACT_STEP = 0.005  # spacing of the points a centre line is sampled at to find where digits touch
MARK_POINTS_PER_UNIT = 50  # a drawn line's points per digit height (UNIPEN's tablets give some 15-35)
DIGIT_SLOT = "#"  # in a ``WrittenNumber.pattern``, where the next digit goes


class WrittenNumber(NamedTuple):
    """A number one held-out writer wrote: their isolated digit samples in order, drawn on the page's canvas
    or (``on_paper``) written on paper and photographed; for ``separated``, with separators (``pattern``)."""

    writer: str  # the person (``writers_of_files``)
    digits: tuple[PenSample, ...]
    on_paper: bool
    pattern: str = ""  # how it is written, a DIGIT_SLOT per digit ("##/##/##"); empty: the digits alone

    @property
    def label(self) -> str:
        """The digits alone, in order."""
        return "".join(digit.label for digit in self.digits)

    @property
    def text(self) -> str:
        """The number as written: ``pattern`` with the digits in its slots ("12/05/24"), or the digits alone."""
        digits = iter(self.label)
        return "".join(next(digits) if c == DIGIT_SLOT else c for c in self.pattern) or self.label


ONE_DIGIT_FILE = re.compile(r"(?P<person>.+/[a-z]+)3(?P<digit>\d)\.dat")


def writers_of_files(samples: list[PenSample]) -> dict[str, str]:
    """Who wrote each pen-data file (``PenSample.writer``): the file, except where a lab filed each person's
    digits by digit: the val lab's gresai30.dat to gresai39.dat hold gresai's 0s to 9s, so a file named
    <name>3<d>.dat that holds only d's is <name>'s. A number is written by one person, in their digits."""
    labels: dict[str, set[str]] = {}
    for sample in samples:
        labels.setdefault(sample.writer, set()).add(sample.label)
    writers = {}
    for file, held in labels.items():
        match = ONE_DIGIT_FILE.fullmatch(file)
        writers[file] = match["person"] if match and held == {match["digit"]} else file
    return writers


def digits_by_writer(samples: list[PenSample]) -> dict[str, list[PenSample]]:
    """Digit samples grouped by writer (``writers_of_files``), sorted by name, each writer's in the files'
    order; UNIPEN's stray marks and scribbles left out."""
    writers = writers_of_files(samples)
    groups: dict[str, list[PenSample]] = {}
    for sample in samples:
        if sample.width <= WIDEST_DIGIT and len(sample.strokes) <= MOST_STROKES:
            groups.setdefault(writers[sample.writer], []).append(sample)
    return dict(sorted(groups.items()))


def dealt_numbers(rng: np.random.Generator, digits: list[PenSample]) -> list[tuple[PenSample, ...]]:
    """One writer's digits shuffled and dealt into numbers of 2-8 digits, each digit used once (a lone digit
    left at the end is not a number); of a prolific writer's, ``MOST_DIGITS_A_WRITER``."""
    left = [digits[i] for i in rng.permutation(len(digits))[:MOST_DIGITS_A_WRITER]]
    numbers = []
    while len(left) >= NUMBER_LENGTHS[0]:
        length = min(int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1)), len(left))
        numbers.append(tuple(left[:length]))
        left = left[length:]
    return numbers


def written_numbers(name: str, split: str) -> list[WrittenNumber]:
    """The numbers a composed set writes: every held-out writer's digits dealt into numbers (for
    ``continental``, those with a digit it restyles; for ``separated``, each with a format drawn for its
    digit count), canvas and paper alternating."""
    rng = np.random.default_rng([COMPOSED_SEED, list(COMPOSED_SCENES).index(name), held_out_index(split)])
    numbers = [(writer, number) for writer, digits in digits_by_writer(load_unipen("digits", split)).items()
               for number in dealt_numbers(rng, digits)]
    if name == "continental":
        numbers = [(writer, number) for writer, number in numbers
                   if any(digit.label in CONTINENTAL_DIGITS for digit in number)]
    # drawn after the dealing, so that the other sets' numbers stay as they were
    patterns = [separated_pattern(rng, len(number)) if name == "separated" else "" for _, number in numbers]
    return [WrittenNumber(writer, number, bool(i % 2), pattern)
            for i, ((writer, number), pattern) in enumerate(zip(numbers, patterns))]


# pen lines and centre-line geometry


def hand_line(rng: np.random.Generator, start, end, bow: float = 0.03) -> np.ndarray:
    """A line drawn by hand from ``start`` to ``end``: bowed by up to ``bow`` of its length (of one digit
    height, for a longer line: a long line sags no more than a short one), its points spaced like a
    tablet's (``MARK_POINTS_PER_UNIT``)."""
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    along = end - start
    length = max(float(np.hypot(*along)), 1e-6)
    t = np.linspace(0.0, 1.0, max(4, int(length * MARK_POINTS_PER_UNIT)))[:, None]
    normal = np.array([-along[1], along[0]]) / length
    sag = rng.uniform(-bow, bow) * min(length, 1.0)
    return (start + t * along + sag * np.sin(np.pi * t) * normal).astype(np.float32)


def ink_box(strokes: list[np.ndarray]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the strokes' centre line."""
    every = np.concatenate(strokes)
    return (float(every[:, 0].min()), float(every[:, 1].min()), float(every[:, 0].max()), float(every[:, 1].max()))


def dense_points(strokes: list[np.ndarray], step: float = CONTACT_STEP) -> np.ndarray:
    """The strokes' centre line as points at most ``step`` apart (a tablet's are some 0.03 apart), so that
    distances between two digits' lines are those of the lines, not of their sample points."""
    points = []
    for stroke in strokes:
        for a, b in zip(stroke[:-1], stroke[1:]):
            count = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
            points.append(a + np.linspace(0.0, 1.0, count, endpoint=False)[:, None] * (b - a))
        points.append(stroke[-1:])
    return np.concatenate(points).astype(np.float64)


def placed(strokes: list[np.ndarray], size: float, x: float, bottom: float) -> list[np.ndarray]:
    """A digit's strokes (its own box 1 tall from y = 0) at ``size`` times that height, the ink's left edge at
    ``x`` and the box's bottom at ``bottom``."""
    left = min(float(s[:, 0].min()) for s in strokes)
    return [((s - np.float32([left, 0.0])) * size + np.float32([x, bottom - size])).astype(np.float32)
            for s in strokes]


def shifted(strokes: list[np.ndarray], dx: float) -> list[np.ndarray]:
    return [(s + np.float32([dx, 0.0])).astype(np.float32) for s in strokes]


def baseline_bottoms(rng: np.random.Generator, count: int) -> np.ndarray:
    """Where each digit's bottom sits: a baseline that climbs or sinks up to 5% of a height per digit, each
    digit some 2.5% off it."""
    return 1.0 + rng.uniform(-0.05, 0.05) * np.arange(count) + rng.normal(0.0, 0.025, count)


def number_sample(number: WrittenNumber, strokes: list[np.ndarray]) -> PenSample:
    """The laid-out strokes as one ``PenSample`` as UNIPEN's are normalised (box from (0, 0), 1 tall),
    labelled with the number as written (``WrittenNumber.text``: its digits, with separators for
    ``separated``). Its tablet unit is the coarsest digit's (a digit is never drawn larger than its box, so
    that is enough smoothing)."""
    every = np.concatenate(strokes)
    low, height = every.min(axis=0), max(float(np.ptp(every[:, 1])), 1e-6)
    normalised = tuple(((s - low) / height).astype(np.float32) for s in strokes)
    tablet_unit = max(digit.tablet_unit for digit in number.digits) / height
    return PenSample(number.text, number.digits[0].lab, number.writer, normalised, number.text, tablet_unit)


def digit_strokes(number: WrittenNumber) -> list[list[np.ndarray]]:
    return [list(digit.strokes) for digit in number.digits]


def flat(digits: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [stroke for strokes in digits for stroke in strokes]


# digits written apart (continental, stray-marks)

SPACED_GAP = (0.14, 0.4)  # a writer's gap between two digits' centre-line boxes, in digit heights
GAP_WOBBLE = 0.05  # each gap differs from the writer's by up to this
LEAST_GAP = 0.12  # wider than the widest pen (some 0.11 of the height), so spaced digits stay apart
SIZE_WOBBLE = 0.06  # a digit's height differs from the others' by up to this share


def spaced_layout(rng: np.random.Generator, digits: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Digits written apart, as most people write: each after the last by the writer's gap give or take a
    little, about one size, on a drifting baseline."""
    gap = rng.uniform(*SPACED_GAP)
    laid, x = [], 0.0
    for strokes, bottom in zip(digits, baseline_bottoms(rng, len(digits))):
        laid.append(placed(strokes, 1.0 + rng.uniform(-SIZE_WOBBLE, SIZE_WOBBLE), x, bottom))
        x = ink_box(laid[-1])[2] + max(gap + rng.uniform(-GAP_WOBBLE, GAP_WOBBLE), LEAST_GAP)
    return laid


# touching: digits that touch or cross their neighbours, in sizes that differ

TOUCH_DISTANCE = (0.01, 0.04)  # centre lines this close: inked with any pen (0.05 of the height or more), joined
CROSSING = (0.02, 0.06)  # at times a digit goes on past first contact by this much, into its neighbour
CROSSING_SHARE = 0.3
TOUCH_SHARE = 0.7  # each gap touches at these odds; one a number always aims to (the overlap limit may stop it)
UNTOUCHED_GAP = (0.05, 0.2)  # the other gaps: crowded, digit boxes this close
MOST_BOX_OVERLAP = 0.4  # two digits' boxes overlap by at most this share of the narrower one's width
SIZE_SPREAD = (0.0, 0.45)  # a number's digits are up to this much smaller than its largest (a spread of 0 to 45%)


def digit_sizes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Each digit's height as a share of the number's tallest: all about one size, or, in a hurried hand,
    as little as 55% of it."""
    sizes = 1.0 - rng.uniform(*SIZE_SPREAD) * rng.random(count)
    return sizes / sizes.max()


def first_contact(fixed: np.ndarray, moving: np.ndarray, distance: float) -> float:
    """How far ``moving`` (centre-line points right of ``fixed``'s) slides left before a point of it comes
    within ``distance`` of one of ``fixed``'s; inf if their heights never meet."""
    dx = moving[None, :, 0] - fixed[:, None, 0]
    dy = np.abs(moving[None, :, 1] - fixed[:, None, 1])
    reach = np.sqrt(np.maximum(distance ** 2 - dy ** 2, 0.0))
    return float(np.where(dy <= distance, dx - reach, np.inf).min())


def touching_slide(rng: np.random.Generator, left: list[np.ndarray], right: list[np.ndarray],
                   touch: bool) -> float:
    """How far to move ``right`` (placed clear of ``left``'s box) left: until the two touch, at times on into
    each other; or, when they need not touch, to a crowded gap between their boxes. Never so far that their
    boxes overlap by more than ``MOST_BOX_OVERLAP`` of the narrower (a digit slid under a 5's bar or into a
    loop would be a new glyph, not two touching digits)."""
    (lx0, _, lx1, _), (rx0, _, rx1, _) = ink_box(left), ink_box(right)
    clear = rx0 - lx1
    most = clear + MOST_BOX_OVERLAP * min(lx1 - lx0, rx1 - rx0)
    if not touch:
        return min(clear - rng.uniform(*UNTOUCHED_GAP), most)
    contact = first_contact(dense_points(left), dense_points(right), rng.uniform(*TOUCH_DISTANCE))
    crossing = rng.uniform(*CROSSING) if rng.random() < CROSSING_SHARE else 0.0
    return min(contact + crossing, most)


def touching_layout(rng: np.random.Generator, digits: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Digits crowded together: at least one pair (most of them) touching or crossing, sizes that may differ
    a lot, bottoms on one drifting baseline."""
    sizes, bottoms = digit_sizes(rng, len(digits)), baseline_bottoms(rng, len(digits))
    touches = rng.random(len(digits) - 1) < TOUCH_SHARE
    touches[rng.integers(len(touches))] = True
    laid = [placed(digits[0], sizes[0], 0.0, bottoms[0])]
    for strokes, size, bottom, touch in zip(digits[1:], sizes[1:], bottoms[1:], touches):
        apart = placed(strokes, size, ink_box(laid[-1])[2] + 1.0, bottom)
        laid.append(shifted(apart, -touching_slide(rng, laid[-1], apart, bool(touch))))
    return laid


def touching_sample(rng: np.random.Generator, number: WrittenNumber) -> PenSample:
    return number_sample(number, flat(touching_layout(rng, digit_strokes(number))))


# continental: 1s with a long flag and often a foot, crossed 7s, slashed 0s

# Only strokes are added: an open 4 or a 9 with a straight tail would need the writer's digit redrawn, so
# 4s and 9s stay as the writer wrote them (many held-out writers' 4s are open already, in two strokes).
CONTINENTAL_DIGITS = frozenset("170")
FLAG_REACH = 0.1  # ink this far (digit heights) left of a 1's stem, in its upper part, is a flag of its own


class ContinentalHand(NamedTuple):
    """How one continental writer restyles: the 1's flag and foot, whether 0s are slashed."""

    flag_length: float  # the 1's up-stroke, in digit heights
    flag_angle: float  # its slope below the horizontal, from the top of the 1 down to the left, degrees
    foot: bool
    foot_half: float  # the foot's half-width, in digit heights
    slash_zeros: bool


def continental_hand(rng: np.random.Generator, label: str) -> ContinentalHand:
    """A writer's continental habits: flag always, foot half the time, 0s slashed by most (always where the
    number has no 1 or 7, or it would show nothing continental)."""
    slash = rng.random() < 0.6 or not set(label) & {"1", "7"}
    return ContinentalHand(rng.uniform(0.35, 0.55), rng.uniform(30.0, 55.0), bool(rng.random() < 0.5),
                           rng.uniform(0.12, 0.22), bool(slash))


def stem_offsets(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 1's top and bottom points, and how far each of ``points`` lies right of the line between them."""
    top, bottom = points[points[:, 1].argmin()], points[points[:, 1].argmax()]
    along = (points[:, 1] - top[1]) / max(float(bottom[1] - top[1]), 1e-6)
    return top, bottom, points[:, 0] - (top[0] + along * (bottom[0] - top[0]))


def has_flag(strokes: tuple[np.ndarray, ...]) -> bool:
    """The writer's 1 has its own flag: ink in its upper part well left of the stem (top to bottom line)."""
    points = dense_points(list(strokes))
    top, _, offsets = stem_offsets(points)
    return bool(((points[:, 1] < top[1] + 0.6) & (offsets < -FLAG_REACH)).any())


def has_foot(strokes: tuple[np.ndarray, ...]) -> bool:
    """The writer's 1 has its own foot: its lowest ink spreads across, well beyond a slanted stem's width."""
    points = dense_points(list(strokes))
    low = points[points[:, 1] > points[:, 1].max() - 0.12]
    return float(np.ptp(low[:, 0])) > 2 * FLAG_REACH


def continental_one(rng: np.random.Generator, strokes: tuple[np.ndarray, ...], hand: ContinentalHand) -> list:
    """A 1 with a long flag (a stroke up to its top from the lower left) unless it has one, and the hand's
    foot (a stroke across its bottom) unless it has one."""
    points = np.concatenate(strokes)
    top, bottom = points[points[:, 1].argmin()], points[points[:, 1].argmax()]
    flag, foot = [], []
    if not has_flag(strokes):
        angle = np.radians(hand.flag_angle + rng.uniform(-5.0, 5.0))
        start = top + hand.flag_length * np.array([-np.cos(angle), np.sin(angle)])
        flag.append(hand_line(rng, start, top, bow=0.04))
    if hand.foot and not has_foot(strokes):
        half, tilt = hand.foot_half * rng.uniform(0.85, 1.15), rng.uniform(-0.02, 0.02)
        foot.append(hand_line(rng, bottom + [-half, tilt], bottom + [half, -tilt], bow=0.02))
    return flag + list(strokes) + foot


def is_crossed(strokes: tuple[np.ndarray, ...]) -> bool:
    """The writer's 7 already has a crossbar: a flat stroke about its middle."""
    return any(float(np.ptp(s[:, 0])) > max(0.2, 2.5 * float(np.ptp(s[:, 1])))
               and 0.3 < float(s[:, 1].mean()) < 0.8 for s in strokes)


def crossed_seven(rng: np.random.Generator, strokes: tuple[np.ndarray, ...]) -> list:
    """A 7 with a short bar across its stem a little below the middle, unless it has one."""
    if is_crossed(strokes):
        return list(strokes)
    y = rng.uniform(0.48, 0.62)
    points = dense_points(list(strokes))
    near = points[np.abs(points[:, 1] - y) < 0.06]
    x = float(np.median(near[:, 0])) if len(near) else float(points[:, 0].mean())
    half, tilt = rng.uniform(0.15, 0.25), rng.uniform(-0.04, 0.04)
    return list(strokes) + [hand_line(rng, (x - half, y + tilt), (x + half, y - tilt), bow=0.02)]


def is_slashed(strokes: tuple[np.ndarray, ...]) -> bool:
    """The writer's 0 is slashed already: one of its strokes is a straight line over half its height long."""
    for s in strokes:
        chord = float(np.hypot(*(s[-1] - s[0])))
        path = float(np.hypot(*np.diff(s, axis=0).T).sum()) if len(s) > 1 else 0.0
        if chord > 0.5 and chord > 0.9 * path:
            return True
    return False


def slashed_zero(rng: np.random.Generator, strokes: tuple[np.ndarray, ...]) -> list:
    """A 0 with a straight slash through its middle, from lower left to upper right, a little past the oval."""
    if is_slashed(strokes):
        return list(strokes)
    x0, y0, x1, y1 = ink_box(list(strokes))
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    angle = np.radians(rng.uniform(50.0, 75.0))
    direction = np.array([np.cos(angle), -np.sin(angle)])
    reach = 0.5 * (y1 - y0) / np.sin(angle) + rng.uniform(0.03, 0.1)
    return list(strokes) + [hand_line(rng, centre - reach * direction, centre + reach * direction, bow=0.015)]


def restyled(rng: np.random.Generator, digit: PenSample, hand: ContinentalHand) -> list:
    """One digit as the continental hand writes it (4s and 9s, and the rest, as the writer wrote them)."""
    if digit.label == "1":
        return continental_one(rng, digit.strokes, hand)
    if digit.label == "7":
        return crossed_seven(rng, digit.strokes)
    if digit.label == "0" and hand.slash_zeros:
        return slashed_zero(rng, digit.strokes)
    return list(digit.strokes)


def continental_sample(rng: np.random.Generator, number: WrittenNumber) -> PenSample:
    hand = continental_hand(rng, number.label)
    return number_sample(number, flat(spaced_layout(rng, [restyled(rng, d, hand) for d in number.digits])))


# stray marks: a line or stroke near the number that is not part of it


def underline(rng: np.random.Generator, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """A line under the number, a little below it, often running past its ends."""
    x0, _, x1, y1 = box
    y = y1 + rng.uniform(0.12, 0.3)
    end = (x1 + rng.uniform(-0.1, 0.4), y + rng.uniform(-0.06, 0.06))
    return [hand_line(rng, (x0 - rng.uniform(-0.1, 0.3), y), end, bow=0.02)]


def frame(rng: np.random.Generator, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """A box drawn round the number, side by side, the corners overshooting or falling short a little."""
    x0, y0, x1, y1 = box
    mx, my = rng.uniform(0.3, 0.6), rng.uniform(0.25, 0.5)  # clear of the digits and of the widest pen
    corners = np.array([(x0 - mx, y0 - my), (x1 + mx, y0 - my), (x1 + mx, y1 + my), (x0 - mx, y1 + my)])
    return [hand_line(rng, corners[i] + rng.uniform(-0.04, 0.04, 2), corners[(i + 1) % 4] + rng.uniform(-0.04, 0.04, 2),
                      bow=0.01) for i in range(4)]


def box_edge(rng: np.random.Generator, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """A form field's edge: a line taller than the digits just left or right of them, and half the time the
    field's bottom line along under them from it."""
    x0, y0, x1, y1 = box
    right = rng.random() < 0.5
    x = x1 + rng.uniform(0.2, 0.5) if right else x0 - rng.uniform(0.2, 0.5)
    bottom = y1 + rng.uniform(0.15, 0.4)
    edges = [hand_line(rng, (x, y0 - rng.uniform(0.15, 0.5)), (x, bottom), bow=0.01)]
    if rng.random() < 0.5:
        far = x0 - rng.uniform(0.1, 0.6) if right else x1 + rng.uniform(0.1, 0.6)
        edges.append(hand_line(rng, (far, bottom), (x, bottom), bow=0.01))
    return edges


def tick(rng: np.random.Generator, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """A check mark (one stroke, down then up to the right) beside the number, mostly after it."""
    x0, _, x1, y1 = box
    size, gap = rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.8)
    left = x1 + gap if rng.random() < 0.75 else x0 - gap - 0.8 * size
    base = y1 - rng.uniform(0.0, 0.4)
    corner = (left + 0.3 * size, base)
    return [np.concatenate([hand_line(rng, (left, base - 0.4 * size), corner, bow=0.05),
                            hand_line(rng, corner, (left + 0.8 * size, base - size), bow=0.05)[1:]])]


def short_stroke(rng: np.random.Generator, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """A short stroke beside the number, a slip of the pen or a mark (read as a digit, 96 becomes 961):
    0.25-0.5 of a height long, at any slope within 75 degrees of upright, about the digits' middle (lower
    down it would pass for a comma, higher for an apostrophe)."""
    x0, y0, x1, y1 = box
    angle = np.radians(rng.uniform(-75.0, 75.0))
    half = 0.5 * rng.uniform(0.25, 0.5) * np.array([np.sin(angle), -np.cos(angle)])
    gap = rng.uniform(0.25, 0.8) + abs(float(half[0]))
    middle = (y0 + y1) / 2 + rng.uniform(-0.15, 0.15) * (y1 - y0)
    centre = np.array([x1 + gap if rng.random() < 0.75 else x0 - gap, middle])
    return [hand_line(rng, centre - half, centre + half, bow=0.03)]


STRAY_MARKS = (underline, frame, box_edge, tick, short_stroke)


def stray_marks_sample(rng: np.random.Generator, number: WrittenNumber) -> PenSample:
    """The number written apart, then one stray mark near it; its strokes follow the digits' strokes."""
    digits = flat(spaced_layout(rng, digit_strokes(number)))
    mark = STRAY_MARKS[int(rng.integers(len(STRAY_MARKS)))]
    return number_sample(number, digits + mark(rng, ink_box(digits)))


# separated: the digits written apart, with separators drawn between them ("3.14", "12/05/24", "(12) 345")

# Formats go by the digit count a writer's digits were dealt (2-8). Each number is built round one
# separator, its headline, drawn from those its count can carry; a headline only some counts carry (a date's
# "/", a time's ":") is drawn the more often there, so that every separator heads about as many numbers.
DATE_PATTERNS = {4: ("##/##",), 6: ("##/##/##",), 8: ("##/##/####", "####/##/##")}  # "/" stands for the mark
TIME_PATTERNS = {3: "#:##", 4: "##:##", 6: "##:##:##"}
PHONE_PATTERN = "###-####"


def grouped(count: int, mark: str, size: int = 3) -> str:
    """``count`` digit slots in groups of ``size`` from the right, ``mark`` between them: "#,###,###"."""
    head = count % size or size
    return mark.join([DIGIT_SLOT * head] + [DIGIT_SLOT * size] * ((count - head) // size))


def decimal_pattern(rng: np.random.Generator, count: int, point: str) -> str:
    """A decimal number: 1-3 digits after the point (or a continental comma), at least one before it."""
    after = int(rng.integers(1, min(3, count - 1) + 1))
    return DIGIT_SLOT * (count - after) + point + DIGIT_SLOT * after


def date_pattern(rng: np.random.Generator, count: int, mark: str) -> str:
    """A date of 4, 6 or 8 digits (day and month; a 2- or 4-digit year, the long year first or last)."""
    choices = DATE_PATTERNS[count]
    return choices[int(rng.integers(len(choices)))].replace("/", mark)


def signed_pattern(rng: np.random.Generator, count: int, sign: str) -> str:
    """A sign in front of a whole number or, a third of the time, a decimal ("-5", "+4.5"); not more often,
    or points would outnumber the other separators."""
    return sign + (decimal_pattern(rng, count, ".") if rng.random() < 1 / 3 else DIGIT_SLOT * count)


def point_pattern(rng: np.random.Generator, count: int) -> str:
    """A decimal point, or a date written with points."""
    if count in DATE_PATTERNS and rng.random() < 0.5:
        return date_pattern(rng, count, ".")
    return decimal_pattern(rng, count, ".")


def comma_pattern(rng: np.random.Generator, count: int) -> str:
    """A thousands comma (4-7 digits), or a decimal comma."""
    if 4 <= count <= 7 and rng.random() < 0.5:
        return grouped(count, ",")
    return decimal_pattern(rng, count, ",")


def dash_pattern(rng: np.random.Generator, count: int) -> str:
    """A phone number's dash (7 digits), a date's, or a minus sign."""
    if count == 7 and rng.random() < 0.5:
        return PHONE_PATTERN
    if count in DATE_PATTERNS and rng.random() < 0.5:
        return date_pattern(rng, count, "-")
    return signed_pattern(rng, count, "-")


def bracket_pattern(rng: np.random.Generator, count: int) -> str:
    """A group in brackets: the whole of a short number ("(12)"), or 2-3 digits before a space and the rest
    ("(12) 345"), as an area code."""
    if count < 4:
        return "(" + DIGIT_SLOT * count + ")"
    inside = int(rng.integers(2, min(3, count - 2) + 1))
    return "(" + DIGIT_SLOT * inside + ") " + DIGIT_SLOT * (count - inside)


def space_pattern(rng: np.random.Generator, count: int) -> str:
    """Digit groups set apart by spaces: threes from the right ("12 345"), or pairs ("12 34 56")."""
    return grouped(count, " ", 2 if count % 2 == 0 and rng.random() < 0.5 else 3)


# each headline: the digit counts that carry it, and how a number of such a count is written with it
HEADLINES = {
    ".": (range(2, 9), point_pattern),
    ",": (range(2, 9), comma_pattern),
    "-": (range(2, 9), dash_pattern),
    "/": (tuple(DATE_PATTERNS), lambda rng, count: date_pattern(rng, count, "/")),
    ":": (tuple(TIME_PATTERNS), lambda rng, count: TIME_PATTERNS[count]),
    "(": (range(2, 9), bracket_pattern),
    "+": (range(2, 9), lambda rng, count: signed_pattern(rng, count, "+")),
    " ": (range(4, 9), space_pattern),
}

# 8-digit numbers are dealt the least (a writer's last few digits make a short number), so the date's slash,
# carried by 4, 6 and 8 digits, needs more weight than the count of counts gives to head its share
HEADLINE_BOOST = {"/": 1.5}


def separated_pattern(rng: np.random.Generator, count: int) -> str:
    """How a number of ``count`` digits is written: a headline separator drawn from those the count carries,
    each weighted by how few counts carry it, then one of its formats."""
    fits = [mark for mark, (counts, _) in HEADLINES.items() if count in counts]
    weights = np.array([HEADLINE_BOOST.get(mark, 1.0) / len(HEADLINES[mark][0]) for mark in fits])
    mark = fits[int(rng.choice(len(fits), p=weights / weights.sum()))]
    return HEADLINES[mark][1](rng, count)


# The marks, drawn in the writer's digit units (top 0, baseline 1). Not training.separators' shapes: a dot
# here is always a loop big enough to see, marks keep wider clearances and spaces are wider.
MARK_CLEARANCE = (0.18, 0.32)  # box to box beside a mark: past the widest pen (0.11), and still past it
# when a long number is written 30% narrower to fit the canvas (0.126); only where such a number's pen is
# wider still (over 0.14 of its height on the canvas) may a mark touch a digit
GROUP_SPACE = (0.6, 1.1)  # a space between digit groups, box to box
SPACE_OVER_GAP = 0.45  # and at least this much wider than the writer's gap between digits, or it passes for one
DOT_SIZE = (0.07, 0.11)  # a dot's loop, across its centre line; with the pen, 0.12-0.22 of a height of ink
DAB = ((0.06, 0.08), (2.0, 3.0))  # or a dab: a tighter loop circled 2-3 times, filled in (size, turns)
DAB_SHARE = 0.3
# No dot is a bare tap: one as small as a thin pen's width blurs away in a small photo, and a short jab
# reads as a comma. The detector keeps a mark of at least 1/20 of the digits' height; these are twice that.


def pen_loop(rng: np.random.Generator, centre, size: float, turns: float) -> np.ndarray:
    """A small loop as a pen circles a dot, ``turns`` times round, a little out of round."""
    count = max(10, int(np.pi * size * turns * MARK_POINTS_PER_UNIT))
    angle = rng.uniform(0.0, 2 * np.pi) + np.linspace(0.0, 2 * np.pi * turns, count)
    radius = size / 2 * rng.uniform(0.85, 1.15, 2)
    return (np.asarray(centre) + radius * np.column_stack([np.cos(angle), np.sin(angle)])).astype(np.float32)


def dot(rng: np.random.Generator, x: float, y: float) -> np.ndarray:
    """A dot centred at (x, y): a small loop circled once and a little more, or (30%) a dab."""
    if rng.random() < DAB_SHARE:
        return pen_loop(rng, (x, y), rng.uniform(*DAB[0]), rng.uniform(*DAB[1]))
    return pen_loop(rng, (x, y), rng.uniform(*DOT_SIZE), rng.uniform(1.0, 1.3))


def full_stop(rng: np.random.Generator) -> list[np.ndarray]:
    """A point resting on the baseline."""
    return [dot(rng, 0.0, rng.uniform(0.93, 0.97))]


def comma(rng: np.random.Generator) -> list[np.ndarray]:
    """A comma: a tail 0.2-0.3 long from the baseline down to the left, curved a little; half the time
    begun with a small loop, a dot with a tail."""
    start = np.array([0.0, rng.uniform(0.92, 0.98)])
    angle = np.radians(rng.uniform(55.0, 75.0))
    tail = hand_line(rng, start, start + rng.uniform(0.2, 0.3) * np.array([-np.cos(angle), np.sin(angle)]),
                     bow=0.12)
    if rng.random() < 0.5:
        tail = np.concatenate([pen_loop(rng, start - [0.0, 0.025], rng.uniform(0.04, 0.06), 1.0), tail])
    return [tail]


def dash(rng: np.random.Generator) -> list[np.ndarray]:
    """A dash or minus: a near-level line 0.3-0.5 long, about the digits' middle or a little below."""
    y, length = rng.uniform(0.48, 0.6), rng.uniform(0.3, 0.5)
    tilt = rng.uniform(-0.04, 0.04)
    return [hand_line(rng, (0.0, y + tilt), (length, y - tilt), bow=0.04)]


def slash(rng: np.random.Generator) -> list[np.ndarray]:
    """A slash about a digit's height, from the upper right down to the baseline, 50-65 degrees from level:
    flatter than most writers' 1s, which a steeper line would pass for."""
    height, angle = rng.uniform(0.95, 1.15), np.radians(rng.uniform(50.0, 65.0))
    bottom = rng.uniform(0.98, 1.04)
    return [hand_line(rng, (height / np.tan(angle), bottom - height), (0.0, bottom), bow=0.02)]


def colon(rng: np.random.Generator) -> list[np.ndarray]:
    """A colon: a dot at about a third of the height, then one at about five sixths."""
    return [dot(rng, rng.uniform(-0.02, 0.02), rng.uniform(0.3, 0.37)),
            dot(rng, rng.uniform(-0.02, 0.02), rng.uniform(0.8, 0.87))]


def bracket(rng: np.random.Generator, opening: bool) -> list[np.ndarray]:
    """A bracket: a bowed line from a little above the digits' top to a little below their baseline,
    bulging 0.12-0.2 outwards (to the left for "(") at its middle: a shallower bow passes for a 1."""
    top, bottom = -rng.uniform(0.06, 0.15), 1.0 + rng.uniform(0.06, 0.15)
    t = np.linspace(0.0, 1.0, int((bottom - top) * MARK_POINTS_PER_UNIT))
    bulge = rng.uniform(0.12, 0.2) * np.sin(np.pi * t)
    x = rng.uniform(-0.03, 0.03) * t + (-bulge if opening else bulge)
    return [np.column_stack([x, top + (bottom - top) * t]).astype(np.float32)]


def plus(rng: np.random.Generator) -> list[np.ndarray]:
    """A plus: a bar 0.28-0.4 long about the digits' middle, then an upright as long through its middle."""
    arm, y = rng.uniform(0.14, 0.2), rng.uniform(0.5, 0.6)
    bar = hand_line(rng, (0.0, y + rng.uniform(-0.02, 0.02)), (2 * arm, y + rng.uniform(-0.02, 0.02)), bow=0.04)
    x = arm + rng.uniform(-0.03, 0.03)
    return [bar, hand_line(rng, (x + rng.uniform(-0.03, 0.03), y - arm), (x, y + arm), bow=0.04)]


MARKS = {".": full_stop, ",": comma, "-": dash, "/": slash, ":": colon, "+": plus,
         "(": lambda rng: bracket(rng, True), ")": lambda rng: bracket(rng, False)}


def mark_at(strokes: list[np.ndarray], left: float, bottom: float) -> list[np.ndarray]:
    """A mark moved so that its box starts at ``left`` and its baseline (y = 1) lies at ``bottom``."""
    x0 = ink_box(strokes)[0]
    return [(s + np.float32([left - x0, bottom - 1.0])).astype(np.float32) for s in strokes]


def gap_before(rng: np.random.Generator, writer_gap: float, before: str, char: str) -> float:
    """The gap, box to box, between the last thing written (``before``) and ``char``: a space's width after
    a space, a mark's clearance beside a mark, else the writer's gap between digits (as ``spaced_layout``)."""
    if before == " ":
        return max(rng.uniform(*GROUP_SPACE), writer_gap + SPACE_OVER_GAP)
    if before in DIGITS and char in DIGITS:
        return max(writer_gap + rng.uniform(-GAP_WOBBLE, GAP_WOBBLE), LEAST_GAP)
    return rng.uniform(*MARK_CLEARANCE)


def separated_layout(rng: np.random.Generator, number: WrittenNumber) -> list[list[np.ndarray]]:
    """The number's text written left to right, one stroke list per character but spaces (a space is a
    gap): the writer's digits apart as in ``spaced_layout``, each separator drawn in its place, all on one
    drifting baseline."""
    digits, writer_gap = iter(digit_strokes(number)), rng.uniform(*SPACED_GAP)
    laid, right, before = [], 0.0, ""
    for char, bottom in zip(number.text, baseline_bottoms(rng, len(number.text))):
        if char != " ":
            left = right + gap_before(rng, writer_gap, before, char) if laid else 0.0
            if char in DIGITS:
                laid.append(placed(next(digits), 1.0 + rng.uniform(-SIZE_WOBBLE, SIZE_WOBBLE), left, bottom))
            else:
                laid.append(mark_at(MARKS[char](rng), left, bottom))
            right = ink_box(laid[-1])[2]
        before = char
    return laid


def separated_sample(rng: np.random.Generator, number: WrittenNumber) -> PenSample:
    """The number with its separators, labelled with its text as written ("12/05/24")."""
    return number_sample(number, flat(separated_layout(rng, number)))


# the images


def render_written(rng: np.random.Generator, number: WrittenNumber, sample: PenSample) -> tuple[bytes, list[str]]:
    """The laid-out number on the page's canvas, or in ink on paper, photographed -> image bytes, [the
    number as written]."""
    render = render_pen_paper if number.on_paper else render_pen_canvas
    return render(rng, sample)


def render_touching(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    return render_written(rng, number, touching_sample(rng, number))


def render_continental(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    return render_written(rng, number, continental_sample(rng, number))


def render_stray_marks(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    return render_written(rng, number, stray_marks_sample(rng, number))


def render_separated(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    return render_written(rng, number, separated_sample(rng, number))


# appended, never reordered: a set's place seeds its numbers (written_numbers) and its images
COMPOSED_SCENES = {"touching": render_touching, "continental": render_continental,
                   "stray-marks": render_stray_marks, "separated": render_separated}

# --- the held-out items of each set ---------------------------------------------------------------

HELD_OUT = ("test", "validation")


def held_out_index(split: str) -> int:
    """``split``'s place in ``HELD_OUT``; a ValueError for any other split (the sets never show training data)."""
    if split not in HELD_OUT:
        raise ValueError(f"held-out split is test or validation, got {split!r}")
    return HELD_OUT.index(split)


def held_out_scans(source: str, split: str) -> Digits:
    """``source``'s ("usps", "optdigits") test file, or its validation tenth of the training file."""
    held_out_index(split)
    return load_scans(source, split)


def set_items(name: str, split: str) -> list:
    """The held-out items a real set renders: UNIPEN strings of ``split`` (pen sets; for a pad set those that
    fit the pad at its size), ``WrittenNumber``s (composed sets) or ``ScanDigit``s."""
    if name in PAD_FILL:
        return pad_items(name, split)
    if name in SCAN_LOADERS:
        digits = held_out_scans(name, split)
        return [ScanDigit(image, int(label)) for image, label in zip(digits.images, digits.labels)]
    if name in COMPOSED_SCENES:
        return written_numbers(name, split)
    return load_unipen("strings", split)


# appended, never reordered: a set's place seeds its images (benchmarks.reader.ALL_SETS)
REAL_SCENES = {"pen-real": render_pen_canvas, "paper-real": render_pen_paper, "usps": render_scan,
               "optdigits": render_scan, **COMPOSED_SCENES}


# --- the drawing pad at the sizes people draw: large and small --------------------------------------

# The ink's height, the pen's width included, as a share of the canvas height: a number drawn to fill the
# pad, and one drawn small in a corner of it. pen-real draws at 45-80%.
PAD_FILL = {"pad-large": (0.75, 0.95), "pad-small": (0.25, 0.40)}
PAD_TARGET = 0.97  # the canvas set's target: a drawing is read at any size it is drawn
MOST_OVERLAP = 0.3  # strokes' ink overlapping more than this (loops filled in, strokes run together): a blot
MOST_COVER = 0.55  # or ink over this share of its box (small digits between a date's tall slashes, filled in)
THIN_BOX = 0.6  # a box narrower than this share of its height holds a lone thin stroke ("1"), all ink anyway
LARGER_STEP = 0.025  # how much larger (share of the canvas height) a writer who sees a blob tries again


def most_pad_fill(aspect: float, width: int, height: int) -> float:
    """The largest share of the canvas height the string's ink may fill and still fit across it, squeezed
    to at most ``MIN_SQUEEZE``, within ``CANVAS_ROOM`` of the width."""
    pen_width = height * pen.PEN_SHARE
    centre_height = (CANVAS_ROOM * width - pen_width) / max(aspect * MIN_SQUEEZE, 1e-6)
    return (centre_height + pen_width) / height


def fits_pad(sample: PenSample, fill: tuple[float, float]) -> bool:
    """Whether the string fits across every canvas size at the smallest ``fill``, and the page's pen leaves
    it legible at the largest (``blotted``, on the smallest canvas: tiny digits between tall brackets stay a
    blot at any size the set allows, and a writer would draw them larger still)."""
    aspect = ink_aspect(sample)
    if any(most_pad_fill(aspect, width, height) < fill[0] for width, height in PEN_CANVAS_SIZES):
        return False
    size = min(PEN_CANVAS_SIZES, key=lambda wh: wh[1])
    largest = min(fill[1], most_pad_fill(aspect, *size))
    pen_width = size[1] * pen.PEN_SHARE
    return not blotted(*drawn_on_pad(sample, size, largest * size[1] - pen_width, np.full(2, 0.5)), pen_width)


def pad_items(name: str, split: str) -> list[PenSample]:
    """A pad set's items: ``split``'s UNIPEN strings (pen-real's) that fit the pad at the set's size and stay
    legible on it, in order."""
    return [sample for sample in load_unipen("strings", split) if fits_pad(sample, PAD_FILL[name])]


def pad_scene(rng: np.random.Generator, sample: PenSample, fill: tuple[float, float]) -> "scenes.Scene":
    """A UNIPEN string drawn with the page's pen on a canvas of a size the page has, its ink (pen included)
    ``fill`` of the canvas height tall, squeezed across if need be, anywhere with 2% of white round it ->
    the canvas's PNG, [label], [the ink's box]. A writer who sees the pen fill in the string's loops and
    gaps (``blotted``) writes it larger, within ``fill``."""
    width, height = PEN_CANVAS_SIZES[int(rng.integers(len(PEN_CANVAS_SIZES)))]
    most = max(fill[0], min(fill[1], most_pad_fill(ink_aspect(sample), width, height)))
    share = rng.uniform(fill[0], most)
    where = rng.uniform(0.0, 1.0, 2)  # where the ink lies in the room it leaves: 0 left (top), 1 right (bottom)
    gray, strokes = pad_drawing(sample, (width, height), share, where)
    while blotted(gray, strokes, height * pen.PEN_SHARE) and share < most:
        share = min(share + LARGER_STEP, most)
        gray, strokes = pad_drawing(sample, (width, height), share, where)
    box = scenes.alpha_box(1.0 - gray.astype(np.float32) / 255.0)
    return scenes.Scene(scenes.canvas_png(gray), [sample.label], [box])


def pad_drawing(sample: PenSample, size: tuple[int, int], share: float,
                where: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The string on the canvas, its ink ``share`` of the canvas height tall, placed at ``where``; and its
    strokes' centre lines in canvas pixels."""
    pen_width = size[1] * pen.PEN_SHARE
    centre_height = share * size[1] - pen_width  # the round pen adds half its width above and below
    gray, _ = drawn_on_pad(sample, size, centre_height, where)
    # smoothing a coarse tablet's staircase takes a pixel or few off the ink's height: draw it again at the
    # height that gives the share asked for
    centre_height *= (share * size[1] - pen_width) / max(ink_height_px(gray) - pen_width, 1.0)
    return drawn_on_pad(sample, size, centre_height, where)


def drawn_on_pad(sample: PenSample, size: tuple[int, int], centre_height: float,
                 where: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The string's centre line ``centre_height`` px tall, squeezed to fit across, drawn with the page's pen
    with 2% of white round its ink, at ``where`` in the room left: uint8 grey canvas, and the centre lines
    in its pixels (as ``pen.render`` places them)."""
    (width, height), pen_width, aspect = size, size[1] * pen.PEN_SHARE, ink_aspect(sample)
    written = squeezed(sample, pad_squeeze(aspect, centre_height, width, pen_width))
    ink_w, ink_h = pen.extent(written.strokes)[0] * centre_height + pen_width, centre_height + pen_width
    x = 0.02 * width + where[0] * max(0.96 * width - ink_w, 0.0) + pen_width / 2
    y = 0.02 * height + where[1] * max(0.96 * height - ink_h, 0.0) + pen_width / 2
    gray = pen.render(written, size, centre_height, (x, y), pen_width)
    low, scale = np.concatenate(written.strokes).min(axis=0), centre_height / max(pen.extent(written.strokes)[1], 1e-6)
    return gray, [(stroke - low) * scale + np.float32([x, y]) for stroke in written.strokes]


def pad_squeeze(aspect: float, centre_height: float, width: int, pen_width: float) -> float:
    """How much narrower the string is written so that it fits across the canvas (1: as written)."""
    return min(1.0, (CANVAS_ROOM * width - pen_width) / max(aspect * centre_height, 1e-6))


def ink_height_px(gray: np.ndarray) -> int:
    """Rows from the ink's top to its bottom (ink: darker than mid grey) on a canvas."""
    rows = np.nonzero((gray < 128).any(axis=1))[0]
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def blotted(gray: np.ndarray, strokes: list[np.ndarray], pen_width: float) -> bool:
    """Whether the pen has made a blot of the string: inked most of a box that is not a lone thin stroke
    (``MOST_COVER``: small digits between a date's tall slashes), or run strokes together (``overlapping``)."""
    x, y, w, h = scenes.alpha_box(1.0 - gray.astype(np.float32) / 255.0)
    covered = w > THIN_BOX * h and float((gray[y:y + h, x:x + w] < 128).mean()) > MOST_COVER
    return covered or overlapping(gray, strokes, pen_width)


def overlapping(gray: np.ndarray, strokes: list[np.ndarray], pen_width: float) -> bool:
    """Whether a piece of ink is much less than its strokes would cover apart (their length x the pen's
    width, plus round ends): loops filled in and strokes run together, over ``MOST_OVERLAP`` of it. Piece by
    piece, so that a blot between a date's or a bracket's clean long strokes still counts. (A stroke written
    back over itself counts too; such a writer only writes a little larger.)"""
    count, labels = cv2.connectedComponents((gray < 128).astype(np.uint8), connectivity=8)
    apart = np.zeros(count)
    for stroke in strokes:
        x, y = np.clip(np.rint(stroke[len(stroke) // 2]).astype(int), 0, (gray.shape[1] - 1, gray.shape[0] - 1))
        length = float(np.hypot(*np.diff(stroke, axis=0).T).sum()) if len(stroke) > 1 else 0.0
        apart[labels[y, x]] += length * pen_width + np.pi * (pen_width / 2) ** 2  # the piece its middle lies in
    area = np.bincount(labels.ravel(), minlength=count)
    return bool(np.any(area[1:] < (1.0 - MOST_OVERLAP) * apart[1:]))


def render_pad_large(rng: np.random.Generator, sample: PenSample) -> "scenes.Scene":
    return pad_scene(rng, sample, PAD_FILL["pad-large"])


def render_pad_small(rng: np.random.Generator, sample: PenSample) -> "scenes.Scene":
    return pad_scene(rng, sample, PAD_FILL["pad-small"])


# after the real sets in benchmarks.reader.ALL_SETS (a set's place seeds its images); boxed, unlike REAL_SCENES
PAD_SCENES = {"pad-large": render_pad_large, "pad-small": render_pad_small}


# --- slices ---------------------------------------------------------------------------------------


def has_repeated_digit(label: str) -> bool:
    """Two equal digits in a row ("1100"), where a reader may drop one."""
    return any(a == b and a in DIGITS for a, b in zip(label, label[1:]))


def has_separator(label: str) -> bool:
    return any(c in SEPARATORS or c == " " for c in label)


def is_long(label: str) -> bool:
    return len(label) >= 9


def is_single_digit(label: str) -> bool:
    return len(label) == 1 and label in DIGITS


SLICES = {"repeated": has_repeated_digit, "separators": has_separator, "long": is_long, "single": is_single_digit}


def label_slices(label: str) -> list[str]:
    """The slices ``label`` belongs to, in ``SLICES``'s order."""
    return [name for name, belongs in SLICES.items() if belongs(label)]
