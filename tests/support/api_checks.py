"""Checks of the API's answers, the same in every suite: the error shape, the result JSON, boxes, frame seqs."""
from __future__ import annotations

import math

DIGITS = set("0123456789")
TEXT_CHARS = DIGITS | set(".,-/:()+ ")  # a number as written: digits, separators, spaces between groups


def error_of(payload) -> tuple[str, str]:
    """Check ``{"error": {"code", "message"}}`` (a dict, a Flask response or a requests-like response);
    return (code, message)."""
    if hasattr(payload, "get_json"):
        payload = payload.get_json()
    elif hasattr(payload, "json") and callable(payload.json):
        payload = payload.json()
    assert isinstance(payload, dict) and isinstance(payload.get("error"), dict), f"not an error payload: {payload!r}"
    error = payload["error"]
    assert set(error) == {"code", "message"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    return error["code"], error["message"]


def seqs_accounted_for(answers: list[dict]) -> list[int]:
    """The seqs a client's answers (``result``/``error`` payloads) account for, sorted: each answer's own, and the
    ``dropped`` frames it replaced, sent just before it (the client numbers its frames 1, 2, 3...)."""
    seqs = []
    for payload in answers:
        assert isinstance(payload.get("dropped"), int) and payload["dropped"] >= 0, payload
        seqs += range(payload["seq"] - payload["dropped"], payload["seq"] + 1)
    return sorted(seqs)


def box_inside(inner, outer, tolerance: int = 0) -> bool:
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return (ix >= ox - tolerance and iy >= oy - tolerance and ix + iw <= ox + ow + tolerance
            and iy + ih <= oy + oh + tolerance)


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    return inter / float(aw * ah + bw * bh - inter)


def assert_result_schema(result: dict, width: int, height: int) -> None:
    """The documented recognize JSON, with every box inside the image (and digit boxes inside their number)."""
    assert set(result) == {"numbers", "image", "model", "timing_ms"}, sorted(result)
    assert result["image"] == {"width": width, "height": height}
    assert set(result["model"]) == {"name", "version"}, result["model"]
    assert isinstance(result["model"]["name"], str) and result["model"]["name"]
    timing = result["timing_ms"]
    assert isinstance(timing, dict) and "total" in timing, timing
    assert all(isinstance(v, (int, float)) and v >= 0 for v in timing.values()), timing
    assert isinstance(result["numbers"], list)
    image_box = (0, 0, width, height)
    for number in result["numbers"]:
        assert set(number) == {"text", "digits", "confidence", "box", "chars"}, sorted(number)
        text = number["text"]
        assert isinstance(text, str) and text == text.strip() and set(text) <= TEXT_CHARS, text
        assert number["digits"] == "".join(c for c in text if c in DIGITS) and number["digits"], number
        assert 0.0 <= number["confidence"] <= 1.0
        box = number["box"]
        assert len(box) == 4 and all(isinstance(v, int) for v in box) and box[2] > 0 and box[3] > 0, box
        assert box_inside(box, image_box), f"number box {box} outside the {width}x{height} image"
        chars = number["chars"]
        assert "".join(c["char"] for c in chars) == text, (text, chars)
        product = math.prod(c["confidence"] for c in chars)
        assert number["confidence"] <= product + 2e-3 * len(chars), (number["confidence"], product)
        previous_x = -1
        for char in chars:
            assert set(char) == {"char", "confidence", "box"}, sorted(char)
            assert char["char"] in TEXT_CHARS and 0.0 <= char["confidence"] <= 1.0, char
            cbox = char["box"]
            assert len(cbox) == 4 and all(isinstance(v, int) for v in cbox) and cbox[2] > 0 and cbox[3] > 0, cbox
            assert box_inside(cbox, image_box), f"char box {cbox} outside the {width}x{height} image"
            assert box_inside(cbox, box, tolerance=1), f"char box {cbox} outside its number's box {box}"
            assert cbox[0] >= previous_x, f"char boxes not left to right: {[c['box'] for c in chars]}"
            previous_x = cbox[0]


def without_timing(result: dict) -> dict:
    """A result minus what legitimately differs between two reads of one image (timings, the socket's seq and
    dropped count)."""
    return {k: v for k, v in result.items() if k not in ("timing_ms", "seq", "dropped")}


def texts(result: dict) -> list[str]:
    return [number["text"] for number in result["numbers"]]
