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
