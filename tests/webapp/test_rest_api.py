"""The REST API and the pages, through Flask's test client, with the model in this process."""
from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.support.api_checks import assert_result_schema, error_of, iou, texts, without_timing
from tests.support.digit_paper import centred, digit_ink_boxes, encode, sheet
from training.core import store

RECOGNIZE = "/api/v1/recognize"


def post_multipart(client, data: bytes, filename: str = "photo.png", **form):
    return client.post(RECOGNIZE, data={"image": (io.BytesIO(data), filename), **form},
                       content_type="multipart/form-data")


def ink_bbox(gray: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(gray < 128)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[..., None], 3, axis=-1)


# --- POST /api/v1/recognize ------------------------------------------------------------------------

def test_multipart_upload_is_read_with_the_documented_json(client):
    page = centred("4071", size=(480, 200), height=56)
    response = post_multipart(client, encode(page))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    result = response.get_json()
    assert_result_schema(result, 480, 200)
    assert texts(result) == ["4071"]
    number = result["numbers"][0]
    assert iou(number["box"], ink_bbox(page)) > 0.8, (number["box"], ink_bbox(page))
    assert number["confidence"] >= 0.3  # a clean drawing is read with some confidence
    loaded = client.application.extensions["digit_reader"].backend.info  # the card may change during training
    assert result["model"] == {"name": store.default_name(), "version": loaded["version"]}


def test_each_digit_box_is_around_that_digits_ink(client):
    origin, height = (60, 50), 64
    page = sheet((480, 170), [("2580", origin, height)])
    result = post_multipart(client, encode(page)).get_json()
    assert texts(result) == ["2580"]
    expected = digit_ink_boxes("2580", origin, height)
    for char, box in zip(result["numbers"][0]["chars"], expected):
        assert iou(char["box"], box) > 0.6, f"digit {char['char']}: box {char['box']}, its ink is at {box}"


def test_transparent_png_drawing_is_read_as_ink_on_white_paper(client):
    """A canvas exported with a transparent background: black ink, alpha 0 everywhere else."""
    page = centred("4071")
    rgba = np.zeros(page.shape + (4,), np.uint8)  # transparent *black*: flattened naively, all ink
    rgba[..., 3] = 255 - page
    response = post_multipart(client, encode(rgba))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert texts(response.get_json()) == ["4071"]


def test_raw_body_gives_the_same_result_as_multipart(client):
    data = encode(centred("1369"))
    multipart = post_multipart(client, data)
    for content_type in ("image/png", "application/octet-stream"):
        raw = client.post(RECOGNIZE, data=data, content_type=content_type)
        assert raw.status_code == 200, (content_type, raw.get_data(as_text=True))
        assert without_timing(raw.get_json()) == without_timing(multipart.get_json())
    assert texts(multipart.get_json()) == ["1369"]


def test_raw_body_sent_as_curl_data_binary_is_read(client):
    """``curl --data-binary @photo.png URL`` labels the body application/x-www-form-urlencoded."""
    response = client.post(RECOGNIZE, data=encode(centred("4071")), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_json()
    assert texts(response.get_json()) == ["4071"]


def test_blank_white_image_reads_no_numbers(client):
    blank = np.full((300, 500), 255, np.uint8)
    response = client.post(RECOGNIZE, data=encode(blank), content_type="image/png")
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert_result_schema(result, 500, 300)
    assert result["numbers"] == []


def test_two_lines_are_read_top_line_first(client):
    # The top number is on the right, so a plain left-to-right sort would get this wrong.
    page = sheet((640, 360), [("725", (400, 40), 56), ("1369", (40, 240), 56)])
    result = post_multipart(client, encode(page)).get_json()
    assert_result_schema(result, 640, 360)
    assert len(result["numbers"]) == 2, texts(result)
    top, bottom = result["numbers"]
    assert top["box"][1] + top["box"][3] <= bottom["box"][1], (top["box"], bottom["box"])
    assert texts(result) == ["725", "1369"]


def test_one_line_is_read_left_to_right(client):
    # The left number sits 16 px lower (still one line), so a plain top-to-bottom sort would get this wrong.
    page = sheet((760, 220), [("86", (40, 96), 56), ("4071", (380, 80), 56)])
    result = post_multipart(client, encode(page)).get_json()
    assert_result_schema(result, 760, 220)
    assert len(result["numbers"]) == 2, texts(result)
    left, right = result["numbers"]
    assert left["box"][0] + left["box"][2] <= right["box"][0], (left["box"], right["box"])
    assert texts(result) == ["86", "4071"]


@pytest.mark.parametrize("fmt, params", [
    ("PNG", {}),
    ("JPEG", {"quality": 90}),
    ("WEBP", {"quality": 90}),
    ("BMP", {}),
    ("GIF", {}),
])
def test_every_supported_format_is_read(client, fmt, params):
    data = encode(rgb(centred("2580")), fmt, **params)
    assert Image.open(io.BytesIO(data)).format == fmt
    response = post_multipart(client, data, filename=f"number.{fmt.lower()}")
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert_result_schema(result, 480, 200)
    assert texts(result) == ["2580"]


def test_animated_gif_is_read_from_its_first_frame(client):
    first, second = Image.fromarray(centred("4071")), Image.fromarray(centred("1369"))
    buffer = io.BytesIO()
    first.save(buffer, "GIF", save_all=True, append_images=[second], duration=200, loop=0)
    assert getattr(Image.open(io.BytesIO(buffer.getvalue())), "n_frames", 1) == 2
    result = post_multipart(client, buffer.getvalue(), filename="anim.gif").get_json()
    assert texts(result) == ["4071"]


@pytest.mark.parametrize("orientation, rotate", [(6, 90), (8, 270)])
def test_exif_rotated_jpeg_is_read_upright(client, orientation, rotate):
    upright = Image.fromarray(rgb(centred("4071", size=(480, 200))))
    stored = upright.rotate(rotate, expand=True)  # the pixels as a phone held sideways stores them
    assert stored.size == (200, 480)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=92, exif=exif.tobytes())

    response = post_multipart(client, buffer.getvalue(), filename="phone.jpg")
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert_result_schema(result, 480, 200)  # the upright size, not the stored 200x480
    assert texts(result) == ["4071"]


# --- models, health, pages -------------------------------------------------------------------------

def test_models_lists_the_store_with_cards(client):
    response = client.get("/api/v1/models")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"default", "active", "corrections", "models"}
    assert set(body["corrections"]) == {"count"}
    default = store.default_name()
    assert body["default"] == default
    assert body["active"] == default
    names = [m["name"] for m in body["models"]]
    assert names == [m.name for m in store.list_models()]
    assert default in names
    for model in body["models"]:
        assert set(model) == {"name", "card", "curves_url", "held_out_corrections"}
        assert model["card"]["decoder"] in ("ctc", "positional"), model["card"]
        assert model["curves_url"] == f"/models/{model['name']}/curves.png"


def test_healthz_reports_the_model_ready(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["inference"] == "ready"
    assert body["model"]["name"] == store.default_name()


PAGE_IDS = ["mode-draw", "mode-webcam", "mode-upload", "status", "model-select", "draw-canvas", "draw-overlay",
            "tool-pen", "tool-eraser", "undo", "clear", "draw-result", "webcam-video", "webcam-overlay",
            "camera-select", "webcam-start", "webcam-stop", "webcam-result", "webcam-fps", "webcam-latency",
            "webcam-message", "upload-input", "drop-zone", "upload-results"]
UPLOAD_CLASSES = ["upload-item", "upload-overlay", "upload-text", "copy-button", "upload-error"]


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_reader_page_renders_with_every_id_and_asset(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    missing = [i for i in PAGE_IDS if f'id="{i}"' not in html]
    assert not missing, f"ids missing from GET /: {missing}"
    assert re.search(r'<input[^>]*id="upload-input"[^>]*>', html)
    upload_input = re.search(r'<input[^>]*id="upload-input"[^>]*>', html).group(0)
    assert 'type="file"' in upload_input and "multiple" in upload_input, upload_input
    assert re.search(r'<canvas[^>]*id="draw-canvas"', html) and re.search(r'<video[^>]*id="webcam-video"', html)
    assets = assets_of(html)
    assert assets, "the page loads no static files"
    broken = [url for url in assets if client.get(url).status_code != 200]
    assert not broken, f"GET / refers to static files that do not exist: {broken}"
    scripts = "".join(client.get(url).get_data(as_text=True) for url in assets if url.endswith(".js"))
    missing = [c for c in UPLOAD_CLASSES if c not in scripts]
    assert not missing, f"upload result classes not made by any script: {missing}"


def test_models_page_renders_with_its_assets(client):
    response = client.get("/models")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="models-list"' in html
    broken = [url for url in assets_of(html) if client.get(url).status_code != 200]
    assert not broken, f"GET /models refers to static files that do not exist: {broken}"


@pytest.mark.parametrize("path", ["/", "/models", "/healthz", "/api/v1/models", "/api/v1/no-such-route"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, policy
    assert "'unsafe-inline'" not in policy
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"


def test_pages_have_no_inline_script_or_style(client):
    """The CSP allows scripts and styles from static/ only: inline ones would be blocked in the browser."""
    for path in ("/", "/models"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline <script> in {path}"
        assert "<style" not in html and not re.search(r"\sstyle=", html), f"inline style in {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler in {path}"


def test_curves_of_an_unknown_model_is_404(client):
    assert client.get("/models/no-such-model/curves.png").status_code == 404
    assert client.get("/models/..%2Fmodel_store/curves.png").status_code == 404


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    code, _ = error_of(response)
    assert code == "not_found"
