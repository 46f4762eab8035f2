"""Printed numbers and seven-segment displays, for training (issue 37, item 2).

The line model learned handwriting; printed digits, receipts and meters read badly (docs/printed-sets.md). This
renderer draws what the app meets instead: ONE number as printed, set in many font families, with its
separators ("12.99", "(408) 974-8980", "12:45"), on a price label, a laser print, a thermal receipt (light,
faded, streaked), a dot-matrix slip (digits made of dots), a screen (light on a dark panel), an LCD (dark
segments, the unlit ones faintly visible) or an LED display (glowing segments), the segments drawn here.

Words printed beside the number ("TOTAL", "CASH", "kg", "No.") lie INSIDE the crop more often than not, and
the truth is the number alone: the model must learn that printed letters are not digits. Formats with lone
1s beside slashes and brackets ("1/2", "(1)") are common, so that a slash or a bracket does not become a 1.

``PrintedStrings.sample`` gives a ``Sample`` (uint8 grey crop (H, W), truth in the run's alphabet); the
training loop passes it through ``preprocess.normalize_line`` as the app does. The benchmark's printed sets
(benchmarks/scenes/printed.py) are other code with other parameters, and none of their font families is used
here (``TRAINING_FACES``, ``BENCHMARK_FAMILIES``), so the benchmark stays an honest test.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.core.alphabet import DIGIT_ALPHABET
from training.scenes.segments import display_reading, draw_display, segment_style
from training.scenes.synth import TEXT_LABEL_WIDTH, Sample, SequenceGenerator, at_odds, jpeg, smooth_field

# --------------------------------------------------------------------------------------------- fonts

FONT_ROOT = Path("/usr/share/fonts")


@dataclass(frozen=True)
class Face:
    """One font file: its family (a design lineage), the Debian package that installs it, its path under
    ``FONT_ROOT`` and its style ("sans", "serif", "mono" or "condensed")."""

    family: str
    package: str
    path: str
    style: str


def _faces(family: str, package: str, folder: str, style: str, *files: str) -> tuple[Face, ...]:
    return tuple(Face(family, package, f"{folder}/{name}", style) for name in files)


_ROBOTO = ("Roboto", "fonts-roboto-unhinted", "truetype/roboto/unhinted")
_URW = "opentype/urw-base35"
# Training's families. The split: the benchmark validates on DejaVu, Carlito and URW Bookman and tests on
# Liberation, Nimbus (FreeFont is Nimbus's) and C059; docs/printed-sets.md keeps URW Gothic and P052 and
# packages it does not install for training. None of these is, or is derived from, a benchmark family
# (Lato is left out: Carlito is Lato redrawn; Hack and TeX Gyre too: DejaVu's and URW's).
TRAINING_FACES: tuple[Face, ...] = (
    *_faces(*_ROBOTO[:2], f"{_ROBOTO[2]}/RobotoTTF", "sans", "Roboto-Regular.ttf", "Roboto-Bold.ttf",
            "Roboto-Italic.ttf", "Roboto-Light.ttf", "Roboto-Black.ttf"),
    *_faces(*_ROBOTO, "condensed", "RobotoCondensed-Regular.ttf", "RobotoCondensed-Bold.ttf"),
    *_faces("Open Sans", "fonts-open-sans", "truetype/open-sans", "sans", "OpenSans-Regular.ttf",
            "OpenSans-Bold.ttf", "OpenSans-Italic.ttf", "OpenSans-ExtraBold.ttf"),
    *_faces("Open Sans", "fonts-open-sans", "truetype/open-sans", "condensed", "OpenSans-CondBold.ttf"),
    *_faces("Go", "fonts-go", "fonts-go", "sans", "Go-Regular.ttf", "Go-Bold.ttf", "Go-Medium-Italic.ttf"),
    *_faces("Go", "fonts-go", "fonts-go", "mono", "Go-Mono.ttf", "Go-Mono-Bold.ttf"),
    *_faces("Inconsolata", "fonts-inconsolata", "truetype/inconsolata", "mono", "Inconsolata.otf"),
    *_faces("JetBrains Mono", "fonts-jetbrains-mono", "truetype/jetbrains-mono", "mono",
            "JetBrainsMono-Regular.ttf", "JetBrainsMono-Bold.ttf", "JetBrainsMono-Light.ttf"),
    *_faces("Caladea", "fonts-crosextra-caladea", "truetype/crosextra", "serif", "Caladea-Regular.ttf",
            "Caladea-Bold.ttf", "Caladea-Italic.ttf"),
    *_faces("Linux Libertine", "fonts-linuxlibertine", "opentype/linux-libertine", "serif", "LinLibertine_R.otf",
            "LinLibertine_RB.otf", "LinLibertine_RI.otf"),
    *_faces("Linux Libertine", "fonts-linuxlibertine", "opentype/linux-libertine", "sans", "LinBiolinum_R.otf",
            "LinBiolinum_RB.otf"),
    *_faces("URW Gothic", "fonts-urw-base35", _URW, "sans", "URWGothic-Book.otf", "URWGothic-Demi.otf",
            "URWGothic-BookOblique.otf"),
    *_faces("P052", "fonts-urw-base35", _URW, "serif", "P052-Roman.otf", "P052-Bold.otf", "P052-Italic.otf"),
)
TRAINING_FAMILIES = tuple(sorted({face.family for face in TRAINING_FACES}))
TRAINING_PACKAGES = tuple(sorted({face.package for face in TRAINING_FACES}))

# The reader benchmark's families (benchmarks/scenes/printed.py FONT_SPLITS, docs/printed-sets.md), written out
# here because training may not import benchmarks; tests/training/test_printed_scenes.py checks both agree.
BENCHMARK_FAMILIES = {"validation": ("DejaVu", "Carlito", "URW Bookman"), "test": ("Liberation", "Nimbus", "C059")}
# Each benchmark family with the families drawn from it: none of these names may appear in training's fonts.
BENCHMARK_LINEAGE = {"DejaVu": ("DejaVu", "Bitstream Vera", "Hack"), "Carlito": ("Carlito", "Lato"),
                     "URW Bookman": ("URW Bookman", "Bookman", "TeX Gyre Bonum"),
                     "Liberation": ("Liberation", "Arimo", "Tinos", "Cousine"),
                     "Nimbus": ("Nimbus", "FreeFont", "FreeSans", "FreeMono", "FreeSerif", "TeX Gyre Heros",
                                "TeX Gyre Termes", "TeX Gyre Cursor"),
                     "C059": ("C059", "Century Schoolbook", "TeX Gyre Schola")}


class MissingFont(FileNotFoundError):
    """A training font is not installed: the message names the apt package (never a silent fallback font)."""

    def __init__(self, face: Face):
        super().__init__(f"font {face.path} ({face.family}) is missing under {FONT_ROOT}: install it with "
                         f"`apt-get install {face.package}` (bash .ci/setup --test installs every training font)")
        self.face = face


def check_fonts(faces: tuple[Face, ...] = TRAINING_FACES) -> None:
    """Fail at the start of a run, not in the middle of an epoch, when a font is missing."""
    for face in faces:
        if not (FONT_ROOT / face.path).is_file():
            raise MissingFont(face)


def load_font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    if not (FONT_ROOT / face.path).is_file():
        raise MissingFont(face)
    return _font(str(FONT_ROOT / face.path), int(size))


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def pick_face(rng: np.random.Generator, styles: tuple[str, ...]) -> Face:
    """A face of one of ``styles``: each style as likely, then each face of it."""
    style = styles[int(rng.integers(len(styles)))]
    faces = [face for face in TRAINING_FACES if face.style == style]
    return faces[int(rng.integers(len(faces)))]


# --------------------------------------------------------------------------------------------- what is printed

# (pattern, weight): "d" any digit, "i" a digit that is 1 half the time (1s beside slashes and brackets, issue
# 37), anything else printed as it is. Written for training; the benchmark draws its numbers its own way.
NUMBER_FORMATS: tuple[tuple[str, float], ...] = (
    ("d", 4), ("dd", 4), ("ddd", 3), ("dddd", 3), ("ddddd", 1), ("dddddd", 2), ("ddddddddd", 1),  # counts, codes
    ("d.dd", 5), ("dd.dd", 5), ("ddd.dd", 3), ("d,ddd.dd", 2), ("d,dd", 3), ("dd,dd", 3), ("d.ddd,dd", 1),
    ("dd.d", 2), ("d.ddd", 1),                                                                      # prices
    ("d,ddd", 3), ("dd,ddd", 2), ("d ddd", 2), ("dd ddd", 3), ("ddd ddd", 1), ("d ddd ddd", 1),     # thousands
    ("dd/dd", 3), ("dd/dd/dd", 2), ("dd/dd/dddd", 2), ("dd.dd.dddd", 2), ("dd.dd.dd", 1), ("dddd-dd-dd", 2),
    ("dd-dd-dddd", 1), ("d/dd", 1),                                                                 # dates
    ("dd:dd", 4), ("d:dd", 2), ("dd:dd:dd", 2),                                                     # times
    ("-d", 2), ("-dd", 2), ("-d.d", 2), ("-dd.d", 1), ("+d.d", 1), ("+dd", 1), ("-d,dd", 1), ("(-d)", 1),
    ("(ddd) ddd-dddd", 2), ("ddd-dddd", 2), ("+dd dd ddd dd dd", 1), ("dd dd dd dd", 1),
    ("+d ddd-ddd-dddd", 1), ("dd-dd", 1), ("(d.dd)", 1),                                            # phones
    ("i/i", 4), ("(i)", 4), ("(ii)", 2), ("i/ii", 3), ("ii/i", 1), ("(i/i)", 1), ("i (i)", 1), ("(i) ii", 1),
    ("i/(i)", 1), ("ii/ii/ii", 1), ("ii", 1), ("iii", 1), ("(ddd)", 1),                               # 1s, / and ()
)
ONES = 0.5  # an "i" of a format is a 1 this often


def formats_for(alphabet: str, most_chars: int) -> tuple[list[str], np.ndarray]:
    """The formats a model of ``alphabet`` can be taught (digits only for a 0-9 reader), no longer than its
    labels, and their odds."""
    kept = [(f, w) for f, w in NUMBER_FORMATS if len(f) <= most_chars
            and set(f.replace("d", "0").replace("i", "1")) <= set(alphabet)]
    weights = np.array([w for _, w in kept], np.float64)
    return [f for f, _ in kept], weights / weights.sum()


def fill_format(pattern: str, rng: np.random.Generator) -> str:
    """A number in ``pattern``: "d" any digit, "i" a 1 or any digit, the rest as it is."""
    out = []
    for ch in pattern:
        if ch == "d" or (ch == "i" and rng.random() >= ONES):
            out.append(str(int(rng.integers(10))))
        else:
            out.append("1" if ch == "i" else ch)
    return "".join(out)


# Words printed beside a number (letters, or marks the reader does not read): never part of the truth.
WORDS_BEFORE = ("TOTAL", "CASH", "VISA", "Qty", "No.", "EUR", "CHF", "USD", "Tel.", "Fax", "Art.", "Nr.", "Ref",
                "SUBTOTAL", "CHANGE", "Price", "PLU", "Date", "Time", "Order", "Page", "MwSt", "TVA", "Bon", "Net",
                "Tare", "Amount", "Item", "Kasse", "Fr.", "$", "#", "x", "@", "Rs.", "Tbl", "Sum", "BAL", "Art-Nr")
WORDS_AFTER = ("kg", "g", "EUR", "CHF", "pcs", "St.", "x", "%", "km", "l", "ml", "V", "kWh", "h", "min", "USD",
               "Fr.", "lb", "oz", "A", "W", "Hz", "PSI", "mm", "cm", "B", "A", "EUR/kg", "$", "Stk", "IO", "OK")
INDICATORS = ("HOLD", "AUTO", "MAX", "MIN", "BAT", "AC", "DC", "SET", "AM", "PM", "TARE", "ZERO", "NET")
WORD_SHARE = 0.6  # of scenes, one or two words printed beside the number
FULL_CROP = 0.85  # of scenes with words, the crop holds the words whole (the rest: the number and its margin)


def choose_words(rng: np.random.Generator) -> tuple[str | None, str | None]:
    """The words left and right of the number: one side, both, or none."""
    if rng.random() >= WORD_SHARE:
        return None, None
    side = rng.random()
    left = WORDS_BEFORE[int(rng.integers(len(WORDS_BEFORE)))] if side < 0.75 else None
    right = WORDS_AFTER[int(rng.integers(len(WORDS_AFTER)))] if side > 0.55 else None
    return left, right


# --------------------------------------------------------------------------------------------- setting type


def glyph_ink(text: str, font: ImageFont.FreeTypeFont, tracking: float | None = None) -> tuple[np.ndarray, int]:
    """``text`` set in ``font``: coverage float (h, w) in 0..1, and its baseline row. With ``tracking`` (a share
    of the size) the characters are set one by one with that much extra room (tight or loose printing)."""
    ascent, descent = font.getmetrics()
    size = font.size
    advances = [font.getlength(ch) + tracking * size for ch in text] if tracking is not None else [0.0]
    lead = size // 3 + 2  # room for an italic's overhang left of its origin
    width = int(max(font.getlength(text), sum(advances)) + size) + 2 * lead
    image = Image.new("L", (width, ascent + descent + 6))
    draw, base = ImageDraw.Draw(image), ascent + 3
    if tracking is None:
        draw.text((lead, base), text, font=font, fill=255, anchor="ls")
    else:
        x = float(lead)
        for ch, advance in zip(text, advances):
            draw.text((x, base), ch, font=font, fill=255, anchor="ls")
            x += advance
    coverage = np.asarray(image, np.float32) / 255.0
    cols = np.flatnonzero(coverage.max(axis=0) > 0.05)
    return (coverage[:, cols[0]:cols[-1] + 1] if len(cols) else coverage), base


def set_line(pieces: list[tuple[np.ndarray, int]], gaps: list[int]) -> tuple[np.ndarray, list[tuple]]:
    """Pieces (coverage (h, w), baseline row) side by side on one baseline, ``gaps`` pixels apart: the line's
    coverage (H, W) and each piece's ink box (x, y, w, h)."""
    above = max(base for _, base in pieces)
    below = max(mask.shape[0] - base for mask, base in pieces)
    width = sum(mask.shape[1] for mask, _ in pieces) + sum(gaps)
    line, boxes, x = np.zeros((above + below, width, *pieces[0][0].shape[2:]), np.float32), [], 0
    for (mask, base), gap in zip(pieces, [0, *gaps]):
        x += gap
        y = above - base
        window = line[y:y + mask.shape[0], x:x + mask.shape[1]]
        np.maximum(window, mask, out=window)
        # a display's piece is (h, w, 3): lit, unlit, printed; its box is what is lit or printed, not the ghosts
        boxes.append(_ink_box(mask if mask.ndim == 2 else mask[..., ::2].max(axis=-1), x, y))
        x += mask.shape[1]
    return line, boxes


def _ink_box(mask: np.ndarray, x: int, y: int) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.max(axis=1) > 0.3)
    cols = np.flatnonzero(mask.max(axis=0) > 0.3)
    if not len(rows):
        return x, y, 1, 1
    return x + int(cols[0]), y + int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


@dataclass
class Card:
    """The printed thing, flat and upright: ``image`` float32 (H, W) grey 0..255, the number's ink box and each
    word's (x, y, w, h), so the crop can be cut round them."""

    image: np.ndarray
    number: tuple[int, int, int, int]
    words: list[tuple[str, tuple[int, int, int, int]]]


def with_words(number: tuple[np.ndarray, int], words: tuple[str | None, str | None], face: Face, size: int,
               rng: np.random.Generator) -> tuple[np.ndarray, tuple, list]:
    """The number with its words set left and right on its baseline, a clear gap apart: coverage (H, W),
    the number's box and the words' (word, box)."""
    digit_height = number[0].shape[0]
    pieces, names = [number], [None]
    for word, at_end in ((words[0], False), (words[1], True)):
        if word:
            ink, base = glyph_ink(word, load_font(face, max(8, int(size * rng.uniform(0.45, 1.0)))))
            if number[0].ndim == 3:  # beside a display: printed, the third layer
                ink = np.stack([np.zeros_like(ink), np.zeros_like(ink), ink], axis=-1)
            ink = (ink, base)
            pieces, names = (pieces + [ink], names + [word]) if at_end else ([ink] + pieces, [word] + names)
    gaps = [int(rng.uniform(0.35, 1.6) * digit_height * 0.7) + 2 for _ in pieces[1:]]
    line, boxes = set_line(pieces, gaps)
    index = names.index(None)
    return line, boxes[index], [(n, b) for n, b in zip(names, boxes) if n is not None]


def padded(line: np.ndarray, boxes: list[tuple], rng: np.random.Generator) -> tuple[np.ndarray, list[tuple]]:
    """Room round the line (the label, the paper, the panel), for crop jitter and tilt: (H', W') and boxes."""
    h = line.shape[0]
    top, bottom, left, right = (int(rng.uniform(0.8, 1.4) * h) for _ in range(4))
    widths = ((top, bottom), (left, right)) + ((0, 0),) * (line.ndim - 2)
    return np.pad(line, widths), [(x + left, y + top, w, hh) for x, y, w, hh in boxes]


# --------------------------------------------------------------------------------------------- printed kinds

KIND_STYLES = {"label": ("sans", "condensed", "serif", "sans"), "laser": ("mono", "sans", "serif", "condensed"),
               "thermal": ("mono", "mono", "sans", "condensed"), "dot-matrix": ("mono",),
               "screen": ("sans", "mono", "condensed")}


def printed_card(rng: np.random.Generator, text: str, kind: str) -> Card:
    """``text`` printed as ``kind`` prints it, words beside it now and then."""
    face = pick_face(rng, KIND_STYLES[kind])
    size = int(rng.uniform(12, 17)) if kind == "dot-matrix" else int(rng.uniform(30, 76))
    tracking = rng.uniform(-0.03, 0.12) if rng.random() < 0.5 else None
    number = glyph_ink(text, load_font(face, size), tracking)
    line, number_box, words = with_words(number, choose_words(rng), face, size, rng)
    if kind == "dot-matrix":
        line, scale = dotted(line, rng)
        number_box, words = _scaled(number_box, scale), [(w, _scaled(b, scale)) for w, b in words]
    line, boxes = padded(line, [number_box] + [b for _, b in words], rng)
    if kind in ("label", "laser") and rng.random() < 0.25:
        line = framed(line, boxes[0], rng)
    image = INKERS[kind](line, rng)
    return Card(image, boxes[0], [(w, b) for (w, _), b in zip(words, boxes[1:])])


def _scaled(box: tuple, scale: int) -> tuple[int, int, int, int]:
    return tuple(int(v * scale) for v in box)


def laid_on(coverage: np.ndarray, paper: float, ink: float, rng: np.random.Generator, grain: float) -> np.ndarray:
    """Ink of grey ``ink`` over a ground of grey ``paper`` with some grain: float32 (H, W) 0..255."""
    ground = paper + rng.normal(0, grain, coverage.shape).astype(np.float32)
    return ground + (ink - ground) * coverage


def label_ink(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A price or shelf label: dark print on white or a light colour, or white on a dark colour."""
    if rng.random() < 0.75:
        paper, ink = rng.uniform(165, 250), rng.uniform(0, 70)
    else:
        paper, ink = rng.uniform(50, 140), rng.uniform(205, 255)
    return laid_on(coverage, paper, ink, rng, rng.uniform(0, 4))


def framed(line: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    """A printed box or a label's edge round the number, near enough to be in the crop (a box's border must
    not become a 1): the line's coverage (H, W) with the frame drawn in."""
    x, y, w, h = box
    grow = [int(rng.uniform(0.1, 0.45) * h) for _ in range(4)]
    frame = np.zeros_like(line)
    cv2.rectangle(frame, (x - grow[0], y - grow[1]), (x + w + grow[2], y + h + grow[3]), 1.0,
                  max(1, int(rng.uniform(0.02, 0.08) * h)))
    return np.maximum(line, frame)


def laser_ink(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A laser or ink-jet print on office paper: near black, crisp, at times a toner-light patch."""
    light = 1 - rng.uniform(0, 0.4) * smooth_field(rng, coverage.shape, 3)
    return laid_on(coverage * light, rng.uniform(215, 252), rng.uniform(0, 50), rng, rng.uniform(0, 3))


def thermal_ink(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A thermal receipt: grey print, faded unevenly, lighter streaks down the paper (a worn head), missed dots."""
    h, w = coverage.shape
    fade = 1 - rng.uniform(0.1, 0.55) * smooth_field(rng, (h, w), 4)
    streaks = np.ones(w, np.float32)
    for x in rng.integers(0, w, int(rng.integers(0, 6))):
        streaks[x:x + int(rng.integers(1, 4))] = rng.uniform(0.2, 0.7)
    missed = rng.random(coverage.shape) < rng.uniform(0, 0.12)
    coverage = coverage * fade * streaks[None, :] * np.where(missed, 0.3, 1.0)
    return laid_on(coverage, rng.uniform(220, 252), rng.uniform(60, 150), rng, rng.uniform(1, 5))


def dotted(coverage: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Dot-matrix print: each pixel of a small binary line (about 8-12 rows a digit) becomes a round pin mark
    ``scale`` pixels apart. Returns coverage (H * scale, W * scale) and the scale."""
    scale = int(rng.integers(4, 9))
    radius = scale * rng.uniform(0.3, 0.55)
    yy, xx = np.mgrid[:scale, :scale] - (scale - 1) / 2
    pin = np.clip(radius + 0.5 - np.hypot(yy, xx), 0, 1).astype(np.float32)  # (scale, scale) one anti-aliased dot
    on = (coverage > rng.uniform(0.2, 0.4)).astype(np.float32)  # low enough that thin strokes stay joined
    strength = on * rng.uniform(0.6, 1.0, on.shape).astype(np.float32)  # pins strike unevenly
    return np.kron(strength, pin), scale


def dot_matrix_ink(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A dot-matrix slip: ribbon ink, greyer where the ribbon is worn."""
    worn = 1 - rng.uniform(0, 0.45) * smooth_field(rng, coverage.shape, 3)
    image = laid_on(coverage * worn, rng.uniform(200, 250), rng.uniform(10, 90), rng, rng.uniform(1, 4))
    return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.0))


def screen_ink(coverage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A screen: light digits on a dark panel with a glow, at times its pixel grid visible."""
    glow = cv2.GaussianBlur(coverage, (0, 0), rng.uniform(1, 4)) * rng.uniform(0.1, 0.6)
    light = np.clip(coverage + glow, 0, 1)
    if rng.random() < 0.4:
        pitch = int(rng.integers(3, 7))
        grid = np.ones((pitch, pitch), np.float32)
        grid[-1, :], grid[:, -1] = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.8)
        tiles = np.tile(grid, (light.shape[0] // pitch + 1, light.shape[1] // pitch + 1))
        light = light * tiles[:light.shape[0], :light.shape[1]]
    return laid_on(light, rng.uniform(0, 60), rng.uniform(150, 255), rng, rng.uniform(0, 5))


INKERS = {"label": label_ink, "laser": laser_ink, "thermal": thermal_ink, "dot-matrix": dot_matrix_ink,
          "screen": screen_ink}


# --------------------------------------------------------------------------------------------- displays


def segment_card(rng: np.random.Generator, text: str, kind: str) -> Card:
    """An LCD (dark segments on grey-green glass, the unlit ones faintly there, a shadow behind) or an LED
    display (light segments glowing on a dark window, the unlit ones faint); at times a unit printed beside it
    or an indicator ("HOLD") lit before it, and the window's edge in view."""
    style = segment_style(rng)
    blanks = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
    lit, unlit = (layer.astype(np.float32) / 255 for layer in draw_display(text, blanks, style))
    piece = np.stack([lit, unlit, np.zeros_like(lit)], axis=-1)  # (h, w, 3): lit, unlit, printed
    words = choose_words(rng)
    words = (INDICATORS[int(rng.integers(len(INDICATORS)))] if words[0] else None, words[1])
    face = pick_face(rng, ("sans", "condensed"))
    line, number_box, named = with_words((piece, piece.shape[0] - int(style.thickness * 1.5)), words, face,
                                         int(style.height * 0.6), rng)
    line, boxes = padded(line, [number_box] + [b for _, b in named], rng)
    image = (lcd_light if kind == "lcd" else led_light)(line, boxes[0], rng)
    return Card(image, boxes[0], [(w, b) for (w, _), b in zip(named, boxes[1:])])


def _window(shape: tuple[int, int], box: tuple, rng: np.random.Generator) -> np.ndarray:
    """The display window's edge round the digits (0 none, 1 its frame), in view half the time."""
    frame = np.zeros(shape, np.float32)
    return framed(frame, box, rng) if rng.random() < 0.5 else frame


def lcd_light(layers: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    """Grey glass, dark segments with their shadow a few pixels off, unlit segments a shade darker than the
    glass, printed words dark: float32 (H, W) grey 0..255."""
    lit, unlit, printed = layers[..., 0], layers[..., 1], layers[..., 2]
    glass, ink = rng.uniform(130, 215), rng.uniform(10, 70)
    shift = np.float32([[1, 0, rng.uniform(1, 4)], [0, 1, rng.uniform(1, 4)]])
    shadow = cv2.warpAffine(lit, shift, lit.shape[::-1]) * rng.uniform(0, 0.25)
    image = laid_on(np.maximum(shadow, unlit * rng.uniform(0.04, 0.2)), glass, ink, rng, rng.uniform(0, 3))
    image = image + (ink - image) * np.maximum(lit, printed)
    edge = _window(lit.shape, box, rng)
    return image + (rng.uniform(20, 90) - image) * edge


def led_light(layers: np.ndarray, box: tuple, rng: np.random.Generator) -> np.ndarray:
    """A dark window, lit segments bright with a glow round them, unlit ones barely there, printed words light
    grey on the case."""
    lit, unlit, printed = layers[..., 0], layers[..., 1], layers[..., 2]
    glow = cv2.GaussianBlur(lit, (0, 0), rng.uniform(1.5, 5)) * rng.uniform(0.2, 0.8)
    light = np.clip(np.maximum(lit + glow, unlit * rng.uniform(0.03, 0.15)), 0, 1)
    image = laid_on(light, rng.uniform(0, 45), rng.uniform(120, 255), rng, rng.uniform(0, 4))
    image = image + (rng.uniform(140, 230) - image) * printed
    edge = _window(lit.shape, box, rng)
    return image + (rng.uniform(50, 120) - image) * edge


# --------------------------------------------------------------------------------------------- the camera

CROP_MARGINS = (0.05, 0.5)  # paper kept above and below the number, as a share of its height
SIDE_MARGINS = (0.1, 0.9)  # and left and right of the line
NUMBER_HEIGHTS = (9, 64)  # the number's height in the crop, in pixels (log-uniform): tiny print to close-ups


def crop_box(card: Card, rng: np.random.Generator, angle: float) -> tuple[int, int, int, int]:
    """Where the crop is cut (x0, y0, x1, y1): round the number and, mostly, its words, with jittered margins;
    taller where the tilt would push the line's ends out."""
    boxes = [card.number] + ([b for _, b in card.words] if rng.random() < FULL_CROP else [])
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    h = card.number[3]
    lift = 0.5 * (x1 - x0) * abs(np.sin(np.radians(angle)))
    top, bottom = (int(rng.uniform(*CROP_MARGINS) * h + lift) for _ in range(2))
    left, right = (int(rng.uniform(*SIDE_MARGINS) * h) for _ in range(2))
    H, W = card.image.shape
    return max(0, x0 - left), max(0, y0 - top), min(W, x1 + right), min(H, y1 + bottom)


def words_inside(card: Card, box: tuple[int, int, int, int]) -> tuple[str, ...]:
    """The words whose ink lies whole inside the crop ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return tuple(w for w, (x, y, bw, bh) in card.words if x >= x0 and y >= y0 and x + bw <= x1 and y + bh <= y1)


def photographed(card: Card, rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...]]:
    """The card as a phone or a scanner gives it, cut round the number as the finder cuts: tilted a little,
    seen a little off-axis, at a low resolution now and then, blurred, noisy, JPEG'd. Returns the uint8 crop
    (h, w) and the words inside it."""
    angle = rng.uniform(-3.5, 3.5)
    box = crop_box(card, rng, angle)
    x, y, w, h = card.number
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
    image = cv2.warpAffine(card.image, turn, card.image.shape[::-1], flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    crop = image[box[1]:box[3], box[0]:box[2]]
    crop = off_axis(crop, rng)
    crop = resampled(crop, h, rng)
    crop = crop * (1 - rng.uniform(0, 0.35) * smooth_field(rng, crop.shape, 2))  # uneven light
    crop = cv2.GaussianBlur(crop, (0, 0), rng.uniform(0.01, 1.1))
    crop = crop + rng.normal(0, rng.uniform(0, 9), crop.shape)
    return jpeg(np.clip(crop, 0, 255).astype(np.uint8), rng, 0.5, (30, 91)), words_inside(card, box)


def off_axis(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A slight perspective: each corner moved by up to 3% of the crop's height (and of twice that across, so
    the ends of a long number stay inside its margins)."""
    h, w = crop.shape
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    moved = corners + rng.uniform(-0.03, 0.03, (4, 2)).astype(np.float32) * [min(w, 2 * h), h]
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    return cv2.warpPerspective(crop, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def resampled(crop: np.ndarray, number_height: int, rng: np.random.Generator) -> np.ndarray:
    """The crop at the camera's resolution: the number ``NUMBER_HEIGHTS`` pixels tall (log-uniform); a third of
    the small ones scaled up again, blocky or smooth, as a zoomed photo is."""
    target = float(np.exp(rng.uniform(*np.log(NUMBER_HEIGHTS))))
    scale = min(1.0, target / max(1, number_height))
    h, w = crop.shape
    small = cv2.resize(crop, (max(4, round(w * scale)), max(4, round(h * scale))), interpolation=cv2.INTER_AREA)
    if target < 24 and rng.random() < 0.35:
        up = rng.uniform(1.5, 3)
        method = cv2.INTER_NEAREST if rng.random() < 0.5 else cv2.INTER_LINEAR
        small = cv2.resize(small, (round(small.shape[1] * up), round(small.shape[0] * up)), interpolation=method)
    return small


# --------------------------------------------------------------------------------------------- strings

KINDS = ("label", "laser", "thermal", "dot-matrix", "screen", "lcd", "led")
KIND_ODDS = (0.18, 0.12, 0.14, 0.1, 0.14, 0.18, 0.14)


@dataclass
class Scene:
    """One printed number as drawn: the crop uint8 (h, w), its truth, its kind, and the words in the crop."""

    image: np.ndarray
    text: str
    kind: str
    words: tuple[str, ...]


class PrintedStrings:
    """Printed numbers for the training loop (``SynthConfig.printed_fraction`` of the strings), in the run's
    alphabet: with separators for a text reader, digits only for a 0-9 one."""

    def __init__(self, alphabet: str = DIGIT_ALPHABET, max_length: int = 8):
        check_fonts()
        self.alphabet = alphabet
        self.most_chars = TEXT_LABEL_WIDTH if set(alphabet) > set(DIGIT_ALPHABET) else max_length
        self.formats, self.odds = formats_for(alphabet, self.most_chars)

    def scene(self, rng: np.random.Generator, length: int | None = None) -> Scene:
        """A scene of any kind; with ``length``, a number of that many digits and nothing else."""
        kind = KINDS[int(rng.choice(len(KINDS), p=KIND_ODDS))]
        if length is not None:
            text = "".join(str(int(d)) for d in rng.integers(0, 10, length))
        elif kind in ("lcd", "led"):
            text = display_reading(rng, self.alphabet, self.most_chars)
        else:
            text = fill_format(self.formats[int(rng.choice(len(self.formats), p=self.odds))], rng)
        card = segment_card(rng, text, kind) if kind in ("lcd", "led") else printed_card(rng, text, kind)
        image, words = photographed(card, rng)
        return Scene(image, text, kind, words)

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        scene = self.scene(rng, length)
        return Sample(scene.image, scene.text, [], f"printed-{scene.kind}")


class PrintedGenerator(SequenceGenerator):
    """Hands ``config.printed_fraction`` of the strings to ``PrintedStrings``; the rest to ``rest`` (the run's
    generator without printed strings). The same seed and key give the same strings."""

    def __init__(self, rest: SequenceGenerator):
        self.digits, self.config, self.seed, self.real, self.rest = rest.digits, rest.config, rest.seed, rest.real, rest
        self.printed = PrintedStrings(rest.config.alphabet, rest.config.max_length)

    def sample(self, rng: np.random.Generator, length: int | None = None) -> Sample:
        if at_odds(rng, self.config.printed_fraction):
            return self.printed.sample(rng, length)
        return self.rest.sample(rng, length)


def describe() -> dict:
    """The card's note on printed strings: the renderer, the families and packages, the families kept out."""
    return {"renderer": "training/scenes/printed.py", "kinds": dict(zip(KINDS, KIND_ODDS)),
            "font_families": list(TRAINING_FAMILIES), "font_packages": list(TRAINING_PACKAGES),
            "benchmark_families_not_used": BENCHMARK_FAMILIES, "word_share": WORD_SHARE}

