"""The reader benchmark's canvas drawings have the shape of the page's draw canvas."""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.scenes import mnist
from training.sources import datasets

APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"
DRAW_JS = APP_CSS.parents[1] / "js" / "draw.js"


def page_canvas_ratio() -> float:
    """Width / height of the draw canvas, from the ``aspect-ratio`` of ``.stack--draw`` in app.css."""
    css = APP_CSS.read_text()
    rule = css[css.index(".stack--draw {"):]
    width, height = re.search(r"aspect-ratio:\s*(\d+)\s*/\s*(\d+)", rule[: rule.index("}")]).groups()
    return int(width) / int(height)


def test_every_benchmark_canvas_has_the_page_canvas_shape():
    for width, height in mnist.CANVAS_SIZES:
        assert width / height == pytest.approx(page_canvas_ratio(), rel=0.01), (width, height)


def test_the_benchmark_draws_with_the_page_pen():
    width, height = re.search(r"const PEN_SHARE = (\d+) / (\d+);", DRAW_JS.read_text()).groups()
    assert mnist.PEN_SHARE == pytest.approx(int(width) / int(height))


def test_canvas_scenes_are_drawn_at_those_sizes():
    digits = datasets.load_test_digits()
    sizes = set()
    for index in range(12):
        data, _ = mnist.render_canvas(np.random.default_rng(index), digits)
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        sizes.add((image.shape[1], image.shape[0]))
    assert sizes <= set(mnist.CANVAS_SIZES)


@pytest.mark.parametrize("index", [42, 142, 183])
def test_a_sheet_edge_beside_the_desk_is_not_a_number(index):
    """Webcam scenes of the reader benchmark (validation digits) where a piece of the sheet's edge, paper on
    one side and desk on the other, was found as a number of its own and read as "1"."""
    from benchmarks.reader import SEED, detector_boxes, scene_rng

    data, truth = mnist.render_webcam(scene_rng(SEED, "validation", "webcam", index), datasets.held_out_digits("validation"))
    assert len(detector_boxes(data)) == len(truth)


def test_crop_scenes_are_the_number_with_a_little_paper_round_it():
    digits = datasets.held_out_digits("validation")
    for index in range(10):
        data, truth = mnist.render_crop(np.random.default_rng(index), digits)
        gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
        ys, xs = np.nonzero(gray < 0.6 * np.median(gray))  # the ink: far darker than the paper
        assert (ys.max() - ys.min() + 1) / gray.shape[0] > 1 / (1 + 2 * mnist.CROP_MARGIN[1]) - 0.05, index
        assert len(truth) == 1 and 1 <= len(truth[0]) <= mnist.MAX_LENGTH
