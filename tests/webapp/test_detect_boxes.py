"""The detector's ``Box``: its edges, overlaps and gaps, and the union of boxes (no pixels, no model)."""
from __future__ import annotations

from training.core.detect import Box, Region, union


def test_a_box_knows_its_edges_area_and_centre():
    box = Box(10, 20, 30, 40)
    assert (box.right, box.bottom, box.area) == (40, 60, 1200)
    assert (box.centre_x, box.centre_y) == (25.0, 40.0)


def test_a_box_is_still_a_tuple():
    x, y, w, h = Box(1, 2, 3, 4)
    assert (x, y, w, h) == (1, 2, 3, 4) and list(Box(1, 2, 3, 4)) == [1, 2, 3, 4]
    assert Box(1, 2, 3, 4) == (1, 2, 3, 4)


def test_slices_cut_the_box_out_of_an_image():
    rows, columns = Box(2, 5, 3, 4).slices
    assert (rows, columns) == (slice(5, 9), slice(2, 5))


def test_union_is_the_smallest_box_around_all_of_them():
    assert union([Box(10, 20, 5, 5), (30, 0, 10, 8), Box(0, 40, 2, 2)]) == Box(0, 0, 40, 42)
    assert union([(3, 4, 5, 6)]) == Box(3, 4, 5, 6)
    assert isinstance(union([(3, 4, 5, 6)]), Box)


def test_overlap_in_x_and_y_is_the_shared_length_either_way_round():
    a, b = Box(0, 0, 10, 10), Box(6, 8, 10, 10)
    assert a.overlap_x(b) == b.overlap_x(a) == 4
    assert a.overlap_y(b) == b.overlap_y(a) == 2
    assert a.overlap_area(b) == b.overlap_area(a) == 8


def test_a_box_inside_another_overlaps_by_its_own_size():
    outer, inner = Box(0, 0, 100, 50), Box(20, 10, 30, 5)
    assert (inner.overlap_x(outer), inner.overlap_y(outer), inner.overlap_area(outer)) == (30, 5, 150)


def test_gap_is_the_space_between_boxes_and_negative_where_they_overlap():
    left, right = Box(0, 0, 10, 10), Box(15, 0, 10, 10)
    assert left.gap_x(right) == right.gap_x(left) == 5
    assert Box(0, 0, 10, 10).gap_x(Box(10, 0, 5, 5)) == 0  # touching
    assert Box(0, 0, 10, 10).gap_x(Box(7, 0, 10, 10)) == -3  # overlapping by 3


def test_boxes_apart_share_no_area_even_when_they_overlap_on_one_axis():
    a = Box(0, 0, 10, 10)
    assert a.overlap_area(Box(20, 0, 10, 10)) == 0  # level, apart in x
    assert a.overlap_area(Box(0, 30, 10, 10)) == 0  # stacked, apart in y
    assert a.overlap_area(Box(20, 30, 10, 10)) == 0  # apart both ways: two negative overlaps make no area
    assert a.overlap_y(Box(0, 30, 10, 10)) == -20


def test_a_region_of_plain_tuples_holds_boxes():
    region = Region((1, 2, 3, 4), ((1, 2, 3, 4),))
    assert isinstance(region.box, Box) and all(isinstance(part, Box) for part in region.parts)
    assert region == Region(Box(1, 2, 3, 4), (Box(1, 2, 3, 4),))
