"""Scenes with known numbers: canvas drawings, photos, webcam frames, several numbers, tight crops.

The reader benchmark (``benchmarks.reader``) measures the app on them, and the tests draw with them.

Every scene is built from MNIST digits with the training generator's own ``transform_digit``
and ``compose`` (rotation within 15 degrees, writer's width, stroke weight, jitter and gaps),
then rendered the way the app receives such input. Ink is always alpha-composited onto the
scene (ink = mask): no rectangle of another background is ever pasted, which would give the
detector an edge no real picture has.

Each ``render_*(rng, digits)`` is pure and deterministic: the same generator state and digits
give the same bytes. It returns ``(image_bytes, truth)``, where ``truth`` lists the numbers'
texts in reading order (lines top to bottom, left to right within a line).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from training.datasets import Digits
from training.pen import PEN_SHARE  # the page's pen width as a share of the canvas height (draw.js PEN_SHARE)
from training.strokes import draw_pen, full_strength, pen_path
from training.synth import compose, transform_digit

MAX_ANGLE = 15.0  # as in training (training.synth.SynthConfig.max_angle)
MAX_LENGTH = 8
PEN_REFERENCE = 64  # canvas numbers are composed, then thinned to a pen path, at this digit height


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
    """A number of 1-8 digits drawn in black on the white draw canvas -> PNG bytes, [text].

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
    return canvas_png(np.round(255.0 * (1.0 - alpha)).astype(np.uint8)), [text]


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
    return jpeg(rng, camera_faults(rng, frame, camera), camera.jpeg_quality)


def on_ruling(rng: np.random.Generator, sheet: Sheet, bottom: float) -> float:
    """Move a number's bottom onto the nearest ruled line, touching it or a little above it, as
    people write on lined paper."""
    if not sheet.ruled:
        return bottom
    first = sheet.rect[1] + sheet.ruling * (1 + sheet.ruling_offset)
    line = first + round((bottom - first) / sheet.ruling) * sheet.ruling
    return line - rng.uniform(-0.5, 0.08 * sheet.ruling)


def render_single(rng: np.random.Generator, digits: Digits, camera: Camera) -> tuple[bytes, list[str]]:
    """One number of 1-8 digits written on paper, photographed with ``camera``."""
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
    return photograph(rng, camera, width, height, sheet, ink), [text]


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


def render_webcam(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
    """A number on paper held to a webcam: 640x480, flat contrast, noise, blur, digits 30-70 px tall."""
    return render_single(rng, digits, WEBCAM)


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
    """Two or three numbers on separate lines of a 1280x720 photo; at times two share a line with a
    clear gap of 2-3.5 digit widths between them. Truth in reading order."""
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
    truth = []
    for row, line in enumerate(lines):
        baseline = first + row * pitch * digit_height
        widths = [mask.shape[1] for mask, _ in line]
        digit_width = np.mean([mask.shape[1] / len(text) for mask, text in line])
        between = digit_width * rng.uniform(2.0, 3.5) if len(line) == 2 else 0.0
        x = rng.uniform(x0, max(x0, x1 - sum(widths) - between))
        for mask, text in line:
            bottom = baseline - rng.uniform(-0.03, 0.08) * digit_height
            place(ink, solid(mask), int(round(x)), int(round(bottom - mask.shape[0])))
            truth.append(text)
            x += mask.shape[1] + between
    return photograph(rng, camera, width, height, sheet, ink), truth


# --- a tight crop: just the number, cut out of a photo -------------------------------------------

CROP_DIGIT_HEIGHT = (28.0, 110.0)  # px: the crop keeps the photo's resolution
CROP_MARGIN = (0.05, 0.35)  # the paper left round the number on each side, in digit heights


def render_crop(rng: np.random.Generator, digits: Digits) -> tuple[bytes, list[str]]:
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
    return jpeg(rng, camera_faults(rng, surface, PHOTO), PHOTO.jpeg_quality), [text]


SCENES = {"canvas": render_canvas, "photo": render_photo, "webcam": render_webcam, "multi": render_multi,
          "crop": render_crop}
# a tight crop "is read as well as a photo" (issue 3): the photo's target
TARGETS = {"canvas": 0.97, "photo": 0.95, "webcam": 0.90, "multi": 0.90, "crop": 0.95}
