"""The one recognizer behind REST, Socket.IO, the CLI and the benchmarks.

bytes -> decode (EXIF upright) -> find every number -> normalise each crop exactly as training
does -> one batch through the model -> per-character boxes and confidences -> JSON in reading order.
The model itself sits behind a ``Backend`` with ``predict(model_name, batch) -> (logits, info)``:
the inference process in the app, or an in-process model for the CLI, the benchmarks and the tests.
``webapp.reading.load`` builds one ready to use.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from training.core import decode, detect, detector, preprocess, ruling
from webapp.reading import finding
from webapp.errors import DigitReaderError, InvalidImageError
from webapp.reading.imaging import decode_gray, sample_images

CROP_PAD = 0.15  # paper kept around a number, as a fraction of its height (training pads 5-40%)
# numbers read with less are not reported. Chosen on validation sets with crnn-text-digits3: 0.1 against 0.3 read
# 18 more of 200 separated numbers, 3 more pen-real strings and canvas drawings, one webcam frame fewer
MIN_CONFIDENCE = 0.1
DETECTOR = "detectors/numbers-det2"  # the store's number detector
FINDER = "both"  # how numbers are found by default (reading.finding.FINDERS; chosen by the reader benchmark)
READ_THREADS = 2  # a pool's threads for decoding and finding several images at once (2 cores)


class Backend(Protocol):
    """Where the model runs: in this process (``reading.local.LocalBackend``), in a spawned inference process
    (``serving.inference.ProcessBackend``) or on Redis workers (``serving.redis_backend.RedisBackend``)."""

    state: str  # "loading", "ready", "restarting" or "error"
    info: dict  # the default model's {"name", "version", "decoder", "alphabet", "device"}
    device: str | None  # "CPU" or "GPU" (None while not known)

    def start(self) -> "Backend": ...

    def stop(self) -> None: ...

    def predict(self, model: str | None, batch: np.ndarray) -> tuple[np.ndarray, dict]:
        """float32 (n, 32, 256, 1) -> logits (n, steps, classes) and {"name", "version", "decoder", "alphabet",
        "device"}; for a detector (decoder "detector"), pictures (n, H, W, 1) -> number maps (n, H/4, W/4, 1)."""


@dataclass(frozen=True)
class Crop:
    """A number's crop: its origin in the image and where its ink landed in the model input."""

    x: int
    y: int
    placement: preprocess.Placement
    region: detect.Region
    whole: bool = False  # the whole picture, read because no number was found in it (``finding.whole_picture``)


def cut(gray: np.ndarray, region: detect.Region) -> tuple[np.ndarray, Crop]:
    """Crop one number with a margin of paper; return the model input and its geometry."""
    box = region.box
    pad = int(round(CROP_PAD * box.h))
    x0, y0 = max(0, box.x - pad), max(0, box.y - pad)
    x1, y1 = min(gray.shape[1], box.right + pad), min(gray.shape[0], box.bottom + pad)
    line, placement = preprocess.normalize_line(gray[y0:y1, x0:x1])
    return line, Crop(x0, y0, placement, region)


def _step_centres(chars: list[decode.DecodedChar], decoder: str, crop: Crop, steps: int) -> list[float]:
    """Image x of each character's centre: from the CTC steps, or evenly spread for positional models."""
    if decoder != "ctc":
        box = crop.region.box
        return [box.x + (i + 0.5) * box.w / len(chars) for i in range(len(chars))]
    stride = preprocess.INPUT_WIDTH / steps  # input pixels per model step
    p = crop.placement
    return [crop.x + p.x0 + (stride * (c.start + c.end) / 2 - preprocess.MARGIN) / p.scale for c in chars]


def char_boxes(chars: list[decode.DecodedChar], decoder: str, crop: Crop, steps: int) -> list[list[int]]:
    """A box per character: its ink component when each is one; else split at midpoints between centres."""
    parts = sorted(crop.region.parts)
    if len(parts) == len(chars):  # separate characters, each one stroke group: the components are they
        return [list(p) for p in parts]
    box = crop.region.box
    centres = _step_centres(chars, decoder, crop, steps)
    edges = [box.x] + [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [box.right]
    boxes = []
    for left, right in zip(edges, edges[1:]):
        parts = [p for p in crop.region.parts if left <= p.centre_x < right]
        top = min((p.y for p in parts), default=box.y)
        bottom = max((p.bottom for p in parts), default=box.bottom)
        boxes.append([int(round(left)), int(top), max(1, int(round(right - left))), int(bottom - top)])
    return boxes


def as_written(chars: list[decode.DecodedChar]) -> list[decode.DecodedChar]:
    """The characters of one number: spaces only between groups (none at its ends, never two running)."""
    kept = [c for i, c in enumerate(chars) if c.char != " " or (i and chars[i - 1].char != " ")]
    while kept and kept[0].char == " ":
        kept.pop(0)
    while kept and kept[-1].char == " ":
        kept.pop()
    return kept


def number_confidence(chars: list[decode.DecodedChar], separator_doubt: float = 0.0) -> float:
    """How sure the reading is: every character right, and no separator dropped (``decode.separator_doubt``)."""
    return float(np.prod([c.confidence for c in chars])) * (1.0 - separator_doubt)


def number_json(chars: list[decode.DecodedChar], decoder: str, crop: Crop, steps: int,
                separator_doubt: float = 0.0) -> dict:
    """One number: ``text`` as written ("3.14", "(408) 974-8980"), ``digits`` its digits only, the box,
    and each character with its confidence and box."""
    boxes = char_boxes(chars, decoder, crop, steps)
    return {
        "text": "".join(c.char for c in chars),
        "digits": "".join(c.char for c in chars if c.char.isdigit()),
        "confidence": round(number_confidence(chars, separator_doubt), 4),
        "box": list(crop.region.box),
        "chars": [{"char": c.char, "confidence": round(c.confidence, 4), "box": box} for c, box in zip(chars, boxes)],
    }


@dataclass
class Prepared:
    """An image decoded, its numbers found and normalised: everything before the model."""

    width: int
    height: int
    batch: np.ndarray | None  # float32 (n, 32, 256, 1); None until the numbers are found
    crops: list[Crop]
    timing: dict
    gray: np.ndarray | None = None  # the decoded picture, kept while the detector's map is awaited
    picture: np.ndarray | None = None  # the detector's input, float32 (H, W, 1) (training.core.detector.detector_input)
    scale: float = 1.0  # detector pixels per image pixel
    found: list[detect.Region] | None = None  # the hand-tuned finder's numbers, where it ran
    answer: dict | None = None  # what ``Recognizer.recognize`` answers for it, once read


def _run_inline(function, *args):
    return function(*args)


def cut_all(gray: np.ndarray, regions: list[detect.Region]) -> tuple[np.ndarray, list[Crop]]:
    """Each number's model input (n, 32, 256, 1) and its crop; with no number found, the picture read whole
    where it may be a crop of one (``finding.whole_picture``)."""
    whole = finding.whole_picture(gray) if not regions else None
    if whole is not None:
        line, crop = cut(gray, whole)
        return line[None], [Crop(crop.x, crop.y, crop.placement, whole, whole=True)]
    cuts = [cut(gray, region) for region in regions]
    if not cuts:
        return np.zeros((0,) + preprocess.INPUT_SHAPE, np.float32), []
    return np.stack([line for line, _ in cuts]), [crop for _, crop in cuts]


class Recognizer:
    """Reads every number in an image through a model backend.

    ``finder``: how the numbers are found (``finding.FINDERS``: the learned ``detector``, a stored model run
    through the backend like the reader; the hand-tuned finder; or both). ``offload(function, *args)`` runs
    the CPU-heavy parts (decode, find, cut and normalise); the app passes ``eventlet.tpool.execute`` so the
    event loop keeps serving meanwhile. A ``pool`` (an Executor), where given, runs them for several images
    at once instead, and the detector's network beside them (the inference process passes a thread pool:
    OpenCV, NumPy and TensorFlow let go of the GIL).
    """

    def __init__(self, backend: Backend, max_pixels: int = 40_000_000, min_confidence: float = MIN_CONFIDENCE,
                 offload=_run_inline, finder: str = FINDER, detector: str = DETECTOR, pool=None):
        if finder not in finding.FINDERS:
            raise ValueError(f"finder is one of {', '.join(finding.FINDERS)}. Received: {finder!r}")
        self.backend = backend
        self.max_pixels = max_pixels
        self.min_confidence = min_confidence
        self.offload, self.pool = offload, pool
        self.finder, self.detector = finder, detector

    def recognize(self, data: bytes, model: str | None = None) -> dict:
        """Image bytes -> {"numbers", "image", "model", "timing_ms"} (see the README); raises the image's
        DigitReaderError (not an image, too large, an unknown model)."""
        (answer,) = self.recognize_many([data], model)
        if isinstance(answer, DigitReaderError):
            raise answer
        return answer

    def recognize_many(self, images: list[bytes], model: str | None = None) -> list[dict | DigitReaderError]:
        """Several images read together, as the inference process reads the frames of many clients: the
        detector runs once per picture size, the reader once for every number of every image. Each image's
        answer as ``recognize`` gives it, or the DigitReaderError that image alone raised."""
        start = time.perf_counter()
        prepared = self._map(self._decode_or_error, images)
        good = [p for p in prepared if isinstance(p, Prepared)]
        if good:
            self._find_and_cut(good)
            self._read_all(good, model, start)
        return [p.answer if isinstance(p, Prepared) else p for p in prepared]

    def _map(self, function, *columns) -> list:
        """``function`` over the rows of ``columns``: in the pool where there is one, else each offloaded."""
        if self.pool is not None:
            return list(self.pool.map(function, *columns))
        return [self.offload(function, *row) for row in zip(*columns)]

    def _find_and_cut(self, prepared: list[Prepared]) -> None:
        """Every image's numbers found and cut. In a pool the detector's network runs while the hand-tuned
        finder searches (TensorFlow lets go of the GIL), and the finder skips the images whose map, if done by
        then, sees no number (``finding.needs_search``); without one, the maps first."""
        if self.pool is None:
            maps = self._number_maps(prepared)
            self._map(self.find_classical, prepared, maps)
        else:
            detecting = self.pool.submit(self._number_maps, prepared)

            def find(index: int) -> None:
                self.find_classical(prepared[index], detecting.result()[index] if detecting.done() else None)

            self._map(find, range(len(prepared)))
            maps = detecting.result()
        self._map(self.cut_found, prepared, maps)

    def _decode_or_error(self, data: bytes):
        try:
            return self.decode(data)
        except DigitReaderError as exc:  # this image's problem, not its neighbours'
            return exc

    def _number_maps(self, prepared: list[Prepared]) -> list[np.ndarray | None]:
        """The detector's map of each picture, one run per picture size (None each where the finder needs none)."""
        maps: list[np.ndarray | None] = [None] * len(prepared)
        sizes: dict[tuple, list[int]] = {}
        for i, p in enumerate(prepared):
            if p.picture is not None:
                sizes.setdefault(p.picture.shape, []).append(i)
        for indices in sizes.values():
            mark = time.perf_counter()
            found, _ = self.backend.predict(self.detector, np.stack([prepared[i].picture for i in indices]))
            for i, number_map in zip(indices, found):
                maps[i] = number_map
                prepared[i].timing["detector"] = time.perf_counter() - mark
        return maps

    def _read_all(self, prepared: list[Prepared], model: str | None, start: float) -> None:
        """Every image's numbers through the model as one batch; each image's answer into ``answer``."""
        mark = time.perf_counter()
        logits, info = self.backend.predict(model, np.concatenate([p.batch for p in prepared]))
        seconds = time.perf_counter() - mark
        offset = 0
        for p in prepared:
            rows, offset = logits[offset : offset + len(p.batch)], offset + len(p.batch)
            p.timing["inference"] = seconds
            numbers = self.read(p, rows, info)
            p.timing["total"] = time.perf_counter() - start
            p.answer = {"numbers": numbers, "image": {"width": p.width, "height": p.height},
                        "model": {"name": info.get("name"), "version": info.get("version")},
                        "timing_ms": {k: round(v * 1000, 2) for k, v in p.timing.items()}}

    def warm_up(self) -> None:
        """Decode and search one small image of each kind now, and one that is not an image.

        Their first use imports Pillow's format plugins and numpy's masked arrays. Under eventlet, a call
        offloaded while another thread holds the import lock runs on the event loop itself (``tpool``
        avoids an import deadlock that way), so a first frame's imports would stall every client. The
        detector's map is left out (the backend may still be loading): a blank one takes its place.
        """
        for data in sample_images():
            prepared = self.decode(data)
            self.find_classical(prepared)
            self.cut_found(prepared, finding.blank_map(prepared.picture) if prepared.picture is not None else None)
        try:
            self.decode(b"not an image")
        except InvalidImageError:
            pass

    def prepare(self, data: bytes) -> Prepared:
        """Decode, find the numbers and normalise each: the model's batch and its geometry."""
        prepared = self.offload(self.decode, data)
        self._find_and_cut([prepared])
        return prepared

    def decode(self, data: bytes) -> Prepared:
        """Decode; then the detector's input, where the finder uses it."""
        start = time.perf_counter()
        gray = decode_gray(data, self.max_pixels)
        decoded = time.perf_counter()
        gray = ruling.erase_ruling(gray)  # a cell's borders are not digits (issue 35)
        timing = {"decode": decoded - start, "ruling": time.perf_counter() - decoded}
        prepared = Prepared(gray.shape[1], gray.shape[0], None, [], timing, gray)
        if finding.uses_map(self.finder):
            mark = time.perf_counter()
            prepared.picture, prepared.scale = detector.detector_input(gray)
            prepared.timing["detector_input"] = time.perf_counter() - mark
        return prepared

    def find_classical(self, prepared: Prepared, number_map: np.ndarray | None = None) -> None:
        """The hand-tuned finder's numbers, where the finder uses them (and, given the detector's map, where
        it sees a number)."""
        if finding.needs_search(self.finder, number_map):
            mark = time.perf_counter()
            prepared.found = detect.find_numbers(prepared.gray)
            prepared.timing["detect"] = time.perf_counter() - mark
        elif self.finder != "learned":
            prepared.found = []

    def cut_found(self, prepared: Prepared, number_map: np.ndarray | None) -> None:
        """The numbers found (with the detector's map where it ran), cut and normalised into ``prepared``; the
        picture let go."""
        start = time.perf_counter()
        regions = finding.regions(self.finder, prepared.gray, number_map, prepared.scale, prepared.found)
        regions = finding.without_marks(prepared.gray, regions)
        prepared.batch, prepared.crops = cut_all(prepared.gray, regions)
        prepared.gray = prepared.picture = prepared.found = None
        prepared.timing["boxes"] = time.perf_counter() - start

    def read(self, prepared: Prepared, logits: np.ndarray, info: dict) -> list[dict]:
        """Decode each number's logits; keep those with a digit, read with at least ``min_confidence``."""
        numbers = []
        alphabet = info.get("alphabet")
        for crop, row in zip(prepared.crops, logits):
            chars = as_written(decode.DECODERS[info["decoder"]](row, alphabet))
            doubt = decode.separator_doubt(row, chars, alphabet)
            least = max(self.min_confidence, finding.WHOLE_CONFIDENCE) if crop.whole else self.min_confidence
            if any(c.char.isdigit() for c in chars) and number_confidence(chars, doubt) >= least:
                numbers.append(number_json(chars, info["decoder"], crop, row.shape[0], doubt))
        return numbers
