"""Reading numbers as written (issue 22): the text alphabet (digits, ``.,-/:()+`` and the space), its labels,
its decoding, the separator doubt, a digit reader's head widened to it, training strings with separators, and
the rescorer leaving separators alone."""
import numpy as np
import pytest

from training.core import decode, rescore
from training.core.alphabet import DIGIT_ALPHABET, TEXT_ALPHABET, num_classes
from training.models import builders as models
from training.scenes import synth
from training.scenes.synth import SequenceGenerator, SynthConfig, encode_labels
from training.sources import datasets, realdata

SEPARATED = SynthConfig(real_fraction=1.0, separator_fraction=1.0, alphabet=TEXT_ALPHABET)


@pytest.fixture
def ten_blank_digits():
    """An MNIST pool the separated strings never draw from (they are all real handwriting)."""
    return datasets.Digits(np.zeros((10, 28, 28), np.uint8), np.arange(10, dtype=np.uint8), "blank-10")


def _one_hot(chars: str, alphabet: str = TEXT_ALPHABET, steps_per_char: int = 2) -> np.ndarray:
    """Logits (steps, classes) reading ``chars`` ("_" for a blank step), each char for ``steps_per_char`` steps."""
    logits = np.full((len(chars) * steps_per_char, len(alphabet) + 1), -6.0, np.float32)
    for i, ch in enumerate(np.repeat(list(chars), steps_per_char)):
        logits[i, 0 if ch == "_" else alphabet.index(ch) + 1] = 6.0
    return logits


def test_labels_encode_each_character_of_the_alphabet_and_refuse_others():
    labels = encode_labels(["3.14", "(408) 974-8980"], 24, TEXT_ALPHABET)
    assert labels.shape == (2, 24) and labels[0, :4].tolist() == [4, 11, 2, 5] and not labels[0, 4:].any()
    assert "".join(TEXT_ALPHABET[c - 1] for c in labels[1] if c) == "(408) 974-8980"
    assert encode_labels(["307"], 8).tolist() == [[4, 1, 8, 0, 0, 0, 0, 0]]  # the digit alphabet as before
    with pytest.raises(ValueError, match="3.14"):
        encode_labels(["3.14"], 8)  # no point in the digit alphabet
    with pytest.raises(ValueError, match="too long|classes"):
        encode_labels(["123456789"], 8)


def test_decoding_follows_the_alphabet_given_or_the_one_the_classes_name():
    logits = _one_hot("12_/_05")
    assert decode.texts([decode.ctc_greedy(logits)]) == ["12/05"]
    assert decode.texts([decode.ctc_greedy(logits, TEXT_ALPHABET)]) == ["12/05"]
    assert decode.texts([decode.ctc_greedy(_one_hot("4_4", DIGIT_ALPHABET))]) == ["44"]
    with pytest.raises(ValueError, match="received '0123456789'"):
        decode.ctc_greedy(logits, DIGIT_ALPHABET)
    with pytest.raises(ValueError, match="13 classes"):
        decode.ctc_greedy(np.zeros((4, 13), np.float32))


def test_a_separator_the_reader_nearly_read_is_doubt_and_one_it_read_is_not():
    logits = _one_hot("3__14")
    assert decode.separator_doubt(logits, decode.ctc_greedy(logits)) < 1e-3
    logits[2:4, TEXT_ALPHABET.index(".") + 1] = 5.5  # a point at 38%: blank wins, "314" is read
    chars = decode.ctc_greedy(logits)
    assert "".join(c.char for c in chars) == "314" and 0.3 < decode.separator_doubt(logits, chars) < 0.5
    read = _one_hot("3_.14")
    assert decode.separator_doubt(read, decode.ctc_greedy(read)) < 1e-3
    digits_only = _one_hot("314", DIGIT_ALPHABET)
    assert decode.separator_doubt(digits_only, decode.ctc_greedy(digits_only)) == 0.0


def test_a_widened_head_reads_digits_as_the_digit_model_did(line_batch):
    digit_model = models.build("crnn")
    wide = models.widened_head(digit_model, num_classes(TEXT_ALPHABET))
    assert wide.output_shape == (None, 64, 20) and wide.name == "crnn"
    inputs = line_batch[0][:4]
    before, after = np.asarray(digit_model(inputs, training=False)), np.asarray(wide(inputs, training=False))
    np.testing.assert_allclose(after[..., :11], before, atol=1e-5)
    assert (after[..., 11:].max(axis=-1) < after[..., :11].max(axis=-1)).all()  # new characters start unlikely
    with pytest.raises(ValueError, match="received 5"):
        models.widened_head(digit_model, 5)


def test_separated_strings_come_from_the_train_split_and_encode_in_the_text_alphabet(ten_blank_digits):
    generator = SequenceGenerator(ten_blank_digits, SEPARATED, seed=4)
    rng = generator.rng(0)
    samples = [generator.sample(rng) for _ in range(40)]
    texts = [s.text for s in samples]
    assert sum(bool(set(t) & realdata.SEPARATORS) for t in texts) >= 30, texts
    assert {s.origin for s in samples} == {"unipen-string", "separators"}
    assert encode_labels(texts, synth.TEXT_LABEL_WIDTH, TEXT_ALPHABET).shape == (40, synth.TEXT_LABEL_WIDTH)
    train_writers = {s.writer for s in realdata.load_unipen("digits", "train")} | \
        {s.writer for s in realdata.load_unipen("strings", "train")}
    assert {w for s in samples for w in s.writers} <= train_writers
    assert all(s.image.dtype == np.uint8 and s.image.shape[0] > 8 for s in samples)


def test_separators_need_the_text_alphabet():
    with pytest.raises(ValueError, match="alphabet with separators"):
        SynthConfig(real_fraction=1.0, separator_fraction=0.3)
    from training.fitting.train import TrainConfig

    with pytest.raises(ValueError, match="--alphabet"):
        TrainConfig(alphabet="letters")
    config = TrainConfig(alphabet="text", real_fraction=0.5, separator_fraction=0.3)
    assert config.synth_config().alphabet == TEXT_ALPHABET and config.label_width == synth.TEXT_LABEL_WIDTH


def test_the_rescorer_rereads_digits_and_keeps_a_separators_run_as_it_was():
    probs = np.full((3, 20), 0.01)
    probs[:, TEXT_ALPHABET.index("7") + 1] = 0.5
    probs[:, TEXT_ALPHABET.index(".") + 1] = 0.2
    probs /= probs.sum(axis=1, keepdims=True)
    says_one = np.log(np.eye(10)[1] * 0.9 + 0.01)
    fused = rescore.fuse_digit(probs, says_one, weight=2.0)
    point = TEXT_ALPHABET.index(".") + 1
    np.testing.assert_allclose(fused.sum(axis=1), 1.0)
    assert fused[:, 2].min() > fused[:, 8].max()  # the 7 gave way to the classifier's 1
    np.testing.assert_allclose(fused[:, point], probs[:, point], rtol=0.2)  # the point kept its share
    digit_probs = probs[:, :11] / probs[:, :11].sum(axis=1, keepdims=True)  # a digit reader's run
    fused_digits = rescore.fuse_digit(digit_probs, says_one, 2.0)
    assert fused_digits.shape == (3, 11) and fused_digits[:, 2].min() > fused_digits[:, 8].max()
