"""Read each digit twice: the line model's CTC reading, then a digit classifier on each digit's crop.

The line model finds how many digits there are and where (``training.core.segment`` cuts them out); the
classifier, which sees each digit alone at MNIST's framing, reads it again. Their opinions are
multiplied (a product of experts): per digit, fused ∝ line ** 1 * classifier ** weight. The result is
written back into the line model's logits, so decoding, boxes and confidences work unchanged.
A line model that also reads separators (``.``, ``-``...) keeps its reading of them: only digits are read again.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from training.core import decode, segment

# crops float32 (m, 28, 28, 1) -> digit logits (m, 10)
Classify = Callable[[np.ndarray], np.ndarray]

DIGIT_CLASSES = slice(1, 11)  # the digits' classes in every alphabet (digits come first, after the blank)


def crops_for_batch(lines: np.ndarray, logits: np.ndarray) -> tuple[list[list[decode.DecodedChar]], np.ndarray]:
    """Greedy CTC reading of every line and the crops of all its digits, in order: float32 (m, 28, 28, 1)."""
    read = [decode.ctc_greedy(row) for row in logits]
    crops = [segment.digit_crops(line, digits, logits.shape[1]) for line, digits in zip(lines, read)]
    stacked = np.concatenate(crops) if crops else np.zeros((0, segment.CROP_SIZE, segment.CROP_SIZE), np.float32)
    return read, stacked[..., None]


def labelled_crops(lines: np.ndarray, logits: np.ndarray, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Training crops: uint8 (m, 28, 28) and their true digits uint8 (m,), from the lines read with the right
    number of digits (the others cannot be cut digit by digit). Numpy only, so data processes can run it."""
    read, cut = crops_for_batch(lines, logits)
    crops, labels, offset = [], [], 0
    for chars, text in zip(read, texts):
        if len(chars) == len(text):
            is_digit = np.array([ch.isdigit() for ch in text], bool)
            crops.append(cut[offset : offset + len(chars), ..., 0][is_digit])
            labels += [int(ch) for ch in text if ch.isdigit()]
        offset += len(chars)
    if not crops:
        return np.zeros((0, segment.CROP_SIZE, segment.CROP_SIZE), np.uint8), np.zeros(0, np.uint8)
    return np.round(np.concatenate(crops) * 255).astype(np.uint8), np.array(labels, np.uint8)


def fuse_digit(step_probs: np.ndarray, classifier_log_probs: np.ndarray, weight: float) -> np.ndarray:
    """One digit's CTC run, probabilities (run steps, classes), and the classifier's log probabilities (10,)
    -> the run's new probabilities: at each step the blank keeps its share (never enough to split the
    run or drop the digit), any separator its own, and the digits share theirs as line ** 1 * classifier ** weight."""
    digit_probs = step_probs[:, DIGIT_CLASSES]  # (run, 10)
    peak = int(np.argmax(digit_probs.max(axis=1)))
    line_digits = digit_probs[peak] / digit_probs[peak].sum()
    fused = np.log(line_digits + 1e-9) + weight * classifier_log_probs
    fused = np.exp(fused - fused.max())
    fused /= fused.sum()
    ink = digit_probs.sum(axis=1, keepdims=True)  # (run, 1): how sure each step is that a digit is there
    out = step_probs.copy()
    out[:, :1] = np.minimum(step_probs[:, :1], 0.5 * ink * fused.max())
    out[:, DIGIT_CLASSES] = ink * fused[None]
    return out / out.sum(axis=1, keepdims=True)


def fuse(lines: np.ndarray, logits: np.ndarray, classify: Classify, weight: float, sure: float = 1.0) -> np.ndarray:
    """Lines float32 (n, 32, 256, 1) and their CTC logits (n, steps, 11) -> logits of the same shape, each
    digit read with a confidence under ``sure`` re-weighed by the classifier (those above keep theirs:
    with ``sure`` < 1 only the lines holding a doubtful digit are cut up, which saves most of the work)."""
    read = [decode.ctc_greedy(row) for row in logits]
    doubtful = [(row, i) for row, chars in enumerate(read) for i, c in enumerate(chars)
                if c.confidence < sure and c.char.isdigit()]
    if not doubtful:
        return logits
    cut = {row: segment.digit_crops(lines[row], read[row], logits.shape[1]) for row in {row for row, _ in doubtful}}
    crops = np.stack([cut[row][i] for row, i in doubtful])[..., None]
    classifier_log_probs = np.log(decode.softmax(np.asarray(classify(crops), np.float32)) + 1e-9)
    probs = {row: decode.softmax(logits[row].astype(np.float32)) for row in cut}  # (steps, 11) each
    for (row, i), log_probs in zip(doubtful, classifier_log_probs):
        digit = read[row][i]
        probs[row][digit.start : digit.end] = fuse_digit(probs[row][digit.start : digit.end], log_probs, weight)
    # only the rows read again change: a line's logits never depend on what it was batched with
    fused = logits.astype(np.float32, copy=True)
    for row, row_probs in probs.items():
        fused[row] = np.log(row_probs + 1e-12)
    return fused


def predictor(line_logits: Callable[[np.ndarray], np.ndarray], classify: Classify, weight: float, sure: float = 1.0):
    """A batch -> fused logits function from a line model's and a rescorer's batch functions."""
    def predict(lines: np.ndarray) -> np.ndarray:
        return fuse(lines, np.asarray(line_logits(lines), np.float32), classify, weight, sure)

    return predict
