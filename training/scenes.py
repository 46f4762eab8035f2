"""Scenes with known numbers: canvas drawings, photos, webcam frames, several numbers, tight crops.

The reader benchmark (``benchmarks.reader``) measures the app on them, and the tests draw with them.

Every scene is built from MNIST digits with the training generator's own ``transform_digit``
and ``compose`` (rotation within 15 degrees, writer's width, stroke weight, jitter and gaps),
then rendered the way the app receives such input. Ink is always alpha-composited onto the
scene (ink = mask): no rectangle of another background is ever pasted, which would give the
detector an edge no real picture has.

Each ``render_*(rng, digits)`` is pure and deterministic: the same generator state and digits
give the same bytes. It returns ``(image_bytes, truth)``, where ``truth`` lists the numbers'
texts in reading order (lines top to bottom, left to right within a line). Its ``*_scene`` twin
(``BOXED_SCENES``) draws the very same image from the same generator and returns a ``Scene``, which
adds each number's true box: the bounding box of its ink in the image sent (after any tilt of the
sheet), for measuring how tightly the reader boxes what it reads.

The later sets (``FINDING_SCENES``) test finding numbers: a legible number on a sheet on a strongly
coloured desk (``desk-colour``), and pictures that hold no digit at all (``no-digits``: blank,
ruled and squared paper, pages of printed and handwritten words, keyboards and cluttered desks).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.datasets import Digits
from training.pen import PEN_SHARE  # the page's pen width as a share of the canvas height (draw.js PEN_SHARE)
from training.strokes import draw_pen, full_strength, pen_path
from training.synth import compose, transform_digit

MAX_ANGLE = 15.0  # as in training (training.synth.SynthConfig.max_angle)
MAX_LENGTH = 8
PEN_REFERENCE = 64  # canvas numbers are composed, then thinned to a pen path, at this digit height
INK_LEVEL = 0.5  # ink alpha from which a pixel counts as the number's ink, for its true box

Box = tuple[int, int, int, int]  # x, y, width, height in image pixels


class Scene(NamedTuple):
    """A rendered image, the numbers in it in reading order, and each number's true box (its ink's)."""

    data: bytes
    truth: list[str]
    boxes: list[Box]


# --- true boxes ----------------------------------------------------------------------------------

def alpha_box(alpha: np.ndarray, level: float = INK_LEVEL) -> Box:
    """The bounding box of the pixels of ``alpha`` at or above ``level`` ((0, 0, 0, 0) when none is)."""
    ys, xs = np.nonzero(alpha >= level)
    if not len(xs):
        return 0, 0, 0, 0
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def ink_points(mask: np.ndarray, x: int, y: int, level: float = INK_LEVEL) -> np.ndarray:
    """The frame coordinates (x, y) of the centres of the ink pixels of ``mask`` placed at (x, y)."""
    ys, xs = np.nonzero(mask >= level)
    return np.column_stack([xs + x, ys + y]).astype(np.float32)


def warped_box(points: np.ndarray, homography: np.ndarray, width: int, height: int) -> Box:
    """The box round ``points`` moved by ``homography``, in whole pixels, clipped to the frame. A warped
    image's pixel takes its value from where the homography's inverse sends its centre, so a moved point
    lands in the pixel it rounds to."""
    if not len(points):
        return 0, 0, 0, 0
    moved = np.rint(cv2.perspectiveTransform(points[None].astype(np.float64), homography)[0])
    x0, y0 = np.maximum(moved.min(axis=0), 0)
    x1, y1 = np.minimum(moved.max(axis=0) + 1, (width, height))
    return int(x0), int(y0), int(max(x1 - x0, 0)), int(max(y1 - y0, 0))


# --- numbers -------------------------------------------------------------------------------------

def tight(mask: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """Crop a float mask to the pixels above ``threshold``."""
    ys, xs = np.nonzero(mask > threshold)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else mask


def number_mask(rng: np.random.Generator, digits: Digits, length: int, height: int) -> tuple[np.ndarray, str]:
    """A written number: float ink mask in [0, 1] (tight) and its text; digits about ``height`` px tall."""
    picks = rng.integers(0, len(digits), length)
    masks = [full_strength(transform_digit(digits.images[i], rng, height, MAX_ANGLE)) for i in picks]
    mask, _ = compose(masks, rng, vertical=False)
    return tight(mask), "".join(str(digits.labels[i]) for i in picks)


def fit_height(low: float, high: float, length: int, room: float, width_per_height: float = 1.0) -> tuple[float, float]:
    """Narrow a digit-height range so ``length`` digits (about ``width_per_height`` x height wide each,
    gaps included) fit into ``room`` pixels; the low end gives way when even it does not fit."""
    most = room / (length * width_per_height)
    return min(low, most), min(high, most)


def place(layer: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """Add ``mask`` into the alpha ``layer`` at (x, y) (max, so overlaps stay ink), clipped to the layer."""
    h, w = mask.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(layer.shape[1], x + w), min(layer.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        region = layer[y0:y1, x0:x1]
        np.maximum(region, mask[y0 - y : y1 - y, x0 - x : x1 - x], out=region)


# --- canvas: what the page's draw canvas sends ---------------------------------------------------

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
    come from thinning the MNIST strokes, so every stroke has that one width, as with a real pen.
    Digits are 45-80% of the canvas height tall, never less than 5 pen widths: a pen wider than
    MNIST's writers used would close loops that a real writer, seeing them, draws larger. A long
    number is squeezed horizontally (to 70%) to fit, as people do, and goes only to a canvas where
    it fits that way.
    """
    mask, text = canvas_number(rng, digits)
    segments = pen_path(mask)
    points = np.array([point for segment in segments for point in segment], np.float32)
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
    alpha = draw_pen((width, height), segments, (scale * squeeze, scale),
                     (x - origin[0] * scale * squeeze, y - origin[1] * scale), pen)
    return Scene(canvas_png(np.round(255.0 * (1.0 - alpha)).astype(np.uint8)), [text], [alpha_box(alpha)])


def canvas_png(gray: np.ndarray) -> bytes:
    """A grayscale canvas as ``canvas.toBlob`` sends it: an opaque RGBA PNG."""
    _, buf = cv2.imencode(".png", cv2.merge([gray, gray, gray, np.full_like(gray, 255)]))
    return buf.tobytes()


# --- photos and webcam frames -------------------------------------------------------------------

@dataclass(frozen=True)
class Camera:
    """How a kind of picture is taken: frame sizes, digit sizes in the frame, and the camera's faults."""

    frames: tuple[tuple[int, int], ...]
    digit_height: tuple[float, float]  # px in the frame
    jpeg_quality: tuple[int, int]
    blur: tuple[float, float]  # Gaussian sigma, px
    noise: tuple[float, float]  # sensor noise sigma, grey levels
    contrast: tuple[float, float]  # 1 = as lit; webcams flatten the range
    motion_blur: float  # share of frames with a short motion smear
    vignette: tuple[float, float]  # light lost in the far corners, as a fraction


PHOTO = Camera(frames=((1280, 720), (640, 480)), digit_height=(40, 120), jpeg_quality=(70, 92), blur=(0.4, 1.2),
               noise=(1.5, 5.0), contrast=(0.9, 1.0), motion_blur=0.0, vignette=(0.05, 0.35))
WEBCAM = Camera(frames=((640, 480),), digit_height=(30, 70), jpeg_quality=(50, 75), blur=(0.8, 1.6),
                noise=(4.0, 10.0), contrast=(0.55, 0.8), motion_blur=0.35, vignette=(0.15, 0.45))
MULTI = replace(PHOTO, frames=((1280, 720),))


@dataclass(frozen=True)
class Sheet:
    """A sheet of paper: where it lies before the tilt (x, y, w, h), its colour and its ruling."""

    rect: tuple[float, float, float, float]
    colour: np.ndarray  # RGB
    ruled: bool
    ruling: float = 0.0  # ruled line spacing in px, set to suit the hand by ``rule``
    ruling_offset: float = 0.0  # where the first line falls, as a fraction of the spacing

    def rule(self, digit_height: float, rng: np.random.Generator) -> "Sheet":
        """Lines about 1.25-1.7 digit heights apart, as someone picks paper that suits their hand."""
        if not self.ruled:
            return self
        return replace(self, ruling=digit_height * rng.uniform(1.25, 1.7), ruling_offset=rng.uniform(0, 1))


def desk(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A darker surface around the paper: wood, grey laminate or dark cloth, with a grainy texture."""
    base = [np.array([120, 85, 55]), np.array([95, 95, 100]), np.array([60, 55, 50])][int(rng.integers(3))]
    base = base * rng.uniform(0.7, 1.3)
    # low-frequency blotches plus streaks along one axis (wood grain, weave)
    blotch = cv2.resize(rng.normal(0, 1, (6, 10)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    grain = cv2.resize(rng.normal(0, 1, (height // 2, 8)).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_LINEAR)
    texture = 12 * blotch + 8 * grain
    return np.clip(base[None, None, :] + texture[:, :, None], 0, 255).astype(np.float32)


def choose_sheet(rng: np.random.Generator, width: int, height: int, min_height: float = 0.6) -> Sheet:
    """Paper filling 55-110% of the frame's width and ``min_height``-115% of its height, partly off
    the frame at times; plain or ruled."""
    w = width * rng.uniform(0.55, 1.1)
    h = height * rng.uniform(min_height, 1.15)
    x = rng.uniform(min(0.0, width - w), max(0.0, width - w)) if w < width else rng.uniform(width - w, 0)
    y = rng.uniform(min(0.0, height - h), max(0.0, height - h)) if h < height else rng.uniform(height - h, 0)
    return Sheet((x, y, w, h), paper_colour(rng), ruled=bool(rng.random() < 0.35))


def paper_colour(rng: np.random.Generator) -> np.ndarray:
    """White to cream paper (RGB)."""
    return np.array([rng.uniform(225, 250), rng.uniform(222, 248), rng.uniform(205, 240)])


def writable(sheet: Sheet, width: int, height: int) -> tuple[float, float, float, float]:
    """The part of the sheet inside the frame, less a margin the tilt may take: (x0, y0, x1, y1)."""
    x, y, w, h = sheet.rect
    margin = 0.07 * min(width, height)
    return max(x, 0) + margin, max(y, 0) + margin, min(x + w, width) - margin, min(y + h, height) - margin


def paper(rng: np.random.Generator, sheet: Sheet, width: int, height: int) -> np.ndarray:
    """The paper's surface in frame coordinates (before the tilt): colour, fibre texture, ruled lines."""
    fibres = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), rng.uniform(0.6, 2.0))
    surface = sheet.colour[None, None, :] + (fibres * rng.uniform(1.5, 4.0))[:, :, None]
    if sheet.ruled:
        line_colour = np.array([150, 185, 225]) + rng.uniform(-15, 20)  # printed light blue
        thickness = max(1, round(height / 480))
        first = sheet.rect[1] + sheet.ruling * (1 + sheet.ruling_offset)
        strength = rng.uniform(0.5, 0.9)  # how much of the line's colour shows
        for y in np.arange(first, sheet.rect[1] + sheet.rect[3], sheet.ruling):
            row = slice(int(y), int(y) + thickness)
            surface[row] = surface[row] * (1 - strength) + line_colour * strength
    return surface


def ink_colour(rng: np.random.Generator) -> np.ndarray:
    """Dark grey pencil or felt tip, blue-black or black ballpoint (RGB)."""
    choices = [np.array([45, 45, 50]), np.array([30, 35, 70]), np.array([20, 20, 25]), np.array([35, 45, 110])]
    return choices[int(rng.integers(len(choices)))] + rng.uniform(-10, 20)


def ink_on(rng: np.random.Generator, surface: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Write with a pen of ``ink_colour`` on ``surface`` (float RGB) where the alpha ``ink`` says; the pen
    covers 85-100% of the paper under it."""
    colour = ink_colour(rng)
    alpha = (ink * rng.uniform(0.85, 1.0))[:, :, None]
    return surface * (1 - alpha) + colour * alpha


def solid(mask: np.ndarray) -> np.ndarray:
    """Sharpen MNIST's soft edges: pen ink on paper is opaque with a thin edge (the camera blurs it)."""
    return np.clip((mask - 0.2) / 0.5, 0.0, 1.0)


def tilt(rng: np.random.Generator, sheet: Sheet, strength: float = 0.03, max_angle: float = 4.0) -> np.ndarray:
    """A homography for a sheet lying slightly turned and seen slightly off-axis (frame -> frame)."""
    x, y, w, h = sheet.rect
    corners = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    centre = corners.mean(axis=0)
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    moved = (corners - centre) @ rotation.T + centre
    moved += rng.uniform(-strength, strength, (4, 2)).astype(np.float32) * np.float32([w, h])
    return cv2.getPerspectiveTransform(corners, moved.astype(np.float32))


def keep_in_frame(homography: np.ndarray, ink: np.ndarray, width: int, height: int) -> np.ndarray:
    """Shift the tilted sheet, if need be, so that all of the ink stays well inside the frame."""
    ys, xs = np.nonzero(ink > 0.1)
    if not len(xs):
        return homography
    corners = np.float32([[xs.min(), ys.min()], [xs.max(), ys.min()], [xs.max(), ys.max()], [xs.min(), ys.max()]])
    moved = cv2.perspectiveTransform(corners[None], homography)[0]
    margin = 0.02 * min(width, height)
    shift = [max(0.0, margin - moved[:, i].min()) - max(0.0, moved[:, i].max() - (size - 1 - margin))
             for i, size in ((0, width), (1, height))]
    return np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]], np.float64) @ homography


def lighting(rng: np.random.Generator, height: int, width: int, vignette: tuple[float, float]) -> np.ndarray:
    """Multiplicative light: falloff towards the corners, a slow gradient, sometimes a soft shadow."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width * rng.uniform(0.35, 0.65), height * rng.uniform(0.35, 0.65)
    r2 = ((xs - cx) / width) ** 2 + ((ys - cy) / height) ** 2
    light = 1.0 - rng.uniform(*vignette) * r2 / r2.max()
    direction = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(direction) * xs / width + np.sin(direction) * ys / height
    light *= 1.0 - rng.uniform(0, 0.2) * (ramp - ramp.min()) / np.ptp(ramp)
    if rng.random() < 0.6:  # a hand's or a phone's shadow: a soft-edged darker half-plane
        direction = rng.uniform(0, 2 * np.pi)
        edge_x, edge_y = width * rng.uniform(0.2, 0.8), height * rng.uniform(0.2, 0.8)
        along = np.cos(direction) * (xs - edge_x) + np.sin(direction) * (ys - edge_y)
        softness = rng.uniform(0.05, 0.3) * width
        light *= 1.0 - rng.uniform(0.1, 0.35) / (1.0 + np.exp(-along / softness))
    return light


def camera_faults(rng: np.random.Generator, image: np.ndarray, camera: Camera) -> np.ndarray:
    """Optics and sensor: flattened contrast, blur, a motion smear at times, noise; float RGB -> uint8."""
    image = image.mean() + (image - image.mean()) * rng.uniform(*camera.contrast)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(*camera.blur))
    if rng.random() < camera.motion_blur:
        length = int(rng.integers(4, 10))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1.0 / length
        turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        image = cv2.filter2D(image, -1, kernel / kernel.sum())
    sigma = rng.uniform(*camera.noise)
    luminance = rng.normal(0, sigma, image.shape[:2]).astype(np.float32)[:, :, None]
    chroma = rng.normal(0, sigma * 0.4, image.shape).astype(np.float32)
    return np.clip(image + luminance + chroma, 0, 255).astype(np.uint8)


def jpeg(rng: np.random.Generator, rgb: np.ndarray, quality: tuple[int, int]) -> bytes:
    """Encode RGB uint8 as a JPEG at a quality drawn from ``quality``."""
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(quality[0], quality[1] + 1))])
    return buf.tobytes()


def photograph(rng: np.random.Generator, camera: Camera, width: int, height: int, sheet: Sheet,
               ink: np.ndarray) -> bytes:
    """Compose desk, paper and ink (alpha ``ink`` in frame coordinates before the tilt), light it,
    tilt the sheet, and pass it through the camera -> JPEG bytes."""
    return photograph_boxed(rng, camera, width, height, sheet, ink, [])[0]


def photograph_boxed(rng: np.random.Generator, camera: Camera, width: int, height: int, sheet: Sheet,
                     ink: np.ndarray, numbers: list[np.ndarray]) -> tuple[bytes, list[Box]]:
    """``photograph``, and the box of each of ``numbers`` (its ink's ``ink_points`` before the tilt) in the
    picture taken. The boxes draw nothing from ``rng``: the picture is ``photograph``'s."""
    surface = ink_on(rng, paper(rng, sheet, width, height), ink)
    x, y, w, h = sheet.rect
    sheet_alpha = np.zeros((height, width), np.float32)
    cv2.rectangle(sheet_alpha, (int(x), int(y)), (int(x + w), int(y + h)), 1.0, -1)
    homography = keep_in_frame(tilt(rng, sheet), ink, width, height)
    surface = cv2.warpPerspective(surface.astype(np.float32), homography, (width, height),
                                  flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    sheet_alpha = cv2.warpPerspective(sheet_alpha, homography, (width, height), flags=cv2.INTER_LINEAR)[:, :, None]
    frame = desk(rng, height, width) * (1 - sheet_alpha) + surface * sheet_alpha
    frame *= lighting(rng, height, width, camera.vignette)[:, :, None]
    boxes = [warped_box(points, homography, width, height) for points in numbers]
    return jpeg(rng, camera_faults(rng, frame, camera), camera.jpeg_quality), boxes


def on_ruling(rng: np.random.Generator, sheet: Sheet, bottom: float) -> float:
    """Move a number's bottom onto the nearest ruled line, touching it or a little above it, as
    people write on lined paper."""
    if not sheet.ruled:
        return bottom
    first = sheet.rect[1] + sheet.ruling * (1 + sheet.ruling_offset)
    line = first + round((bottom - first) / sheet.ruling) * sheet.ruling
    return line - rng.uniform(-0.5, 0.08 * sheet.ruling)


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


def shrink_to(mask: np.ndarray, width: float, height: float) -> np.ndarray:
    """Scale a mask down (never up) so it fits within width x height."""
    scale = min(1.0, width / mask.shape[1], height / mask.shape[0])
    if scale >= 1.0:
        return mask
    size = (max(1, int(mask.shape[1] * scale)), max(1, int(mask.shape[0] * scale)))
    return cv2.resize(mask, size, interpolation=cv2.INTER_AREA)


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


# --- finding numbers: a number on a strongly coloured desk, and pictures without a digit ------------------
#
# Other code, other parameters than the detector's training scenes (training.detect_scenes): these desks,
# keyboards, clutter, papers, light and white balance are drawn here, and words come from the DejaVu fonts
# (printed by Pillow, or their letters' centre lines written again by a wobbling pen), not from Hershey's.

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


def pick(rng: np.random.Generator, choices):
    return choices[int(rng.integers(len(choices)))]


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
    baseline; and the letter's advance. Thinned from the font's glyph, so one pen can write it again."""
    typeface = font(face, GLYPH_SIZE)
    glyph = Image.new("L", (2 * GLYPH_SIZE, 2 * GLYPH_SIZE), 0)
    origin = (GLYPH_SIZE // 2, int(1.4 * GLYPH_SIZE))
    ImageDraw.Draw(glyph).text(origin, letter, fill=255, font=typeface, anchor="ls")
    segments = np.array(pen_path(np.asarray(glyph, np.float32) / 255.0), np.float32).reshape(-1, 2, 2)
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
    return draw_pen((width, height), np.concatenate(segments), (1.0, 1.0), (0.0, 0.0), pen)


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


# after the real sets in benchmarks.reader.ALL_SETS (a set's place seeds its images): appended, never reordered
FINDING_SCENES = {"desk-colour": render_desk_colour, "no-digits": render_no_digits}
BOXED_SCENES.update({"desk-colour": desk_colour_scene, "no-digits": no_digits_scene})
TARGETS.update({"desk-colour": 0.95, "no-digits": 0.98})  # no-digits: invents a number in at most 2% of them
