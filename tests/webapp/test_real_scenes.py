"""The reader benchmark's real-handwriting sets (training/real_scenes.py) render what they claim: the page's
canvas PNG with the strokes' ink, a photo of ink on paper, one scanned digit; and labels fall in the right
slices. No TensorFlow: the images are checked, not read."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest

from training import pen, real_scenes, scenes
from training.realdata import load_unipen

from tests.webapp.test_canvas_scenes import page_canvas_ratio


@lru_cache(maxsize=None)
def validation_strings() -> tuple:
    return tuple(load_unipen("strings", "validation"))


def decode(data: bytes, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), flags)


def test_pen_canvas_sizes_have_the_page_canvas_shape():
    for width, height in real_scenes.PEN_CANVAS_SIZES:
        assert width / height == pytest.approx(page_canvas_ratio(), rel=0.01), (width, height)


@pytest.mark.parametrize("index", range(6))
def test_pen_real_is_the_canvas_png_with_ink_where_the_strokes_are(index):
    sample = validation_strings()[index * 37]
    data, truth = real_scenes.render_pen_canvas(np.random.default_rng(index), sample)
    assert data[:4] == b"\x89PNG" and truth == [sample.label]
    image = decode(data)
    assert image.shape[2] == 4 and (image[:, :, 3] == 255).all()  # canvas.toBlob: opaque RGBA
    assert (image.shape[1], image.shape[0]) in real_scenes.PEN_CANVAS_SIZES
    gray = image[:, :, 0]
    ink = gray < 128
    ys, xs = np.nonzero(ink)
    assert ink.mean() > 0.002 and xs.min() > 0 and ys.min() > 0  # inked, with white round it
    assert xs.max() < gray.shape[1] - 1 and ys.max() < gray.shape[0] - 1
    # the ink's box has the strokes' shape (a long string may be written up to 30% narrower)
    pen_width = image.shape[0] * pen.PEN_SHARE
    centre_w, centre_h = xs.max() - xs.min() + 1 - pen_width, ys.max() - ys.min() + 1 - pen_width
    strokes_w, strokes_h = pen.extent(sample.strokes)
    aspect = strokes_w / strokes_h
    assert real_scenes.MIN_SQUEEZE * aspect * 0.95 - 0.05 <= centre_w / centre_h <= aspect * 1.05 + 0.05


def test_pen_real_ink_lies_on_the_strokes():
    """The inked pixels are those within the pen's reach of the strokes' centre line, as placed."""
    sample = validation_strings()[5]
    gray = pen.render(sample, (974, 390), ink_height=200, offset=(100, 90), pen=390 / 18)
    scale = 200 / pen.extent(sample.strokes)[1]
    for stroke in sample.strokes:
        for x, y in stroke[:: max(1, len(stroke) // 5)] * scale + np.float32([100, 90]):
            assert gray[int(y), int(x)] < 64, (x, y)  # every centre-line point is inked
    reach = int(np.ceil(390 / 36)) + 1  # half the pen, and the anti-aliased edge
    assert (gray[: 90 - reach] == 255).all() and (gray[290 + reach :] == 255).all()  # nothing off the strokes' box


@pytest.mark.parametrize("index", range(4))
def test_paper_real_is_a_photo_with_ink_darker_than_the_paper(index, monkeypatch):
    sample = validation_strings()[index * 53]
    data, truth = real_scenes.render_pen_paper(np.random.default_rng(index), sample)
    assert data[:3] == b"\xff\xd8\xff" and truth == [sample.label]  # a JPEG
    image = decode(data, cv2.IMREAD_GRAYSCALE).astype(np.float32)
    assert (image.shape[1], image.shape[0]) in real_scenes.PAPER_CAMERA.frames
    # the same scene (paper, desk, light, noise: the same draws) with the ink all but gone: where they
    # differ is the ink, and there the paper was light
    real_ink = real_scenes.paper_ink
    monkeypatch.setattr(real_scenes, "paper_ink", lambda *args: 0.15 * real_ink(*args))
    faint, _ = real_scenes.render_pen_paper(np.random.default_rng(index), sample)
    paper = decode(faint, cv2.IMREAD_GRAYSCALE).astype(np.float32)
    ink = paper - image > 60
    ys, xs = np.nonzero(ink)
    assert ink.sum() > 100, "no ink"
    assert np.median(image[ink]) < 0.5 * np.median(paper[ink])  # ink far darker than the paper under it
    assert np.median(paper[ink]) > 120  # written on the sheet, not on the desk
    assert ys.max() - ys.min() < 0.5 * image.shape[0]  # one line of ink


@pytest.mark.parametrize("source", ["usps", "optdigits"])
@pytest.mark.parametrize("split", ["test", "validation"])
def test_scan_images_hold_one_digit_on_paper(source, split):
    items = real_scenes.set_items(source, split)
    for index in range(5):
        data, truth = real_scenes.render_scan(np.random.default_rng(index), items[index * 11])
        assert truth == [str(items[index * 11].label)] and len(truth[0]) == 1
        gray = decode(data, cv2.IMREAD_GRAYSCALE)
        ink = gray < 0.6 * np.median(gray)
        ys, xs = np.nonzero(ink)
        height = ys.max() - ys.min() + 1
        lo, hi = real_scenes.SCANNER.digit_height
        assert lo * 0.7 <= height <= hi * 1.05  # one digit's height, not a row of them
        assert xs.max() - xs.min() + 1 <= 1.6 * height
        assert xs.min() > 0 and ys.min() > 0 and xs.max() < gray.shape[1] - 1 and ys.max() < gray.shape[0] - 1


def test_scan_validation_is_a_fixed_tenth_of_the_training_file():
    from training.realdata import load_usps, scan_validation_indices

    chosen = scan_validation_indices(len(load_usps("train")))
    assert len(chosen) == round(0.1 * len(load_usps("train"))) and len(set(chosen)) == len(chosen)
    assert (chosen == scan_validation_indices(len(load_usps("train")))).all()
    assert len(real_scenes.set_items("usps", "validation")) == len(chosen)


def test_real_renders_are_deterministic():
    sample = validation_strings()[3]
    for render in (real_scenes.render_pen_canvas, real_scenes.render_pen_paper):
        assert render(np.random.default_rng(9), sample) == render(np.random.default_rng(9), sample)


@pytest.mark.parametrize("label, slices", [
    ("1100", ["repeated"]),
    ("3.14", ["separators"]),
    ("(408) 974-8980", ["separators", "long"]),
    ("7", ["single"]),
    ("123456789", ["long"]),
    ("12/21/91", ["separators"]),
    ("1-1", ["separators"]),  # equal digits, but not in a row
    ("10", []),
])
def test_slices_classify_labels(label, slices):
    assert real_scenes.label_slices(label) == slices


def test_the_mnist_sets_keep_their_seeds():
    """The real sets are appended after the MNIST sets, so each MNIST image keeps its generator."""
    from benchmarks import reader

    assert reader.ALL_SETS[: len(scenes.SCENES)] == list(scenes.SCENES)


@pytest.mark.parametrize("truth, read, exact, digits", [
    (["(408) 974-8980"], ["(408)", "974-8980"], True, True),
    (["(408) 974-8980"], ["408", "9748980"], False, True),
    (["3.14"], ["314"], False, True),
    (["1100"], ["110"], False, False),
])
def test_real_sets_score_the_label_as_written_and_by_digits(truth, read, exact, digits):
    from benchmarks import reader

    assert reader.reads_as_written(truth, read) is exact
    assert reader.digits_match(truth, read) is digits
