"""The ruling round a number painted over (training.core.ruling): cell borders and register lines go, digits stay."""
from __future__ import annotations

import cv2
import numpy as np

from training.core import ruling

PAPER, INK = 215, 60


def paper(height: int, width: int) -> np.ndarray:
    return np.full((height, width), PAPER, np.uint8)


def write(image: np.ndarray, text: str, origin: tuple[int, int], scale: float = 1.6, thickness: int = 3) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, INK, thickness, cv2.LINE_AA)


def cell(text: str = "38", size: tuple[int, int] = (120, 200), border: int = 4) -> np.ndarray:
    """A table cell: borders round its edge, the number in its middle, well short of the borders."""
    image = paper(*size)
    cv2.rectangle(image, (6, 6), (size[1] - 7, size[0] - 7), 90, border)
    write(image, text, (size[1] // 3, size[0] // 2 + 18))
    return image


def test_a_cells_borders_are_painted_over_and_its_digits_kept():
    image = cell()
    erased = ruling.erase_ruling(image)
    assert erased is not image and np.array_equal(image, cell())  # a copy: the picture given is not changed
    assert erased[:, :14].min() > 190 and erased[:, -14:].min() > 190  # no border left of it
    assert erased[:14].min() > 190 and erased[-14:].min() > 190
    middle = (slice(25, 95), slice(30, 170))
    assert np.array_equal(erased[middle], image[middle])  # the number untouched


def test_register_column_lines_are_painted_over():
    image = paper(90, 80)
    for x in (8, 70):  # a register's column lines, top to bottom
        cv2.line(image, (x, 0), (x + 1, 89), 70, 2)
    write(image, "24", (22, 58), scale=1.0, thickness=2)
    erased = ruling.erase_ruling(image)
    assert erased[:, 4:13].min() > 190 and erased[:, 66:75].min() > 190
    assert erased[30:62, 20:62].min() < 100


def test_a_stroke_crossing_a_border_is_kept():
    image = cell("4")
    cv2.line(image, (60, 60), (199, 60), INK, 3)  # a tail running over the right border, out of the cell
    erased = ruling.erase_ruling(image)
    assert erased[60, 186:200].max() < 120  # dark on both sides of the border: still ink
    assert erased[90:100, 190:196].min() > 190  # the border above and below it is gone


def test_light_borders_on_a_dark_screen_are_painted_over():
    image = 255 - cell()
    erased = ruling.erase_ruling(image)
    assert erased[:, :14].max() < 60 and erased[:14].max() < 60


def test_a_tight_crop_of_a_one_is_left_alone():
    image = paper(80, 40)
    cv2.line(image, (20, 0), (20, 79), INK, 5)  # a 1 from top to bottom: the only ink
    assert ruling.erase_ruling(image) is image


def test_a_one_beside_digits_as_tall_is_left_alone():
    image = paper(70, 120)
    cv2.line(image, (15, 1), (15, 68), INK, 5)
    write(image, "48", (30, 64), scale=2.2, thickness=4)  # as tall as the 1: a number, not a cell
    assert ruling.erase_ruling(image) is image


def test_the_edge_of_a_sheet_on_a_desk_is_not_a_line():
    image = paper(240, 320)
    image[:, :90] = 70  # the desk, darker than the sheet from top to bottom
    write(image, "52", (150, 130))
    assert ruling.erase_ruling(image) is image


def test_the_bottoms_of_a_row_of_digits_are_not_a_line():
    image = paper(50, 120)
    for x in range(4, 116, 28):  # four 2s in a tight crop: their bases nearly one row, broken between digits
        cv2.line(image, (x, 45), (x + 22, 45), INK, 3)
        cv2.line(image, (x + 22, 5), (x, 45), INK, 3)
    assert ruling.erase_ruling(image) is image


def test_tiny_and_blank_pictures_come_back_as_they_are():
    assert ruling.erase_ruling(paper(10, 200)) is not None
    blank = paper(100, 100)
    assert ruling.erase_ruling(blank) is blank


def test_a_large_frame_is_searched_on_a_copy_shrunk_by_a_power_of_two():
    small, scale = ruling.work_copy(paper(720, 1280))
    assert small.shape == (180, 320) and scale == 0.25
    image = paper(768, 1280)  # a phone photo of one cell taken close: its borders run off the frame
    for x in (60, 1220):
        cv2.line(image, (x, 0), (x, 767), 90, 12)
    write(image, "38", (480, 460), scale=8.0, thickness=18)
    erased = ruling.erase_ruling(image)
    assert erased[:, 40:80].min() > 180 and erased[300:450, 480:900].min() < 120


def test_a_one_drawn_tall_on_the_pad_is_not_a_border():
    image = paper(390, 974)  # the pad: a 1 filling 90% of its height beside a smaller 6 is a number
    cv2.line(image, (300, 20), (302, 370), INK, 14)
    write(image, "6", (340, 300), scale=6.0, thickness=14)
    assert ruling.erase_ruling(image) is image
