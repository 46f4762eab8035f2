"""Turn model logits into strings with confidences (numpy only: the web process uses it).

Logits are (steps, classes) per line: class 0 is blank / "nothing", class i + 1 is character i of the model's
alphabet (its card's ``alphabet``: "0123456789", or with separators and the space, ``alphabet.TEXT_ALPHABET``).
Without an alphabet, the decoders take the one the number of classes names (11: digits, 20: text).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.core.alphabet import ALPHABETS, BLANK

ALPHABET_BY_CLASSES = {len(a) + 1: a for a in ALPHABETS.values()}


@dataclass(frozen=True)
class DecodedChar:
    """One character read (a digit or a separator): the character, its probability, and the model steps
    [start, end) it came from."""

    char: str
    confidence: float
    start: int
    end: int


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def alphabet_for(logits: np.ndarray, alphabet: str | None = None) -> str:
    """``alphabet`` checked against the logits' classes, or the registered one with that many classes."""
    classes = logits.shape[-1]
    alphabet = alphabet if alphabet is not None else ALPHABET_BY_CLASSES.get(classes)
    if alphabet is None or len(alphabet) + 1 != classes:
        raise ValueError(f"logits with {classes} classes need an alphabet of {classes - 1} characters, "
                         f"received {alphabet!r}")
    return alphabet


def ctc_greedy(logits: np.ndarray, alphabet: str | None = None) -> list[DecodedChar]:
    """Best path: argmax per step, merge repeats, drop blanks; a character's confidence is its peak probability."""
    alphabet = alphabet_for(logits, alphabet)
    probs = softmax(logits.astype(np.float32))
    best = probs.argmax(axis=-1)
    chars: list[DecodedChar] = []
    step = 0
    while step < len(best):
        end = step
        while end < len(best) and best[end] == best[step]:
            end += 1
        if best[step] != BLANK:
            peak = float(probs[step:end, best[step]].max())
            chars.append(DecodedChar(alphabet[best[step] - 1], peak, step, end))
        step = end
    return chars


def positional(logits: np.ndarray, alphabet: str | None = None) -> list[DecodedChar]:
    """One head per position: read heads left to right until the first "no digit"."""
    alphabet = alphabet_for(logits, alphabet)
    probs = softmax(logits.astype(np.float32))
    chars: list[DecodedChar] = []
    for position, row in enumerate(probs):
        cls = int(row.argmax())
        if cls == BLANK:
            break
        chars.append(DecodedChar(alphabet[cls - 1], float(row[cls]), position, position + 1))
    return chars


DECODERS = {"ctc": ctc_greedy, "positional": positional}


def decode_batch(logits: np.ndarray, decoder: str, alphabet: str | None = None) -> list[list[DecodedChar]]:
    """Decode (batch, steps, classes) logits with the named decoder."""
    return [DECODERS[decoder](row, alphabet) for row in logits]


def separator_doubt(logits: np.ndarray, chars: list[DecodedChar], alphabet: str | None = None) -> float:
    """How likely a separator was dropped (a "3.14" read "314"): the highest probability the separators
    (``.,-/:()+``, not the space) had together at a step where none was read. 0 for a digits-only model."""
    alphabet = alphabet_for(logits, alphabet)
    columns = [i + 1 for i, c in enumerate(alphabet) if not c.isdigit() and c != " "]
    if not columns:
        return 0.0
    separator_probs = softmax(logits.astype(np.float32))[:, columns].sum(axis=1)  # (steps,)
    for char in chars:
        if char.char in alphabet and alphabet.index(char.char) + 1 in columns:
            separator_probs[char.start : char.end] = 0.0  # read: not dropped
    return float(separator_probs.max(initial=0.0))


def texts(decoded: list[list[DecodedChar]]) -> list[str]:
    return ["".join(d.char for d in chars) for chars in decoded]
