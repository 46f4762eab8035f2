"""The characters the reader reads: digits, the separators ``.,-/:()+`` and a space between groups.

A model's output class 0 is the CTC blank ("nothing" / "no digit"); character i of its alphabet (its card's
``alphabet``) is class i + 1. ``label_problem`` is the rule a written number's text keeps to, for the real
handwriting's labels and for the corrections users type alike.
"""
from __future__ import annotations

BLANK = 0  # class 0 is the CTC blank / "no digit"; character i of the alphabet is class i + 1
DIGIT_ALPHABET = "0123456789"
TEXT_ALPHABET = DIGIT_ALPHABET + ".,-/:()+ "  # numbers as written: digits, separators, a space between groups
ALPHABETS = {"digits": DIGIT_ALPHABET, "text": TEXT_ALPHABET}
NUM_CLASSES = len(DIGIT_ALPHABET) + 1

DIGITS = frozenset("0123456789")
SEPARATORS = frozenset(".,-/:()+")
STRING_CHARS = DIGITS | SEPARATORS | {" "}


def num_classes(alphabet: str) -> int:
    """The model's output classes for an alphabet: one per character plus the blank."""
    return len(alphabet) + 1


def label_problem(label: str) -> str | None:
    """Why a UNIPEN string label is not kept, or None to keep it. Kept: digits, the separators ``.,-/:()+``
    and single spaces between marks, with at least one digit."""
    if not label:
        return "empty"
    if not set(label) <= STRING_CHARS:
        return "other characters"  # in the bundled file: $ and # (letters were dropped upstream)
    if label != label.strip() or "  " in label:
        return "odd spacing"
    if not set(label) & DIGITS:
        return "no digit"
    return None
