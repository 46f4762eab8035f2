"""Handwriting on paper and more pen writers (issue 35): loaders and writer splits (no TensorFlow).

Bundled in ``training/data/<source>/`` with each source's README (licence, citation) and ``SHA256SUMS``:

- ``register-numbers``: row numbers written in the cells of Danish parish registers, grey crops at scan size.
  ``load_crops("register-numbers", split)``. Split by register: the source's validation folder is
  ``validation``; ``test`` is a seeded choice of whole registers from the source's train folder (none that also
  has validation pages); the rest is ``train``, less the other pages of the registers validation has.
- ``cheque-amounts``: courtesy amounts cut from bank cheques, grey, with a box per digit. Every cheque has its
  own writer: a seeded fifth of the cheques is ``test``, another fifth ``validation``.
- ``swiss-numbers``: 16x16 grey scans, no writer ids; within a digit, neighbouring file numbers ``n`` come from
  one writer, so each digit is cut by ranges of ``n`` (70 % / 15 % / 15 %) with a guard band dropped at each cut.
- ``semeion``: 16x16 binary scans, no writer ids; the rows run through the digits 0-9 six times, each pass a
  batch of writers (about 10, 10, 10, 10, 20, 20): whole passes are split.
- ``pendigits``: pen strokes of 44 writers: ``tra-*`` train, ``tes-01..07`` validation, ``tes-08..14`` test.
- ``unipen/unipen-symbols.npz`` and ``unipen/unipen-words.npz``: separators and letters/words (negatives),
  split by UNIPEN lab family as the digits are (labs the digits' splits do not name are train).

``make_paper_splits`` is the rule; ``splits.write_splits`` records its result in ``SPLITS.json`` ("paper").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from training.sources.datasets import DATA_DIR, Digits, verify_checksums
from training.sources.realdata import PenSample, normalise_strokes, sample_strokes, load_splits, SPLITS

PAPER_SOURCES = ("register-numbers", "cheque-amounts", "swiss-numbers", "semeion", "pendigits")
FILES = {
    "register-numbers": "register-numbers/register-numbers.npz",
    "cheque-amounts": "cheque-amounts/cheque-amounts.npz",
    "swiss-numbers": "swiss-numbers/swiss-numbers16.npz",
    "semeion": "semeion/semeion.npz",
    "pendigits": "pendigits/pendigits-orig.npz",
    "unipen-symbols": "unipen/unipen-symbols.npz",
    "unipen-words": "unipen/unipen-words.npz",
}
SPLIT_SEED = 35
REGISTER_TEST_SHARE = 0.15  # of the source's train crops, in whole registers
CHEQUE_SHARE = 0.2  # test, and again validation
SWISS_CUTS = (0.70, 0.85)  # rank fractions of n within a digit: train | validation | test
SWISS_GUARD = 30  # file numbers dropped on each side of a cut (a writer wrote ~60 of each digit)
SEMEION_PASSES = {"train": (0, 1, 2, 4), "validation": (3,), "test": (5,)}
PENDIGITS_VALIDATION = tuple(f"tes-{k:02d}" for k in range(1, 8))
DIGITS_ONLY = re.compile(r"^[0-9]+$")
PAPER_RULE = (
    "register-numbers: the source's validation folder is validation; test is whole registers of the source's train "
    "folder (none with validation pages), in a seeded order (numpy default_rng(35).permutation of the sorted "
    "names), each taken while the total stays under 30% and until it reaches 15% of the train crops; the rest is "
    "train, less the train-folder pages of registers that have validation pages (left out of every split). "
    "cheque-amounts: each cheque is its own writer; default_rng(35).permutation of the sorted ORAND "
    "numbers: the first fifth test, the next fifth validation, the rest train. swiss-numbers: within each digit, "
    "file numbers n below the 70% rank are train, 70-85% validation, from 85% test; 30 numbers each side of a cut "
    "are dropped (one writer's run of n). semeion: the rows pass through 0-9 six times (batches of writers): "
    "passes 0, 1, 2, 4 train, 3 validation, 5 test. pendigits: tra-* train, tes-01..07 validation, tes-08..14 "
    "test. unipen-symbols and unipen-words: the labs of the digits' held-out splits and every lab of the same "
    "two-letter family are held out with them; any other lab is train."
)


@dataclass(frozen=True)
class Crop:
    """One grey picture of a written number: ``image`` uint8 (h, w), **ink dark on light paper**, as scanned;
    ``label`` the transcription; ``writer`` what the split goes by (register, cheque); ``boxes`` (k, 4) x, y,
    w, h per digit where the source has them."""

    image: np.ndarray
    label: str
    writer: str
    boxes: np.ndarray | None = None


@lru_cache(maxsize=None)
def arrays(source: str) -> dict[str, np.ndarray]:
    """The raw arrays of a bundled source (strings as ``str``; cached: do not change them)."""
    with np.load(DATA_DIR / FILES[source]) as data:
        out = {name: data[name] for name in data.files}
    for name, value in out.items():
        if value.dtype.kind in "US":
            out[name] = value.astype(str)
    return out


def verify_paper_checksums() -> None:
    for source in PAPER_SOURCES:
        verify_checksums(DATA_DIR / source)


def _image(a: dict, i: int) -> np.ndarray:
    start, h, w = int(a["offsets"][i]), int(a["heights"][i]), int(a["widths"][i])
    return a["pixels"][start:start + h * w].reshape(h, w)


# --------------------------------------------------------------------------------------------- splits


def _recorded(recorded: dict | None) -> dict:
    return load_splits()["paper"] if recorded is None else recorded


def register_split_names(recorded: dict | None = None) -> np.ndarray:
    """Per register crop, its split by the recorded rule (``recorded``: SPLITS.json's "paper")."""
    a = arrays("register-numbers")
    test = set(_recorded(recorded)["register-numbers"]["test_registers"])
    names = np.where(a["split"] == "validation", "validation", "train").astype("<U10")
    names[(a["split"] == "train") & np.isin(a["registers"], sorted(test))] = "test"
    shared = np.isin(a["registers"], sorted(set(a["registers"][a["split"] == "validation"])))
    names[(a["split"] == "train") & shared] = ""  # other pages of a validation register: left out
    return names


def choose_register_test(a: dict) -> list[str]:
    """Whole registers of the source's train folder, in a seeded order, skipping any with validation pages,
    until they hold ``REGISTER_TEST_SHARE`` of the train crops (each one taken only if it stays under twice)."""
    train = a["split"] == "train"
    shared = set(a["registers"][~train])
    candidates = sorted(set(a["registers"][train]) - shared)
    counts = {r: int((a["registers"][train] == r).sum()) for r in candidates}
    goal, taken, total = REGISTER_TEST_SHARE * train.sum(), [], 0
    for k in np.random.default_rng(SPLIT_SEED).permutation(len(candidates)):
        register = candidates[k]
        if total >= goal:
            break
        if total + counts[register] <= 2 * goal:
            taken.append(register)
            total += counts[register]
    return sorted(taken)


def cheque_ids(a: dict) -> np.ndarray:
    """The ORAND-CAR-A number of each cheque (``a_car_000154`` -> 154)."""
    return np.array([int(f.split("_")[2]) for f in a["files"]])


def choose_cheques(a: dict) -> dict[str, list[int]]:
    ids = np.sort(cheque_ids(a))
    order = ids[np.random.default_rng(SPLIT_SEED).permutation(len(ids))]
    k = round(CHEQUE_SHARE * len(ids))
    return {"test": sorted(int(i) for i in order[:k]), "validation": sorted(int(i) for i in order[k:2 * k])}


def cheque_split_names(recorded: dict | None = None) -> np.ndarray:
    recorded = _recorded(recorded)["cheque-amounts"]
    ids = cheque_ids(arrays("cheque-amounts"))
    names = np.full(len(ids), "train", "<U10")
    for split in ("validation", "test"):
        names[np.isin(ids, recorded[split])] = split
    return names


def swiss_numbers(a: dict) -> np.ndarray:
    return np.array([int(f.split("/")[1].split(".")[0]) for f in a["files"]])


def choose_swiss_cuts(a: dict) -> dict[str, list[int]]:
    """Per digit, the two file numbers where validation and test begin (``SWISS_CUTS`` of its sorted numbers)."""
    n, cuts = swiss_numbers(a), {}
    for digit in "0123456789":
        ranks = np.sort(n[a["labels"] == digit])
        cuts[digit] = [int(ranks[int(f * len(ranks))]) for f in SWISS_CUTS]
    return cuts


def swiss_split_names(recorded: dict | None = None) -> np.ndarray:
    """Per swiss digit: train, validation, test, or "" in a guard band round a cut (dropped)."""
    a, cuts = arrays("swiss-numbers"), _recorded(recorded)["swiss-numbers"]["cuts"]
    n, names = swiss_numbers(a), np.full(len(a["labels"]), "", "<U10")
    for digit, (v, t) in cuts.items():
        m = a["labels"] == digit
        names[m & (n < v - SWISS_GUARD)] = "train"
        names[m & (n >= v + SWISS_GUARD) & (n < t - SWISS_GUARD)] = "validation"
        names[m & (n >= t + SWISS_GUARD)] = "test"
    return names


def semeion_passes(labels: np.ndarray) -> np.ndarray:
    """Per semeion row, which pass through the digits it is in (a new pass begins where a 0 follows a 9)."""
    starts = np.r_[0, (labels[1:] == "0") & (labels[:-1] == "9")]
    return np.cumsum(starts)


def semeion_split_names(recorded: dict | None = None) -> np.ndarray:
    passes = semeion_passes(arrays("semeion")["labels"])
    names = np.full(len(passes), "", "<U10")
    for split, chosen in _recorded(recorded)["semeion"]["passes"].items():
        names[np.isin(passes, chosen)] = split
    return names


def pendigits_split_names(recorded: dict | None = None) -> np.ndarray:
    writers = arrays("pendigits")["writers"]
    validation = _recorded(recorded)["pendigits"]["validation"]
    return np.where(np.char.startswith(writers, "tra-"), "train",
                    np.where(np.isin(writers, validation), "validation", "test")).astype("<U10")


def make_paper_splits() -> dict:
    """The rule's result, as ``SPLITS.json`` records it under "paper" (with the counts)."""
    reg, chq = arrays("register-numbers"), arrays("cheque-amounts")
    document = {
        "rule": PAPER_RULE,
        "seed": SPLIT_SEED,
        "register-numbers": {"validation": "the source's validation folder", "test_registers": choose_register_test(reg)},
        "cheque-amounts": choose_cheques(chq),
        "swiss-numbers": {"cuts": choose_swiss_cuts(arrays("swiss-numbers")), "guard": SWISS_GUARD},
        "semeion": {"passes": {k: list(v) for k, v in SEMEION_PASSES.items()}},
        "pendigits": {"train": "tra-*", "validation": list(PENDIGITS_VALIDATION),
                      "test": [f"tes-{k:02d}" for k in range(8, 15)]},
    }
    document["counts"] = paper_counts(document)
    return document


SPLIT_NAMES = {"register-numbers": register_split_names, "cheque-amounts": cheque_split_names,
               "swiss-numbers": swiss_split_names, "semeion": semeion_split_names,
               "pendigits": pendigits_split_names}


def paper_counts(recorded: dict | None = None) -> dict:
    """Per source and split, how many items and how many of them have labels of digits only."""
    counts = {}
    for source, names_of in SPLIT_NAMES.items():
        names, labels = names_of(recorded), arrays(source)["labels"]
        digits_only = np.array([bool(DIGITS_ONLY.match(label)) for label in labels])
        counts[source] = {s: {"items": int((names == s).sum()), "digit_labels": int(((names == s) & digits_only).sum())}
                          for s in SPLITS}
    return counts


# --------------------------------------------------------------------------------------------- loaders


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split is one of {SPLITS}, got {split!r}")


def load_crops(source: str, split: str, digits_only: bool = True) -> list[Crop]:
    """``register-numbers`` or ``cheque-amounts`` crops of ``split``; ``digits_only`` keeps labels of digits only
    (registers also have "41a", "S.n.", ditto marks)."""
    _check_split(split)
    a = arrays(source)
    names = SPLIT_NAMES[source]()
    crops = []
    for i in np.flatnonzero(names == split):
        label = str(a["labels"][i])
        if digits_only and not DIGITS_ONLY.match(label):
            continue
        if source == "cheque-amounts":
            start = int(a["box_offsets"][i])
            boxes, writer = a["boxes"][start:start + len(label)], f"cheque-{cheque_ids(a)[i]}"
        else:
            boxes, writer = None, str(a["registers"][i])
        crops.append(Crop(_image(a, i), label, writer, boxes))
    return crops


def load_scanned(source: str, split: str) -> Digits:
    """``swiss-numbers`` or ``semeion`` digits of ``split`` as ``Digits``: uint8 (n, 16, 16), **white ink on
    black** like MNIST (the files are ink dark on light); swiss ink stretched to full strength per image."""
    _check_split(split)
    a = arrays(source)
    chosen = np.flatnonzero(SPLIT_NAMES[source]() == split)
    images = 255 - a["images"][chosen].astype(np.float32)
    if source == "swiss-numbers":  # many pens are pale: stretch each image's ink to full strength
        images = images * (255 / np.maximum(images.max(axis=(1, 2), keepdims=True), 1))
    images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return Digits(images, a["labels"][chosen].astype(np.uint8), f"{source}-{split}")


def load_pen(source: str, split: str | None = None) -> list[PenSample]:
    """Pen strokes as ``PenSample``s (y down, 1 tall): ``pendigits`` by writer, or ``unipen-symbols`` /
    ``unipen-words`` by UNIPEN lab family (``symbol_split_labs``); ``split`` None gives all."""
    a = arrays(source)
    if source == "pendigits":
        chosen = np.ones(len(a["labels"]), bool) if split is None else pendigits_split_names() == split
        labs = np.full(len(a["labels"]), "pendigits")
    else:
        labs = a["labs"]
        chosen = np.ones(len(labs), bool) if split is None else np.isin(labs, symbol_split_labs(split, labs))
    samples = []
    for i in np.flatnonzero(chosen):
        strokes, unit = normalise_strokes(sample_strokes(a, i))
        label = str(a["labels"][i])
        samples.append(PenSample(label, str(labs[i]), str(a["writers"][i]), strokes, label, unit))
    return samples


def symbol_split_labs(split: str, labs: np.ndarray) -> list[str]:
    """UNIPEN labs of ``split`` for the symbol and word files: the digits' held-out labs and any lab of the
    same two-letter family are held out with them; every other lab is train."""
    _check_split(split)
    recorded = load_splits()["unipen"]["labs"]
    held = {s: {lab[:2] for lab in recorded[s]} for s in ("validation", "test")}
    def split_of(lab: str) -> str:
        if lab in recorded["test"] or lab[:2] in held["test"]:
            return "test"
        if lab in recorded["validation"] or lab[:2] in held["validation"]:
            return "validation"
        return "train"
    return sorted(lab for lab in set(labs) if split_of(lab) == split)
