"""Cut a normalised line into one MNIST-style crop per digit the line model read (numpy and OpenCV only).

The CTC model says how many digits a line holds and roughly where: each digit's peak step. The ink
says exactly where: its connected components. ``digit_crops`` puts the two together, so that a digit
classifier (``models.build_digit``) can read each digit again at MNIST's own framing: the longest side
20 pixels, the centre of mass in the middle of 28 x 28. Training (``training.core.rescore``) and serving
cut digits with this one function.
"""
from __future__ import annotations

import cv2
import numpy as np

from training.core.decode import DecodedChar

CROP_SIZE = 28
CROP_BOX = 20  # MNIST's framing: the digit's longest side, inside the 28-pixel square
INK = 0.3  # a pixel this bright in the normalised line is ink, for finding components
RIM = 2  # fainter pixels within this distance of ink belong to that ink's digit (anti-aliasing)
PEAK_LEADS = np.arange(-4.0, 17.0)  # input pixels a CTC peak may sit left of its digit's centre


def peak_centres(digits: list[DecodedChar], steps: int, width: int) -> np.ndarray:
    """The input x of each digit's CTC run centre, float (n,)."""
    stride = width / steps
    return np.array([stride * (d.start + d.end) / 2 for d in digits], np.float32)


def _components(line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label map (H, W) int32 (0 = background) and per component (x, w, centre x, area), float (k, 4)."""
    count, labels, stats, centroids = cv2.connectedComponentsWithStats((line > INK).astype(np.uint8), connectivity=8)
    parts = np.stack([stats[:, 0], stats[:, 2], centroids[:, 0], stats[:, 4]], axis=1)[1:].astype(np.float32)
    return labels, parts


def align_centres(centres: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Shift the peak centres onto the ink: a bidirectional CTC model fires a little before (or after)
    the digit's middle, by an amount that varies with the model and the line. The shift chosen puts
    the ink, column by column (``profile``, float (W,)), nearest to some centre."""
    columns = np.arange(len(profile), dtype=np.float32)[:, None, None]
    # every lead at once: (W, leads, n) distances -> each column's nearest centre (W, leads) -> ink-weighted cost
    nearest = np.abs(columns - (centres[None, :] + PEAK_LEADS[:, None])[None]).min(axis=2)
    costs = profile @ nearest
    return centres + PEAK_LEADS[int(np.argmin(costs))]


def group_parts(parts: np.ndarray, count: int) -> list[list[int]] | None:
    """Gather the components into ``count`` digits, left to right, by joining the pair that overlaps
    most (or is closest) until ``count`` are left; specks join their nearest neighbour first.
    None when there are fewer components than digits (some digits touch)."""
    order = np.argsort(parts[:, 2])
    groups = [[int(i)] for i in order]
    if len(groups) < count:
        return None
    spans = [(parts[i, 0], parts[i, 0] + parts[i, 1], parts[i, 3]) for i in order]  # (left, right, area)
    while len(groups) > count:
        median = float(np.median([a for _, _, a in spans]))
        gaps = [spans[i + 1][0] - spans[i][1] - (100.0 if min(spans[i][2], spans[i + 1][2]) < 0.15 * median else 0.0)
                for i in range(len(spans) - 1)]
        i = int(np.argmin(gaps))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
        spans[i : i + 2] = [(min(spans[i][0], spans[i + 1][0]), max(spans[i][1], spans[i + 1][1]), spans[i][2] + spans[i + 1][2])]
    return groups


def assign_pixels(line: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Which digit each pixel of the line belongs to: int32 (H, W), -1 for paper.

    A component holding one centre is that digit; one holding none (a 5's detached bar) joins the
    nearest; one holding several (touching digits) is cut halfway between their centres (the
    thinnest column would often be the hollow middle of a 0 or an 8)."""
    labels, parts = _components(line)
    owner = np.full(line.shape, -1, np.int32)
    if not len(parts):
        return owner
    groups = group_parts(parts, len(centres))
    if groups is not None:
        digit_of_label = np.full(len(parts) + 1, -1, np.int32)  # label 0 is the paper
        for digit, members in enumerate(groups):
            digit_of_label[np.asarray(members) + 1] = digit
        return _with_rims(line, digit_of_label[labels])
    profile = np.where(labels > 0, line, 0.0).sum(axis=0)  # ink per column
    centres = align_centres(centres, profile)
    cuts = (centres[:-1] + centres[1:]) / 2  # touching digits part halfway between their centres
    for index, (x, w, centre_x, _) in enumerate(parts, start=1):
        inside = np.nonzero((centres >= x) & (centres < x + w))[0]
        ys, xs = np.nonzero(labels == index)
        if len(inside) == 1:
            owner[ys, xs] = inside[0]
        elif len(inside) == 0:
            owner[ys, xs] = int(np.argmin(np.abs(centres - centre_x)))
        else:
            owner[ys, xs] = np.searchsorted(cuts, xs)
    return _with_rims(line, owner)


def _with_rims(line: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Give the faint pixels around the ink (below INK) to the digit of the nearest ink pixel."""
    distance, nearest = cv2.distanceTransformWithLabels((owner < 0).astype(np.uint8), cv2.DIST_L2, 3,
                                                        labelType=cv2.DIST_LABEL_PIXEL)
    seeds = np.flatnonzero(owner >= 0)
    owner_of_seed = np.full(nearest.max() + 1, -1, np.int32)
    owner_of_seed[nearest.ravel()[seeds]] = owner.ravel()[seeds]
    full = owner_of_seed[nearest]
    full[(line <= 0.02) | (distance > RIM)] = -1
    return full


def mnist_frame(ink: np.ndarray) -> np.ndarray:
    """One digit's ink, float (H, W) in [0, 1] -> float32 (28, 28): longest side 20 pixels, centre of
    mass at the centre, as MNIST framed its digits."""
    frame = np.zeros((CROP_SIZE, CROP_SIZE), np.float32)
    ys, xs = np.nonzero(ink > 0.05)
    if not len(xs):
        return frame
    digit = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = CROP_BOX / max(digit.shape)
    width, height = max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale))
    digit = np.clip(cv2.resize(digit, (width, height), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR), 0, 1)
    mass = max(float(digit.sum()), 1e-6)
    top = int(round(CROP_SIZE / 2 - float(digit.sum(axis=1) @ np.arange(height)) / mass))
    left = int(round(CROP_SIZE / 2 - float(digit.sum(axis=0) @ np.arange(width)) / mass))
    top, left = min(max(top, 0), CROP_SIZE - height), min(max(left, 0), CROP_SIZE - width)
    frame[top : top + height, left : left + width] = digit
    return frame


def digit_crops(line: np.ndarray, digits: list[DecodedChar], steps: int) -> np.ndarray:
    """A normalised line, float (32, 256[, 1]), and the digits a CTC model read in it (``steps`` wide)
    -> float32 (n, 28, 28) crops, one per digit, in reading order."""
    line = line[..., 0] if line.ndim == 3 else line
    if not digits:
        return np.zeros((0, CROP_SIZE, CROP_SIZE), np.float32)
    owner = assign_pixels(line, peak_centres(digits, steps, line.shape[1]))
    ys, xs = np.nonzero(owner >= 0)
    ids = owner[ys, xs]
    crops = np.zeros((len(digits), CROP_SIZE, CROP_SIZE), np.float32)
    for i in range(len(digits)):
        mine = ids == i
        if mine.any():  # the digit's box only: cheaper than masking the whole line per digit
            top, bottom, left, right = ys[mine].min(), ys[mine].max() + 1, xs[mine].min(), xs[mine].max() + 1
            box = owner[top:bottom, left:right] == i
            crops[i] = mnist_frame(np.where(box, line[top:bottom, left:right], 0.0))
    return crops
