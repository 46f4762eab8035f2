"""Property-based fuzzing of the app's inputs: image decoding, the REST endpoint and the Socket.IO handlers.

``python -m benchmarks.fuzz [--cases 10000] [--seed 0] [--inference process|local] [--case-timeout-s 20]``

Hypothesis generates the cases (generation only: nothing is shrunk, so every case counts once):

* ``decode``: ``webapp.reading.imaging.decode_image`` on random bytes, on random bytes behind a real format's
  magic number, and on small JPEG/PNG/WebP/GIF/BMP images (also 60,000 x 1 strips, and a few real
  pictures of numbers), whole or truncated, overwritten, spliced, or whose header declares other
  dimensions (zero, huge, 2^32-1);
* ``rest``: ``POST /api/v1/recognize`` with those bodies raw or in hand-built multipart bodies (odd
  field names, hostile file names, several files, broken boundaries), odd content types and ``model``
  values (paths, long, unicode), and a few other methods and paths;
* ``socket``: Socket.IO events with wrong names, wrong argument counts, payloads of the wrong type,
  missing or extra fields, absurd ``seq`` values (negative, 2^64, floats, NaN, booleans, strings),
  non-binary images and odd ``model`` values;
* ``flood``: bursts of up to 200 tiny frames as fast as the client can send them, with the production
  frame-rate limit in force.

Everything runs in this process through Flask's test client and Flask-SocketIO's test client, with the
model in the real spawned worker (``--inference process``, the default, as served) or in this process (``local``).
Each case must finish within ``--case-timeout-s``; the rules a case must keep are in ``check_*`` below:
no 5xx, no exception out of a handler, no ``internal_error`` event, every rejection a 400/413/415 (or
404 for an unknown model) with ``{"error": {"code", "message"}}`` whose message says what was wrong,
every frame answered, no model read with unless it is a name in the store. Measured: status codes and
error codes, failures with examples, resident memory (this process and the inference process) at the
start, every 5% of the run and at the end, cases per second. Hypothesis generates all the cases first
(its own bookkeeping grows with them), then they run interleaved, so that every code path is warm after
the first 5%; memory is sampled after a garbage collection and ``malloc_trim``, so it shows live memory
rather than the allocator's high-water mark. Results: ``benchmarks/results/fuzz.json``
(``fuzz-quick.json`` for ``--quick``: 500 cases).

The strategies are also used, with a small seeded sample, by ``tests/robustness/test_fuzz.py``.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import io
import json
import os
import re
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
RECOGNIZE = "/api/v1/recognize"
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
MAX_SEQ = 2**53 - 1
MEMORY_FLAT_MB = 50  # resident memory may grow this much after warm-up (allocator pools, Pillow caches)
# Which error codes a rejection may carry, by the REST status that goes with it.
REJECTION_STATUS = {400: {"invalid_image", "bad_request"}, 413: {"payload_too_large"},
                    415: {"unsupported_media_type"}, 404: {"unknown_model"}}
SOCKET_ERROR_CODES = {"invalid_image", "bad_request", "payload_too_large", "unsupported_media_type", "unknown_model",
                      "rate_limited"}
# What a message must mention, by code, to "name what was wrong".
MESSAGE_MENTIONS = {
    "invalid_image": re.compile(r"bytes|empty|format|pixels|image", re.I),
    "payload_too_large": re.compile(r"pixels|bytes", re.I),
    "unsupported_media_type": re.compile(r"format|type|image", re.I),
    "bad_request": re.compile(r"image|seq|model|frame|field|multipart|argument", re.I),
    "unknown_model": re.compile(r"model", re.I),
    "rate_limited": re.compile(r"limit|many", re.I),
}


# --- images ----------------------------------------------------------------------------------------

def render(width: int, height: int, mode: str, pattern: str, seed: int) -> Image.Image:
    """A small picture: noise, a flat colour, or pen-like strokes on paper, in ``mode``."""
    rng = np.random.default_rng(seed)
    if pattern == "noise":
        gray = rng.integers(0, 256, (height, width), dtype=np.uint8)
    elif pattern == "flat":
        gray = np.full((height, width), int(rng.integers(0, 256)), np.uint8)
    else:
        import cv2

        gray = np.full((height, width), 255, np.uint8)
        for _ in range(int(rng.integers(1, 6))):
            points = rng.integers(0, max(width, height), (int(rng.integers(2, 6)), 2)).astype(np.int32)
            cv2.polylines(gray, [points], False, 0, int(rng.integers(1, 4)))
    image = Image.fromarray(gray)
    if mode == "RGBA":
        alpha = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))
        image = Image.merge("RGBA", (image, image, image, alpha))
    elif mode != "L":
        image = image.convert(mode)
    return image


def encode(image: Image.Image, fmt: str, orientation: int | None = None) -> bytes:
    """Pillow-encode ``image`` as ``fmt`` (converting modes the format cannot hold), with an EXIF
    orientation tag when one is given (any value, also invalid ones)."""
    if fmt == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    if fmt == "BMP" and image.mode in ("LA", "RGBA"):
        image = image.convert("RGB")
    params = {}
    if orientation is not None and fmt in ("JPEG", "PNG", "WEBP"):
        exif = Image.Exif()
        exif[0x0112] = orientation
        params["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


_REAL: list[bytes] = []


def real_pictures() -> list[bytes]:
    """A few real pictures of handwritten numbers (MNIST test digits): a canvas PNG, a JPEG photo, a
    WebP and a GIF, so that mutations also hit images the detector and model get to work on."""
    if not _REAL:
        from training.datasets import load_test_digits

        digits = load_test_digits()
        ink = np.concatenate([digits.images[i] for i in (3, 2, 1, 18)], axis=1).astype(np.float32) / 255.0
        ink = np.kron(ink, np.ones((2, 2), np.float32))  # 56 px tall digits
        page = np.full((200, 480), 255, np.uint8)
        page[72:128, 128:352] = (255 * (1 - ink)).astype(np.uint8)
        photo = np.stack([page, page, page], axis=-1).astype(np.int16)
        photo += np.random.default_rng(0).integers(-12, 12, photo.shape, dtype=np.int16)
        photo = np.clip(photo, 0, 255).astype(np.uint8)
        _REAL.extend([encode(Image.fromarray(page), "PNG"), encode(Image.fromarray(photo), "JPEG", orientation=6),
                      encode(Image.fromarray(photo), "WEBP"), encode(Image.fromarray(page), "GIF")])
    return _REAL


@st.composite
def clean_images(draw) -> bytes:
    """A small well-formed image in one of the accepted formats (or a real picture of a number)."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(real_pictures()))
    fmt = draw(st.sampled_from(FORMATS))
    width, height = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    if kind == 1:  # a long thin strip (1-8 x 1,000-60,000 pixels, either way round): few pixels, extreme shape
        fmt = draw(st.sampled_from(["PNG", "GIF", "BMP"]))
        width, height = draw(st.integers(1, 8)), draw(st.integers(1000, 60_000))
        if draw(st.booleans()):
            width, height = height, width
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "P", "1", "LA"]))
    pattern = draw(st.sampled_from(["noise", "flat", "strokes"]))
    orientation = draw(st.none() | st.integers(0, 12))
    return encode(render(width, height, mode, pattern, draw(st.integers(0, 2**32 - 1))), fmt, orientation)


DIMENSIONS = st.one_of(st.sampled_from([0, 1, 2, 255, 6325, 8000, 65535, 65536, 100_000, 2**24 - 1, 2**31 - 1,
                                        2**32 - 1]), st.integers(0, 2**32 - 1))


def declare_size(data: bytes, width: int, height: int) -> bytes:
    """``data`` with the header's declared width and height replaced (each clipped to its field), for PNG
    (CRC fixed), GIF, BMP, JPEG (every SOF marker) and WebP (VP8X, VP8L, VP8); other bytes unchanged."""
    out = bytearray(data)
    if out.startswith(b"\x89PNG") and len(out) >= 33:
        out[16:24] = struct.pack(">II", width % 2**32, height % 2**32)
        out[29:33] = struct.pack(">I", zlib.crc32(bytes(out[12:29])) & 0xFFFFFFFF)
    elif out.startswith(b"GIF") and len(out) >= 10:
        out[6:10] = struct.pack("<HH", width % 2**16, height % 2**16)
        at = out.find(b"\x2c", 13)
        if at > 0 and at + 9 <= len(out):
            out[at + 5 : at + 9] = struct.pack("<HH", width % 2**16, height % 2**16)
    elif out.startswith(b"BM") and len(out) >= 26:
        out[18:26] = struct.pack("<II", width % 2**32, height % 2**32)  # read as signed: >= 2^31 is top-down
    elif out.startswith(b"\xff\xd8"):
        for match in re.finditer(rb"\xff[\xc0-\xc3\xc5-\xc7\xc9-\xcb\xcd-\xcf]", bytes(out)):
            at = match.start()
            if at + 9 <= len(out):
                out[at + 5 : at + 9] = struct.pack(">HH", height % 2**16, width % 2**16)
    elif out[8:12] == b"WEBP" and len(out) >= 30:
        chunk = bytes(out[12:16])
        if chunk == b"VP8X":
            out[24:27] = ((width - 1) % 2**24).to_bytes(3, "little")
            out[27:30] = ((height - 1) % 2**24).to_bytes(3, "little")
        elif chunk == b"VP8L":
            bits = ((width - 1) % 2**14) | (((height - 1) % 2**14) << 14)
            out[21:25] = (bits | (int.from_bytes(out[21:25], "little") & 0xF0000000)).to_bytes(4, "little")
        else:  # VP8: 14-bit width and height after the 3-byte tag and the start code
            out[26:30] = struct.pack("<HH", width % 2**14, height % 2**14)
    return bytes(out)


@st.composite
def corrupted_images(draw) -> bytes:
    """A clean image after 1-3 mutations: truncation, overwritten bytes, inserted or deleted runs, a
    spliced-in copy of itself, a new declared size."""
    data = bytearray(draw(clean_images()))
    for operation in draw(st.lists(st.sampled_from(["truncate", "overwrite", "insert", "delete", "splice", "size"]),
                                   min_size=1, max_size=3)):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if operation == "truncate":
            data = data[:at]
        elif operation == "overwrite":
            run = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(run)] = run
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == "splice":
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 256))]
        else:
            data = bytearray(declare_size(bytes(data), draw(DIMENSIONS), draw(DIMENSIONS)))
    return bytes(data)


MAGIC = [b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"GIF87a", b"BM",
         b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"RIFF\xff\xff\xff\xffWEBPVP8L", b"RIFF\x00\x01\x00\x00WEBPVP8X",
         b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00", b"P6\n", b"%PDF-1.4", b"<svg", b"8BPS", b"\x00\x00\x00\x0cjP  "]


def image_bytes() -> st.SearchStrategy[bytes]:
    """Anything that might arrive as an image: random bytes, magic numbers followed by junk, clean and
    corrupted images, nothing at all."""
    return st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda magic, tail: magic + tail, st.sampled_from(MAGIC), st.binary(max_size=512)),
        clean_images(),
        corrupted_images(),
        corrupted_images(),
        st.just(b""),
    )


# --- REST requests ----------------------------------------------------------------------------------

def hostile_texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Names from the wild: path traversal, control characters, long strings, any unicode."""
    return st.one_of(st.text(max_size=max_size), st.sampled_from([
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "C:\\boot.ini", "a\x00b.png", "",
        ".", "..", "model_store/../model_store/crnn", "x" * 300, "é" * 100, "<script>alert(1)</script>.png",
        "photo.png\r\nX-Injected: 1", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "CON", "crnn/../crnn", "~root"]))


def _quoted(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass").replace(b'"', b"%22")


def multipart(parts: list[tuple[str, str | None, str | None, bytes]], boundary: bytes, terminated: bool) -> bytes:
    """A multipart/form-data body by hand (name, file name or None, part content type or None, data)."""
    out = []
    for name, filename, content_type, data in parts:
        head = b'Content-Disposition: form-data; name="' + _quoted(name) + b'"'
        if filename is not None:
            head += b'; filename="' + _quoted(filename) + b'"'
        if content_type:
            head += b"\r\nContent-Type: " + content_type.encode("latin-1", "replace")
        out.append(b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n")
    return b"".join(out) + (b"--" + boundary + b"--\r\n" if terminated else b"")


CONTENT_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/octet-stream", "text/plain",
                 "application/json", "application/x-www-form-urlencoded", "image/svg+xml", "", "*/*",
                 "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=x"]


@st.composite
def rest_requests(draw, model_name: str = "crnn") -> dict:
    """A request for the test client: {"method", "path", "query", "content_type", "body", "model"}."""
    query, model = {}, None
    if draw(st.booleans()):
        model = draw(st.one_of(st.just(model_name), hostile_texts()))
        query["model"] = model
    kind = draw(st.sampled_from(["raw"] * 4 + ["multipart"] * 4 + ["form", "other"]))
    if kind == "other":
        method, path = draw(st.sampled_from([("GET", RECOGNIZE), ("PUT", RECOGNIZE), ("DELETE", RECOGNIZE),
                                             ("POST", "/api/v1/models"), ("GET", "/api/v1/nothing"),
                                             ("GET", "/healthz"), ("GET", "/models/{}/curves.png"),
                                             ("POST", "/api/v1/recognize/extra"), ("GET", "/static/{}")]))
        if "{}" in path:
            from urllib.parse import quote

            path = path.format(quote(draw(hostile_texts(20)), safe="./"))
        return {"method": method, "path": path, "query": query, "content_type": "", "body": b"", "model": model}
    if kind == "raw":
        return {"method": "POST", "path": RECOGNIZE, "query": query, "body": draw(image_bytes()),
                "content_type": draw(st.sampled_from(CONTENT_TYPES)), "model": model}
    if kind == "form":
        body = draw(st.one_of(st.binary(max_size=256), st.just(b"image=abc&model=" + draw(hostile_texts()).encode())))
        return {"method": "POST", "path": RECOGNIZE, "query": query, "body": body,
                "content_type": "application/x-www-form-urlencoded", "model": model}
    boundary = draw(st.sampled_from([b"fuzzboundary", b"x", b"----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                     b"a" * 70, b"\xe9t\xe9"]))
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.one_of(st.sampled_from(["image", "image", "model", "file", "photo", "image[]"]),
                              hostile_texts(12)))
        filename = draw(st.one_of(st.none(), hostile_texts()))
        data = draw(image_bytes()) if name != "model" else draw(hostile_texts()).encode("utf-8", "surrogatepass")
        parts.append((name, filename, draw(st.sampled_from([None, "image/png", "text/plain", "x/y"])), data))
        if name == "model":
            model = model or data.decode("utf-8", "replace") or None
    declared = draw(st.sampled_from(["same", "same", "same", "missing", "other"]))
    content_type = {"same": "multipart/form-data; boundary=" + boundary.decode("latin-1"),
                    "missing": "multipart/form-data", "other": "multipart/form-data; boundary=zzz"}[declared]
    return {"method": "POST", "path": RECOGNIZE, "query": query, "content_type": content_type,
            "body": multipart(parts, boundary, terminated=draw(st.sampled_from([True, True, True, False]))),
            "model": model}


def send_rest(client, request: dict):
    """Send a ``rest_requests`` case through a Flask test client; returns the response."""
    headers = {"Content-Type": request["content_type"]} if request["content_type"] else {}
    return client.open(request["path"], method=request["method"], query_string=request["query"] or None,
                       data=request["body"], headers=headers)


def check_rest(request: dict, response, names=frozenset()) -> list[str]:
    """The rules for one REST answer; the problems found (empty: fine). ``names``: the models in the store,
    the only ones a client may ask for (a path must not be opened)."""
    status, problems = response.status_code, []
    if status >= 500:
        return [f"{status} from {request['method']} {request['path']}: {response.get_data()[:200]!r}"]
    is_api = request["path"].startswith("/api/")
    if status >= 400 and is_api:
        problems += check_error_payload(response.get_json(silent=True), f"{status}")
        payload = response.get_json(silent=True) or {}
        code = (payload.get("error") or {}).get("code")
        if request["path"] == RECOGNIZE and request["method"] == "POST":
            if status not in REJECTION_STATUS:
                problems.append(f"POST {RECOGNIZE} answered {status} ({code}); rejections are 400/404/413/415")
            elif code not in REJECTION_STATUS[status]:
                problems.append(f"status {status} with code {code!r}")
            if status == 404 and not request["model"]:
                problems.append("404 unknown_model without a model in the request")
        if status in (429, 503) and not response.headers.get("Retry-After"):
            problems.append(f"{status} without Retry-After")
    if status == 200 and request["path"] == RECOGNIZE:
        body = response.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("numbers"), list):
            problems.append(f"200 without the result JSON: {response.get_data()[:120]!r}")
        if names and request["model"] and request["model"] not in names:
            problems.append(f"model {request['model']!r:.60} is not a name in the store but was read with")
    return problems


def check_error_payload(payload, where: str) -> list[str]:
    """``{"error": {"code", "message"}}`` (plus ``seq`` on Socket.IO), the message naming what was wrong."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return [f"{where}: not an error payload: {str(payload)[:160]}"]
    error = payload["error"]
    code, message = error.get("code"), error.get("message")
    if set(error) != {"code", "message"} or not isinstance(code, str) or not isinstance(message, str) or not message:
        return [f"{where}: malformed error {str(error)[:160]}"]
    mention = MESSAGE_MENTIONS.get(code)
    if mention is not None and not mention.search(message):
        return [f"{where}: {code} message does not say what was wrong: {message[:160]!r}"]
    return []


# --- Socket.IO events -------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                         st.text(max_size=20))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=8)
SEQS = st.one_of(st.integers(0, MAX_SEQ), st.integers(0, 1000), st.integers(-2**70, 2**70),
                 st.sampled_from([-1, MAX_SEQ, MAX_SEQ + 1, 2**63, 2**64, 10**30, -(2**63)]),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=8), st.none())


@st.composite
def frame_payloads(draw, model_name: str = "crnn"):
    """What a ``frame`` event might carry: a proper payload, one with wrong or missing fields, or anything."""
    kind = draw(st.sampled_from(["good"] * 3 + ["fields"] * 4 + ["dict", "other"]))
    if kind == "other":
        return draw(st.one_of(JSON_VALUES, st.binary(max_size=64)))
    if kind == "dict":
        return draw(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4))
    payload = {"seq": draw(st.integers(0, MAX_SEQ)) if kind == "good" else draw(SEQS),
               "image": draw(image_bytes()) if kind == "good" or draw(st.integers(0, 2)) else
               draw(st.one_of(JSON_VALUES, st.lists(st.integers(0, 255), max_size=8)))}
    if draw(st.booleans()):
        payload["model"] = draw(st.one_of(st.just(model_name), st.none(), hostile_texts(), st.integers()))
    if kind == "fields":
        for key in draw(st.lists(st.sampled_from(["seq", "image", "model"]), max_size=2)):
            payload.pop(key, None)
        if draw(st.booleans()):
            payload[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    return payload


EVENT_NAMES = st.one_of(st.just("frame"), st.just("frame"), st.just("frame"), st.just("frame"),
                        st.sampled_from(["connect", "disconnect", "message", "status", "result", "error", "Frame",
                                         "frame ", ""]), st.text(max_size=30))


@st.composite
def socket_events(draw, model_name: str = "crnn") -> tuple[str, list]:
    """(event name, arguments): mostly ``frame`` with one payload, sometimes none or several."""
    event = draw(EVENT_NAMES)
    count = draw(st.sampled_from([1, 1, 1, 1, 1, 1, 0, 2, 3]))
    return event, [draw(frame_payloads(model_name)) for _ in range(count)]


def valid_seq(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEQ


class SocketProbe:
    """Sends events through a Flask-SocketIO test client and waits for what each one is owed.

    The server's handlers are made synchronous (``async_handlers`` off, on the test side only), so an
    event's own error is in the client's queue when ``emit`` returns; results come from the frame slot's
    background task and are waited for.
    """

    def __init__(self, app, socketio):
        socketio.server = app.wsgi_app.engineio_app  # every create_app re-initialises the shared object
        socketio.server.async_handlers = False
        self.service = app.extensions["digit_reader"]
        self.client = socketio.test_client(app, flask_test_client=app.test_client())
        if not self.client.is_connected():
            raise RuntimeError("the Socket.IO test client could not connect")

    def events_since(self, start: int) -> list[tuple[str, object]]:
        return [(e["name"], e["args"][0] if e["args"] else None) for e in list(self.client.queue)[start:]]

    def idle(self) -> bool:
        return not any(slot.busy for slot in list(self.service.slots.values()))

    def send(self, event: str, args: list, timeout: float) -> list[tuple[str, object]]:
        """Emit one event; wait (up to ``timeout``) until the frame slot is idle and, for a ``frame``,
        its answer has come. Returns the events received meanwhile; raises TimeoutError."""
        start = len(self.client.queue)
        self.client.emit(event, *args)
        deadline = time.monotonic() + timeout
        while True:
            received = self.events_since(start)
            answered = event != "frame" or any(name in ("result", "error") for name, _ in received)
            if answered and self.idle():
                return self.events_since(start)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to {event!r} within {timeout:.0f} s")
            time.sleep(0.001)

    def clear(self) -> None:
        self.client.queue.clear()


def check_socket(event: str, args: list, received: list[tuple[str, object]], names=frozenset()) -> list[str]:
    """The rules for the answers to one event (``received``: what came back while it was handled;
    ``names``: the models in the store)."""
    problems = []
    answers = [(name, payload) for name, payload in received if name in ("result", "error")]
    model = args[0].get("model") if event == "frame" and args and isinstance(args[0], dict) else None
    if names and model and model not in names and any(name == "result" for name, _ in answers):
        problems.append(f"model {model!r:.60} is not a name in the store but was read with")
    for name, payload in answers:
        if name == "error":
            problems += check_error_payload(payload, "error event")
            code = ((payload or {}).get("error") or {}).get("code") if isinstance(payload, dict) else None
            if code not in SOCKET_ERROR_CODES:
                problems.append(f"error event with code {code!r} for {event!r}: {str(payload)[:200]}")
            if isinstance(payload, dict) and payload.get("seq") is not None and not valid_seq(payload["seq"]):
                problems.append(f"error event echoes an invalid seq {payload['seq']!r}")
    if event == "frame":
        if not answers:
            problems.append("a frame got no answer")
        elif len(args) == 1 and isinstance(args[0], dict) and valid_seq(args[0].get("seq")):
            seq = args[0]["seq"]
            if not any(isinstance(p, dict) and p.get("seq") == seq for _, p in answers):
                problems.append(f"no answer carries the frame's seq {seq}")
    return problems


@st.composite
def floods(draw) -> list[list]:
    """A burst of 10-200 tiny frames (a few bytes of junk each, or an empty payload)."""
    count = draw(st.integers(10, 200))
    junk = draw(st.sampled_from([b"", b"x", b"\xff\xd8", b"\x89PNG"]))
    shape = draw(st.sampled_from(["frame", "empty", "mixed"]))
    base = draw(st.integers(0, 10**6))
    out = []
    for i in range(count):
        if shape == "empty" or (shape == "mixed" and i % 3 == 0):
            out.append([])
        else:
            out.append([{"seq": base + i, "image": junk}])
    return out


def send_flood(probe: SocketProbe, burst: list[list], timeout: float) -> list[str]:
    """Emit every frame of ``burst`` back to back; then every frame must have been answered (result, or an
    error: rate_limited, invalid_image, bad_request) or counted as dropped in a later answer, and nothing may be
    internal."""
    start = len(probe.client.queue)
    for args in burst:
        probe.client.emit("frame", *args)
    deadline = time.monotonic() + timeout
    while not probe.idle():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the frame slot still busy {timeout:.0f} s after a flood of {len(burst)}")
        time.sleep(0.002)
    received = probe.events_since(start)
    answers = [(name, payload) for name, payload in received if name in ("result", "error")]
    problems = []
    for name, payload in answers:
        if name == "error":
            problems += check_socket("frame", [], [(name, payload)])
    dropped = sum(payload.get("dropped", 0) for _, payload in answers)
    if len(answers) + dropped != len(burst):
        problems.append(f"a flood of {len(burst)} frames got {len(answers)} answers and {dropped} dropped")
    return problems


# --- the benchmark ---------------------------------------------------------------------------------

def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory of a process in MB, from /proc (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return None
    return round(int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


class Run:
    """Counts, failures and timings of one fuzzing run; a watchdog flags a case that hangs."""

    def __init__(self, case_timeout_s: float, out_path: Path):
        self.case_timeout_s, self.out_path = case_timeout_s, out_path
        self.counts: Counter = Counter()
        self.statuses: Counter = Counter()
        self.error_codes: Counter = Counter()
        self.failures: list[dict] = []
        self.failure_kinds: Counter = Counter()
        self.slowest: list[tuple[float, str]] = []
        self.current: tuple[float, str] | None = None
        self.hangs = 0
        self.memory: list[dict] = []
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.result: dict = {}
        self.generation_s = 0.0

    def case(self, target: str, describe, body) -> None:
        """Run one case: ``body()`` returns its problems; exceptions and overruns are failures too."""
        started = time.monotonic()
        self.current = (started, f"{target}: {describe()[:300]}")
        try:
            problems = body()
        except Exception as exc:  # a crash in the app shows up here (the test clients re-raise)
            problems = [f"exception {type(exc).__name__}: {str(exc)[:300]}"]
        took = time.monotonic() - started
        self.current = None
        if took > self.case_timeout_s:
            problems = problems + [f"took {took:.1f} s (limit {self.case_timeout_s:.0f} s)"]
        with self.lock:
            self.counts[target] += 1
            self.slowest = sorted(self.slowest + [(round(took, 3), f"{target}: {describe()[:120]}")],
                                  reverse=True)[:5]
            for problem in problems:
                kind = re.sub(r"\d+", "N", problem)[:80]
                self.failure_kinds[kind] += 1
                if len(self.failures) < 40 and self.failure_kinds[kind] <= 3:
                    self.failures.append({"target": target, "problem": problem[:400], "case": describe()[:600]})

    def watchdog(self, stop: threading.Event, on_hang) -> None:
        """Every second: a case running 3x past its limit is a hang; report and end the run."""
        while not stop.wait(1.0):
            current = self.current
            if current and time.monotonic() - current[0] > 3 * self.case_timeout_s:
                self.hangs += 1
                with self.lock:
                    self.failures.append({"target": "hang", "problem": f"no end after "
                                          f"{3 * self.case_timeout_s:.0f} s", "case": current[1]})
                on_hang()
                return


def _describe_request(request: dict) -> str:
    body = request["body"]
    return (f"{request['method']} {request['path']} query={str(request['query'])[:80]} "
            f"content-type={request['content_type']!r} body={len(body)} bytes {body[:24]!r}")


def _describe_event(event: str, args: list) -> str:
    def short(value):
        if isinstance(value, (bytes, bytearray)):
            return f"<{len(value)} bytes {bytes(value[:12])!r}>"
        if isinstance(value, dict):
            return {k: short(v) for k, v in value.items()}
        if isinstance(value, list):
            return [short(v) for v in value[:6]]
        return value

    return f"{event!r} {str([short(a) for a in args])[:400]}"


def build_app(inference: str):
    """The app with rate limits lifted (the flood cases put the production frame limit back)."""
    from webapp import create_app

    return create_app({"INFERENCE": inference, "ASYNC_MODE": "threading", "TESTING": True,
                       "UPLOADS_PER_MINUTE": 10**9, "UPLOAD_BURST": 10**9, "FRAMES_PER_SECOND": 10.0**9,
                       "FRAME_BURST": 10**9, "CONCURRENT_UPLOADS": 10**6, "MAX_CONCURRENT_UPLOADS": 10**6})


def run(cases: int, seed: int, inference: str, case_timeout_s: float, out_path: Path, note: str | None = None) -> dict:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from training import store
    from webapp import socketio
    from webapp.config import DEFAULTS
    from webapp.errors import DigitReaderError
    from webapp.reading.imaging import decode_image
    from webapp.serving.limits import RateLimiter

    app = build_app(inference)
    service = app.extensions["digit_reader"]
    backend = service.backend
    if inference == "process":
        deadline = time.monotonic() + 300
        while backend.state != "ready":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the inference process is {backend.state} after 300 s")
            time.sleep(0.2)
    model_name = store.default_name(app.config["MODEL_STORE"])
    client = app.test_client()
    probe = SocketProbe(app, socketio)
    max_pixels = app.config["MAX_PIXELS"]
    # warm up: the model, the detector, Pillow's plugins; memory is measured from here on
    for picture in real_pictures():
        client.post(RECOGNIZE, data=picture, content_type="image/png")
    probe.send("frame", [{"seq": 0, "image": real_pictures()[0]}], 60)

    result_run = Run(case_timeout_s, out_path)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        libc = None
    worker_pid = lambda: getattr(getattr(backend, "process", None), "pid", None)  # noqa: E731

    def sample_memory():
        # live memory, not the allocator's high-water mark: collect, and give freed heap pages back to the system
        gc.collect()
        if libc is not None:
            libc.malloc_trim(0)
        result_run.memory.append({"cases": sum(result_run.counts.values()),
                                  "seconds": round(time.monotonic() - result_run.started, 1),
                                  "web_mb": rss_mb(), "worker_mb": rss_mb(worker_pid()) if worker_pid() else None})

    shares = {"decode": 0.35, "rest": 0.35, "socket": 0.25, "flood": 0.05}
    quota = {target: max(1, int(round(cases * share))) for target, share in shares.items()}
    every = max(1, cases // 20)
    common = dict(database=None, deadline=None, phases=[Phase.generate], derandomize=False,
                  suppress_health_check=list(HealthCheck))

    # 1. Hypothesis generates every case first: its own bookkeeping grows with the number of examples, and
    # should not count as the app's memory. 2. The cases run, memory sampled as they go.
    generated: dict[str, list] = {target: [] for target in quota}

    @hypothesis_seed(seed)
    @settings(max_examples=quota["decode"], **common)
    @given(image_bytes())
    def generate_decode(data):
        generated["decode"].append(data)

    @hypothesis_seed(seed + 1)
    @settings(max_examples=quota["rest"], **common)
    @given(rest_requests(model_name))
    def generate_rest(request):
        generated["rest"].append(request)

    @hypothesis_seed(seed + 2)
    @settings(max_examples=quota["socket"], **common)
    @given(socket_events(model_name))
    def generate_socket(case):
        generated["socket"].append(case)

    @hypothesis_seed(seed + 3)
    @settings(max_examples=quota["flood"], **common)
    @given(floods())
    def generate_flood(burst):
        generated["flood"].append(burst)

    began = time.monotonic()
    for generate in (generate_decode, generate_rest, generate_socket, generate_flood):
        generate()
    generation_s = time.monotonic() - began
    print(f"generated {sum(map(len, generated.values()))} cases in {generation_s:.0f} s: "
          f"{ {k: len(v) for k, v in generated.items()} }", flush=True)
    result_run.generation_s = generation_s
    result_run.started = time.monotonic()
    sample_memory()
    progress = {"done": 0}

    def tick():
        progress["done"] += 1
        if progress["done"] % every == 0:
            sample_memory()
            last = result_run.memory[-1]
            print(f"  {progress['done']:>6} cases, {last['seconds']:>6.0f} s, web {last['web_mb']} MB, "
                  f"failures {sum(result_run.failure_kinds.values())}", flush=True)

    def fuzz_decode(data):
        def body():
            try:
                array = decode_image(data, max_pixels)
            except DigitReaderError as exc:
                result_run.error_codes[exc.code] += 1
                return check_error_payload(exc.to_payload(), "decode_image")
            result_run.error_codes["decoded"] += 1
            if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or \
                    array.shape[0] * array.shape[1] > max_pixels or 0 in array.shape:
                return [f"decode_image returned {array.dtype} {array.shape}"]
            return []

        result_run.case("decode", lambda: f"{len(data)} bytes {data[:24]!r}", body)

    def fuzz_rest(request):
        def body():
            response = send_rest(client, request)
            result_run.statuses[response.status_code] += 1
            return check_rest(request, response, frozenset({model_name}))

        result_run.case("rest", lambda: _describe_request(request), body)

    def fuzz_socket(case):
        event, args = case

        def body():
            received = probe.send(event, args, case_timeout_s)
            for name, payload in received:
                if name == "error" and isinstance(payload, dict):
                    result_run.error_codes["socket:" + str((payload.get("error") or {}).get("code"))] += 1
                elif name == "result":
                    result_run.error_codes["socket:result"] += 1
            if not probe.client.is_connected():
                return ["the Socket.IO connection was dropped"]
            return check_socket(event, args, received, frozenset({model_name}))

        result_run.case("socket", lambda: _describe_event(event, args), body)
        probe.clear()

    def fuzz_flood(burst):
        service.frame_rate = RateLimiter(DEFAULTS["FRAMES_PER_SECOND"], DEFAULTS["FRAME_BURST"])

        def body():
            return send_flood(probe, burst, case_timeout_s)

        result_run.case("flood", lambda: f"{len(burst)} frames like {_describe_event('frame', burst[-1])}", body)
        probe.clear()
        service.frame_rate = RateLimiter(10.0**9, 10**9)

    stop = threading.Event()

    def on_hang():
        summary = finish(result_run, cases, seed, inference, aborted="a case hung")
        print(json.dumps(summary["totals"]), file=sys.stderr)
        os._exit(3)

    def finish(state: Run, requested: int, seed_: int, mode: str, aborted: str | None = None) -> dict:
        sample_memory()
        return report(state, requested, seed_, mode, app.config, aborted, note)

    threading.Thread(target=result_run.watchdog, args=(stop, on_hang), daemon=True).start()
    try:
        # interleaved, each target spread evenly over the run: every path is warm after the first 5%, so that
        # memory growth from there on means a leak, not a code path used for the first time
        functions = {"decode": fuzz_decode, "rest": fuzz_rest, "socket": fuzz_socket, "flood": fuzz_flood}
        schedule = sorted(((index + 0.5) / len(cases_), target, index) for target, cases_ in generated.items()
                          for index in range(len(cases_)))
        for _, target, index in schedule:
            functions[target](generated[target][index])
            tick()
    finally:
        stop.set()
        if inference == "process":
            backend.stop()
    return finish(result_run, cases, seed, inference)


def report(state: Run, requested: int, seed: int, inference: str, config, aborted: str | None,
           note: str | None = None) -> dict:
    """The results JSON: totals, by target, status and error codes, failures, memory, time."""
    done = sum(state.counts.values())
    seconds = time.monotonic() - state.started
    memory = state.memory
    warm = memory[min(1, len(memory) - 1)]  # after the first 5%: Pillow's plugins and caches are in
    growth = round(memory[-1]["web_mb"] - warm["web_mb"], 1) if memory else None
    half = memory[len(memory) // 2] if memory else None
    second_half = round(memory[-1]["web_mb"] - half["web_mb"], 1) if memory else None
    payload = {
        "command": f"python -m benchmarks.fuzz --cases {requested} --seed {seed} --inference {inference}",
        "note": note,
        "requested_cases": requested,
        "seed": seed,
        "inference": inference,
        "case_timeout_s": state.case_timeout_s,
        "aborted": aborted,
        "totals": {"cases": done, "failures": sum(state.failure_kinds.values()), "hangs": state.hangs,
                   "server_errors_5xx": sum(n for status, n in state.statuses.items() if status >= 500),
                   "seconds": round(seconds, 1), "cases_per_second": round(done / seconds, 1) if seconds else None,
                   "generation_seconds": round(state.generation_s, 1),
                   "web_rss_growth_after_warmup_mb": growth,
                   "web_rss_growth_second_half_mb": second_half,
                   "memory_flat": growth is not None and growth < MEMORY_FLAT_MB and second_half < MEMORY_FLAT_MB / 5},
        "by_target": dict(state.counts),
        "rest_status_codes": {str(k): v for k, v in sorted(state.statuses.items())},
        "error_codes": dict(state.error_codes.most_common()),
        "failure_kinds": dict(state.failure_kinds.most_common()),
        "failures": state.failures,
        "slowest_cases": [{"seconds": s, "case": c} for s, c in state.slowest],
        "memory": memory,
        "limits": {key: config[key] for key in ("MAX_CONTENT_LENGTH", "MAX_PIXELS", "MAX_SOCKET_MESSAGE_BYTES")},
    }
    try:
        from benchmarks.common import machine_info

        payload["machine"] = machine_info()
    except Exception as exc:  # psutil and requests come with the bench extras only
        payload["machine"] = {"cores": os.cpu_count(), "load_average_at_end": os.getloadavg(), "note": str(exc)}
    state.out_path.parent.mkdir(parents=True, exist_ok=True)
    state.out_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=None, help="cases in all (default 10000; 500 with --quick)")
    parser.add_argument("--quick", action="store_true", help="500 cases, written to fuzz-quick.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inference", choices=["local", "process"], default="process",
                        help="process (default): the model in its own process, as served; local: in this one")
    parser.add_argument("--case-timeout-s", type=float, default=20.0)
    parser.add_argument("--out", default=None, help="results file name under benchmarks/results (no .json)")
    parser.add_argument("--note", default=None, help="a remark kept in the results (what was run, where)")
    args = parser.parse_args(argv)
    cases = args.cases or (500 if args.quick else 10_000)
    name = args.out or ("fuzz-quick" if args.quick else "fuzz")
    out_path = Path(__file__).resolve().parent / "results" / f"{name}.json"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import logging
    import warnings

    warnings.simplefilter("ignore")  # Pillow warns about every corrupt EXIF block it skips
    logging.getLogger("PIL").setLevel(logging.WARNING)
    print(f"fuzzing with {cases} cases (seed {args.seed}, inference {args.inference})", flush=True)
    payload = run(cases, args.seed, args.inference, args.case_timeout_s, out_path, args.note)
    totals = payload["totals"]
    print(json.dumps({"totals": totals, "by_target": payload["by_target"],
                      "rest_status_codes": payload["rest_status_codes"],
                      "failure_kinds": payload["failure_kinds"]}, indent=2))
    print(f"written {out_path.relative_to(ROOT)}")
    return 0 if not totals["failures"] and totals["memory_flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
