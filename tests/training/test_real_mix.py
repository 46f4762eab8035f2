"""Strings of real handwriting in training (``SynthConfig.real_fraction``, issue 22): digits only, one writer per
composed string, runs of one digit at the asked share, train split only; off, today's strings. No TensorFlow,
except the card's test."""
import hashlib
import multiprocessing
import re
from dataclasses import replace

import numpy as np
import pytest

from training.core import preprocess
from training.scenes import synth
from training.scenes.synth import SequenceGenerator, SynthConfig
from training.sources import datasets, realdata

REAL = SynthConfig(real_fraction=1.0)
RUN = re.compile(r"(\d)\1")
# Today's strings (before real handwriting): text, boxes and pixels of 40 samples of the bundled 60,000 digits,
# seed 5, key (0, 1) (opencv-python-headless 5.0.0.93 and numpy 2.4.6, as .ci/constraints.txt pins them)
TODAYS_STRINGS = {
    "realistic": "fee2a2d07d4a458aef8b74863f013381f01319ca1e77a126e37b57826b1f71d8",
    "pen": "90e54c03083544e9a9adf3c116f77118976e74e7139464664828dba5d5acc775",
}


@pytest.fixture(scope="module")
def bundled_digits():
    """The bundled MNIST training digits: the same on every machine (a local cache may hold others)."""
    return datasets.Digits(datasets.read_idx(datasets.TRAIN_IMAGES), datasets.read_idx(datasets.TRAIN_LABELS),
                           "bundled")


@pytest.fixture(scope="module")
def few_digits(bundled_digits):
    return bundled_digits.subset(np.arange(200), "bundled-200")


@pytest.fixture(scope="module")
def pool():
    return synth.load_real_pool()


@pytest.fixture(scope="module")
def real_samples(few_digits):
    generator = SequenceGenerator(few_digits, REAL, seed=3)
    rng = generator.rng(0)
    return [generator.sample(rng) for _ in range(240)]


def fingerprint(generator: SequenceGenerator, count: int = 40) -> str:
    digest, rng = hashlib.sha256(), generator.rng(0, 1)
    for _ in range(count):
        sample = generator.sample(rng)
        digest.update(f"{sample.text}{sample.boxes}".encode())
        digest.update(sample.image.tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("look, config", [("realistic", SynthConfig(real_fraction=0.0)),
                                          ("pen", SynthConfig(real_fraction=0.0, clean_fraction=1.0,
                                                              pen_fraction=1.0))])
def test_without_real_handwriting_the_strings_are_todays_byte_for_byte(bundled_digits, look, config):
    generator = SequenceGenerator(bundled_digits, config, seed=5)
    assert generator.real is None  # nothing loaded, nothing drawn from the generator
    assert fingerprint(generator) == TODAYS_STRINGS[look]


def test_real_strings_are_digits_only_and_images_of_any_size_become_model_inputs(few_digits, real_samples):
    for sample in real_samples:
        assert set(sample.text) <= set("0123456789") and 1 <= len(sample.text) <= REAL.max_length
        assert sample.image.dtype == np.uint8 and sample.image.ndim == 2 and min(sample.image.shape) >= 8
        assert len(sample.writers) == len(sample.text)
        if sample.origin != "unipen-string":
            assert len(sample.boxes) == len(sample.text)
    assert {s.origin for s in real_samples} == {"unipen", "unipen-string", "usps-train", "optdigits-train"}
    inputs, texts = SequenceGenerator(few_digits, SynthConfig(real_fraction=0.5), seed=4).batch(16, 0)
    assert inputs.shape == (16,) + preprocess.INPUT_SHAPE and inputs.dtype == np.float32
    assert 0.0 <= inputs.min() and inputs.max() <= 1.0
    assert [sum(row > 0) for row in synth.encode_labels(texts, 8)] == [len(t) for t in texts]


def test_the_real_share_of_strings_is_the_asked_one(few_digits):
    generator = SequenceGenerator(few_digits, SynthConfig(real_fraction=0.3, realistic=False), seed=8)
    rng = generator.rng(0)
    origins = [generator.sample(rng).origin for _ in range(300)]
    assert abs(np.mean([o != "mnist" for o in origins]) - 0.3) < 0.08


def test_a_composed_string_is_one_writers_digits(real_samples, pool):
    composed = [s for s in real_samples if s.origin == "unipen"]
    assert len(composed) > 100
    for sample in composed:
        assert len(set(sample.writers)) == 1
        labels = {str(d) for d in pool.labels[sample.writers[0]]}
        assert set(sample.text) <= labels  # digits that writer wrote
    assert len({s.writers[0] for s in composed}) > 40  # many writers, not one


def test_whole_unipen_strings_are_digit_only_strings_of_the_train_split(real_samples, pool):
    assert pool.strings and all(synth.is_digit_string(s.label) and len(s.label) > 1 for s in pool.strings)
    wholes = [s for s in real_samples if s.origin == "unipen-string"]
    assert wholes and {s.text for s in wholes} <= {s.label for s in pool.strings}
    with_separators = [s for s in realdata.load_unipen("strings", "train") if not s.label.isdigit()]
    assert with_separators and not {s.label for s in with_separators} & {s.label for s in pool.strings}


@pytest.mark.parametrize("share", [0.0, 0.3, 0.7])
def test_runs_of_one_digit_are_put_in_at_the_asked_share(share):
    rng, labels = np.random.default_rng(1), np.array([0, 1, 2, 3, 3, 5, 6, 7, 8, 9, 0, 4])
    runs = [synth.pick_digits(rng, labels, int(rng.integers(2, 9)), share) for _ in range(3000)]
    assert abs(np.mean([repeat for _, repeat in runs]) - share) < 0.03
    for picks, repeat in runs:
        if repeat:
            assert RUN.search("".join(str(labels[i]) for i in picks))
    zero_runs = [picks for picks, repeat in runs if repeat and "00" in "".join(str(labels[i]) for i in picks)]
    assert share == 0 or len(zero_runs) > 0.4 * share * len(runs)  # "00", "000": half the runs are of 0s


def test_a_run_uses_the_writers_other_samples_of_that_digit_where_there_are():
    labels = np.array([0, 0, 0, 1, 2])  # three 0s, one 1, one 2
    for seed in range(50):
        picks, repeat = synth.pick_digits(np.random.default_rng(seed), labels, 2, 1.0)  # the run is the string
        assert repeat and labels[picks[0]] == labels[picks[1]]
        if labels[picks[0]] == 0:
            assert picks[0] != picks[1]


def test_real_strings_have_runs_at_the_asked_share(few_digits):
    generator = SequenceGenerator(few_digits, SynthConfig(real_fraction=1.0, real_whole_fraction=0.0,
                                                          repeat_fraction=0.5, min_length=2), seed=6)
    rng = generator.rng(0)
    samples = [generator.sample(rng) for _ in range(160)]
    assert abs(np.mean([s.repeat for s in samples]) - 0.5) < 0.13
    assert all(RUN.search(s.text) for s in samples if s.repeat)


def test_a_hand_lays_digits_out_touching_overlapping_or_apart_on_a_drifting_baseline():
    masks = [np.ones((30, 20), np.float32) for _ in range(5)]
    gaps, overlaps, drifts = [], [], []
    for seed in range(200):
        canvas, boxes = synth.write_along(masks, np.random.default_rng(seed))
        assert canvas.max() == 1.0 and len(boxes) == 5
        for (x0, _, w0, _), (x1, _, w1, _) in zip(boxes, boxes[1:]):
            gaps.append(x1 - (x0 + w0))
            overlaps.append(-gaps[-1] / min(w0, w1))
        drifts.append(abs(boxes[-1][1] - boxes[0][1]))
    gaps = np.array(gaps)
    assert (gaps < 0).any() and (gaps == 0).any() and (gaps > 5).any()
    assert max(overlaps) <= synth.MOST_OVERLAP + 0.05
    assert max(drifts) > 5  # some baselines rise or fall across the string


def writers_of(split: str) -> set[str]:
    found = set()
    for kind in realdata.UNIPEN_KINDS:
        index = realdata.unipen_index(kind)
        found |= set(index["writers"][np.isin(index["labs"], realdata.split_labs(split))])
    return found


def test_only_the_train_split_is_ever_drawn(pool, real_samples):
    held_out = writers_of("validation") | writers_of("test")
    train_labs = set(realdata.split_labs("train"))
    in_pool = [s for samples in pool.by_writer.values() for s in samples] + list(pool.strings) + pool.separated
    assert {s.lab for s in in_pool} <= train_labs and not {s.writer for s in in_pool} & held_out
    assert {d.source: len(d) for d in pool.scans} == {"usps-train": len(realdata.load_scans("usps", "train")),
                                                      "optdigits-train": len(realdata.load_scans("optdigits", "train"))}
    used = {writer for sample in real_samples for writer in sample.writers}
    assert used and not used & held_out
    assert used <= writers_of("train") | {"usps-train", "optdigits-train"}


def test_real_strings_are_the_same_in_a_spawned_data_process(few_digits):
    config = SynthConfig(real_fraction=0.5, max_length=4)
    here = SequenceGenerator(few_digits, config, seed=2).batch(6, 0, 1)
    with multiprocessing.get_context("spawn").Pool(1, synth.start_worker, (few_digits, config, 2)) as workers:
        there = workers.apply(synth.worker_batch, (6, 0, 1))
    assert here[1] == there[1]
    np.testing.assert_array_equal(here[0], there[0])


def test_a_crowded_hand_overlaps_its_digits_more_but_within_its_limit():
    masks = [np.ones((30, 20), np.float32) for _ in range(5)]
    overlaps = {False: [], True: []}
    for crowded in (False, True):
        for seed in range(200):
            _, boxes = synth.write_along(masks, np.random.default_rng(seed), crowded)
            pairs = zip(boxes, boxes[1:])
            overlaps[crowded] += [(x0 + w0 - x1) / min(w0, w1) for (x0, _, w0, _), (x1, _, w1, _) in pairs]
    assert np.mean(overlaps[True]) > np.mean(overlaps[False]) + 0.1
    assert max(overlaps[True]) <= synth.CROWDED_OVERLAP + 0.05 and max(overlaps[True]) > synth.MOST_OVERLAP + 0.05


def test_crowded_strings_come_at_the_asked_share_and_leave_other_configs_as_they_were(few_digits):
    plain = fingerprint(SequenceGenerator(few_digits, REAL, seed=9), 12)
    assert fingerprint(SequenceGenerator(few_digits, replace(REAL, crowded_fraction=0.0), seed=9), 12) == plain
    assert fingerprint(SequenceGenerator(few_digits, replace(REAL, crowded_fraction=1.0), seed=9), 12) != plain
    with pytest.raises(ValueError, match="crowded_fraction"):
        SynthConfig(crowded_fraction=-0.1)


def test_the_card_names_the_real_sources_and_the_flags_reach_the_config():
    from training.__main__ import build_parser
    from training.fitting.train import TrainConfig, real_handwriting

    assert real_handwriting(TrainConfig()) == {}
    note = real_handwriting(TrainConfig(real_fraction=0.5, repeat_fraction=0.4))["real_handwriting"]
    assert note["fraction"] == 0.5 and note["repeat_fraction"] == 0.4
    assert "UNIPEN train split" in note["sources"]["unipen"]
    assert set(note["sources"]["scans"]) == {"usps-train", "optdigits-train"}
    held_out = set(note["held_out"]["unipen_test_labs"]) | set(note["held_out"]["unipen_validation_labs"])
    assert len(note["held_out"]["unipen_test_labs"]) >= 3 and not held_out & set(realdata.split_labs("train"))
    args = build_parser().parse_args(["train", "--real-fraction", "0.5", "--repeat-fraction", "0.4"])
    assert (args.real_fraction, args.repeat_fraction) == (0.5, 0.4)
    assert TrainConfig(real_fraction=0.5).synth_config().real_fraction == 0.5
    with pytest.raises(ValueError, match="real_fraction"):
        TrainConfig(real_fraction=1.5)


def test_the_scans_validation_tenth_is_never_trained_on():
    from training.sources import realdata

    for source in ("usps", "optdigits"):
        train, validation = realdata.load_scans(source, "train"), realdata.load_scans(source, "validation")
        whole = realdata.SCAN_LOADERS[source]("train")
        assert len(train) + len(validation) == len(whole) and len(validation) == round(0.1 * len(whole))
        seen = {image.tobytes() for image in train.images}
        assert sum(image.tobytes() in seen for image in validation.images) < 0.02 * len(validation)  # a few twins
