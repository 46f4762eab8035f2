"""Paper and pen sources of issue 35 (training.sources.paperdata): checksums, splits by writer, loaders. No TensorFlow."""
import json

import numpy as np

from training.sources import paperdata, realdata


def test_bundled_paper_files_match_their_checksums():
    paperdata.verify_paper_checksums()


def test_the_recorded_paper_splits_are_what_the_rule_gives():
    assert realdata.load_splits()["paper"] == json.loads(json.dumps(paperdata.make_paper_splits()))


def test_register_test_is_whole_registers_of_the_source_train_folder():
    a = paperdata.arrays("register-numbers")
    names = paperdata.register_split_names()
    assert (names[a["split"] == "validation"] == "validation").all()
    registers = {s: set(a["registers"][names == s]) for s in ("train", "validation", "test")}
    assert not registers["test"] & registers["train"]
    assert not registers["test"] & registers["validation"]
    share = (names == "test").sum() / (a["split"] == "train").sum()
    assert 0.15 <= share <= 0.30


def test_register_validation_has_the_source_validation_numbers():
    crops = paperdata.load_crops("register-numbers", "validation")
    assert len(crops) == 2686
    assert all(c.label.isdigit() and c.image.dtype == np.uint8 and c.image.ndim == 2 for c in crops[:50])


def test_cheques_are_split_in_fifths_with_a_box_per_digit():
    sizes = {s: len(paperdata.load_crops("cheque-amounts", s)) for s in realdata.SPLITS}
    assert sizes == {"train": 648, "validation": 216, "test": 216}
    ids = {s: {c.writer for c in paperdata.load_crops("cheque-amounts", s)} for s in realdata.SPLITS}
    assert not ids["train"] & ids["validation"] and not ids["train"] & ids["test"] and not ids["validation"] & ids["test"]
    crop = paperdata.load_crops("cheque-amounts", "validation")[0]
    assert crop.boxes.shape == (len(crop.label), 4)


def test_swiss_splits_are_ranges_of_n_with_a_guard_between():
    a = paperdata.arrays("swiss-numbers")
    n, names = paperdata.swiss_numbers(a), paperdata.swiss_split_names()
    for digit in "0123456789":
        m = a["labels"] == digit
        train, validation, test = (n[m & (names == s)] for s in ("train", "validation", "test"))
        assert train.max() + 2 * paperdata.SWISS_GUARD <= validation.min()
        assert validation.max() + 2 * paperdata.SWISS_GUARD <= test.min()
    digits = paperdata.load_scanned("swiss-numbers", "validation")
    assert digits.images.shape[1:] == (16, 16) and digits.images.mean() < 128  # white ink on black


def test_semeion_passes_are_whole_batches():
    passes = paperdata.semeion_passes(paperdata.arrays("semeion")["labels"])
    assert passes.max() == 5 and (np.diff(passes) >= 0).all()
    sizes = {s: len(paperdata.load_scanned("semeion", s)) for s in realdata.SPLITS}
    assert sum(sizes.values()) == 1593 and sizes["validation"] > 150 and sizes["test"] > 300


def test_pendigits_writers_do_not_cross_splits():
    writers = {s: {p.writer for p in paperdata.load_pen("pendigits", s)} for s in realdata.SPLITS}
    assert len(writers["train"]) == 30 and len(writers["validation"]) == 7 and len(writers["test"]) == 7
    assert not writers["validation"] & writers["test"]
    sample = paperdata.load_pen("pendigits", "validation")[0]
    assert abs(sample.height - 1.0) < 1e-5


def test_symbol_labs_follow_the_digit_splits():
    labs = paperdata.arrays("unipen-symbols")["labs"]
    chosen = {s: set(paperdata.symbol_split_labs(s, labs)) for s in realdata.SPLITS}
    assert set().union(*chosen.values()) == set(labs)
    assert set(realdata.split_labs("test")) & set(labs) <= chosen["test"]
    assert set(realdata.split_labs("validation")) & set(labs) <= chosen["validation"]


# --------------------------------------------------------------------------------------------- the renderer


def test_paper_strings_are_grey_crops_of_their_digits_and_repeat_by_seed():
    from training.core import preprocess
    from training.scenes import paper

    strings = paper.PaperStrings(paper.load_paper_pool(), 8)
    first = [strings.sample(np.random.default_rng([7, k])) for k in range(40)]
    again = [strings.sample(np.random.default_rng([7, k])) for k in range(40)]
    for a, b in zip(first, again):
        assert a.text == b.text and np.array_equal(a.image, b.image)
        assert a.image.dtype == np.uint8 and a.image.ndim == 2 and a.text.isdigit() and 1 <= len(a.text) <= 8
        assert preprocess.normalize_line(a.image)[0].shape == (32, 256, 1)
    origins = {s.origin.split("-")[0] for s in first}
    assert {"paper", "register"} <= origins


def test_round_amounts_and_runs_are_common():
    from training.scenes import paper

    rng = np.random.default_rng(0)
    texts = [paper.number_text(rng, 4) for _ in range(500)]
    assert sum(t.endswith("00") for t in texts) > 0.2 * len(texts)
    assert all(len(t) == 4 and t.isdigit() for t in texts)


def test_the_paper_pool_holds_train_writers_only():
    from training.scenes import paper

    pool = paper.load_paper_pool()
    held = set(realdata.split_labs("validation")) | set(realdata.split_labs("test"))
    assert not {w.split("/")[0] for w in pool.pen_writers} & held
    assert not {w for w in pool.pen_writers if w.startswith("tes-")}
    validation_registers = {c.writer for c in paperdata.load_crops("register-numbers", "validation")}
    assert not {c.writer for c in pool.registers} & validation_registers
    assert not {c.writer for c in pool.cheques} & {c.writer for c in paperdata.load_crops("cheque-amounts", "validation")}
    assert pool.words and {w.lab for w in pool.words} <= set(paperdata.symbol_split_labs("train", np.array(
        sorted({w.lab for w in pool.words}))))  # the words of train labs only


def test_no_paper_string_is_a_flat_picture():
    from training.scenes import paper

    strings = paper.PaperStrings(paper.load_paper_pool(), 8)
    for k in range(150):  # a binary scan's level once went past the paper: all ink, no number (2% of strings)
        image = strings.sample(np.random.default_rng([11, k])).image
        assert int(image.max()) - int(image.min()) > 40, k


def test_a_word_beside_a_number_widens_the_ink_and_leaves_the_truth():
    from training.scenes import paper

    pool = paper.load_paper_pool()
    mask = np.zeros((30, 50), np.float32)
    mask[5:28, 10:14] = 1.0  # a 1
    rng = np.random.default_rng(3)
    widened = paper.with_word(rng, pool.words, mask, 30)
    assert widened.shape[1] > mask.shape[1] + 0.3 * 30 and widened.max() == 1.0
    strings = paper.PaperStrings(pool, 8)
    texts = [strings.rendered(np.random.default_rng([4, k]), 3).text for k in range(30)]
    assert all(t.isdigit() and len(t) == 3 for t in texts)


def test_a_generator_without_paper_makes_the_strings_it_made_before():
    from training.scenes import paper, synth
    from training.sources import datasets

    digits = datasets.Digits(np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8),
                             np.arange(50, dtype=np.uint8) % 10, "noise")
    config = synth.SynthConfig()
    plain = synth.SequenceGenerator(digits, config, 3).batch(4, 0, 0)
    same = paper.generator_for(digits, config, 3).batch(4, 0, 0)
    assert plain[1] == same[1] and np.array_equal(plain[0], same[0])


def test_unipen_digits_keep_no_copied_or_broken_pen_data():
    arrays, index = realdata.unipen_arrays("digits"), realdata.unipen_index("digits")
    seen = set()
    for i in np.flatnonzero(index["kept"] & np.isin(index["labs"], realdata.COPYING_LABS)):
        strokes = realdata.sample_strokes(arrays, i)
        key = b"|".join(s.astype(np.int64).tobytes() for s in strokes)
        assert key not in seen
        seen.add(key)
        if index["labs"][i] == realdata.BROKEN_STROKE_LAB:
            assert not any(not s.min(axis=0).any() and np.ptp(s, axis=0).max() > realdata.BLOWN_UP for s in strokes)
    counts = realdata.load_splits()["label_filter"]["digits"]["dropped"]
    assert counts["repeated pen data"] > 290 and counts["broken strokes"] > 100
    # the copying labs are train labs: the held-out digits are as before
    assert not set(realdata.COPYING_LABS) & (set(realdata.split_labs("validation")) | set(realdata.split_labs("test")))


def test_found_numbers_carry_the_digits_the_finder_cut():
    from training.scenes import paper

    rng = np.random.default_rng(1)
    cheques = paperdata.load_crops("cheque-amounts", "train")[:30]
    found = [(c, paper.found_number(c, rng)) for c in cheques]
    assert sum(f is not None for _, f in found) >= 20
    for crop, result in found:
        if result is None:
            continue
        image, label = result
        assert image.ndim == 2 and image.size and label and label in crop.label
