"""The reader benchmark's ``separated`` set: numbers of one held-out UNIPEN writer's digits with separators
drawn here between them, in a format drawn for the number's digit count ("3.14", "1,250", "12/05/24",
"10:30", "974-8980", "(12) 345", "-5", "+4.5", "12 345"), labelled with the text as written.
"""
from __future__ import annotations

import numpy as np

from benchmarks.scenes.written import (DIGIT_SLOT, GAP_WOBBLE, LEAST_GAP, MARK_POINTS_PER_UNIT, SIZE_WOBBLE,
                                       SPACED_GAP, WrittenNumber, baseline_bottoms, digit_strokes, flat, hand_line,
                                       ink_box, number_sample, placed, render_written)
from training.sources.realdata import DIGITS, PenSample

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


# The marks, drawn in the writer's digit units (top 0, baseline 1). Not training.scenes.separators' shapes: a dot
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


def render_separated(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    return render_written(rng, number, separated_sample(rng, number))
