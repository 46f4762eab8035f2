"""Training strings with a stray mark (issue 22): an underline, a box, a field's edge, a tick or a stroke drawn
beside the digits, the label unchanged, the digits' boxes moved with the crop; configs without marks make the
strings they made before."""
import numpy as np
import pytest

from training.scenes import marks
from training.scenes.synth import SequenceGenerator, SynthConfig


def digits_mask(height: int = 40, width: int = 90) -> tuple[np.ndarray, list]:
    """Two solid digit-like blocks side by side, and their boxes."""
    mask = np.zeros((height, width), np.float32)
    boxes = [(5, 0, 30, height), (55, 0, 30, height)]
    for x, y, w, h in boxes:
        mask[y : y + h, x : x + w] = 1.0
    return mask, boxes


@pytest.mark.parametrize("mark", marks.MARKS, ids=[m.__name__ for m in marks.MARKS])
def test_each_mark_adds_ink_beside_the_digits_and_keeps_them_whole(mark, monkeypatch):
    monkeypatch.setattr(marks, "MARKS", (mark,))
    mask, boxes = digits_mask()
    for seed in range(10):
        marked, moved = marks.with_stray_mark(mask, boxes, np.random.default_rng(seed))
        assert (marked > 0.2).sum() > (mask > 0.2).sum(), "no mark drawn"
        for (x, y, w, h), (ox, oy, ow, oh) in zip(moved, boxes):
            assert (w, h) == (ow, oh)
            assert marked[y : y + h, x : x + w].mean() > 0.95, "a digit's box no longer holds its ink"
        assert marked.shape[0] < 3 * mask.shape[0], "the crop is more than the digits and the mark"


def test_an_empty_mask_is_refused_with_what_was_received():
    with pytest.raises(ValueError, match="empty mask of shape"):
        marks.with_stray_mark(np.zeros((10, 10), np.float32), [], np.random.default_rng(0))


def test_stray_mark_fraction_marks_that_share_of_strings_and_keeps_their_labels(train_digits):
    plain = SequenceGenerator(train_digits, SynthConfig(), seed=3)
    marked = SequenceGenerator(train_digits, SynthConfig(stray_mark_fraction=1.0), seed=3)
    a, b = plain.sample(plain.rng(0)), marked.sample(marked.rng(0))
    assert a.text == b.text
    assert a.image.shape != b.image.shape or not np.array_equal(a.image, b.image)


def test_a_config_without_marks_makes_the_strings_it_made_before(train_digits):
    one = SequenceGenerator(train_digits, SynthConfig(), seed=4).batch(6, 0)
    two = SequenceGenerator(train_digits, SynthConfig(stray_mark_fraction=0.0), seed=4).batch(6, 0)
    assert one[1] == two[1] and np.array_equal(one[0], two[0])


def test_the_share_is_checked():
    with pytest.raises(ValueError, match="stray_mark_fraction"):
        SynthConfig(stray_mark_fraction=1.5)
