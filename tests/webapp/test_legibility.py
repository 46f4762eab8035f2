"""The legibility benchmark: sheets that give nothing away, labels read strictly, and fair counting."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from benchmarks import legibility, reader
from benchmarks.scenes import mnist
from training.sources import datasets


def test_labels_are_read_with_several_numbers_and_an_unsure_mark():
    text = "# sheet 1\n0 4721\n\n1 12-345 ?\n2 9  # a 9 or a 4\n"
    assert legibility.parse_labels(text) == {0: (["4721"], False), 1: (["12", "345"], True), 2: (["9"], False)}


@pytest.mark.parametrize("line", ["7", "x 12", "3 12 maybe", "3 12 ? ?"])
def test_a_malformed_labels_line_is_refused_with_its_text(line):
    with pytest.raises(ValueError, match="labels line 2"):
        legibility.parse_labels(f"0 1\n{line}\n")


def test_compare_counts_each_reader_and_leaves_out_what_the_person_saw():
    truths = [["12"], ["34"], ["56"], ["78"], ["90"]]
    reads = [["12"], ["34"], ["50"], ["70"], ["90"]]
    labels = {0: (["12"], False), 1: (["31"], True), 2: (["56"], False), 3: (["18"], True), 4: (["00"], False)}
    result = legibility.compare(truths, reads, labels, seen={4})
    assert result["images"] == 4
    assert (result["person_right"], result["app_right"], result["both_right"]) == (2, 2, 1)
    assert (result["only_person_right"], result["only_app_right"], result["neither_right"]) == (1, 1, 1)
    assert (result["unsure"], result["unsure_and_right"]) == (2, 0)
    assert [row["index"] for row in result["disagreements"]] == [1, 2, 3]


def test_sheets_hold_every_image_of_the_set_and_nothing_else(tmp_path):
    legibility.main(["sheets", "--out", str(tmp_path), "--count", "13", "--digits", "validation"])
    sheets = sorted(tmp_path.iterdir())
    assert [p.name for p in sheets] == ["canvas-pen-0000-0011.png", "canvas-pen-0012-0012.png"]
    first = cv2.imread(str(sheets[0]))
    columns, rows = legibility.GRID
    assert first.shape == (rows * (legibility.TILE[1] + legibility.LABEL_BAND + 6), columns * (legibility.TILE[0] + 6), 3)


def test_a_tile_is_the_image_the_benchmark_sends(tmp_path):
    digits = datasets.held_out_digits("validation")
    data, _ = mnist.SCENES["canvas"](reader.scene_rng(reader.SEED, "test", "canvas", 5), digits)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    cell = cv2.cvtColor(legibility.tile(data, 5), cv2.COLOR_BGR2GRAY)
    scale = legibility.TILE[0] / image.shape[1]  # the canvas's 5:2 fills the tile's width
    shown = cell[legibility.LABEL_BAND : legibility.LABEL_BAND + round(image.shape[0] * scale), 1:-1]
    expected = cv2.resize(image, (legibility.TILE[0], shown.shape[0]), interpolation=cv2.INTER_AREA)[:, 1:-1]
    assert np.abs(shown.astype(int) - expected).mean() < 2


@pytest.mark.slow
def test_score_reads_the_set_with_the_app_and_saves_the_figures(tmp_path):
    digits = datasets.held_out_digits("validation")
    truths = [mnist.SCENES["canvas"](reader.scene_rng(reader.SEED, "validation", "canvas", i), digits)[1] for i in range(4)]
    wrong = "".join("1" if ch != "1" else "7" for ch in truths[2][0])
    labels = tmp_path / "labels.txt"
    labels.write_text(f"0 {truths[0][0]}\n1 {truths[1][0]} ?\n2 {wrong}\n3 {truths[3][0]}\n")
    out = tmp_path / "legibility.json"
    legibility.main(["score", str(labels), "--count", "4", "--digits", "validation", "--seen", "3",
                     "--reader", "a test", "--json", str(out)])
    report = json.loads(out.read_text())
    assert (report["images"], report["person_right"], report["seen_before_reading"]) == (3, 2, [3])
    assert report["both_right"] + report["only_app_right"] == report["app_right"]
    assert report["reader"] == "a test" and report["model"]["name"]
