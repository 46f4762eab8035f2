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

import cv2
import numpy as np

from training import preprocess

WORK_SIDE = 1024  # detection runs on a copy whose longer side is at most this
MAX_GROUPS_TO_MERGE = 150
OFF_PAPER = 0.55  # a number's surroundings darker than this share of the paper's brightness: not on the paper
PEAK_PIXELS = 150  # how much ink must stand out: about a small digit's strokes (or 0.1% of a small image)
TIGHT_CROP_KERNEL = 45  # px: ink_mask's kernel in images under 270 px, where a sixth of the side is too narrow
MAX_SLOPE = 0.5  # the steepest slant of writing taken for a tilted line (27 degrees): beyond, lines are stacked


@dataclass(frozen=True)
class Region:
    """A number found: its box (x, y, w, h) and the boxes of its ink components, in image pixels."""

    box: tuple[int, int, int, int]
    parts: tuple[tuple[int, int, int, int], ...]


def shrink(gray: np.ndarray, scale: float) -> np.ndarray:
    """``gray`` resized by ``scale`` (< 1), never below one pixel a side: a 5000x2 image has a short side that
    would round to nothing, and cv2.resize refuses an empty size."""
    height, width = gray.shape
    size = (max(1, int(round(width * scale))), max(1, int(round(height * scale))))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _laplacian_vote(gray: np.ndarray) -> bool:
    """Strokes darker than their surroundings? The sign of the second derivative at several scales."""
    small = gray if max(gray.shape) <= 512 else shrink(gray, 512 / max(gray.shape))
    img = small.astype(np.float32)
    dark_votes = light_votes = 0.0
    for sigma in (1.0, 2.0, 4.0):
        lap = cv2.Laplacian(cv2.GaussianBlur(img, (0, 0), sigma), cv2.CV_32F) * sigma**2
        # a thin dark line is a local minimum: a strong positive centre, weaker negative flanks
        # both tails in one partition, of every other pixel: the blurred Laplacian is smooth, its tails the same
        low, high = np.percentile(lap[::2, ::2], (0.3, 99.7))
        dark_votes += float(high)
        light_votes += float(-low)
    return dark_votes >= light_votes


def ink_is_dark(gray: np.ndarray) -> bool:
    """True when the ink is darker than the paper.

    A flat border (a canvas, a scan, a tight crop) is paper, and ink pulls the mean away from it,
    whatever the stroke width. Photos have desks and sheet edges at the border: there the Laplacian vote.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.percentile(border, 95) - np.percentile(border, 5) < 20:
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


def on_paper(paper: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int], paper_level: int) -> bool:
    """Is the paper around the ink in ``box`` about as bright as the page's paper (``paper_level``), on every
    side? A piece of a sheet's edge has paper on one side and the desk on the other: read, it is a "1".
    ``paper`` from ``paper_view``, ``mask`` from ``ink_mask``."""
    x, y, w, h = box
    margin = max(2, h // 4)
    around = (slice(max(0, y - margin), y + h + margin), slice(max(0, x - margin), x + w + margin))
    sides = [(slice(y, y + h), slice(max(0, x - margin), x)), (slice(y, y + h), slice(x + w, x + w + margin)),
             (slice(max(0, y - margin), y), slice(x, x + w)), (slice(y + h, y + h + margin), slice(x, x + w))]
    levels = [level for level in (_paper_median(paper, mask, region) for region in [around] + sides) if level is not None]
    return all(level >= OFF_PAPER * paper_level for level in levels)


def _paper_median(paper: np.ndarray, mask: np.ndarray, region: tuple[slice, slice]) -> float | None:
    """The median brightness of the non-ink pixels in ``region``; None where it holds none (the frame's edge)."""
    background = paper[region][mask[region] == 0]
    return float(np.median(background)) if background.size else None


def ink_mask(gray: np.ndarray, img: np.ndarray | None = None) -> np.ndarray:
    """uint8 (H, W) mask of ink pixels (255), whatever the polarity and lighting (``img``: ``paper_view``
    of ``gray``, when the caller has it)."""
    img = paper_view(gray) if img is None else img
    # The kernel must be wider than the boldest stroke: a sixth of the frame in a photo, but in a small image,
    # a tight crop of one number, a marker's stroke is a quarter of the height: there, half the frame.
    side = min(gray.shape)
    k = int(np.clip(max(side // 6, min(side // 2, TIGHT_CROP_KERNEL)), 15, 151)) | 1
    # Replicate the frame's edge outwards first: a sliver of dark desk along the border is then wider
    # than the kernel, so the closing below does not take it for a stroke.
    padded = cv2.copyMakeBorder(img, k, k, k, k, cv2.BORDER_REPLICATE)
    inside = (slice(k, k + gray.shape[0]), slice(k, k + gray.shape[1]))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    response = cv2.morphologyEx(padded, cv2.MORPH_BLACKHAT, kernel)  # ink darker than the local paper
    response = cv2.GaussianBlur(response, (3, 3), 0)[inside]
    # the ink's contrast: a single small digit on a whole frame of paper is far less than 0.1% of it
    peak = float(uint8_percentile(response, 100.0 * (1 - min(response.size / 1000, PEAK_PIXELS) / response.size)))
    if peak < 25:  # nothing stands out: blank paper, a plain wall
        return np.zeros_like(gray)
    otsu, _ = cv2.threshold(response, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, mask = cv2.threshold(response, max(otsu, 0.3 * peak, 18), 255, cv2.THRESH_BINARY)
    # Strokes are also darker than their neighbourhood (a block as wide as the kernel, so a thick pen
    # stroke keeps its middle); a flat grey patch is darker than the paper only as a whole.
    local = cv2.adaptiveThreshold(padded, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, k, 10)[inside]
    return cv2.bitwise_and(mask, local)


def components(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of ink components that could be (parts of) digits: not specks, not ruled lines or frames."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    height, width = mask.shape
    min_side = max(3, min(height, width) // 120)
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if h < min_side * 2 or area < min_side**2 * 2:
            continue  # specks, sensor noise, paper grain
        if w > 6 * h or h > 0.95 * height and height > 200 or area > 0.5 * w * h and w > 3 * h:
            continue  # ruled lines, frame edges, solid bars
        boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def _linked(a, b) -> bool:
    """Do two component boxes belong to one number?"""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    gap_x = max(ax, bx) - min(ax + aw, bx + bw)  # negative when they overlap in x
    overlap_y = min(ay + ah, by + bh) - max(ay, by)
    tall, short = max(ah, bh), min(ah, bh)
    if gap_x < -0.3 * min(aw, bw):  # stacked pieces of one broken digit
        return overlap_y > -0.35 * tall and tall < 3 * short + 0.5 * tall
    side_by_side = overlap_y > 0.4 * short and tall < 2.6 * short
    return side_by_side and gap_x < 0.75 * tall


def link_components(boxes: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """Union-find over linked component pairs -> lists of boxes, one list per number."""
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    for n, i in enumerate(order):
        for j in order[n + 1 :]:
            if boxes[j][0] > boxes[i][0] + boxes[i][2] + 3 * max(boxes[i][3], boxes[j][3]):
                break  # sorted by x: nothing further right can link to i
            if _linked(boxes[i], boxes[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list] = {}
    for i, box in enumerate(boxes):
        groups.setdefault(root(i), []).append(box)
    return list(groups.values())


def union(boxes) -> tuple[int, int, int, int]:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _side_by_side(a, b) -> bool:
    """Two groups' boxes that sit next to each other on one line, close enough to be one number."""
    gap_x = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
    return gap_x >= -0.3 * min(a[2], b[2]) and _linked(a, b)  # side by side only: stacking would merge lines


def _overlap(a, b) -> tuple[int, int]:
    """How far two boxes overlap in x and in y (zero or less where they do not)."""
    return (min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]),
            min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))


def _inside(a, b) -> bool:
    """At least 80% of box ``a`` lies within box ``b`` (a 5's detached bar, the rim of a loop)."""
    ix, iy = _overlap(a, b)
    return a[2] * a[3] <= b[2] * b[3] and max(0, ix) * max(0, iy) >= 0.8 * a[2] * a[3]


def _stray_stroke_of(a, b) -> bool:
    """Box ``a`` is a short stroke overlapping box ``b``'s corner or edge: a 5's bar written apart and past
    the digit's end, a 7's crossbar, not a number of its own (no one writes one into another's box)."""
    ix, iy = _overlap(a, b)
    return ix > 0 and iy > 0 and a[3] < 0.5 * b[3] and a[2] * a[3] < 0.25 * b[2] * b[3]


def _merge_once(groups: list[list], belong) -> bool:
    """Merge the first pair of groups whose boxes ``belong`` together; False when none do."""
    boxes = [union(g) for g in groups]
    for i in range(len(groups)):
        for j in range(len(groups)):
            if i != j and belong(boxes[i], boxes[j]):
                groups[j] = groups[j] + groups[i]
                del groups[i]
                return True
    return False


def merge_all(groups: list[list], belong) -> list[list]:
    """Merge groups whose boxes ``belong`` together until no pair does. A frame full of clutter (more than
    MAX_GROUPS_TO_MERGE groups) is left as it is: merging would cost seconds."""
    while MAX_GROUPS_TO_MERGE >= len(groups) > 1 and _merge_once(groups, belong):
        pass
    return groups


def group(boxes: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """Components -> numbers: linked components, then whole groups that sit side by side (a digit in
    pieces is short on its own), then groups lying inside another group's box."""
    groups = merge_all(link_components(boxes), _side_by_side)
    return merge_all(groups, lambda a, b: _inside(a, b) or _stray_stroke_of(a, b))


def _mark_beside(a, b) -> bool:
    """Box ``a`` is a small mark just off the side of box ``b``, level with its digits: a 7's bar or a 5's flag
    the pen left apart. Not a number of its own: no one writes one a pen's width from another, a third as tall."""
    gap_x = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
    small = 0.05 * b[3] < a[3] < 0.4 * b[3] and a[2] < b[2]  # yet a stroke, not a speck of grain
    return small and 0 <= gap_x < 0.25 * b[3] and _overlap(a, b)[1] > 0.5 * a[3]


def is_dot(mask: np.ndarray, parts: list[tuple[int, int, int, int]]) -> bool:
    """A lone blob of solid ink without a hole, at most 1.67 times as tall as wide (or as wide as tall): a tap
    or a short dab of the pen, a full stop, a blot. No digit is one: a 0 or an 8 written with a thick pen
    keeps a slit of its loop, and a 1 is taller."""
    if len(parts) != 1:
        return False
    x, y, w, h = parts[0]
    blob = np.ascontiguousarray(mask[y : y + h, x : x + w])
    if not 0.6 < w / h < 1.67 or np.count_nonzero(blob) < 0.7 * w * h:
        return False
    _, hierarchy = cv2.findContours(blob, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return hierarchy is None or not (hierarchy[0][:, 3] >= 0).any()  # no contour inside another: no hole


def writing_slope(regions: list[Region]) -> float:
    """How the lines of writing slant (dy/dx): the median, over numbers of three or more pieces, of the line
    through their pieces' centres. A photo of a tilted sheet slants every line alike; 0 when nothing shows it."""
    slopes = []
    for region in regions:
        if len(region.parts) >= 3:
            xs = np.array([x + w / 2 for x, _, w, _ in region.parts])
            ys = np.array([y + h / 2 for _, y, _, h in region.parts])
            if np.ptp(xs) > 0:
                slopes.append(np.polyfit(xs, ys, 1)[0])
    return float(np.clip(np.median(slopes), -MAX_SLOPE, MAX_SLOPE)) if slopes else 0.0


def reading_order(regions: list[Region]) -> list[Region]:
    """Lines top to bottom, left to right within. Two numbers share a line when they overlap vertically by half,
    measured along the writing's slant: on a tilted sheet a line's right end sits higher or lower than its left."""
    slope = writing_slope(regions)
    spans = []  # (top, bottom, region): each box's vertical extent with the slant taken out
    for region in regions:
        x, y, w, h = region.box
        top = y - slope * (x + w / 2)
        spans.append((top, top + h, region))
    lines: list[tuple[float, float, list[Region]]] = []  # (top, bottom, regions) of each line so far
    for top, bottom, region in sorted(spans, key=lambda s: s[0] + s[1]):
        for n, (line_top, line_bottom, members) in enumerate(lines):
            if min(bottom, line_bottom) - max(top, line_top) > 0.5 * min(bottom - top, line_bottom - line_top):
                members.append(region)
                lines[n] = (min(top, line_top), max(bottom, line_bottom), members)
                break
        else:
            lines.append((top, bottom, [region]))
    return [r for _, _, members in lines for r in sorted(members, key=lambda r: r.box[0])]


def find_numbers(gray: np.ndarray) -> list[Region]:
    """Every number in a grayscale image, in reading order, with boxes in the image's pixels."""
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    work = gray if scale == 1.0 else shrink(gray, scale)
    paper = paper_view(work)
    mask = ink_mask(work, paper)
    paper_level = uint8_percentile(paper, 90)  # paper is most of a picture of a number
    regions = []
    # dots go first, so that a tap beside a number is not joined to it as a mark
    for parts in merge_all([parts for parts in group(components(mask)) if not is_dot(mask, parts)], _mark_beside):
        box = union(parts)
        if box[3] < max(8, min(work.shape) // 40) or not on_paper(paper, mask, box, paper_level):
            continue  # too small to be a number anyone meant to be read, or marks on the desk
        regions.append(Region(_rescale(box, scale), tuple(_rescale(p, scale) for p in parts)))
    return reading_order(regions)


def _rescale(box, scale: float) -> tuple[int, int, int, int]:
    return tuple(int(round(v / scale)) for v in box)
