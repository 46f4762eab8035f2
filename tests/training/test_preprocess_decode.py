import numpy as np

from training.core import decode, preprocess


def _number_image(dark_ink: bool) -> np.ndarray:
    image = np.full((60, 160), 230, np.uint8)
    image[15:45, 20:26] = 20  # a "1"
    image[15:45, 60:66] = 20
    image[15:20, 60:90] = 20  # a "7"-ish
    return image if dark_ink else 255 - image


def test_both_polarities_give_the_same_input():
    dark, _ = preprocess.normalize_line(_number_image(True))
    light, _ = preprocess.normalize_line(_number_image(False))
    assert dark.shape == preprocess.INPUT_SHAPE
    assert np.abs(dark - light).max() < 0.05
    assert dark.max() == 1.0


def test_blank_crop_gives_an_empty_input():
    line, _ = preprocess.normalize_line(np.full((40, 100), 200, np.uint8))
    assert line.max() == 0.0


def test_ink_is_scaled_to_the_digit_height():
    line, placement = preprocess.normalize_line(_number_image(True))
    rows = np.nonzero(line[:, :, 0].max(axis=1) > 0.5)[0]
    assert abs((rows.max() - rows.min() + 1) - preprocess.DIGIT_HEIGHT) <= 1
    assert placement.scale == preprocess.DIGIT_HEIGHT / 30


def _one_hot(classes, steps_per_class=1):
    logits = np.full((len(classes) * steps_per_class, 11), -5.0, np.float32)
    for i, cls in enumerate(np.repeat(classes, steps_per_class)):
        logits[i, cls] = 5.0
    return logits


def test_a_bold_lone_1_in_a_tight_crop_keeps_its_stroke_whole():
    # a crop of one "1" is narrow: the stroke is 26 px wide in a crop 60 px wide; the background estimate must
    # still be wider than the stroke, or the stroke's middle counts as background and the 1 turns hollow
    image = np.full((130, 60), 225, np.uint8)
    image[15:115, 17:43] = 30
    ink = preprocess.ink_map(image)
    assert ink[65, 17:43].min() > 0.9, ink[65, 10:50].round(2)


def test_ctc_decoding_merges_repeats_and_splits_on_blanks():
    # classes: digit d is d + 1, blank is 0: "3 3 _ 3 _ _ 7" -> "337"
    digits = decode.ctc_greedy(_one_hot([4, 4, 0, 4, 0, 0, 8]))
    assert "".join(d.char for d in digits) == "337"
    assert [(d.start, d.end) for d in digits] == [(0, 2), (3, 4), (6, 7)]
    assert all(0.99 < d.confidence <= 1.0 for d in digits)


def test_positional_decoding_stops_at_no_digit():
    digits = decode.positional(_one_hot([1, 10, 0, 5]))
    assert "".join(d.char for d in digits) == "09"
