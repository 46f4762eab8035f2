"""The reader benchmark's scenes for finding numbers (training.scenes, training.real_scenes): the pad sets, the
strongly coloured desk, the pictures without a digit, and the true boxes every boxed scene gives. No TensorFlow."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest

from benchmarks.scenes import base, finding, mnist, pad, real, sets
from training.sources import datasets
from training.sources.realdata import load_unipen

ONE_PIXEL = 1  # ink rows are whole pixels: a share may miss its bound by one row


@lru_cache(maxsize=None)
def digits() -> datasets.Digits:
    return datasets.held_out_digits("validation")


@lru_cache(maxsize=None)
def pad_strings(name: str, count: int = 6) -> tuple:
    """The first validation UNIPEN strings that a pad set would draw (as ``pad_items`` picks them)."""
    fill = pad.PAD_FILL[name]
    return tuple([s for s in load_unipen("strings", "validation")[:60] if pad.fits_pad(s, fill)][:count])


def decoded(data: bytes, flags: int = cv2.IMREAD_GRAYSCALE) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), flags)


def ink_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    """The box of the canvas's ink (darker than mid grey)."""
    ys, xs = np.nonzero(gray < 128)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def inside(box, shape) -> bool:
    x, y, w, h = box
    return w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= shape[1] and y + h <= shape[0]


# --- deterministic, and the boxed twins draw the very same images ----------------------------------

@pytest.mark.parametrize("name", ["desk-colour", "no-digits"])
def test_finding_scenes_are_deterministic(name):
    render = sets.BOXED_SCENES[name]
    for seed in (3, 4):
        first, again = render(np.random.default_rng(seed), digits()), render(np.random.default_rng(seed), digits())
        assert first.data == again.data and first.truth == again.truth and first.boxes == again.boxes


@pytest.mark.parametrize("name", ["pad-large", "pad-small"])
def test_pad_scenes_are_deterministic(name):
    sample = pad_strings(name)[0]
    first = sets.PAD_SCENES[name](np.random.default_rng(5), sample)
    assert first == sets.PAD_SCENES[name](np.random.default_rng(5), sample)
    assert first.data.startswith(b"\x89PNG") and first.truth == [sample.label]


@pytest.mark.parametrize("name", list(mnist.SCENES))
def test_a_boxed_twin_draws_the_same_image_as_the_renderer(name):
    """The benchmark reads the boxed twins: their images must be the sets' images, byte for byte."""
    for seed in (0, 1):
        data, truth = mnist.SCENES[name](np.random.default_rng(seed), digits())
        scene = sets.BOXED_SCENES[name](np.random.default_rng(seed), digits())
        assert (scene.data, scene.truth) == (data, truth)
        assert len(scene.boxes) == len(truth)


# --- no-digits --------------------------------------------------------------------------------------

def test_no_digits_scenes_hold_no_number_at_photo_and_webcam_sizes():
    sizes = {(frame.width, frame.height) for frame in finding.NO_DIGIT_FRAMES}
    for seed in range(4):
        scene = finding.no_digits_scene(np.random.default_rng(seed))
        assert scene.truth == [] and scene.boxes == []
        image = decoded(scene.data, cv2.IMREAD_COLOR)
        assert (image.shape[1], image.shape[0]) in sizes
        assert image.std() > 5  # a picture, not a blank frame


def test_no_digits_words_and_keys_hold_no_digit():
    words = finding.CONFUSABLE_WORDS + finding.PLAIN_WORDS + finding.HEADINGS + finding.KEY_ROWS
    assert not any(c.isdigit() for word in words for c in word)
    # the words do use the letters that look like digits
    assert set("oOlISZBgq") <= set("".join(finding.CONFUSABLE_WORDS))


def test_a_handwritten_word_is_one_pen_path_as_wide_as_its_letters():
    path, width = finding.hand_word(np.random.default_rng(0), "Oslo", "DejaVuSans.ttf", 40.0, 0.2)
    assert path.ndim == 3 and path.shape[1:] == (2, 2) and len(path) > 20
    assert 40 < width < 160  # four letters some 0.6-1 font size wide each
    assert path[..., 1].min() < -20  # letters stand above the baseline (y = 0)


# --- pads: the ink's height as a share of the canvas height ----------------------------------------

@pytest.mark.parametrize("name", ["pad-large", "pad-small"])
def test_pad_ink_fills_its_share_of_the_canvas_and_the_box_is_the_ink(name):
    low, high = pad.PAD_FILL[name]
    for index, sample in enumerate(pad_strings(name)):
        scene = sets.PAD_SCENES[name](np.random.default_rng(index), sample)
        gray = decoded(scene.data)
        assert (gray.shape[1], gray.shape[0]) in pad.PEN_CANVAS_SIZES
        ink_height = pad.ink_height_px(gray)
        assert low * gray.shape[0] - ONE_PIXEL <= ink_height <= high * gray.shape[0] + ONE_PIXEL, sample.label
        assert scene.boxes == [ink_box(gray)] and inside(scene.boxes[0], gray.shape)


def test_pad_large_leaves_out_strings_too_long_to_fit_large():
    strings = load_unipen("strings", "validation")[:80]
    longest, shortest = max(strings, key=real.ink_aspect), min(strings, key=real.ink_aspect)
    assert not pad.fits_pad(longest, pad.PAD_FILL["pad-large"])  # a phone number, some 8 wide
    assert pad.fits_pad(shortest, pad.PAD_FILL["pad-large"])


# --- true boxes -------------------------------------------------------------------------------------

def test_a_warped_box_follows_the_homography_and_stays_in_the_frame():
    points = np.float32([[10, 20], [30, 20], [30, 25]])
    assert base.warped_box(points, np.eye(3), 100, 100) == (10, 20, 21, 6)
    shift = np.array([[1, 0, 5.2], [0, 1, -3.0], [0, 0, 1]])
    assert base.warped_box(points, shift, 100, 100) == (15, 17, 21, 6)
    assert base.warped_box(points, shift, 30, 100) == (15, 17, 15, 6)  # clipped at the frame's right edge
    assert base.warped_box(np.zeros((0, 2), np.float32), shift, 30, 100) == (0, 0, 0, 0)


def test_alpha_box_is_the_box_of_the_ink():
    alpha = np.zeros((50, 60), np.float32)
    alpha[10:20, 5:9] = 1.0
    alpha[30, 40] = 0.4  # faint: not ink
    assert base.alpha_box(alpha) == (5, 10, 4, 10)


def test_the_canvas_box_is_the_drawn_ink():
    for seed in range(3):
        scene = mnist.canvas_scene(np.random.default_rng(seed), digits())
        x, y, w, h = ink_box(decoded(scene.data))
        bx, by, bw, bh = scene.boxes[0]
        assert max(abs(x - bx), abs(y - by), abs(x + w - bx - bw), abs(y + h - by - bh)) <= ONE_PIXEL


@pytest.mark.parametrize("name", ["photo", "webcam", "multi", "desk-colour"])
def test_photographed_boxes_hold_the_ink_and_little_paper_round_it(name):
    """Inside each true box lies ink far darker than the paper; its edge rows and columns are near the ink's
    edge (a dark pixel within 3 px of each side)."""
    for seed in range(3):
        scene = sets.BOXED_SCENES[name](np.random.default_rng(seed), digits())
        gray = decoded(scene.data).astype(np.float32)
        assert len(scene.boxes) == len(scene.truth) >= 1
        for x, y, w, h in scene.boxes:
            assert inside((x, y, w, h), gray.shape)
            patch = gray[y:y + h, x:x + w]
            dark = patch < np.median(patch) - 0.4 * (np.median(patch) - patch.min())
            assert patch.min() < np.median(patch) - 40, (name, seed)
            for edge in (dark[:3].any(), dark[-3:].any(), dark[:, :3].any(), dark[:, -3:].any()):
                assert edge, (name, seed, (x, y, w, h))


def test_desk_colour_puts_the_sheet_on_a_strongly_coloured_desk():
    for seed in range(4):
        scene = finding.desk_colour_scene(np.random.default_rng(seed), digits())
        image = decoded(scene.data, cv2.IMREAD_COLOR)
        hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
        corners = np.concatenate([hsv[:8, :8].reshape(-1, 3), hsv[-8:, -8:].reshape(-1, 3),
                                  hsv[:8, -8:].reshape(-1, 3), hsv[-8:, :8].reshape(-1, 3)])
        # some corner of the frame shows desk: saturated, or (a black desk) dark
        assert (corners[:, 1] > 80).mean() > 0.2 or (corners[:, 2] < 60).mean() > 0.2, seed
        assert len(scene.truth[0]) <= finding.DESK_COLOUR_LENGTH
