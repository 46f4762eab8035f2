"""Domain errors, each with the HTTP status and the code a client sees.

Raised narrowly where the problem is found; turned into a JSON 4xx/5xx or an ``error``
Socket.IO event in one place (``webapp.serving.routes`` and ``webapp.serving.events`` call ``to_payload``).
"""
from __future__ import annotations


class DigitReaderError(Exception):
    """Base class: ``status`` for REST, ``code`` for both REST and Socket.IO."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def to_payload(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class InvalidImageError(DigitReaderError):
    """The bytes received are not an image we can read."""

    code = "invalid_image"


class UnsupportedMediaError(DigitReaderError):
    """A body labelled as something other than an image (text, JSON, SVG, video)."""

    status = 415
    code = "unsupported_media_type"


class ImageTooLargeError(DigitReaderError):
    """Too many pixels (a decompression bomb) or too many bytes."""

    status = 413
    code = "payload_too_large"


class BadRequestError(DigitReaderError):
    """A malformed request or socket payload: a missing field, a wrong type."""


class UnknownModelError(DigitReaderError):
    status = 404
    code = "unknown_model"


class RateLimitedError(DigitReaderError):
    status = 429
    code = "rate_limited"


class InferenceUnavailableError(DigitReaderError):
    """The inference process is down, restarting, overloaded or too slow."""

    status = 503
    code = "inference_unavailable"


class WrongDeleteTokenError(DigitReaderError):
    """A correction's DELETE without its delete token, or with another one: nothing is deleted."""

    status = 403
    code = "forbidden"


class CorrectionNotFoundError(DigitReaderError):
    status = 404
    code = "unknown_correction"


class CorrectionsFullError(DigitReaderError):
    """The corrections store holds its most samples or bytes: new ones are refused, the oldest kept."""

    status = 507
    code = "insufficient_storage"


class CorrectionsUnavailableError(DigitReaderError):
    """The corrections store cannot be written now (held by another process too long, or a disk error)."""

    status = 503
    code = "corrections_unavailable"
