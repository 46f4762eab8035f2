"""The API's documented error shape, checked the same way by every suite (tests/ is on sys.path)."""
from __future__ import annotations


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
