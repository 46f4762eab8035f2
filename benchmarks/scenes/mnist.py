"""The MNIST sets of the reader benchmark: canvas drawings, photos, webcam frames, several numbers on a sheet,
tight crops, each of numbers written with held-out MNIST digits.

Digits are shaped and lined up by the benchmark's own ``ink`` (not training's composer), then rendered the way
the app receives such input. Ink is always alpha-composited onto the scene (ink = mask): no rectangle of
another background is ever pasted, which would give the finder an edge no real picture has.

Each ``*_scene(rng, digits)`` is pure and deterministic and returns a ``Scene`` with each number's true box:
the bounding box of its ink in the image sent (after any tilt of the sheet). ``render_*`` gives its
``(image_bytes, truth)``.
"""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from benchmarks.scenes import ink as pen_ink
from benchmarks.scenes.base import Scene, alpha_box, fit_height, ink_points, place, shrink_to
from benchmarks.scenes.camera import (MULTI, PHOTO, WEBCAM, Camera, Sheet, camera_faults, canvas_png, choose_sheet,
                                      ink_on, jpeg, on_ruling, paper, paper_colour, photograph_boxed, solid, writable)
from training.sources.datasets import Digits

MAX_LENGTH = 8
PEN_REFERENCE = 64  # canvas numbers are written, then reduced to a centre line, at this digit height
PEN_SHARE = pen_ink.PEN_SHARE


def number_mask(rng: np.random.Generator, digits: Digits, length: int, height: int) -> tuple[np.ndarray, str]:
    """A written number: float ink mask in [0, 1] (tight) and its text; digits about ``height`` px tall."""
    return pen_ink.written_number(rng, digits.images, digits.labels, length, height)


# --- canvas: what the page's draw canvas sends ---------------------------------------------------

# The page's drawing area: always 5:2 (app.css .stack--draw), CSS size x devicePixelRatio, its 1-px border
# The page's drawing area: always 5:2 (app.css .stack--draw), CSS size x devicePixelRatio, its 1-px border
# included (the canvas inside is 2 px smaller): a 1280-px desktop window, a narrow desktop window, a 390-px phone at 3x
CANVAS_SIZES = ((974, 390), (750, 300), (1020, 408))
CANVAS_FILL = (0.45, 0.8)  # digit height as a share of the canvas height, when the number fits
MAX_PEN_SHARE = 0.2  # the pen's width at most 1/5 of a digit's height, as thick as MNIST's thickest
MIN_SQUEEZE = 0.7  # a long number is written narrower to fit the canvas, down to 70% of its width
CANVAS_ROOM = 0.95  # the ink's share of the canvas it may span


def canvas_number(rng: np.random.Generator, digits: Digits) -> tuple[np.ndarray, str]:
    """The number a canvas scene draws: 1-8 digits composed at PEN_REFERENCE height (float mask, tight), text."""
    length = int(rng.integers(1, MAX_LENGTH + 1))
    return number_mask(rng, digits, length, PEN_REFERENCE)


def render_canvas(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """A number of 1-8 digits drawn in black on the white draw canvas -> PNG bytes, [text] (``canvas_scene``)."""
    return canvas_scene(rng, digits)[:2]


def canvas_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    """A number of 1-8 digits drawn in black on the white draw canvas -> PNG bytes, [text], [its ink's box].

    The pen is the page's (draw.js): round, width = canvas height / 18. The digits' centre lines
    are the MNIST strokes' skeletons, so every stroke has that one width, as with a real pen.
    Digits are 45-80% of the canvas height tall, never less than 5 pen widths: a pen wider than
    MNIST's writers used would close loops that a real writer, seeing them, draws larger. A long
    number is squeezed horizontally (to 70%) to fit, as people do, and goes only to a canvas where
    it fits that way.
    """
    mask, text = canvas_number(rng, digits)
    segments, reach = pen_ink.centre_segments(mask)
    points = segments.reshape(-1, 2)
    origin = points.min(axis=0)
    path_w, path_h = points.max(axis=0) - origin + 1  # the centre line's extent at the reference height

    def widest_digit(width: int, height: int) -> float:
        """The tallest digit height at which the number, squeezed all it may be, fits the width."""
        return (CANVAS_ROOM * width - height * PEN_SHARE) / (path_w * MIN_SQUEEZE) * PEN_REFERENCE

    fits = [(w, h) for w, h in CANVAS_SIZES if widest_digit(w, h) >= h * PEN_SHARE / MAX_PEN_SHARE]
    width, height = fits[int(rng.integers(len(fits)))] if fits else CANVAS_SIZES[0]
    pen = height * PEN_SHARE
    most = min(CANVAS_FILL[1] * height, (CANVAS_ROOM * height - pen) / path_h * PEN_REFERENCE,
               widest_digit(width, height))
    least = min(max(CANVAS_FILL[0] * height, pen / MAX_PEN_SHARE), most)
    scale = rng.uniform(least, most) / PEN_REFERENCE
    squeeze = min(1.0, (CANVAS_ROOM * width - pen) / (path_w * scale))
    ink_w, ink_h = path_w * scale * squeeze + pen, path_h * scale + pen
    # anywhere, with a little white all round: people do not draw over the canvas's edge
    x = rng.uniform(0.02 * width, max(0.02 * width, 0.98 * width - ink_w)) + pen / 2
    y = rng.uniform(0.02 * height, max(0.02 * height, 0.98 * height - ink_h)) + pen / 2
    alpha = pen_ink.stroke((width, height), segments, (scale * squeeze, scale),
                           (x - origin[0] * scale * squeeze, y - origin[1] * scale),
                           np.minimum(pen, 2 * reach * scale))
    return Scene(canvas_png(np.round(255.0 * (1.0 - alpha)).astype(np.uint8)), [text], [alpha_box(alpha)])


def render_single(rng: np.random.Generator, digits: Digits, camera: Camera) -> tuple[bytes, list[str]]:
    """One number of 1-8 digits written on paper, photographed with ``camera`` (``single_scene``)."""
    return single_scene(rng, digits, camera)[:2]


def single_scene(rng: np.random.Generator, digits: Digits, camera: Camera) -> Scene:
    """One number of 1-8 digits written on paper, photographed with ``camera``; with its box."""
    width, height = camera.frames[int(rng.integers(len(camera.frames)))]
    length = int(rng.integers(1, MAX_LENGTH + 1))
    low, high = camera.digit_height
    sheet = choose_sheet(rng, width, height)
    x0, y0, x1, y1 = writable(sheet, width, height)
    low, high = fit_height(low, high, length, x1 - x0)
    digit_height = rng.uniform(low, high)
    sheet = sheet.rule(digit_height, rng)
    mask, text = number_mask(rng, digits, length, int(round(digit_height)))
    mask = shrink_to(mask, x1 - x0, y1 - y0)
    x = rng.uniform(x0, max(x0, x1 - mask.shape[1]))
    y = rng.uniform(y0, max(y0, y1 - mask.shape[0]))
    y = min(max(on_ruling(rng, sheet, y + mask.shape[0]) - mask.shape[0], y0), y1 - mask.shape[0])
    ink = np.zeros((height, width), np.float32)
    place(ink, solid(mask), int(round(x)), int(round(y)))
    numbers = [ink_points(solid(mask), int(round(x)), int(round(y)))]
    data, boxes = photograph_boxed(rng, camera, width, height, sheet, ink, numbers)
    return Scene(data, [text], boxes)



def render_photo(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """A number on paper, photographed by a phone: 1280x720 or 640x480 JPEG, digits 40-120 px tall."""
    return render_single(rng, digits, PHOTO)


def photo_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    return single_scene(rng, digits, PHOTO)


def render_webcam(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """A number on paper held to a webcam: 640x480, flat contrast, noise, blur, digits 30-70 px tall."""
    return render_single(rng, digits, WEBCAM)


def webcam_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    return single_scene(rng, digits, WEBCAM)


# --- several numbers on one sheet ----------------------------------------------------------------

def number_rows(rng: np.random.Generator) -> list[list[int]]:
    """Digit counts, line by line: two or three numbers of 1-6 digits, one a line, or at times two of
    them sharing a line."""
    rows = [[int(rng.integers(1, 7))] for _ in range(int(rng.integers(2, 4)))]
    if rng.random() < 0.3:
        first = int(rng.integers(len(rows) - 1))
        rows[first : first + 2] = [rows[first] + rows[first + 1]]
    return rows


def number_line(rng: np.random.Generator, digits: Digits, lengths: list[int], digit_height: float,
                room: float) -> list[tuple[np.ndarray, str]]:
    """The numbers of one line, smaller if need be so that the line fits into ``room`` px."""
    # each digit about one height wide, and up to 3.5 heights between two numbers
    height = min(digit_height, room / (sum(lengths) + 3.5 * (len(lengths) - 1)))
    return [number_mask(rng, digits, n, int(round(height))) for n in lengths]


def render_multi(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """Two or three numbers on separate lines of a 1280x720 photo (``multi_scene``)."""
    return multi_scene(rng, digits)[:2]


def multi_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    """Two or three numbers on separate lines of a 1280x720 photo; at times two share a line with a
    clear gap of 2-3.5 digit widths between them. Truth and boxes in reading order."""
    camera = MULTI
    width, height = camera.frames[0]
    sheet = choose_sheet(rng, width, height, min_height=0.8)
    x0, y0, x1, y1 = writable(sheet, width, height)
    rows = number_rows(rng)
    # baseline to baseline: numbers are at most 1.4 digit heights tall (jitter), so the lines keep a
    # clear gap of at least half a digit height between them
    pitch = rng.uniform(1.9, 2.5)
    most = (y1 - y0) / ((len(rows) - 1) * pitch + 1.4)
    low, high = camera.digit_height
    digit_height = rng.uniform(min(low, most), min(high, most))
    lines = [number_line(rng, digits, lengths, digit_height, x1 - x0) for lengths in rows]
    top = y0 + 1.4 * digit_height
    first = rng.uniform(top, max(top, y1 - (len(rows) - 1) * pitch * digit_height))
    if sheet.ruled:  # numbers sit on the ruled lines: on every line or every other one
        spacing = pitch * digit_height / int(rng.integers(1, 3))
        sheet = replace(sheet, ruling=spacing, ruling_offset=((first - sheet.rect[1]) / spacing - 1) % 1)
    ink = np.zeros((height, width), np.float32)
    truth, numbers = [], []
    for row, line in enumerate(lines):
        baseline = first + row * pitch * digit_height
        widths = [mask.shape[1] for mask, _ in line]
        digit_width = np.mean([mask.shape[1] / len(text) for mask, text in line])
        between = digit_width * rng.uniform(2.0, 3.5) if len(line) == 2 else 0.0
        x = rng.uniform(x0, max(x0, x1 - sum(widths) - between))
        for mask, text in line:
            bottom = baseline - rng.uniform(-0.03, 0.08) * digit_height
            place(ink, solid(mask), int(round(x)), int(round(bottom - mask.shape[0])))
            numbers.append(ink_points(solid(mask), int(round(x)), int(round(bottom - mask.shape[0]))))
            truth.append(text)
            x += mask.shape[1] + between
    data, boxes = photograph_boxed(rng, camera, width, height, sheet, ink, numbers)
    return Scene(data, truth, boxes)


# --- a tight crop: just the number, cut out of a photo -------------------------------------------

CROP_DIGIT_HEIGHT = (28.0, 110.0)  # px: the crop keeps the photo's resolution
CROP_MARGIN = (0.05, 0.35)  # the paper left round the number on each side, in digit heights


def render_crop(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """One number cropped tight out of a photo of a sheet (``crop_scene``)."""
    return crop_scene(rng, digits)[:2]


def crop_scene(rng: np.random.Generator, digits: Digits) -> Scene:
    """One number of 1-8 digits cropped tight out of a photo of a sheet, a little paper left round it, as
    people crop before uploading: JPEG of the crop's own size, digits 28-110 px tall. Paper, ink and camera
    as in the photo set; light varies little over so small a piece."""
    length = int(rng.integers(1, MAX_LENGTH + 1))
    digit_height = rng.uniform(*CROP_DIGIT_HEIGHT)
    mask, text = number_mask(rng, digits, length, int(round(digit_height)))
    top, bottom, left, right = (int(round(rng.uniform(*CROP_MARGIN) * digit_height)) for _ in range(4))
    ink = cv2.copyMakeBorder(solid(mask), top, bottom, left, right, cv2.BORDER_CONSTANT, value=0.0)
    height, width = ink.shape
    sheet = Sheet((0, 0, width, height), paper_colour(rng), ruled=False)
    surface = ink_on(rng, paper(rng, sheet, width, height), ink)
    return Scene(jpeg(rng, camera_faults(rng, surface, PHOTO), PHOTO.jpeg_quality), [text], [alpha_box(ink)])


SCENES = {"canvas": render_canvas, "photo": render_photo, "webcam": render_webcam, "multi": render_multi,
          "crop": render_crop}
# a tight crop "is read as well as a photo" (issue 3): the photo's target
TARGETS = {"canvas": 0.97, "photo": 0.95, "webcam": 0.90, "multi": 0.90, "crop": 0.95}
BOXED_SCENES = {"canvas": canvas_scene, "photo": photo_scene, "webcam": webcam_scene, "multi": multi_scene,
                "crop": crop_scene}
