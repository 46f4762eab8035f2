"""Checks of the API's answers, the same in every suite: the error shape, the result JSON, boxes, frame seqs."""
from __future__ import annotations

import math

DIGITS = set("0123456789")


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
        assert set(number) == {"text", "confidence", "box", "digits"}, sorted(number)
        text = number["text"]
        assert isinstance(text, str) and text and set(text) <= DIGITS, text
        assert 0.0 <= number["confidence"] <= 1.0
        box = number["box"]
        assert len(box) == 4 and all(isinstance(v, int) for v in box) and box[2] > 0 and box[3] > 0, box
        assert box_inside(box, image_box), f"number box {box} outside the {width}x{height} image"
        digits = number["digits"]
        assert "".join(d["digit"] for d in digits) == text, (text, digits)
        product = math.prod(d["confidence"] for d in digits)
        assert abs(product - number["confidence"]) < 2e-3 * len(digits), (number["confidence"], product)
        previous_x = -1
        for digit in digits:
            assert set(digit) == {"digit", "confidence", "box"}, sorted(digit)
            assert digit["digit"] in DIGITS and 0.0 <= digit["confidence"] <= 1.0, digit
            dbox = digit["box"]
            assert len(dbox) == 4 and all(isinstance(v, int) for v in dbox) and dbox[2] > 0 and dbox[3] > 0, dbox
            assert box_inside(dbox, image_box), f"digit box {dbox} outside the {width}x{height} image"
            assert box_inside(dbox, box, tolerance=1), f"digit box {dbox} outside its number's box {box}"
            assert dbox[0] >= previous_x, f"digit boxes not left to right: {[d['box'] for d in digits]}"
            previous_x = dbox[0]


def without_timing(result: dict) -> dict:
    """A result minus what legitimately differs between two reads of one image (timings, the socket's seq and
    dropped count)."""
    return {k: v for k, v in result.items() if k not in ("timing_ms", "seq", "dropped")}


def texts(result: dict) -> list[str]:
    return [number["text"] for number in result["numbers"]]
