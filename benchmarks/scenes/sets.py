"""Every set of the reader benchmark, by name: how its images are drawn and from which held-out items.

``MNIST_SCENES`` and ``FINDING_SCENES`` draw their own digits from the held-out MNIST digits they are given
(no-digits draws none) and return a ``Scene`` with true boxes; ``REAL_SCENES`` render one held-out item each
(``set_items``) and return ``(image_bytes, [truth])``; ``PAD_SCENES`` render one held-out string each and
return a ``Scene`` with the ink's box; ``PRINTED_SCENES`` (issue 37: printed numbers, seven-segment displays) draw
their own numbers in their split's fonts, ``render(rng, split)`` -> ``(image_bytes, [truth])``. ``set_items`` gives a real or pad set's items for a split: test for
final figures, validation while choosing, never training data.
"""
from __future__ import annotations

import numpy as np

from benchmarks.scenes import finding, mnist, pad, paper_sets, printed, real
from benchmarks.scenes.separated import render_separated, separated_pattern
from benchmarks.scenes.written import (CONTINENTAL_DIGITS, COMPOSED_SEED, WrittenNumber, dealt_numbers,
                                       digits_by_writer, render_continental, render_stray_marks, render_touching)
from training.sources.datasets import Digits
from training.sources.realdata import SCAN_LOADERS, load_scans, load_unipen

MNIST_SCENES = mnist.BOXED_SCENES
FINDING_SCENES = finding.FINDING_SCENES
# appended, never reordered: a set's place seeds its numbers (written_numbers) and its images
COMPOSED_SCENES = {"touching": render_touching, "continental": render_continental,
                   "stray-marks": render_stray_marks, "separated": render_separated}
REAL_SCENES = {"pen-real": real.render_pen_canvas, "paper-real": real.render_pen_paper, "usps": real.render_scan,
               "optdigits": real.render_scan, **COMPOSED_SCENES}
PAD_SCENES = pad.PAD_SCENES
PAPER_SCENES = paper_sets.PAPER_SCENES  # numbers written on paper (issue 35): real crops, new sources, cells...
PRINTED_SCENES = printed.PRINTED_SCENES  # printed numbers and seven-segment displays (issue 37)
BOXED_SCENES = {**MNIST_SCENES, **FINDING_SCENES}  # the sets that draw their own digits, with true boxes
TARGETS = {**mnist.TARGETS, **finding.TARGETS, **{name: pad.PAD_TARGET for name in PAD_SCENES}, **paper_sets.TARGETS,
           **printed.TARGETS}
HELD_OUT = ("test", "validation")


def held_out_index(split: str) -> int:
    """``split``'s place in ``HELD_OUT``; a ValueError for any other split (the sets never show training data)."""
    if split not in HELD_OUT:
        raise ValueError(f"held-out split is test or validation, got {split!r}")
    return HELD_OUT.index(split)


def held_out_scans(source: str, split: str) -> Digits:
    """``source``'s ("usps", "optdigits") test file, or its validation tenth of the training file."""
    held_out_index(split)
    return load_scans(source, split)


def written_numbers(name: str, split: str) -> list[WrittenNumber]:
    """The numbers a composed set writes: every held-out writer's digits dealt into numbers (for
    ``continental``, those with a digit it restyles; for ``separated``, each with a format drawn for its
    digit count), canvas and paper alternating."""
    rng = np.random.default_rng([COMPOSED_SEED, list(COMPOSED_SCENES).index(name), held_out_index(split)])
    numbers = [(writer, number) for writer, digits in digits_by_writer(load_unipen("digits", split)).items()
               for number in dealt_numbers(rng, digits)]
    if name == "continental":
        numbers = [(writer, number) for writer, number in numbers
                   if any(digit.label in CONTINENTAL_DIGITS for digit in number)]
    # drawn after the dealing, so that the other sets' numbers stay as they were
    patterns = [separated_pattern(rng, len(number)) if name == "separated" else "" for _, number in numbers]
    return [WrittenNumber(writer, number, bool(i % 2), pattern)
            for i, ((writer, number), pattern) in enumerate(zip(numbers, patterns))]


def set_items(name: str, split: str) -> list:
    """The held-out items a real set renders: UNIPEN strings of ``split`` (pen sets; for a pad set those that
    fit the pad at its size), ``WrittenNumber``s (composed sets) or ``ScanDigit``s."""
    held_out_index(split)
    if name in PAPER_SCENES:
        return paper_sets.paper_items(name, split)
    if name in pad.PAD_FILL:
        return pad.pad_items(name, split)
    if name in SCAN_LOADERS:
        digits = held_out_scans(name, split)
        return [real.ScanDigit(image, int(label)) for image, label in zip(digits.images, digits.labels)]
    if name in COMPOSED_SCENES:
        return written_numbers(name, split)
    return load_unipen("strings", split)
