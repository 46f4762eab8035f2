"""The reader benchmark's printed sets (issue 37): numbers printed in a font, and seven-segment displays, each
photographed as someone points a phone or a webcam at it. Drawn by the benchmark's own code, apart from any
training renderer, so that what is measured is not what a model was shown.

- ``printed``: a shelf tag or price label, a receipt (laser, thermal: light grey and streaked, or dot-matrix:
  dotted strokes), a screen (light digits on a dark panel, with glow and its pixel grid) or a printed form's
  label. Letters-only words round the number (a product, "TOTAL", a caption); the image holds one number.
- ``seven-segment``: a meter's, clock's, scale's or calculator's display, its segments drawn here (upright
  or slanted, a decimal point, a clock's colon, leading blank cells): an LCD (dark segments on grey-green,
  the "off" segments faintly visible) or an LED or VFD (light segments that glow on a dark window).

**Fonts.** Text is set in TrueType/OpenType fonts from Debian packages, split by FAMILY between the splits
(``FONT_SPLITS``): a family, and every family of its design lineage, drawn for validation never appears in
test. The lineage matters: GNU FreeFont's FreeSans and FreeMono are URW's Nimbus Sans and Nimbus Mono, so
both are the one family "Nimbus" here. Reserved for training, used by neither split (``RESERVED_FOR_TRAINING``):
URW Gothic and P052 (both in fonts-urw-base35), and any family of a package not installed for these sets
(Noto, Open Sans, Roboto, Inconsolata, Caladea, ...). A missing font file raises ``MissingFont`` naming its
package; ``.ci/setup --test`` installs them all.

**Truth and scoring.** The truth is the number as printed or displayed, separators kept ("12.99", "3,450",
"07/24", "12:45", "-5"), 1-10 digits (``printed``) or 1-8 (``seven-segment``). Both sets are scored as
``benchmarks.reader.WRITTEN_SETS`` are: the numbers read, joined by spaces, must equal the truth, with a
digits-only figure beside. Neither needs digits-only scoring: every separator is plainly printed (a display's
decimal point is its own dot, its colon two), so reading it is part of the task.

Each ``render_*(rng, split)`` is pure and deterministic and returns ``(image_bytes, [truth])``; the split picks
the fonts, ``rng`` (``benchmarks.reader.scene_rng``) everything else. Camera effects are ``camera``'s.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from benchmarks.scenes import camera
from benchmarks.scenes.base import pick

FONT_ROOT = Path("/usr/share/fonts")


class Face(NamedTuple):
    """One font file: the Debian package that installs it and its path under ``FONT_ROOT``."""

    package: str
    path: str


def faces(package: str, folder: str, *names: str) -> tuple[Face, ...]:
    return tuple(Face(package, f"{folder}/{name}") for name in names)


URW = ("fonts-urw-base35", "opentype/urw-base35")
# Families by design lineage. A face whose name holds "Mono" is monospaced (receipts, screens).
FAMILIES: dict[str, tuple[Face, ...]] = {
    "DejaVu": faces("fonts-dejavu-core", "truetype/dejavu", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                    "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
                    "DejaVuSerif.ttf"),
    "Carlito": faces("fonts-crosextra-carlito", "truetype/crosextra", "Carlito-Regular.ttf", "Carlito-Bold.ttf"),
    "URW Bookman": faces(*URW, "URWBookman-Light.otf", "URWBookman-Demi.otf"),
    "Liberation": faces("fonts-liberation", "truetype/liberation", "LiberationSans-Regular.ttf",
                        "LiberationSans-Bold.ttf", "LiberationSansNarrow-Bold.ttf", "LiberationMono-Regular.ttf",
                        "LiberationMono-Bold.ttf", "LiberationSerif-Regular.ttf"),
    "Nimbus": faces(*URW, "NimbusSans-Regular.otf", "NimbusSans-Bold.otf", "NimbusSansNarrow-Bold.otf",
                    "NimbusMonoPS-Regular.otf", "NimbusMonoPS-Bold.otf", "NimbusRoman-Regular.otf")
              + faces("fonts-freefont-ttf", "truetype/freefont", "FreeSans.ttf", "FreeSansBold.ttf", "FreeMono.ttf"),
    "C059": faces(*URW, "C059-Roman.otf", "C059-Bold.otf"),
}
# Which families each split prints with: never one family in both. Validation: DejaVu (Verdana-like), Carlito
# (Calibri-like), URW Bookman; test: Liberation (Arial-like), Nimbus/FreeFont (Helvetica-like), C059
# (Century Schoolbook). Training may take RESERVED_FOR_TRAINING, never these.
FONT_SPLITS = {"validation": ("DejaVu", "Carlito", "URW Bookman"), "test": ("Liberation", "Nimbus", "C059")}
RESERVED_FOR_TRAINING = ("URW Gothic", "P052")
FONT_PACKAGES = sorted({face.package for family in FAMILIES.values() for face in family})


class MissingFont(FileNotFoundError):
    """A font the printed sets draw with is not installed."""


def split_faces(split: str, mono: bool = False) -> list[Face]:
    """The faces of ``split``'s families (only the monospaced ones with ``mono``)."""
    chosen = [face for family in FONT_SPLITS[split] for face in FAMILIES[family]]
    return [face for face in chosen if "Mono" in face.path] if mono else chosen


def load_font(face: Face, size: float) -> ImageFont.FreeTypeFont:
    """``face`` at ``size`` px; a clear error naming the apt package when the file is missing (the sets
    must not fall back to another font silently: the split's families would no longer be what they say)."""
    path = FONT_ROOT / face.path
    if not path.exists():
        raise MissingFont(f"font {path} is missing: the printed benchmark sets need Debian's {face.package} "
                          f"(apt-get install {face.package}; .ci/setup --test installs it)")
    return cached_font(str(path), max(6, int(round(size))))


@lru_cache(maxsize=512)
def cached_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def text_mask(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    """The text's ink as alpha (0-1), cut to its box with a pixel round it."""
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    ImageDraw.Draw(image).text((1 - left, 1 - top), text, fill=255, font=font)
    return np.asarray(image, np.float32) / 255.0


# --- numbers as printed ------------------------------------------------------------------------------

def some_digits(rng: np.random.Generator, count: int, lead_zero: bool = False) -> str:
    """``count`` random digits; the first not a 0 unless ``lead_zero`` (a code, cents, a zero-padded field)."""
    first = str(rng.integers(0 if lead_zero or count == 1 else 1, 10))
    return first + "".join(str(d) for d in rng.integers(0, 10, count - 1))


def grouped(whole: str, rng: np.random.Generator) -> str:
    """A whole number as printed: over three digits, grouped in thousands by commas at times ("3,450")."""
    if len(whole) <= 3 or rng.random() < 0.5:
        return whole
    head = len(whole) % 3 or 3
    return ",".join([whole[:head]] + [whole[i:i + 3] for i in range(head, len(whole), 3)])


def price(rng: np.random.Generator) -> str:
    """A price: "0.99", "12.99", "1,299.00"."""
    whole = "0" if rng.random() < 0.1 else some_digits(rng, int(rng.integers(1, 5)))
    return f"{grouped(whole, rng)}.{some_digits(rng, 2, lead_zero=True)}"


def count(rng: np.random.Generator) -> str:
    """A quantity, weight or reading of 1-7 digits, grouped at times."""
    return grouped(some_digits(rng, int(rng.integers(1, 8))), rng)


def date(rng: np.random.Generator) -> str:
    """A date as printed: "07/24", "12/05/2024", "24.11.26"."""
    day, month, year = rng.integers(1, 29), rng.integers(1, 13), rng.integers(1990, 2031)
    form = int(rng.integers(4))
    if form == 0:
        return f"{month:02d}/{year % 100:02d}"
    return (f"{day:02d}/{month:02d}/{year}" if form == 1 else f"{day:02d}.{month:02d}.{year % 100:02d}"
            if form == 2 else f"{month:d}/{day:d}/{year % 100:02d}")


def clock(rng: np.random.Generator) -> str:
    """A time: "12:45", "08:30:15"."""
    text = f"{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}"
    return text + (f":{rng.integers(0, 60):02d}" if rng.random() < 0.25 else "")


def negative(rng: np.random.Generator) -> str:
    """A reading below zero: "-5", "-12.5"."""
    text = "-" + some_digits(rng, int(rng.integers(1, 3)))
    return text + (f".{rng.integers(0, 10)}" if rng.random() < 0.4 else "")


def code(rng: np.random.Generator) -> str:
    """An order, invoice or account number of 4-10 digits, leading zeros kept."""
    return some_digits(rng, int(rng.integers(4, 11)), lead_zero=True)


NUMBERS = {"price": price, "count": count, "date": date, "clock": clock, "negative": negative, "code": code}


def digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


# --- printed things ----------------------------------------------------------------------------------

PRODUCTS = ("Apples", "Bananas", "Coffee", "Bread", "Cheese", "Tomatoes", "Butter", "Yogurt", "Rice", "Pasta",
            "Olive oil", "Chicken", "Salmon", "Lemons", "Green tea", "Shampoo", "Batteries")
TAG_NOTES = ("per kg", "each", "per pack", "SALE", "NEW", "Offer", "Special", "EUR", "USD")
RECEIPT_WORDS = ("CASH", "VISA", "THANK YOU", "SUBTOTAL", "MARKET", "CHANGE DUE", "CARD", "WELCOME", "STORE",
                 "PAID", "SALE")
RECEIPT_LABELS = {"price": ("TOTAL", "AMOUNT", "CASH", "CHANGE", "BALANCE"), "date": ("DATE",), "clock": ("TIME",),
                  "count": ("ITEMS", "QTY", "POINTS"), "code": ("TRANS", "AUTH", "REF")}
SCREEN_WORDS = ("TEMP", "SPEED", "TIME", "TOTAL", "LEVEL", "OUT", "POWER", "READY", "PRICE", "WEIGHT")
FORM_LABELS = {"code": ("Invoice", "Order", "Account", "Customer", "Ref"), "date": ("Date", "Issued", "Due"),
               "count": ("Qty", "Room", "Seat", "Page", "Amount")}
Row = list[tuple[np.ndarray, np.ndarray]]  # a row of text: (alpha, RGB colour) pieces, left to right


def compose(rows: list[Row], background: np.ndarray, align: str, pad: float, spacing: float) -> np.ndarray:
    """Rows of pieces stacked on a card of ``background`` colour (float RGB), aligned left, centre or right,
    ``pad`` px round them and ``spacing`` px between rows; pieces of a row a space apart."""
    sizes = [(sum(m.shape[1] for m, _ in row) + spacing * (len(row) - 1), max(m.shape[0] for m, _ in row))
             for row in rows]
    width, height = int(max(w for w, _ in sizes) + 2 * pad), int(sum(h for _, h in sizes) + spacing * (len(rows) - 1) + 2 * pad)
    card, y = np.empty((height, width, 3), np.float32), pad
    card[:] = background
    for row, (row_w, row_h) in zip(rows, sizes):
        x = pad + {"left": 0, "centre": (width - 2 * pad - row_w) / 2, "right": width - 2 * pad - row_w}[align]
        for mask, colour in row:
            paint(card, mask, colour, int(x), int(y + row_h - mask.shape[0]))
            x += mask.shape[1] + spacing
        y += row_h + spacing
    return card


def paint(card: np.ndarray, mask: np.ndarray, colour: np.ndarray, x: int, y: int) -> None:
    """Lay ``colour`` on ``card`` where the alpha ``mask`` (placed at x, y) says, clipped to the card."""
    h, w = min(mask.shape[0], card.shape[0] - y), min(mask.shape[1], card.shape[1] - x)
    alpha = mask[:h, :w, None]
    card[y:y + h, x:x + w] = card[y:y + h, x:x + w] * (1 - alpha) + colour * alpha


def grey(level: float) -> np.ndarray:
    return np.full(3, level, np.float32)


def shelf_tag(rng: np.random.Generator, split: str) -> tuple[np.ndarray, float, str]:
    """A shelf tag or price label: a product's name, the price large and bold, at times a note."""
    number = price(rng) if rng.random() < 0.75 else count(rng)
    size = rng.uniform(60, 110)
    face = pick(rng, [f for f in split_faces(split) if "Bold" in f.path or "Demi" in f.path])
    paper, ink = pick(rng, ((grey(245), grey(20)), (np.float32([250, 222, 70]), grey(15)),
                            (np.float32([200, 30, 40]), grey(250)), (np.float32([245, 150, 40]), grey(10))))
    big = text_mask(load_font(face, size), number)
    rows = [[(text_mask(load_font(pick(rng, split_faces(split)), size * 0.4), pick(rng, PRODUCTS)), ink)], [(big, ink)]]
    if rng.random() < 0.5:
        rows.append([(text_mask(load_font(face, size * 0.3), pick(rng, TAG_NOTES)), ink)])
    return compose(rows, paper, pick(rng, ("left", "centre")), size * 0.3, size * 0.25), big.shape[0], number


def receipt(rng: np.random.Generator, split: str) -> tuple[np.ndarray, float, str]:
    """A receipt's lines in a monospaced face, the number right of its label: laser, thermal or dot-matrix."""
    kind = pick(rng, list(RECEIPT_LABELS))
    number, style = NUMBERS[kind](rng), pick(rng, ("laser", "thermal", "dot-matrix"))
    face, size = pick(rng, split_faces(split, mono=True)), rng.uniform(28, 48)
    line = pick(rng, RECEIPT_LABELS[kind]) + " " * int(rng.integers(2, 9))
    texts = [pick(rng, RECEIPT_WORDS) for _ in range(int(rng.integers(1, 3)))] + [line + number]
    texts += [pick(rng, RECEIPT_WORDS) for _ in range(int(rng.integers(0, 3)))]
    ink = grey(rng.uniform(90, 150)) if style == "thermal" else grey(rng.uniform(15, 60))
    masks = [printed_line(rng, style, face, size, text) for text in texts]
    paper = grey(rng.uniform(230, 250)) * np.float32([1.0, 1.0, rng.uniform(0.94, 1.0)])
    card = compose([[(m, ink)] for m in masks], paper, "left", size * 0.8, size * 0.35)
    return card, masks[texts.index(line + number)].shape[0], number


def printed_line(rng: np.random.Generator, style: str, face: Face, size: float, text: str) -> np.ndarray:
    """One line of a receipt as its printer prints it."""
    if style == "dot-matrix":
        return dot_matrix(rng, face, size, text)
    mask = text_mask(load_font(face, size), text)
    return thermal_fade(rng, mask) if style == "thermal" else mask


def dot_matrix(rng: np.random.Generator, face: Face, size: float, text: str) -> np.ndarray:
    """Dot-matrix print: the text set about 9 dots tall, each dot a round pin's mark ``size``/9 px apart."""
    small = text_mask(load_font(face, 11), text) > 0.45
    pitch = max(3, int(round(size / 9)))
    yy, xx = np.mgrid[0:pitch, 0:pitch] - (pitch - 1) / 2
    dot = (np.hypot(yy, xx) <= pitch * rng.uniform(0.38, 0.5)).astype(np.float32)
    return np.kron(small.astype(np.float32), dot) * rng.uniform(0.7, 1.0, (small.shape[0] * pitch, 1)).astype(np.float32)


def thermal_fade(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """Thermal print: streaks where the head runs cooler, and a speckle of missed dots."""
    streaks = cv2.resize(rng.uniform(0.45, 1.0, (1, 12)).astype(np.float32), (mask.shape[1], mask.shape[0]),
                         interpolation=cv2.INTER_LINEAR)
    speckle = (rng.random(mask.shape) > rng.uniform(0.02, 0.12)).astype(np.float32)
    return mask * streaks * speckle


def screen(rng: np.random.Generator, split: str) -> tuple[np.ndarray, float, str]:
    """A screen: light digits on a dark panel (a dashboard, a till's customer display), glowing, a word
    above, the panel's pixel grid over all."""
    number = NUMBERS[pick(rng, ("clock", "negative", "price", "count"))](rng)
    size = rng.uniform(60, 110)
    face = pick(rng, split_faces(split, mono=bool(rng.random() < 0.5)))
    light = pick(rng, (np.float32([235, 240, 245]), np.float32([90, 250, 120]), np.float32([255, 180, 40]),
                       np.float32([110, 220, 255])))
    big = text_mask(load_font(face, size), number)
    rows = [[(text_mask(load_font(face, size * 0.35), pick(rng, SCREEN_WORDS)), light * 0.8)], [(big, light)]]
    panel = np.float32([12, 14, 20]) + rng.uniform(0, 25)
    card = compose(rows, panel, pick(rng, ("left", "centre", "right")), size * 0.4, size * 0.3)
    return pixel_grid(rng, glow(rng, card, panel)), big.shape[0], number


def glow(rng: np.random.Generator, card: np.ndarray, panel: np.ndarray) -> np.ndarray:
    """Light spreading from the bright parts of a dark panel (a screen's or an LED's bloom)."""
    light = np.clip(card - panel, 0, None)
    return card + cv2.GaussianBlur(light, (0, 0), rng.uniform(2.0, 6.0)) * rng.uniform(0.3, 0.8)


def pixel_grid(rng: np.random.Generator, card: np.ndarray) -> np.ndarray:
    """Dark lines between a screen's pixels, every 3-5 px of the card."""
    step = int(rng.integers(3, 6))
    grid = np.ones(card.shape[:2], np.float32)
    grid[::step, :] *= 0.7
    grid[:, ::step] *= 0.7
    return card * grid[:, :, None]


def form_label(rng: np.random.Generator, split: str) -> tuple[np.ndarray, float, str]:
    """A printed form's field: its caption, then the number (at times in a printed box), black on paper."""
    kind = pick(rng, list(FORM_LABELS))
    number, size = NUMBERS[kind](rng), rng.uniform(36, 70)
    caption = text_mask(load_font(pick(rng, split_faces(split)), size * rng.uniform(0.6, 1.0)), pick(rng, FORM_LABELS[kind]))
    value = text_mask(load_font(pick(rng, split_faces(split)), size), number)
    number_height = value.shape[0]
    if rng.random() < 0.3:
        margin = int(size * 0.35)
        value = np.pad(value, margin)
        cv2.rectangle(value, (1, 1), (value.shape[1] - 2, value.shape[0] - 2), 1.0, max(1, int(size / 25)))
    rows = [[(caption, grey(40)), (value, grey(rng.uniform(0, 40)))]]
    if rng.random() < 0.4:  # the caption above the number
        rows = [[rows[0][0]], [rows[0][1]]]
    return compose(rows, camera.paper_colour(rng).astype(np.float32), "left", size * 0.5, size * 0.5), number_height, number


PRINTED_KINDS = (shelf_tag, receipt, screen, form_label)


def render_printed(rng: np.random.Generator, split: str) -> tuple[bytes, list[str]]:
    """A printed number photographed: a tag, a receipt, a screen or a form label."""
    card, number_height, number = pick(rng, PRINTED_KINDS)(rng, split)
    return photograph(rng, card, number_height), [number]


# --- the photograph ----------------------------------------------------------------------------------

def photograph(rng: np.random.Generator, card: np.ndarray, number_height: float) -> bytes:
    """The card (float RGB) on a desk or shelf, scaled so the number is as tall as ``camera``'s photo or
    webcam puts digits, turned and seen off-axis, lit unevenly, at times with glare, blurred, noisy, JPEG."""
    shot = camera.PHOTO if rng.random() < 0.6 else camera.WEBCAM
    width, height = pick(rng, shot.frames)
    scale = min(rng.uniform(*shot.digit_height) / number_height, 0.85 * width / card.shape[1],
                0.85 * height / card.shape[0])
    card = cv2.resize(card, (max(1, int(card.shape[1] * scale)), max(1, int(card.shape[0] * scale))),
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    x, y = rng.uniform(0.05, 0.95) * (width - card.shape[1]), rng.uniform(0.05, 0.95) * (height - card.shape[0])
    layer, alpha = np.zeros((height, width, 3), np.float32), np.zeros((height, width), np.float32)
    layer[int(y):int(y) + card.shape[0], int(x):int(x) + card.shape[1]] = card
    alpha[int(y):int(y) + card.shape[0], int(x):int(x) + card.shape[1]] = 1.0
    sheet = camera.Sheet((x, y, card.shape[1], card.shape[0]), camera.paper_colour(rng), ruled=False)
    turn = camera.keep_in_frame(camera.tilt(rng, sheet, strength=0.06, max_angle=7.0), alpha, width, height)
    layer, alpha = (cv2.warpPerspective(a, turn, (width, height), flags=cv2.INTER_LINEAR) for a in (layer, alpha))
    frame = camera.desk(rng, height, width) * (1 - alpha[:, :, None]) + layer
    frame = frame * camera.lighting(rng, height, width, shot.vignette)[:, :, None] + glare(rng, height, width)
    return camera.jpeg(rng, camera.camera_faults(rng, frame.astype(np.float32), shot), shot.jpeg_quality)


def glare(rng: np.random.Generator, height: int, width: int) -> np.ndarray | float:
    """At times a soft reflection of a lamp or a window: light added, strongest at one spot."""
    if rng.random() < 0.7:
        return 0.0
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.1, 0.4) * width
    return (rng.uniform(25, 70) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r)))[:, :, None]


# --- seven-segment displays --------------------------------------------------------------------------

# The segments each character lights: a top, b top right, c bottom right, d bottom, e bottom left, f top
# left, g middle. "tailed" 6 and 9 have their top and bottom bars; "plain" displays leave them off.
SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg",
            "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g", " ": ""}
PLAIN = {**SEGMENTS, "6": "cdefg", "9": "abcfg"}
SEGMENT_NAMES = "abcdefg"


class Digit(NamedTuple):
    """A cell's shape, in px: width and height of the segments' frame, bar thickness, gap at the bar ends,
    and slant (x moved right by ``slant`` x height above the baseline)."""

    width: float
    height: float
    bar: float
    gap: float
    slant: float


def segment_polygons(digit: Digit) -> dict[str, np.ndarray]:
    """Each segment's hexagon (float x, y, the cell's top left at 0, 0), slanted."""
    w, h, t, g = digit.width, digit.height, digit.bar, digit.gap
    left, right, top, mid, bottom = t / 2, w - t / 2, t / 2, h / 2, h - t / 2
    across = lambda y, x0, x1: [(x0, y), (x0 + t / 2, y - t / 2), (x1 - t / 2, y - t / 2), (x1, y),  # noqa: E731
                                (x1 - t / 2, y + t / 2), (x0 + t / 2, y + t / 2)]
    down = lambda x, y0, y1: [(x, y0), (x + t / 2, y0 + t / 2), (x + t / 2, y1 - t / 2), (x, y1),  # noqa: E731
                              (x - t / 2, y1 - t / 2), (x - t / 2, y0 + t / 2)]
    shapes = {"a": across(top, left + g, right - g), "b": down(right, top + g, mid - g), "c": down(right, mid + g, bottom - g),
              "d": across(bottom, left + g, right - g), "e": down(left, mid + g, bottom - g),
              "f": down(left, top + g, mid - g), "g": across(mid, left + g, right - g)}
    return {name: slanted(np.float32(points), digit) for name, points in shapes.items()}


def slanted(points: np.ndarray, digit: Digit) -> np.ndarray:
    return points + np.stack([digit.slant * (digit.height - points[:, 1]), np.zeros(len(points))], 1).astype(np.float32)


def fill(layer: np.ndarray, points: np.ndarray, x: float, y: float) -> None:
    """Fill a polygon moved by (x, y) into an alpha layer, anti-aliased at 1/16 px."""
    cv2.fillPoly(layer, [np.rint((points + np.float32([x, y])) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)


def draw_cell(on: np.ndarray, off: np.ndarray, char: str, digit: Digit, x: float, y: float,
              plain: bool = False) -> None:
    """One cell: the segments ``char`` lights into ``on``, the others into ``off``."""
    lit = (PLAIN if plain else SEGMENTS)[char]
    for name, points in segment_polygons(digit).items():
        fill(on if name in lit else off, points, x, y)


def dot(digit: Digit, x: float, y: float) -> np.ndarray:
    """A square dot of the bar's size centred at (x, y) of a cell (y from its top), slanted as it is."""
    r = digit.bar * 0.55
    return slanted(np.float32([(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]), digit)


def cells_of(text: str) -> tuple[list[str], list[bool], int | None]:
    """A display's reading as cells: the characters, whether each has its decimal point lit, and the cell
    after which a clock's colon stands (None if no colon)."""
    chars, points, colon = [], [], None
    for c in text:
        if c == ".":
            points[-1] = True
        elif c == ":":
            colon = len(chars)
        else:
            chars.append(c)
            points.append(False)
    return chars, points, colon


def display_reading(rng: np.random.Generator) -> str:
    """What a display shows: a clock ("12:45"), a meter or scale ("23.5", "-0.25", "1234"), a counter with
    its zeros ("004512") or a calculator's result, 1-8 digits."""
    kind = int(rng.integers(5))
    if kind == 0:
        return f"{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}"
    if kind == 1:
        whole = some_digits(rng, int(rng.integers(1, 5)))
        return ("-" if rng.random() < 0.25 else "") + whole + "." + some_digits(rng, int(rng.integers(1, 4)), True)
    if kind == 2:
        return some_digits(rng, int(rng.integers(4, 9)), lead_zero=True)
    return ("-" if rng.random() < 0.15 else "") + some_digits(rng, int(rng.integers(1, 9)))


def display_layers(rng: np.random.Generator, text: str, digit: Digit, blanks: int, plain: bool,
                   points_shown: bool) -> tuple[np.ndarray, np.ndarray]:
    """The display's lit and unlit segments (alpha layers): ``blanks`` unlit cells, then ``text``'s cells;
    every cell's decimal point drawn (unlit) where ``points_shown``, a clock's colon between its cells."""
    chars, points, colon = cells_of(text)
    chars, points = [" "] * blanks + chars, [False] * blanks + points
    pitch, margin = digit.width * rng.uniform(1.3, 1.55), digit.height * 0.25
    room = 0.0 if colon is None else digit.width * 0.4  # a clock leaves room for its colon
    size = (int(2 * margin + pitch * len(chars) + room + digit.slant * digit.height), int(2 * margin + digit.height))
    on, off = np.zeros(size[::-1], np.float32), np.zeros(size[::-1], np.float32)
    for i, (char, point) in enumerate(zip(chars, points)):
        x = margin + i * pitch + (room if colon is not None and i >= colon + blanks else 0.0)
        draw_cell(on, off, char, digit, x, margin, plain)
        if point or points_shown:
            fill(on if point else off, dot(digit, digit.width + (pitch - digit.width) / 2, digit.height - digit.bar / 2), x, margin)
    if colon is not None:
        x = margin + (colon + blanks) * pitch - (pitch - digit.width) / 2 + room / 2
        for share in (0.3, 0.7):
            fill(on, dot(digit, 0, digit.height * share), x, margin)
    return on, off


def lcd_colours(rng: np.random.Generator, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """A reflective LCD: dark segments on grey-green glass, a faint shadow under them, the unlit ones just seen."""
    glass = np.float32([rng.uniform(150, 190), rng.uniform(165, 200), rng.uniform(140, 175)])
    card = np.empty(on.shape + (3,), np.float32)
    card[:] = glass
    shift = max(1, int(on.shape[0] * 0.02))
    paint(card, np.roll(on, (shift, shift), (0, 1)) * 0.25, grey(60), 0, 0)
    paint(card, off * rng.uniform(0.06, 0.2), grey(40), 0, 0)
    paint(card, on * rng.uniform(0.8, 1.0), grey(rng.uniform(20, 50)), 0, 0)
    return card


def led_colours(rng: np.random.Generator, on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """An LED or VFD display: light segments behind a dark, tinted window, glowing, the unlit ones faint."""
    light = pick(rng, (np.float32([255, 45, 35]), np.float32([70, 255, 90]), np.float32([255, 170, 30]),
                       np.float32([120, 255, 225]), np.float32([80, 170, 255])))
    window = light * rng.uniform(0.03, 0.1) + rng.uniform(8, 25)
    card = np.empty(on.shape + (3,), np.float32)
    card[:] = window
    paint(card, off * rng.uniform(0.0, 0.15), light, 0, 0)
    paint(card, on, light, 0, 0)
    return glow(rng, card, window)


DISPLAY_UNITS = ("kg", "kWh", "V", "mA", "Hz", "lb", "km", "min", "PSI")
CASES = (grey(30), grey(60), grey(200), np.float32([235, 200, 40]), np.float32([210, 215, 220]))


def device(rng: np.random.Generator, window: np.ndarray, split: str) -> np.ndarray:
    """The display window set in its device's case, at times a unit printed beside it."""
    case, pad = pick(rng, CASES), int(window.shape[0] * rng.uniform(0.15, 0.5))
    row = [(np.ones(window.shape[:2], np.float32), grey(0))]
    if rng.random() < 0.4:
        unit = text_mask(load_font(pick(rng, split_faces(split)), window.shape[0] * 0.3), pick(rng, DISPLAY_UNITS))
        row.append((unit, grey(230) if case.mean() < 128 else grey(25)))
    card = compose([row], case, "left", pad, pad)
    card[pad:pad + window.shape[0], pad:pad + window.shape[1]] = window
    return card


def render_seven_segment(rng: np.random.Generator, split: str) -> tuple[bytes, list[str]]:
    """A seven-segment display photographed: an LCD or an LED/VFD, upright or slanted, in its case."""
    text = display_reading(rng)
    height = rng.uniform(60, 110)
    digit = Digit(height * rng.uniform(0.45, 0.6), height, height * rng.uniform(0.09, 0.16),
                  height * rng.uniform(0.005, 0.025), rng.uniform(0.06, 0.18) if rng.random() < 0.5 else 0.0)
    lcd = bool(rng.random() < 0.55)
    on, off = display_layers(rng, text, digit, int(rng.integers(0, 3)), bool(rng.random() < 0.25),
                             lcd and rng.random() < 0.5)
    window = lcd_colours(rng, on, off) if lcd else led_colours(rng, on, off)
    return photograph(rng, device(rng, window, split), height), [text]


def source(name: str, split: str) -> dict:
    """Where a printed set's images come from, for the results file."""
    return {"split": split, "source": f"{name}: drawn by benchmarks.scenes.printed, text in the {split} font "
                                      f"families {', '.join(FONT_SPLITS[split])}", "items": 0}


# appended, never reordered: a set's place seeds its images (benchmarks.reader.ALL_SETS)
PRINTED_SCENES = {"printed": render_printed, "seven-segment": render_seven_segment}
TARGETS = {"printed": 0.98, "seven-segment": 0.95}  # issue 37
