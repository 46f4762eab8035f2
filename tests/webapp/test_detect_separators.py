"""A number written with separators is one number (issue 22): the detector joins digit groups a dash, a
point or a slash lies between, even where the mark is too thin or small to pass as a digit's part, and
leaves numbers apart where nothing, or something far away, lies between them. No model involved."""
from __future__ import annotations

import numpy as np
import pytest

from tests.support.digit_paper import GLYPH_ADVANCE, draw_strokes, glyph_strokes
from training.core import detect

HEIGHT = 60  # digit height, px


def written(groups: list[str], marks: list[list[tuple[float, float]]], gap: float, pen: float,
            size: tuple[int, int] = (1000, 300)) -> np.ndarray:
    """``groups`` of digits left to right, ``gap`` digit heights apart; ``marks[i]`` (in digit heights from
    the gap's left edge and the digits' top) drawn in the gap after group i; ``pen`` px wide."""
    strokes, left, top = [], 40.0, (size[1] - HEIGHT) / 2
    for i, text in enumerate(groups):
        strokes += glyph_strokes(text, left, top, HEIGHT)
        left += ((len(text) - 1) * GLYPH_ADVANCE + 0.7) * HEIGHT
        if i < len(marks):
            strokes.append([(left + x * HEIGHT, top + y * HEIGHT) for x, y in marks[i]])
        left += gap * HEIGHT
    return draw_strokes(size, strokes, pen)


DASH = [(0.2, 0.55), (0.55, 0.55)]
POINT = [(0.25, 0.93), (0.26, 0.94)]
SLASH = [(0.55, -0.05), (0.2, 1.05)]


@pytest.mark.parametrize("mark", [DASH, POINT, SLASH], ids=["dash", "point", "slash"])
@pytest.mark.parametrize("pen", [2.0, 6.0])
def test_groups_a_separator_lies_between_are_one_number(mark, pen):
    page = written(["410", "71"], [mark], gap=0.8, pen=pen)
    assert len(detect.find_numbers(page)) == 1, [r.box for r in detect.find_numbers(page)]


def test_a_date_with_two_slashes_is_one_number():
    page = written(["10", "04", "17"], [SLASH, SLASH], gap=0.75, pen=5.0)
    assert len(detect.find_numbers(page)) == 1


def test_numbers_far_apart_stay_apart_with_or_without_a_mark_between():
    assert len(detect.find_numbers(written(["410", "71"], [], gap=2.5, pen=5.0))) == 2
    far_dash = [(1.0, 0.55), (1.4, 0.55)]  # a dash more than half a height from both
    assert len(detect.find_numbers(written(["410", "71"], [far_dash], gap=2.6, pen=5.0))) == 2
    underline = [(-3.0, 1.2), (2.0, 1.2)]  # a long line below the gap is no separator
    assert len(detect.find_numbers(written(["410", "71"], [underline], gap=2.0, pen=3.0))) == 2


def test_a_lone_mark_is_no_number():
    page = written(["7"], [DASH], gap=0.5, pen=5.0)
    assert [len(r.parts) > 0 for r in detect.find_numbers(page)] == [True]


def written_with_sign(sign: list[tuple[float, float]], gap: float = 0.25, pen: float = 5.0) -> np.ndarray:
    """A minus-like mark ``sign`` (digit heights, from its own left and the digits' top), then "470"."""
    left, top = 40.0, (300 - HEIGHT) / 2
    strokes = [[(left + x * HEIGHT, top + y * HEIGHT) for x, y in sign]]
    width = max(x for x, _ in sign)
    strokes += glyph_strokes("470", left + (width + gap) * HEIGHT, top, HEIGHT)
    return draw_strokes((1000, 300), strokes, pen)


def test_a_minus_sign_in_front_belongs_to_its_number():
    page = written_with_sign([(0.0, 0.5), (0.35, 0.5)])
    regions = detect.find_numbers(page)
    assert len(regions) == 1
    assert regions[0].box.x < 40 + 0.1 * HEIGHT, "the number's box starts at the minus"


@pytest.mark.parametrize("mark", [
    [(0.0, 1.15), (0.35, 1.15)],  # low, beside the baseline: not a minus
    [(0.0, 0.5), (0.35, 0.5)],  # a minus, but far from the number
], ids=["low", "far"])
def test_a_dash_that_is_no_minus_is_left_out(mark):
    gap = 1.2 if mark[0][1] == 0.5 else 0.25
    regions = detect.find_numbers(written_with_sign(mark, gap=gap))
    assert len(regions) == 1
    assert regions[0].box.x > 40 + 0.35 * HEIGHT, "the dash is not part of the number"
