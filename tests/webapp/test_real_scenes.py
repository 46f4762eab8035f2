"""The reader benchmark's real-handwriting sets (training/real_scenes.py) render what they claim: the page's
canvas PNG with the strokes' ink, a photo of ink on paper, one scanned digit; and labels fall in the right
slices. No TensorFlow: the images are checked, not read."""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.scenes import ink as pen_ink
from benchmarks.scenes import mnist, pad, real, separated, sets, written
from training.sources.realdata import load_unipen

from tests.webapp.test_canvas_scenes import page_canvas_ratio


@lru_cache(maxsize=None)
def validation_strings() -> tuple:
    return tuple(load_unipen("strings", "validation"))


def decode(data: bytes, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), flags)


def test_pen_canvas_sizes_have_the_page_canvas_shape():
    for width, height in pad.PEN_CANVAS_SIZES:
        assert width / height == pytest.approx(page_canvas_ratio(), rel=0.01), (width, height)


@pytest.mark.parametrize("index", range(6))
def test_pen_real_is_the_canvas_png_with_ink_where_the_strokes_are(index):
    sample = validation_strings()[index * 37]
    data, truth = real.render_pen_canvas(np.random.default_rng(index), sample)
    assert data[:4] == b"\x89PNG" and truth == [sample.label]
    image = decode(data)
    assert image.shape[2] == 4 and (image[:, :, 3] == 255).all()  # canvas.toBlob: opaque RGBA
    assert (image.shape[1], image.shape[0]) in pad.PEN_CANVAS_SIZES
    gray = image[:, :, 0]
    ink = gray < 128
    ys, xs = np.nonzero(ink)
    assert ink.mean() > 0.002 and xs.min() > 0 and ys.min() > 0  # inked, with white round it
    assert xs.max() < gray.shape[1] - 1 and ys.max() < gray.shape[0] - 1
    # the ink's box has the strokes' shape (a long string may be written up to 30% narrower)
    pen_width = image.shape[0] * pen_ink.PEN_SHARE
    centre_w, centre_h = xs.max() - xs.min() + 1 - pen_width, ys.max() - ys.min() + 1 - pen_width
    strokes_w, strokes_h = pen_ink.extent(sample.strokes)
    aspect = strokes_w / strokes_h
    assert pad.MIN_SQUEEZE * aspect * 0.95 - 0.05 <= centre_w / centre_h <= aspect * 1.05 + 0.05


def test_pen_real_ink_lies_on_the_strokes():
    """The inked pixels are those within the pen's reach of the strokes' centre line, as placed."""
    sample = validation_strings()[5]
    gray = pen_ink.canvas_drawing(sample, (974, 390), ink_height=200, offset=(100, 90), pen=390 / 18)
    scale = 200 / pen_ink.extent(sample.strokes)[1]
    for stroke in sample.strokes:
        for x, y in stroke[:: max(1, len(stroke) // 5)] * scale + np.float32([100, 90]):
            assert gray[int(y), int(x)] < 64, (x, y)  # every centre-line point is inked
    reach = int(np.ceil(390 / 36)) + 1  # half the pen, and the anti-aliased edge
    assert (gray[: 90 - reach] == 255).all() and (gray[290 + reach :] == 255).all()  # nothing off the strokes' box


@pytest.mark.parametrize("index", range(4))
def test_paper_real_is_a_photo_with_ink_darker_than_the_paper(index, monkeypatch):
    sample = validation_strings()[index * 53]
    data, truth = real.render_pen_paper(np.random.default_rng(index), sample)
    assert data[:3] == b"\xff\xd8\xff" and truth == [sample.label]  # a JPEG
    image = decode(data, cv2.IMREAD_GRAYSCALE).astype(np.float32)
    assert (image.shape[1], image.shape[0]) in real.PAPER_CAMERA.frames
    # the same scene (paper, desk, light, noise: the same draws) with the ink all but gone: where they
    # differ is the ink, and there the paper was light
    real_ink = real.paper_ink
    monkeypatch.setattr(real, "paper_ink", lambda *args: 0.15 * real_ink(*args))
    faint, _ = real.render_pen_paper(np.random.default_rng(index), sample)
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
    items = sets.set_items(source, split)
    for index in range(5):
        data, truth = real.render_scan(np.random.default_rng(index), items[index * 11])
        assert truth == [str(items[index * 11].label)] and len(truth[0]) == 1
        gray = decode(data, cv2.IMREAD_GRAYSCALE)
        ink = gray < 0.6 * np.median(gray)
        ys, xs = np.nonzero(ink)
        height = ys.max() - ys.min() + 1
        lo, hi = real.SCANNER.digit_height
        assert lo * 0.7 <= height <= hi * 1.05  # one digit's height, not a row of them
        assert xs.max() - xs.min() + 1 <= 1.6 * height
        assert xs.min() > 0 and ys.min() > 0 and xs.max() < gray.shape[1] - 1 and ys.max() < gray.shape[0] - 1


def test_scan_validation_is_a_fixed_tenth_of_the_training_file():
    from training.sources.realdata import load_usps, scan_validation_indices

    chosen = scan_validation_indices(len(load_usps("train")))
    assert len(chosen) == round(0.1 * len(load_usps("train"))) and len(set(chosen)) == len(chosen)
    assert (chosen == scan_validation_indices(len(load_usps("train")))).all()
    assert len(sets.set_items("usps", "validation")) == len(chosen)


def test_real_renders_are_deterministic():
    sample = validation_strings()[3]
    for render in (real.render_pen_canvas, real.render_pen_paper):
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
    assert real.label_slices(label) == slices


def test_the_mnist_sets_keep_their_seeds():
    """The real sets are appended after the MNIST sets, so each MNIST image keeps its generator."""
    from benchmarks import reader

    assert reader.ALL_SETS[: len(mnist.SCENES)] == list(mnist.SCENES)


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


@pytest.mark.parametrize("truth, read, confidence, dropped, flagged", [
    (["3.14"], ["314"], [0.55], True, True),
    (["3.14"], ["314"], [0.97], True, False),
    (["3.14"], ["3.14"], [0.97], False, False),
    (["3.14"], ["3.4"], [0.40], False, True),
    (["12/05"], ["12", "05"], [0.95, 0.95], True, False),
])
def test_a_dropped_separator_is_counted_and_whether_the_confidence_said_so(truth, read, confidence, dropped, flagged):
    from benchmarks import reader

    record = {"truth": truth, "read": read, "confidence": confidence, "digits_ok": reader.digits_match(truth, read)}
    assert reader.dropped_separator(record) is dropped
    assert reader.flagged(record) is flagged


# --- touching, continental, stray-marks, separated: numbers written from one held-out writer's digits -

COMPOSED = list(sets.COMPOSED_SCENES)


@lru_cache(maxsize=None)
def composed_items(name: str, split: str = "validation") -> tuple:
    return tuple(sets.set_items(name, split))


def plain_digits(label: str, test) -> list:
    """Validation digit samples of ``label`` for which ``test(strokes)`` holds."""
    return [s for s in load_unipen("digits", "validation") if s.label == label and test(s.strokes)]


def centre_line_distance(a: list, b: list) -> float:
    pa, pb = written.dense_points(a, 0.01), written.dense_points(b, 0.01)
    return float(np.sqrt(((pa[:, None] - pb[None]) ** 2).sum(-1)).min())


@pytest.mark.parametrize("name", COMPOSED)
def test_composed_renders_are_deterministic_canvas_and_paper_with_the_number_as_written_as_truth(name):
    render = sets.REAL_SCENES[name]
    canvas, paper = composed_items(name)[6], composed_items(name)[7]  # items alternate: canvas, paper, canvas, ...
    assert not canvas.on_paper and paper.on_paper
    for item, magic in ((canvas, b"\x89PNG"), (paper, b"\xff\xd8\xff")):
        data, truth = render(np.random.default_rng(4), item)
        assert data == render(np.random.default_rng(4), item)[0] and data.startswith(magic)
        assert truth == [item.text] and "".join(c for c in item.text if c.isdigit()) == item.label
        assert item.label == "".join(d.label for d in item.digits)
        assert item.text.isdigit() is (name != "separated")  # only separated writes separators
    assert sum(item.on_paper for item in composed_items(name)) == len(composed_items(name)) // 2


@pytest.mark.parametrize("split", ["test", "validation"])
@pytest.mark.parametrize("name", COMPOSED)
def test_composed_numbers_are_one_held_out_writer_each(name, split):
    from training.sources.realdata import split_labs, unipen_index

    items = composed_items(name, split)
    samples = load_unipen("digits", split)
    writers = written.writers_of_files(samples)
    train_files = {str(w).rsplit("/", 1)[-1] for kind in ("digits", "strings") for index in [unipen_index(kind)]
                   for w in index["writers"][np.isin(index["labs"], split_labs("train"))]}
    assert len(items) > 100 and len({item.writer for item in items}) > 50
    for item in items:
        assert 2 <= len(item.digits) <= 8
        assert {writers[d.writer] for d in item.digits} == {item.writer}  # one person's digits
        assert {d.lab for d in item.digits} <= set(split_labs(split))
        assert not {d.writer.rsplit("/", 1)[-1] for d in item.digits} & train_files  # no train-split writer


def test_files_a_lab_filed_by_digit_are_one_writer():
    from training.sources.realdata import PenSample

    stroke = (np.zeros((2, 2), np.float32),)
    files = [("0", "val/val/data/gresai30.dat"), ("1", "val/val/data/gresai31.dat"),  # gresai's 0s, 1s
             ("5", "imp/imp/data/imp0/imp35.dat"), ("3", "imp/imp/data/imp0/imp35.dat")]  # a file of mixed digits
    samples = [PenSample(label, file.split("/")[0], file, stroke) for label, file in files]
    assert written.writers_of_files(samples) == {"val/val/data/gresai30.dat": "val/val/data/gresai",
                                                     "val/val/data/gresai31.dat": "val/val/data/gresai",
                                                     "imp/imp/data/imp0/imp35.dat": "imp/imp/data/imp0/imp35.dat"}


def test_touching_layout_draws_each_digit_as_written_only_scaled_and_moved():
    for k, item in enumerate(composed_items("touching")[:10]):
        laid = written.touching_layout(np.random.default_rng(k), written.digit_strokes(item))
        assert len(laid) == len(item.digits)
        for strokes, digit in zip(laid, item.digits):
            original, drawn = np.concatenate(digit.strokes), np.concatenate(strokes)
            size = np.ptp(drawn[:, 1]) / np.ptp(original[:, 1])
            assert 0.5 < size <= 1.0 + 1e-6
            assert np.allclose((drawn - drawn.min(0)) / size, original - original.min(0), atol=1e-4)


def test_touching_digits_boxes_meet_and_their_ink_joins():
    joined = 0
    for k, item in enumerate(composed_items("touching", "test")[:30]):
        laid = written.touching_layout(np.random.default_rng(k), written.digit_strokes(item))
        boxes = [written.ink_box(strokes) for strokes in laid]
        # inked with the thinnest pen (0.05 of a height), some neighbours' ink boxes overlap or touch
        assert any(right[0] - left[2] <= 0.05 for left, right in zip(boxes, boxes[1:])), item.label
        # centre lines within 0.04 of a height: inked with any pen the sets use (0.05 of it or more), joined
        joined += min(centre_line_distance(a, b) for a, b in zip(laid, laid[1:])) <= 0.04
    assert joined >= 27


def test_touching_ink_is_one_piece_across_two_digits_on_the_canvas():
    item = composed_items("touching")[2]
    laid = written.touching_layout(np.random.default_rng(2), written.digit_strokes(item))
    sample = written.number_sample(item, [s for strokes in laid for s in strokes])
    gray = pen_ink.canvas_drawing(sample, (974, 390), ink_height=250, offset=(40, 60), pen=390 / 18)
    _, parts = cv2.connectedComponents((gray < 128).astype(np.uint8))
    every = np.concatenate([s for strokes in laid for s in strokes])
    low, height = every.min(0), np.ptp(every[:, 1])
    owners = []
    for strokes in laid:
        points = (np.concatenate(strokes) - low) / height * 250 + np.float32([40, 60])
        owners.append({parts[int(y), int(x)] for x, y in points} - {0})
    assert any(a & b for a, b in zip(owners, owners[1:]))  # one ink component holds two neighbours


def test_continental_one_gets_a_flag_and_foot_it_lacked():
    hand = written.ContinentalHand(0.45, 40.0, True, 0.18, True)
    plain = plain_digits("1", lambda s: not written.has_flag(s) and not written.has_foot(s))
    for k, one in enumerate(plain[:8]):
        restyled = written.restyled(np.random.default_rng(k), one, hand)
        assert len(restyled) == len(one.strokes) + 2
        assert written.has_flag(tuple(restyled)) and written.has_foot(tuple(restyled))
        flag = restyled[0]
        assert flag[-1, 1] == pytest.approx(np.concatenate(one.strokes)[:, 1].min(), abs=1e-5)  # up to the top
        assert flag[0, 0] < flag[-1, 0] - 0.2 and flag[0, 1] > flag[-1, 1] + 0.15  # from the lower left


def test_continental_leaves_a_writers_own_flag_and_crossbar():
    hand = written.ContinentalHand(0.45, 40.0, False, 0.18, True)
    for one in plain_digits("1", written.has_flag)[:5]:
        assert len(written.restyled(np.random.default_rng(0), one, hand)) == len(one.strokes)
    for seven in plain_digits("7", written.is_crossed)[:5]:
        assert len(written.restyled(np.random.default_rng(0), seven, hand)) == len(seven.strokes)


def test_continental_sevens_are_crossed_and_zeros_slashed():
    hand = written.ContinentalHand(0.45, 40.0, False, 0.18, True)
    for label, done in (("7", written.is_crossed), ("0", written.is_slashed)):
        for k, digit in enumerate(plain_digits(label, lambda s, done=done: not done(s))[:6]):
            restyled = written.restyled(np.random.default_rng(k), digit, hand)
            assert len(restyled) == len(digit.strokes) + 1 and done(tuple(restyled)), label
            # the new stroke crosses the digit: it meets the digit's line between its two ends
            line = written.dense_points(list(digit.strokes), 0.005)
            bar = restyled[-1]
            meets = bar[np.sqrt(((bar[:, None] - line[None]) ** 2).sum(-1)).min(1) < 0.02]
            assert len(meets) and bar[0, 0] < meets[:, 0].min() and meets[:, 0].max() < bar[-1, 0], label


def test_continental_numbers_hold_a_restyled_digit_and_keep_4s_and_9s():
    items = composed_items("continental")
    assert all(set(item.label) & {"0", "1", "7"} for item in items)
    hand = written.ContinentalHand(0.45, 40.0, True, 0.18, True)
    for label in "49":
        digit = plain_digits(label, lambda s: True)[0]
        assert written.restyled(np.random.default_rng(0), digit, hand) == list(digit.strokes)
    item = next(i for i in items if any(d.label == "1" and not written.has_flag(d.strokes) for d in i.digits))
    sample = written.continental_sample(np.random.default_rng(1), item)
    assert len(sample.strokes) > sum(len(d.strokes) for d in item.digits) and sample.label == item.label


def test_stray_marks_put_ink_clear_of_the_digits():
    kinds = set()
    for k, item in enumerate(composed_items("stray-marks", "test")[:25]):
        rng = np.random.default_rng(k)
        sample = written.stray_marks_sample(rng, item)
        count = sum(len(d.strokes) for d in item.digits)
        digits, marks = list(sample.strokes[:count]), list(sample.strokes[count:])
        assert marks and sample.label == item.label
        unit = np.ptp(np.concatenate(digits)[:, 1])  # about a digit's height
        assert centre_line_distance(digits, marks) > 0.05 * unit  # near the number, not touching it
        kinds.add(len(marks))
        # in the image: ink beyond the pen's reach of every digit
        size = (int(np.ceil(sample.width * 200)) + 80, 280)
        gray = pen_ink.canvas_drawing(sample, size, ink_height=200, offset=(40, 40), pen=12)
        reach = np.zeros_like(gray)
        for stroke in digits:
            cv2.polylines(reach, [np.round(stroke * 200 + 40).astype(np.int32)], False, 255, thickness=12 + 6)
        assert ((gray < 128) & (reach == 0)).sum() > 100
    assert len(kinds) >= 2  # more than one kind of mark (a frame's four lines, an underline's one)


def test_the_real_sets_keep_their_seeds():
    """The composed sets are appended after the first four real sets, so each of their images keeps its
    generator."""
    from benchmarks import reader

    assert reader.REAL_SETS[:4] == ["pen-real", "paper-real", "usps", "optdigits"]
    assert reader.REAL_SETS[4:] == ["touching", "continental", "stray-marks", "separated"]
    assert reader.chosen_sets(["touching", "real"])[0] == "touching"


# --- separated: the digits written apart with separators drawn between them --------------------------

SEPARATOR_CHARS = ".,-/:()+ "
# every format separated_pattern writes, by headline (a DIGIT_SLOT "#" per digit)
SEPARATED_FORMATS = [
    r"[+-]?#+[.,]#{1,3}",  # decimals, a point or a comma, signed or not
    r"#{1,3}(,###)+",  # thousands
    r"##([/.-])##(\1##|\1####)?|####([/.-])##\3##",  # dates: 4, 6 or 8 digits, one mark throughout
    r"#{1,2}:##|##:##:##",  # times
    r"###-####",  # a phone number
    r"[+-]#+",  # signed whole numbers
    r"\(#{2,3}\)|\(#{2,3}\) #{2,}",  # brackets round a short number, or round an area code before the rest
    r"#{1,3}( ###)+|##( ##)+",  # groups set apart by spaces
]


@pytest.mark.parametrize("split, size, counts", [
    ("validation", 850, {".": 184, " ": 137, ":": 122, "+": 112, "(": 111, ")": 111, "-": 109, ",": 106, "/": 92}),
    ("test", 292, {".": 59, " ": 57, ":": 43, ",": 41, "-": 39, "(": 37, ")": 37, "/": 31, "+": 30}),
])
def test_separated_numbers_each_carry_a_separator_and_every_separator_a_good_share(split, size, counts):
    """The set's makeup, fixed by its seed: how many numbers hold each separator (at least a tenth of them
    each; a point is the most common, in decimals, dates and signed decimals)."""
    items = composed_items("separated", split)
    assert len(items) == size
    held = {char: sum(char in item.text for item in items) for char in SEPARATOR_CHARS}
    assert held == counts
    assert min(held.values()) >= 0.1 * size
    for item in items:
        assert set(item.text) & set(SEPARATOR_CHARS), item.text
        assert item.pattern.count(separated.DIGIT_SLOT) == len(item.digits)
        assert "".join(c for c in item.text if c.isdigit()) == item.label


def test_separated_formats_fit_the_digit_count():
    seen = {}
    for count in range(2, 9):
        for seed in range(150):
            pattern = separated.separated_pattern(np.random.default_rng([seed, count]), count)
            assert pattern.count("#") == count, pattern
            assert any(re.fullmatch(form, pattern) for form in SEPARATED_FORMATS), pattern
            for char in set(pattern) - {"#"}:
                seen.setdefault(char, set()).add(count)
    assert seen["/"] == {4, 6, 8} and seen[":"] == {3, 4, 6}  # dates and times of the lengths they have
    assert seen[" "] == set(range(4, 9)) and seen["+"] == seen["("] == seen["."] == set(range(2, 9))
    assert separated.grouped(7, ",") == "#,###,###" and separated.grouped(6, " ", 2) == "## ## ##"


def mark_shapes(char: str, count: int = 60) -> list:
    return [separated.MARKS[char](np.random.default_rng(k)) for k in range(count)]


def box(strokes: list) -> tuple:
    return written.ink_box(strokes)


def point_is_a_small_dot_on_the_baseline(strokes) -> bool:  # big enough for the detector (1/20 of a height)
    x0, y0, x1, y1 = box(strokes)
    return 0.04 <= x1 - x0 <= 0.14 and 0.04 <= y1 - y0 <= 0.14 and 0.96 <= y1 <= 1.04


def comma_runs_down_left_from_the_baseline(strokes) -> bool:
    (tail,) = strokes
    return 0.85 <= tail[:, 1].min() < 1.0 and tail[-1, 1] > 1.1 and tail[-1, 0] < tail[:, 0].max() - 0.05


def dash_is_level_at_mid_height(strokes) -> bool:
    x0, y0, x1, y1 = box(strokes)
    return 0.3 <= x1 - x0 <= 0.5 and y1 - y0 < 0.12 and 0.4 < (y0 + y1) / 2 < 0.65


def slash_is_a_digit_tall_from_the_upper_right(strokes) -> bool:
    (line,) = strokes
    x0, y0, x1, y1 = box(strokes)
    return 0.9 <= y1 - y0 <= 1.2 and 0.4 <= x1 - x0 <= 1.0 and line[0, 0] > line[-1, 0] and line[0, 1] < 0.1


def colon_dots_are_at_a_third_and_five_sixths(strokes) -> bool:
    upper, lower = strokes
    return 0.28 < upper[:, 1].mean() < 0.4 and 0.78 < lower[:, 1].mean() < 0.9


def bracket_is_taller_than_the_digits_and_bowed(opening: str):
    def check(strokes) -> bool:
        (arc,) = strokes
        x0, y0, x1, y1 = box(strokes)
        bow = arc[len(arc) // 2, 0] - arc[0, 0]  # outwards: to the left for "("
        return y0 < -0.05 and y1 > 1.05 and 0.1 < x1 - x0 < 0.25 and (bow < -0.1 if opening == "(" else bow > 0.1)
    return check


def plus_is_a_small_cross_at_mid_height(strokes) -> bool:
    bar, upright = strokes
    crossed = bar[:, 0].min() < upright[:, 0].mean() < bar[:, 0].max()
    return crossed and np.ptp(bar[:, 0]) > 0.25 and np.ptp(upright[:, 1]) > 0.25 and 0.45 < bar[:, 1].mean() < 0.65


# in digit heights: digit box 1 tall, y down, a full digit's bottom at y = 1
MARK_PLACES = {".": point_is_a_small_dot_on_the_baseline, ",": comma_runs_down_left_from_the_baseline,
               "-": dash_is_level_at_mid_height, "/": slash_is_a_digit_tall_from_the_upper_right,
               ":": colon_dots_are_at_a_third_and_five_sixths, "(": bracket_is_taller_than_the_digits_and_bowed("("),
               ")": bracket_is_taller_than_the_digits_and_bowed(")"), "+": plus_is_a_small_cross_at_mid_height}


@pytest.mark.parametrize("char", sorted(separated.MARKS))
def test_separator_marks_are_drawn_in_digit_heights_where_a_writer_puts_them(char):
    assert set(MARK_PLACES) == set(separated.MARKS) == set(SEPARATOR_CHARS) - {" "}
    for k, strokes in enumerate(mark_shapes(char)):
        assert MARK_PLACES[char](strokes), (char, k)


def test_separator_marks_have_a_tablets_point_spacing():
    for char in separated.MARKS:
        for strokes in mark_shapes(char, 10):
            for stroke in strokes:
                steps = np.hypot(*np.diff(stroke, axis=0).T)
                assert len(stroke) >= 4 and np.median(steps) <= 1.5 / separated.MARK_POINTS_PER_UNIT, char


def separated_parts(item, k: int) -> tuple[list, list, list]:
    """The item's layout: each drawn character's strokes, and which of them are digits and marks."""
    laid = separated.separated_layout(np.random.default_rng(k), item)
    chars = [c for c in item.text if c != " "]
    assert len(laid) == len(chars)
    return laid, [s for s, c in zip(laid, chars) if c.isdigit()], [s for s, c in zip(laid, chars) if not c.isdigit()]


def test_separated_layout_draws_each_digit_as_written_in_order_and_spaces_wider():
    for k, item in enumerate(composed_items("separated")[:40]):
        laid, digits, _ = separated_parts(item, k)
        for strokes, digit in zip(digits, item.digits):
            original, drawn = np.concatenate(digit.strokes), np.concatenate(strokes)
            size = np.ptp(drawn[:, 1]) / np.ptp(original[:, 1])
            assert 0.9 < size < 1.1  # only scaled a little and moved
            assert np.allclose((drawn - drawn.min(0)) / size, original - original.min(0), atol=1e-4)
        boxes = [box(strokes) for strokes in laid]
        gaps = [right[0] - left[2] for left, right in zip(boxes, boxes[1:])]
        assert min(gaps) >= separated.LEAST_GAP - 1e-6  # left to right, apart
        for gap, space in zip(gaps, spaced_positions(item.text)):
            assert gap >= 0.6 - 1e-6 if space else gap < 0.6, item.text  # a space is wider than any other gap


def spaced_positions(text: str) -> list[bool]:
    """For each gap between two drawn characters, whether a space was written there."""
    drawn = [i for i, c in enumerate(text) if c != " "]
    return [" " in text[a:b] for a, b in zip(drawn, drawn[1:])]


def test_separated_marks_keep_clear_of_the_digits_with_the_widest_pen():
    """A mark's centre line is well clear of every digit's, and drawn with a pen 0.11 of the number's
    height, no mark's ink joins a digit's."""
    items = [item for item in composed_items("separated", "test") if set(item.text) - set(" 0123456789")][:30]
    for k, item in enumerate(items):  # each number with a drawn mark (not only spaces)
        laid, digits, marks = separated_parts(item, k)
        for mark in marks:
            assert centre_line_distance([s for d in digits for s in d], mark) > 0.17
        sample = written.number_sample(item, written.flat(laid))
        size = (int(np.ceil(sample.width * 150)) + 80, 240)
        gray = pen_ink.canvas_drawing(sample, size, ink_height=150, offset=(40, 40), pen=0.11 * 150)
        _, parts = cv2.connectedComponents((gray < 128).astype(np.uint8))
        every = np.concatenate(written.flat(laid))
        low, height = every.min(0), np.ptp(every[:, 1])

        def owners(strokes):
            points = (np.concatenate(strokes) - low) / height * 150 + 40
            return {parts[int(y), int(x)] for x, y in points} - {0}

        digit_parts = set().union(*(owners(d) for d in digits))
        assert not any(owners(mark) & digit_parts for mark in marks), item.text


def test_a_point_survives_the_smallest_photo():
    """The paper set's smallest ink (40 px, pen 5% of it) still gives a dot the detector keeps: over 1/20 of
    the digits' height, and dark."""
    item = next(i for i in composed_items("separated") if i.pattern in ("#.#", "#.##"))
    for k in range(8):
        sample = separated.separated_sample(np.random.default_rng(k), item)
        alpha = pen_ink.paper_ink(np.random.default_rng(k), sample, 40, 0.05, 0.0, 0.0)
        count, parts, stats, _ = cv2.connectedComponentsWithStats((alpha > 0.5).astype(np.uint8))
        digit_height = stats[1:, cv2.CC_STAT_HEIGHT].max()
        dot = min(range(1, count), key=lambda i: stats[i, cv2.CC_STAT_AREA])
        assert count - 1 >= 3  # the two digits and the dot apart
        assert min(stats[dot, cv2.CC_STAT_WIDTH], stats[dot, cv2.CC_STAT_HEIGHT]) >= max(3, digit_height / 20)
        assert alpha[parts == dot].max() > 0.95


def test_separated_renders_label_the_text_as_written():
    items = composed_items("separated")
    for k in (0, 1, 2, 3):
        data, truth = separated.render_separated(np.random.default_rng(k), items[k])
        assert truth == [items[k].text] and real.label_slices(truth[0])[0] == "separators"
    other = composed_items("touching")[0]
    assert other.pattern == "" and other.text == other.label


def test_the_composed_sets_draw_with_their_own_code_not_the_training_composers():
    """The benchmark's separators and layouts are not training's (training.scenes.separators, training.scenes.synth)."""
    tree = ast.parse(Path(sets.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"separators", "synth", "training.scenes.separators", "training.scenes.synth"}
