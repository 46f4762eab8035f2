"""The learned detector's shared pieces: its input, its targets, and kernels back to boxes."""
import numpy as np

from training.core import detector
from training.fitting.train_detector import crop_window, iou
from training.models.detector import target_maps
from training.scenes import detect_scenes


def test_detector_input_is_at_working_scale_and_padded_to_a_multiple():
    gray = np.full((480, 640), 200, np.uint8)
    batch, scale = detector.detector_input(gray)
    assert scale == detector.WORK_SIDE / 640
    assert batch.shape == (288, 384, 1) and batch.dtype == np.float32
    assert batch.shape[0] % detector.MULTIPLE == 0 and batch.shape[1] % detector.MULTIPLE == 0


def test_a_perfect_kernel_map_gives_the_boxes_back():
    boxes = [(40.0, 60.0, 120.0, 40.0), (200.0, 150.0, 80.0, 32.0)]
    target, weight = target_maps(boxes, [], (256, 320))
    logits = np.where(target > 0, 10.0, -10.0)
    found = [f.box for f in detector.boxes_from_map(logits, 1.0)]
    assert len(found) == 2
    assert all(max(iou(b, f) for f in found) > 0.6 for b in boxes)
    assert weight[target > 0].min() == 1.0


def test_ignored_boxes_weigh_nothing():
    target, weight = target_maps([], [(0.0, 0.0, 64.0, 64.0)], (128, 128))
    assert target.sum() == 0 and weight[:16, :16].sum() == 0 and weight[20:, 20:].min() == 1


def test_tighten_finds_the_ink_inside_a_coarse_box():
    gray = np.full((200, 300), 230, np.uint8)
    for x in (100, 130, 160):  # three "0"s written with a pen 4 px wide: the number spans x 100-180, y 80-120
        gray[80:120, x : x + 20] = 20
        gray[84:116, x + 4 : x + 16] = 230
    box = detector.tighten(gray, (90.0, 70.0, 100.0, 60.0))
    assert box is not None and iou(box, (100, 80, 80, 40)) > 0.9


def test_a_crop_window_ignores_the_numbers_it_cuts():
    scene = detect_scenes.Scene(np.zeros((300, 400), np.uint8), [(10.0, 10.0, 50.0, 20.0), (350.0, 200.0, 40.0, 20.0)])
    piece, inside, cut = crop_window(np.random.default_rng(0), scene)
    assert piece.shape == (256, 256)
    assert len(inside) + len(cut) == 2


def test_training_scenes_are_deterministic_and_their_numbers_lie_inside(train_digits):
    ink = detect_scenes.NumberInk(train_digits, seed=3, real_fraction=0.0)
    first = [detect_scenes.make_scene(np.random.default_rng([3, i]), ink) for i in range(12)]
    again = [detect_scenes.make_scene(np.random.default_rng([3, i]), ink) for i in range(12)]
    assert all(np.array_equal(a.image, b.image) and a.boxes == b.boxes for a, b in zip(first, again))
    assert sum(len(s.boxes) for s in first) > 0
    for scene in first:
        height, width = scene.image.shape
        assert all(x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1 for x, y, w, h in scene.boxes)
        assert all(h >= detect_scenes.MIN_HEIGHT for _, _, _, h in scene.boxes)


def test_pieces_of_one_number_are_joined_and_numbers_apart_are_not():
    left, right = detector.Found((10, 20, 30, 40), 0.9), detector.Found((60, 22, 25, 38), 0.8)  # gap 20 < 0.6 * 40
    far = detector.Found((200, 20, 30, 40), 0.9)  # gap 115: another number on the line
    below = detector.Found((45, 90, 30, 40), 0.9)  # the next line
    found = detector.joined([far, right, left, below])
    assert [f.box for f in found] == [(10, 20, 75, 40), (45, 90, 30, 40), (200, 20, 30, 40)]
    assert found[0].score == 0.8
