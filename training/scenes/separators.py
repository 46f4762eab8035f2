"""Numbers written with separators ("3.14", "12/05/2024", "(408) 974-8980"), drawn as pen strokes (issue 22).

The reader's alphabet will grow from 0-9 to 0-9 plus ``.,-/:()+`` and a space between groups; training needs
strings with those marks, drawn as people draw them. Real separator strokes are rare in the train split, so
``separator_strokes`` draws them: the same stroke format as a UNIPEN ``PenSample`` (float (n, 2) point arrays,
x right, **y down**, in units of the digit height), in a frame where the digits' top is y = 0 and their
baseline y = 1. A ``SeparatorStyle`` (one per writer, ``writer_style``) sets the marks' size, slant, wobble and
placement, so one string's dots and dashes look like one hand's. ``sample_format`` draws a number's pattern
("dd/dd/dddd", with ``d`` for any digit) and ``compose_with_separators`` writes it with one writer's real digit
samples and synthetic separators, laid out as ``synth.write_along`` lays out a hand's digits (drifting
baseline, the writer's own gaps: ``layout``). ``python -m training.scenes.separator_sheet`` draws a contact sheet
of such strings.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from training.scenes.layout import GAP_JITTER, MOST_OVERLAP, REAL_GAPS, REAL_SIZES, baseline
from training.scenes.pen import smoothed

SEPARATOR_CHARS = ".,-/:()+ "
PLACEHOLDER = "d"

# (pattern, weight): ``d`` is any digit; literal digits and separators are written as they are.
FORMATS: tuple[tuple[str, float], ...] = (
    ("d.dd", 6), ("dd.d", 4), ("ddd.dd", 3), ("d,dd", 2), ("dd,ddd", 2),          # decimals (point or comma)
    ("d,ddd", 4), ("dd,ddd", 2), ("d,ddd,ddd", 1), ("d.ddd", 2), ("d ddd", 2),    # thousands
    ("dd/dd/dddd", 4), ("dd/dd/dd", 3), ("d/d/dd", 2), ("dd.dd.dd", 2), ("dd.dd.dddd", 2),
    ("dd-dd-dddd", 2),                                                            # dates
    ("dd:dd", 5), ("d:dd", 3), ("dd:dd:dd", 1),                                   # times
    ("(ddd) ddd-dddd", 4), ("ddd-dddd", 4), ("ddd-ddd-dddd", 3), ("+dd ddd ddd ddd", 2),
    ("+d ddd ddd dddd", 1), ("dd dd dd dd dd", 1),                               # phone numbers
    ("-d", 3), ("-dd", 2), ("-d.d", 2), ("+d", 2), ("+d.d", 2), ("-dd.dd", 1),    # signs
    ("dd-dd", 3), ("d-dd", 1), ("d/d", 2), ("(dd)", 1),                           # ranges, fractions
    ("dd ddd", 2), ("ddd ddd", 2), ("d dd", 1), ("dd dd", 1), ("ddd dd dd", 1),   # groups set apart by a space
)
_FORMAT_ODDS = np.array([w for _, w in FORMATS], np.float64) / sum(w for _, w in FORMATS)

MAX_DIGIT_WIDTH = 1.5  # a digit sample wider than this many heights is a stray mark (UNIPEN has a few): skipped
POINTS_PER_UNIT = 40  # a tablet's points per digit height along a stroke (UNIPEN's are some 30-100)


@dataclass(frozen=True)
class SeparatorStyle:
    """How one writer draws separators, in units of the digit height (see ``writer_style`` for the ranges)."""

    size: float  # the marks' size factor
    slant: float  # shear: x moves this share of the height above the baseline (top right for > 0)
    wobble: float  # the hand's tremor: standard deviation of the strokes' smooth jitter
    dot: float  # a dot's diameter: under TAP_SIZE it is a tap
    dash_height: float  # where a dash (and a plus's bar) sits: 0 top, 1 baseline
    dash_length: float
    slash_lean: float  # a slash's width over its height
    paren_bulge: float  # a parenthesis's depth
    paren_reach: float  # how far a parenthesis reaches above the top and below the baseline
    separator_gap: float  # the writer's mean gap beside a separator
    digit_gap: float  # the writer's mean gap between digits (``layout.REAL_GAPS``)
    space: float  # a space's width on top of the digit gap


TAP_SIZE = 0.03
MIN_SEPARATOR_GAP = 0.08  # a mark's centre line keeps this far from a digit's, so a pen's width does not join them


def writer_style(rng: np.random.Generator) -> SeparatorStyle:
    """A writer's way with separators: sizes, slant and placement drawn from the spread real hands show."""
    return SeparatorStyle(
        size=rng.uniform(0.8, 1.2), slant=rng.uniform(-0.1, 0.3), wobble=rng.uniform(0.002, 0.012),
        dot=rng.choice([rng.uniform(0.0, TAP_SIZE), rng.uniform(TAP_SIZE, 0.09)]),
        dash_height=rng.uniform(0.42, 0.62), dash_length=rng.uniform(0.22, 0.5),
        slash_lean=rng.uniform(0.2, 0.5), paren_bulge=rng.uniform(0.1, 0.22), paren_reach=rng.uniform(0.0, 0.12),
        separator_gap=rng.uniform(0.1, 0.28), digit_gap=rng.uniform(*REAL_GAPS), space=rng.uniform(0.35, 0.75))


def _line(start: Sequence[float], end: Sequence[float]) -> np.ndarray:
    """A straight stroke from ``start`` to ``end``, with a tablet's spacing of points."""
    count = max(2, int(np.hypot(end[0] - start[0], end[1] - start[1]) * POINTS_PER_UNIT))
    return np.linspace(start, end, count)


def _dot(center: Sequence[float], diameter: float) -> np.ndarray:
    """A dot: a tap (two points a hair apart) or, larger, a tiny loop as a pen circles it."""
    cx, cy = center
    if diameter < TAP_SIZE:
        return np.array([[cx, cy], [cx + diameter / 2, cy + diameter / 3]])
    turn = np.linspace(0, 2 * np.pi * 0.9, 8)
    return np.column_stack([cx + diameter / 2 * np.sin(turn), cy - diameter / 2 * np.cos(turn)])


def _dot_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A period: a dot sitting just above the baseline."""
    return [_dot((0.0, rng.uniform(0.86, 0.96)), style.dot * style.size)]


def _comma_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A comma: from near the baseline, a short tail curving down and to the left, well below it."""
    top, length = rng.uniform(0.88, 0.98), rng.uniform(0.22, 0.34) * style.size
    width = rng.uniform(0.04, 0.1) * style.size
    t = np.linspace(0, 1, max(4, int(length * POINTS_PER_UNIT)))
    return [np.column_stack([width * (1 - t ** 2) + 0.3 * width * np.sin(np.pi * t), top + length * t])]


def _dash_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A dash or minus: a short, nearly level stroke at mid height, written left to right."""
    length, tilt = style.dash_length * style.size, rng.normal(0, 0.04)
    y = style.dash_height + rng.normal(0, 0.03)
    return [_line((0.0, y + tilt * length / 2), (length, y - tilt * length / 2))]


def _slash_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A slash: a tall stroke from above the top on the right down to the baseline on the left."""
    top, bottom = rng.uniform(-0.15, 0.05), rng.uniform(0.95, 1.1)
    return [_line((style.slash_lean * (bottom - top), top), (0.0, bottom))]


def _colon_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A colon: two dots, one above the other, at about a third and near the bottom of the digits' height."""
    upper, lower = rng.uniform(0.25, 0.42), rng.uniform(0.68, 0.9)
    shift = rng.normal(0, 0.02)
    size = max(style.dot, TAP_SIZE * 0.6) * style.size
    return [_dot((shift, upper), size), _dot((0.0, lower), size)]


def _paren_shape(rng: np.random.Generator, style: SeparatorStyle, opening: bool) -> list[np.ndarray]:
    """A parenthesis: an arc from above the top to below the baseline, bulging left for "(", right for ")"."""
    most = np.radians(rng.uniform(50, 75))
    turn = np.linspace(-most, most, max(8, int((1 + 2 * style.paren_reach) * POINTS_PER_UNIT)))
    depth = style.paren_bulge * style.size * (1 - np.cos(turn)) / (1 - np.cos(most))
    x = depth if opening else style.paren_bulge * style.size - depth
    y = 0.5 + rng.normal(0, 0.02) + (0.5 + style.paren_reach) * np.sin(turn) / np.sin(most)
    return [np.column_stack([x, y])]


def _plus_shape(rng: np.random.Generator, style: SeparatorStyle) -> list[np.ndarray]:
    """A plus: a level bar at mid height, then a stroke down through its middle."""
    arm, y = rng.uniform(0.16, 0.26) * style.size, style.dash_height - 0.05 + rng.normal(0, 0.03)
    middle = arm + rng.normal(0, 0.03)
    return [_line((0.0, y), (2 * arm, y + rng.normal(0, 0.03))),
            _line((middle + rng.normal(0, 0.02), y - arm), (middle, y + arm))]


_SHAPES = {".": _dot_shape, ",": _comma_shape, "-": _dash_shape, "/": _slash_shape, ":": _colon_shape,
           "(": lambda rng, style: _paren_shape(rng, style, True),
           ")": lambda rng, style: _paren_shape(rng, style, False), "+": _plus_shape, " ": lambda rng, style: []}


def _wobbled(stroke: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """The stroke with a hand's tremor: a smooth random offset of about ``amount`` at each point."""
    return stroke + smoothed(rng.normal(0, amount, stroke.shape), 3)


def _slanted(stroke: np.ndarray, slant: float) -> np.ndarray:
    """The stroke sheared about the baseline (y = 1): points above it move ``slant`` per unit of height."""
    return np.column_stack([stroke[:, 0] + slant * (1.0 - stroke[:, 1]), stroke[:, 1]])


def separator_strokes(char: str, rng: np.random.Generator, style: SeparatorStyle | None = None) -> list[np.ndarray]:
    """Strokes of one separator (``.,-/:()+`` or a space, which has none) as ``style``'s writer draws it
    (default: a new writer): float32 (n, 2) arrays, y down, digits' top at y = 0 and baseline at y = 1, the
    ink's left edge at x = 0."""
    if char not in _SHAPES:
        raise ValueError(f"not a separator: {char!r}")
    style = style or writer_style(rng)
    strokes = [_slanted(_wobbled(s, rng, style.wobble), style.slant) for s in _SHAPES[char](rng, style)]
    left = min((s[:, 0].min() for s in strokes), default=0.0)
    return [(s - (left, 0.0)).astype(np.float32) for s in strokes]


def separator_width(char: str, strokes: Sequence[np.ndarray], style: SeparatorStyle) -> float:
    """The box (width, a share of the digit height) a separator takes in a line: its ink's width, or for a
    space the gap it leaves (wider than the writer's gap between digits)."""
    if char == " ":
        return max(style.digit_gap, 0.0) + style.space
    return float(max(s[:, 0].max() for s in strokes)) if strokes else 0.0


def sample_format(rng: np.random.Generator) -> str:
    """A number's pattern as people write one (``FORMATS``, by weight): ``d`` for each digit, e.g.
    "dd/dd/dddd" or "(ddd) ddd-dddd"."""
    return FORMATS[int(rng.choice(len(FORMATS), p=_FORMAT_ODDS))][0]


def digits_by_char(samples: Sequence) -> dict[str, list]:
    """One writer's digit samples (``PenSample``, as a ``synth.RealPool`` holds them in ``by_writer``)
    grouped by their label: the mapping ``compose_with_separators`` takes."""
    grouped: dict[str, list] = {}
    for sample in samples:
        grouped.setdefault(sample.label, []).append(sample)
    return grouped


def written_chars(pattern: str, digit_chars: Sequence[str], rng: np.random.Generator) -> str:
    """The pattern with each ``d`` a digit the writer has samples of; literal characters kept."""
    return "".join(str(rng.choice(digit_chars)) if c == PLACEHOLDER else c for c in pattern)


def _digit_strokes(samples: Sequence, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """One of a writer's samples of a digit, a hand's size for this digit (``layout.REAL_SIZES``), its bottom
    on the baseline (y = 1): strokes and width."""
    plausible = [s for s in samples if s.width <= MAX_DIGIT_WIDTH] or list(samples)
    sample = plausible[int(rng.integers(len(plausible)))]
    size = rng.uniform(*REAL_SIZES)
    return [np.asarray(s, np.float64) * size + (0.0, 1.0 - size) for s in sample.strokes], sample.width * size


def _gap(left: tuple[str, float], right: tuple[str, float], style: SeparatorStyle,
         rng: np.random.Generator) -> float:
    """The space between two written characters (char, width): the writer's digit gap between digits (some
    overlapping, as ``synth.advance`` allows), a separator's own gap beside a mark, none beside a space."""
    if " " in (left[0], right[0]):
        return 0.0
    if left[0].isdigit() and right[0].isdigit():
        return max(style.digit_gap + rng.uniform(-GAP_JITTER, GAP_JITTER), -MOST_OVERLAP * min(left[1], right[1]))
    return max(style.separator_gap + rng.uniform(-0.04, 0.04), MIN_SEPARATOR_GAP)


def _char_strokes(char: str, digit_samples_by_char: Mapping[str, Sequence], style: SeparatorStyle,
                  rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """One written character's strokes (baseline at y = 1, left edge at x = 0) and width."""
    if char.isdigit():
        if not digit_samples_by_char.get(char):
            raise ValueError(f"the writer has no sample of {char!r}")
        return _digit_strokes(digit_samples_by_char[char], rng)
    strokes = separator_strokes(char, rng, style)
    return strokes, separator_width(char, strokes, style)


def compose_with_separators(digit_samples_by_char: Mapping[str, Sequence], format: str,
                            rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    """``format`` (``sample_format``'s kind) written by one hand: its digits from the writer's samples
    (``digits_by_char``), its separators drawn in one ``writer_style``, left to right along a drifting baseline
    (``layout.baseline``) with the writer's gaps. Returns float32 strokes in one frame (y down, units of the
    digit height, the ink's box at (0, 0)) and the label as written, e.g. "12/05/2024"."""
    label = written_chars(format, sorted(c for c, s in digit_samples_by_char.items() if len(s)), rng)
    style = writer_style(rng)
    written = [_char_strokes(c, digit_samples_by_char, style, rng) for c in label]
    bottoms, left, strokes = baseline(len(label), rng, 1.0), 0.0, []
    for i, ((char_strokes, width), bottom) in enumerate(zip(written, bottoms)):
        if i:
            left += _gap((label[i - 1], written[i - 1][1]), (label[i], width), style, rng)
        strokes += [s + (left, bottom - 1.0) for s in char_strokes]
        left += width
    return _framed(strokes), label


def _framed(strokes: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The strokes moved so their box starts at (0, 0), as float32."""
    low = np.concatenate(strokes).min(axis=0)
    return [(s - low).astype(np.float32) for s in strokes]
