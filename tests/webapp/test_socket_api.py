"""Socket.IO: status on connect, frames answered by seq, malformed payloads answered with errors."""
from __future__ import annotations

import numpy as np
import pytest

from tests.support.api_checks import assert_result_schema, error_of, seqs_accounted_for, texts, without_timing
from tests.support.digit_paper import centred, encode
from training.core import store


@pytest.fixture
def sock(app, connect):
    return connect(app)


def test_connecting_client_gets_status_ready(sock):
    index, status = sock.wait("status", timeout=30)
    assert index == 0, "status must be the first thing a client hears"
    assert status["state"] == "ready"
    assert status["model"]["name"] == store.default_name()


def test_frame_gets_result_with_its_seq_and_the_rest_json(sock, client):
    data = encode(centred("4071"))
    sock.emit("frame", {"seq": 41, "image": data})
    _, result = sock.wait("result", lambda p: p.get("seq") == 41)
    assert result["seq"] == 41 and result["dropped"] == 0
    assert_result_schema({k: v for k, v in result.items() if k not in ("seq", "dropped")}, 480, 200)
    rest = client.post("/api/v1/recognize", data=data, content_type="image/png").get_json()
    assert without_timing(result) == without_timing(rest)
    assert texts(result) == ["4071"]
    assert sock.answers(41) == [("result", result)], "exactly one answer per frame"


def test_frames_sent_quickly_are_each_read_once_or_counted_as_dropped(sock):
    frames = {1: "4071", 2: "1369", 3: "86", 4: "725"}
    # each read once alone first: a run recording the model's answers (--record-logits) then records every
    # frame's, not only those its timing left undropped (a map missing from the recording read "86" as nothing)
    for seq, text in frames.items():
        sock.emit("frame", {"seq": 100 + seq, "image": encode(centred(text))})
        _, alone = sock.wait("result", lambda p, seq=seq: p.get("seq") == 100 + seq)
        assert texts(alone) == [text], alone
    for seq, text in frames.items():
        sock.emit("frame", {"seq": seq, "image": encode(centred(text))})
    sock.wait("result", lambda p: p.get("seq") == 4)  # the newest frame is never dropped
    results = []
    for seq, text in frames.items():
        answers = sock.answers(seq)
        assert len(answers) <= 1, f"seq {seq}: {answers}"
        if answers:
            kind, payload = answers[0]
            assert kind == "result" and texts(payload) == [text], f"seq {seq} got {kind} {payload}"
            results.append(payload)
    # only a frame replaced while waiting may be dropped, never the one being read (1) or the newest (4)
    assert results[0]["seq"] == 1 and results[-1]["seq"] == 4, results
    assert seqs_accounted_for(results) == [1, 2, 3, 4], [(p["seq"], p["dropped"]) for p in results]


def test_model_in_frame_selects_the_model(sock):
    name = store.default_name()
    sock.emit("frame", {"seq": 5, "image": encode(centred("7")), "model": name})
    _, result = sock.wait("result", lambda p: p.get("seq") == 5)
    assert result["model"]["name"] == name


def test_blank_frame_gets_an_empty_result(sock):
    sock.emit("frame", {"seq": 6, "image": encode(np.full((240, 320), 255, np.uint8))})
    _, result = sock.wait("result", lambda p: p.get("seq") == 6)
    assert result["numbers"] == []


GOOD = encode(centred("4071"))

MALFORMED = [
    pytest.param(("just a string",), "str", id="not-a-dict"),
    pytest.param(([1, 2, 3],), "list", id="a-list"),
    pytest.param(({"image": GOOD},), "None", id="missing-seq"),
    pytest.param(({"seq": "12", "image": GOOD},), "'12'", id="seq-string"),
    pytest.param(({"seq": -1, "image": GOOD},), "-1", id="seq-negative"),
    pytest.param(({"seq": 2**53, "image": GOOD},), str(2**53), id="seq-huge"),
    pytest.param(({"seq": 2**70, "image": GOOD},), str(2**70)[:20], id="seq-bigger-than-int64"),
    pytest.param(({"seq": True, "image": GOOD},), "True", id="seq-bool"),
    pytest.param(({"seq": 1.5, "image": GOOD},), "1.5", id="seq-float"),
    pytest.param(({"seq": 3},), "NoneType", id="missing-image"),
    pytest.param(({"seq": 3, "image": "aGVsbG8="},), "str", id="image-string"),
    pytest.param(({"seq": 3, "image": [137, 80, 78, 71]},), "list", id="image-list"),
    pytest.param(({"seq": 3, "image": GOOD, "model": 7},), "7", id="model-number"),
    pytest.param(({"seq": 3, "image": GOOD, "model": "m" * 500},), "mmmm", id="model-too-long"),
    pytest.param((), "frame", id="no-payload"),
]


@pytest.mark.parametrize("args, received", MALFORMED)
def test_malformed_frame_gets_bad_request_and_the_connection_keeps_working(sock, args, received):
    sock.emit("frame", *args)
    _, error = sock.wait("error", timeout=30)
    code, message = error_of(error)
    assert code == "bad_request", error
    assert received in message, f"the message does not say what was received ({received!r}): {message!r}"
    assert "seq" in error
    sock.emit("frame", {"seq": 99, "image": GOOD})
    _, result = sock.wait("result", lambda p: p.get("seq") == 99)
    assert texts(result) == ["4071"]


def test_frame_with_an_unknown_model_gets_unknown_model_error(sock):
    sock.emit("frame", {"seq": 8, "image": GOOD, "model": "no-such-model"})
    _, error = sock.wait("error", lambda p: p.get("seq") == 8)
    code, message = error_of(error)
    assert code == "unknown_model" and "no-such-model" in message, error


def test_frame_that_is_not_an_image_gets_invalid_image_error(sock):
    sock.emit("frame", {"seq": 9, "image": b"not an image at all"})
    _, error = sock.wait("error", lambda p: p.get("seq") == 9)
    code, message = error_of(error)
    assert code == "invalid_image" and "19 bytes" in message, error
    sock.emit("frame", {"seq": 10, "image": GOOD})
    sock.wait("result", lambda p: p.get("seq") == 10)
