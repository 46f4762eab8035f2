"""Bad input to REST: each rejection is a JSON error with the right status, saying what was received."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest

from tests.support.api_checks import error_of, texts
from tests.support.digit_paper import centred, encode

RECOGNIZE = "/api/v1/recognize"
MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # webapp.config.DEFAULTS


def post_raw(client, data: bytes, content_type: str = "image/png", **kwargs):
    return client.post(RECOGNIZE, data=data, content_type=content_type, **kwargs)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny but well-formed PNG whose header declares ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def test_text_that_is_not_an_image_is_400(client):
    data = b"these bytes are a note, not a picture\n" * 4
    response = post_raw(client, data)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "invalid_image"
    assert str(len(data)) in message and data[:4].hex() in message.replace(" ", ""), message


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_400(client, fmt):
    whole = encode(centred("4071"), fmt)
    cut = whole[: len(whole) // 2]
    response = post_raw(client, cut, content_type=f"image/{fmt.lower()}")
    assert response.status_code == 400, response.get_json()
    code, message = error_of(response)
    assert code == "invalid_image"
    assert str(len(cut)) in message, message


def test_empty_raw_body_is_400(client):
    response = post_raw(client, b"")
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "invalid_image"
    assert "empty" in message, message


def test_empty_uploaded_file_is_400(client):
    response = client.post(RECOGNIZE, data={"image": (io.BytesIO(b""), "empty.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "invalid_image" and "empty" in message, message


def test_multipart_without_an_image_field_is_400(client):
    response = client.post(RECOGNIZE, data={"photo": (io.BytesIO(encode(centred("7"))), "x.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "bad_request"
    assert "image" in message and "photo" in message, message


def test_png_header_claiming_100000_squared_pixels_is_413(client):
    """A decompression bomb: 69 bytes that declare 10^10 pixels."""
    response = post_raw(client, png_claiming(100_000, 100_000))
    assert response.status_code == 413, response.get_json()
    code, message = error_of(response)
    assert code == "payload_too_large"
    assert "100000x100000" in message, message


def test_png_header_just_over_max_pixels_is_413(client):
    response = post_raw(client, png_claiming(8_000, 8_000))  # 64 M pixels > MAX_PIXELS (40 M)
    assert response.status_code == 413, response.get_json()
    code, message = error_of(response)
    assert code == "payload_too_large" and "8000x8000" in message, message


def test_real_image_over_a_small_max_pixels_is_413(app, client, monkeypatch):
    recognizer = app.extensions["digit_reader"].recognizer
    monkeypatch.setattr(recognizer, "max_pixels", 50_000)
    response = post_raw(client, encode(centred("4071", size=(480, 200))))  # 96,000 pixels
    assert response.status_code == 413, response.get_json()
    code, message = error_of(response)
    assert code == "payload_too_large"
    assert "480x200" in message and "50000" in message, message


def oversized_body() -> bytes:
    data = encode(centred("4071"))
    return data + b"\0" * (MAX_CONTENT_LENGTH + 1 - len(data))


@pytest.mark.parametrize("how", ["raw", "multipart"])
def test_body_over_max_content_length_is_413_json(client, how):
    body = oversized_body()
    if how == "raw":
        response = post_raw(client, body)
    else:
        response = client.post(RECOGNIZE, data={"image": (io.BytesIO(body), "big.png")},
                               content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    code, message = error_of(response)
    assert code == "payload_too_large"
    assert str(MAX_CONTENT_LENGTH) in message, message


def test_body_over_max_content_length_message_says_how_much_was_sent(client):
    body = oversized_body()
    response = post_raw(client, body)
    assert response.status_code == 413
    _, message = error_of(response)
    assert str(len(body)) in message, f"the message does not say that {len(body)} bytes were sent: {message!r}"


@pytest.mark.parametrize("where", ["query", "form"])
def test_unknown_model_is_404(client, where):
    data = encode(centred("4071"))
    if where == "query":
        response = post_raw(client, data, query_string={"model": "no-such-model"})
    else:
        response = client.post(RECOGNIZE, data={"image": (io.BytesIO(data), "x.png"), "model": "no-such-model"},
                               content_type="multipart/form-data")
    assert response.status_code == 404
    code, message = error_of(response)
    assert code == "unknown_model"
    assert "no-such-model" in message, message


def test_unknown_model_on_a_blank_image_is_still_404(client):
    blank = encode(np.full((100, 200), 255, np.uint8))
    response = post_raw(client, blank, query_string={"model": "no-such-model"})
    assert response.status_code == 404
    assert error_of(response)[0] == "unknown_model"


def test_get_on_recognize_is_json_405(client):
    response = client.get(RECOGNIZE)
    assert response.status_code == 405
    assert error_of(response)[0] == "method_not_allowed"


def test_the_app_still_reads_after_bad_requests(client):
    for data in (b"", b"junk", png_claiming(100_000, 100_000), encode(centred("7"), "JPEG")[:100]):
        post_raw(client, data)
    response = post_raw(client, encode(centred("4071")))
    assert response.status_code == 200
    assert texts(response.get_json()) == ["4071"]
