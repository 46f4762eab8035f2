"""The corrections store (training/core/corrections.py), its export and the fine-tune on corrections (issue 24)."""
from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import stat

import cv2
import numpy as np
import pytest

from tests.support.digit_paper import sheet, text_size
from tests.support.writers import add_many
from training.core import store
from training.core.corrections import (CorrectionStore, NewCorrection, StoreFullError, UnknownCorrectionError,
                                  WrongTokenError, text_problem)
from webapp.serving.corrections import png


def spaced(left: str, right: str, pick: int = 0, height: int = 48) -> np.ndarray:
    """Two groups of digits with a wide gap ("12 34"): the default reader drops the space ("1234")."""
    (left_width, _), (right_width, _) = text_size(left, height), text_size(right, height)
    right_x = 20 + left_width + int(1.2 * height)
    return sheet((right_x + right_width + 20, height + 40), [(left, (20, 20), height), (right, (right_x, 20), height)],
                 pick=pick)


def sample(text: str = "12 34", image: np.ndarray | None = None, mode: str = "draw") -> NewCorrection:
    image = spaced(*text.split(" ")) if image is None else image
    return NewCorrection(mode, text, text.replace(" ", ""), "crnn-text2-digits3", "202612050844",
                         (image.shape[1], image.shape[0]), None, png(image))


# --- the store --------------------------------------------------------------------------------------------

def test_the_file_is_made_on_the_first_sample_only_private_and_in_wal_mode(tmp_path):
    corrections = CorrectionStore(tmp_path / "instance" / "corrections.sqlite3")
    assert corrections.stats()["count"] == 0 and corrections.samples() == []
    assert not corrections.path.exists()
    corrections.add(sample())
    assert stat.S_IMODE(corrections.path.stat().st_mode) == 0o600
    assert sqlite3.connect(corrections.path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert [p.name for p in corrections.path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_samples_survive_a_new_store_object_as_after_a_restart(tmp_path):
    CorrectionStore(tmp_path / "c.sqlite3").add(sample("56 78"))
    [kept] = CorrectionStore(tmp_path / "c.sqlite3").samples()
    assert (kept.text, kept.read, kept.mode) == ("56 78", "5678", "draw")


def test_delete_needs_the_samples_own_token(tmp_path):
    corrections = CorrectionStore(tmp_path / "c.sqlite3")
    first, token = corrections.add(sample())
    _, other_token = corrections.add(sample())
    for wrong in (None, "", other_token, token[:-1]):
        with pytest.raises(WrongTokenError):
            corrections.delete(first, wrong)
    with pytest.raises(UnknownCorrectionError):
        corrections.delete("0" * 32, token)
    corrections.delete(first, token)
    assert corrections.stats()["count"] == 1


def test_an_error_while_storing_leaves_nothing_half_written(tmp_path):
    corrections = CorrectionStore(tmp_path / "c.sqlite3")
    corrections.add(sample())
    broken = NewCorrection(None, "1", "", "m", "v", (1, 1), None, b"png")  # the INSERT fails, after the count
    with pytest.raises(sqlite3.IntegrityError):
        corrections.add(broken)
    assert corrections.stats()["count"] == 1
    corrections.add(sample())  # and the store goes on: no transaction left open
    assert corrections.stats()["count"] == 2


def test_the_byte_cap_counts_crops_and_drawings(tmp_path):
    one = sample()
    corrections = CorrectionStore(tmp_path / "c.sqlite3", max_bytes=2 * one.size + 10)
    corrections.add(one)
    corrections.add(one)
    with pytest.raises(StoreFullError, match="bytes"):
        corrections.add(one)


@pytest.mark.parametrize("text, problem", [("3.14", None), ("(408) 974-8980", None), ("3,5", None), ("", "empty"),
                                           ("3a", "other characters"), (" 3", "odd spacing"), ("-", "no digit"),
                                           ("1" * 33, "33 characters, over 32")])
def test_text_rule(text, problem):
    assert text_problem(text) == problem


# --- several processes at once ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def writers():
    """Four processes, as four gunicorn workers (spawned once for the tests that need them)."""
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        yield pool


def test_writer_processes_at_once_lose_nothing_and_never_see_a_locked_database(tmp_path, writers):
    path = str(tmp_path / "c.sqlite3")  # not made yet: the four processes race to make it too
    assert writers.starmap(add_many, [(path, 100, 10_000)] * 4) == [(100, 0)] * 4
    assert CorrectionStore(path).stats()["count"] == 400


def test_writer_processes_at_once_never_pass_the_cap(tmp_path, writers):
    path = str(tmp_path / "c.sqlite3")
    results = writers.starmap(add_many, [(path, 20, 50)] * 4)
    assert sum(stored for stored, _ in results) == 50 and sum(refused for _, refused in results) == 30
    assert CorrectionStore(path).stats()["count"] == 50


# --- export ---------------------------------------------------------------------------------------------------

def test_export_writes_labels_tsv_and_one_png_per_sample_oldest_first(tmp_path):
    corrections = CorrectionStore(tmp_path / "c.sqlite3")
    texts = ["12 34", "56 78", "3.14"]
    images = [spaced("12", "34"), spaced("56", "78"), spaced("3", "14")]
    ids = [corrections.add(sample(text, image))[0] for text, image in zip(texts, images)]

    assert corrections.export(tmp_path / "out") == 3
    lines = (tmp_path / "out" / "labels.tsv").read_text(encoding="utf-8").splitlines()
    assert lines == ["file\ttext"] + [f"{sample_id}.png\t{text}" for sample_id, text in zip(ids, texts)]
    for sample_id, image in zip(ids, images):
        assert np.array_equal(cv2.imread(str(tmp_path / "out" / f"{sample_id}.png"), cv2.IMREAD_UNCHANGED), image)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(["labels.tsv", *(f"{i}.png" for i in ids)])


def test_the_command_line_exports_the_store_the_environment_names(tmp_path, monkeypatch, capsys):
    from training.__main__ import main

    CorrectionStore(tmp_path / "c.sqlite3").add(sample())
    monkeypatch.setenv("DIGIT_READER_CORRECTIONS_DB", str(tmp_path / "c.sqlite3"))
    assert main(["corrections", "export", str(tmp_path / "out")]) == 0
    assert "wrote 1 corrections" in capsys.readouterr().out
    assert len((tmp_path / "out" / "labels.tsv").read_text().splitlines()) == 2
    assert main(["corrections", "--db", str(tmp_path / "absent.sqlite3"), "export", str(tmp_path / "x")]) == 2
    assert "no corrections store at" in capsys.readouterr().err


def test_the_app_and_the_command_line_resolve_the_same_default_database(model_backend, monkeypatch):
    from webapp import create_app
    from training.__main__ import corrections_database
    from webapp.config import corrections_db, current_settings

    monkeypatch.delenv("DIGIT_READER_CORRECTIONS_DB", raising=False)
    app = create_app({"ASYNC_MODE": "threading", "TESTING": True, "INFERENCE": model_backend})
    assert app.extensions["corrections"].store.path == corrections_db(current_settings())
    assert str(corrections_db(current_settings()).parent) == app.instance_path
    assert corrections_database(None) == corrections_db(current_settings())
    monkeypatch.setenv("DIGIT_READER_CORRECTIONS_DB", "/data/fixes.sqlite3")
    assert str(corrections_db(current_settings())) == "/data/fixes.sqlite3"
    assert str(corrections_database(None)) == "/data/fixes.sqlite3"


# --- fine-tuning ------------------------------------------------------------------------------------------------

def test_the_newest_fifth_is_held_out():
    from training.fitting.finetune import split_newest

    assert split_newest(list(range(10)), 0.2) == (list(range(8)), [8, 9])
    assert split_newest([0, 1], 0.2) == ([0], [1])
    assert split_newest([0], 0.2) == ([0], [])


@pytest.mark.slow
def test_a_fine_tune_on_a_few_corrections_reads_them_and_is_promoted(tmp_path):
    """Six numbers written with a space between groups, which the default reads without it; 30 steps later the
    new version reads them as typed, the held-out one too, and MNIST strings no worse: it becomes the DEFAULT."""
    from training.fitting.finetune import FinetuneConfig, as_lines, finetune
    from training.fitting import evaluate

    models = tmp_path / "store"
    parent = store.find(None)
    shutil.copytree(parent.path, models / parent.name)
    (models / store.DEFAULT_FILE).write_text(parent.name)
    corrections = CorrectionStore(tmp_path / "c.sqlite3")
    for pick, text in enumerate(["12 34", "56 78", "90 12", "34 56", "78 90", "21 43"]):
        corrections.add(sample(text, spaced(*text.split(" "), pick=pick % 3)))
    lines = as_lines(corrections.samples())

    config = FinetuneConfig(steps=30, batch_size=16, share=0.5, learning_rate=1e-3, check_strings=32, test_strings=0)
    outcome = finetune(corrections.path, config, store_dir=models, promote=True)

    assert outcome.folder == models / f"{parent.name}-fix1"
    before = evaluate.predict_texts(store.load_reader(store.find(parent.name, models)), lines.inputs, parent.decoder)
    after = evaluate.predict_texts(store.load_reader(store.find(outcome.folder)), lines.inputs, parent.decoder)
    assert before == [text.replace(" ", "") for text in lines.texts]  # the misreads corrected
    assert after == lines.texts
    learned = outcome.card["corrections"]
    assert (learned["trained_on"], learned["held_out"]["count"]) == (5, 1)
    assert learned["held_out"]["before"]["sequence_accuracy"] == 0.0
    assert learned["held_out"]["after"]["sequence_accuracy"] == 1.0
    assert learned["regressions"] == [] and outcome.promoted
    assert store.default_name(models) == outcome.folder.name
    assert (outcome.folder / store.RESCORER_FILE).exists() and (outcome.folder / "curves.png").exists()
