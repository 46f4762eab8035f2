"""Cutting a line into digits, weighing each digit again, and the rescorer's training command."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.core import decode, rescore, segment, store
from training.core.decode import DecodedChar
from training.models import builders as models

ROOT = Path(__file__).resolve().parents[2]


def _line_with(shapes: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """A (32, 256) line with each (x, ink) pasted at column x, 4 rows down."""
    line = np.zeros((32, 256), np.float32)
    for x, ink in shapes:
        line[4 : 4 + ink.shape[0], x : x + ink.shape[1]] = np.maximum(line[4 : 4 + ink.shape[0], x : x + ink.shape[1]], ink)
    return line


def _ring(width: int) -> np.ndarray:
    ink = np.zeros((24, width), np.float32)
    cv2.ellipse(ink, (width // 2, 12), (width // 2 - 2, 10), 0, 0, 360, 1.0, 3)
    return ink


def _bar(width: int) -> np.ndarray:
    ink = np.zeros((24, width), np.float32)
    ink[:, width // 2 - 1 : width // 2 + 2] = 1.0
    return ink


def _read_at(*centres_px: float, steps: int = 64) -> list[DecodedChar]:
    """Digits as a CTC model with 4-pixel steps would report them, its peaks at these input x."""
    return [DecodedChar("0", 0.9, int(c // 4), int(c // 4) + 1) for c in centres_px]


def test_each_crop_holds_one_digit_framed_as_mnist_even_when_the_peaks_lead_the_ink():
    ring, bar = _ring(18), _bar(10)
    line = _line_with([(10, ring), (40, bar), (70, ring)])
    crops = segment.digit_crops(line[..., None], _read_at(12, 37, 71), steps=64)  # peaks 7-8 px left of centres
    assert crops.shape == (3, 28, 28)
    for crop, alone in zip(crops, (ring, bar, ring)):
        np.testing.assert_allclose(crop, segment.mnist_frame(alone), atol=1e-6)
    assert max(crop.shape[0] for crop in crops) == 28 and crops[1][:, :10].sum() == 0  # the bar is centred


def test_a_digit_in_two_pieces_is_one_digit_and_a_speck_joins_its_neighbour():
    five_top, five_body = np.zeros((6, 16), np.float32), _ring(16)[8:]
    five_top[1:4, 2:14] = 1.0
    line = _line_with([(10, five_top), (50, _bar(10))])
    line[14 : 14 + 16, 10:26] = np.maximum(line[14:30, 10:26], five_body)
    line[20:22, 44:46] = 1.0  # a speck of dirt between the two digits
    owner = segment.assign_pixels(line, np.array([12.0, 48.0]))
    assert set(np.unique(owner[4:30, 10:26])) <= {-1, 0} and (owner[5:8, 12:24] == 0).all()
    assert (owner[4:28, 54] == 1).all() and owner[20, 44] in (0, 1)


def test_touching_digits_part_halfway_between_their_aligned_centres():
    ring = _ring(20)
    line = _line_with([(10, ring), (29, ring)])  # the two rings share a column: one component
    assert cv2.connectedComponents((line > segment.INK).astype(np.uint8))[0] == 2
    owner = segment.assign_pixels(line, np.array([12.0, 31.0]))
    assert (owner[:, :28][owner[:, :28] >= 0] == 0).all() and (owner[:, 31:][owner[:, 31:] >= 0] == 1).all()


def test_no_digits_or_no_ink_give_empty_or_blank_crops():
    assert segment.digit_crops(np.zeros((32, 256, 1), np.float32), [], 64).shape == (0, 28, 28)
    assert not segment.digit_crops(np.zeros((32, 256, 1), np.float32), _read_at(20), 64).any()


def _logits_reading(digits: list[tuple[int, float]], steps: int = 64) -> np.ndarray:
    """CTC logits (steps, 11): blank everywhere, and per (digit, probability) two steps where that digit
    has the probability and the rest shares what is left, 8 steps apart."""
    probs = np.full((steps, 11), 0.001)
    probs[:, 0] = 1.0
    for i, (digit, p) in enumerate(digits):
        for step in (8 * i + 2, 8 * i + 3):
            probs[step] = (1 - p - 0.05) / 9
            probs[step, 0], probs[step, digit + 1] = 0.05, p
    return np.log(probs / probs.sum(axis=1, keepdims=True))


def test_fusing_lets_a_sure_classifier_overrule_an_unsure_line_reading_and_keeps_the_digits_in_place():
    logits = _logits_reading([(7, 0.55), (3, 0.93)])[None]  # the line model reads "73", unsure of the 7
    line = _line_with([(4, _bar(10)), (36, _bar(10))])[None, ..., None]
    says_one = lambda crops: np.tile(np.eye(10)[1] * 4.0, (len(crops), 1))  # 86% sure every digit is a 1
    fused = rescore.fuse(line, logits, says_one, weight=1.0)
    read = decode.ctc_greedy(fused[0])
    assert "".join(d.char for d in read) == "13"  # the 7 gives way, the sure 3 does not
    assert [(d.start, d.end) for d in read] == [(d.start, d.end) for d in decode.ctc_greedy(logits[0])]
    only_doubtful = rescore.fuse(line, logits, says_one, weight=1.0, sure=0.5)  # the 7 was read 55% sure
    assert decode.texts([decode.ctc_greedy(only_doubtful[0])]) == ["73"]
    assert rescore.fuse(line, logits, None, weight=1.0, sure=0.5 - 1e-6) is logits  # nothing to ask: no call
    agrees = rescore.fuse(line, logits, lambda crops: np.zeros((len(crops), 10)), weight=1.0)
    assert decode.texts([decode.ctc_greedy(agrees[0])]) == ["73"]

    sure_line = _logits_reading([(4, 0.94)])[None]  # batched with the doubtful line, it is not touched
    together = rescore.fuse(np.concatenate([line, line]), np.concatenate([logits, sure_line]), says_one, 1.0, sure=0.9)
    np.testing.assert_array_equal(together[1], sure_line[0].astype(np.float32))
    np.testing.assert_allclose(together[0], rescore.fuse(line, logits, says_one, 1.0, sure=0.9)[0], atol=1e-6)


def test_the_digit_builder_reads_one_crop_into_ten_logits():
    from training.models import builders as models

    model = models.RESCORERS["digit"](width=8)
    assert model.name == "digit" and model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    folded = models.fold_batch_norm(model)
    crops = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(model.predict_on_batch(crops), folded.predict_on_batch(crops), atol=1e-4)


@pytest.mark.slow
def test_train_rescorer_tiny_writes_a_model_the_cli_and_the_app_backend_read_alike(tmp_path):
    shutil.copytree(ROOT / "model_store" / "crnn", tmp_path / "crnn")
    env = {**os.environ, "DIGIT_READER_MODEL_STORE": str(tmp_path), "DIGIT_READER_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "training", "train-rescorer", "--tiny", "--reader", "crnn"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    folder = tmp_path / "crnn-digits"
    assert {p.name for p in folder.iterdir()} >= {"model.keras", "rescorer.keras", "card.json", "curves.png"}
    card = json.loads((folder / "card.json").read_text())
    assert card["rescorer"]["reader"] == "crnn" and card["rescorer"]["weight"] == 1.0
    assert "train-rescorer --tiny" in card["rescorer"]["training"]["command"]
    assert {"test_4", "test_1-8", "test_1-8-realistic", "test_1-8-pen"} <= set(card["metrics"])

    from training.fitting import evaluate
    from training.sources import datasets
    from webapp.reading.local import LocalBackend

    lines = evaluate.make_eval_set(datasets.held_out_digits("validation"), (1, 8), 24, seed=5).inputs
    stored = store.find("crnn-digits", tmp_path)
    backend_logits, info = LocalBackend("crnn-digits", tmp_path).predict(None, lines)
    np.testing.assert_allclose(backend_logits, store.load_reader(stored)(lines), atol=1e-3)
    assert info["name"] == "crnn-digits"
    again = subprocess.run([sys.executable, "-m", "training", "train-rescorer", "--tiny", "--reader", "crnn-digits"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "plain CTC line model" in again.stderr

    tune = [sys.executable, "-m", "training", "tune-rescorer", "--weights", "2", "--sures", "0.5,1",
            "--validation-strings", "16", "--test-strings", "16"]
    run = subprocess.run(tune + ["crnn-digits"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    card = json.loads((folder / "card.json").read_text())
    assert card["rescorer"]["weight"] == 2.0 and card["rescorer"]["sure"] in (0.5, 1.0)
    assert "tune-rescorer" in card["rescorer"]["tuned_with"] and len(card["rescorer"]["validation"]["sequence_accuracy_tried"]) == 2
    plain = subprocess.run(tune + ["crnn"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert plain.returncode == 2 and "no rescorer" in plain.stderr

    joined = subprocess.run([sys.executable, "-m", "training", "train-rescorer", "--tiny", "--reader", "crnn", "--name",
                             "crnn-digits2", "--join", "crnn-digits", "--seeds", "5"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert joined.returncode == 0, joined.stderr[-2000:]
    rescorer = json.loads((tmp_path / "crnn-digits2" / "card.json").read_text())["rescorer"]
    assert rescorer["members"] == 2 and len(rescorer["training"]["commands"]) == 2
    assert "--join crnn-digits" in rescorer["training"]["commands"][1]
    stored = store.find("crnn-digits2", tmp_path)
    backend_logits, _ = LocalBackend("crnn-digits2", tmp_path).predict(None, lines)
    np.testing.assert_allclose(backend_logits, store.load_reader(stored)(lines), atol=1e-3)

    combined = subprocess.run([sys.executable, "-m", "training", "train-rescorer", "--tiny", "--reader", "crnn", "--name",
                               "crnn-digits-all", "--join", "crnn-digits,crnn-digits2"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert combined.returncode == 0, combined.stderr[-2000:]
    rescorer = json.loads((tmp_path / "crnn-digits-all" / "card.json").read_text())["rescorer"]
    assert rescorer["members"] == 3 and len(rescorer["training"]["commands"]) == 1 + 2 + 1  # no classifier trained
    assert len(models.ensemble_members(store.load_rescorer(store.find("crnn-digits-all", tmp_path)))) == 3

    retuned = tmp_path / "crnn-retuned"  # the same line model as a fine-tune would store it: another version
    shutil.copytree(tmp_path / "crnn", retuned)
    card = json.loads((retuned / "card.json").read_text())
    (retuned / "card.json").write_text(json.dumps({**card, "name": "crnn-retuned", "version": "209901010000"}))
    onto = [sys.executable, "-m", "training", "train-rescorer", "--tiny", "--reader", "crnn-retuned", "--join", "crnn-digits-all"]
    refused = subprocess.run(onto, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2 and "--any-reader" in refused.stderr
    moved = subprocess.run(onto + ["--any-reader"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert moved.returncode == 0, moved.stderr[-2000:]
    rescorer = json.loads((tmp_path / "crnn-retuned-digits" / "card.json").read_text())["rescorer"]
    assert rescorer["reader"] == "crnn-retuned" and rescorer["members"] == 3
    assert rescorer["members_cut_by"] == [f"crnn {card['version']}"] * 3


@pytest.mark.slow
def test_an_ensemble_of_rescorers_averages_their_log_probabilities_and_survives_saving_and_folding(tmp_path):
    import keras

    from training.models import builders as models

    members = [models.build_digit(width=4), models.build_digit(width=4)]
    crops = np.random.default_rng(1).random((5, 28, 28, 1)).astype(np.float32)
    for seed, member in enumerate(members):  # trained a little, so batch norm statistics are not the identity
        member.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        member.fit(crops, np.array([seed, 1, 2, 3, 4]), epochs=2, verbose=0)
    ensemble = models.digit_ensemble(members)
    log_probs = [np.log(decode.softmax(member.predict_on_batch(crops))) for member in members]
    np.testing.assert_allclose(ensemble.predict_on_batch(crops), np.mean(log_probs, axis=0), atol=1e-5)

    ensemble.save(tmp_path / "rescorer.keras")
    loaded = keras.saving.load_model(tmp_path / "rescorer.keras", compile=False)
    assert len(models.ensemble_members(loaded)) == 2 and len(models.ensemble_members(members[0])) == 1
    np.testing.assert_allclose(loaded.predict_on_batch(crops), ensemble.predict_on_batch(crops), atol=1e-5)
    np.testing.assert_allclose(models.fold_batch_norm(loaded).predict_on_batch(crops),
                               ensemble.predict_on_batch(crops), atol=1e-4)
    larger = models.digit_ensemble(models.ensemble_members(loaded) + [members[0]])
    assert len(models.ensemble_members(larger)) == 3 and larger.output_shape == (None, 10)


@pytest.mark.slow
def test_a_trained_classifier_is_saved_without_its_optimizer(tmp_path):
    import keras

    from training.models import builders as models

    model = models.build_digit(width=4)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(np.zeros((2, 28, 28, 1), np.float32), np.array([0, 1]), verbose=0)
    model.save(tmp_path / "with.keras")
    models.without_optimizer(model).save(tmp_path / "without.keras")
    assert _saved_parts(tmp_path / "with.keras") >= {"layers", "optimizer"}
    assert "optimizer" not in _saved_parts(tmp_path / "without.keras")


def _saved_parts(path: Path) -> set[str]:
    """The top-level groups of a .keras file's weights: layers, optimizer, ..."""
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
        return set(weights.keys())


@pytest.mark.slow
def test_training_crops_are_the_same_whether_cut_here_or_in_data_processes(train_digits):
    from training.scenes import synth
    from training.fitting.rescore_train import LINES_PER_JOB, lines_to_crops

    line_logits = store.load_model(store.find("crnn")).predict_on_batch
    config = synth.SynthConfig(max_length=4)
    serial = lines_to_crops(line_logits, train_digits, config, 2 * LINES_PER_JOB, seed=4, processes=0)
    spawned = lines_to_crops(line_logits, train_digits, config, 2 * LINES_PER_JOB, seed=4, processes=2)
    assert serial[0].dtype == np.uint8 and serial[0].shape[1:] == (segment.CROP_SIZE, segment.CROP_SIZE)
    assert len(serial[1]) > 2 * LINES_PER_JOB  # about 2.5 digits a line, nearly all lines read right
    np.testing.assert_array_equal(serial[1], spawned[1])
    assert np.abs(serial[0].astype(int) - spawned[0]).max() <= 1  # the same lines, cut the same way


def test_only_lines_read_with_the_right_number_of_digits_give_labelled_crops():
    line = _line_with([(40, _ring(18)), (120, _bar(10))])[..., None]
    logits = np.full((1, 64, 11), -9.0, np.float32)
    logits[0, :, 0] = 9.0  # blank everywhere ...
    logits[0, 12, 1 + 0] = logits[0, 31, 1 + 1] = 20.0  # ... but a 0 over the ring and a 1 over the bar
    crops, labels = rescore.labelled_crops(line[None], logits, ["07"])
    assert crops.shape == (2, segment.CROP_SIZE, segment.CROP_SIZE) and labels.tolist() == [0, 7]
    crops, labels = rescore.labelled_crops(line[None], logits, ["071"])
    assert crops.shape == (0, segment.CROP_SIZE, segment.CROP_SIZE) and labels.shape == (0,)


@pytest.mark.slow
def test_a_run_cut_short_keeps_its_trained_classifiers_and_reuses_them_only_with_the_same_settings(
        tmp_path, monkeypatch, train_digits, capsys):
    from training.fitting import rescore_train

    monkeypatch.setattr(rescore_train, "CHECKPOINT_DIR", tmp_path)
    reader = store.find("crnn")
    line_logits = store.load_model(reader).predict_on_batch
    config = rescore_train.RescorerConfig.tiny(name="cut", seed=3)
    validation = rescore_train.make_crops(line_logits, train_digits, config, rescore_train.LINES_PER_JOB, 9)
    first, history, earlier_s = rescore_train.trained_member(line_logits, train_digits, validation, config, reader)
    assert (tmp_path / "cut" / "member-3.keras").exists() and earlier_s == 0.0 and len(history) == 1

    again, history_again, earlier_s = rescore_train.trained_member(line_logits, train_digits, validation, config, reader)
    assert "trained already" in capsys.readouterr().out and earlier_s > 0 and history_again == history
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)

    pen_heavy = rescore_train.RescorerConfig.tiny(name="cut", seed=3, pen_fraction=0.9)  # other crops, same shape
    _, _, earlier_s = rescore_train.trained_member(line_logits, train_digits, validation, pen_heavy, reader)
    assert earlier_s == 0.0

    wider = rescore_train.RescorerConfig.tiny(name="cut", seed=3, width=6)
    other, _, earlier_s = rescore_train.trained_member(line_logits, train_digits, validation, wider, reader)
    assert earlier_s == 0.0 and other.count_params() != first.count_params()


def test_the_pen_share_of_the_classifiers_training_lines_follows_the_config():
    from training.fitting import rescore_train

    config = rescore_train.RescorerConfig(clean_fraction=0.6, pen_fraction=0.8, test_like_share=0.25)
    (like_training, training_lines), (plain, plain_lines) = rescore_train.synth_configs(config)
    assert (like_training.clean_fraction, like_training.pen_fraction) == (0.6, 0.8)
    assert plain.pen_fraction == 0.0 and not plain.realistic  # the test strings' look, as before
    assert (training_lines, plain_lines) == (75_000, 25_000)
