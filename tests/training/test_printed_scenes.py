"""The printed-number renderer for training (training/scenes/printed.py, segments.py; issue 37)."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

from training.core.alphabet import DIGIT_ALPHABET, TEXT_ALPHABET
from training.core.preprocess import INPUT_SHAPE, normalize_line
from training.scenes import printed, segments

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK_RENDERER = ROOT / "benchmarks" / "scenes" / "printed.py"


@pytest.fixture(scope="module")
def scenes():
    """300 scenes of the text alphabet, one rng: every kind many times."""
    strings, rng = printed.PrintedStrings(TEXT_ALPHABET, 8), np.random.default_rng(11)
    return [strings.scene(rng) for _ in range(300)]


def test_samples_are_grey_crops_with_truths_in_the_alphabet(scenes):
    assert {s.kind for s in scenes} == set(printed.KINDS)
    for scene in scenes:
        assert scene.image.dtype == np.uint8 and scene.image.ndim == 2 and min(scene.image.shape) >= 4
        assert scene.text and set(scene.text) <= set(TEXT_ALPHABET) and re.search(r"\d", scene.text)
        assert scene.text == scene.text.strip() and len(scene.text) <= printed.TEXT_LABEL_WIDTH


def test_sample_is_a_training_sample_in_the_digit_alphabet_too():
    strings, rng = printed.PrintedStrings(DIGIT_ALPHABET, 6), np.random.default_rng(2)
    for _ in range(80):
        sample = strings.sample(rng)
        assert set(sample.text) <= set(DIGIT_ALPHABET) and 1 <= len(sample.text) <= 6
        assert sample.origin.startswith("printed-") and sample.image.dtype == np.uint8
    assert len(strings.sample(rng, length=5).text) == 5


def test_words_are_often_inside_the_crop_and_never_in_the_truth(scenes):
    with_words = [s for s in scenes if s.words]
    assert len(with_words) >= 0.35 * len(scenes)
    for scene in with_words:
        for word in scene.words:
            assert word in printed.WORDS_BEFORE + printed.WORDS_AFTER + printed.INDICATORS
            assert word not in scene.text
        assert not re.search(r"[A-Za-z$#@%]", scene.text)
    every_word = printed.WORDS_BEFORE + printed.WORDS_AFTER + printed.INDICATORS
    assert all(re.search(r"[A-Za-z$#@%]", w) and not re.search(r"\d", w) for w in every_word)


def test_lone_ones_beside_slashes_and_brackets_are_common(scenes):
    printed_texts = [s.text for s in scenes if s.kind not in ("lcd", "led")]
    beside = [t for t in printed_texts if re.search(r"1[/()]|[/()]1", t)]
    assert len(beside) >= 0.08 * len(printed_texts)


def test_separators_are_printed_in_many_formats(scenes):
    texts = " ".join(s.text for s in scenes)
    for mark in ".,-/:() +":
        assert mark in texts


def test_normalize_line_accepts_every_sample(scenes):
    for scene in scenes:
        line, _ = normalize_line(scene.image)
        assert line.shape == INPUT_SHAPE and line.max() > 0.5, (scene.kind, scene.text)


def test_the_same_seed_gives_the_same_sample():
    strings = printed.PrintedStrings(TEXT_ALPHABET, 8)
    for seed in range(12):
        a, b = (strings.sample(np.random.default_rng([seed, 4])) for _ in range(2))
        assert a.text == b.text and a.origin == b.origin and np.array_equal(a.image, b.image)


def test_seven_segment_table_is_the_standard_one():
    counts = {d: len(segments.SEGMENTS[d]) for d in "0123456789"}
    assert counts == {"0": 6, "1": 2, "2": 5, "3": 5, "4": 4, "5": 5, "6": 6, "7": 3, "8": 7, "9": 6}
    assert len({frozenset(segments.SEGMENTS[d]) for d in "0123456789"}) == 10
    assert segments.SEGMENTS["1"] == "bc" and segments.SEGMENTS["7"] == "abc" and segments.SEGMENTS["-"] == "g"
    assert set(segments.SEGMENTS["8"]) == set(segments.SEGMENT_LINES)


# The usual decoder bytes of a seven-segment driver, bit 0 = a ... bit 6 = g: a table written apart from the
# renderer's, to check what it lights.
DRIVER_BYTES = {"0": 0x3F, "1": 0x06, "2": 0x5B, "3": 0x4F, "4": 0x66, "5": 0x6D, "6": 0x7D, "7": 0x07, "8": 0x7F,
                "9": 0x6F}
VARIANT_BYTES = {"6": 0x7C, "7": 0x27, "9": 0x67}  # the 6 without its top, the 7 with a left bar, the 9 no tail


@pytest.mark.parametrize("variants", [False, True])
def test_seven_segment_digits_light_the_right_segments(variants):
    style = segments.SegmentStyle(width=30, height=60, thickness=8, gap=1, slant=0.0, pitch=55, variants=variants)
    margin = style.thickness * 1.5
    for digit in "0123456789":
        lit, unlit = segments.draw_display(digit, 0, style)
        bits = VARIANT_BYTES.get(digit, DRIVER_BYTES[digit]) if variants else DRIVER_BYTES[digit]
        table = {name for bit, name in enumerate("abcdefg") if bits >> bit & 1}
        for name in segments.SEGMENT_LINES:
            x, y = segments.segment_polygon(name, style, margin, margin).mean(axis=0).round().astype(int)
            assert (lit[y, x] == 255) == (name in table), (digit, name)
            assert (unlit[y, x] == 255) == (name not in table), (digit, name)


def test_a_display_lights_its_decimal_point_and_colon_and_leaves_blank_cells_unlit():
    style = segments.SegmentStyle(width=30, height=60, thickness=8, gap=1, slant=0.1, pitch=55)
    plain, _ = segments.draw_display("1234", 0, style)
    pointed, _ = segments.draw_display("12.34", 0, style)
    clock, _ = segments.draw_display("12:34", 0, style)
    assert pointed.sum() > plain.sum() and clock.sum() > pointed.sum()
    lit, unlit = segments.draw_display("7", 2, style)
    assert not lit[:, : int(2 * style.pitch)].any() and unlit[:, : int(2 * style.pitch)].any()
    assert segments.display_cells("-1.5:30") == (["-", "1", "5", "3", "0"], {1}, {2})


def test_training_fonts_share_no_family_with_the_benchmark():
    benchmark = [f for split in printed.BENCHMARK_FAMILIES.values() for f in split]
    assert set(printed.BENCHMARK_LINEAGE) == set(benchmark)
    lineage = [re.sub(r"\W", "", name).lower() for names in printed.BENCHMARK_LINEAGE.values() for name in names]
    assert not set(printed.TRAINING_FAMILIES) & set(benchmark)
    for face in printed.TRAINING_FACES:
        squashed = re.sub(r"\W", "", face.family + Path(face.path).name).lower()
        assert not any(name in squashed for name in lineage), face
    assert len(printed.TRAINING_FAMILIES) >= 6
    assert {"sans", "serif", "mono", "condensed"} <= {face.style for face in printed.TRAINING_FACES}


def test_the_benchmark_families_written_here_are_the_benchmarks_own():
    """Read (not imported: training keeps out of benchmarks) from the benchmark's renderer: its split, and no
    font file of it among training's."""
    tree = ast.parse(BENCHMARK_RENDERER.read_text())
    splits = next(ast.literal_eval(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", "") == "FONT_SPLITS" for t in node.targets))
    assert {k: tuple(v) for k, v in splits.items()} == printed.BENCHMARK_FAMILIES
    files = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value.endswith((".ttf", ".otf"))}
    assert files and not files & {Path(face.path).name for face in printed.TRAINING_FACES}


def test_every_training_font_is_installed_and_the_setup_installs_its_package():
    printed.check_fonts()
    setup = (ROOT / ".ci" / "setup").read_text()
    for package in printed.TRAINING_PACKAGES:
        assert re.search(rf"\b{re.escape(package)}\b", setup), package


def test_a_missing_font_names_its_apt_package(monkeypatch, tmp_path):
    face = printed.Face("Nowhere Sans", "fonts-nowhere", "truetype/nowhere/NowhereSans.ttf", "sans")
    with pytest.raises(printed.MissingFont, match=r"apt-get install fonts-nowhere"):
        printed.load_font(face, 30)
    monkeypatch.setattr(printed, "FONT_ROOT", tmp_path)
    with pytest.raises(printed.MissingFont, match=r"apt-get install fonts-"):
        printed.PrintedStrings(TEXT_ALPHABET, 8)


def test_printed_share_is_routed_like_the_paper_share():
    from training.scenes import paper, synth
    from training.sources import datasets

    digits = datasets.Digits(np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8),
                             np.arange(50, dtype=np.uint8) % 10, "noise")
    plain = paper.generator_for(digits, synth.SynthConfig(alphabet=TEXT_ALPHABET), 3)
    assert type(plain) is synth.SequenceGenerator
    mixed = paper.generator_for(digits, synth.SynthConfig(alphabet=TEXT_ALPHABET, printed_fraction=0.5), 3)
    assert isinstance(mixed, printed.PrintedGenerator)
    rng = np.random.default_rng(5)
    origins = [mixed.sample(rng).origin for _ in range(60)]
    assert 15 <= sum(o.startswith("printed-") for o in origins) <= 45
    inputs, texts = mixed.batch(6, 0, 1)
    again = mixed.batch(6, 0, 1)
    assert inputs.shape == (6, *INPUT_SHAPE) and texts == again[1] and np.array_equal(inputs, again[0])
    with pytest.raises(ValueError, match="printed_fraction"):
        synth.SynthConfig(printed_fraction=1.5)
