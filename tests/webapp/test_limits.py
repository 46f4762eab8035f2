"""Per-client limits: upload rate (429), uploads in progress (429 per client, 503 overall), frame rate."""
from __future__ import annotations

from contextlib import ExitStack

import pytest

from tests.support.api_checks import error_of, texts
from tests.support.digit_paper import centred, encode
from webapp.serving.limits import ConcurrencyLimiter, RateLimiter

RECOGNIZE = "/api/v1/recognize"
GOOD = encode(centred("7"))


@pytest.fixture
def service(app):
    return app.extensions["digit_reader"]


def post(client, remote_addr: str = "127.0.0.1"):
    return client.post(RECOGNIZE, data=GOOD, content_type="image/png", environ_base={"REMOTE_ADDR": remote_addr})


def test_uploads_past_the_rate_get_429_with_retry_after(service, client, monkeypatch):
    monkeypatch.setattr(service, "upload_rate", RateLimiter(rate=1 / 60, burst=2))
    assert [post(client).status_code for _ in range(2)] == [200, 200]
    response = post(client)
    assert response.status_code == 429
    code, message = error_of(response)
    assert code == "rate_limited" and "uploads" in message, message
    assert int(response.headers["Retry-After"]) >= 30  # one token every 60 s
    # the limit is per address: another client is not affected
    other = post(client, remote_addr="192.0.2.7")
    assert other.status_code == 200 and texts(other.get_json()) == ["7"]


def test_uploads_in_progress_are_limited_per_client_and_overall(service, client, monkeypatch):
    limiter = ConcurrencyLimiter(per_client=2, total=3)
    monkeypatch.setattr(service, "uploads", limiter)
    with ExitStack() as held:
        for _ in range(2):  # two uploads of 127.0.0.1 still being read
            held.enter_context(limiter.slot("127.0.0.1"))
        response = post(client)
        assert response.status_code == 429
        assert error_of(response)[0] == "rate_limited"
        assert response.headers.get("Retry-After")

        held.enter_context(limiter.slot("192.0.2.8"))  # the server is now full
        response = post(client, remote_addr="192.0.2.9")
        assert response.status_code == 503
        assert error_of(response)[0] == "inference_unavailable"
        assert response.headers.get("Retry-After")
    assert post(client).status_code == 200  # slots given back


def test_frames_past_the_rate_get_rate_limited_errors(service, connect, app, monkeypatch):
    monkeypatch.setattr(service, "frame_rate", RateLimiter(rate=0.01, burst=2))
    sock = connect(app)
    for seq in (1, 2, 3):
        sock.emit("frame", {"seq": seq, "image": GOOD})
    _, error = sock.wait("error", lambda p: p.get("seq") == 3, timeout=10)
    code, message = error_of(error)
    assert code == "rate_limited" and "frames" in message, error
    sock.wait("result", lambda p: p.get("seq") == 1, timeout=30)
    assert not [p for name, p in sock.events() if name == "error" and p.get("seq") in (1, 2)
                and p["error"]["code"] == "rate_limited"], sock.summary()
