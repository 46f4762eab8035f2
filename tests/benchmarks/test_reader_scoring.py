"""The reader benchmark's set lists and its finding figures (benchmarks.reader): empty answers, invented
numbers, box tightness, on hand-made cases. No TensorFlow."""
from __future__ import annotations

import pytest

from benchmarks import reader

EARLIER_SETS = ["canvas", "photo", "webcam", "multi", "crop", "pen-real", "paper-real", "usps", "optdigits",
                "touching", "continental", "stray-marks", "separated"]


def record(truth, read, truth_boxes=None, read_boxes=()) -> dict:
    return {"truth": truth, "read": read, "truth_boxes": truth_boxes, "read_boxes": list(read_boxes)}


def test_the_new_sets_are_appended_so_every_earlier_set_keeps_its_seeds():
    assert reader.ALL_SETS[: len(EARLIER_SETS)] == EARLIER_SETS
    assert reader.ALL_SETS[len(EARLIER_SETS):] == ["pad-large", "pad-small", "desk-colour", "no-digits", "register",
                                                   "cheques", "swiss", "semeion", "pendigits", "cells", "amounts",
                                                   "long-phone", "printed", "seven-segment"]


def test_the_detector_group_names_the_sets_that_measure_finding():
    chosen = reader.chosen_sets(["detector"])
    assert set(chosen) <= set(reader.ALL_SETS)
    assert {"photo", "webcam", "multi", "canvas", "pad-large", "pad-small", "desk-colour", "no-digits"} <= set(chosen)
    assert reader.results_path(chosen, "validation", 10).name == "reader-detector-validation-quick.json"
    assert reader.results_path(reader.MNIST_SETS, "test", 300).name == "reader.json"  # as before


@pytest.mark.parametrize("a, b, expected", [
    ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
    ((0, 0, 10, 10), (20, 0, 10, 10), 0.0),
    ((0, 0, 10, 10), (5, 0, 10, 10), 50 / 150),  # half of each: 50 shared of 150 covered
    ((0, 0, 10, 10), (0, 0, 5, 5), 25 / 100),  # one inside the other
    ((0, 0, 0, 0), (0, 0, 0, 0), 0.0),
])
def test_iou(a, b, expected):
    assert reader.iou(a, b) == pytest.approx(expected)
    assert reader.iou(b, a) == pytest.approx(expected)


def test_a_true_box_is_tight_when_its_best_read_box_overlaps_it_enough():
    truth = [(0, 0, 100, 40), (0, 100, 100, 40)]
    read = [(2, 1, 98, 40), (0, 100, 50, 40), (300, 300, 10, 10)]  # the first tight, the second half
    assert reader.best_iou(truth[0], read) == pytest.approx(98 * 39 / (4000 + 98 * 40 - 98 * 39))
    assert reader.best_iou(truth[1], read) == pytest.approx(0.5)
    assert reader.best_iou(truth[0], []) == 0.0
    assert reader.tight_boxes(truth, read) == 1
    assert reader.tight_boxes(truth, read, least=0.5) == 2


@pytest.mark.parametrize("truth, read, empty, invented", [
    (["42"], [], True, False),
    (["42"], ["41"], False, False),
    ([], [], False, False),
    ([], ["1"], False, True),
])
def test_empty_answers_and_invented_numbers(truth, read, empty, invented):
    assert reader.empty_answer(truth, read) is empty
    assert reader.invented(truth, read) is invented


def test_finding_summary_counts_each_figure_over_the_images_it_concerns():
    records = [record(["42"], [], [(0, 0, 10, 10)]),  # empty answer, its box not matched
               record(["7"], ["7"], [(0, 0, 10, 10)], [(0, 0, 10, 11)]),  # tight
               record(["1", "2"], ["1"], [(0, 0, 10, 10), (50, 0, 10, 10)], [(0, 0, 10, 10)]),
               record([], []), record([], ["8"])]
    figures = reader.finding_summary(records)
    assert figures["empty_answers"] == {"count": 1, "of": 3, "share": pytest.approx(1 / 3),
                                        "target": reader.TARGETS["empty_answers"], "meets_target": False}
    assert (figures["invented"]["count"], figures["invented"]["of"]) == (1, 2)
    tightness = figures["box_tightness"]
    assert (tightness["count"], tightness["of"], tightness["iou"]) == (2, 4, reader.TIGHT_IOU)
    assert not tightness["meets_target"]


def test_finding_summary_leaves_out_figures_a_set_cannot_have():
    assert set(reader.finding_summary([record([], []), record([], [])])) == {"invented"}
    assert reader.finding_summary([record([], []), record([], [])])["invented"]["meets_target"]
    assert set(reader.finding_summary([record(["5"], ["5"])])) == {"empty_answers"}  # no true boxes known


def test_a_set_without_numbers_is_scored_by_length_and_regions_as_none():
    assert reader.length_key("no-digits", []) == "none"
    assert reader.expected_regions("no-digits", []) == 0
    assert reader.expected_regions("pad-small", ["(408) 974-8980"]) == 2


def test_the_boxes_drawn_for_a_failure_are_the_recognizers_answer():
    answer = {"numbers": [{"text": "42", "box": [3, 4, 50, 20]}, {"text": "7", "box": [100, 4, 12, 20]}]}
    assert reader.detector_boxes(answer) == [(3, 4, 50, 20), (100, 4, 12, 20)]
    assert reader.detector_boxes({"numbers": []}) == []


def test_every_set_has_a_target_but_the_real_ones():
    for name in reader.ALL_SETS:
        if name not in reader.REAL_SETS:
            assert 0.9 <= reader.set_target(name) <= 1.0


def test_long_numbers_and_cheques_are_scored_by_their_digits_the_other_paper_sets_exactly():
    class Reader:
        def __init__(self, texts):
            self.texts = texts

        def recognize(self, data):
            return {"numbers": [{"text": t, "confidence": 0.9, "box": [0, 0, 1, 1]} for t in self.texts]}

    from benchmarks.scenes.base import Scene

    scene = Scene(b"", ["188192500"], None)
    assert reader.read_one("long-phone", Reader(["1", "88", "192", "500"]), scene)["ok"]
    assert not reader.read_one("long-phone", Reader(["88", "192", "500"]), scene)["ok"]
    assert not reader.read_one("register", Reader(["12", "51"]), Scene(b"", ["12"], None))["ok"]
    assert reader.read_one("cheques", Reader(["10.000"]), Scene(b"", ["10000"], None))["ok"]
