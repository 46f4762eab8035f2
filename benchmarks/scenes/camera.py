"""Taking the benchmark's pictures: the page's canvas PNG, and photos of paper: sheets, desks, ink colours,
tilt, light, the camera's faults and its JPEG.

Camera and paper choices here are the benchmark's own (the detector's and the reader's training scenes are
drawn by ``training.scenes.detect_scenes`` and ``training.scenes.synth`` with their own code and parameters).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from benchmarks.scenes.base import Box, warped_box


def canvas_png(gray: np.ndarray) -> bytes:
    """A grayscale canvas as ``canvas.toBlob`` sends it: an opaque RGBA PNG."""
    _, buf = cv2.imencode(".png", cv2.merge([gray, gray, gray, np.full_like(gray, 255)]))
    return buf.tobytes()



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
