"""The reader benchmark's contact sheet of misses (benchmarks.contact_sheet): OpenCV only, no TensorFlow."""
from __future__ import annotations

import cv2
import numpy as np

from benchmarks import contact_sheet

WIDTH, HEIGHT = contact_sheet.IMAGE_SIZE
TILE_HEIGHT = HEIGHT + contact_sheet.CAPTION_HEIGHT


def fake_miss(text: str) -> np.ndarray:
    """A 300x120 white page with a number in black, as the canvas sends one."""
    image = np.full((120, 300, 3), 255, np.uint8)
    cv2.putText(image, text, (20, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
    return image


def three_tiles() -> list[np.ndarray]:
    return [contact_sheet.tile(fake_miss("4071"), contact_sheet.caption(["4071"], ["471"], 1), [(20, 40, 200, 60)]),
            contact_sheet.tile(fake_miss("10"), contact_sheet.caption(["10"], ["1", "0"], 2)),
            contact_sheet.tile(fake_miss("6"), contact_sheet.caption(["6"], [], 0))]


def test_captions_say_truth_and_reading():
    assert contact_sheet.caption(["4071"], ["471"], 1) == "4071 -> 471"
    assert contact_sheet.caption(["10"], ["1", "0"], 2) == "10 -> 1 0"
    assert contact_sheet.caption(["6"], [], 0) == "6 -> nothing found"
    assert contact_sheet.caption(["6"], [], 1) == "6 -> nothing read"


def test_a_sheet_of_three_misses_has_three_tiles_in_a_row():
    sheet = contact_sheet.sheet(three_tiles(), columns=5)
    assert sheet.shape == (TILE_HEIGHT, 5 * WIDTH, 3)
    assert (sheet[:, 3 * WIDTH:] == 255).all()  # the two empty places are paper


def test_each_tile_has_its_picture_and_its_caption_drawn():
    sheet = contact_sheet.sheet(three_tiles(), columns=5)
    for column in range(3):
        picture = sheet[2:HEIGHT - 2, column * WIDTH + 2:(column + 1) * WIDTH - 2]
        caption = sheet[HEIGHT + 2:TILE_HEIGHT - 2, column * WIDTH + 2:(column + 1) * WIDTH - 2]
        assert (picture.min(axis=2) < 128).sum() > 100, f"tile {column} has no ink in its picture"
        assert (caption.min(axis=2) < 128).sum() > 50, f"tile {column} has no caption drawn"


def test_write_sheet_writes_a_png_of_the_sheet_and_removes_an_old_one_when_nothing_missed(tmp_path):
    path = tmp_path / "canvas-misses.png"
    assert contact_sheet.write_sheet(path, three_tiles())
    assert cv2.imread(str(path)).shape == (TILE_HEIGHT, contact_sheet.COLUMNS * WIDTH, 3)
    assert not contact_sheet.write_sheet(path, [])
    assert not path.exists()
