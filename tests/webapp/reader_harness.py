"""Helpers shared by the web app tests: waiting, Socket.IO event collection, response checks."""
from __future__ import annotations

import math
import time
from pathlib import Path

from api_checks import error_of  # noqa: F401  (re-exported for the tests)
from polling import wait_until  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]  # the repository
DIGITS = set("0123456789")


class SocketEvents:
    """Wraps Flask-SocketIO's test client; collects what the server sends without losing events.

    The test client appends every event the server emits to ``client.queue`` (also from the
    service's background threads). ``get_received`` rebuilds that list and can drop an event
    appended meanwhile, so this class only reads the list and remembers which events it handed out.
    """

    def __init__(self, client):
        self.client = client
        self.claimed: set[int] = set()

    def emit(self, event: str, *args) -> None:
        self.client.emit(event, *args)

    def events(self) -> list[tuple[str, object]]:
        """(name, first argument) of every event received so far, in order."""
        return [(e["name"], e["args"][0] if e["args"] else None) for e in list(self.client.queue)]

    def wait(self, name: str, match=None, timeout: float = 30.0):
        """The first not yet returned event ``name`` whose payload satisfies ``match``; (index, payload)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (event, payload) in enumerate(self.events()):
                if index in self.claimed or event != name or (match is not None and not match(payload)):
                    continue
                self.claimed.add(index)
                return index, payload
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name!r} event matching within {timeout:.0f} s; received: {self.summary()}")
            time.sleep(0.02)

    def answers(self, seq: int) -> list[tuple[str, dict]]:
        """Every ``result`` or ``error`` event carrying ``seq``."""
        return [(name, payload) for name, payload in self.events()
                if name in ("result", "error") and isinstance(payload, dict) and payload.get("seq") == seq]

    def summary(self) -> list:
        out = []
        for name, payload in self.events():
            if isinstance(payload, dict):
                short = {k: payload[k] for k in ("seq", "state", "error") if k in payload}
                if "numbers" in payload:
                    short["numbers"] = [n.get("text") for n in payload["numbers"]]
                out.append((name, short))
            else:
                out.append((name, repr(payload)[:60]))
        return out


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
