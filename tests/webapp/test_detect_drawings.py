"""The detector on drawings as the page's pen makes them (no model involved).

The draw tab's pen is black, round-capped, canvas.height / 18 wide (PEN_SHARE), on white (static/js/draw.js).
Whatever a model reads, the detector must hand it each drawn number as one region around its ink.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.support.api_checks import iou
from tests.support.digit_paper import GLYPH_ADVANCE, centred, draw_strokes, glyph_strokes, sheet
from benchmarks.scenes.ink import PEN_SHARE
from training.core import detect

# (width, height) of the draw canvas: the page at 1280 px wide gives 972x388; smaller windows less.
CANVASES = [(972, 388), (800, 400), (600, 300)]


def centred_strokes(text: str, size: tuple[int, int], fraction: float, mark=()) -> list:
    """``text`` in glyph strokes ``fraction`` of the canvas tall, centred; plus ``mark``, one more stroke given
    in digit heights from the first digit's top left corner (the 1 glyph's ink starts at x 0.25)."""
    width, height = size
    digit_height = fraction * height
    left = (width - (len(text) - 1) * GLYPH_ADVANCE * digit_height - 0.6 * digit_height) / 2
    top = (height - digit_height) / 2
    strokes = glyph_strokes(text, left, top, digit_height)
    if mark:
        strokes.append([(left + mx * digit_height, top + my * digit_height) for mx, my in mark])
    return strokes


def pen_drawing(text: str, size: tuple[int, int], fraction: float, mark=()) -> np.ndarray:
    return draw_strokes(size, centred_strokes(text, size, fraction, mark), size[1] * PEN_SHARE)


def ink_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(gray < 128)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def assert_one_region_around_the_ink(gray: np.ndarray) -> None:
    regions = detect.find_numbers(gray)
    ink = ink_box(gray if gray.mean() > 127 else 255 - gray)
    assert len(regions) == 1, f"expected one number around the ink {ink}, found {[r.box for r in regions]}"
    assert iou(regions[0].box, ink) > 0.8, (regions[0].box, ink)


@pytest.mark.parametrize("size", CANVASES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("text", ["0", "1", "40", "170"])
@pytest.mark.parametrize("fraction", [0.4, 0.6])
def test_pen_drawing_is_one_region_around_its_ink(text, size, fraction):
    drawing = pen_drawing(text, size, fraction)
    assert_one_region_around_the_ink(drawing)


def tap(drawing: np.ndarray, x: int, y: int) -> np.ndarray:
    """The pen's dot where a tap left it (draw.js starts every stroke with one)."""
    tapped = drawing.copy()
    cv2.circle(tapped, (x, y), int(round(tapped.shape[0] * PEN_SHARE / 2)), 0, -1, cv2.LINE_AA)
    return tapped


@pytest.mark.parametrize("size", CANVASES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_stray_tap_beside_a_number_is_not_a_number(size):
    drawing = pen_drawing("74", size, 0.6)
    assert_one_region_around_the_ink(drawing)
    regions = detect.find_numbers(tap(drawing, int(size[0] * 0.85), int(size[1] * 0.3)))
    assert [r.box for r in regions] == [r.box for r in detect.find_numbers(drawing)]


@pytest.mark.parametrize("size", CANVASES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_bar_the_pen_left_beside_a_number_is_part_of_it(size):
    """A 7 whose bar was drawn apart, left of its stem (as "71618" in the canvas set was read "8", "11618")."""
    drawing = pen_drawing("140", size, 0.6, mark=[(-0.15, 0.02), (0.12, 0.0)])  # a pen's width from the stem
    assert_one_region_around_the_ink(drawing)


@pytest.mark.parametrize("size", CANVASES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_dab_of_the_pen_beside_a_number_is_not_a_number(size):
    """A short dab, half as tall again as wide, just before the first digit: dropped, neither read as a number
    (as a "5" was in the canvas set) nor joined to the number beside it."""
    drawing = pen_drawing("140", size, 0.6, mark=[(0.0, 0.2), (0.01, 0.26)])
    alone = pen_drawing("140", size, 0.6)
    assert [r.box for r in detect.find_numbers(drawing)] == [r.box for r in detect.find_numbers(alone)]


def test_a_tap_alone_is_nothing_found():
    assert detect.find_numbers(tap(np.full((390, 974), 255, np.uint8), 400, 200)) == []


@pytest.mark.parametrize("text", ["40", "170"])
def test_pen_drawing_ink_is_dark(text):
    assert detect.ink_is_dark(pen_drawing(text, (800, 400), 0.6))


@pytest.mark.parametrize("height", [40, 80, 120])
@pytest.mark.parametrize("text", ["2580", "93"])
def test_bold_mnist_digits_on_white_are_one_region(text, height):
    page = centred(text, size=(max(480, int(len(text) * height * 1.4) + 80), height * 2 + 40), height=height)
    assert_one_region_around_the_ink(page)


@pytest.mark.parametrize("text", ["40", "170"])
def test_light_ink_on_dark_is_found_too(text):
    chalk = 255 - pen_drawing(text, (800, 400), 0.4)
    assert_one_region_around_the_ink(chalk)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("name, number", [("webcam-desk-92.jpg", (389, 72, 64, 45)),
                                          ("webcam-desk-911.jpg", (166, 261, 92, 37))])
def test_marks_on_the_desk_around_a_sheet_are_not_numbers(name, number):
    """Webcam frames from the reader benchmark (MNIST test digits on a sheet, a textured desk around it):
    the desk's grain once came out as extra numbers such as "488" and "88"."""
    frame = cv2.imread(str(FIXTURES / name), cv2.IMREAD_GRAYSCALE)
    regions = detect.find_numbers(frame)
    assert len(regions) == 1, [r.box for r in regions]
    assert iou(regions[0].box, number) > 0.8, (regions[0].box, number)


@pytest.mark.parametrize("digit", ["5", "4", "1"])
def test_one_small_digit_on_a_whole_frame_of_paper_is_found(digit):
    """A digit 40 px tall on a 1280x720 frame of grey paper is well under 0.1% of it: its contrast still counts."""
    rng = np.random.default_rng(3)
    page = sheet((1280, 720), [(digit, (600, 340), 40)], paper=205, ink=60).astype(np.float32)
    gray = np.clip(cv2.GaussianBlur(page, (0, 0), 0.8) + rng.normal(0, 3, page.shape), 0, 255).astype(np.uint8)
    assert_one_region_around_the_ink(gray)


def test_blank_paper_with_sensor_noise_holds_no_number():
    rng = np.random.default_rng(7)
    gray = np.clip(rng.normal(200, 6, (720, 1280)), 0, 255).astype(np.uint8)
    assert detect.find_numbers(cv2.GaussianBlur(gray, (0, 0), 0.8)) == []


@pytest.mark.parametrize("q", [0, 10, 50, 90, 99.9, 100])
def test_uint8_percentile_is_numpys_lower_percentile_also_of_a_view(q):
    image = np.random.default_rng(3).integers(0, 256, (90, 130), dtype=np.uint8)[5:-5, 7:-7]  # not contiguous
    assert detect.uint8_percentile(image, q) == int(np.percentile(image, q, method="lower"))


@pytest.mark.parametrize("text, size", [("0", (80, 100)), ("470", (240, 100)), ("4", (140, 180)), ("1", (60, 100))])
def test_a_tight_crop_of_a_number_written_with_a_marker_is_one_region(text, size):
    """A crop of just the number, its strokes a fifth of its height: a background estimate narrower than the
    strokes took their middles for paper, found a stub of a 0 and split "470" in two."""
    marker = 0.2 * 0.8 * size[1]
    crop = draw_strokes(size, centred_strokes(text, size, 0.8), marker)
    assert_one_region_around_the_ink(crop)
