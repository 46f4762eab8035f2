"""A number comes back as written (issue 22): ``text`` with its separators, ``digits`` alone, one box per
character, spaces only between groups, a mark with no digit not a number, and a separator the reader doubted
lowering the number's confidence. The recognizer's reading step, on logits made for each case."""
import numpy as np
import pytest

from training.core import preprocess
from training.core.alphabet import DIGIT_ALPHABET, TEXT_ALPHABET
from training.core import detect
from webapp.reading.recognizer import Crop, Prepared, Recognizer

STEPS = 64
TEXT_INFO = {"name": "text-model", "version": "1", "decoder": "ctc", "alphabet": TEXT_ALPHABET}


def _logits(chars: str, alphabet: str = TEXT_ALPHABET) -> np.ndarray:
    """(64, classes) logits reading ``chars`` two steps each, a blank step between, then blanks."""
    logits = np.full((STEPS, len(alphabet) + 1), -6.0, np.float32)
    logits[:, 0] = 6.0
    for i, ch in enumerate(chars):
        logits[3 * i : 3 * i + 2, 0] = -6.0
        logits[3 * i : 3 * i + 2, alphabet.index(ch) + 1] = 6.0
    return logits


def _read(*rows: np.ndarray, info: dict = TEXT_INFO) -> list[dict]:
    crop = Crop(10, 20, preprocess.Placement(0, 0, 1.0), detect.Region((10, 20, 200, 40), ((10, 20, 200, 40),)))
    prepared = Prepared(400, 100, np.zeros((len(rows),) + preprocess.INPUT_SHAPE, np.float32), [crop] * len(rows), {})
    return Recognizer(backend=None).read(prepared, np.stack(rows), info)


@pytest.mark.parametrize("written", ["3.14", "1,250", "12/05/2024", "(408) 974-8980", "-5", "10:30", "+49 30"])
def test_a_number_comes_back_as_written_with_its_digits_apart(written):
    [number] = _read(_logits(written))
    assert number["text"] == written and number["digits"] == "".join(c for c in written if c.isdigit())
    assert [c["char"] for c in number["chars"]] == list(written) and number["confidence"] > 0.99


def test_spaces_come_only_between_groups_and_a_mark_alone_is_not_a_number():
    [number] = _read(_logits(" 12  34 "))
    assert number["text"] == "12 34"
    assert _read(_logits("-"), _logits("./")) == []


def test_a_separator_the_reader_doubted_lowers_the_numbers_confidence():
    sure = _logits("3_14".replace("_", ""))
    doubted = _logits("3.14")
    point = TEXT_ALPHABET.index(".") + 1
    doubted[3:5, point], doubted[3:5, 0] = 5.5, 6.0  # the point at 38%: blank wins, "314" is read
    [plain], [unsure] = _read(sure), _read(doubted)
    assert plain["text"] == unsure["text"] == "314"
    assert plain["confidence"] > 0.99 and unsure["confidence"] < 0.65
    assert all(c["confidence"] > 0.99 for c in unsure["chars"])  # the digits themselves are sure


def test_a_digits_only_model_reads_as_before():
    [number] = _read(_logits("4071", DIGIT_ALPHABET), info={**TEXT_INFO, "alphabet": DIGIT_ALPHABET})
    assert (number["text"], number["digits"]) == ("4071", "4071") and number["confidence"] > 0.99
    [again] = _read(_logits("4071", DIGIT_ALPHABET), info={k: v for k, v in TEXT_INFO.items() if k != "alphabet"})
    assert again == number
