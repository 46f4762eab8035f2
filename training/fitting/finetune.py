"""Learning from corrections (issue 24): ``python -m training finetune --corrections [--promote]``.

The store's DEFAULT reader is trained a little further on the corrections users made, mixed into its usual
training strings (``train.TrainConfig`` from its card, ``synth.SequenceGenerator``): each batch holds a share of
corrections and the rest as before, so it learns the writing it misread without forgetting the rest. The
newest fifth of the corrections (by time) is held out: the reader is measured on them before and after, and on
MNIST validation strings (forgetting), and on benchmark sets when asked (``benchmarks.reader``). The new model
goes into the store with a card saying all of it; ``--promote`` makes it the DEFAULT only when no figure went
down. Corrections are normalised with ``preprocess.normalize_line``, as everything the reader reads.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import cv2
import keras
import numpy as np

from training.core import preprocess, store
from training.core.alphabet import TEXT_ALPHABET
from training.core.corrections import CorrectionStore, StoredCorrection
from training.fitting import evaluate, train
from training.models import builders as models
from training.scenes.synth import TEXT_LABEL_WIDTH, SequenceGenerator, encode_labels
from training.sources import datasets

HELD_OUT = "held-out corrections"  # the figure the fine-tune is for
HELD_OUT_RULE = "the newest fifth of the corrections, by time"
NAME_SUFFIX = re.compile(r"-fix\d+$")  # what a fine-tune adds to its parent's name: crnn-text2-digits3-fix2


@dataclass
class FinetuneConfig:
    """Everything that decides a fine-tune on corrections; written into the card."""

    name: str = ""  # the new model's folder (default: the parent's name with the next -fixN)
    # 150 steps with 1 in 8 strings a correction (each seen some 13 times) learned the demonstration's 47 as well as
    # 300 with 1 in 4 did, and lost less elsewhere (docs/corrections.md#the-demonstration)
    steps: int = 150
    batch_size: int = 32
    share: float = 0.125  # of each batch, corrections; the rest the parent's usual strings (no forgetting)
    learning_rate: float = 1e-4  # the parent's own last fine-tunes ran at 1.5e-4 to 4e-4
    held_out: float = 0.2  # the newest share of the corrections, never trained on, measured before and after
    seed: int = 1
    check_strings: int = 500  # MNIST validation strings (lengths 1-8) read before and after: forgetting
    test_strings: int = 2000  # MNIST test strings for the card's metrics, as `train` writes them (0: none)
    benchmark: tuple[str, ...] = ()  # benchmarks.reader sets measured before and after (slow: the whole reader)
    benchmark_digits: str = "validation"  # their held-out split: choosing a model is done on validation data
    benchmark_count: int = 100
    tolerance: float = 0.0  # a figure down by more than this (a share, 0.01 = one point) is a regression

    def __post_init__(self):
        if not 0 < self.share <= 1 or not 0 <= self.held_out < 1:
            raise ValueError(f"--share must be within (0, 1] and --held-out within [0, 1), got {self.share} and "
                             f"{self.held_out}")
        self.benchmark = tuple(self.benchmark)
        if self.steps < 1 or self.batch_size < 2:
            raise ValueError(f"--steps must be 1 or more and --batch-size 2 or more, got {self.steps} and "
                             f"{self.batch_size}")


@dataclass
class Lines:
    """Model inputs float32 (n, 32, 256, 1) and their texts."""

    inputs: np.ndarray
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class Outcome:
    """What a fine-tune wrote and measured."""

    folder: Path
    card: dict
    regressions: list[str] = field(default_factory=list)
    promoted: bool = False

    @property
    def held_out(self) -> dict:
        return self.card["corrections"]["held_out"]


# --- the corrections as lines -------------------------------------------------------------------------------

def split_newest(samples: list[StoredCorrection], share: float) -> tuple[list, list]:
    """(older, newest): the newest ``share`` held out (at least one once there are two), the rest to learn."""
    held = 0 if len(samples) < 2 or not share else max(1, round(share * len(samples)))
    return samples[: len(samples) - held], samples[len(samples) - held :]


def as_lines(samples: list[StoredCorrection]) -> Lines:
    """Each sample's crop normalised exactly as the reader normalises what it reads."""
    inputs = [preprocess.normalize_line(cv2.imdecode(np.frombuffer(s.crop, np.uint8), cv2.IMREAD_GRAYSCALE))[0]
              for s in samples]
    return Lines(np.stack(inputs) if inputs else np.zeros((0, *preprocess.INPUT_SHAPE), np.float32),
                 [s.text for s in samples])


def readable(samples: list[StoredCorrection], alphabet: str) -> list[StoredCorrection]:
    """The samples the model can learn: texts in its alphabet (a digits-only reader cannot learn "3.14")."""
    return [s for s in samples if set(s.text) <= set(alphabet)]


# --- training ------------------------------------------------------------------------------------------------

class MixedBatches(keras.utils.PyDataset):
    """Batches of ``share`` corrections (drawn at random, again and again) and the parent's usual strings."""

    def __init__(self, corrections: Lines, generator: SequenceGenerator, config: FinetuneConfig, steps: int,
                 alphabet: str):
        # two threads make the usual strings while the model trains
        super().__init__(workers=2, use_multiprocessing=False, max_queue_size=4)
        self.corrections, self.generator, self.config, self.steps = corrections, generator, config, steps
        self.alphabet, self.epoch = alphabet, 0
        self.width = max(TEXT_LABEL_WIDTH, max(map(len, corrections.texts)))

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        step = self.epoch * self.steps + index
        count = max(1, round(self.config.share * self.config.batch_size))
        picks = np.random.default_rng([self.config.seed, 1, step]).integers(0, len(self.corrections), count)
        inputs, texts = [self.corrections.inputs[picks]], [self.corrections.texts[i] for i in picks]
        if count < self.config.batch_size:
            usual_inputs, usual_texts = self.generator.batch(self.config.batch_size - count, 2, step)
            inputs.append(usual_inputs)
            texts += usual_texts
        return np.concatenate(inputs), encode_labels(texts, self.width, self.alphabet)

    def on_epoch_end(self) -> None:
        self.epoch += 1


def parent_config(parent: store.StoredModel, config: FinetuneConfig) -> train.TrainConfig:
    """The parent's own training settings (its usual strings), at this fine-tune's batch, rate and seed."""
    known = {f.name for f in fields(train.TrainConfig)}
    saved = {k: v for k, v in parent.card.get("training", {}).items() if k in known}
    saved.setdefault("alphabet", "text" if parent.card.get("alphabet") == TEXT_ALPHABET else "digits")
    return train.TrainConfig(**{**saved, "batch_size": config.batch_size, "learning_rate": config.learning_rate,
                                "seed": config.seed, "workers": 0, "processes": 0, "init_from": parent.name})


EPOCHS = 5  # the fine-tune's steps in this many parts: the points of its loss curve


def fit(model: keras.Model, corrections: Lines, usual: train.TrainConfig, config: FinetuneConfig) -> list[dict]:
    """Train ``model`` in place on mixed batches; its loss by part, for the history and curves."""
    keras.utils.set_random_seed(config.seed)
    train.compile_model(model, usual)
    digits = datasets.train_validation_split(datasets.load_train_digits(allow_download=False))[0]
    generator = SequenceGenerator(digits, usual.synth_config(), config.seed)
    epochs = min(EPOCHS, config.steps)
    batches = MixedBatches(corrections, generator, config, math.ceil(config.steps / epochs), usual.characters)
    history = model.fit(batches, epochs=epochs, verbose=2).history
    return [{"loss": float(loss)} for loss in history["loss"]]


# --- measuring ------------------------------------------------------------------------------------------------

def measure(read_lines, decoder: str, sets: dict[str, Lines]) -> dict[str, dict]:
    """Sequence and digit accuracy of a reader on each set (empty sets left out)."""
    figures = {}
    for name, lines in sets.items():
        if len(lines):
            scored = evaluate.score(lines.texts, evaluate.predict_texts(read_lines, lines.inputs, decoder))
            figures[name] = {k: scored[k] for k in ("count", "sequence_accuracy", "digit_accuracy")}
    return figures


def check_strings(count: int) -> Lines:
    """MNIST validation strings, lengths 1-8: what the reader read before, to see it forgets nothing."""
    if not count:
        return Lines(np.zeros((0, *preprocess.INPUT_SHAPE), np.float32), [])
    eval_set = evaluate.make_eval_set(datasets.held_out_digits("validation"), (1, 8), count)
    return Lines(eval_set.inputs, eval_set.texts)


def benchmark_figures(model_path: Path, config: FinetuneConfig) -> dict[str, dict]:
    """``python -m benchmarks.reader`` on the asked sets with this model: {set: {"count", "sequence_accuracy"}}.
    The whole reader, as the app runs it (the number finder included), in its own process."""
    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch) / "reader.json"
        subprocess.run([sys.executable, "-m", "benchmarks.reader", "--model", str(model_path), "--sets",
                        *config.benchmark, "--digits", config.benchmark_digits, "--count",
                        str(config.benchmark_count), "--json", str(results)], check=True, stdout=subprocess.DEVNULL)
        sets = json.loads(results.read_text())["sets"]
    return {f"benchmark {name} ({config.benchmark_digits})": {"count": row["images"], "sequence_accuracy":
                                                                row["accuracy"]} for name, row in sets.items()}


def regressions(before: dict[str, dict], after: dict[str, dict], tolerance: float) -> list[str]:
    """The figures that went down by more than ``tolerance``, said plainly."""
    return [f"{name}: {before[name]['sequence_accuracy']:.4f} -> {after[name]['sequence_accuracy']:.4f}"
            for name in before if after[name]["sequence_accuracy"] < before[name]["sequence_accuracy"] - tolerance]


# --- the new model ----------------------------------------------------------------------------------------------

def new_name(parent: store.StoredModel, store_dir: Path | None) -> str:
    """The parent's name with the next free ``-fixN`` (``crnn-text2-digits3-fix1``, then ``-fix2``...)."""
    base = NAME_SUFFIX.sub("", parent.name)
    taken = {m.name for m in store.list_models(store_dir)}
    return next(f"{base}-fix{n}" for n in range(1, len(taken) + 2) if f"{base}-fix{n}" not in taken)


def write_model(model: keras.Model, parent: store.StoredModel, name: str, card: dict, history: list[dict],
                store_dir: Path | None) -> Path:
    """The fine-tuned reader, the parent's rescorer, the card, history and curves, published whole."""
    destination = Path(store_dir or store.STORE_DIR) / name
    staging = store.staging_dir(destination)
    models.without_optimizer(model).save(staging / store.MODEL_FILE)
    if "rescorer" in parent.card:  # the digit classifiers read crops of any reader's cuts (train-rescorer --any-reader)
        rescorer_file = parent.card["rescorer"].get("file", store.RESCORER_FILE)
        shutil.copy2(parent.path / rescorer_file, staging / rescorer_file)
    (staging / store.CARD_FILE).write_text(json.dumps(card, indent=2))
    (staging / "history.json").write_text(json.dumps(history, indent=1))
    train.plot_curves(history, staging / "curves.png", name)
    store.publish(staging, destination)
    return destination


def make_card(parent: store.StoredModel, name: str, config: FinetuneConfig, learned: dict, metrics: dict,
              spent_s: float, history: list[dict]) -> dict:
    """The parent's card, renamed and dated, its figures replaced by this model's, and a ``corrections``
    section: what it learned from and how it read the held-out corrections before and after."""
    training = parent.card.get("training", {})
    commands = [*training.get("commands", []), train.command_line()]
    card = {**parent.card, "name": name, "metrics": metrics, "corrections": learned,
            "training": {**training, "finetune": asdict(config), "epochs_run": len(history),
                         "training_time_s": round(float(training.get("training_time_s", 0.0)) + spent_s, 1),
                         "command": " && ".join(commands), "commands": commands},
            "version": time.strftime("%Y%m%d%H%M", time.gmtime()),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), "git_commit": train._git_commit()}
    for stale in ("validation", "reader_metrics"):  # the parent's figures, no longer this model's
        card.pop(stale, None)
    return card


# --- the whole run --------------------------------------------------------------------------------------------

def finetune(database: Path, config: FinetuneConfig, store_dir: Path | None = None, promote: bool = False) -> Outcome:
    """Fine-tune the store's DEFAULT on the corrections in ``database``; write it; promote it if asked and
    nothing regressed."""
    parent = store.find(None, store_dir)
    name = checked_name(config.name or new_name(parent, store_dir), parent, store_dir)
    samples, learn, held = corrections_for(parent, database, config)
    sets = {HELD_OUT: as_lines(held), "MNIST validation strings 1-8": check_strings(config.check_strings)}
    model, rescorer = store.load_model(parent), store.load_rescorer(parent)
    before = measure(store.reader_of(model, rescorer, parent.card), parent.decoder, sets)
    started = time.time()
    history = fit(model, as_lines(learn), parent_config(parent, config), config)
    spent_s = time.time() - started
    read_lines = store.reader_of(model, rescorer, parent.card)
    after = measure(read_lines, parent.decoder, sets)
    metrics = train.mnist_test_metrics(read_lines, parent.decoder, int(parent.card.get("max_length", 8)),
                                       config.test_strings) if config.test_strings else {}
    learned = {"parent": {"name": parent.name, "version": parent.card.get("version")}, "in_store": len(samples),
               "trained_on": len(learn), "left_out": len(samples) - len(learn) - len(held),
               "held_out": {"count": len(held), "rule": HELD_OUT_RULE,
                            **({"before": before[HELD_OUT], "after": after[HELD_OUT]} if held else {})}}
    card = make_card(parent, name, config, learned, metrics, spent_s, history)
    folder = write_model(model, parent, name, card, history, store_dir)
    return judge(folder, parent, config, before, after, promote)


def checked_name(name: str, parent: store.StoredModel, store_dir: Path | None) -> str:
    """A fine-tune never writes over the model it starts from or the one served."""
    if name in (parent.name, store.default_name(store_dir)):
        raise ValueError(f"--name {name!r} is the model being fine-tuned or the DEFAULT: choose another name")
    return name


def corrections_for(parent: store.StoredModel, database: Path, config: FinetuneConfig) -> tuple[list, list, list]:
    """Every sample in the store, those to learn from and those held out (of the ones in the parent's alphabet)."""
    samples = CorrectionStore(database).samples()
    usable = readable(samples, parent.card.get("alphabet", "0123456789"))
    learn, held = split_newest(usable, config.held_out)
    if not learn:
        raise ValueError(f"nothing to learn from: {len(samples)} corrections in {database}, {len(usable)} of them "
                         f"in {parent.name}'s alphabet, {len(held)} held out")
    print(f"fine-tuning {parent.name} (version {parent.card.get('version')}) on {len(learn)} corrections; "
          f"{len(held)} held out, {len(samples) - len(usable)} not in its alphabet")
    return samples, learn, held


def judge(folder: Path, parent: store.StoredModel, config: FinetuneConfig, before: dict, after: dict,
          promote: bool) -> Outcome:
    """Benchmarks if asked; every figure before and after, and the regressions, into the card; the DEFAULT
    moved only if asked, with held-out corrections to judge by, and nothing regressed."""
    if config.benchmark:
        before = {**before, **benchmark_figures(parent.path, config)}
        after = {**after, **benchmark_figures(folder, config)}
    stored = store.find(folder)
    learned = {**stored.card["corrections"], "regressions": regressions(before, after, config.tolerance),
               "checks": {name: {"before": before[name], "after": after[name]} for name in before}}
    store.update_card(stored, {"corrections": learned})
    outcome = Outcome(folder, {**stored.card, "corrections": learned}, learned["regressions"])
    if promote and not outcome.regressions and HELD_OUT in before:
        store.set_default(stored.name, folder.parent)
        outcome.promoted = True
    return outcome
