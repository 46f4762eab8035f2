import cv2
import numpy as np
import pytest

from training.core import preprocess
from training.scenes import strokes
from training.scenes.synth import SequenceGenerator, SynthConfig, add_flag, elastic_warp, encode_labels


def test_labels_match_the_digits_drawn(train_digits):
    generator = SequenceGenerator(train_digits, SynthConfig(realistic=False), seed=11)
    rng = generator.rng(0)
    for _ in range(30):
        sample = generator.sample(rng)
        assert len(sample.boxes) == len(sample.text) and sample.text.isdigit()
        ink = 255 - sample.image.astype(int)  # clean renders: black ink on white
        for x, y, w, h in sample.boxes:
            assert ink[y : y + h, x : x + w].max() > 128  # every box holds ink


@pytest.mark.parametrize("vertical", [False, True])
def test_neighbouring_digits_never_touch(train_digits, vertical):
    generator = SequenceGenerator(train_digits, SynthConfig(vertical=vertical, max_angle=45), seed=5)
    rng = generator.rng(1)
    for _ in range(40):
        boxes = generator.sample(rng).boxes
        axis = 1 if vertical else 0
        for left, right in zip(boxes, boxes[1:]):
            assert left[axis] + left[axis + 2] < right[axis]  # at least one free pixel between boxes


def test_same_seed_same_strings_other_seed_other_strings(train_digits):
    a = SequenceGenerator(train_digits, SynthConfig(), seed=1).batch(6, 2, 3)
    b = SequenceGenerator(train_digits, SynthConfig(), seed=1).batch(6, 2, 3)
    c = SequenceGenerator(train_digits, SynthConfig(), seed=2).batch(6, 2, 3)
    assert a[1] == b[1] and np.array_equal(a[0], b[0])
    assert a[1] != c[1]


def test_every_length_appears(train_digits):
    generator = SequenceGenerator(train_digits, SynthConfig(min_length=1, max_length=8), seed=9)
    rng = generator.rng(0)
    lengths = {len(generator.sample(rng).text) for _ in range(300)}
    assert lengths == set(range(1, 9))


def test_batches_are_normalised_model_inputs(train_digits):
    inputs, texts = SequenceGenerator(train_digits, SynthConfig(), seed=4).batch(16, 0)
    assert inputs.shape == (16,) + preprocess.INPUT_SHAPE and inputs.dtype == np.float32
    assert 0.0 <= inputs.min() and inputs.max() <= 1.0
    assert (inputs[:, :, : preprocess.MARGIN].max() == 0)  # left-aligned after a fixed margin
    labels = encode_labels(texts, 8)
    assert [sum(row > 0) for row in labels] == [len(t) for t in texts]


def test_rotation_limit_keeps_6_and_9_apart():
    with pytest.raises(ValueError, match="45"):
        SynthConfig(max_angle=60)


@pytest.mark.parametrize("field", ["clean_fraction", "pen_fraction", "real_fraction", "repeat_fraction"])
@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_shares_must_be_within_0_and_1(field, share):
    with pytest.raises(ValueError, match=f"{field}.*{share}"):
        SynthConfig(**{field: share})


def test_thinning_leaves_a_one_pixel_centre_line():
    bar = np.zeros((15, 60), np.uint8)
    bar[4:11, 5:55] = 1  # a stroke 7 pixels thick
    skeleton = strokes.thin(bar)
    ys, xs = np.nonzero(skeleton)
    assert set(ys) == {7} and xs.min() < 12 and xs.max() > 48  # the middle row, most of the length


def ring(grey_inside: float, size: int = 40) -> np.ndarray:
    """A thick-penned 0 as a scan shows it: a ring of full ink, its small middle ``grey_inside``."""
    mask = np.zeros((size, size), np.float32)
    cv2.circle(mask, (size // 2, size // 2), size // 3, 1.0, -1)
    cv2.circle(mask, (size // 2, size // 2), size // 8, grey_inside, -1)
    return mask


def drawn_holes(segments, size: int = 40) -> int:
    """How many loops the path, stroked with a thin pen, encloses."""
    drawn = strokes.draw_pen((size, size), segments, (1.0, 1.0), (0.0, 0.0), 2)
    return strokes.holes(drawn > 0.5)


def test_a_loop_the_scan_left_grey_is_drawn_as_a_loop():
    assert drawn_holes(strokes.pen_path(ring(grey_inside=0.0))) == 1
    assert drawn_holes(strokes.pen_path(ring(grey_inside=0.7))) == 1  # cut at half ink it is a solid disc


def test_opening_a_loop_never_breaks_a_stroke_apart():
    mask = ring(grey_inside=0.75)
    mask[18:22, 33:36] = 0.65  # a thin joint, fainter than the loop's middle...
    mask[16:24, 36:40] = 1.0  # ...to a tail: a cut that opens the loop would cut the tail off
    ink = strokes.loop_keeping_ink(mask)
    assert strokes.pieces(ink) == 1 and strokes.holes(ink) == 0


def test_spurs_shorter_than_half_a_stroke_are_pruned_and_strokes_kept():
    line = {(x, 20) for x in range(5, 35)}
    spur = {(20, 19), (20, 18), (20, 17)}
    branch = {(12, y) for y in range(8, 20)}  # a real stroke off the line, as a 4's
    pruned = strokes.prune_spurs(line | spur | branch, longest=5)
    assert pruned == line | branch
    assert strokes.prune_spurs(line, longest=5) == line  # a 1 is never shortened


def test_pen_drawings_are_opaque_ink_along_every_digit(train_digits):
    """Canvas-pen strings: the page's round pen leaves solid ink, unlike MNIST's soft scans."""
    generator = SequenceGenerator(train_digits, SynthConfig(realistic=False, pen_fraction=1.0), seed=12)
    rng = generator.rng(0)
    for _ in range(20):
        sample = generator.sample(rng)
        assert solid_share(sample.image) > 0.6  # mostly solid, an anti-aliased rim
        ink = 255 - sample.image.astype(int)
        for x, y, w, h in sample.boxes:
            assert ink[y : y + h, x : x + w].max() > 230


def solid_share(image: np.ndarray) -> float:
    """Of a drawing's inked pixels (black on white), the share at full ink: a pen's strokes are solid."""
    ink = 255 - image.astype(int)
    return float((ink[ink > 25] > 230).mean())


def stem(lean_deg: float, height: int = 40) -> np.ndarray:
    """A 1 without a flag: a bar ``height`` tall, its top leaning ``lean_deg`` to the right."""
    mask = np.zeros((height, height), np.float32)
    top_x = height / 2 + np.tan(np.radians(lean_deg)) * (height - 1) / 2
    bottom_x = height / 2 - np.tan(np.radians(lean_deg)) * (height - 1) / 2
    cv2.line(mask, (round(top_x), 0), (round(bottom_x), height - 1), 1.0, 4)
    return mask


def test_a_flag_goes_down_to_the_left_from_the_top_of_the_stem():
    bare = stem(0)
    flagged = add_flag(bare, np.random.default_rng(0))
    assert flagged.shape[0] == bare.shape[0]  # as tall: the flag starts at the top and goes down
    ink_columns = np.flatnonzero(flagged.max(axis=0) > 0.5)
    upper_left = flagged[: flagged.shape[0] // 2, : ink_columns[0] + 3]
    lower_left = flagged[flagged.shape[0] // 2 :, : ink_columns[0] + 3]
    assert upper_left.max() > 0.5 and lower_left.max() < 0.5  # new ink left of the stem, in its upper half
    assert np.ptp(ink_columns) > 8  # wider than the 4-pixel stem: the flag sticks out


def test_a_stem_leaning_like_a_7_gets_no_flag():
    leaning = stem(35)  # a flag at 35 degrees or steeper would run along it: only a level one is left, a 7
    assert add_flag(leaning, np.random.default_rng(0)) is leaning


def test_evaluation_strings_have_no_flags_and_training_strings_do():
    from training.fitting.evaluate import eval_config

    assert eval_config((1, 8)).flagged_ones == 0.0  # the test set's 1s as their writers wrote them
    assert SynthConfig().flagged_ones > 0


def test_elastic_distortion_bends_a_digit_by_at_most_its_strength(train_digits):
    mask = np.pad(train_digits.images[0].astype(np.float32) / 255.0, 8)
    bent = elastic_warp(mask, np.random.default_rng(4), 3.0)
    assert np.abs(bent - mask).max() > 0.3  # the strokes moved
    assert abs(bent.sum() - mask.sum()) < 0.15 * mask.sum()  # the same ink, bent, not erased or smeared
    distance_to_ink = cv2.distanceTransform((mask < 0.05).astype(np.uint8), cv2.DIST_L2, 5)
    assert distance_to_ink[bent > 0.5].max() <= 3.0  # no stroke lands further away than the strength


def test_elastic_strings_keep_their_digits_and_the_strength_is_checked(train_digits):
    plain = SequenceGenerator(train_digits, SynthConfig(realistic=False), seed=2)
    bent = SequenceGenerator(train_digits, SynthConfig(realistic=False, elastic=3.0), seed=2)
    assert bent.sample(bent.rng(0), 4).text == plain.sample(plain.rng(0), 4).text  # picks come before the bending
    with pytest.raises(ValueError, match="elastic.*20"):
        SynthConfig(elastic=20.0)


def test_pen_evaluation_strings_are_all_drawn_with_the_canvas_pen(train_digits):
    """``evaluate --pen`` and the rescorer's "1-8-pen" set: every string solid ink from one round pen."""
    from training.fitting.evaluate import eval_config

    def least_solid(config):
        generator = SequenceGenerator(train_digits, config, seed=3)
        rng = generator.rng(0)
        return min(solid_share(generator.sample(rng).image) for _ in range(12))

    assert least_solid(eval_config((1, 8), pen=True)) > 0.6
    assert least_solid(eval_config((1, 8))) < 0.6  # MNIST's own scans: soft, grey-rimmed strokes
