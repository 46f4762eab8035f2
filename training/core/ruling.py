"""The ruling round a number: the borders of a table cell or a form box, a register's column lines, painted over.

A picture that is one cell or one box (a scan of a register's row number, a phone photo of a form field) has
its borders running across the whole of it. The finders took them for part of the number and the reader read
them as 1s ("19" -> "1157"), or a border joined a faint digit into one tall piece that was no number at all.
``erase_ruling`` finds straight lines that cross nearly the whole picture and paints each with the paper on
either side of it: a stroke crossing the line is dark on both sides and stays (the lighter side is taken).

A line is only painted over when the rest of the ink is clearly smaller than it: in a tight crop of a 1 or a
7 the stroke crosses the picture too, but then it is as tall (or wide) as the other digits, or the only ink.
"""
from __future__ import annotations

import cv2
import numpy as np

from training.core import preprocess

WORK_SIDE = 400  # px: lines are looked for on a copy whose longer side is at most this (shrunk by a power of two)
SPAN = 0.8  # a line crosses at least this share of a crop (rows with ink in a column band, or columns in a row band)...
CROP_SIDE = 600  # px: ...a picture no longer than this either way (a cell, a box, a scan)...
EDGE_TO_EDGE = 0.97  # ...and this share of a larger one (a photo, a frame, the pad): a drawn 1 filling the pad is no border
DIGIT_SHARE = 0.6  # ...and the tallest (widest) other piece of ink is at most this share of the picture's height (width)
TILT_SLACK = 2  # px at work scale, each side: a line drifting this much across the picture (a tilted photo) is one line
LOCAL_CONTRAST = 8  # grey levels: ink is this much darker than the mean of the block around it
SPECK_SHARE = 0.0005  # pieces of ink smaller than this share of the picture's area are grain, not writing
THIN = 0.15  # a line's band is at most this share of the picture across it (wider: a sheet's edge, a shadow)
PAINT_MARGIN = 2  # px at full size: the paper is sampled this far beyond a line's band


def erase_ruling(gray: np.ndarray) -> np.ndarray:
    """uint8 (H, W) -> the same picture with its ruling painted over (a copy), or ``gray`` itself when it has none."""
    if min(gray.shape) < 16:
        return gray
    small, scale = work_copy(gray)
    dark_ink = preprocess.ink_is_dark(small)
    paper_dark = 255 - small if dark_ink else small  # ink bright
    mask = ink_mask(paper_dark)
    span = SPAN if max(gray.shape) <= CROP_SIDE else EDGE_TO_EDGE
    erased = gray
    for axis in (0, 1):  # vertical lines, then horizontal ones
        bands = [b for b in (core(mask, b, axis) for b in line_bands(mask, axis, span))
                 if is_line(paper_dark, mask, b, axis, span)]
        if bands and rest_is_smaller(mask, bands, axis):
            erased = erased.copy() if erased is gray else erased
            for band in bands:
                paint_band(erased, full_size(band, scale, gray.shape[1 - axis]), dark_ink, axis)
    return erased


def work_copy(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """``gray`` shrunk by the smallest power of two that brings its longer side to WORK_SIDE or less (OpenCV's
    area resize is several times faster by a power of two: 0.6 ms for a 1280x720 frame against 1.8), and the scale."""
    factor = 1
    while max(gray.shape) > WORK_SIDE * factor:
        factor *= 2
    if factor == 1:
        return gray, 1.0
    size = (max(1, gray.shape[1] // factor), max(1, gray.shape[0] // factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), 1.0 / factor


def ink_mask(paper_dark: np.ndarray) -> np.ndarray:
    """uint8 (h, w), ink bright -> bool (h, w): pixels LOCAL_CONTRAST brighter than the block round them; the block
    is a sixth of the longer side, wider than any border or stroke."""
    block = max(15, (max(paper_dark.shape) // 6) | 1)
    return cv2.adaptiveThreshold(paper_dark, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block,
                                 -LOCAL_CONTRAST).astype(bool)


def along(image: np.ndarray, axis: int) -> np.ndarray:
    """The picture as (along the lines, across them): itself for vertical lines (axis 0), transposed for horizontal."""
    return image if axis == 0 else image.T


def runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of True in a 1-D bool array: their starts and ends (exclusive)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return edges[::2], edges[1::2]


def line_bands(mask: np.ndarray, axis: int, span: float) -> list[tuple[int, int]]:
    """The bands [start, end) of columns (axis 0: vertical lines) or rows (axis 1) whose ink, let drift by
    TILT_SLACK, crosses at least ``span`` of the picture."""
    spread = cv2.dilate(along(mask, axis).astype(np.uint8), np.ones((1, 2 * TILT_SLACK + 1), np.uint8))
    starts, ends = runs(spread.mean(axis=0) >= span)
    return list(zip(starts.tolist(), ends.tolist()))


def is_line(paper_dark: np.ndarray, mask: np.ndarray, band: tuple[int, int], axis: int, span: float) -> bool:
    """Is the band a drawn line, not the edge of a sheet on a desk, a streak of texture or the bottoms of a row of
    digits: thin (at most THIN of the picture across it), unbroken for ``span`` of the picture, and darker along its
    length (medians: a digit crossing it does not count) than the paper on both sides of it by LOCAL_CONTRAST."""
    across = along(paper_dark, axis)
    start, end = band
    if longest_run(along(mask, axis)[:, start:end].any(axis=1)) < span * len(across):
        return False
    if end - start > max(2, THIN * across.shape[1]):
        return False
    line = float(np.median(across[:, start:end], axis=0).max())
    gap = TILT_SLACK + 2
    sides = [float(np.median(across[:, i])) for i in (start - gap, end - 1 + gap) if 0 <= i < across.shape[1]]
    return bool(sides) and line - max(sides) >= LOCAL_CONTRAST


def core(mask: np.ndarray, band: tuple[int, int], axis: int) -> tuple[int, int]:
    """The band narrowed to the line's own ink: the columns (rows) holding at least half as much ink as its fullest
    (a straight line: its width; a tilted one: its drift), not the slack round it, where digits may touch it."""
    fill = along(mask, axis)[:, band[0]:band[1]].mean(axis=0)
    inked = np.flatnonzero(fill >= 0.5 * fill.max())
    return band[0] + int(inked[0]), band[0] + int(inked[-1]) + 1


def longest_run(flags: np.ndarray) -> int:
    """The length of the longest run of True in a 1-D bool array."""
    starts, ends = runs(flags)
    return int((ends - starts).max()) if len(starts) else 0


def rest_is_smaller(mask: np.ndarray, bands: list[tuple[int, int]], axis: int) -> bool:
    """Is the rest of the ink (the bands taken out; specks, and pieces cut by the picture's ends along the lines,
    left out, and lines the other way) there, and its tallest piece (widest, for horizontal lines) at most DIGIT_SHARE
    of the lines' length: a border is much longer than the digits in its cell, a digit's stroke is not."""
    rest = along(mask, axis).astype(np.uint8)
    for start, end in bands:
        rest[:, max(0, start - TILT_SLACK):end + TILT_SLACK] = 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    top, height = stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_HEIGHT]
    crossing = stats[1:, cv2.CC_STAT_WIDTH] >= SPAN * rest.shape[1]  # the lines the other way
    inside = ((stats[1:, cv2.CC_STAT_AREA] >= max(2, SPECK_SHARE * mask.size)) & ~crossing
              & (top > 0) & (top + height < len(rest)))
    if not inside.any():
        return False
    return height[inside].max() <= DIGIT_SHARE * len(rest)


def full_size(band: tuple[int, int], scale: float, length: int) -> tuple[int, int]:
    """A band at work scale -> [start, end) at full size, widened by a pixel of blur on each side."""
    start = int(np.floor(band[0] / scale)) - 1
    end = int(np.ceil(band[1] / scale)) + 1
    return max(0, start), min(length, end)


def paint_band(gray: np.ndarray, band: tuple[int, int], dark_ink: bool, axis: int) -> None:
    """Paint columns (axis 0) or rows (axis 1) [start, end) of ``gray`` in place with the paper beside them: each
    pixel takes the lighter (darker, for light ink) of the two pixels PAINT_MARGIN outside the band on its row."""
    view = along(gray, axis)
    start, end = band
    before = view[:, max(0, start - PAINT_MARGIN)]
    after = view[:, min(view.shape[1] - 1, end - 1 + PAINT_MARGIN)]
    if start - PAINT_MARGIN < 0:
        before = after
    if end - 1 + PAINT_MARGIN >= view.shape[1]:
        after = before
    paper = np.maximum(before, after) if dark_ink else np.minimum(before, after)
    view[:, start:end] = paper[:, None]
