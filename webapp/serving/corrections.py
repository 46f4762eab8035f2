"""Corrections (issue 24): a user's fix of a misread, checked here and kept in the corrections store.

The routes hand over the request's fields; this module checks each (saying what it received when it refuses
one), decodes the image as the reader does, cuts the number out with the reader's margin, and stores the sample
through ``training.core.corrections.CorrectionStore``. Nothing is kept from a request that fails any check, and
nothing at all is kept except on a POST: reading a picture never stores it.
"""
from __future__ import annotations

import contextlib
import re
import sqlite3
from dataclasses import dataclass

import cv2
import numpy as np

from training.core import store
from training.core.corrections import (MODES, TEXT_RULE, CorrectionStore, NewCorrection, StoreFullError,
                                  UnknownCorrectionError, WrongTokenError, text_problem)
from training.core.alphabet import STRING_CHARS
from webapp.config import corrections_db
from webapp.errors import (BadRequestError, CorrectionNotFoundError, CorrectionsFullError, CorrectionsUnavailableError,
                           UnknownModelError, WrongDeleteTokenError)
from webapp.reading.imaging import decode_image
from webapp.reading.recognizer import CROP_PAD
from webapp.serving.limits import RateLimiter

MAX_READ_LENGTH = 64  # what the reader read: longer than any number it reads
MAX_NAME_LENGTH = 100  # a model's name or version
# Stored images are bounded in pixels as well as bytes: the reader sees a number 24 px tall, so a crop 192 px
# tall keeps 8 times what it needs, and a whole image 1280 px across keeps every stroke of the page's canvas.
CROP_LIMIT = (192, 4096)  # (height, width) at most of a number's crop, shrunk to fit keeping its shape
WHOLE_LIMIT = (1280, 1280)  # of a whole image: a drawing, or an image sent without a box
BOX_PATTERN = re.compile(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*$")
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class CorrectionsService:
    """The corrections store, the per-address rate of new corrections, and where to run the heavy part."""

    store: CorrectionStore
    rate: RateLimiter
    max_pixels: int
    model_store: object  # the model store's folder (None: the repository's)
    offload: object  # run(function, *args): off the event loop under eventlet (green.offload_for)

    @classmethod
    def from_config(cls, config: dict, offload) -> "CorrectionsService":
        corrections = CorrectionStore(corrections_db(config), config["MAX_CORRECTIONS"],
                                      config["MAX_CORRECTIONS_BYTES"])
        return cls(corrections, RateLimiter(config["CORRECTIONS_PER_MINUTE"] / 60, config["CORRECTION_BURST"]),
                   config["MAX_PIXELS"], config["MODEL_STORE"], offload)

    def submit(self, client: str, image: bytes, form, served: dict) -> dict:
        """A correction from ``client`` (its address): the multipart ``form`` fields and the ``image``'s bytes;
        ``served`` is the model the server runs ({"name", "version"}), taken when the form names none.
        Returns {"id", "delete_token"}."""
        self.rate.check(client, "corrections")
        mode, text = checked_mode(form.get("mode")), checked_text(form.get("text"))
        read, box = checked_read(form.get("read")), parse_box(form.get("box"))
        model, version = self.model_and_version(form.get("model"), form.get("version"), served)
        sample_id, token = self.offload(self._store, image, box, mode, text, read, model, version)
        return {"id": sample_id, "delete_token": token}

    def _store(self, image: bytes, box, mode, text, read, model, version) -> tuple[str, str]:
        """Decode, cut and store (the CPU and disk part, run off the event loop)."""
        gray = cv2.cvtColor(decode_image(image, self.max_pixels), cv2.COLOR_RGB2GRAY)
        check_box(box, gray.shape)
        crop = png(bounded(cut_with_margin(gray, box), CROP_LIMIT if box else WHOLE_LIMIT))
        drawing = png(bounded(gray, WHOLE_LIMIT)) if mode == "draw" and box is not None else None
        sample = NewCorrection(mode, text, read, model, version, (gray.shape[1], gray.shape[0]), box, crop, drawing)
        with store_errors():
            return self.store.add(sample)

    def delete(self, sample_id: str, token: str | None) -> None:
        """Delete a correction given its delete token (403 without it, 404 for an id never given out)."""
        if not ID_PATTERN.match(sample_id):
            raise CorrectionNotFoundError(f"no correction with id {sample_id!r:.80}: ids are 32 hexadecimal digits")
        with store_errors():
            self.offload(self.store.delete, sample_id, token)

    def stats(self) -> dict:
        """{"count", "by_mode"}: counts only, no image and no text."""
        with store_errors():
            return self.offload(self.store.stats)

    def model_and_version(self, name: str | None, version: str | None, served: dict) -> tuple[str, str]:
        """The model that read the image (a name in the store; default: the one served) and its version
        (default: the served one's, or the named model's card)."""
        version = checked_length("version", version or "")
        if not name:
            return served.get("name") or "", version or served.get("version") or ""
        stored = {m.name: m for m in store.list_models(self.model_store)}
        if name not in stored:  # never a path: the field only says which model of the store read the picture
            raise UnknownModelError(f"no model named {name!r:.80}; models: {', '.join(sorted(stored)) or '(none)'}")
        return name, version or stored[name].card.get("version", "")


# --- the fields -------------------------------------------------------------------------------------------

def checked_text(text: str | None) -> str:
    """The number the user typed, surrounding spaces dropped; 400 saying what was received if it is not one."""
    if text is None:
        raise BadRequestError(f"a correction needs a field 'text': {TEXT_RULE}")
    problem = text_problem(text.strip())
    if problem:
        raise BadRequestError(f"'text' must be {TEXT_RULE}; received {text!r:.80} ({problem})")
    return text.strip()


def checked_mode(mode: str | None) -> str:
    if mode not in MODES:
        received = "nothing" if mode is None else repr(mode)[:80]
        raise BadRequestError(f"'mode' must be one of {', '.join(MODES)}; received {received}")
    return mode


def checked_read(read: str | None) -> str:
    """What the reader had read ('' when it read nothing): characters it can read, at most MAX_READ_LENGTH."""
    read = read or ""
    if len(read) > MAX_READ_LENGTH or not set(read) <= STRING_CHARS:
        raise BadRequestError(f"'read' must be what the reader read: up to {MAX_READ_LENGTH} digits, separators and "
                              f"spaces; received {read!r:.80}")
    return read


def checked_length(field: str, value: str) -> str:
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequestError(f"'{field}' is at most {MAX_NAME_LENGTH} characters; received {len(value)}")
    return value


def parse_box(box: str | None) -> tuple[int, int, int, int] | None:
    """"x,y,w,h" (integer pixels of the upright image, as the reader's boxes are) -> a tuple; None when absent."""
    if box is None or box == "":
        return None
    match = BOX_PATTERN.match(box)
    if not match:
        raise BadRequestError(f"'box' must be four whole numbers \"x,y,w,h\" (pixels of the image); "
                              f"received {box!r:.80}")
    x, y, w, h = map(int, match.groups())
    if w < 1 or h < 1 or x < 0 or y < 0:
        raise BadRequestError(f"'box' {box!r:.80} needs x and y of 0 or more and a width and height of 1 or more")
    return x, y, w, h


def check_box(box: tuple[int, int, int, int] | None, shape: tuple[int, ...]) -> None:
    """The box must lie inside the image (its size known once decoded)."""
    if box is None:
        return
    x, y, w, h = box
    height, width = shape[:2]
    if x + w > width or y + h > height:
        raise BadRequestError(f"'box' {x},{y},{w},{h} goes outside the {width}x{height} image")


# --- the images -------------------------------------------------------------------------------------------

def cut_with_margin(gray: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The number's crop with the reader's margin of paper (``CROP_PAD`` of its height), as the reader cut it
    for the model; the whole image when there is no box."""
    if box is None:
        return gray
    x, y, w, h = box
    pad = int(round(CROP_PAD * h))
    return gray[max(0, y - pad) : min(gray.shape[0], y + h + pad), max(0, x - pad) : min(gray.shape[1], x + w + pad)]


def bounded(gray: np.ndarray, limit: tuple[int, int]) -> np.ndarray:
    """The image shrunk (keeping its shape) to at most ``limit`` (height, width); unchanged when it fits."""
    scale = min(1.0, limit[0] / gray.shape[0], limit[1] / gray.shape[1])
    if scale == 1.0:
        return gray
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def png(gray: np.ndarray) -> bytes:
    """Grayscale PNG: written afresh from the pixels, so nothing of the file sent (EXIF, GPS) is kept."""
    ok, encoded = cv2.imencode(".png", gray)
    if not ok:
        raise ValueError("PNG encoding failed")
    return encoded.tobytes()


# --- the store's errors as the API's ------------------------------------------------------------------------

@contextlib.contextmanager
def store_errors():
    """The store's exceptions as the API's errors (507, 404, 403, 503), raised where the store is called."""
    try:
        yield
    except (StoreFullError, UnknownCorrectionError, WrongTokenError, sqlite3.Error) as exc:
        raise api_error(exc) from exc


def api_error(exc: Exception) -> Exception:
    """The API's error for one the store raised."""
    if isinstance(exc, StoreFullError):
        return CorrectionsFullError(str(exc))
    if isinstance(exc, UnknownCorrectionError):
        return CorrectionNotFoundError(str(exc))
    if isinstance(exc, WrongTokenError):
        return WrongDeleteTokenError(str(exc))
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":  # the disk, not the caps
        return CorrectionsFullError("the disk holding the corrections store is full; the sample was not kept")
    return CorrectionsUnavailableError(f"the corrections store cannot be used now ({exc}); try again shortly",
                                       retry_after=2)
