import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from training.core import store
from training.core.alphabet import NUM_CLASSES
from training.core.preprocess import INPUT_SHAPE
from training.models import builders as models
from training.scenes.synth import encode_labels

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_builder_returns_a_named_model_with_logits(name):
    model = models.build(name)
    assert model.name == name
    assert model.input_shape == (None,) + INPUT_SHAPE
    assert model.output_shape[-1] == NUM_CLASSES
    assert model.layers[-1].get_config().get("activation", "linear") == "linear"  # logits, no softmax


def test_unknown_architecture_lists_the_registry():
    with pytest.raises(KeyError, match="crnn"):
        models.build("transformer")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_a_few_training_steps_lower_the_loss(name, line_batch):
    import keras

    from training.fitting.train import TrainConfig, compile_model

    keras.utils.set_random_seed(0)
    inputs, texts = line_batch
    labels = encode_labels(texts, 8)
    model = models.build(name)
    compile_model(model, TrainConfig(model=name, learning_rate=3e-3))
    first = float(model.evaluate(inputs, labels, verbose=0))
    for _ in range(15):
        model.train_on_batch(inputs, labels)
    assert float(model.evaluate(inputs, labels, verbose=0)) < 0.8 * first


def test_save_and_load_round_trip_through_the_store(tmp_path, line_batch):
    model = models.build("crnn")
    folder = tmp_path / "roundtrip"
    folder.mkdir()
    model.save(folder / store.MODEL_FILE)
    (folder / store.CARD_FILE).write_text(json.dumps({"name": "roundtrip", "decoder": "ctc"}))
    stored = store.find("roundtrip", tmp_path)
    loaded = store.load_model(stored)
    inputs, _ = line_batch
    np.testing.assert_allclose(model.predict_on_batch(inputs), loaded.predict_on_batch(inputs), atol=1e-5)
    assert store.find(folder / store.MODEL_FILE).name == "roundtrip"  # a path works too


def test_a_missing_model_lists_what_exists(tmp_path):
    (tmp_path / "alpha").mkdir()
    (tmp_path / "alpha" / store.MODEL_FILE).write_bytes(b"x")
    (tmp_path / "alpha" / store.CARD_FILE).write_text("{}")
    with pytest.raises(store.ModelNotFoundError, match="alpha"):
        store.find("beta", tmp_path)


def test_a_corrupt_model_file_gives_a_clear_error(tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / store.MODEL_FILE).write_bytes(b"not a zip")
    (tmp_path / "broken" / store.CARD_FILE).write_text(json.dumps({"decoder": "ctc"}))
    with pytest.raises(store.ModelNotFoundError, match="cannot be loaded"):
        store.load_model(store.find("broken", tmp_path))


def _cli(*args, store_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIGIT_READER_MODEL_STORE": str(store_dir), "DIGIT_READER_CACHE": str(store_dir / "cache")}
    return subprocess.run([sys.executable, "-m", "training", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_cli_tiny_training_writes_a_complete_model_folder_and_evaluates(tmp_path):
    run = _cli("train", "--tiny", "--model", "crnn", "--name", "smoke", "--clean-fraction", "0.5",
               "--pen-fraction", "0.8", "--elastic", "2", store_dir=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    folder = tmp_path / "smoke"
    assert {p.name for p in folder.iterdir()} >= {"model.keras", "card.json", "history.json", "curves.png"}
    card = json.loads((folder / "card.json").read_text())
    assert card["architecture"] == "crnn" and card["decoder"] == "ctc" and card["input"]["width"] == 256
    assert "train --tiny" in card["training"]["command"] and card["training"]["epochs_run"] == 2
    synthesis = card["data"]["synthesis"]
    assert synthesis["clean_fraction"] == 0.5 and synthesis["pen_fraction"] == 0.8
    assert synthesis["canvas_pen_fraction"] == 0.4 and synthesis["elastic"] == 2.0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]  # staging renamed away

    run = _cli("evaluate", "smoke", "--lengths", "1-3", "--count", "24", "--json", store_dir=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout)
    assert set(figures["by_length"]) == {"1", "2", "3"} and 0 <= figures["sequence_accuracy"] <= 1
    assert {"sequence_accuracy", "digit_accuracy"} <= set(figures) and figures["digits"] == "test"

    run = _cli("evaluate", "smoke", "--digits", "validation", "--count", "8", "--json", "--update-card",
               store_dir=tmp_path)
    assert run.returncode == 0 and json.loads(run.stdout)["digits"] == "validation", run.stderr[-2000:]
    assert "validation_4" in json.loads((folder / "card.json").read_text())["metrics"]

    run = _cli("train", "--tiny", "--name", "smoke", "--resume", "--epochs", "3", store_dir=tmp_path)
    assert run.returncode == 0 and "resuming smoke after epoch 2" in run.stdout

    run = _cli("train", "--tiny", "--name", "tuned", "--init-from", "smoke", store_dir=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    parent, tuned = (json.loads((tmp_path / n / "card.json").read_text())["training"] for n in ("smoke", "tuned"))
    assert tuned["commands"][:-1] == parent["commands"] and "--init-from smoke" in tuned["commands"][-1]
    assert tuned["training_time_s"] > parent["training_time_s"] and tuned["init_from"] == "smoke"

    run = _cli("train", "--tiny", "--model", "cnn", "--name", "wrong", "--init-from", "smoke", store_dir=tmp_path)
    assert run.returncode == 2 and "'crnn' model, not 'cnn'" in run.stderr and not (tmp_path / "wrong").exists()


@pytest.mark.slow
def test_cli_evaluate_names_the_models_that_exist_when_one_is_missing(tmp_path):
    run = _cli("evaluate", "no-such-model", store_dir=ROOT / "model_store")
    assert run.returncode == 2
    assert "no-such-model" in run.stderr and "crnn" in run.stderr


@pytest.mark.slow
def test_the_committed_default_model_is_the_one_its_card_describes(test_digits):
    """A check that the file in the repo is the good one: on 300 fixed strings of 1-8 MNIST test digits it
    reads at least 97% exactly (issue 2's bound; crnn-pen-digits3 reads 98.3%), as well as its card says within the
    sampling error of 300 strings, and is small enough."""
    from training.fitting import evaluate

    stored = store.find(None)
    eval_set = evaluate.make_eval_set(test_digits, (1, 8), 300, seed=12345)
    figures = evaluate.score(eval_set.texts, evaluate.predict_texts(store.load_reader(stored), eval_set.inputs,
                                                                    stored.decoder))
    recorded = stored.card["metrics"]["test_1-8"]["sequence_accuracy"]
    assert figures["sequence_accuracy"] >= 0.97, figures["by_length"]
    assert figures["sequence_accuracy"] >= recorded - 0.03, (recorded, figures["by_length"])
    files = [stored.path / store.MODEL_FILE] + ([stored.path / store.RESCORER_FILE] if "rescorer" in stored.card else [])
    assert sum(os.path.getsize(f) for f in files) <= 5 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_folding_batch_norm_keeps_what_the_model_computes(name, line_batch):
    model = models.build(name)
    inputs, _ = line_batch
    rng = np.random.default_rng(0)
    for layer in model.layers:  # trained statistics, not the identity a fresh layer starts as
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = (w.shape for w in layer.get_weights())
            layer.set_weights([rng.uniform(0.5, 2, gamma), rng.normal(0, 0.5, beta), rng.normal(0, 0.5, mean),
                               rng.uniform(0.2, 3, variance)])
    folded = models.fold_batch_norm(model)
    has_norm = any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert has_norm == name.startswith("crnn")
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in folded.layers)
    np.testing.assert_allclose(folded.predict_on_batch(inputs), model.predict_on_batch(inputs), atol=1e-4)


@pytest.mark.slow
def test_cli_train_refuses_a_bad_reuse_count_with_a_message(tmp_path):
    run = _cli("train", "--tiny", "--name", "never", "--reuse", "0", store_dir=tmp_path)
    assert run.returncode == 2 and "--reuse must be 1 or more" in run.stderr and not (tmp_path / "never").exists()
