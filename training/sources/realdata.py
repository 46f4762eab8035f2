"""Real handwriting from outside MNIST: UNIPEN pen strokes, USPS scans and optdigits bitmaps (no TensorFlow).

The files are bundled in ``training/data/<source>/`` (with their licences, citations and ``SHA256SUMS``):

- UNIPEN (CC BY 4.0): isolated digits and number strings written on tablets by the writers of 16 labs.
  ``load_unipen("digits" | "strings", split)`` gives ``PenSample``s: strokes with y pointing down, normalised
  per sample. String labels are filtered (``label_problem``): digits, the separators ``.,-/:()+`` and single
  spaces only.
- USPS: ``load_usps("train" | "test")``, 16x16 scans as ``Digits`` (uint8, white ink on black, like MNIST).
- optdigits: ``load_optdigits("train" | "test")``, 32x32 bitmaps as ``Digits`` (0 or 255).

Splits are by writer population: whole UNIPEN labs (grouped into families that share writers) are held out
as ``test`` and ``validation``; the rule is ``make_splits`` and its result is recorded in
``training/data/SPLITS.json`` (``python -m training.sources.splits`` rewrites it and prints the counts), read by
``load_splits``. USPS ``zip.test`` and optdigits ``.cv`` are ``test``, their other files ``train``.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from training.core.alphabet import DIGITS, SEPARATORS, STRING_CHARS, label_problem  # noqa: F401
from training.sources.datasets import DATA_DIR, Digits, verify_checksums

UNIPEN_DIR = DATA_DIR / "unipen"
USPS_DIR = DATA_DIR / "usps"
OPTDIGITS_DIR = DATA_DIR / "optdigits"
SPLITS_PATH = DATA_DIR / "SPLITS.json"
SPLITS = ("train", "validation", "test")
UNIPEN_KINDS = ("digits", "strings")
USPS_FILES = {"train": "zip.train.gz", "test": "zip.test.gz"}
OPTDIGITS_FILES = {"train": "optdigits-orig.tra.gz", "test": "optdigits-orig.cv.gz"}

MIN_HEIGHT_SHARE = 1 / 64  # a sample's unit of length is its height, but at least this share of its width
MULTILINE_WIDTH = 1 / 8  # narrower than this (of its height, per character) a labelled string is several lines
LETTER_SPACED_LABS = ("hpb", "hpp")
COPYING_LABS = ("ibm", "gmd")  # labs that copied pen data between and within writer files: repeats are dropped
BROKEN_STROKE_LAB = "ibm"  # part of its data lost stroke positions: a stroke moved to (0, 0) and blown up
BLOWN_UP = 1000  # tablet units: such a stroke spans more than this (ibm's strokes span some 50)
MIN_PATH_PER_DIGIT = 0.5  # a digit's pen path is at least about its height (a "1"); half of that is not a digit


# --------------------------------------------------------------------------------------------- UNIPEN


@dataclass(frozen=True)
class PenSample:
    """One UNIPEN sample. ``strokes``: one float32 (n, 2) array of (x, y) per pen-down stroke, in writing
    order, x to the right and **y down** (as on a page or canvas), normalised per sample: the ink's box starts
    at (0, 0) and is 1 tall (x runs to the box's aspect ratio; the unit is at least 1/64 of the width, so a
    flat mark does not blow up). ``label``: the digit, or the string as ``clean_label`` reads it (``raw_label``
    is the file's transcription). ``writer`` is the lab plus the pen-data file (one writer or one session).
    ``tablet_unit``: the tablet's resolution in these units (apa and app digits are some 20 units tall: 0.05)."""

    label: str
    lab: str
    writer: str
    strokes: tuple[np.ndarray, ...]
    raw_label: str = ""
    tablet_unit: float = 0.0  # one tablet unit in the normalised units: the coordinates' resolution

    @property
    def width(self) -> float:
        """The ink box's width, in units of its height."""
        return float(max(s[:, 0].max() for s in self.strokes))

    @property
    def height(self) -> float:
        return float(max(s[:, 1].max() for s in self.strokes))


def filter_string_labels(labels) -> tuple[np.ndarray, Counter]:
    """A keep mask (bool) over ``labels`` by ``label_problem`` and the count of each reason for dropping."""
    reasons = [label_problem(str(label)) for label in labels]
    return np.array([r is None for r in reasons], bool), Counter(r for r in reasons if r is not None)


def is_multiline(label: str, width: float) -> bool:
    """A block of several lines (Apple's labs wrote whole forms, e.g. four phone numbers one under another,
    under one label): ink less than ``MULTILINE_WIDTH`` of its height wide per character of a label of 4 or
    more characters. One line of digits is some 0.3 to 1 of its height wide per character."""
    characters = len(label.replace(" ", ""))
    return characters >= 4 and width < MULTILINE_WIDTH * characters


def clean_label(label: str, lab: str) -> str:
    """The label as the ink reads: labs ``LETTER_SPACED_LABS`` often transcribed with a space between every
    character ("( 4 0 8 ) 9 7 4 - 8 9 8 0") where the writer left no gap; those spaces are dropped."""
    tokens = label.split(" ")
    if lab in LETTER_SPACED_LABS and len(tokens) >= 3 and all(len(t) == 1 for t in tokens):
        return "".join(tokens)
    return label


def sample_problems(kind: str, arrays: dict[str, np.ndarray]) -> list[str | None]:
    """Per UNIPEN sample, why it is dropped or None: a string's ``label_problem``; a digit's copied or broken pen
    data (``pen_data_problems``); a multi-line block (``is_multiline``); too little ink (a pen path shorter than ``MIN_PATH_PER_DIGIT`` of the ink's height per
    digit of the label: dots, or strokes that belong elsewhere)."""
    widths, paths = sample_geometry(arrays)
    copied = pen_data_problems(arrays) if kind == "digits" else {}
    reasons = []
    for i, (label, width, path) in enumerate(zip(arrays["labels"], widths, paths)):
        label = str(label)
        reason = label_problem(label) if kind == "strings" else copied.get(i)
        if reason is None and kind == "strings" and is_multiline(label, float(width)):
            reason = "multi-line block"
        if reason is None and path < MIN_PATH_PER_DIGIT * sum(c in DIGITS for c in label):
            reason = "too little ink"
        reasons.append(reason)
    return reasons


def pen_data_problems(arrays: dict[str, np.ndarray]) -> dict[int, str]:
    """Digits to drop for their pen data, by content: "repeated pen data" (in ``COPYING_LABS``, the same points
    stroke for stroke as an earlier digit, or as one labelled otherwise: then every copy goes) and "broken
    strokes" (``BROKEN_STROKE_LAB``: a stroke whose box starts at (0, 0) and spans over ``BLOWN_UP`` units)."""
    groups: dict[bytes, list[int]] = {}
    problems: dict[int, str] = {}
    for i in range(len(arrays["labels"])):
        strokes = sample_strokes(arrays, i)
        if arrays["labs"][i] == BROKEN_STROKE_LAB and any(
                not s.min(axis=0).any() and np.ptp(s, axis=0).max() > BLOWN_UP for s in strokes):
            problems[i] = "broken strokes"
        if arrays["labs"][i] in COPYING_LABS:
            groups.setdefault(b"|".join(s.astype(np.int64).tobytes() for s in strokes), []).append(i)
    for copies in groups.values():
        disagree = len({str(arrays["labels"][i]) for i in copies}) > 1
        for i in copies[0 if disagree else 1:]:
            problems.setdefault(i, "repeated pen data")
    return problems


def sample_geometry(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's ink width and pen-path length, in units of its height (as ``normalise_strokes`` makes
    them), from the raw arrays."""
    stroke_ends, sample_ends = arrays["stroke_ends"].astype(np.int64), arrays["sample_ends"].astype(np.int64)
    points = arrays["points"].astype(np.float64)
    point_ends = stroke_ends[sample_ends - 1]
    starts = np.concatenate([[0], point_ends[:-1]])
    low, high = np.minimum.reduceat(points, starts), np.maximum.reduceat(points, starts)
    span = high - low
    unit = np.maximum(np.maximum(span[:, 1], span[:, 0] * MIN_HEIGHT_SHARE), 1e-9)
    steps = np.append(np.hypot(*np.diff(points, axis=0).T), 0.0)  # step i: point i -> i + 1
    steps[stroke_ends - 1] = 0.0  # no step from a stroke's last point to the next stroke's first
    return span[:, 0] / unit, np.add.reduceat(steps, starts) / unit


def unipen_path(kind: str) -> Path:
    if kind not in UNIPEN_KINDS:
        raise ValueError(f"UNIPEN kind is one of {UNIPEN_KINDS}, got {kind!r}")
    return UNIPEN_DIR / f"unipen-{kind}.npz"


@lru_cache(maxsize=None)
def unipen_arrays(kind: str) -> dict[str, np.ndarray]:
    """The raw arrays of ``unipen-<kind>.npz`` (labels, labs, writers, points, stroke_ends, sample_ends)."""
    with np.load(unipen_path(kind)) as data:
        arrays = {name: data[name] for name in data.files}
    for name in ("labels", "labs", "writers"):
        arrays[name] = arrays[name].astype(str)
    return arrays


@lru_cache(maxsize=None)
def unipen_index(kind: str) -> dict[str, np.ndarray]:
    """labels (raw), labs, writers and ``kept`` (``sample_problems`` is None) of every sample, without
    cutting strokes: what splits and counts need (cached: do not change the arrays)."""
    arrays = unipen_arrays(kind)
    kept = np.array([reason is None for reason in sample_problems(kind, arrays)], bool)
    return {"labels": arrays["labels"], "labs": arrays["labs"], "writers": arrays["writers"], "kept": kept}


def normalise_strokes(strokes: list[np.ndarray]) -> tuple[tuple[np.ndarray, ...], float]:
    """Tablet strokes (y up, any units) -> y down, the ink box at (0, 0) and 1 tall, float32; and the length
    of one tablet unit in the new units."""
    flipped = [np.column_stack([s[:, 0], -s[:, 1]]).astype(np.float64) for s in strokes]
    every = np.concatenate(flipped)
    low, high = every.min(axis=0), every.max(axis=0)
    unit = max(high[1] - low[1], (high[0] - low[0]) * MIN_HEIGHT_SHARE, 1e-9)
    return tuple(((s - low) / unit).astype(np.float32) for s in flipped), 1.0 / unit


def sample_strokes(arrays: dict[str, np.ndarray], i: int) -> list[np.ndarray]:
    """Sample i's strokes in tablet units, y up (as stored)."""
    stroke_ends, sample_ends, points = arrays["stroke_ends"], arrays["sample_ends"], arrays["points"]
    first = int(sample_ends[i - 1]) if i else 0
    ends = stroke_ends[first : int(sample_ends[i])]
    start = int(stroke_ends[first - 1]) if first else 0
    strokes = []
    for end in ends:
        strokes.append(points[start:int(end)])
        start = int(end)
    return [s for s in strokes if len(s)]


def load_unipen(kind: str, split: str | None = None, filtered: bool = True) -> list[PenSample]:
    """UNIPEN ``kind`` ("digits" or "strings") as ``PenSample``s: all of them, or one split's (by lab, from
    ``SPLITS.json``). ``filtered`` drops the samples ``sample_problems`` rejects (labels with other characters,
    multi-line blocks, too little ink). Labels are ``clean_label``'s; ``raw_label`` is the file's."""
    arrays, index = unipen_arrays(kind), unipen_index(kind)
    chosen = index["kept"] if filtered else np.ones(len(index["labels"]), bool)
    if split is not None:
        chosen = chosen & np.isin(index["labs"], split_labs(split))
    samples = []
    for i in np.flatnonzero(chosen):
        label, lab = str(index["labels"][i]), str(index["labs"][i])
        strokes, tablet_unit = normalise_strokes(sample_strokes(arrays, i))
        samples.append(PenSample(clean_label(label, lab), lab, str(index["writers"][i]), strokes, label, tablet_unit))
    return samples


# --------------------------------------------------------------------------------------------- scans


def load_usps(split: str) -> Digits:
    """USPS ``"train"`` (zip.train, 7,291) or ``"test"`` (zip.test, 2,007): uint8 (n, 16, 16), white ink on
    black (the file's -1..1, -1 paper, mapped to 0..255)."""
    if split not in USPS_FILES:
        raise ValueError(f"USPS split is one of {tuple(USPS_FILES)}, got {split!r}")
    with gzip.open(USPS_DIR / USPS_FILES[split], "rt") as f:
        rows = np.loadtxt(f, dtype=np.float64)
    images = np.rint((rows[:, 1:] + 1.0) * 127.5).clip(0, 255).astype(np.uint8).reshape(-1, 16, 16)
    return Digits(images, rows[:, 0].astype(np.uint8), f"usps-{split}")


def load_optdigits(split: str) -> Digits:
    """optdigits ``"train"`` (.tra: 1,934 digits, 30 writers) or ``"test"`` (.cv: 946, 13 other writers):
    uint8 (n, 32, 32), ink 255 on 0."""
    if split not in OPTDIGITS_FILES:
        raise ValueError(f"optdigits split is one of {tuple(OPTDIGITS_FILES)}, got {split!r}")
    with gzip.open(OPTDIGITS_DIR / OPTDIGITS_FILES[split], "rt") as f:
        lines = [line.strip() for line in f]
    first = next(i for i, line in enumerate(lines) if len(line) == 32 and set(line) <= {"0", "1"})
    body = [line for line in lines[first:] if line]
    if len(body) % 33:
        raise ValueError(f"{OPTDIGITS_FILES[split]}: {len(body)} lines is not a whole number of 32x32 digits")
    blocks = [body[k : k + 33] for k in range(0, len(body), 33)]
    images = np.array([[[c == "1" for c in row] for row in block[:32]] for block in blocks], np.uint8) * 255
    labels = np.array([int(block[32]) for block in blocks], np.uint8)
    return Digits(images, labels, f"optdigits-{split}")


def verify_real_checksums() -> None:
    """Check every bundled real-handwriting file against its folder's ``SHA256SUMS``."""
    for directory in (UNIPEN_DIR, USPS_DIR, OPTDIGITS_DIR):
        verify_checksums(directory)


# --------------------------------------------------------------------------------------------- splits

TEST_TARGETS = {"string_labs": 3, "strings": 0.15, "digits": 0.15}  # at least
VALIDATION_TARGETS = {"string_labs": 2, "strings": 0.10, "digits": 0.10}
MAX_SHARE = 0.25  # neither held-out split takes more than this share of the strings or of the digits
SPLIT_RULE = (
    "Unit: a family of UNIPEN labs: labs whose codes share their first two letters (presumably one institution's "
    "deliveries: ap*, ce*, hp*, pa*) joined with any lab that shares a pen-data file (a writer) with one of "
    "them; digits and strings of a lab go together. Families are taken in a seeded random order (seed s: "
    "numpy default_rng(s).permutation of their sorted names); test takes each family that keeps it within "
    f"{MAX_SHARE:.0%} of the kept strings and of the digits until it has >= 3 labs with strings, >= 15% of the "
    "kept strings and >= 15% of the digits; validation then does the same from the families left until >= 2 "
    "labs with strings, >= 10% of the strings and >= 10% of the digits; the rest is train. s is the first seed "
    "from 0 up for which both held-out splits reach their targets. USPS zip.test and optdigits .cv are test, "
    "zip.train and .tra train."
)


def lab_families(labs_writers: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Group labs that may share writers: same two-letter prefix, or the same pen-data file name under two
    labs (Apple's app0387.dat is in apa and ape). Keyed by the family's first lab, labs sorted."""
    parent: dict[str, str] = {}

    def root(lab: str) -> str:
        while parent.setdefault(lab, lab) != lab:
            lab = parent[lab]
        return lab

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_file: dict[str, str] = {}
    by_prefix: dict[str, str] = {}
    for lab, writer in labs_writers:
        root(lab)
        join(lab, by_file.setdefault(os.path.basename(writer), lab))
        join(lab, by_prefix.setdefault(lab[:2], lab))
    families: dict[str, list[str]] = {}
    for lab in sorted(parent):
        families.setdefault(root(lab), []).append(lab)
    return {labs[0]: labs for labs in families.values()}


def _data_digest() -> str:
    digest = hashlib.sha256()
    for kind in UNIPEN_KINDS:
        digest.update(unipen_path(kind).read_bytes())
    return digest.hexdigest()


def split_counts(labs_by_split: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Per split: labs, writers (lab + pen-data file), writer files (the file alone: Apple's labs hold one
    file under several labs), strings and digits kept by the filter, and before it."""
    digits, strings = unipen_index("digits"), unipen_index("strings")
    counts = {}
    for split in SPLITS:
        labs = labs_by_split[split]
        in_d, in_s = np.isin(digits["labs"], labs), np.isin(strings["labs"], labs)
        writers = set(digits["writers"][in_d]) | set(strings["writers"][in_s])
        counts[split] = {
            "labs": len(labs),
            "labs_with_strings": len(set(strings["labs"][in_s & strings["kept"]])),
            "writers": len(writers),
            "writer_files": len({os.path.basename(w) for w in writers}),
            "strings": int((in_s & strings["kept"]).sum()),
            "strings_unfiltered": int(in_s.sum()),
            "digits": int((in_d & digits["kept"]).sum()),
            "digits_unfiltered": int(in_d.sum()),
        }
    return counts


def make_splits(max_seed: int = 1000) -> dict:
    """Apply ``SPLIT_RULE`` to the bundled UNIPEN files: the document ``SPLITS.json`` records, less its "paper"
    part (``training.sources.splits`` adds it)."""
    digits, strings = unipen_index("digits"), unipen_index("strings")
    pairs = list(zip(digits["labs"], digits["writers"])) + list(zip(strings["labs"], strings["writers"]))
    families = lab_families([(str(a), str(b)) for a, b in pairs])
    kept_labs, digit_labs = strings["labs"][strings["kept"]], digits["labs"][digits["kept"]]
    n_strings, n_digits = len(kept_labs), len(digit_labs)
    size = {name: (int(np.isin(kept_labs, labs).sum()), int(np.isin(digit_labs, labs).sum()),
                   len(set(kept_labs) & set(labs))) for name, labs in families.items()}

    def fill(order: list[str], targets: dict) -> list[str]:
        taken, s, d, string_labs = [], 0, 0, 0
        for name in order:
            if string_labs >= targets["string_labs"] and s >= targets["strings"] * n_strings \
                    and d >= targets["digits"] * n_digits:
                break
            fs, fd, fl = size[name]
            if s + fs <= MAX_SHARE * n_strings and d + fd <= MAX_SHARE * n_digits:
                taken.append(name)
                s, d, string_labs = s + fs, d + fd, string_labs + fl
        met = string_labs >= targets["string_labs"] and s >= targets["strings"] * n_strings \
            and d >= targets["digits"] * n_digits
        return taken if met else []

    names = sorted(families)
    for seed in range(max_seed):
        order = [names[k] for k in np.random.default_rng(seed).permutation(len(names))]
        test = fill(order, TEST_TARGETS)
        validation = fill([n for n in order if n not in test], VALIDATION_TARGETS) if test else []
        if test and validation:
            break
    else:
        raise ValueError(f"no seed below {max_seed} meets the split targets")
    chosen = {"test": test, "validation": validation,
              "train": [n for n in names if n not in test and n not in validation]}
    labs = {split: sorted(lab for name in chosen[split] for lab in families[name]) for split in SPLITS}
    return {
        "rule": SPLIT_RULE,
        "seed": seed,
        "unipen_sha256": _data_digest(),
        "unipen": {"families": families, "labs": labs},
        "counts": {"unipen": split_counts(labs)},
        "usps": {"train": USPS_FILES["train"], "test": USPS_FILES["test"]},
        "optdigits": {"train": OPTDIGITS_FILES["train"], "test": OPTDIGITS_FILES["test"]},
        "label_filter": label_filter_counts(),
    }


def label_filter_counts() -> dict:
    """Per kind, how many UNIPEN samples the filter keeps and drops (by reason); for strings also how many
    labels ``clean_label`` un-letter-spaces."""
    counts = {}
    for kind in UNIPEN_KINDS:
        arrays = unipen_arrays(kind)
        reasons = sample_problems(kind, arrays)
        kept = [i for i, reason in enumerate(reasons) if reason is None]
        counts[kind] = {"total": len(reasons), "kept": len(kept),
                        "dropped": dict(sorted(Counter(r for r in reasons if r is not None).items()))}
        if kind == "strings":
            counts[kind]["letter_spacing_removed"] = int(sum(
                clean_label(arrays["labels"][i], arrays["labs"][i]) != arrays["labels"][i] for i in kept))
    return counts


@lru_cache(maxsize=None)
def load_splits(path: Path = SPLITS_PATH) -> dict:
    """The recorded splits (``SPLITS.json``)."""
    return json.loads(Path(path).read_text())


def split_labs(split: str) -> tuple[str, ...]:
    """The UNIPEN labs of ``split`` ("train", "validation" or "test"), as recorded."""
    if split not in SPLITS:
        raise ValueError(f"split is one of {SPLITS}, got {split!r}")
    return tuple(load_splits()["unipen"]["labs"][split])


SCAN_VALIDATION_SHARE = 0.1  # USPS and optdigits have no validation file: a seeded tenth of train
SCAN_VALIDATION_SEED = 22
SCAN_LOADERS = {"usps": load_usps, "optdigits": load_optdigits}


def scan_validation_indices(count: int) -> np.ndarray:
    """Which of a scan source's ``count`` training digits are its validation digits (sorted): a fixed
    ``SCAN_VALIDATION_SHARE``, seeded. They share writers with the rest of the training file."""
    chosen = np.random.default_rng(SCAN_VALIDATION_SEED).permutation(count)[: round(SCAN_VALIDATION_SHARE * count)]
    return np.sort(chosen)


def load_scans(source: str, split: str) -> Digits:
    """``source``'s ("usps", "optdigits") digits of ``split``: "train" (its training file less the validation
    tenth), "validation" (that tenth) or "test" (its test file, other writers)."""
    if split == "test":
        return SCAN_LOADERS[source]("test")
    if split not in ("train", "validation"):
        raise ValueError(f"scan split is one of train, validation, test; got {split!r}")
    digits = SCAN_LOADERS[source]("train")
    held = np.zeros(len(digits), bool)
    held[scan_validation_indices(len(digits))] = True
    chosen = np.flatnonzero(held if split == "validation" else ~held)
    return Digits(digits.images[chosen], digits.labels[chosen], f"{source}-train" + ("-validation" * (split != "train")))
