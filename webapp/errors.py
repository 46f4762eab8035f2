"""Domain errors, each with the HTTP status and the code a client sees.

Raised narrowly where the problem is found; turned into a JSON 4xx/5xx or an ``error``
Socket.IO event in one place (``webapp.serving.routes`` and ``webapp.serving.events`` call ``to_payload``).
Every error is one line on the parametrised base: ``class X(DigitReaderError, status=404, code="x")``.
"""
from __future__ import annotations


def error_payload(code: str, message: str) -> dict:
    """The one shape of every error a client sees, in REST and Socket.IO: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


class DigitReaderError(Exception):
    """Base class: ``status`` for REST, ``code`` for both REST and Socket.IO, given by each subclass as class
    arguments (what it leaves out it inherits: 400 ``bad_request`` here)."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def to_payload(self) -> dict:
        return error_payload(self.code, self.message)


# --- reading an image --------------------------------------------------------------------------------

class InvalidImageError(DigitReaderError, code="invalid_image"):
    """The bytes received are not an image we can read."""


class UnsupportedMediaError(DigitReaderError, status=415, code="unsupported_media_type"):
    """A body labelled as something other than an image (text, JSON, SVG, video)."""


class ImageTooLargeError(DigitReaderError, status=413, code="payload_too_large"):
    """Too many pixels (a decompression bomb) or too many bytes."""


class BadRequestError(DigitReaderError):
    """A malformed request or socket payload: a missing field, a wrong type."""


class UnknownModelError(DigitReaderError, status=404, code="unknown_model"):
    """A model name the store does not hold."""


class RateLimitedError(DigitReaderError, status=429, code="rate_limited"):
    """A client past its rate or its uploads in progress."""


class InferenceUnavailableError(DigitReaderError, status=503, code="inference_unavailable"):
    """The inference process is down, restarting, overloaded or too slow."""


class InternalError(DigitReaderError, status=500, code="internal_error"):
    """A bug in a handler: the client hears that the event could not be handled, the log has the traceback."""


# --- corrections -------------------------------------------------------------------------------------

class WrongDeleteTokenError(DigitReaderError, status=403, code="forbidden"):
    """A correction's DELETE without its delete token, or with another one: nothing is deleted."""


class CorrectionNotFoundError(DigitReaderError, status=404, code="unknown_correction"):
    """No correction with that id (never kept, or deleted)."""


class CorrectionsFullError(DigitReaderError, status=507, code="insufficient_storage"):
    """The corrections store holds its most samples or bytes: new ones are refused, the oldest kept."""


class CorrectionsUnavailableError(DigitReaderError, status=503, code="corrections_unavailable"):
    """The corrections store cannot be written now (held by another process too long, or a disk error)."""
