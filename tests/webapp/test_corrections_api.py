"""Corrections over REST (issue 24): POST a fix, count them, delete one; every refusal, and nothing kept from one."""
from __future__ import annotations

import io
import json
import sqlite3
import threading

import cv2
import numpy as np
import pytest

from tests.support.api_checks import error_of
from tests.support.digit_paper import centred, encode, photo
from training.core import store
from training.core.corrections import CorrectionStore, token_hash
from webapp.serving.limits import RateLimiter

CORRECTIONS = "/api/v1/corrections"
STATS = "/api/v1/corrections/stats"
PAGE = centred("314", size=(480, 200), height=56)  # the ink of "314" sits near (150-330, 72-128)
BOX = "140,62,200,76"


@pytest.fixture
def service(app):
    return app.extensions["corrections"]


@pytest.fixture
def kept(service, tmp_path, monkeypatch) -> CorrectionStore:
    """The app's corrections store, on a file of this test's own (not there until the first sample)."""
    corrections = CorrectionStore(tmp_path / "corrections.sqlite3", max_rows=100, max_bytes=10 * 2**20)
    monkeypatch.setattr(service, "store", corrections)
    return corrections


def post(client, image: bytes | None = encode(PAGE), remote_addr: str = "127.0.0.1", **fields):
    """POST a correction: "3.14" drawn, read "314", unless ``fields`` say otherwise (None leaves a field out)."""
    form = {"text": "3.14", "mode": "draw", "read": "314", **fields}
    form = {key: value for key, value in form.items() if value is not None}
    if image is not None:
        form["image"] = (io.BytesIO(image), "drawing.png")
    return client.post(CORRECTIONS, data=form, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": remote_addr})


def rows(kept: CorrectionStore) -> list[dict]:
    """Every stored row as a dict, straight from the file."""
    if not kept.path.exists():
        return []
    with sqlite3.connect(kept.path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM corrections ORDER BY row")]


def png_gray(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


# --- the round trip -------------------------------------------------------------------------------------

def test_post_then_stats_then_delete(client, kept):
    response = post(client, box=BOX)
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert set(answer) == {"id", "delete_token"}
    assert client.get(STATS).get_json() == {"count": 1, "by_mode": {"draw": 1, "webcam": 0, "upload": 0}}

    deleted = client.delete(f"{CORRECTIONS}/{answer['id']}", headers={"X-Delete-Token": answer["delete_token"]})
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert client.get(STATS).get_json()["count"] == 0
    again = client.delete(f"{CORRECTIONS}/{answer['id']}", headers={"X-Delete-Token": answer["delete_token"]})
    assert again.status_code == 404 and error_of(again)[0] == "unknown_correction"


def test_a_drawing_keeps_the_numbers_crop_with_the_readers_margin_and_the_whole_drawing(client, kept):
    answer = post(client, box=BOX).get_json()
    [row] = rows(kept)
    assert (row["id"], row["mode"], row["text"], row["read"], row["box"]) == (answer["id"], "draw", "3.14", "314", BOX)
    assert (row["image_width"], row["image_height"]) == (480, 200)
    crop = png_gray(row["crop"])
    assert crop.ndim == 2 and crop.shape == (76 + 2 * 11, 200 + 2 * 11)  # 0.15 of the box's height on each side
    assert np.array_equal(crop, PAGE[62 - 11 : 62 + 76 + 11, 140 - 11 : 140 + 200 + 11])
    assert np.array_equal(png_gray(row["drawing"]), PAGE)
    assert row["bytes"] == len(row["crop"]) + len(row["drawing"])
    served = client.application.extensions["digit_reader"].status()["model"]
    assert (row["model"], row["version"]) == (served["name"], served["version"])  # the model served, by default


def test_a_photo_keeps_only_the_number_never_the_rest_of_the_picture(client, kept):
    picture = photo("92", size=(640, 360), height=100)
    response = post(client, encode(picture, "JPEG"), mode="webcam", text="92", read="97", box="250,120,140,120")
    assert response.status_code == 201
    [row] = rows(kept)
    assert row["drawing"] is None
    assert png_gray(row["crop"]).shape == (120 + 2 * 18, 140 + 2 * 18)


def test_without_a_box_the_whole_image_is_the_number(client, kept):
    assert post(client, mode="upload").status_code == 201
    [row] = rows(kept)
    assert row["box"] is None and row["drawing"] is None
    assert np.array_equal(png_gray(row["crop"]), PAGE)


def test_stored_images_are_shrunk_to_their_bounds(client, kept):
    page = centred("314", size=(2400, 1000), height=300)
    assert post(client, encode(page), box="700,300,1000,400").status_code == 201
    [row] = rows(kept)
    assert png_gray(row["crop"]).shape == (192, round(1120 * 192 / 520))  # the crop, margin included, 192 tall
    assert png_gray(row["drawing"]).shape == (round(1000 * 1280 / 2400), 1280)


def test_only_a_hash_of_the_delete_token_is_stored(client, kept):
    token = post(client).get_json()["delete_token"]
    [row] = rows(kept)
    assert row["token_sha256"] == token_hash(token)
    for path in kept.path.parent.iterdir():  # the database and any journal beside it
        assert token.encode() not in path.read_bytes()


def test_a_named_model_is_kept_with_its_cards_version(client, kept):
    name = store.default_name()
    assert post(client, model=name).status_code == 201
    assert (rows(kept)[0]["model"], rows(kept)[0]["version"]) == (name, store.find(name).card["version"])
    assert post(client, model=name, version="202601010000").status_code == 201
    assert rows(kept)[1]["version"] == "202601010000"


def test_stats_say_counts_only(client, kept):
    post(client, mode="webcam", text="12/05/2024")
    stats = client.get(STATS)
    assert stats.status_code == 200
    assert set(stats.get_json()) == {"count", "by_mode"}
    assert "12/05/2024" not in stats.get_data(as_text=True)


def test_stats_of_a_store_never_written_create_nothing(client, kept):
    assert client.get(STATS).get_json() == {"count": 0, "by_mode": {"draw": 0, "webcam": 0, "upload": 0}}
    assert not kept.path.exists()


def test_texts_as_people_write_numbers_are_accepted(client, kept):
    for text in ("7", "3.14", "12/05/2024", "(408) 974-8980", "+4.5", "10:30", "1,250", "9" * 32):
        response = post(client, text=text)
        assert response.status_code == 201, (text, response.get_json())
    assert [row["text"] for row in rows(kept)][-1] == "9" * 32


# --- refusals: each says what it received, and nothing is kept --------------------------------------------

BAD_FIELDS = [
    ({"text": "3a4"}, "'3a4'"),
    ({"text": "twelve"}, "'twelve'"),
    ({"text": ""}, "''"),
    ({"text": "..."}, "no digit"),
    ({"text": "3  4"}, "'3  4'"),
    ({"text": "1" * 33}, "33 characters"),
    ({"text": None}, "'text'"),
    ({"mode": "scan"}, "'scan'"),
    ({"mode": None}, "received nothing"),
    ({"read": "abc"}, "'abc'"),
    ({"box": "1,2,3"}, "'1,2,3'"),
    ({"box": "a,b,c,d"}, "'a,b,c,d'"),
    ({"box": "10,10,0,20"}, "'10,10,0,20'"),
    ({"box": "-5,10,20,20"}, "'-5,10,20,20'"),
    ({"box": "400,100,100,50"}, "400,100,100,50 goes outside the 480x200 image"),
]


@pytest.mark.parametrize("fields, received", BAD_FIELDS, ids=[repr(f) for f, _ in BAD_FIELDS])
def test_bad_fields_get_400_saying_what_was_received(client, kept, fields, received):
    response = post(client, **fields)
    assert response.status_code == 400, response.get_data(as_text=True)
    code, message = error_of(response)
    assert code == "bad_request" and received in message, message
    assert not kept.path.exists()  # nothing kept; not even the file made


@pytest.mark.parametrize("image, received", [(b"not an image at all", "19 bytes starting 6e 6f 74"),
                                             (encode(PAGE)[:200], "200 bytes"), (b"", "empty")])
def test_an_image_that_does_not_decode_gets_400(client, kept, image, received):
    response = post(client, image)
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "invalid_image" and received in message, message
    assert not kept.path.exists()


def test_no_image_field_gets_400(client, kept):
    response = post(client, image=None)
    assert response.status_code == 400
    assert "'image'" in error_of(response)[1]


def test_a_correction_not_sent_as_multipart_gets_400(client, kept):
    response = client.post(CORRECTIONS, data=json.dumps({"text": "3.14"}), content_type="application/json")
    assert response.status_code == 400
    code, message = error_of(response)
    assert code == "bad_request" and "application/json" in message, message


def test_an_unknown_model_gets_404(client, kept):
    response = post(client, model="../model_store/crnn")
    assert response.status_code == 404 and error_of(response)[0] == "unknown_model"
    assert not kept.path.exists()


def test_a_body_over_the_limit_gets_413(app, client, kept, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    response = post(client, encode(photo("92", size=(640, 360))))
    assert response.status_code == 413 and error_of(response)[0] == "payload_too_large"
    assert not kept.path.exists()


def test_an_image_of_too_many_pixels_gets_413(client, kept, service, monkeypatch):
    monkeypatch.setattr(service, "max_pixels", 480 * 200 - 1)
    response = post(client)
    assert response.status_code == 413
    code, message = error_of(response)
    assert code == "payload_too_large" and "480x200" in message, message
    assert not kept.path.exists()


def test_too_many_corrections_from_one_address_get_429_with_retry_after(client, kept, service, monkeypatch):
    monkeypatch.setattr(service, "rate", RateLimiter(rate=1 / 60, burst=2))
    assert [post(client).status_code for _ in range(2)] == [201, 201]
    response = post(client)
    assert response.status_code == 429
    code, message = error_of(response)
    assert code == "rate_limited" and "corrections" in message, message
    assert int(response.headers["Retry-After"]) >= 30
    assert post(client, remote_addr="192.0.2.7").status_code == 201  # another address is not limited
    assert len(rows(kept)) == 3


def test_a_full_store_refuses_new_samples_with_507_and_keeps_the_oldest(client, kept, monkeypatch):
    monkeypatch.setattr(kept, "max_rows", 2)
    first = [post(client, text=text).get_json()["id"] for text in ("1", "2")]
    response = post(client, text="3")
    assert response.status_code == 507
    code, message = error_of(response)
    assert code == "insufficient_storage" and "2 samples" in message and "oldest" in message, message
    assert [row["id"] for row in rows(kept)] == first


def test_a_sample_past_the_byte_cap_gets_507(client, kept, monkeypatch):
    monkeypatch.setattr(kept, "max_bytes", 1000)
    response = post(client)
    assert response.status_code == 507
    assert "1000" in error_of(response)[1]
    assert rows(kept) == []


# --- deleting ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"X-Delete-Token": "not-the-token"}, {"X-Delete-Token": ""}])
def test_delete_without_the_right_token_gets_403_and_deletes_nothing(client, kept, headers):
    answer = post(client).get_json()
    other = post(client).get_json()
    response = client.delete(f"{CORRECTIONS}/{answer['id']}", headers=headers)
    assert response.status_code == 403 and error_of(response)[0] == "forbidden"
    # another sample's token does not delete this one either
    response = client.delete(f"{CORRECTIONS}/{answer['id']}", headers={"X-Delete-Token": other["delete_token"]})
    assert response.status_code == 403
    assert len(rows(kept)) == 2


@pytest.mark.parametrize("sample_id", ["0" * 32, "stats", "x" * 500])
def test_delete_of_an_unknown_id_gets_404(client, kept, sample_id):
    post(client)
    response = client.delete(f"{CORRECTIONS}/{sample_id}", headers={"X-Delete-Token": "anything"})
    assert response.status_code == 404 and error_of(response)[0] == "unknown_correction"
    assert len(rows(kept)) == 1


# --- several writers at once ----------------------------------------------------------------------------

def test_many_clients_posting_at_once_lose_nothing(app, kept):
    answers, failures = [], []

    def client_posts(index: int):
        client = app.test_client()
        for n in range(5):
            response = post(client, text=f"{index}{n}", remote_addr=f"192.0.2.{index}")
            (answers if response.status_code == 201 else failures).append(response.get_data(as_text=True))

    threads = [threading.Thread(target=client_posts, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(answers) == 40 and len(rows(kept)) == 40
    assert sorted(row["text"] for row in rows(kept)) == sorted(f"{i}{n}" for i in range(8) for n in range(5))


# --- the models' JSON -------------------------------------------------------------------------------------

def test_the_models_json_counts_corrections_and_gives_each_models_held_out_figure(app, client, kept, tmp_path,
                                                                                   monkeypatch):
    post(client)
    folder = tmp_path / "store" / "reader-fix1"
    folder.mkdir(parents=True)
    (folder / store.MODEL_FILE).write_bytes(b"")
    held_out = {"count": 3, "before": {"sequence_accuracy": 0.0}, "after": {"sequence_accuracy": 2 / 3}}
    (folder / store.CARD_FILE).write_text(json.dumps({"corrections": {"trained_on": 12, "held_out": held_out}}))
    monkeypatch.setitem(app.config, "MODEL_STORE", tmp_path / "store")
    listing = client.get("/api/v1/models").get_json()
    assert listing["corrections"] == {"count": 1}
    [model] = listing["models"]
    assert model["held_out_corrections"] == {"trained_on": 12, "held_out": 3, "before": 0.0, "after": 2 / 3}
