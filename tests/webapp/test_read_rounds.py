"""Several images read in one round (``Recognizer.recognize_many``), as the inference process reads the frames
of many clients: each answered as if read alone, an image's error its own."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api_checks import texts, without_timing
from tests.support.digit_paper import centred, encode, sheet
from webapp.errors import InvalidImageError
from webapp.reading import Recognizer

FIRST = encode(centred("4071"))
SECOND = encode(sheet((480, 170), [("2580", (60, 50), 64)]))


@pytest.fixture(params=["offloaded", "pool"])
def recognizer(request, model_backend):
    """As the web process reads (each stage offloaded, here inline) and as the inference process does (a pool)."""
    pool = ThreadPoolExecutor(2) if request.param == "pool" else None
    yield Recognizer(model_backend, pool=pool)
    if pool is not None:
        pool.shutdown()


def test_a_round_answers_each_image_as_reading_it_alone(recognizer):
    answers = recognizer.recognize_many([FIRST, SECOND, FIRST])
    assert [texts(answer) for answer in answers] == [["4071"], ["2580"], ["4071"]]
    alone = [recognizer.recognize(data) for data in (FIRST, SECOND, FIRST)]
    assert [without_timing(a) for a in answers] == [without_timing(a) for a in alone]


def test_an_image_that_is_not_one_costs_only_its_own_answer(recognizer):
    answers = recognizer.recognize_many([FIRST, b"not an image", SECOND])
    assert isinstance(answers[1], InvalidImageError), answers[1]
    assert texts(answers[0]) == ["4071"] and texts(answers[2]) == ["2580"]


def test_each_answer_says_where_its_time_went(recognizer):
    (answer,) = recognizer.recognize_many([SECOND])
    stages = answer["timing_ms"]
    assert {"decode", "detector", "detect", "boxes", "inference", "total"} <= set(stages), stages
    assert stages["total"] >= max(stages["decode"], stages["inference"])
