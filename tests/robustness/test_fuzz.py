"""Bad input, fuzzed: image decoding, the REST endpoint and the Socket.IO handlers under hypothesis.

A small seeded sample of the cases ``python -m benchmarks.fuzz`` runs by the ten thousand (same
strategies, same rules): no 5xx, no exception out of a handler, no hang, every rejection a 400/404/413/415
or an ``error`` event with ``{"error": {"code", "message"}}`` whose message says what was wrong.
"""
from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api_checks import error_of
from tests.support.digit_paper import encode, number_png
from tests.support.fuzz_cases import (check_error_payload, check_rest, check_socket, declare_size, floods,
                                      image_bytes, rest_requests, send_flood, send_rest, socket_events)
from tests.support.servers import anon_mb
from webapp.errors import DigitReaderError, ImageTooLargeError, InvalidImageError
from webapp.reading.imaging import decode_image

RECOGNIZE = "/api/v1/recognize"
MAX_PIXELS = 40_000_000  # webapp.config.DEFAULTS
CASE_LIMIT_S = 20.0  # one case, on a busy 2-core machine; a hang is far longer
SEEDED = dict(derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])


def model_name() -> str:
    from training.core import store

    return store.default_name()


@settings(max_examples=300, **SEEDED)
@given(image_bytes())
def test_decode_image_returns_rgb_or_raises_a_domain_error(data):
    started = time.monotonic()
    try:
        array = decode_image(data, MAX_PIXELS)
    except DigitReaderError as exc:
        assert isinstance(exc, (InvalidImageError, ImageTooLargeError)), type(exc)
        assert check_error_payload(exc.to_payload(), "decode_image") == []
    else:
        assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3, (array.dtype, array.shape)
        assert 0 < array.shape[0] * array.shape[1] <= MAX_PIXELS
    assert time.monotonic() - started < CASE_LIMIT_S


@settings(max_examples=60, **SEEDED)
@given(request=rest_requests(model_name()))
def test_rest_endpoint_rejects_bad_input_with_json_4xx(client, request):
    started = time.monotonic()
    response = send_rest(client, request)  # TESTING: an exception in the app would be raised here
    problems = check_rest(request, response, frozenset({model_name()}))
    assert problems == [], (problems, request["method"], request["path"], request["content_type"], request["body"][:40],
                            response.get_data()[:300])
    assert time.monotonic() - started < CASE_LIMIT_S


@settings(max_examples=60, **SEEDED)
@given(case=socket_events(model_name()))
def test_socket_handlers_answer_bad_events_with_error_events(probe, case):
    event, args = case
    received = probe.send(event, args, CASE_LIMIT_S)
    probe.clear()
    assert probe.client.is_connected(), "the server dropped the connection"
    assert check_socket(event, args, received, frozenset({model_name()})) == [], (event, args, received)


@settings(max_examples=8, **SEEDED)
@given(burst=floods())
def test_floods_of_tiny_frames_are_each_answered_at_the_production_frame_rate(probe, service, monkeypatch, burst):
    from webapp.config import DEFAULTS
    from webapp.serving.limits import RateLimiter

    monkeypatch.setattr(service, "frame_rate", RateLimiter(DEFAULTS["FRAMES_PER_SECOND"], DEFAULTS["FRAME_BURST"]))
    assert send_flood(probe, burst, CASE_LIMIT_S) == []
    probe.clear()


def test_memory_stays_flat_over_a_thousand_bad_events(probe, client):
    """After warm-up, 1,000 bad frames and uploads leave the web process's memory where it was (within 40 MB of
    resident anonymous memory, where a leak shows: ``anon_mb``, not the whole RSS, whose library pages come and go
    with a busy machine's page cache)."""
    junk = [b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, b"\xff\xd8\xff" + bytes(range(256)) * 20, b"GIF89a" + b"\xff" * 9]

    def round_of_bad_input(count: int) -> None:
        for i in range(count):
            data = junk[i % len(junk)]
            probe.send("frame", [{"seq": i, "image": data}], CASE_LIMIT_S)
            probe.send("frame", [{"seq": -i, "image": "not bytes"}], CASE_LIMIT_S)
            assert client.post(RECOGNIZE, data=data, content_type="image/png").status_code == 400
            probe.clear()

    round_of_bad_input(100)  # warm-up: caches, Pillow plugins, allocator pools
    before = anon_mb()
    round_of_bad_input(350)
    growth = anon_mb() - before
    assert growth < 40, f"resident memory grew by {growth:.0f} MB over 1,050 bad inputs"
    probe.send("frame", [{"seq": 7, "image": number_png("4071")}], 60)  # and the client is still served
    _, result = next((name, p) for name, p in probe.events_since(0) if name in ("result", "error"))
    assert "numbers" in result, result


# --- the cases the fuzzing turned up, and the named ones, as plain examples ---------------

def png_claiming(width: int, height: int) -> bytes:
    """A tiny well-formed PNG whose header declares ``width`` x ``height`` (the CRC fixed)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "BMP", "JPEG", "WEBP"])
@pytest.mark.parametrize("width,height", [(0, 0), (0, 50), (2**16 - 1, 2**16 - 1), (100_000, 100_000)])
def test_declared_dimensions_zero_or_huge_are_400_or_413(client, fmt, width, height):
    data = declare_size(encode(np.full((20, 30), 255, np.uint8), fmt), width, height)
    if fmt == "PNG":
        data = png_claiming(width, height)
    response = client.post(RECOGNIZE, data=data, content_type="application/octet-stream")
    assert response.status_code in (400, 413), (response.status_code, response.get_data()[:300])
    code, message = error_of(response)
    if response.status_code == 413:
        assert code == "payload_too_large" and "pixels" in message, message
    else:
        assert code == "invalid_image" and ("bytes" in message or "pixels" in message), message


@pytest.mark.parametrize("width,height", [(5000, 2), (2, 5000), (40_000, 1), (1, 40_000), (30_000, 30), (1, 1)])
def test_extreme_aspect_ratios_are_read_not_500(client, width, height):
    """Found by the fuzzing: a 5000x2 image (a 100-byte PNG) made cv2.resize fail (its short side rounded to 0)."""
    image = np.full((height, width), 255, np.uint8)
    image[:: max(1, height // 2), :: 7] = 0
    response = client.post(RECOGNIZE, data=encode(image), content_type="image/png")
    assert response.status_code == 200, response.get_data()[:300]
    assert response.get_json()["image"] == {"width": width, "height": height}


@pytest.mark.parametrize("model", ["../model_store/{name}", "{store}/{name}", "{store}//{name}", "./{name}",
                                   "{name}/", "/etc", "../../../../etc/passwd", "x" * 300, "{name}\0"])
def test_model_must_be_a_name_in_the_store_never_a_path(app, client, model):
    """A model parameter is looked up by name only: no path is opened, no extra copy of a model is loaded
    (each spelling of a path used to load one more), no server path is told to the client."""
    from training.core import store

    store_dir = str(app.config["MODEL_STORE"] or store.STORE_DIR)
    model = model.format(name=store.default_name(), store=store_dir)
    backend = app.extensions["digit_reader"].backend
    client.post(RECOGNIZE, data=number_png("7"), content_type="image/png")  # the default model is loaded
    loaded = len(backend.loaded)
    response = client.post(RECOGNIZE, data=number_png("7"), content_type="image/png", query_string={"model": model})
    assert response.status_code == 404, (response.status_code, response.get_data()[:300])
    code, message = error_of(response)
    assert code == "unknown_model"
    told = message.replace(repr(model)[:80], "")  # the name asked for may be echoed, nothing else of the server
    assert store_dir not in told and "/etc" not in told and "model.keras" not in told, message
    assert len(backend.loaded) == loaded, f"{model!r} loaded another model: {list(backend.loaded)}"


def test_socket_frame_with_a_model_path_gets_unknown_model(probe, app):
    from training.core import store

    path = str((app.config["MODEL_STORE"] or store.STORE_DIR)) + "/" + store.default_name()
    received = probe.send("frame", [{"seq": 5, "image": number_png("7"), "model": path}], CASE_LIMIT_S)
    errors = [p for name, p in received if name == "error"]
    assert errors and errors[0]["seq"] == 5, received
    assert error_of(errors[0])[0] == "unknown_model"


@pytest.mark.parametrize("seq", [True, False, -1, 2**53, 2**64, 10**30])
def test_error_events_never_echo_an_invalid_seq(probe, seq):
    received = probe.send("frame", [{"seq": seq, "image": b"x"}], CASE_LIMIT_S)
    errors = [p for name, p in received if name == "error"]
    assert errors, received
    code, message = error_of(errors[0])
    assert code == "bad_request" and "seq" in message, message
    assert errors[0]["seq"] is None, f"the error echoes seq {errors[0]['seq']!r}"


@pytest.mark.parametrize("args", [[], [{"seq": 1, "image": b"x"}, {"seq": 2}], ["text"], [None], [[1, 2]]])
def test_frames_with_wrong_arguments_get_bad_request(probe, args):
    received = probe.send("frame", args, CASE_LIMIT_S)
    errors = [p for name, p in received if name == "error"]
    assert len(errors) == 1, received
    code, _ = error_of(errors[0])
    assert code in ("bad_request", "invalid_image"), errors[0]


@settings(max_examples=40, **SEEDED)
@given(name=st.text(min_size=1, max_size=40))
def test_unknown_socket_events_are_ignored_and_the_connection_stays(probe, name):
    received = probe.send(name, [{"seq": 1, "image": b"x"}], CASE_LIMIT_S) if name != "frame" else []
    probe.clear()
    assert probe.client.is_connected()
    assert not [p for n, p in received if n == "error" and (p or {}).get("error", {}).get("code") == "internal_error"]
