"""Combining the finders: the classical finder's numbers are kept where the detector's map sees a number,
and the detector's own numbers are added where the classical finder found none."""
import cv2
import numpy as np

from training.core import detector
from training.models.detector import target_maps
from training.core import detect
from webapp.reading import finding


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
