"""The detector's layout rules on component boxes (no pixels, no model): which pieces make one number, and the
order numbers are read in."""
from __future__ import annotations

from training.core import detect
from training.core.detect import Region


def number(x: int, y: int, digits: int, slope: float = 0.0, size: int = 60) -> Region:
    """A written number of ``digits`` pieces, each ``size`` tall, its line slanting by ``slope`` (dy/dx)."""
    parts = tuple((x + i * size, int(round(y + slope * i * size)), int(0.7 * size), size) for i in range(digits))
    return Region(detect.union(parts), parts)


def texts_in_order(regions: dict[str, Region]) -> list[str]:
    names = {id(region): name for name, region in regions.items()}
    return [names[id(region)] for region in detect.reading_order(list(regions.values()))]


def test_numbers_on_one_line_of_a_tilted_sheet_are_read_left_to_right():
    # the line climbs 15 px per 100: the right number's box sits above the left one's, overlapping by less than half
    slope = -0.15
    regions = {"left": number(100, 400, 3, slope), "right": number(700, int(400 + slope * 600), 6, slope)}
    assert texts_in_order(regions) == ["left", "right"]


def test_lines_of_a_tilted_sheet_are_still_read_top_to_bottom():
    slope = -0.15
    regions = {"second line": number(100, 520, 3, slope), "first line": number(100, 400, 4, slope),
               "first line, right": number(500, int(400 + slope * 400), 3, slope)}
    assert texts_in_order(regions) == ["first line", "first line, right", "second line"]


def test_without_a_slant_to_measure_numbers_overlapping_less_than_half_are_two_lines():
    regions = {"lower": Region((100, 440, 40, 60), ((100, 440, 40, 60),)),  # single digits: no slant shows
               "upper": Region((400, 400, 40, 60), ((400, 400, 40, 60),))}
    assert texts_in_order(regions) == ["upper", "lower"]


def test_a_short_stroke_overlapping_the_end_of_a_number_is_part_of_it():
    digits = [(236 + i * 80, 490, 60, 110) for i in range(4)]
    bar = (530, 482, 55, 24)  # a 5's top bar, written apart and past the digit's right edge
    assert len(detect.group(digits + [bar])) == 1


def test_a_small_number_beside_another_stays_a_number_of_its_own():
    digits = [(236 + i * 80, 490, 60, 110) for i in range(4)]
    apart = (600, 470, 20, 40)  # close, but outside the number's box
    assert len(detect.group(digits + [apart])) == 2
