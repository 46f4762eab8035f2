"""The reader benchmark's sets for finding numbers: a legible number on a sheet on a strongly coloured desk
(``desk-colour``), and pictures that hold no digit at all (``no-digits``: blank, ruled and squared paper, pages
of printed and handwritten words, keyboards and cluttered desks).

Other code, other parameters than the detector's training scenes (``training.scenes.detect_scenes``): these desks,
keyboards, clutter, papers, light and white balance are drawn here, and words come from the DejaVu fonts
(printed by Pillow, or their letters' skeletons written again by a wobbling pen), not from Hershey's.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from benchmarks.scenes import ink as pen_ink
from benchmarks.scenes.base import Box, Scene, fit_height, ink_points, pick, place, shrink_to, warped_box
from benchmarks.scenes.camera import (PHOTO, WEBCAM, Camera, Sheet, camera_faults, desk, ink_on, jpeg, keep_in_frame,
                                      lighting, paper, paper_colour, solid, tilt, writable)
from benchmarks.scenes.mnist import number_mask
from training.sources.datasets import Digits

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PRINT_FONTS = ("DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSansCondensed.ttf", "DejaVuSerif-Italic.ttf",
               "DejaVuSansMono.ttf")
HEADING_FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerifCondensed-Bold.ttf")
HAND_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf")  # letters whose centre lines a pen writes again
GLYPH_SIZE = 64  # px: a hand's letters are thinned to their centre lines at this font size
# Words rich in letters that look like digits (o O l I S Z B g q), with everyday ones between them. None
# holds a digit; none is a short run of such letters alone, which a hand could make a number of ("lO").
CONFUSABLE_WORDS = ("solo", "logo", "blog", "gloss", "Boss", "Oslo", "Zoo", "quiz", "goal", "bill", "ball",
                    "Bob", "Liz", "loop", "pool", "soil", "oil", "silo", "igloo", "Olga", "Isle", "SOS", "BIG",
                    "ZOO", "OIL", "BLOG", "Lisbon", "Oz", "zigzag", "Ohio", "Ibiza", "bless", "globe", "Sol",
                    "Zeus", "lilies", "Boggle", "quill", "queue", "squid", "gauge", "bagel", "Bilbo", "Glasgow")
PLAIN_WORDS = ("the", "and", "notes", "meeting", "agenda", "please", "call", "back", "tomorrow", "shopping",
               "list", "milk", "eggs", "bread", "apples", "coffee", "remember", "project", "ideas", "draft",
               "review", "summary", "chapter", "letter", "dear", "regards", "thanks", "morning", "kitchen",
               "garden", "office", "library", "school", "quiet", "paper", "window", "friday", "monday", "with",
               "from", "about", "every", "which", "would", "there", "their", "when", "where", "water", "river",
               "travel", "ticket", "station", "tea", "lunch", "dinner", "plan", "week", "ask", "send", "reply")
HEADINGS = ("Meeting notes", "Shopping list", "Chapter One", "Summary", "Reading list", "To do", "Ideas",
            "Dear Olga,", "Minutes", "Lesson plan", "Recipe: bagels", "Glossary", "Introduction", "Abstract")


class Frame(NamedTuple):
    """A picture's size and the camera that takes it."""

    width: int
    height: int
    camera: Camera


LARGE_PHOTO = replace(PHOTO, frames=((1600, 1200),))
NO_DIGIT_FRAMES = (Frame(640, 480, WEBCAM), Frame(1280, 720, PHOTO), Frame(1600, 1200, LARGE_PHOTO),
                   Frame(720, 1280, PHOTO), Frame(640, 480, PHOTO))
DESK_COLOUR_FRAMES = (Frame(1280, 720, PHOTO), Frame(640, 480, PHOTO), Frame(640, 480, WEBCAM))
DESK_COLOUR_DIGITS = (45.0, 120.0)  # px in a 720-px-tall frame, in proportion in others
DESK_COLOUR_LENGTH = 6  # digits at most: a longer number on a sheet that leaves the desk in view is small
# strong desk colours (RGB): red, green, blue, yellow, orange, purple, teal, pink, black, cutting-mat green
STRONG_COLOURS = ((175, 32, 38), (46, 125, 58), (32, 72, 165), (232, 192, 38), (228, 112, 28), (104, 52, 134),
                  (22, 128, 128), (222, 92, 142), (26, 26, 30), (30, 92, 66))
KEY_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


def font(name: str, size: float):
    """A DejaVu font of ``size`` px; Pillow's own scalable font where DejaVu is not installed."""
    path = FONT_DIR / name
    size = max(int(round(size)), 6)
    return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default(size)


def some_words(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` words, some two in five rich in letters that look like digits, capitalised at times."""
    words = [pick(rng, CONFUSABLE_WORDS if rng.random() < 0.4 else PLAIN_WORDS) for _ in range(count)]
    return [w.capitalize() if rng.random() < 0.15 else w for w in words]


# surfaces round the paper (float RGB, 0-255)

def smooth_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Noise that varies over about ``cells`` blobs across the longer side (unit spread)."""
    rows, cols = max(2, cells * height // max(height, width)), max(2, cells * width // max(height, width))
    return cv2.resize(rng.normal(0, 1, (rows, cols)).astype(np.float32), (width, height),
                      interpolation=cv2.INTER_CUBIC)


def strong_colour_desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A desk of a strong colour: painted (a soft sheen), felt (fine fuzz), a gingham cloth (the colour
    checked with white) or a cutting mat (a grid of lighter lines, no numbers)."""
    colour = np.array(pick(rng, STRONG_COLOURS), np.float32) * rng.uniform(0.8, 1.15)
    surface = np.broadcast_to(colour, (height, width, 3)).copy()
    finish = int(rng.integers(4))
    if finish == 0:  # painted: a broad highlight where the room's light reflects
        sheen = np.clip(smooth_noise(rng, height, width, 3) - 0.6, 0.0, 1.0)  # smooth already: no blur needed
        surface += 60 * sheen[:, :, None]
    elif finish == 1:  # felt
        surface += cv2.GaussianBlur(rng.normal(0, 9, (height, width)).astype(np.float32), (0, 0), 1.2)[:, :, None]
    elif finish == 2:  # gingham: bands of the colour and white, crossing
        pitch = rng.uniform(0.04, 0.09) * max(width, height)
        ys, xs = np.mgrid[0:height, 0:width]
        bands = ((xs // pitch) % 2 + (ys // pitch) % 2).astype(np.float32)[:, :, None] / 2
        surface = surface * (1 - 0.7 * bands) + 235 * 0.7 * bands
    else:  # cutting mat: a fine grid, every fifth line stronger
        pitch = rng.uniform(0.02, 0.035) * max(width, height)
        for k, at in enumerate(np.arange(rng.uniform(0, pitch), max(width, height), pitch)):
            shade = tuple(float(c) for c in colour + (70 if k % 5 == 0 else 35))
            cv2.line(surface, (int(at), 0), (int(at), height), shade, 1 + (k % 5 == 0), cv2.LINE_AA)
            cv2.line(surface, (0, int(at)), (width, int(at)), shade, 1 + (k % 5 == 0), cv2.LINE_AA)
    return surface + 10 * smooth_noise(rng, height, width, 5)[:, :, None]


def lay_on(surface: np.ndarray, alpha: np.ndarray, colour) -> None:
    """Paint ``colour`` over ``surface`` (float RGB, in place) where the alpha says."""
    surface *= 1 - alpha[:, :, None]
    surface += alpha[:, :, None] * np.asarray(colour, np.float32)


def cast_shadow(surface: np.ndarray, alpha: np.ndarray, reach: float, depth: float) -> None:
    """Darken ``surface`` under an object (its alpha), offset down and right by ``reach`` px and softened."""
    moved = np.roll(alpha, (int(reach), int(reach)), axis=(0, 1))
    surface *= (1 - depth * cv2.GaussianBlur(moved, (0, 0), max(reach, 1.0)))[:, :, None]


def keyboard_desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A keyboard's letter rows (the number row out of the picture) lying turned on a desk."""
    surface = pick(rng, (desk, strong_colour_desk))(rng, height, width)
    key = rng.uniform(0.06, 0.11) * max(width, height)
    board = Image.new("L", (int(11.5 * key), int(4.3 * key)), 0)
    labels = Image.new("L", board.size, 0)
    draw, write = ImageDraw.Draw(board), ImageDraw.Draw(labels)
    letters = font("DejaVuSans.ttf", 0.32 * key)
    for row, keys in enumerate(KEY_ROWS):
        for column, letter in enumerate(keys):
            x, y = (0.15 + 0.3 * row + column) * key * 1.05, (0.15 + row) * key * 1.05
            draw.rounded_rectangle((x, y, x + key, y + key), radius=key * 0.12, fill=255)
            write.text((x + 0.25 * key, y + 0.2 * key), letter, fill=255, font=letters)
    draw.rounded_rectangle((2.5 * key, 3.3 * key, 8.5 * key, 4.2 * key), radius=key * 0.12, fill=255)  # space bar
    turn = cv2.getRotationMatrix2D((board.size[0] / 2, board.size[1] / 2), rng.uniform(-25, 25), 1.0)
    # the board somewhere about the middle of the picture (drawn without its number row, as if cut off)
    turn[:, 2] += (rng.uniform(0.25, 0.75) * width - board.size[0] / 2,
                   rng.uniform(0.3, 0.7) * height - board.size[1] / 2)
    place_keys = lambda image: cv2.warpAffine(np.asarray(image, np.float32) / 255, turn, (width, height))
    keys_alpha, label_alpha = place_keys(board), place_keys(labels)
    body = cv2.dilate(keys_alpha, np.ones((int(key * 0.3),) * 2, np.uint8))
    dark = rng.random() < 0.6
    cast_shadow(surface, body, 0.08 * key, 0.5)
    lay_on(surface, body, (22, 22, 26) if dark else (190, 192, 196))
    lay_on(surface, keys_alpha, np.full(3, rng.uniform(35, 60) if dark else rng.uniform(228, 245)))
    lay_on(surface, label_alpha, (235, 235, 235) if dark else (30, 30, 34))
    return surface


def cluttered_desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A desk with things on it, each casting a soft shadow: a mug, pens, a pencil, a cable, a phone, a blank
    sticky note, a book with a title."""
    surface = pick(rng, (desk, strong_colour_desk))(rng, height, width)
    for _ in range(int(rng.integers(3, 8))):
        alpha, colour = pick(rng, DESK_THINGS)(rng, height, width)
        cast_shadow(surface, alpha, 0.01 * max(width, height), 0.4)
        if isinstance(colour, np.ndarray) and colour.ndim == 3:  # an object with its own picture (a book)
            surface[:] = surface * (1 - alpha[:, :, None]) + colour * alpha[:, :, None]
        else:
            lay_on(surface, alpha, colour)
    return surface


def thing_at(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, tuple[int, int], float]:
    """An empty alpha layer, a random spot on it, and a size for a thing there (px)."""
    spot = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
    return np.zeros((height, width), np.float32), spot, rng.uniform(0.06, 0.16) * max(width, height)


def mug(rng: np.random.Generator, height: int, width: int):
    """A mug seen from above: its rim, coffee or a white inside, a handle."""
    alpha, (x, y), size = thing_at(rng, height, width)
    cv2.circle(alpha, (x, y), int(size / 2), 1.0, -1, cv2.LINE_AA)
    angle = rng.uniform(0, 2 * np.pi)
    handle = (int(x + 0.6 * size * np.cos(angle)), int(y + 0.6 * size * np.sin(angle)))
    cv2.circle(alpha, handle, int(size / 5), 1.0, max(2, int(size / 14)), cv2.LINE_AA)
    return alpha, np.array(pick(rng, ((240, 240, 236), (180, 40, 40), (40, 60, 140), (30, 30, 30))), np.float32)


def pen_thing(rng: np.random.Generator, height: int, width: int):
    """A pen, a pencil or a cable: one long stroke, straight or curved."""
    alpha, (x, y), size = thing_at(rng, height, width)
    angle, length = rng.uniform(0, np.pi), size * rng.uniform(1.2, 2.5)
    bend = rng.uniform(-0.4, 0.4) * length if rng.random() < 0.3 else 0.0  # a cable curves
    t = np.linspace(-0.5, 0.5, 40)
    points = np.column_stack([x + t * length * np.cos(angle) - bend * (1 - 4 * t * t) * np.sin(angle),
                              y + t * length * np.sin(angle) + bend * (1 - 4 * t * t) * np.cos(angle)])
    thickness = max(3, int(size * rng.uniform(0.06, 0.12)))
    cv2.polylines(alpha, [np.int32(points)], False, 1.0, thickness, cv2.LINE_AA)
    return alpha, np.array(pick(rng, ((20, 30, 120), (30, 30, 30), (225, 190, 40), (200, 200, 205), (170, 30, 30))),
                           np.float32)


def phone(rng: np.random.Generator, height: int, width: int):
    """A phone lying face up, screen off: a dark rounded slab."""
    alpha, (x, y), size = thing_at(rng, height, width)
    slab = Image.new("L", (width, height), 0)
    ImageDraw.Draw(slab).rounded_rectangle((x, y, x + 0.5 * size, y + size), radius=0.08 * size, fill=255)
    turn = cv2.getRotationMatrix2D((x, y), rng.uniform(-40, 40), 1.0)
    return cv2.warpAffine(np.asarray(slab, np.float32) / 255, turn, (width, height)), np.float32([18, 18, 22])


def sticky_note(rng: np.random.Generator, height: int, width: int):
    """A blank sticky note."""
    alpha, (x, y), size = thing_at(rng, height, width)
    corners = cv2.boxPoints(((x, y), (0.8 * size, 0.8 * size), rng.uniform(0, 90)))
    cv2.fillConvexPoly(alpha, np.int32(corners), 1.0, cv2.LINE_AA)
    return alpha, np.array(pick(rng, ((250, 236, 110), (245, 170, 190), (170, 230, 160), (160, 205, 245))),
                           np.float32)


def book(rng: np.random.Generator, height: int, width: int):
    """A closed book with a title on its cover (letters only)."""
    alpha, (x, y), size = thing_at(rng, height, width)
    w, h = int(size * 1.3), int(size * 1.8)
    cover = Image.new("RGB", (w, h), tuple(int(c) for c in pick(rng, STRONG_COLOURS)))
    title = " ".join(some_words(rng, 2)).title()
    ImageDraw.Draw(cover).text((0.08 * w, 0.15 * h), title, fill=(235, 225, 200),
                                font=font(pick(rng, HEADING_FONTS), 0.9 * w / max(len(title), 6)))
    picture, layer = np.zeros((height, width, 3), np.float32), np.zeros((height, width), np.float32)
    x0, y0 = min(max(x - w // 2, 0), max(width - w, 0)), min(max(y - h // 2, 0), max(height - h, 0))
    w, h = min(w, width - x0), min(h, height - y0)
    picture[y0:y0 + h, x0:x0 + w] = np.asarray(cover, np.float32)[:h, :w]
    layer[y0:y0 + h, x0:x0 + w] = 1.0
    return layer, picture


DESK_THINGS = (mug, pen_thing, pen_thing, phone, sticky_note, book)


# a sheet of paper: its surface, printed text and handwriting, in frame coordinates before the tilt

def lying_sheet(rng: np.random.Generator, width: int, height: int, least: float, most: float,
                widest: float = 1.0) -> Sheet:
    """A sheet ``least``-``most`` of the frame's height, 0.7-``widest`` times as wide as tall (within ``most``
    of the frame's width), somewhere in the frame, partly out of it at times."""
    h = height * rng.uniform(least, most)
    w = min(h * rng.uniform(0.7, widest), width * most)
    x, y = rng.uniform(-0.1 * w, width - 0.9 * w), rng.uniform(-0.1 * h, height - 0.9 * h)
    return Sheet((x, y, w, h), paper_colour(rng), ruled=False)


def page_surface(rng: np.random.Generator, sheet: Sheet, width: int, height: int, kind: str) -> np.ndarray:
    """Paper (``paper``'s colour and fibres) with a faint fold at times, and printed lines: ``ruled`` (light
    blue lines, a red margin) or ``squared`` (a grey-blue grid); ``plain`` has none."""
    surface = paper(rng, sheet, width, height)
    x, y, w, h = sheet.rect
    if rng.random() < 0.3:  # a fold: a slightly darker line across the sheet
        fold = int(y + h * rng.uniform(0.3, 0.7))
        surface[max(fold, 0):max(fold + 2, 0)] *= 0.95
    spacing = h / rng.uniform(24, 34) if kind == "ruled" else h / rng.uniform(40, 60)
    colour = (158, 190, 228) if kind == "ruled" else (170, 185, 205)
    if kind in ("ruled", "squared"):
        for at in np.arange(y + rng.uniform(1.5, 3) * spacing, y + h, spacing):
            cv2.line(surface, (int(x), int(at)), (int(x + w), int(at)), colour, 1, cv2.LINE_AA)
    if kind == "squared":
        for at in np.arange(x + rng.uniform(0, 1) * spacing, x + w, spacing):
            cv2.line(surface, (int(at), int(y)), (int(at), int(y + h)), colour, 1, cv2.LINE_AA)
    if kind == "ruled" and rng.random() < 0.6:
        margin = int(x + w * rng.uniform(0.1, 0.15))
        cv2.line(surface, (margin, int(y)), (margin, int(y + h)), (225, 120, 120), 1, cv2.LINE_AA)
    return surface


def printed_page(rng: np.random.Generator, sheet: Sheet, width: int, height: int) -> np.ndarray:
    """A printed page's ink (alpha, frame coordinates): a heading, then lines of words set in one font,
    as many as the page holds."""
    x, y, w, h = sheet.rect
    size = h / rng.uniform(28, 50)  # the body text's font size
    ink = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(ink)
    left, right, top = x + w * rng.uniform(0.08, 0.14), x + w * rng.uniform(0.86, 0.92), y + h * rng.uniform(0.06, 0.1)
    draw.text((left, top), pick(rng, HEADINGS), fill=255, font=font(pick(rng, HEADING_FONTS), 1.6 * size))
    body, line = font(pick(rng, PRINT_FONTS), size), top + 3 * size
    while line < y + h * 0.92:
        words = some_words(rng, 14)
        text = " ".join(words)
        while len(words) > 1 and draw.textlength(text, font=body) > right - left:
            words.pop()
            text = " ".join(words)
        draw.text((left, line), text + ("." if rng.random() < 0.2 else ""), fill=255, font=body)
        line += size * (rng.uniform(2.4, 3.6) if rng.random() < 0.15 else 1.45)  # a paragraph, or the next line
    return np.asarray(ink, np.float32) / 255.0


@lru_cache(maxsize=None)
def letter_strokes(face: str, letter: str) -> tuple[np.ndarray, float]:
    """A letter's centre line as segments (n, 2, 2) in units of the font size, from the pen position on the
    baseline; and the letter's advance. The font's glyph reduced to its skeleton, so one pen can write it again."""
    typeface = font(face, GLYPH_SIZE)
    glyph = Image.new("L", (2 * GLYPH_SIZE, 2 * GLYPH_SIZE), 0)
    origin = (GLYPH_SIZE // 2, int(1.4 * GLYPH_SIZE))
    ImageDraw.Draw(glyph).text(origin, letter, fill=255, font=typeface, anchor="ls")
    segments = pen_ink.centre_segments(np.asarray(glyph, np.float32) / 255.0)[0].astype(np.float32)
    return (segments - np.float32(origin)) / GLYPH_SIZE, typeface.getlength(letter) / GLYPH_SIZE


def hand_word(rng: np.random.Generator, word: str, face: str, size: float, slant: float) -> tuple[np.ndarray, float]:
    """A word's pen path in pixels from (0, baseline 0): each letter's centre line a little larger or smaller,
    higher or lower than the last, all slanted alike, and the whole line wobbling as a hand does; and the
    word's width."""
    pieces, x = [], 0.0
    for letter in word:
        segments, advance = letter_strokes(face, letter)
        scale = size * rng.uniform(0.9, 1.1)
        pieces.append(segments * scale + np.float32([x, rng.uniform(-0.04, 0.04) * size]))
        x += advance * scale * rng.uniform(0.95, 1.15)
    path = np.concatenate(pieces) if pieces else np.zeros((0, 2, 2), np.float32)
    path[..., 0] -= slant * path[..., 1]  # y is negative above the baseline: a positive slant leans right
    wave, phase = rng.uniform(2.5, 5.0) * size, rng.uniform(0, 2 * np.pi, 2)
    path[..., 1] += 0.03 * size * np.sin(path[..., 0] / wave * 2 * np.pi + phase[0])
    path[..., 0] += 0.02 * size * np.sin(path[..., 1] / wave * 2 * np.pi + phase[1])
    return path, x


def handwriting(rng: np.random.Generator, sheet: Sheet, width: int, height: int, top: float) -> np.ndarray:
    """Lines of handwritten words from ``top`` down the sheet (alpha, frame coordinates): one writer's size,
    slant and pen for all of it."""
    x, y, w, h = sheet.rect
    size, slant = h / rng.uniform(14, 26), rng.uniform(-0.1, 0.35)  # font size; slant as dx per dy
    face, pen = pick(rng, HAND_FONTS), size * rng.uniform(0.045, 0.08)
    segments, line = [], top + size
    while line < y + h * 0.9:
        left = x + w * rng.uniform(0.08, 0.2)
        for word in some_words(rng, int(rng.integers(1, 6))):
            path, advance = hand_word(rng, word, face, size, slant)
            if left + advance > x + w * 0.92:
                break
            segments.append(path + np.float32([left, line]))
            left += advance + size * rng.uniform(0.3, 0.6)
        line += size * rng.uniform(1.6, 2.6)
    if not segments:
        return np.zeros((height, width), np.float32)
    return pen_ink.stroke((width, height), np.concatenate(segments), (1.0, 1.0), (0.0, 0.0), pen)


# taking the picture

def photographed(rng: np.random.Generator, frame: Frame, surroundings: np.ndarray, sheet: Sheet | None = None,
                 page: np.ndarray | None = None, content: np.ndarray | None = None,
                 numbers: tuple = (), tilt_by: tuple[float, float] = (0.05, 8.0)) -> tuple[bytes, list[Box]]:
    """The picture: ``page`` (the sheet's surface with what is on it, frame coordinates before the tilt)
    tilted (``tilt_by``: perspective strength, most turn in degrees) and laid on ``surroundings`` with a
    soft shadow, so that ``content`` (alpha) stays in the frame; lit, white-balanced against the frame's
    colour, through the camera -> JPEG bytes, and the box of each of ``numbers`` (ink points before the tilt)."""
    width, height, camera = frame
    picture, boxes = surroundings, []
    if sheet is not None:
        homography = keep_in_frame(tilt(rng, sheet, *tilt_by), content, width, height)
        x, y, w, h = sheet.rect
        alpha = np.zeros((height, width), np.float32)
        cv2.rectangle(alpha, (int(x), int(y)), (int(x + w), int(y + h)), 1.0, -1)
        alpha = cv2.warpPerspective(alpha, homography, (width, height), flags=cv2.INTER_LINEAR)
        page = cv2.warpPerspective(page.astype(np.float32), homography, (width, height), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE)
        cast_shadow(picture, alpha, rng.uniform(0.004, 0.02) * max(width, height), rng.uniform(0.2, 0.45))
        picture = picture * (1 - alpha[:, :, None]) + page * alpha[:, :, None]
        boxes = [warped_box(points, homography, width, height) for points in numbers]
    picture = picture * lighting(rng, height, width, camera.vignette)[:, :, None]
    return jpeg(rng, camera_faults(rng, white_balanced(rng, picture), camera), camera.jpeg_quality), boxes


def white_balanced(rng: np.random.Generator, picture: np.ndarray) -> np.ndarray:
    """The camera's automatic white balance, part way: it takes a strongly coloured frame's average for grey,
    tinting the paper towards the opposite colour."""
    means = picture.reshape(-1, 3).mean(axis=0)
    gains = (means.mean() / np.maximum(means, 1.0)) ** rng.uniform(0.1, 0.35)
    return picture * gains.astype(np.float32)


# the sets

def render_no_digits(rng: np.random.Generator, digits: Digits | None = None) -> tuple[bytes, list[str]]:
    """A picture with no digit in it (``no_digits_scene``): truth []."""
    return no_digits_scene(rng, digits)[:2]


def no_digits_scene(rng: np.random.Generator, digits: Digits | None = None) -> Scene:
    """A photo or webcam frame holding no digit: a blank sheet (plain, ruled or squared), a printed page,
    a page of handwritten words (both rich in letters like digits: o O l I S Z B g q), or no paper at all
    (a keyboard's letter rows, a cluttered desk); on a wooden, grey, dark or strongly coloured desk.
    ``digits`` is not used (the sets' renderers all take it)."""
    frame = pick(rng, NO_DIGIT_FRAMES)
    width, height, _ = frame
    kind = pick(rng, ("blank", "printed", "handwritten", "desk"))
    if kind == "desk":
        surroundings = pick(rng, (keyboard_desk, cluttered_desk, strong_colour_desk))(rng, height, width)
        return Scene(photographed(rng, frame, surroundings)[0], [], [])
    surroundings = pick(rng, (desk, strong_colour_desk, cluttered_desk))(rng, height, width)
    sheet = lying_sheet(rng, width, height, 0.6, 1.05)
    ruling = "plain" if kind == "printed" else pick(rng, ("plain", "ruled", "squared"))
    page, content = page_surface(rng, sheet, width, height, ruling), np.zeros((height, width), np.float32)
    if kind == "printed":
        content = printed_page(rng, sheet, width, height)
        lay_on(page, content, np.full(3, rng.uniform(15, 45)))
    elif kind == "handwritten":
        content = handwriting(rng, sheet, width, height, sheet.rect[1] + sheet.rect[3] * rng.uniform(0.05, 0.2))
        page = ink_on(rng, page, content)
    return Scene(photographed(rng, frame, surroundings, sheet, page, content)[0], [], [])


def render_desk_colour(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """A number on a sheet on a strongly coloured desk (``desk_colour_scene``)."""
    return desk_colour_scene(rng, digits)[:2]


def desk_colour_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    """A legible number of 1-6 digits on a sheet (plain, ruled or squared) lying on, or held up against, a
    strongly coloured desk, and much of the desk in the picture: the sheet 55-90% of the frame's height,
    turned up to 8 degrees and seen in perspective; the camera's white balance tints the paper. Photo or
    webcam."""
    frame = pick(rng, DESK_COLOUR_FRAMES)
    width, height, _ = frame
    surroundings = strong_colour_desk(rng, height, width)
    sheet = lying_sheet(rng, width, height, 0.55, 0.9, widest=1.45)
    page = page_surface(rng, sheet, width, height, pick(rng, ("plain", "plain", "ruled", "squared")))
    x0, y0, x1, y1 = writable(sheet, width, height)
    length = int(rng.integers(1, DESK_COLOUR_LENGTH + 1))
    low, high = fit_height(*(np.array(DESK_COLOUR_DIGITS) * height / 720), length, max(x1 - x0, 1.0))
    mask, text = number_mask(rng, digits, length, int(round(rng.uniform(low, high))))
    mask = solid(shrink_to(mask, max(x1 - x0, 8.0), max(y1 - y0, 8.0)))
    x = int(round(rng.uniform(x0, max(x0, x1 - mask.shape[1]))))
    y = int(round(rng.uniform(y0, max(y0, y1 - mask.shape[0]))))
    ink = np.zeros((height, width), np.float32)
    place(ink, mask, x, y)
    data, boxes = photographed(rng, frame, surroundings, sheet, ink_on(rng, page, ink), ink,
                               [ink_points(mask, x, y)])
    return Scene(data, [text], boxes)


FINDING_SCENES = {"desk-colour": desk_colour_scene, "no-digits": no_digits_scene}
TARGETS = {"desk-colour": 0.95, "no-digits": 0.98}  # no-digits: invents a number in at most 2% of them
