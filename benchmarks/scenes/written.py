"""The reader benchmark's composed sets: numbers of 2-8 isolated UNIPEN digits of one held-out writer, laid
out here (not by ``training.scenes.synth`` or ``training.scenes.separators``): ``touching`` (digits that touch or overlap
their neighbours, in sizes that differ), ``continental`` (1s with a flag and a foot, crossed 7s, slashed 0s),
``stray-marks`` (an underline, frame, a form's box edge, a tick or a short stroke near the number).
``separated`` (in ``separated``) builds on these. Half are drawn on the canvas, half photographed on paper
(``WrittenNumber.on_paper``), by ``real``'s renderers.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from benchmarks.scenes.real import render_pen_canvas, render_pen_paper
from training.sources.realdata import PenSample

# --- numbers written from one held-out writer's digits: touching, continental, stray marks ---------

# Held-out UNIPEN strings seldom show these failure classes on their own, so these sets write numbers from
# one writer's isolated digits, laid out here (nothing from training.scenes.synth or training.scenes.separators, whose
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


# --- the images ----------------------------------------------------------------------------------

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
