"""Accuracy on digit strings built from held-out digits, by length, with a confusion matrix.

``sequence_accuracy``: share of strings read exactly. ``digit_accuracy``: 1 - (edit distance /
true length), averaged over strings, so a dropped or extra digit costs what it should.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.core import decode, preprocess
from training.scenes.synth import SequenceGenerator, SynthConfig, render_clean
from training.sources.datasets import Digits

EVAL_SEED = 7_000_000  # far from training seeds
EVAL_BATCH = 256


def parse_lengths(spec: str) -> tuple[int, int]:
    """``"4"`` -> (4, 4); ``"1-8"`` -> (1, 8)."""
    low, _, high = spec.partition("-")
    lengths = (int(low), int(high or low))
    if not 1 <= lengths[0] <= lengths[1]:
        raise ValueError(f"lengths must look like 4 or 1-8, got {spec!r}")
    return lengths


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass
class EvalSet:
    """Fixed evaluation strings: inputs float32 (n, 32, 256, 1) and their texts."""

    inputs: np.ndarray
    texts: list[str]


def eval_config(lengths: tuple[int, int], realistic: bool = False, pen: bool = False) -> SynthConfig:
    """The write-up's test strings: MNIST digits at their own 28-pixel size, each rotated within 15
    degrees and shifted at random without touching; ``realistic`` adds training's pens and rendering;
    ``pen`` draws every string as the page's canvas does (centre lines stroked with one round pen)."""
    low, high = lengths
    if pen:
        return SynthConfig(min_length=low, max_length=high, clean_fraction=1.0, pen_fraction=1.0)
    if realistic:
        return SynthConfig(min_length=low, max_length=high)
    return SynthConfig(min_length=low, max_length=high, realistic=False, heights=(28, 28), restroke=False,
                       pen_fraction=0.0, flagged_ones=0.0)


def make_eval_set(digits: Digits, lengths: tuple[int, int], count: int, seed: int = EVAL_SEED,
                  realistic: bool = False, pen: bool = False) -> EvalSet:
    """``count`` strings, each of a length drawn uniformly from ``lengths`` (deterministic)."""
    generator = SequenceGenerator(digits, eval_config(lengths, realistic, pen), seed)
    inputs, texts = [], []
    for start in range(0, count, EVAL_BATCH):
        size = min(EVAL_BATCH, count - start)
        batch_inputs, batch_texts = generator.batch(size, start)
        inputs.append(batch_inputs)
        texts += batch_texts
    return EvalSet(np.concatenate(inputs), texts)


def score(truths: list[str], predictions: list[str]) -> dict:
    """Sequence and character accuracy overall and by length, plus a 10x10 confusion matrix of the digits."""
    by_length: dict[int, list[tuple[bool, float]]] = {}
    confusion = np.zeros((10, 10), np.int64)
    for truth, pred in zip(truths, predictions):
        digit_acc = max(0.0, 1.0 - edit_distance(truth, pred) / len(truth))
        by_length.setdefault(len(truth), []).append((truth == pred, digit_acc))
        if len(truth) == len(pred):  # aligned: count which digit was read for which (separators aside)
            for t, p in zip(truth, pred):
                if t.isdigit() and p.isdigit():
                    confusion[int(t), int(p)] += 1
    results = [r for rows in by_length.values() for r in rows]
    return {
        "count": len(results),
        "sequence_accuracy": float(np.mean([r[0] for r in results])),
        "digit_accuracy": float(np.mean([r[1] for r in results])),
        "by_length": {str(n): {"count": len(rows), "sequence_accuracy": float(np.mean([r[0] for r in rows])),
                               "digit_accuracy": float(np.mean([r[1] for r in rows]))}
                      for n, rows in sorted(by_length.items())},
        "confusion": confusion.tolist(),
    }


def predict_texts(predict_logits, inputs: np.ndarray, decoder: str) -> list[str]:
    """Run ``predict_logits`` (a batch -> logits callable) over ``inputs`` in chunks and decode."""
    out: list[str] = []
    for start in range(0, len(inputs), EVAL_BATCH):
        logits = np.asarray(predict_logits(inputs[start : start + EVAL_BATCH]))
        out += decode.texts(decode.decode_batch(logits, decoder))
    return out


def digit_confidence(predict_logits, digits: Digits, decoder: str) -> np.ndarray:
    """How surely a model reads each digit alone (plain, upright): the highest probability it gives the
    true digit at any step, or 0 where it reads something else. float (n,)."""
    confidence = np.zeros(len(digits), np.float32)
    for start in range(0, len(digits), EVAL_BATCH):
        images, labels = digits.images[start : start + EVAL_BATCH], digits.labels[start : start + EVAL_BATCH]
        lines = np.stack([preprocess.normalize_line(render_clean(np.pad(image / 255.0, 6)))[0] for image in images])
        logits = np.asarray(predict_logits(lines))  # (batch, steps, 11)
        true_class = decode.softmax(logits)[np.arange(len(labels)), :, labels.astype(int) + 1]  # (batch, steps)
        read_right = np.array([text == str(label) for text, label in
                               zip(decode.texts(decode.decode_batch(logits, decoder)), labels)])
        confidence[start : start + len(labels)] = np.where(read_right, true_class.max(axis=1), 0.0)
    return confidence


def save_confusion_png(confusion: list[list[int]], path, title: str) -> None:
    """Write the confusion matrix (true digit rows, read digit columns) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(confusion)
    fig, ax = plt.subplots(figsize=(6, 5.4))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                    color="white" if i == j else "crimson")
    ax.set(xticks=range(10), yticks=range(10), xlabel="read as", ylabel="true digit", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
