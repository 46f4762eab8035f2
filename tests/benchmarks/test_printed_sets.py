"""The benchmark's printed sets (issue 37, ``benchmarks.scenes.printed``): images that decode, truths as printed,
validation and test fonts of disjoint families, seven-segment digits that light the right segments, and a clear
error where a font is missing. No TensorFlow."""
from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from benchmarks import reader
from benchmarks.scenes import printed

# Written here, apart from printed.SEGMENTS: a top, b top right, c bottom right, d bottom, e bottom left,
# f top left, g middle.
LIT = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg", "7": "abc",
       "8": "abcdefg", "9": "abcdfg", "-": "g"}
LIT_PLAIN = {**LIT, "6": "cdefg", "9": "abcfg"}  # displays that leave off the 6's and the 9's tails
NUMBER = re.compile(r"-?\d+([.,/:]\d+)*")  # digits, and separators between them as printed
LENGTHS = {"printed": (1, 10), "seven-segment": (1, 8)}
IMAGES = 4


@pytest.mark.parametrize("name", list(printed.PRINTED_SCENES))
@pytest.mark.parametrize("split", ["validation", "test"])
def test_images_decode_and_truths_are_one_number_as_printed(name, split):
    for index in range(IMAGES):
        data, truth = printed.PRINTED_SCENES[name](reader.scene_rng(reader.SEED, split, name, index), split)
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.shape[:2] in ((720, 1280), (480, 640))
        assert len(truth) == 1 and NUMBER.fullmatch(truth[0]), truth
        low, high = LENGTHS[name]
        assert low <= printed.digit_count(truth[0]) <= high, truth


@pytest.mark.parametrize("number", list(printed.NUMBERS))
def test_every_kind_of_printed_number_has_1_to_10_digits_and_its_separators(number):
    rng = np.random.default_rng(7)
    texts = [printed.NUMBERS[number](rng) for _ in range(200)]
    assert all(NUMBER.fullmatch(text) and 1 <= printed.digit_count(text) <= 10 for text in texts), texts
    if number in ("price", "date", "clock"):
        assert all(set(text) & set(".,/:") for text in texts)  # printed with their separators


def test_thousands_are_grouped_by_commas_as_printed():
    rng = np.random.default_rng(0)
    seen = {printed.grouped("3450", rng) for _ in range(40)} | {printed.grouped("1234567", rng) for _ in range(40)}
    assert seen == {"3450", "3,450", "1234567", "1,234,567"}
    assert printed.grouped("999", rng) == "999"


def test_validation_and_test_fonts_are_disjoint_families_and_files():
    validation, test = (set(printed.FONT_SPLITS[split]) for split in ("validation", "test"))
    assert validation and test and not validation & test
    assert not set(printed.RESERVED_FOR_TRAINING) & (validation | test)
    files = {split: {face.path for face in printed.split_faces(split)} for split in ("validation", "test")}
    assert not files["validation"] & files["test"]
    assert all(printed.split_faces(split, mono=True) for split in ("validation", "test"))  # receipts need one


def test_no_reserved_family_is_drawn_by_either_split():
    """URW Gothic and P052 are kept for training: no face of either split is one of their files."""
    used = {face.path for split in printed.FONT_SPLITS for face in printed.split_faces(split)}
    assert not [path for path in used if "URWGothic" in path or "P052" in path]


def test_freefont_is_in_the_nimbus_lineage_so_it_never_crosses_the_split():
    nimbus = {face.path for face in printed.FAMILIES["Nimbus"]}
    assert any("FreeSans" in path for path in nimbus)
    assert not any("Free" in face.path or "Nimbus" in face.path for face in printed.split_faces("validation"))


def segment_centres(digit: printed.Digit) -> dict[str, tuple[int, int]]:
    return {name: tuple(int(v) for v in np.rint(points.mean(axis=0)))
            for name, points in printed.segment_polygons(digit).items()}


@pytest.mark.parametrize("plain, table", [(False, LIT), (True, LIT_PLAIN)])
@pytest.mark.parametrize("slant", [0.0, 0.15])
def test_each_character_lights_exactly_its_segments(plain, table, slant):
    digit = printed.Digit(width=40, height=80, bar=10, gap=1, slant=slant)
    for char, segments in table.items():
        on, off = np.zeros((100, 80), np.float32), np.zeros((100, 80), np.float32)
        printed.draw_cell(on, off, char, digit, 5, 10, plain)
        for name, (x, y) in segment_centres(digit).items():
            lit = on[y + 10, x + 5] > 0.5
            assert lit == (name in segments), (char, name, plain, slant)
            assert (off[y + 10, x + 5] > 0.5) == (not lit), (char, name)


def test_a_display_reading_becomes_cells_points_and_a_colon():
    assert printed.cells_of("-12.5") == (["-", "1", "2", "5"], [False, False, True, False], None)
    assert printed.cells_of("12:45") == (["1", "2", "4", "5"], [False] * 4, 2)


def test_a_lit_decimal_point_and_colon_are_drawn_and_blank_cells_light_nothing():
    digit = printed.Digit(width=40, height=80, bar=10, gap=1, slant=0.0)
    rng = np.random.default_rng(0)
    with_point, _ = printed.display_layers(rng, "1.5", digit, 2, False, False)
    without, _ = printed.display_layers(np.random.default_rng(0), "15", digit, 2, False, False)
    clock, _ = printed.display_layers(np.random.default_rng(0), "15:15", digit, 0, False, False)
    plain, _ = printed.display_layers(np.random.default_rng(0), "1515", digit, 0, False, False)
    assert with_point.sum() > without.sum() and clock.sum() > plain.sum()
    assert not without[:, : int(without.shape[1] * 0.4)].any()  # the two blank cells on the left are unlit


def test_a_missing_font_names_its_package(tmp_path, monkeypatch):
    monkeypatch.setattr(printed, "FONT_ROOT", tmp_path)
    face = printed.FAMILIES["Liberation"][0]
    with pytest.raises(printed.MissingFont, match="fonts-liberation"):
        printed.load_font(face, 20)
    with pytest.raises(printed.MissingFont, match="apt-get install fonts-"):
        printed.render_printed(np.random.default_rng(0), "test")  # the renderer does not fall back either


def test_the_sets_are_registered_as_one_group_with_their_targets_and_results_file():
    assert reader.SET_GROUPS["printed"] == ["printed", "seven-segment"] == reader.ALL_SETS[-2:]
    assert {name: reader.set_target(name) for name in reader.SET_GROUPS["printed"]} == {
        "printed": 0.98, "seven-segment": 0.95}
    assert reader.results_path(["printed", "seven-segment"], "test", 300).name == "reader-printed.json"
    assert reader.results_path(["seven-segment"], "validation", 60).name == "reader-printed-validation-quick.json"
    assert set(reader.SET_GROUPS["printed"]) <= set(reader.WRITTEN_SETS)  # scored as printed, separators kept
