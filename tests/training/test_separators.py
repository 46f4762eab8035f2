import numpy as np
import pytest

from training.scenes import separators
from training.scenes.pen import ink_alpha
from training.sources.realdata import PenSample

SEEDS = range(40)


def fake_digit(label: str) -> PenSample:
    """A stand-in digit, 1 tall, one stroke: a bar for "1", a box outline 0.6 wide for the rest."""
    if label == "1":
        points = [[0.05, 0.0], [0.05, 1.0]]
    else:
        points = [[0, 0], [0.6, 0], [0.6, 1], [0, 1], [0, 0]]
    dense = np.concatenate([np.linspace(a, b, 10) for a, b in zip(points, points[1:])]).astype(np.float32)
    return PenSample(label, "fake", "writer", (dense,))


FAKE_WRITER = {d: [fake_digit(d)] for d in "0123456789"}


def marks(char: str):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        yield separators.separator_strokes(char, rng), rng


def box(strokes):
    every = np.concatenate(strokes)
    return every.min(axis=0), every.max(axis=0)


def test_dot_is_small_and_low():
    for strokes, _ in marks("."):
        low, high = box(strokes)
        assert len(strokes) == 1 and (high - low).max() < 0.12
        assert 0.75 < low[1] and high[1] < 1.05


def test_comma_hangs_below_the_baseline():
    for strokes, _ in marks(","):
        low, high = box(strokes)
        assert len(strokes) == 1 and high[1] > 1.05 and low[1] > 0.7
        assert high[0] - low[0] < 0.3


def test_dash_is_level_at_mid_height():
    for strokes, _ in marks("-"):
        low, high = box(strokes)
        assert len(strokes) == 1 and high[0] - low[0] > 0.15 and high[1] - low[1] < 0.1
        assert 0.3 < np.concatenate(strokes)[:, 1].mean() < 0.7


def test_slash_spans_the_height_leaning_right():
    for strokes, _ in marks("/"):
        (stroke,), (low, high) = strokes, box(strokes)
        assert high[1] - low[1] > 0.8
        top, bottom = stroke[stroke[:, 1].argmin()], stroke[stroke[:, 1].argmax()]
        assert top[0] > bottom[0]


def test_colon_is_two_small_dots_stacked():
    for strokes, _ in marks(":"):
        assert len(strokes) == 2
        upper, lower = (s.mean(axis=0) for s in strokes)
        assert all((s.max(axis=0) - s.min(axis=0)).max() < 0.12 for s in strokes)
        assert lower[1] - upper[1] > 0.25 and abs(lower[0] - upper[0]) < 0.25
        assert 0.15 < upper[1] < 0.5 and 0.6 < lower[1] < 1.0


@pytest.mark.parametrize("char", "()")
def test_parentheses_are_tall_arcs_bulging_outwards(char):
    for strokes, _ in marks(char):
        (stroke,), (low, high) = strokes, box(strokes)
        assert len(strokes) == 1 and high[1] - low[1] > 0.9 and high[0] - low[0] < 0.6
        ends_x = (stroke[0, 0] + stroke[-1, 0]) / 2
        middle_x = stroke[len(stroke) // 2, 0]
        assert (middle_x < ends_x) if char == "(" else (middle_x > ends_x)


def test_plus_is_two_crossing_strokes():
    for strokes, _ in marks("+"):
        bar, post = strokes
        (bar_low, bar_high), (post_low, post_high) = box([bar]), box([post])
        assert bar_high[0] - bar_low[0] > 2 * (bar_high[1] - bar_low[1])
        assert post_high[1] - post_low[1] > 2 * (post_high[0] - post_low[0]) - 0.1
        assert bar_low[0] < post.mean(axis=0)[0] < bar_high[0]
        assert post_low[1] < bar.mean(axis=0)[1] < post_high[1]


def test_space_has_no_ink_and_is_wider_than_a_digit_gap():
    rng = np.random.default_rng(0)
    style = separators.writer_style(rng)
    assert separators.separator_strokes(" ", rng, style) == []
    assert separators.separator_width(" ", [], style) > max(style.digit_gap, 0) + 0.3


def test_separator_strokes_are_float_point_arrays_from_x_zero():
    rng = np.random.default_rng(1)
    for char in ".,-/:()+":
        strokes = separators.separator_strokes(char, rng)
        assert all(s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 2 for s in strokes)
        assert box(strokes)[0][0] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError):
        separators.separator_strokes("x", rng)


def test_formats_hold_digits_and_only_the_new_separators():
    rng = np.random.default_rng(0)
    allowed = set(separators.SEPARATOR_CHARS)
    formats = {separators.sample_format(rng) for _ in range(2000)}
    assert len(formats) > 20 and {"d.dd", "dd/dd/dddd", "dd:dd", "(ddd) ddd-dddd", "-d"} <= formats
    for pattern in formats:
        _, label = separators.compose_with_separators(FAKE_WRITER, pattern, rng)
        assert len(label) == len(pattern) and any(c.isdigit() for c in label)
        assert set(c for c in label if not c.isdigit()) <= allowed
        assert all(c.isdigit() for c, p in zip(label, pattern) if p == "d")


def test_composed_decimal_point_sits_between_the_digits_near_the_baseline():
    for seed in SEEDS:
        strokes, label = separators.compose_with_separators(FAKE_WRITER, "3.14", np.random.default_rng(seed))
        three, dot, one, _ = strokes
        assert label == "3.14"
        assert three[:, 0].max() < dot[:, 0].min() and dot[:, 0].max() < one[:, 0].min()
        baseline = (three[:, 1].max() + one[:, 1].max()) / 2
        height = (three[:, 1].max() - three[:, 1].min() + one[:, 1].max() - one[:, 1].min()) / 2
        assert abs(dot[:, 1].mean() - baseline) < 0.25 * height


def test_composed_strokes_share_one_frame_from_the_origin():
    strokes, label = separators.compose_with_separators(FAKE_WRITER, "(ddd) ddd-dddd", np.random.default_rng(3))
    low, high = box(strokes)
    assert label[0] == "(" and label[4:6] == ") " and label[9] == "-"
    assert np.allclose(low, 0, atol=1e-6) and high[0] > 5 and 1 < high[1] < 2


def test_rendered_composition_has_ink_where_the_strokes_are():
    strokes, _ = separators.compose_with_separators(FAKE_WRITER, "12/05", np.random.default_rng(7))
    scale, offset, pen = 40.0, (10.0, 10.0), 4.0
    low, high = box(strokes)
    size = (int(high[0] * scale) + 20, int(high[1] * scale) + 20)
    alpha = ink_alpha(strokes, size, scale, offset, pen)
    pixels = np.floor(np.concatenate(strokes) * scale + offset).astype(int)
    assert (alpha[pixels[:, 1], pixels[:, 0]] > 0.5).all()
    ys, xs = np.nonzero(alpha > 0)
    assert xs.min() >= pixels[:, 0].min() - pen and xs.max() <= pixels[:, 0].max() + pen
    assert ys.min() >= pixels[:, 1].min() - pen and ys.max() <= pixels[:, 1].max() + pen


def test_digits_by_char_groups_a_writers_samples():
    samples = [fake_digit("3"), fake_digit("1"), fake_digit("3")]
    grouped = separators.digits_by_char(samples)
    assert sorted(grouped) == ["1", "3"] and len(grouped["3"]) == 2


def test_a_literal_digit_the_writer_lacks_is_refused():
    with pytest.raises(ValueError):
        separators.compose_with_separators({"1": [fake_digit("1")]}, "1.5", np.random.default_rng(0))
