"""Turn model logits into digit strings with confidences (numpy only: the web process uses it).

Logits are (steps, 11) per line: class 0 is blank / "no digit", class d + 1 is digit d.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.synth import BLANK


@dataclass(frozen=True)
class DecodedDigit:
    """One digit read: its character, probability, and the model steps [start, end) it came from."""

    digit: str
    confidence: float
    start: int
    end: int


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def ctc_greedy(logits: np.ndarray) -> list[DecodedDigit]:
    """Best path: argmax per step, merge repeats, drop blanks; a digit's confidence is its peak probability."""
    probs = softmax(logits.astype(np.float32))
    best = probs.argmax(axis=-1)
    digits: list[DecodedDigit] = []
    step = 0
    while step < len(best):
        end = step
        while end < len(best) and best[end] == best[step]:
            end += 1
        if best[step] != BLANK:
            peak = float(probs[step:end, best[step]].max())
            digits.append(DecodedDigit(str(best[step] - 1), peak, step, end))
        step = end
    return digits


def positional(logits: np.ndarray) -> list[DecodedDigit]:
    """One head per position: read heads left to right until the first "no digit"."""
    probs = softmax(logits.astype(np.float32))
    digits: list[DecodedDigit] = []
    for position, row in enumerate(probs):
        cls = int(row.argmax())
        if cls == BLANK:
            break
        digits.append(DecodedDigit(str(cls - 1), float(row[cls]), position, position + 1))
    return digits


DECODERS = {"ctc": ctc_greedy, "positional": positional}


def decode_batch(logits: np.ndarray, decoder: str) -> list[list[DecodedDigit]]:
    """Decode (batch, steps, 11) logits with the named decoder."""
    return [DECODERS[decoder](row) for row in logits]


def texts(decoded: list[list[DecodedDigit]]) -> list[str]:
    return ["".join(d.digit for d in digits) for digits in decoded]
