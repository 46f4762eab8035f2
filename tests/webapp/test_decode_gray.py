"""``decode_gray`` takes OpenCV's faster way for whole JPEGs and grey PNGs: it must give exactly the pixels of
``decode_image`` made grey (a level's difference changed readings of photos on a coloured desk)."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from webapp.errors import InvalidImageError
from webapp.reading.imaging import decode_gray, decode_image

LIMIT = 40_000_000


def colourful(seed: int = 0, size=(240, 320)) -> np.ndarray:
    """Smooth colour with sharp edges between patches, where a JPEG's chroma matters most."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 8, 3)).astype(np.uint8)
    return cv2.resize(small, size[::-1], interpolation=cv2.INTER_NEAREST)


def saved(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def rotated_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return saved(colourful(orientation), "JPEG", quality=85, exif=exif.tobytes())


CASES = {
    "colour JPEG": saved(colourful(1), "JPEG", quality=90),
    "colour JPEG, 4:4:4": saved(colourful(2), "JPEG", quality=95, subsampling=0),
    "grey JPEG": saved(colourful(3)[..., 0], "JPEG"),
    "EXIF-rotated JPEG (6)": rotated_jpeg(6),
    "EXIF-rotated JPEG (3)": rotated_jpeg(3),
    "grey PNG": saved(colourful(4)[..., 1], "PNG"),
    "colour PNG": saved(colourful(5), "PNG"),
    "RGBA PNG": saved(np.dstack([colourful(6), np.full((240, 320), 128, np.uint8)]), "PNG"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_the_grey_pixels_are_those_of_the_general_decoder(kind):
    data = CASES[kind]
    expected = cv2.cvtColor(decode_image(data, LIMIT), cv2.COLOR_RGB2GRAY)
    assert np.array_equal(decode_gray(data, LIMIT), expected)


@pytest.mark.parametrize("kind", ["colour JPEG", "grey PNG"])
def test_a_cut_short_file_is_still_an_invalid_image(kind):
    with pytest.raises(InvalidImageError):
        decode_gray(CASES[kind][: len(CASES[kind]) // 2], LIMIT)
