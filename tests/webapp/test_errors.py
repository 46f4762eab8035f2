"""The domain errors (webapp/errors.py): each one's HTTP status and code, as clients have always seen them."""
from __future__ import annotations

import pytest

from webapp import errors
from webapp.serving.inference import error_payload, rebuilt_error

# What each error answers: pinned, so that the parametrised base changes no status and no code.
STATUS_AND_CODE = {
    "DigitReaderError": (400, "bad_request"),
    "InvalidImageError": (400, "invalid_image"),
    "UnsupportedMediaError": (415, "unsupported_media_type"),
    "ImageTooLargeError": (413, "payload_too_large"),
    "BadRequestError": (400, "bad_request"),
    "UnknownModelError": (404, "unknown_model"),
    "RateLimitedError": (429, "rate_limited"),
    "InferenceUnavailableError": (503, "inference_unavailable"),
    "InternalError": (500, "internal_error"),
    "WrongDeleteTokenError": (403, "forbidden"),
    "CorrectionNotFoundError": (404, "unknown_correction"),
    "CorrectionsFullError": (507, "insufficient_storage"),
    "CorrectionsUnavailableError": (503, "corrections_unavailable"),
}


def domain_errors() -> dict[str, type]:
    return {name: kind for name, kind in vars(errors).items()
            if isinstance(kind, type) and issubclass(kind, errors.DigitReaderError)}


def test_every_error_keeps_its_status_and_code():
    assert {name: (kind.status, kind.code) for name, kind in domain_errors().items()} == STATUS_AND_CODE


@pytest.mark.parametrize("name", sorted(STATUS_AND_CODE))
def test_each_error_says_its_code_and_message_in_the_one_shape(name):
    error = getattr(errors, name)("what was wrong", retry_after=2)
    assert error.to_payload() == {"error": {"code": STATUS_AND_CODE[name][1], "message": "what was wrong"}}
    assert str(error) == error.message == "what was wrong" and error.retry_after == 2


@pytest.mark.parametrize("name", sorted(STATUS_AND_CODE))
def test_an_error_raised_in_the_inference_process_is_rebuilt_as_itself(name):
    error = getattr(errors, name)("raised there", retry_after=1)
    rebuilt = rebuilt_error(error_payload(error))
    assert type(rebuilt) is type(error) and rebuilt.to_payload() == error.to_payload() and rebuilt.retry_after == 1


def test_a_subclass_inherits_what_it_does_not_give():
    class Partly(errors.InferenceUnavailableError, code="partly"):
        pass

    assert (Partly.status, Partly.code) == (503, "partly")
    assert (errors.InferenceUnavailableError.status, errors.InferenceUnavailableError.code) == \
        (503, "inference_unavailable")
