"""Combining the finders: the classical finder's numbers are kept where the detector's map sees a number,
and the detector's own numbers are added where the classical finder found none."""
import dataclasses

import cv2
import numpy as np

from training.core import detector
from training.models.detector import target_maps
from training.core import detect
from webapp.reading import finding, recognizer


def written_zeros(gray: np.ndarray, x: int, y: int, count: int) -> detect.Box:
    """``count`` "0"s 40 px tall written at (x, y) with a 4-px pen; the number's box."""
    for i in range(count):
        left = x + 30 * i
        gray[y : y + 40, left : left + 20] = 20
        gray[y + 4 : y + 36, left + 4 : left + 16] = 230
    return detect.Box(x, y, 30 * count - 10, 40)


def map_seeing(boxes: list[detect.Box], shape: tuple[int, int]) -> np.ndarray:
    """A detector map (scale 1) sure of a number's kernel in each box and of nothing elsewhere: (H/4, W/4, 1)."""
    target, _ = target_maps([tuple(map(float, b)) for b in boxes], [], shape)
    return np.where(target > 0, 10.0, -10.0)[..., None]


def test_both_keeps_what_the_map_sees_drops_what_it_does_not_and_adds_what_it_alone_found():
    gray = np.full((256, 512), 230, np.uint8)
    seen_by_both, only_classical, only_learned = (written_zeros(gray, 20, 20, 3), written_zeros(gray, 300, 20, 2),
                                                  written_zeros(gray, 20, 160, 4))
    number_map = map_seeing([seen_by_both, only_learned], gray.shape)
    found = [detect.Region(seen_by_both, ()), detect.Region(only_classical, ())]
    regions = finding.regions("both", gray, number_map, 1.0, found)
    assert [r.box for r in regions] == [seen_by_both, only_learned]


def test_the_classical_finder_alone_keeps_everything_it_found():
    found = [detect.Region(detect.Box(1, 2, 30, 40), ())]
    assert finding.regions("classical", np.zeros((64, 64), np.uint8), None, 1.0, found) == found


def test_support_is_the_maps_highest_probability_over_the_box():
    probability = np.zeros((16, 16), np.float32)
    probability[2, 3] = 0.9  # the cell of pixels x 12-15, y 8-11 at scale 1
    assert finding.support(probability, detect.Box(10, 6, 8, 8), 1.0) == np.float32(0.9)
    assert finding.support(probability, detect.Box(30, 30, 8, 8), 1.0) == 0.0


def test_the_detectors_numbers_leave_out_a_dab_of_the_pen_as_the_classical_finder_does():
    """A map that fires on a thick pen's dab (the pad's speck was read "11") finds no number there; beside it,
    a written number the map sees is kept."""
    gray = np.full((256, 512), 230, np.uint8)
    cv2.line(gray, (40, 40), (44, 41), 20, 27)  # the dab: a solid blob about 30 px across
    number = written_zeros(gray, 200, 100, 3)
    dab = detect.Box(26, 27, 32, 28)
    regions = finding.regions("learned", gray, map_seeing([dab, number], gray.shape), 1.0, None)
    assert [r.box for r in regions] == [number]
    assert finding.is_dot(gray, detect.Region(dab, ())) and not finding.is_dot(gray, detect.Region(number, ()))


def faint_one(shape: tuple[int, int]) -> np.ndarray:
    """A faint pencil 1 alone on paper: the only ink in the picture."""
    gray = np.full(shape, 225, np.uint8)
    gray[shape[0] // 3 : 2 * shape[0] // 3, shape[1] // 2 : shape[1] // 2 + 3] = 175
    return gray


def test_a_small_picture_where_nothing_was_found_is_read_whole():
    batch, crops = recognizer.cut_all(faint_one((90, 70)), [])
    assert len(crops) == 1 and crops[0].whole and crops[0].region.box == detect.Box(0, 0, 70, 90)
    assert batch.shape == (1, 32, 256, 1) and batch.max() > 0.5  # the faint stroke, as ink


def test_a_frame_where_nothing_was_found_is_not_read_whole():
    assert finding.whole_picture(faint_one((720, 1280))) is None
    batch, crops = recognizer.cut_all(faint_one((720, 1280)), [])
    assert crops == [] and batch.shape == (0, 32, 256, 1)


def test_a_picture_read_whole_reports_only_a_sure_reading():
    _, crops = recognizer.cut_all(faint_one((90, 70)), [])
    reader = recognizer.Recognizer(backend=None, min_confidence=0.1)

    def read_with(probability: float, whole: bool = True) -> list[dict]:
        probs = np.full((64, 11), 1e-6, np.float32)
        probs[:, 0] = 1.0  # blank everywhere...
        probs[30, 0], probs[30, 2], probs[30, 8] = (1 - probability) / 2, probability, (1 - probability) / 2  # ...but a 1
        prepared = recognizer.Prepared(70, 90, None, [dataclasses.replace(crops[0], whole=whole)], {})
        return reader.read(prepared, np.log(probs)[None], {"decoder": "ctc", "alphabet": "0123456789"})

    assert [n["digits"] for n in read_with(0.9)] == ["1"]
    assert read_with(finding.WHOLE_CONFIDENCE - 0.1) == []
    assert [n["digits"] for n in read_with(finding.WHOLE_CONFIDENCE - 0.1, whole=False)] == ["1"]  # found: reported


def test_a_tick_beside_a_number_in_a_small_picture_is_not_a_number():
    number, tick = detect.Region(detect.Box(10, 20, 50, 40), ()), detect.Region(detect.Box(70, 40, 15, 15), ())
    assert finding.without_marks(np.zeros((90, 100), np.uint8), [number, tick]) == [number]
    half = detect.Region(detect.Box(70, 30, 30, 20), ())  # half the number's height: kept
    assert finding.without_marks(np.zeros((90, 100), np.uint8), [number, half]) == [number, half]


def test_small_numbers_in_a_photo_are_kept():
    number, small = detect.Region(detect.Box(10, 20, 50, 40), ()), detect.Region(detect.Box(300, 400, 15, 15), ())
    assert finding.without_marks(np.zeros((720, 1280), np.uint8), [number, small]) == [number, small]
    assert finding.without_marks(np.zeros((90, 100), np.uint8), [small]) == [small]
