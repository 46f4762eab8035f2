"""Find every written number in a grayscale picture: canvases, tight crops, photos, webcam frames.

1. Polarity: thin dark strokes on light paper, or light on dark, judged by the sign of the
   image's second derivative at several scales (a step edge such as a sheet on a desk cancels).
2. Ink: the difference from a morphological background wider than any stroke (black-hat or
   top-hat), so uneven light and shadows drop out; thresholded by Otsu with a contrast floor.
3. Strokes -> connected components -> numbers: components of similar height that sit side by
   side on a line are linked; pieces of one broken digit (overlapping in x) are linked too.
4. Only numbers on the paper count: a group whose surroundings are far darker than the paper
   (the desk beside a sheet, a dark sleeve) is texture, not writing.
5. Reading order: lines top to bottom, numbers left to right.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from training.core import preprocess

WORK_SIDE = 1024  # detection runs on a copy whose longer side is at most this
MAX_GROUPS_TO_MERGE = 150  # a frame with more groups than this is clutter: merging them would cost seconds

# Polarity
LAPLACIAN_SIDE = 512  # px: the polarity vote looks at a copy whose longer side is at most this
LAPLACIAN_SIGMAS = (1.0, 2.0, 4.0)  # px: the blurs the vote is taken at, fine to bold strokes
LAPLACIAN_TAILS = (0.3, 99.7)  # percentiles of the Laplacian compared: dark lines make the high tail, light the low
FLAT_BORDER_SPREAD = 20  # grey levels between the border's 5th and 95th percentiles: less, and the border is paper

# Ink
FRAME_SIDES_PER_KERNEL = 6  # the background kernel is a sixth of the shorter side (wider than any stroke)...
TIGHT_CROP_SIDES_PER_KERNEL = 2  # ...but up to half of it in a small image, a tight crop of one number
TIGHT_CROP_KERNEL = 45  # px: ink_mask's kernel in images under 270 px, where a sixth of the side is too narrow
MIN_KERNEL, MAX_KERNEL = 15, 151  # px: the background kernel's bounds
PEAK_PIXELS = 150  # how much ink must stand out: about a small digit's strokes (or 0.1% of a small image)
PIXELS_PER_PEAK_PIXEL = 1000  # that 0.1%: in a small image the ink's peak is its brightest pixel in a thousand
MIN_PEAK_CONTRAST = 25  # grey levels: an ink peak below this is nothing standing out (blank paper, a plain wall)
INK_SHARE_OF_PEAK = 0.3  # ink is at least this share of the peak's contrast (or Otsu's threshold, if higher)...
MIN_INK_CONTRAST = 18  # ...and at least this many grey levels darker than the background
LOCAL_CONTRAST = 10  # grey levels: ink is this much darker than the mean of a kernel-wide block around it

# Components
MIN_SPECK = 3  # px: the smallest speck size...
FRAME_SIDES_PER_SPECK = 120  # ...or the frame's shorter side over this, if larger
MIN_SPECKS = 2  # a component is at least this many specks tall and this many specks squared in area
RULED_LINE_ASPECT = 6  # a component wider than this many times its height is a ruled line
FRAME_EDGE_HEIGHT = 0.95  # a component taller than this share of the image is a frame's edge...
FRAME_EDGE_MIN_IMAGE = 200  # px: ...in an image taller than this (in a tight crop, it is a digit)
SOLID_BAR_FILL = 0.5  # a component filling more than this share of its box...
SOLID_BAR_ASPECT = 3  # ...and wider than this many times its height is a solid bar

# Linking components into numbers
BROKEN_DIGIT_OVERLAP = 0.3  # pieces overlapping in x by more than this share of the narrower are stacked
BROKEN_DIGIT_GAP = 0.35  # stacked pieces at most this share of the taller apart in y are one broken digit...
BROKEN_DIGIT_HEIGHTS = 6  # ...when the taller is less than this many times the shorter
LEVEL_OVERLAP = 0.4  # pieces side by side overlap in y by more than this share of the shorter...
SAME_SIZE_HEIGHTS = 2.6  # ...the taller is less than this many times the shorter...
DIGIT_GAP = 0.75  # ...and the gap between them is less than this share of the taller: one number
LINK_SEARCH_HEIGHTS = 3  # pieces further right than this many heights past a piece's right edge are not tried
INSIDE_SHARE = 0.8  # a group with at least this share of its box within a larger group's box is part of it
STRAY_STROKE_HEIGHT = 0.5  # a stroke overlapping a number, less than this share of its height...
STRAY_STROKE_AREA = 0.25  # ...and of this share of its box's area, is part of it (a 5's bar, a 7's crossbar)
MARK_MIN_HEIGHT = 0.05  # a mark beside a number is more than this share of its height (less is a speck)...
MARK_MAX_HEIGHT = 0.4  # ...less than this share (more is a number)...
MARK_MAX_GAP = 0.25  # ...at most this share of its height from its side...
MARK_LEVEL_OVERLAP = 0.5  # ...and overlaps its rows by more than this share of the mark's own height
SEPARATOR_MAX_HEIGHT = 0.5  # a mark between two groups, less than this share of the shorter's height...
SEPARATOR_MIN_SIZE = 0.05  # ...longer than this share (less is grain, not a pen's point)...
SEPARATOR_MAX_WIDTH = 1.0  # ...and narrower than it (a ruled line is not a dash)...
SEPARATOR_MAX_GAP = 0.6  # ...at most this share of it from each, is a separator joining them ("458-6772", "3.14")
MAX_MARKS = 400  # a frame with more small marks than this is grain or clutter: none is taken for a separator
SEPARATOR_BELOW = 0.35  # ...its middle at most this share of the height below their bottom (a comma dips)
SIGN_BAND = (0.25, 0.8)  # a minus in front of a number: a dash whose middle is this far down the digits...
SIGN_MIN_WIDTH = 0.15  # ...at least this share of their height wide (shorter is a tick or grain)

# Dots: a tap or a dab of the pen
DOT_MIN_ASPECT, DOT_MAX_ASPECT = 0.6, 1.67  # a dot's width over height: at most 1.67 times as tall as wide, or wide as tall
DOT_FILL = 0.7  # a dot's ink fills at least this share of its box

# Numbers
PAPER_PERCENTILE = 90  # the paper's brightness: this percentile of the paper view (paper is most of a picture)
OFF_PAPER = 0.55  # a number's surroundings darker than this share of the paper's brightness: not on the paper
MIN_PAPER_MARGIN = 2  # px: the paper looked at around a number, at least...
HEIGHTS_PER_PAPER_MARGIN = 4  # ...or a quarter of its height
MIN_NUMBER_HEIGHT = 8  # px: a number shorter than this, or than...
FRAME_SIDES_PER_NUMBER_HEIGHT = 40  # ...the frame's shorter side over this, is not one anyone meant to be read

# Reading order
SLOPE_MIN_PIECES = 3  # the writing's slant is measured on numbers of at least this many pieces
MAX_SLOPE = 0.5  # the steepest slant of writing taken for a tilted line (27 degrees): beyond, lines are stacked
LINE_OVERLAP = 0.5  # two numbers overlapping in y by more than this share of the shorter (slant taken out) share a line


class Box(NamedTuple):
    """A box in pixels: left, top, width, height. A tuple, so ``x, y, w, h = box`` and ``list(box)`` work."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def area(self) -> int:
        return self.w * self.h

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.h / 2

    @property
    def slices(self) -> tuple[slice, slice]:
        """The box's (rows, columns) in an image array."""
        return slice(self.y, self.bottom), slice(self.x, self.right)

    def overlap_x(self, other: Box) -> int:
        """How far the two overlap in x: negative, the gap between them, where they do not."""
        return min(self.right, other.right) - max(self.x, other.x)

    def overlap_y(self, other: Box) -> int:
        """How far the two overlap in y: negative, the gap between them, where they do not."""
        return min(self.bottom, other.bottom) - max(self.y, other.y)

    def gap_x(self, other: Box) -> int:
        """The gap between the two in x: negative where they overlap."""
        return -self.overlap_x(other)

    def overlap_area(self, other: Box) -> int:
        """The area the two have in common (0 where they do not meet)."""
        return max(0, self.overlap_x(other)) * max(0, self.overlap_y(other))


def union(boxes) -> Box:
    """The smallest box around all of ``boxes`` (``Box`` or plain (x, y, w, h) tuples)."""
    boxes = [Box(*b) for b in boxes]
    left, top = min(b.x for b in boxes), min(b.y for b in boxes)
    right, bottom = max(b.right for b in boxes), max(b.bottom for b in boxes)
    return Box(left, top, right - left, bottom - top)


@dataclass(frozen=True)
class Region:
    """A number found: its box and the boxes of its ink components, in image pixels (plain tuples become ``Box``)."""

    box: Box
    parts: tuple[Box, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "box", Box(*self.box))
        object.__setattr__(self, "parts", tuple(Box(*p) for p in self.parts))


def shrink(gray: np.ndarray, scale: float) -> np.ndarray:
    """``gray`` resized by ``scale`` (< 1), never below one pixel a side: a 5000x2 image has a short side that
    would round to nothing, and cv2.resize refuses an empty size."""
    height, width = gray.shape
    size = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _laplacian_vote(gray: np.ndarray) -> bool:
    """Strokes darker than their surroundings? The sign of the second derivative at several scales."""
    small = gray if max(gray.shape) <= LAPLACIAN_SIDE else shrink(gray, LAPLACIAN_SIDE / max(gray.shape))
    img = small.astype(np.float32)
    dark_votes = light_votes = 0.0
    for sigma in LAPLACIAN_SIGMAS:
        lap = cv2.Laplacian(cv2.GaussianBlur(img, (0, 0), sigma), cv2.CV_32F) * sigma**2
        # a thin dark line is a local minimum: a strong positive centre, weaker negative flanks
        # both tails in one partition, of every other pixel: the blurred Laplacian is smooth, its tails the same
        low, high = np.percentile(lap[::2, ::2], LAPLACIAN_TAILS)
        dark_votes += float(high)
        light_votes += float(-low)
    return dark_votes >= light_votes


def ink_is_dark(gray: np.ndarray) -> bool:
    """True when the ink is darker than the paper.

    A flat border (a canvas, a scan, a tight crop) is paper, and ink pulls the mean away from it,
    whatever the stroke width. Photos have desks and sheet edges at the border: there the Laplacian vote.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.percentile(border, 95) - np.percentile(border, 5) < FLAT_BORDER_SPREAD:
        return preprocess.ink_is_dark(gray)  # the border is paper, as for a crop
    return _laplacian_vote(gray)


def uint8_percentile(image: np.ndarray, q: float) -> int:
    """The ``q``th percentile (lower value) of a uint8 image, from its histogram: a pass over the pixels
    instead of np.percentile's partition of a copy. OpenCV's histogram, not np.bincount: it does not widen
    every pixel to 64 bits first, and it lets go of the interpreter lock (the web process's event loop
    waits while a pool thread holds it)."""
    counts = np.cumsum(cv2.calcHist([image], [0], None, [256], [0, 256]).ravel().astype(np.int64))
    return int(np.searchsorted(counts, q / 100.0 * (counts[-1] - 1), side="right"))


def paper_view(gray: np.ndarray) -> np.ndarray:
    """``gray`` turned, if need be, so that the paper is light and the ink dark."""
    return gray if ink_is_dark(gray) else 255 - gray


def on_paper(paper: np.ndarray, mask: np.ndarray, box: Box, paper_level: int) -> bool:
    """Is the paper around the ink in ``box`` about as bright as the page's paper (``paper_level``), on every
    side? A piece of a sheet's edge has paper on one side and the desk on the other: read, it is a "1".
    ``paper`` from ``paper_view``, ``mask`` from ``ink_mask``."""
    box = Box(*box)
    margin = max(MIN_PAPER_MARGIN, box.h // HEIGHTS_PER_PAPER_MARGIN)
    levels = [_paper_median(paper, mask, region) for region in _surroundings(box, margin)]
    return all(level >= OFF_PAPER * paper_level for level in levels if level is not None)


def _surroundings(box: Box, margin: int) -> list[tuple[slice, slice]]:
    """(rows, columns) of the box grown by ``margin`` on every side, then of the strip ``margin`` wide along
    each of its sides: left, right, above, below (cut off at the frame's edge)."""
    left, top = max(0, box.x - margin), max(0, box.y - margin)
    rows, columns = box.slices
    return [(slice(top, box.bottom + margin), slice(left, box.right + margin)),
            (rows, slice(left, box.x)), (rows, slice(box.right, box.right + margin)),
            (slice(top, box.y), columns), (slice(box.bottom, box.bottom + margin), columns)]


def _paper_median(paper: np.ndarray, mask: np.ndarray, region: tuple[slice, slice]) -> float | None:
    """The median brightness of the non-ink pixels in ``region``; None where it holds none (the frame's edge)."""
    background = paper[region][mask[region] == 0]
    return float(np.median(background)) if background.size else None


def _kernel_side(shape: tuple[int, int]) -> int:
    """ink_mask's background kernel, odd, wider than the boldest stroke: a sixth of the frame in a photo, but in
    a small image, a tight crop of one number, a marker's stroke is a quarter of the height: there, half the frame."""
    side = min(shape)
    tight = min(side // TIGHT_CROP_SIDES_PER_KERNEL, TIGHT_CROP_KERNEL)
    return int(np.clip(max(side // FRAME_SIDES_PER_KERNEL, tight), MIN_KERNEL, MAX_KERNEL)) | 1


def _ink_peak(response: np.ndarray) -> float:
    """The ink's contrast: the response of its PEAK_PIXELS brightest pixels (a single small digit on a whole
    frame of paper is far less than 0.1% of it), or of the brightest 0.1% in a small image."""
    peak_pixels = min(response.size / PIXELS_PER_PEAK_PIXEL, PEAK_PIXELS)
    return float(uint8_percentile(response, 100.0 * (1 - peak_pixels / response.size)))


def _darker_than_paper(padded: np.ndarray, k: int, inside: tuple[slice, slice]) -> np.ndarray:
    """How much darker each pixel is than the paper around it (black-hat with a ``k`` px square), slightly
    blurred, over the ``inside`` of the padded image."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    response = cv2.morphologyEx(padded, cv2.MORPH_BLACKHAT, kernel)
    return cv2.GaussianBlur(response, (3, 3), 0)[inside]


def ink_mask(gray: np.ndarray, img: np.ndarray | None = None) -> np.ndarray:
    """uint8 (H, W) mask of ink pixels (255), whatever the polarity and lighting (``img``: ``paper_view``
    of ``gray``, when the caller has it)."""
    img = paper_view(gray) if img is None else img
    k = _kernel_side(gray.shape)
    # Replicate the frame's edge outwards first: a sliver of dark desk along the border is then wider
    # than the kernel, so the closing below does not take it for a stroke.
    padded = cv2.copyMakeBorder(img, k, k, k, k, cv2.BORDER_REPLICATE)
    inside = (slice(k, k + gray.shape[0]), slice(k, k + gray.shape[1]))
    response = _darker_than_paper(padded, k, inside)
    peak = _ink_peak(response)
    if peak < MIN_PEAK_CONTRAST:  # nothing stands out: blank paper, a plain wall
        return np.zeros_like(gray)
    otsu, _ = cv2.threshold(response, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, mask = cv2.threshold(response, max(otsu, INK_SHARE_OF_PEAK * peak, MIN_INK_CONTRAST), 255, cv2.THRESH_BINARY)
    # Strokes are also darker than their neighbourhood (a block as wide as the kernel, so a thick pen
    # stroke keeps its middle); a flat grey patch is darker than the paper only as a whole.
    local = cv2.adaptiveThreshold(padded, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, k,
                                  LOCAL_CONTRAST)[inside]
    return cv2.bitwise_and(mask, local)


def components(mask: np.ndarray) -> tuple[list[Box], list[Box]]:
    """Boxes of ink components that could be (parts of) digits: not specks, not ruled lines or frames; and
    of the small ones left out that could be separators between digits (a thin dash, a point), if joined."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    speck = max(MIN_SPECK, min(mask.shape) // FRAME_SIDES_PER_SPECK)
    x, y, w, h, area = stats[1:count].T.astype(np.int64)  # every component at once: a frame holds hundreds of specks
    kept = ~_specks(h, area, speck) & ~_lines_or_bars(w, h, area, mask.shape[0])
    small = ~kept & (area >= speck**2) & (h <= w * RULED_LINE_ASPECT)  # not grain, nor a frame's edge
    return ([Box(int(x[i]), int(y[i]), int(w[i]), int(h[i])) for i in np.flatnonzero(kept)],
            [Box(int(x[i]), int(y[i]), int(w[i]), int(h[i])) for i in np.flatnonzero(small)])


def _specks(h: np.ndarray, area: np.ndarray, speck: int) -> np.ndarray:
    """Specks, sensor noise, paper grain: under MIN_SPECKS ``speck`` px tall, or of under MIN_SPECKS specks' area."""
    return (h < speck * MIN_SPECKS) | (area < speck**2 * MIN_SPECKS)


def _lines_or_bars(w: np.ndarray, h: np.ndarray, area: np.ndarray, image_height: int) -> np.ndarray:
    """Ruled lines, frame edges, solid bars (``area``: each component's ink pixels)."""
    ruled_line = w > RULED_LINE_ASPECT * h
    frame_edge = (h > FRAME_EDGE_HEIGHT * image_height) & (image_height > FRAME_EDGE_MIN_IMAGE)
    solid_bar = (area > SOLID_BAR_FILL * w * h) & (w > SOLID_BAR_ASPECT * h)
    return ruled_line | frame_edge | solid_bar


def _stacked(a: Box, b: Box) -> bool:
    """The two overlap in x by more than BROKEN_DIGIT_OVERLAP of the narrower: one above the other."""
    return a.gap_x(b) < -BROKEN_DIGIT_OVERLAP * min(a.w, b.w)


def _pieces_of_one_digit(a: Box, b: Box) -> bool:
    """Stacked pieces close in y and not far apart in height: one digit the pen broke."""
    tall, short = max(a.h, b.h), min(a.h, b.h)
    return a.overlap_y(b) > -BROKEN_DIGIT_GAP * tall and tall < BROKEN_DIGIT_HEIGHTS * short


def _digits_side_by_side(a: Box, b: Box) -> bool:
    """Level, of about one size, and close in x: neighbouring digits of one number."""
    tall, short = max(a.h, b.h), min(a.h, b.h)
    level = a.overlap_y(b) > LEVEL_OVERLAP * short and tall < SAME_SIZE_HEIGHTS * short
    return level and a.gap_x(b) < DIGIT_GAP * tall


def _linked(a: Box, b: Box) -> bool:
    """Do two component boxes belong to one number?"""
    return _pieces_of_one_digit(a, b) if _stacked(a, b) else _digits_side_by_side(a, b)


def _root(parent: list[int], i: int) -> int:
    """Union-find: the representative of ``i``'s set (halving the path on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _linked_pairs(boxes: list[Box]):
    """(i, j) for each pair of linked boxes, tried left to right and only within reach."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].x)
    for n, i in enumerate(order):
        for j in order[n + 1 :]:
            if boxes[j].x > boxes[i].right + LINK_SEARCH_HEIGHTS * max(boxes[i].h, boxes[j].h):
                break  # sorted by x: nothing further right can link to i
            if _linked(boxes[i], boxes[j]):
                yield i, j


def link_components(boxes: list[Box]) -> list[list[Box]]:
    """Union-find over linked component pairs -> lists of boxes, one list per number."""
    parent = list(range(len(boxes)))
    for i, j in _linked_pairs(boxes):
        parent[_root(parent, i)] = _root(parent, j)
    groups: dict[int, list[Box]] = {}
    for i, box in enumerate(boxes):
        groups.setdefault(_root(parent, i), []).append(box)
    return list(groups.values())


def _groups_side_by_side(a: Box, b: Box) -> bool:
    """Two groups' boxes that sit next to each other on one line, close enough to be one number."""
    return not _stacked(a, b) and _digits_side_by_side(a, b)  # side by side only: stacking would merge lines


def _inside(a: Box, b: Box) -> bool:
    """At least INSIDE_SHARE of box ``a`` lies within box ``b`` (a 5's detached bar, the rim of a loop)."""
    return a.area <= b.area and a.overlap_area(b) >= INSIDE_SHARE * a.w * a.h


def _stray_stroke_of(a: Box, b: Box) -> bool:
    """Box ``a`` is a short stroke overlapping box ``b``'s corner or edge: a 5's bar written apart and past
    the digit's end, a 7's crossbar, not a number of its own (no one writes one into another's box)."""
    overlapping = a.overlap_x(b) > 0 and a.overlap_y(b) > 0
    return overlapping and a.h < STRAY_STROKE_HEIGHT * b.h and a.area < STRAY_STROKE_AREA * b.w * b.h


def _merge_once(groups: list[list[Box]], belong) -> bool:
    """Merge the first pair of groups whose boxes ``belong`` together; False when none do."""
    boxes = [union(g) for g in groups]
    for i in range(len(groups)):
        for j in range(len(groups)):
            if i != j and belong(boxes[i], boxes[j]):
                groups[j] = groups[j] + groups[i]
                del groups[i]
                return True
    return False


def merge_all(groups: list[list[Box]], belong) -> list[list[Box]]:
    """Merge groups whose boxes ``belong`` together until no pair does. A frame full of clutter (more than
    MAX_GROUPS_TO_MERGE groups) is left as it is: merging would cost seconds."""
    while MAX_GROUPS_TO_MERGE >= len(groups) > 1 and _merge_once(groups, belong):
        pass
    return groups


def group(boxes: list[Box]) -> list[list[Box]]:
    """Components -> numbers: linked components, then whole groups that sit side by side (a digit in
    pieces is short on its own), then groups lying inside another group's box."""
    groups = merge_all(link_components([Box(*b) for b in boxes]), _groups_side_by_side)
    return merge_all(groups, lambda a, b: _inside(a, b) or _stray_stroke_of(a, b))


def _mark_beside(a: Box, b: Box) -> bool:
    """Box ``a`` is a small mark just off the side of box ``b``, level with its digits: a 7's bar or a 5's flag
    the pen left apart. Not a number of its own: no one writes one a pen's width from another, a third as tall."""
    small = MARK_MIN_HEIGHT * b.h < a.h < MARK_MAX_HEIGHT * b.h and a.w < b.w  # yet a stroke, not a speck of grain
    close = 0 <= a.gap_x(b) < MARK_MAX_GAP * b.h
    return small and close and a.overlap_y(b) > MARK_LEVEL_OVERLAP * a.h


def is_dot(mask: np.ndarray, parts: list[Box]) -> bool:
    """A lone blob of solid ink without a hole, at most DOT_MAX_ASPECT times as tall as wide (or as wide as
    tall): a tap or a short dab of the pen, a full stop, a blot. No digit is one: a 0 or an 8 written with a
    thick pen keeps a slit of its loop, and a 1 is taller."""
    if len(parts) != 1:
        return False
    box = Box(*parts[0])
    blob = np.ascontiguousarray(mask[box.slices])
    if not DOT_MIN_ASPECT < box.w / box.h < DOT_MAX_ASPECT or np.count_nonzero(blob) < DOT_FILL * box.w * box.h:
        return False
    _, hierarchy = cv2.findContours(blob, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return hierarchy is None or not (hierarchy[0][:, 3] >= 0).any()  # no contour inside another: no hole


def writing_slope(regions: list[Region]) -> float:
    """How the lines of writing slant (dy/dx): the median, over numbers of SLOPE_MIN_PIECES or more pieces, of
    the line through their pieces' centres. A photo of a tilted sheet slants every line alike; 0 when nothing
    shows it."""
    slopes = []
    for region in regions:
        if len(region.parts) >= SLOPE_MIN_PIECES:
            xs = np.array([part.centre_x for part in region.parts])
            ys = np.array([part.centre_y for part in region.parts])
            if np.ptp(xs) > 0:
                slopes.append(np.polyfit(xs, ys, 1)[0])
    return float(np.clip(np.median(slopes), -MAX_SLOPE, MAX_SLOPE)) if slopes else 0.0


def _share_a_line(top: float, bottom: float, line_top: float, line_bottom: float) -> bool:
    """Do two vertical extents overlap by more than LINE_OVERLAP of the shorter?"""
    return min(bottom, line_bottom) - max(top, line_top) > LINE_OVERLAP * min(bottom - top, line_bottom - line_top)


def _lines(regions: list[Region], slope: float) -> list[list[Region]]:
    """Regions gathered into lines, top to bottom, each box's vertical extent measured with the slant taken out."""
    spans = [(r.box.y - slope * r.box.centre_x, r) for r in regions]
    spans = [(top, top + r.box.h, r) for top, r in spans]
    lines: list[tuple[float, float, list[Region]]] = []  # (top, bottom, regions) of each line so far
    for top, bottom, region in sorted(spans, key=lambda s: s[0] + s[1]):
        for n, (line_top, line_bottom, members) in enumerate(lines):
            if _share_a_line(top, bottom, line_top, line_bottom):
                members.append(region)
                lines[n] = (min(top, line_top), max(bottom, line_bottom), members)
                break
        else:
            lines.append((top, bottom, [region]))
    return [members for _, _, members in lines]


def reading_order(regions: list[Region]) -> list[Region]:
    """Lines top to bottom, left to right within. Two numbers share a line when they overlap vertically by half,
    measured along the writing's slant: on a tilted sheet a line's right end sits higher or lower than its left."""
    lines = _lines(regions, writing_slope(regions))
    return [r for members in lines for r in sorted(members, key=lambda r: r.box.x)]


def _separator_between(mark: Box, a: Box, b: Box) -> bool:
    """Box ``mark`` sits between groups ``a`` (left) and ``b`` (right) of one line, small and close to both:
    the dash of "458-6772", the point of "3.14", the slash of "12/05". One number, as written."""
    tall, short = max(a.h, b.h), min(a.h, b.h)
    level = a.overlap_y(b) > LEVEL_OVERLAP * short and tall < SAME_SIZE_HEIGHTS * short
    between = a.centre_x < mark.centre_x < b.centre_x
    close = max(a.gap_x(mark), mark.gap_x(b)) < SEPARATOR_MAX_GAP * short
    on_line = min(a.y, b.y) < mark.centre_y < max(a.bottom, b.bottom) + SEPARATOR_BELOW * short
    small = mark.h < SEPARATOR_MAX_HEIGHT * short and mark.w < SEPARATOR_MAX_WIDTH * short
    small = small and max(mark.w, mark.h) > SEPARATOR_MIN_SIZE * short
    return level and between and close and on_line and small


def _near(mark: Box, box: Box) -> bool:
    """``box`` is within a separator's reach of ``mark`` (a cheap test before ``_separator_between``)."""
    return mark.gap_x(box) < SEPARATOR_MAX_GAP * box.h and mark.overlap_y(box) > -box.h


def _separator_candidates(groups: list[list[Box]], marks: list[list[Box]]):
    """(mark box, its parts, owner) for each thing that may be a separator: a loose mark (owner None), a small
    group as a whole (owner: its index) and a small part of a group, a dash ``_mark_beside`` joined to one side
    (owner: its index, parts: none, they are the owner's already)."""
    for parts in marks:
        yield union(parts), parts, None
    for i, parts in enumerate(groups):
        box = union(parts)
        yield box, parts, i
        for part in parts if len(parts) > 1 else ():
            if part.h < SEPARATOR_MAX_HEIGHT * box.h:
                yield part, [], i


def _join_once_across_a_separator(groups: list[list[Box]], marks: list[list[Box]]) -> bool:
    """Join the first two groups a separator lies between (``_separator_candidates``), with it."""
    boxes = [union(g) for g in groups]
    for mark, parts, owner in _separator_candidates(groups, marks):
        whole_group = owner is not None and bool(parts)  # a small group: neither side of the pair
        near = [i for i, box in enumerate(boxes) if _near(mark, box) and not (whole_group and i == owner)]
        for i, j in ((i, j) for i in near for j in near if i != j):
            if (owner is None or whole_group or owner in (i, j)) and _separator_between(mark, boxes[i], boxes[j]):
                joined = groups[i] + groups[j] + (list(parts) if owner is None or whole_group else [])
                gone = {i, j, owner} if whole_group else {i, j}
                groups[:] = [g for k, g in enumerate(groups) if k not in gone] + [joined]
                if owner is None:
                    marks.remove(parts)
                return True
    return False


def join_across_separators(groups: list[list[Box]], marks: list[list[Box]]) -> list[list[Box]]:
    """Groups joined where a separator lies between them: a small group, a mark joined to one side, or one of
    ``marks`` (dots and the components too small to be digits), which loses the marks it joins."""
    while MAX_GROUPS_TO_MERGE >= len(groups) > 1 and _join_once_across_a_separator(groups, marks):
        pass
    return groups


def _minus_sign_of(mark: Box, number: Box) -> bool:
    """Box ``mark`` is a dash just left of ``number``, about its middle: the minus of "-5". Small, so a
    ruled line or an underline is not one."""
    dash_like = mark.w >= mark.h
    middle = number.y + SIGN_BAND[0] * number.h < mark.centre_y < number.y + SIGN_BAND[1] * number.h
    close = 0 <= mark.gap_x(number) < SEPARATOR_MAX_GAP * number.h
    small = SIGN_MIN_WIDTH * number.h < mark.w < SEPARATOR_MAX_WIDTH * number.h
    small = small and mark.h < SEPARATOR_MAX_HEIGHT * number.h
    return dash_like and middle and close and small


def join_minus_signs(groups: list[list[Box]], marks: list[list[Box]]) -> list[list[Box]]:
    """Each loose dash (one of ``marks``) just before a number, at its middle, joined to it as its sign."""
    boxes = [union(g) for g in groups]
    for parts in marks:
        mark = union(parts)
        owners = [i for i, box in enumerate(boxes) if _minus_sign_of(mark, box)]
        if len(owners) == 1:  # a dash two numbers could own is no one's sign
            groups[owners[0]] = groups[owners[0]] + parts
    return groups


def _numbers(mask: np.ndarray) -> list[list[Box]]:
    """The ink's components grouped into numbers; dots set apart first, so that a tap beside a number is not
    joined to it as a mark; then marks beside a number joined to it, groups a separator lies between, and a
    minus sign to its number."""
    boxes, small_marks = components(mask)
    groups, dots = [], []
    for parts in group(boxes):
        (dots if is_dot(mask, parts) else groups).append(parts)
    marks = dots + [[m] for m in small_marks]
    marks = marks if len(marks) <= MAX_MARKS else []  # grain all over a frame: no separators to find
    groups = join_across_separators(merge_all(groups, _mark_beside), marks)
    return join_minus_signs(groups, marks)


def _to_image(box: Box, scale: float) -> Box:
    """A box on the working copy -> the same box in the image's pixels."""
    return Box(*(int(round(v / scale)) for v in box))


def min_number_height(work_shape: tuple[int, int]) -> int:
    """The shortest number anyone meant to be read, in pixels of the working copy (``find_numbers``)."""
    return max(MIN_NUMBER_HEIGHT, min(work_shape) // FRAME_SIDES_PER_NUMBER_HEIGHT)


def tall_enough(box: Box, image_shape: tuple[int, int]) -> bool:
    """A box in the image's pixels is at least ``min_number_height`` on the working copy, as the finder judges
    its own numbers: a speck of ink, a dot, is no number, whoever found it."""
    scale = min(1.0, WORK_SIDE / max(image_shape))
    work_shape = tuple(max(1, int(round(side * scale))) for side in image_shape)
    return box.h * scale >= min_number_height(work_shape)


def find_numbers(gray: np.ndarray) -> list[Region]:
    """Every number in a grayscale image, in reading order, with boxes in the image's pixels."""
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    work = gray if scale == 1.0 else shrink(gray, scale)
    paper = paper_view(work)
    mask = ink_mask(work, paper)
    paper_level = uint8_percentile(paper, PAPER_PERCENTILE)
    min_height = min_number_height(work.shape)
    regions = []
    for parts in _numbers(mask):
        box = union(parts)
        if box.h >= min_height and on_paper(paper, mask, box, paper_level):  # else a scribble, or on the desk
            regions.append(Region(_to_image(box, scale), tuple(_to_image(p, scale) for p in parts)))
    return reading_order(regions)
