"""Real handwriting (training.sources.realdata) and the pen renderer (training.scenes.pen): no TensorFlow, a few seconds."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from training.scenes import pen
from training.sources import realdata, splits

OPTDIGITS_CLASSES = {  # optdigits-orig.names, "9. Class Distribution"
    "train": [189, 198, 195, 199, 186, 187, 195, 201, 180, 204],
    "test": [87, 97, 92, 85, 114, 108, 87, 96, 91, 89],
}


@pytest.fixture(scope="module")
def unipen_digits():
    return realdata.load_unipen("digits")


@pytest.fixture(scope="module")
def unipen_strings():
    return realdata.load_unipen("strings")


def test_bundled_files_match_their_checksums():
    realdata.verify_real_checksums()


def test_the_recorded_splits_are_what_the_rule_gives():
    assert realdata.load_splits() == json.loads(json.dumps(splits.make_splits()))


def test_splits_are_lab_and_writer_disjoint_and_cover_every_lab():
    labs = {split: set(realdata.split_labs(split)) for split in realdata.SPLITS}
    every = set()
    for kind in realdata.UNIPEN_KINDS:
        every |= set(realdata.unipen_index(kind)["labs"])
    assert set.union(*labs.values()) == every
    assert sum(map(len, labs.values())) == len(every)  # no lab in two splits
    writers, files = {}, {}
    for split in realdata.SPLITS:
        found = set()
        for kind in realdata.UNIPEN_KINDS:
            index = realdata.unipen_index(kind)
            found |= set(index["writers"][np.isin(index["labs"], list(labs[split]))])
        writers[split], files[split] = found, {os.path.basename(w) for w in found}
    for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
        assert not writers[a] & writers[b]
        assert not files[a] & files[b], "the same pen-data file (a writer) under labs of two splits"
    for family in realdata.load_splits()["unipen"]["families"].values():  # a family is never cut
        assert sum(bool(set(family) & labs[split]) for split in realdata.SPLITS) == 1


def test_held_out_splits_meet_the_rule():
    counts = realdata.load_splits()["counts"]["unipen"]
    strings = sum(c["strings"] for c in counts.values())
    digits = sum(c["digits"] for c in counts.values())
    assert counts["test"]["labs"] >= 3 and counts["test"]["labs_with_strings"] >= 3
    assert counts["test"]["strings"] >= 0.15 * strings and counts["test"]["digits"] >= 0.15 * digits
    assert counts["validation"]["strings"] >= 0.10 * strings and counts["validation"]["digits"] >= 0.10 * digits
    for split in realdata.SPLITS:
        samples = realdata.unipen_index("strings")
        in_split = np.isin(samples["labs"], realdata.split_labs(split)) & samples["kept"]
        assert in_split.sum() == counts[split]["strings"]


def test_split_loading_by_name_gives_only_that_splits_labs(unipen_strings):
    test = realdata.load_unipen("strings", "test")
    assert {s.lab for s in test} == set(realdata.split_labs("test")) & {s.lab for s in unipen_strings}
    assert len(test) == realdata.load_splits()["counts"]["unipen"]["test"]["strings"]
    with pytest.raises(ValueError):
        realdata.split_labs("dev")


def test_unipen_digits_are_normalised_and_y_points_down(unipen_digits):
    assert len(unipen_digits) == realdata.load_splits()["label_filter"]["digits"]["kept"]
    assert {s.label for s in unipen_digits} == set("0123456789")
    for sample in unipen_digits[::500]:
        every = np.concatenate(sample.strokes)
        assert all(s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 2 for s in sample.strokes)
        assert every.min(axis=0) == pytest.approx([0, 0], abs=1e-6) and every[:, 1].max() == pytest.approx(1)
    # y down: a 2 starts at its top and ends on its base line (with y up it would be the other way round)
    twos = [s for s in unipen_digits if s.label == "2"]
    top_first = np.mean([s.strokes[0][0, 1] < s.strokes[-1][-1, 1] for s in twos])
    assert top_first > 0.8


def test_unipen_strokes_are_the_files_points_flipped():
    arrays = realdata.unipen_arrays("digits")
    raw = realdata.sample_strokes(arrays, 0)
    strokes, unit = realdata.normalise_strokes(raw)
    every = np.concatenate(raw).astype(np.float64)
    expected = (every[:, 0] - every[:, 0].min()) * unit, (every[:, 1].max() - every[:, 1]) * unit
    got = np.concatenate(strokes)
    assert np.allclose(got[:, 0], expected[0], atol=1e-5) and np.allclose(got[:, 1], expected[1], atol=1e-5)


def test_unipen_strings_keep_only_digits_separators_and_single_spaces(unipen_strings):
    counts = realdata.load_splits()["label_filter"]["strings"]
    assert len(unipen_strings) == counts["kept"] == counts["total"] - sum(counts["dropped"].values())
    assert counts["dropped"]["other characters"] > 0 and counts["dropped"]["multi-line block"] > 0
    for sample in unipen_strings:
        assert set(sample.label) <= realdata.STRING_CHARS and "  " not in sample.label
        assert realdata.label_problem(sample.label) is None
        assert not realdata.is_multiline(sample.label, sample.width)


def test_label_filter_keeps_numbers_and_drops_the_rest():
    for label in ("3.14", "(408) 974-8980", "12/05/2024", "1-800-5729", "12:05", "2+3", "1,345"):
        assert realdata.label_problem(label) is None, label
    assert realdata.label_problem("12ab") == "other characters"
    assert realdata.label_problem("$100") == "other characters"
    assert realdata.label_problem("") == "empty"
    assert realdata.label_problem("1  2") == "odd spacing"
    assert realdata.label_problem(" 12") == "odd spacing"
    assert realdata.label_problem("(-)") == "no digit"
    keep, reasons = realdata.filter_string_labels(["3.14", "abc", "7"])
    assert keep.tolist() == [True, False, True] and reasons == {"other characters": 1}


def test_letter_spaced_transcriptions_are_closed_up_and_blocks_of_lines_dropped():
    assert realdata.clean_label("( 4 0 8 ) 9 7 4", "hpp") == "(408)974"
    assert realdata.clean_label("(408) 974-8980", "hpp") == "(408) 974-8980"
    assert realdata.clean_label("1 2 3 4", "art") == "1 2 3 4"  # art's writers did leave the gaps
    assert realdata.is_multiline("12345 78901 08976 68532", width=0.6)  # four lines of five digits
    assert not realdata.is_multiline("12345 78901 08976 68532", width=12.0)
    assert not realdata.is_multiline("11", width=0.1)


def test_usps_is_mnist_like():
    for split, n in (("train", 7291), ("test", 2007)):
        digits = realdata.load_usps(split)
        assert digits.images.shape == (n, 16, 16) and digits.images.dtype == np.uint8
        assert digits.labels.dtype == np.uint8 and set(digits.labels.tolist()) == set(range(10))
        sides = digits.images[:, :, [0, -1]]  # the scans are cropped to the ink's height, not its width
        assert sides.mean() < 20 < 60 < digits.images[:, 6:10, 6:10].mean()  # dark paper, bright ink


def test_optdigits_reads_every_bitmap_with_its_class():
    for split, n in (("train", 1934), ("test", 946)):
        digits = realdata.load_optdigits(split)
        assert digits.images.shape == (n, 32, 32) and digits.images.dtype == np.uint8
        assert set(np.unique(digits.images).tolist()) == {0, 255}
        assert np.bincount(digits.labels, minlength=10).tolist() == OPTDIGITS_CLASSES[split]


def _distance_to_strokes(strokes, scale, offset, shape):
    """Distance of every pixel centre to the nearest segment of the strokes placed at p * scale + offset."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    best = np.full(shape, np.inf)
    for stroke in strokes:
        points = np.asarray(stroke, np.float64) * scale + offset
        pairs = zip(points[:-1], points[1:]) if len(points) > 1 else [(points[0], points[0])]
        for a, b in pairs:
            d = b - a
            length2 = max(float(d @ d), 1e-12)
            t = np.clip(((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / length2, 0, 1)
            best = np.minimum(best, np.hypot(xs - a[0] - t * d[0], ys - a[1] - t * d[1]))
    return best


def test_a_rendered_digit_has_ink_on_its_points_and_nothing_elsewhere(unipen_digits):
    sample = next(s for s in unipen_digits if s.label == "8")
    size, ink_height, offset, width = (64, 72), 50.0, (10.0, 11.0), 4.0
    image = pen.render(sample, size, ink_height=ink_height, offset=offset, pen=width, smooth=False)
    assert image.shape == (72, 64) and image.dtype == np.uint8
    scale = ink_height / sample.height
    for stroke in sample.strokes:
        for x, y in np.asarray(stroke, np.float64) * scale + offset:
            assert image[int(y), int(x)] < 64, "no ink on a point of the pen's path"
    distance = _distance_to_strokes(sample.strokes, scale, np.array(offset), image.shape)
    assert (image[distance > width / 2 + 0.75] == 255).all(), "ink away from the pen's path"
    assert (image[distance < width / 2 - 0.75] <= 5).all(), "the pen's width is not solid"


def test_the_default_pen_is_the_pages_and_has_round_caps():
    line = [np.array([[0.0, 0.0], [0.0, 1.0]])]  # a vertical stroke
    image = pen.render(line, (180, 180), ink_height=90, offset=(90, 45))
    ink = 1 - image / 255.0
    assert ink[90].sum() == pytest.approx(180 * pen.PEN_SHARE, abs=0.05)  # 10 px: the canvas height / 18
    assert ink[40, 90] > 0.9 and ink[:39].max() == 0  # the cap: pen / 2 beyond the stroke's end
    assert ink[40, 85] == 0 and ink[40, 94] == 0  # round: a square cap would ink its corners


def test_any_pen_width_comes_out_right():
    line = [np.array([[0.0, 0.0], [1.0, 0.0]])]
    for width in (0.7, 1.5, 2.25, 6.5):
        alpha = pen.ink_alpha(line, (60, 20), 40, (10, 10), width)
        assert alpha[:, 30].sum() == pytest.approx(width, abs=0.03)


def test_speed_thins_the_pen_where_it_moves_fast():
    slow = np.column_stack([np.linspace(0, 1, 41), np.zeros(41)])  # 40 short steps
    fast = np.column_stack([np.linspace(1.2, 3, 5), np.zeros(5)])  # then 4 long ones
    stroke = [np.concatenate([slow, fast])]
    plain = pen.ink_alpha(stroke, (140, 20), 40, (10, 10), 6.0)
    varied = pen.ink_alpha(stroke, (140, 20), 40, (10, 10), 6.0, speed=1.0)
    assert plain[:, 30].sum() == pytest.approx(plain[:, 110].sum(), abs=0.05)
    assert varied[:, 110].sum() < 0.6 * varied[:, 30].sum()


def test_ink_mask_fills_the_height_asked_for(unipen_strings):
    sample = next(s for s in unipen_strings if len(s.label) >= 6)
    mask = pen.ink_mask(sample, 40)
    assert mask.dtype == np.float32 and mask.shape[0] == 40 and 0 <= mask.min() and mask.max() <= 1
    assert mask.max() > 0.99 and mask[0].max() > 0.1 and mask[-1].max() > 0.1
    inked = np.flatnonzero(mask.max(axis=0) > 0)
    assert inked[0] == 0 and inked[-1] >= mask.shape[1] - 2  # as wide as the ink
    assert abs(mask.shape[1] - (sample.width * (40 - 4) + 4)) <= 1


def test_unipen_digits_render_as_mnist_digits(unipen_digits):
    digits = pen.render_digits(unipen_digits[:20])
    assert digits.images.shape == (20, 28, 28) and digits.images.dtype == np.uint8
    assert digits.labels.tolist() == [int(s.label) for s in unipen_digits[:20]]
    assert digits.images.max() == 255 and digits.images[:, [0, -1]].mean() < 5  # white on black, a margin


def test_realdata_and_pen_load_no_tensorflow_webapp_or_benchmarks():
    code = ("import sys, training.sources.realdata, training.scenes.pen; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'webapp', 'benchmarks')]; "
            "print(*bad); sys.exit(1 if bad else 0)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
