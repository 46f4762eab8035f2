"""Which numbers are in a picture: the learned detector's map, the hand-tuned finder (``reading.detect``), or both.

- ``learned``: the detector's kernels, grown back and tightened to the ink (``training.core.detector``).
- ``classical``: the hand-tuned finder alone.
- ``both``: the hand-tuned finder's numbers that the detector's map also sees (``SUPPORT``: letters, words and
  clutter the finder takes for digits, the map does not), plus the detector's numbers the finder missed (a sheet
  on a coloured desk, writing it split or lost).
"""
from __future__ import annotations

import cv2
import numpy as np

from training.core import detect, detector

FINDERS = ("learned", "classical", "both")
SUPPORT = 0.5  # the map's highest probability over a found number's box: below it, the detector sees no number there
DOT_MARGIN = 1  # a region's longer side: the paper looked at round it to tell a dot (``is_dot``)...
ROW_ASPECT = 2 * detect.DOT_MAX_ASPECT  # ...unless it is wider than this many times its height: digits in a row...
GLANCE_FILL = 0.5  # ...or less than this share of its box is ink: strokes, not a blob...
GLANCE_SIDE = 96  # ...at the ink's level in a sample of the crop round it about this many pixels a side
OVERLAP = 0.3  # a detector's number covering this share of a finder's number (or the other way round) is that number
WHOLE_SIDE = 480  # px: a picture no longer than this either way may be one crop of one number (a cell, a box, a scan)...
WHOLE_CONFIDENCE = 0.5  # ...read whole when neither finder found a number in it, and reported only when this sure
MARK_SHARE = 0.5  # in such a picture, a "number" less than this share of the tallest one's height is a tick or a caption


def whole_picture(gray: np.ndarray) -> detect.Region | None:
    """The picture itself as one number, when it is small enough to be a crop of one (issue 35): a faint digit
    alone in a cell or a tight scan is too faint or too large a share of the picture for the finders, which look
    for numbers on a page. None for a larger picture: a frame or a photo with no number in it has none."""
    if not crop_sized(gray):
        return None
    height, width = gray.shape
    return detect.Region((0, 0, width, height), ())


def crop_sized(gray: np.ndarray) -> bool:
    """Is the picture small enough (WHOLE_SIDE either way) to be a crop of one number?"""
    return max(gray.shape) <= WHOLE_SIDE


def without_marks(gray: np.ndarray, found: list[detect.Region]) -> list[detect.Region]:
    """In a picture small enough to be a crop of one number (``whole_picture``), the numbers found less than
    MARK_SHARE as tall as the tallest: a register's tick or cross beside its number ("87" read "87 4"), a form
    box's printed caption. A frame or a photo keeps every number: small and large numbers share a page."""
    if len(found) < 2 or not crop_sized(gray):
        return found
    tallest = max(region.box.h for region in found)
    return [region for region in found if region.box.h >= MARK_SHARE * tallest]


def uses_map(finder: str) -> bool:
    return finder != "classical"


def needs_search(finder: str, number_map: np.ndarray | None = None) -> bool:
    """Must the hand-tuned finder search the picture? Not for ``learned``; nor for ``both`` when the map (where
    known) is below SUPPORT everywhere: it would keep none of the finder's numbers."""
    if finder == "learned":
        return False
    return finder == "classical" or number_map is None or float(detector.sigmoid(number_map.max())) >= SUPPORT


def blank_map(picture: np.ndarray) -> np.ndarray:
    """The detector's answer for a picture (H, W, 1) with no number: (H/4, W/4, 1), sure of nothing."""
    return np.full((picture.shape[0] // detector.STRIDE, picture.shape[1] // detector.STRIDE, 1), -8.0, np.float32)


def learned_regions(gray: np.ndarray, number_map: np.ndarray, scale: float) -> list[detect.Region]:
    """The detector's map (H/4, W/4, 1) -> its numbers, boxes tightened to the ink (not yet in reading order),
    none shorter than the hand-tuned finder's shortest and none a dot (``is_dot``): a speck or a dab of the pen
    the map fired on was read "11"."""
    found = [detect.Region(f.box, f.parts) for f in detector.boxes_from_map(number_map, scale, gray)]
    return [region for region in found if detect.tall_enough(region.box, gray.shape) and not is_dot(gray, region)]


def is_dot(gray: np.ndarray, region: detect.Region) -> bool:
    """The hand-tuned finder's test for a tap of the pen (``detect.is_dot``) on a region the map found: the map
    fires on a dab of a thick pen, which was read "11". Judged on the one blob of ink the region reaches into,
    looked at again round the whole blob when the region held only part of it. Most regions are let go at a
    glance (``_mostly_ink``): the crop round a number costs 0.5-2 ms."""
    box = region.box
    if box.w > ROW_ASPECT * box.h or not _mostly_ink(gray, box):
        return False
    for _ in range(2):
        found = _blob_round(gray, box)
        if found is None:
            return False
        mask, blob, whole = found
        if whole:
            return detect.is_dot(mask, [blob])
        box = blob
    return False


def _mostly_ink(gray: np.ndarray, box: detect.Box) -> bool:
    """Could ``box`` be (part of) a dot: at least GLANCE_FILL of it ink (a number's strokes fill less), split at
    the level the whole test would find (Otsu's, of the crop round it: ``_blob_round``), taken from every few
    pixels of that crop."""
    crop, _, _ = _crop_round(gray, box)
    step = max(1, max(crop.shape) // GLANCE_SIDE)
    level, _ = cv2.threshold(np.ascontiguousarray(crop[::step, ::step]), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return np.count_nonzero(gray[box.slices] <= level) >= GLANCE_FILL * box.area


def _crop_round(gray: np.ndarray, box: detect.Box) -> tuple[np.ndarray, int, int]:
    """The part of ``gray`` round ``box``, DOT_MARGIN times its longer side wider on every side; its top left."""
    margin = DOT_MARGIN * max(box.w, box.h)
    x0, y0 = max(0, box.x - margin), max(0, box.y - margin)
    return gray[y0:box.bottom + margin, x0:box.right + margin], x0, y0


def _blob_round(gray: np.ndarray, box: detect.Box) -> tuple[np.ndarray, detect.Box, bool] | None:
    """The ink mask of a crop round ``box`` (a margin of DOT_MARGIN times its longer side), the box of the one
    blob of ink reaching into ``box`` (None: none or several), and whether the blob lies wholly inside the crop
    (in the crop's pixels when it does, else in the image's). Ink is the dark side of Otsu's split of the crop
    (a dot is a dab of dark ink; on a textured desk the crop's border tells no paper from ink); the ink map's
    opening, narrower than a thick blob, would hollow it into a ring."""
    crop, x0, y0 = _crop_round(gray, box)
    _, mask = cv2.threshold(np.ascontiguousarray(crop), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    inside = detect.Box(box.x - x0, box.y - y0, box.w, box.h)
    blobs = [part for part in detect.components(mask)[0] if part.overlap_area(inside) > 0]
    if len(blobs) != 1:
        return None
    blob = blobs[0]
    edge_x = (blob.x == 0 and x0 > 0) or (blob.right == mask.shape[1] and x0 + mask.shape[1] < gray.shape[1])
    edge_y = (blob.y == 0 and y0 > 0) or (blob.bottom == mask.shape[0] and y0 + mask.shape[0] < gray.shape[0])
    if edge_x or edge_y:
        return mask, detect.Box(blob.x + x0, blob.y + y0, blob.w, blob.h), False
    return mask, blob, True


def support(probability: np.ndarray, box: detect.Box, scale: float) -> float:
    """The map's highest probability over ``box`` (image pixels): does the detector see a number there?"""
    cells = scale / detector.STRIDE
    x0, y0 = int(box.x * cells), int(box.y * cells)
    x1, y1 = max(x0 + 1, int(np.ceil(box.right * cells))), max(y0 + 1, int(np.ceil(box.bottom * cells)))
    window = probability[y0:y1, x0:x1]
    return float(window.max()) if window.size else 0.0


def covers(a: detect.Box, b: detect.Box) -> bool:
    """``a`` and ``b`` are one number: their overlap is ``OVERLAP`` of either's area."""
    return a.overlap_area(b) >= OVERLAP * min(a.area, b.area)


def fused_regions(gray: np.ndarray, number_map: np.ndarray, scale: float,
                  found: list[detect.Region]) -> list[detect.Region]:
    """The finder's numbers ``found`` that the map supports, and the map's numbers none of them covers."""
    probability = detector.sigmoid(number_map[..., 0])
    kept = [r for r in found if support(probability, r.box, scale) >= SUPPORT]
    learned = learned_regions(gray, number_map, scale)
    return kept + [r for r in learned if not any(covers(r.box, k.box) for k in found)]


def regions(finder: str, gray: np.ndarray, number_map: np.ndarray | None, scale: float,
            found: list[detect.Region] | None) -> list[detect.Region]:
    """The numbers ``finder`` finds, in reading order (``found``: the hand-tuned finder's, where it ran)."""
    if finder == "classical":
        return found
    if finder == "learned":
        return detect.reading_order(learned_regions(gray, number_map, scale))
    return detect.reading_order(fused_regions(gray, number_map, scale, found))
