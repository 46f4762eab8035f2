"""The reader benchmark's sets of numbers written on paper (issue 35), drawn by the benchmark's own code:

- ``register`` and ``cheques``: real crops, sent as scanned: the row number of a parish register's cell, and a
  cheque's courtesy amount (``paperdata.load_crops``; held out by register and by cheque).
- ``swiss``, ``semeion``: one scanned digit an image (``real.render_scan``); ``pendigits``: one digit of a
  held-out pendigits writer, on the page's canvas or as ink on a photographed sheet.
- ``cells``: a lone digit or a short number (1-3 digits) of one held-out UNIPEN writer in a table cell or a
  form box, the borders in view, in faint pencil or thin ink, scanned or photographed close.
- ``amounts``: an amount of one writer's digits with a run of zeros ("3200", "17000", "500"), crowded or
  touching, in a cheque's amount box beside a printed currency word.
- ``long-phone``: 9-13 digits of one writer photographed by a phone, spaced wide or crowded.

``long-phone`` and ``cheques`` are scored by their digits alone (``DIGITS_SCORED``), the others exactly.

Each ``render_*(rng, item)`` returns ``(image_bytes, [truth])``. Numbers are laid out with ``written``'s
layouts and inked with ``ink``; cells, boxes, scanner and camera are drawn here.
"""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from benchmarks.scenes import camera, ink, real
from benchmarks.scenes.base import place
from benchmarks.scenes.finding import font
from benchmarks.scenes.written import (WrittenNumber, digit_strokes, digits_by_writer, flat, number_sample,
                                       spaced_layout, touching_layout)
from training.sources import paperdata
from training.sources.realdata import PenSample, load_unipen

PAPER_SEED = 3507  # which digits make which number: fixed per set and split
CELL_LENGTHS = (1, 3)
LONG_LENGTHS = (9, 13)
AMOUNT_PATTERNS = ("#0", "#00", "#000", "#0000", "##0", "##00", "##000", "#500", "#250", "##50", "#0#00", "#00000")
MOST_NUMBERS_A_WRITER = 12  # so that a prolific writer does not make up most of a set
SCANNER = real.SCANNER
PHONE = camera.PHOTO


# --- the items -------------------------------------------------------------------------------------

def pick_digits(rng: np.random.Generator, pool: dict[str, list[PenSample]], text: str) -> tuple[PenSample, ...] | None:
    """One sample of each digit of ``text`` from a writer's ``pool`` (by label), or None if they lack one."""
    if any(not pool.get(c) for c in text):
        return None
    return tuple(pool[c][int(rng.integers(len(pool[c])))] for c in text)


def numbers_of(rng: np.random.Generator, name: str, digits: list[PenSample]) -> list[tuple[PenSample, ...]]:
    """A writer's numbers for set ``name``: texts drawn for the set, written with the writer's own digits."""
    pool: dict[str, list[PenSample]] = {}
    for digit in digits:
        pool.setdefault(digit.label, []).append(digit)
    numbers = []
    for _ in range(MOST_NUMBERS_A_WRITER):
        chosen = pick_digits(rng, pool, number_text(rng, name))
        if chosen:
            numbers.append(chosen)
    return numbers


def number_text(rng: np.random.Generator, name: str) -> str:
    """The digits a set's number has: a short number, an amount with its zeros, or a long one."""
    if name == "amounts":
        pattern = AMOUNT_PATTERNS[int(rng.integers(len(AMOUNT_PATTERNS)))]
        return "".join(str(rng.integers(1, 10)) if c == "#" else c for c in pattern)
    low, high = CELL_LENGTHS if name == "cells" else LONG_LENGTHS
    return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(low, high + 1))))


def written_items(name: str, split: str) -> list[WrittenNumber]:
    """Every held-out UNIPEN writer's numbers for ``cells``, ``amounts`` or ``long-phone``."""
    rng = np.random.default_rng([PAPER_SEED, list(COMPOSED).index(name), ("test", "validation").index(split)])
    by_writer = digits_by_writer(load_unipen("digits", split))
    return [WrittenNumber(writer, number, True) for writer, digits in sorted(by_writer.items())
            for number in numbers_of(rng, name, digits)]


def paper_items(name: str, split: str) -> list:
    """A paper set's held-out items."""
    if name in ("register", "cheques"):
        return paperdata.load_crops(CROP_SOURCES[name], split)
    if name in ("swiss", "semeion"):
        digits = paperdata.load_scanned(SCAN_SOURCES[name], split)
        return [real.ScanDigit(image, int(label)) for image, label in zip(digits.images, digits.labels)]
    if name == "pendigits":
        return paperdata.load_pen("pendigits", split)
    return written_items(name, split)


# --- real crops and single digits ------------------------------------------------------------------

def render_crop(rng: np.random.Generator, crop: paperdata.Crop) -> tuple[bytes, list[str]]:
    """A real crop as its scan: grey PNG, exactly the source's pixels."""
    return cv2.imencode(".png", crop.image)[1].tobytes(), [crop.label]


def render_pen_digit(rng: np.random.Generator, sample: PenSample) -> tuple[bytes, list[str]]:
    """A pen digit on the page's canvas or as ink on a photographed sheet, even odds."""
    render = real.render_pen_paper if rng.random() < 0.5 else real.render_pen_canvas
    return render(rng, sample)


# --- cells and form boxes ----------------------------------------------------------------------------

def pencil_or_pen(rng: np.random.Generator, sample: PenSample, height: int) -> tuple[np.ndarray, float]:
    """The number's ink (alpha) ``height`` px tall and its darkness: a faint grainy pencil or a thin pen."""
    if rng.random() < 0.5:  # pencil: grey, grainy, light pressure
        alpha = ink.paper_ink(rng, sample, height, rng.uniform(0.04, 0.08), rng.uniform(0.1, 0.4), rng.uniform(0.3, 0.6))
        return alpha, rng.uniform(0.35, 0.7)
    alpha = ink.paper_ink(rng, sample, height, rng.uniform(0.03, 0.06), rng.uniform(0.0, 0.3), rng.uniform(0.0, 0.3))
    return alpha, rng.uniform(0.7, 1.0)


def cell_label(rng: np.random.Generator, page: Image.Image, height: int) -> None:
    """A form box's printed caption in its top left corner (letters only)."""
    word = ("No.", "Qty", "Ref", "Nr", "Amount", "Box", "Room", "Age", "Code")[int(rng.integers(9))]
    ImageDraw.Draw(page).text((3, 2), word, fill=int(rng.uniform(40, 110)), font=font("DejaVuSans.ttf", 0.28 * height))


def cell_borders(rng: np.random.Generator, page: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """A table cell's ruled borders (and its neighbours' lines running on), or a form box's frame."""
    x0, y0, x1, y1 = box
    shade, width = rng.uniform(20, 120), int(rng.integers(1, 4))
    for x in (x0, x1):
        cv2.line(page, (x, 0), (x, page.shape[0]), shade, width)
    for y in (y0, y1):
        cv2.line(page, (0, y), (page.shape[1], y), shade, width)


def render_cell(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    """The number in a cell, the cell's borders in view, scanned (PNG) or photographed close (JPEG)."""
    sample = number_sample(number, flat(spaced_layout(rng, digit_strokes(number))))
    height = int(rng.uniform(18, 56))
    alpha, dark = pencil_or_pen(rng, sample, height)
    pad_x, pad_y = (int(rng.uniform(*share) * height) for share in ((0.3, 1.6), (0.25, 0.8)))
    margin = int(rng.uniform(0.05, 0.5) * height)  # the crop reaches past the borders
    w, h = alpha.shape[1] + 2 * (pad_x + margin), alpha.shape[0] + 2 * (pad_y + margin) + (height // 3)
    page = np.full((h, w), rng.uniform(205, 250), np.float32)
    top = h - margin - pad_y - alpha.shape[0]
    cell_borders(rng, page, (margin, margin, w - margin - 1, h - margin - 1))
    if rng.random() < 0.4:
        labelled = Image.fromarray(page.astype(np.uint8))
        cell_label(rng, labelled, height)
        page = np.asarray(labelled, np.float32)
    left = margin + pad_x + int(rng.uniform(-0.5, 0.5) * pad_x)
    region = page[top: top + alpha.shape[0], left: left + alpha.shape[1]]
    region -= alpha[: region.shape[0], : region.shape[1]] * dark * (region - 25)
    return taken(rng, page, float(region.min())), [number.label]


def taken(rng: np.random.Generator, page: np.ndarray, ink_level: float) -> bytes:
    """A grey page scanned (slight blur and noise, at times thresholded as a fax-like scanner does: PNG) or
    photographed close (colour cast, blur, noise, JPEG). The threshold is set between the number's darkest ink
    (``ink_level``) and the paper, as a scanner's automatic level is: a fixed level of 140-190 thresholded faint
    pencil away, and the picture held no number at all (2 of 100 validation cells, found on 2026-12-08)."""
    if rng.random() < 0.5:
        page = cv2.GaussianBlur(page, (0, 0), rng.uniform(0.3, 0.8)) + rng.normal(0, 2.0, page.shape)
        if rng.random() < 0.3:
            paper = float(np.median(page))
            page = np.where(page < ink_level + rng.uniform(0.4, 0.7) * (paper - ink_level), 20.0, 245.0)
        return cv2.imencode(".png", np.clip(page, 0, 255).astype(np.uint8))[1].tobytes()
    colour = np.stack([page * rng.uniform(0.95, 1.0), page * rng.uniform(0.93, 1.0), page * rng.uniform(0.85, 0.97)], -1)
    return camera.jpeg(rng, camera.camera_faults(rng, colour.astype(np.float32), PHONE), PHONE.jpeg_quality)


# --- amounts and long numbers ------------------------------------------------------------------------

def render_amount(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    """An amount written crowded or touching in a cheque's amount box, a printed currency word before it."""
    layout = touching_layout if rng.random() < 0.5 else spaced_layout
    sample = number_sample(number, flat(layout(rng, digit_strokes(number))))
    height = int(rng.uniform(24, 60))
    alpha = ink.paper_ink(rng, sample, height, rng.uniform(0.05, 0.1), rng.uniform(0.1, 0.4), rng.uniform(0.0, 0.3))
    word = ("EUR", "CHF", "USD", "Euro", "Pesos")[int(rng.integers(5))]
    label_w = int(0.45 * height * len(word)) + 10
    w, h = label_w + alpha.shape[1] + int(rng.uniform(0.6, 1.5) * height), alpha.shape[0] + int(rng.uniform(0.6, 1.2) * height)
    tint = np.array([rng.uniform(215, 245), rng.uniform(225, 250), rng.uniform(215, 245)], np.float32)
    page = Image.fromarray(np.broadcast_to(tint, (h, w, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(page)
    draw.text((4, h // 2 - height // 3), word, fill=(40, 40, 60), font=font("DejaVuSans-Bold.ttf", 0.5 * height))
    draw.rectangle((label_w - 4, 3, w - 4, h - 4), outline=(70, 70, 90), width=int(rng.integers(1, 3)))
    surface = np.asarray(page, np.float32).copy()
    layer = np.zeros((h, w), np.float32)
    x, y = label_w + int(rng.uniform(0.1, 0.4) * height), (h - alpha.shape[0]) // 2 + int(rng.uniform(-0.1, 0.1) * height)
    place(layer, alpha, x, y)
    return taken_colour(rng, camera.ink_on(rng, surface, layer)), [number.label]


def taken_colour(rng: np.random.Generator, surface: np.ndarray) -> bytes:
    """A colour crop scanned (PNG) or photographed close (JPEG)."""
    if rng.random() < 0.5:
        return cv2.imencode(".png", cv2.cvtColor(camera.camera_faults(rng, surface, SCANNER), cv2.COLOR_RGB2BGR))[1].tobytes()
    return camera.jpeg(rng, camera.camera_faults(rng, surface, PHONE), PHONE.jpeg_quality)


WIDE_GAP = (0.5, 1.0)  # a long number spaced wide: digit box to box, in digit heights


def wide_layout(rng: np.random.Generator, digits: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Digits spaced wide apart, each its own mark ("1 8 8 1 9 2 5 0 0")."""
    laid = spaced_layout(rng, digits)
    return [[stroke + np.float32([k * rng.uniform(*WIDE_GAP), 0.0]) for stroke in strokes]
            for k, strokes in enumerate(laid)]


def render_long_phone(rng: np.random.Generator, number: WrittenNumber) -> tuple[bytes, list[str]]:
    """9-13 digits on a sheet, spaced wide or crowded, photographed by a phone (1280x720 or 640x480)."""
    layout = (wide_layout, touching_layout, spaced_layout)[int(rng.integers(3))]
    sample = number_sample(number, flat(layout(rng, digit_strokes(number))))
    return real.render_pen_paper(rng, sample)[0], [number.label]


CROP_SOURCES = {"register": "register-numbers", "cheques": "cheque-amounts"}
SCAN_SOURCES = {"swiss": "swiss-numbers", "semeion": "semeion"}
COMPOSED = {"cells": render_cell, "amounts": render_amount, "long-phone": render_long_phone}
# appended, never reordered: a set's place seeds its images (benchmarks.reader.ALL_SETS)
PAPER_SCENES = {"register": render_crop, "cheques": render_crop, "swiss": real.render_scan,
                "semeion": real.render_scan, "pendigits": render_pen_digit, **COMPOSED}
# read right when the digits are, in order, however grouped: widely spaced digits may be taken for several
# numbers, and the cheques' labels leave out the "." or "," some writers put in an amount
DIGITS_SCORED = ("long-phone", "cheques")
TARGETS = {"register": 0.95, "cheques": 0.93, "cells": 0.97, "amounts": 0.93, "long-phone": 0.93, "swiss": 0.98,
           "semeion": 0.98, "pendigits": 0.98}  # issue 35
