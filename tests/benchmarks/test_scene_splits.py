"""The benchmark's validation images are not its test images: each split draws its own scenes (desks,
sheets, light, cameras, layouts) as well as its own digits and writers, so choices made on validation are
not tuned to the scenes the final figures come from. No TensorFlow."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest

from benchmarks import reader
from training.sources import datasets

FIRST_IMAGES = 2
MOST_AGREEMENT = 0.5  # of the pixels that are not plain paper in either image, at most this share may match


@lru_cache(maxsize=None)
def held_out_digits(split: str):
    return datasets.held_out_digits(split)


def first_images(name: str, split: str) -> list[bytes]:
    digits = held_out_digits(split) if name in reader.MNIST_SETS + reader.FINDING_SETS else None
    images, count, _ = reader.set_images(name, split, reader.SEED, FIRST_IMAGES, digits)
    return [images(reader.scene_rng(reader.SEED, split, name, index), index).data for index in range(count)]


def gray(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    return image.astype(np.int16)


def shared_layout(a: bytes, b: bytes) -> float:
    """The share of the pixels off plain paper (over 25 levels from the image's median) in either image at
    which both images agree within 8 grey levels: 1 for the same picture, about 1 for the same desk, sheet
    and light with other digits, low for two scenes of their own. 0 for images of different sizes."""
    first, second = gray(a), gray(b)
    if first.shape != second.shape:
        return 0.0
    marked = (np.abs(first - np.median(first)) > 25) | (np.abs(second - np.median(second)) > 25)
    if not marked.any():
        return 1.0  # two blank pictures: one layout
    return float((np.abs(first - second)[marked] <= 8).mean())


@pytest.mark.parametrize("name", reader.ALL_SETS)
def test_validation_and_test_images_of_a_set_differ_in_layout_not_only_in_digits(name):
    test_images, validation_images = first_images(name, "test"), first_images(name, "validation")
    assert len(test_images) == len(validation_images) == FIRST_IMAGES
    for index, (test, validation) in enumerate(zip(test_images, validation_images)):
        assert test != validation, (name, index)
        assert shared_layout(test, validation) < MOST_AGREEMENT, (name, index)


def test_the_layout_measure_sees_a_scene_drawn_again_with_other_digits():
    """The old bug, on purpose: the same generator state with each split's digits gives the same scene."""
    rng = lambda: np.random.default_rng([reader.SEED, 3, 0])  # noqa: E731
    from benchmarks.scenes import mnist

    test = mnist.photo_scene(rng(), held_out_digits("test")).data
    validation = mnist.photo_scene(rng(), held_out_digits("validation")).data
    assert test != validation and shared_layout(test, validation) > 0.9
