"""The detector's training scenes: every number a person can see, boxed, and nothing else.

Rendered straight at the detector's working scale (``training.core.detector.WORK_SIDE``), with the widest variety
this module can make: sheets of many kinds (plain, ruled, squared, sticky notes, envelopes, receipts, forms
with boxes and printed labels, whiteboards, screens) on many surfaces (wood, cloth, coloured desks, keyboards,
clutter), perspective, curl, shadows, glare, low light, motion blur, defocus, fingers holding the sheet,
several numbers a sheet, printed words and handwritten *words* near them (letters are not digits), and the
drawing pad with a number at any size and place. A share of the scenes hold no number at all.

The ink of numbers is the line model's training ink (``synth.SequenceGenerator``: MNIST train digits, the
UNIPEN train labs, USPS and optdigits train scans, separators). Words are Hershey letters.
The reader benchmark's scenes (``benchmarks/scenes/``) come
from other code with other parameters, so that no figure is tuned to this renderer.

``make_scene(rng, ink)`` -> ``Scene``: a uint8 grey image and the number boxes in it (plus boxes to ignore:
numbers too small or too cut off to ask for).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from training.core.alphabet import TEXT_ALPHABET
from training.scenes import synth
from training.scenes.pen import PEN_SHARE
from training.sources.datasets import Digits

SCENE_SIZES = ((384, 288), (384, 216), (288, 384), (216, 384), (384, 384), (320, 240), (384, 154), (384, 180))
PAD_SIZES = ((384, 154), (384, 180), (300, 150), (360, 240))  # the drawing pad, landscape and phone
MIN_HEIGHT = 7  # px at working scale: a number shorter is not asked for (ignored, neither found nor missed)
KIND_ODDS = {"sheet": 0.55, "pad": 0.2, "board": 0.08, "screen": 0.05, "tight": 0.05, "empty": 0.07}
NO_NUMBER_SHARE = 0.12  # of sheets and boards, this share holds only words, labels and marks
CONFUSABLE_LETTERS = "oOlIiSsZzBgqbGDtT"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
LABELS = ("Name", "Date", "Total", "Room", "Phone", "Ref", "Amount", "Code", "Order", "Qty", "Sign", "Tel", "ID",
          "Price", "From", "To", "No.", "Box", "Lot")
HERSHEY_SCRIPT = (cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
HERSHEY_PRINT = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
                 cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_PLAIN)


@dataclass
class Scene:
    """A grey uint8 image, its numbers' boxes (x, y, w, h, float, working scale) and boxes to ignore."""

    image: np.ndarray
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    ignore: list[tuple[float, float, float, float]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class NumberInk:
    """Numbers as ink alpha: the line model's training strings (MNIST, UNIPEN, scans, separators), drawn clean."""

    def __init__(self, digits: Digits, seed: int = 0, real_fraction: float = 0.5, short_share: float = 0.0):
        config = synth.SynthConfig(min_length=1, max_length=10, realistic=False, heights=(28, 64),
                                   real_fraction=real_fraction, separator_fraction=0.25, real_canvas_fraction=1.0,
                                   alphabet=TEXT_ALPHABET)
        self.generator = synth.SequenceGenerator(digits, config, seed)
        self.short_share = short_share  # numbers of one or two digits, besides those of any length

    def number(self, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        """Float alpha in [0, 1], cropped tight to the ink, and its text."""
        short = self.short_share > 0 and rng.random() < self.short_share
        sample = self.generator.sample(rng, int(rng.integers(1, 3)) if short else None)
        return tight(1.0 - sample.image.astype(np.float32) / 255.0), sample.text


def tight(alpha: np.ndarray, level: float = 0.2) -> np.ndarray:
    ys, xs = np.nonzero(alpha > level)
    return alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else alpha


def scaled(alpha: np.ndarray, height: float) -> np.ndarray:
    """Alpha resized to ``height`` rows, aspect kept; edges sharpened again after an upscale."""
    width = max(1, int(round(alpha.shape[1] * height / alpha.shape[0])))
    height = max(1, int(round(height)))
    grow = height > alpha.shape[0]
    out = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR if grow else cv2.INTER_AREA)
    return np.clip((out - 0.15) / 0.55, 0, 1) if grow else out


# --- words and printed text: ink that is not a number ---------------------------------------------

def a_word(rng: np.random.Generator, letters: str = LETTERS) -> str:
    length = int(rng.integers(1, 9))
    pool = CONFUSABLE_LETTERS if rng.random() < 0.35 else letters
    word = "".join(pool[int(rng.integers(len(pool)))] for _ in range(length))
    return word.lower() if rng.random() < 0.6 else word


def text_ink(rng: np.random.Generator, text: str, height: float, script: bool) -> np.ndarray:
    """Hershey letters as alpha about ``height`` px tall (x-height and caps), slanted a little."""
    font = (HERSHEY_SCRIPT if script else HERSHEY_PRINT)[int(rng.integers(2 if script else 5))]
    scale = 2.0
    thickness = int(rng.integers(2, 6)) if script else int(rng.integers(1, 4))
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    canvas = np.zeros((h + base + 2 * thickness + 8, w + 2 * thickness + 8), np.uint8)
    cv2.putText(canvas, text, (thickness + 4, h + thickness + 4), font, scale, 255, thickness, cv2.LINE_AA)
    alpha = canvas.astype(np.float32) / 255.0
    shear = rng.uniform(-0.3, 0.3)
    matrix = np.float32([[1, shear, max(0.0, -shear) * alpha.shape[0]], [0, 1, 0]])
    alpha = cv2.warpAffine(alpha, matrix, (alpha.shape[1] + int(abs(shear) * alpha.shape[0]) + 1, alpha.shape[0]))
    return scaled(tight(alpha), height * rng.uniform(0.9, 1.3))


def words_line(rng: np.random.Generator, height: float, script: bool) -> np.ndarray:
    """A few words (or one label with a colon) as one alpha."""
    if not script and rng.random() < 0.4:
        text = LABELS[int(rng.integers(len(LABELS)))] + (":" if rng.random() < 0.5 else "")
    else:
        text = " ".join(a_word(rng) for _ in range(int(rng.integers(1, 4))))
    return text_ink(rng, text, height, script)


# --- surfaces --------------------------------------------------------------------------------------

def noise_field(rng: np.random.Generator, height: int, width: int, cells: tuple[int, int]) -> np.ndarray:
    small = rng.normal(0, 1, (max(1, cells[0]), max(1, cells[1]))).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


def wood(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    base = np.array([rng.uniform(90, 190), rng.uniform(60, 130), rng.uniform(30, 90)])
    grain = noise_field(rng, height, width, (height // 3, 3)) * 14 + noise_field(rng, height, width, (5, 8)) * 10
    stripes = np.sin(np.linspace(0, rng.uniform(8, 40), height))[:, None] * rng.uniform(4, 14)
    return base[None, None] + (grain + stripes)[:, :, None]


def cloth(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    base = rng.uniform(20, 230, 3)
    weave = rng.normal(0, rng.uniform(4, 15), (height, width)).astype(np.float32)
    weave = cv2.GaussianBlur(weave, (0, 0), 0.7)
    return base[None, None] + (weave + noise_field(rng, height, width, (4, 6)) * 12)[:, :, None]


def coloured_desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A saturated colour (red, green, blue, yellow, orange, teal, purple, black), a little shaded."""
    hue = rng.uniform(0, 180)
    hsv = np.uint8([[[hue, rng.uniform(120, 255), rng.uniform(40, 240)]]])
    base = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)
    return base[None, None] + (noise_field(rng, height, width, (3, 4)) * 15)[:, :, None]


def keyboard(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Rows of keys with printed letters on them (letters, never digits)."""
    dark = rng.random() < 0.6
    surface = np.full((height, width, 3), rng.uniform(15, 50) if dark else rng.uniform(170, 220), np.uint8)
    key = rng.uniform(0.05, 0.12) * max(height, width)
    key_shade = rng.uniform(40, 80) if dark else rng.uniform(225, 250)
    for y in np.arange(rng.uniform(-key, 0), height, key * 1.15):
        for x in np.arange(rng.uniform(-key, 0), width, key * 1.15):
            cv2.rectangle(surface, (int(x), int(y)), (int(x + key), int(y + key)), (int(key_shade),) * 3, -1)
            letter = LETTERS[int(rng.integers(26, 52))]
            cv2.putText(surface, letter, (int(x + key * 0.2), int(y + key * 0.5)), cv2.FONT_HERSHEY_SIMPLEX,
                        key / 60, (250,) * 3 if dark else (30,) * 3, 1, cv2.LINE_AA)
    return surface.astype(np.float32)


def clutter(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A busy desk: shapes, cables and blocks of colour."""
    surface = coloured_desk(rng, height, width)
    for _ in range(int(rng.integers(4, 14))):
        colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        shape = int(rng.integers(3))
        if shape == 0:
            cv2.circle(surface, (x, y), int(rng.uniform(5, 0.3 * width)), colour, -1, cv2.LINE_AA)
        elif shape == 1:
            cv2.rectangle(surface, (x, y), (x + int(rng.uniform(10, 150)), y + int(rng.uniform(10, 150))), colour, -1)
        else:
            end = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
            cv2.line(surface, (x, y), end, colour, int(rng.integers(1, 6)), cv2.LINE_AA)
    return surface


SURFACES = (wood, cloth, coloured_desk, keyboard, clutter)


# --- sheets ----------------------------------------------------------------------------------------

SHEET_KINDS = ("plain", "ruled", "squared", "sticky", "envelope", "receipt", "form")


def sheet_colour(rng: np.random.Generator, kind: str) -> np.ndarray:
    if kind == "sticky":
        return np.array([[250, 240, 120], [250, 180, 200], [180, 240, 170], [170, 210, 250], [250, 200, 120]]
                        [int(rng.integers(5))], np.float32) * rng.uniform(0.85, 1.0)
    if kind == "envelope" and rng.random() < 0.6:
        return np.array([200, 165, 120], np.float32) * rng.uniform(0.85, 1.1)
    grey = rng.uniform(200, 255)
    return np.array([grey, grey * rng.uniform(0.95, 1.0), grey * rng.uniform(0.85, 1.0)], np.float32)


def rule_sheet(rng: np.random.Generator, surface: np.ndarray, kind: str, spacing: float) -> None:
    """Printed lines: ruled rows, a square grid or a form's boxes, light blue or grey."""
    height, width = surface.shape[:2]
    colour = tuple(float(c) for c in (np.array([150, 185, 225]) if rng.random() < 0.6 else np.full(3, 170.0))
                   * rng.uniform(0.8, 1.1))
    thickness = 1
    offset = rng.uniform(0, spacing)
    if kind in ("ruled", "squared"):
        for y in np.arange(offset, height, spacing):
            cv2.line(surface, (0, int(y)), (width, int(y)), colour, thickness)
    if kind == "squared":
        for x in np.arange(offset, width, spacing):
            cv2.line(surface, (int(x), 0), (int(x), height), colour, thickness)


@dataclass
class Layout:
    """What is written on a sheet (sheet coordinates): the ink alpha, its colour layers and the numbers' boxes."""

    height: int
    width: int
    ink: np.ndarray = None
    boxes: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    taken: list = field(default_factory=list)  # every box used, numbers and words, to keep things apart

    def __post_init__(self):
        self.ink = np.zeros((self.height, self.width), np.float32)

    def fits(self, x: float, y: float, w: float, h: float, gap: float) -> bool:
        if x < 0 or y < 0 or x + w > self.width or y + h > self.height:
            return False
        return all(x + w + gap <= bx or bx + bw + gap <= x or y + h + gap <= by or by + bh + gap <= y
                   for bx, by, bw, bh in self.taken)

    def put(self, rng: np.random.Generator, alpha: np.ndarray, gap: float, tries: int = 12) -> tuple | None:
        """Place ``alpha`` at a free spot (kept ``gap`` px from everything); its box, or None where none is free."""
        h, w = alpha.shape
        for _ in range(tries):
            x, y = rng.uniform(0, max(1, self.width - w)), rng.uniform(0, max(1, self.height - h))
            if self.fits(x, y, w, h, gap):
                xi, yi = int(x), int(y)
                region = self.ink[yi : yi + h, xi : xi + w]
                np.maximum(region, alpha[: region.shape[0], : region.shape[1]], out=region)
                self.taken.append((xi, yi, w, h))
                return xi, yi, w, h
        return None


def write_sheet(rng: np.random.Generator, ink: NumberInk, layout: Layout, numbers: int, digit_height: tuple,
                words: int) -> None:
    """Numbers, words and printed labels at free spots; numbers' boxes kept."""
    for _ in range(numbers):
        alpha, text = ink.number(rng)
        alpha = scaled(alpha, rng.uniform(*digit_height))
        if alpha.shape[1] > layout.width * 0.95:
            alpha = scaled(alpha, alpha.shape[0] * layout.width * 0.9 / alpha.shape[1])
        box = layout.put(rng, alpha, gap=1.0 * alpha.shape[0])
        if box is not None:
            layout.boxes.append(box)
            layout.texts.append(text)
    for _ in range(words):
        script = rng.random() < 0.6
        alpha = words_line(rng, rng.uniform(*digit_height) * rng.uniform(0.5, 1.0), script)
        if alpha.shape[1] < layout.width * 0.95:
            layout.put(rng, alpha, gap=0.4 * alpha.shape[0])


def form_boxes(rng: np.random.Generator, surface: np.ndarray, layout: Layout, ink: NumberInk,
               digit_height: tuple) -> None:
    """A form: printed labels, each with a box or a line to write in, some filled with a number."""
    height, width = surface.shape[:2]
    row = rng.uniform(1.8, 2.6) * digit_height[1]
    for y in np.arange(rng.uniform(0.1, 0.5) * row, height - row, row):
        label = text_ink(rng, LABELS[int(rng.integers(len(LABELS)))] + ":", row * 0.3, script=False)
        lx = int(rng.uniform(2, 0.1 * width))
        if label.shape[1] + lx >= width * 0.45 or not layout.fits(lx, y, label.shape[1], label.shape[0], 2):
            continue
        layout.ink[int(y) : int(y) + label.shape[0], lx : lx + label.shape[1]] = np.maximum(
            layout.ink[int(y) : int(y) + label.shape[0], lx : lx + label.shape[1]], label)
        layout.taken.append((lx, int(y), label.shape[1], label.shape[0]))
        bx0, by0, bx1, by1 = int(width * 0.45), int(y - 0.25 * row), int(width * rng.uniform(0.8, 0.98)), int(y + 0.65 * row)
        cv2.rectangle(surface, (bx0, by0), (bx1, by1), (120.0, 120.0, 130.0), 1)
        if rng.random() < 0.7:
            alpha, text = ink.number(rng)
            alpha = scaled(alpha, min(0.6 * row, rng.uniform(*digit_height)))
            if alpha.shape[1] < bx1 - bx0 - 4:
                x, yy = int(rng.uniform(bx0 + 2, bx1 - alpha.shape[1] - 1)), int(by0 + 0.15 * row)
                layout.ink[yy : yy + alpha.shape[0], x : x + alpha.shape[1]] = np.maximum(
                    layout.ink[yy : yy + alpha.shape[0], x : x + alpha.shape[1]], alpha)
                layout.boxes.append((x, yy, alpha.shape[1], alpha.shape[0]))
                layout.texts.append(text)
        layout.taken.append((bx0, by0, bx1 - bx0, by1 - by0))


def ink_colours(rng: np.random.Generator, dark_ink: bool) -> np.ndarray:
    if not dark_ink:
        return rng.uniform(180, 255, 3).astype(np.float32)
    options = np.array([[25, 25, 30], [30, 40, 120], [150, 30, 30], [60, 60, 65], [20, 90, 40], [10, 10, 10]])
    return (options[int(rng.integers(len(options)))] + rng.uniform(-10, 25, 3)).astype(np.float32)


def sheet_image(rng: np.random.Generator, ink: NumberInk, kind: str, size: tuple[int, int],
                digit_height: tuple, numbers: int) -> tuple[np.ndarray, Layout]:
    """A sheet (RGB float) of ``size`` (w, h) with numbers, words, ruling; and what is on it."""
    width, height = size
    surface = np.empty((height, width, 3), np.float32)
    surface[:] = sheet_colour(rng, kind)
    surface += (cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 1.0)
                * rng.uniform(1, 4))[:, :, None]
    layout = Layout(height, width)
    if kind in ("ruled", "squared"):
        rule_sheet(rng, surface, kind, rng.uniform(1.3, 1.8) * digit_height[1])
    if kind == "form":
        form_boxes(rng, surface, layout, ink, digit_height)
    if kind == "receipt":
        for y in np.arange(rng.uniform(2, 10), height - 8, rng.uniform(8, 14)):
            if rng.random() < 0.5:
                label = text_ink(rng, a_word(rng).upper(), rng.uniform(4, 7), script=False)
                layout.put(rng, label, gap=1) if label.shape[1] < width else None
    write_sheet(rng, ink, layout, numbers, digit_height, words=int(rng.integers(0, 5)))
    return surface, layout


def paint(surface: np.ndarray, alpha: np.ndarray, colour: np.ndarray, strength: float = 1.0) -> np.ndarray:
    a = (alpha * strength)[:, :, None]
    return surface * (1 - a) + colour[None, None] * a


# --- the camera --------------------------------------------------------------------------------------

def sheet_quad(rng: np.random.Generator, frame: tuple[int, int], sheet: tuple[int, int]) -> np.ndarray:
    """Where the sheet's corners land in the frame: turned, in perspective, at times partly outside."""
    width, height = frame
    sw, sh = sheet
    centre = np.array([rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height])
    angle = np.radians(rng.normal(0, 8) if rng.random() < 0.85 else rng.uniform(-35, 35))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.array([[-sw / 2, -sh / 2], [sw / 2, -sh / 2], [sw / 2, sh / 2], [-sw / 2, sh / 2]]) @ rotation.T
    corners += rng.uniform(-0.08, 0.08, (4, 2)) * np.array([sw, sh])
    return (corners + centre).astype(np.float32)


def curl(rng: np.random.Generator, image: np.ndarray, alpha: np.ndarray):
    """Paper curl: rows bent by a slow sine (the same bend applied to the image and the ink); the bend."""
    height, width = alpha.shape
    amount = rng.uniform(0, 0.04) * height
    period, phase = rng.uniform(0.8, 2.5) * width, rng.uniform(0, 2 * np.pi)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    shift = (amount * np.sin(2 * np.pi * xs / period + phase)).astype(np.float32)
    bent = [cv2.remap(a, xs, ys - shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE) for a in (image, alpha)]
    return bent[0], bent[1]


def boxes_after(homography: np.ndarray, ink: np.ndarray, boxes: list) -> list[tuple[float, float, float, float]]:
    """Each number's box in the frame: the bounds of its ink pixels carried by ``homography``."""
    out = []
    for x, y, w, h in boxes:
        ys, xs = np.nonzero(ink[y : y + h, x : x + w] > 0.35)
        if not len(xs):
            continue
        points = np.stack([xs + x + 0.5, ys + y + 0.5], axis=1).astype(np.float32)[None]
        moved = cv2.perspectiveTransform(points, homography)[0]
        x0, y0 = moved.min(axis=0)
        x1, y1 = moved.max(axis=0)
        out.append((float(x0 - 0.5), float(y0 - 0.5), float(x1 - x0 + 1), float(y1 - y0 + 1)))
    return out


def light_and_lens(rng: np.random.Generator, frame: np.ndarray) -> np.ndarray:
    """Shadow, glare, low light, motion blur, defocus, noise and JPEG: float RGB -> uint8 grey."""
    height, width = frame.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if rng.random() < 0.5:  # a soft shadow across part of the frame
        direction = rng.uniform(0, 2 * np.pi)
        along = np.cos(direction) * (xs - rng.uniform(0, width)) + np.sin(direction) * (ys - rng.uniform(0, height))
        frame = frame * (1 - rng.uniform(0.2, 0.6) / (1 + np.exp(-along / (rng.uniform(0.02, 0.2) * width))))[:, :, None]
    if rng.random() < 0.2:  # glare: a bright washed-out spot
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.05, 0.3) * width
        frame = frame + (rng.uniform(60, 200) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * r * r)))[:, :, None]
    if rng.random() < 0.2:  # low light
        frame = frame * rng.uniform(0.25, 0.6)
    gray = cv2.cvtColor(np.clip(frame, 0, 255).astype(np.float32), cv2.COLOR_RGB2GRAY)
    gray = blurred(rng, gray)
    gray = gray + rng.normal(0, rng.uniform(0.5, 8 if rng.random() < 0.7 else 16), gray.shape).astype(np.float32)
    out = np.clip(gray, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        _, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def blurred(rng: np.random.Generator, gray: np.ndarray) -> np.ndarray:
    if rng.random() < 0.2:  # motion
        length = int(rng.integers(3, 8))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1.0
        turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        gray = cv2.filter2D(gray, -1, kernel / max(kernel.sum(), 1e-6))
    sigma = rng.uniform(0.0, 0.8) if rng.random() < 0.8 else rng.uniform(0.8, 1.8)  # focus
    return cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0.2 else gray


def finger(rng: np.random.Generator, frame: np.ndarray, quad: np.ndarray, boxes: list) -> np.ndarray:
    """A thumb holding the sheet at an edge, where it covers no number."""
    edge = int(rng.integers(4))
    a, b = quad[edge], quad[(edge + 1) % 4]
    point = a + (b - a) * rng.uniform(0.2, 0.8)
    size = rng.uniform(0.05, 0.12) * max(frame.shape[:2])
    if any(x - size < point[0] < x + w + size and y - size < point[1] < y + h + size for x, y, w, h in boxes):
        return frame
    skin = np.array([rng.uniform(120, 240), rng.uniform(80, 190), rng.uniform(60, 160)], np.float32)
    alpha = np.zeros(frame.shape[:2], np.float32)
    cv2.ellipse(alpha, (int(point[0]), int(point[1])), (int(size), int(size * 0.6)), rng.uniform(0, 180), 0, 360,
                1.0, -1, cv2.LINE_AA)
    return paint(frame, cv2.GaussianBlur(alpha, (0, 0), 1.0), skin)


# --- scene kinds -------------------------------------------------------------------------------------

def split_boxes(boxes: list, texts: list, frame: tuple[int, int]) -> tuple[list, list, list]:
    """Numbers asked for (tall enough, mostly inside) and the rest, ignored."""
    width, height = frame
    keep, ignore, kept_texts = [], [], []
    for box, text in zip(boxes, texts):
        x, y, w, h = box
        inside_w = min(x + w, width) - max(x, 0)
        inside_h = min(y + h, height) - max(y, 0)
        if inside_w <= 0 or inside_h <= 0:
            continue
        if h < MIN_HEIGHT or inside_w * inside_h < 0.85 * w * h:
            ignore.append(box)
        else:
            keep.append(box)
            kept_texts.append(text)
    return keep, ignore, kept_texts


def photographed_sheet(rng: np.random.Generator, ink: NumberInk, board: bool = False, empty: bool = False) -> Scene:
    """A sheet (or a whiteboard) on a surface, photographed: numbers, words, labels, perspective, light."""
    frame = SCENE_SIZES[int(rng.integers(len(SCENE_SIZES)))]
    fill = rng.uniform(0.5, 1.3)
    sheet_size = (int(frame[0] * fill * rng.uniform(0.7, 1.0)), int(frame[1] * fill * rng.uniform(0.7, 1.0)))
    kind = "plain" if board else SHEET_KINDS[int(rng.integers(len(SHEET_KINDS)))]
    if kind == "receipt":
        sheet_size = (int(sheet_size[0] * 0.45), sheet_size[1])
    low = MIN_HEIGHT - 2 if rng.random() < 0.3 else 10
    digit_height = (low, max(low + 2, min(90, sheet_size[1] / 3)))
    numbers = 0 if empty or rng.random() < NO_NUMBER_SHARE else int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
    surface, layout = sheet_image(rng, ink, kind, sheet_size, digit_height, numbers)
    colour = ink_colours(rng, True)
    if board:
        layout.ink = cv2.dilate(layout.ink, np.ones((2, 2), np.uint8)) if rng.random() < 0.5 else layout.ink
        surface[:] = rng.uniform(215, 250)
    surface, bent = curl(rng, paint(surface, layout.ink, colour, rng.uniform(0.75, 1.0)), layout.ink)
    quad = sheet_quad(rng, frame, sheet_size)
    homography = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [sheet_size[0], 0], [sheet_size[0], sheet_size[1]], [0, sheet_size[1]]]), quad)
    warped = cv2.warpPerspective(surface, homography, frame, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones(surface.shape[:2], np.float32), homography, frame, flags=cv2.INTER_AREA)
    background = SURFACES[int(rng.integers(len(SURFACES)))](rng, frame[1], frame[0])
    image = background * (1 - mask[:, :, None]) + warped * mask[:, :, None]
    boxes, ignore, texts = split_boxes(boxes_after(homography, bent, layout.boxes), layout.texts, frame)
    if rng.random() < 0.3:
        image = finger(rng, image, quad, boxes + ignore)
    return Scene(light_and_lens(rng, image), boxes, ignore, texts)


def screen(rng: np.random.Generator, ink: NumberInk) -> Scene:
    """Light writing on a dark screen or a chalkboard, photographed straight on."""
    frame = SCENE_SIZES[int(rng.integers(len(SCENE_SIZES)))]
    surface = np.empty((frame[1], frame[0], 3), np.float32)
    surface[:] = rng.uniform(0, 70, 3)
    layout = Layout(frame[1], frame[0])
    write_sheet(rng, ink, layout, int(rng.integers(0, 4)), (10, min(110, frame[1] / 2.5)), int(rng.integers(0, 3)))
    image = paint(surface, layout.ink, ink_colours(rng, False))
    boxes, ignore, texts = split_boxes([tuple(map(float, b)) for b in layout.boxes], layout.texts, frame)
    return Scene(light_and_lens(rng, image), boxes, ignore, texts)


def pad(rng: np.random.Generator, ink: NumberInk) -> Scene:
    """The page's drawing pad: a pen of 1/18 of the pad's height, one number (at times two) at any size and
    place, from a fifth to all of the height; or a tight crop of one number on paper."""
    width, height = PAD_SIZES[int(rng.integers(len(PAD_SIZES)))]
    pen = PEN_SHARE * height
    layout = Layout(height, width)
    for _ in range(1 if rng.random() < 0.8 else 2):
        alpha, text = ink.number(rng)
        target = rng.uniform(0.2, 0.99) * height
        alpha = scaled(alpha, target)
        if alpha.shape[1] > 0.98 * width:
            alpha = scaled(alpha, alpha.shape[0] * 0.97 * width / alpha.shape[1])
        alpha = pen_redrawn(alpha, pen)
        box = layout.put(rng, alpha, gap=0.5 * alpha.shape[0], tries=6)
        if box is not None:
            layout.boxes.append(box)
            layout.texts.append(text)
    image = np.clip(255.0 * (1.0 - layout.ink), 0, 255).astype(np.uint8)
    boxes, ignore, texts = split_boxes([tuple(map(float, b)) for b in layout.boxes], layout.texts, (width, height))
    return Scene(image, boxes, ignore, texts)


def pen_redrawn(alpha: np.ndarray, pen: float) -> np.ndarray:
    """The ink's centre line drawn again with a round pen ``pen`` px wide (the pad's pen is one width at any
    writing size), padded so the pen's edge stays inside."""
    skeleton = cv2.ximgproc.thinning((alpha > 0.5).astype(np.uint8) * 255) if hasattr(cv2, "ximgproc") \
        else thin_by_erosion(alpha > 0.5)
    margin = int(np.ceil(pen))
    skeleton = np.pad(skeleton, margin)
    radius = max(1, int(round(pen / 2)))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    inked = cv2.dilate((skeleton > 0).astype(np.uint8), disk).astype(np.float32)
    return tight(cv2.GaussianBlur(inked, (0, 0), 0.6))


def thin_by_erosion(binary: np.ndarray) -> np.ndarray:
    """A centre line, near enough: the mask eroded while it keeps a pixel per column."""
    from training.scenes.strokes import thin

    return thin(binary.astype(np.uint8)).astype(np.uint8) * 255


def tight_crop(rng: np.random.Generator, ink: NumberInk) -> Scene:
    """One number cut out of a photo with a little paper round it."""
    alpha, text = ink.number(rng)
    alpha = scaled(alpha, rng.uniform(20, 100))
    if alpha.shape[1] > 360:
        alpha = scaled(alpha, alpha.shape[0] * 360 / alpha.shape[1])
    margins = [int(rng.uniform(0.05, 0.6) * alpha.shape[0]) for _ in range(4)]
    canvas = np.pad(alpha, ((margins[0], margins[1]), (margins[2], margins[3])))
    surface = np.empty(canvas.shape + (3,), np.float32)
    surface[:] = sheet_colour(rng, "plain")
    image = light_and_lens(rng, paint(surface, canvas, ink_colours(rng, True)))
    box = (float(margins[2]), float(margins[0]), float(alpha.shape[1]), float(alpha.shape[0]))
    return Scene(image, [box], [], [text])


def empty(rng: np.random.Generator, ink: NumberInk) -> Scene:
    """No number at all: a bare surface, or a sheet of words."""
    if rng.random() < 0.5:
        frame = SCENE_SIZES[int(rng.integers(len(SCENE_SIZES)))]
        return Scene(light_and_lens(rng, SURFACES[int(rng.integers(len(SURFACES)))](rng, frame[1], frame[0])))
    return photographed_sheet(rng, ink, empty=True)


KINDS = {"sheet": lambda rng, ink: photographed_sheet(rng, ink), "pad": pad,
         "board": lambda rng, ink: photographed_sheet(rng, ink, board=True), "screen": screen, "tight": tight_crop,
         "empty": empty}


def make_scene(rng: np.random.Generator, ink: NumberInk) -> Scene:
    """One training scene of a kind drawn at ``KIND_ODDS``."""
    names = list(KIND_ODDS)
    odds = np.array([KIND_ODDS[n] for n in names])
    return KINDS[names[int(rng.choice(len(names), p=odds / odds.sum()))]](rng, ink)
