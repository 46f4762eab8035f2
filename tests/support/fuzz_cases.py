"""The fuzz cases and their rules, shared by ``tests/robustness/test_fuzz.py`` (a small seeded sample) and
``python -m benchmarks.fuzz`` (by the ten thousand).

Hypothesis strategies generate the cases: ``image_bytes`` (random bytes, magic numbers followed by junk,
small well-formed and corrupted images, a few real pictures of numbers), ``rest_requests`` (requests for
Flask's test client), ``socket_events`` (Socket.IO events with wrong names, arguments and payloads) and
``floods`` (bursts of tiny frames). ``send_rest``, ``SocketProbe`` and ``send_flood`` send them; the
``check_*`` functions hold the rules an answer must keep: no 5xx, every rejection a 400/413/415 (or 404
for an unknown model) with ``{"error": {"code", "message"}}`` whose message says what was wrong, every
frame answered, no model read with unless it is a name in the store.
"""
from __future__ import annotations

import io
import re
import struct
import time
import zlib

import numpy as np
from hypothesis import strategies as st
from PIL import Image

RECOGNIZE = "/api/v1/recognize"
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
MAX_SEQ = 2**53 - 1
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
        from training.sources.datasets import load_test_digits

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
