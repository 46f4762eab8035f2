"""Training: synthetic strings on the fly, CTC or per-position loss, checkpoints, resume, a card.

Validation strings come from a held-out split of the *training* digits and pick checkpoints;
the MNIST test digits give only the final numbers written into the card.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
from keras import ops

from training.core import store
from training.fitting import evaluate
from training.models import builders as models
from training.scenes import paper
from training.sources import datasets, realdata
from training.core.alphabet import ALPHABETS, num_classes
from training.core.preprocess import DIGIT_HEIGHT, INPUT_HEIGHT, INPUT_WIDTH
from training.scenes.synth import (TEXT_LABEL_WIDTH, SequenceGenerator, SynthConfig, encode_labels, load_real_pool,
                                   start_worker, worker_batch)

CHECKPOINT_DIR = store.STORE_DIR / ".checkpoints"


@dataclass
class TrainConfig:
    """Everything that decides a training run; written into the card."""

    model: str = "crnn"
    name: str = ""
    batch_size: int = 64
    steps_per_epoch: int = 500
    epochs: int = 60
    time_budget_min: float = 0.0  # stop after this many minutes (0: no limit)
    learning_rate: float = 2e-3
    patience: int = 8
    max_length: int = 8
    max_angle: float = 15.0
    clean_fraction: float = SynthConfig.clean_fraction  # share of plain (canvas-like) strings; the rest are photos
    pen_fraction: float = SynthConfig.pen_fraction  # share of the plain strings redrawn with the draw canvas's pen
    elastic: float = SynthConfig.elastic  # elastic distortion of each digit, up to this many pixels of 28
    hard_digits: float = 0.0  # share of digit picks given to those the starting model reads worst (fine-tuning)
    real_fraction: float = SynthConfig.real_fraction  # share of strings of real handwriting (UNIPEN, USPS, optdigits)
    repeat_fraction: float = SynthConfig.repeat_fraction  # share of composed real strings given a run of one digit
    alphabet: str = "digits"  # what the model reads: "digits" (0-9) or "text" (with separators and the space)
    separator_fraction: float = SynthConfig.separator_fraction  # share of real strings written with separators
    stray_mark_fraction: float = SynthConfig.stray_mark_fraction  # share of strings given a stray mark (marks.py)
    crowded_fraction: float = SynthConfig.crowded_fraction  # share of composed real strings written crowded
    paper_fraction: float = SynthConfig.paper_fraction  # share of strings on paper (training.scenes.paper, issue 35)
    printed_fraction: float = SynthConfig.printed_fraction  # share printed or on displays (scenes.printed, issue 37)
    threads: int = 0  # TensorFlow's intra- and inter-op threads (0: its default, every core); 1 on a shared machine
    validation_strings: int = 2000
    test_strings: int = 2000
    seed: int = 1
    workers: int = 2
    processes: int = 0  # generate strings in this many processes (0: in threads of this one); for many-core machines
    reuse: int = 1  # show each epoch's strings this many epochs running, in a new order (when data is the bottleneck)
    init_from: str = ""  # start from this stored model's weights (fine-tuning) instead of from scratch
    keep: str = "best"  # the weights written: "best" on the MNIST validation strings, or "last" (a fine-tune on
    # other writers, whose MNIST figure stays flat while it learns them: the best epoch would be a random early one)

    def __post_init__(self):
        if not 0 <= self.hard_digits < 1:
            raise ValueError(f"--hard-digits is a share of the picks, within 0..1, got {self.hard_digits}")
        if self.keep not in ("best", "last"):
            raise ValueError(f"--keep must be 'best' or 'last', got {self.keep!r}")
        if self.alphabet not in ALPHABETS:
            raise ValueError(f"--alphabet must be one of {', '.join(ALPHABETS)}, got {self.alphabet!r}")
        if self.reuse < 1 or self.processes < 0:
            raise ValueError(f"--reuse must be 1 or more and --processes 0 or more, got {self.reuse} and "
                             f"{self.processes}")
        self.synth_config()  # checks the shares before any model is loaded

    def synth_config(self) -> SynthConfig:
        """How this run's strings are made: these settings, the paper and camera defaults."""
        return SynthConfig(max_length=self.max_length, max_angle=self.max_angle, clean_fraction=self.clean_fraction,
                           pen_fraction=self.pen_fraction, elastic=self.elastic, real_fraction=self.real_fraction,
                           repeat_fraction=self.repeat_fraction, separator_fraction=self.separator_fraction,
                           stray_mark_fraction=self.stray_mark_fraction, crowded_fraction=self.crowded_fraction,
                           paper_fraction=self.paper_fraction, printed_fraction=self.printed_fraction,
                           alphabet=self.characters)

    @property
    def characters(self) -> str:
        """The alphabet's characters, in class order after the blank."""
        return ALPHABETS[self.alphabet]

    @property
    def label_width(self) -> int:
        """How many classes a training label holds: a number with separators is longer than its digits."""
        return max(self.max_length, TEXT_LABEL_WIDTH) if self.alphabet == "text" else self.max_length

    @classmethod
    def tiny(cls, **overrides) -> "TrainConfig":
        """A preset that runs in seconds on a CPU: smoke tests, not a usable model."""
        values = dict(batch_size=16, steps_per_epoch=3, epochs=2, validation_strings=32, test_strings=32, workers=0)
        return cls(**{**values, **overrides})


def ctc_loss(labels, logits):
    """labels int (batch, max_length) padded with 0; logits (batch, steps, 11) -> (batch,) CTC loss."""
    labels = ops.cast(labels, "int32")
    label_length = ops.sum(ops.cast(labels > 0, "int32"), axis=1)
    steps = ops.shape(logits)[1]
    logit_length = ops.full((ops.shape(logits)[0],), steps, dtype="int32")
    return ops.ctc_loss(labels, logits, label_length, logit_length, mask_index=0)


def positional_loss(labels, logits):
    """Cross-entropy per position, "no digit" (0) included: (batch, max_length) vs (batch, max_length, 11)."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True), axis=-1)


class SyntheticBatches(keras.utils.PyDataset):
    """Fresh strings every ``reuse`` epochs, fixed by (seed, data epoch, index) so a resumed run sees the same data.

    With ``config.processes`` the strings are made in spawned processes (threads here only wait on them);
    with ``config.reuse`` > 1 the batches of the current data epoch are kept in memory and replayed shuffled.
    """

    def __init__(self, generator: SequenceGenerator, config: TrainConfig, epoch: int = 0):
        threads = max(1, config.workers, config.processes)
        super().__init__(workers=threads, use_multiprocessing=False, max_queue_size=2 * threads)
        self.generator, self.config, self.epoch = generator, config, epoch
        self.pool = _data_pool(generator, config.processes) if config.processes else None
        self.cache: dict[tuple[int, int], tuple] = {}

    def __len__(self) -> int:
        return self.config.steps_per_epoch

    def __getitem__(self, index: int):
        if self.config.reuse == 1:
            return self._make(self.epoch, index)
        data_epoch, replay = divmod(self.epoch, self.config.reuse)
        if replay:  # a replayed epoch: the same batches in another order
            index = int(self.generator.rng(data_epoch, replay, len(self)).permutation(len(self))[index])
        if (data_epoch, index) not in self.cache:
            self.cache[data_epoch, index] = self._make(data_epoch, index)
        return self.cache[data_epoch, index]

    def _make(self, data_epoch: int, index: int):
        size = self.config.batch_size
        if self.pool is None:
            inputs, texts = self.generator.batch(size, data_epoch, index)
        else:
            inputs, texts = self.pool.apply(worker_batch, (size, data_epoch, index))
        return inputs, encode_labels(texts, self.config.label_width, self.config.characters)

    def on_epoch_end(self) -> None:
        self.epoch += 1
        current = self.epoch // self.config.reuse
        self.cache = {key: batch for key, batch in self.cache.items() if key[0] == current}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()


def _data_pool(generator: SequenceGenerator, processes: int):
    """Spawned, not forked: the parent runs a multithreaded deep-learning runtime, which fork can deadlock."""
    context = multiprocessing.get_context("spawn")
    uses_scenes = generator.config.paper_fraction or generator.config.printed_fraction  # paper.generator_for's
    return context.Pool(processes, initializer=paper.start_worker if uses_scenes else start_worker,
                        initargs=(generator.digits, generator.config, generator.seed))


class ValidationAccuracy(keras.callbacks.Callback):
    """Adds val_sequence_accuracy and val_digit_accuracy to the logs (read exactly, by decoding)."""

    def __init__(self, eval_set: evaluate.EvalSet, decoder: str):
        super().__init__()
        self.eval_set, self.decoder = eval_set, decoder

    def on_epoch_end(self, epoch, logs=None):
        predictions = evaluate.predict_texts(self.model.predict_on_batch, self.eval_set.inputs, self.decoder)
        figures = evaluate.score(self.eval_set.texts, predictions)
        logs["val_sequence_accuracy"] = figures["sequence_accuracy"]
        logs["val_digit_accuracy"] = figures["digit_accuracy"]
        print(f"  validation: sequence {figures['sequence_accuracy']:.4f}  digit {figures['digit_accuracy']:.4f}")


class CosineSchedule(keras.callbacks.Callback):
    """Learning rate from ``base`` down to 5% of it over ``epochs``, by epoch (resumes where it was); with a time
    budget (``minutes``), by whichever of epochs or minutes is further along, so it ends low either way."""

    def __init__(self, base: float, epochs: int, minutes: float = 0.0, already_spent_s: float = 0.0):
        super().__init__()
        self.base, self.epochs = base, epochs
        self.budget_s, self.started = minutes * 60, time.time() - already_spent_s

    def on_epoch_begin(self, epoch, logs=None):
        progress = epoch / max(1, self.epochs - 1)
        if self.budget_s:  # the epoch about to run should end at about this share of the budget
            progress = max(progress, (time.time() - self.started) / self.budget_s)
        progress = min(1.0, progress)
        self.model.optimizer.learning_rate.assign(self.base * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * progress))))


class TimeBudget(keras.callbacks.Callback):
    """Stops training at the end of the first epoch past the budget."""

    def __init__(self, minutes: float, already_spent_s: float = 0.0):
        super().__init__()
        self.deadline = time.time() + minutes * 60 - already_spent_s

    def on_epoch_end(self, epoch, logs=None):
        if time.time() > self.deadline:
            print("time budget spent: stopping")
            self.model.stop_training = True


class ResumeState(keras.callbacks.Callback):
    """Saves the last model and the run's progress after every epoch, for --resume."""

    def __init__(self, folder: Path, state: dict, commands: list[str]):
        super().__init__()
        self.folder, self.history, self.started, self.spent_s = folder, state["history"], time.time(), state["spent_s"]
        self.commands, self.inherited_s = commands, state.get("inherited_s", 0.0)

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({k: float(v) for k, v in (logs or {}).items()})
        store.save_model(self.model, self.folder / "last.keras")
        state = {"epoch": epoch + 1, "history": self.history, "spent_s": self.spent_s + time.time() - self.started,
                 "commands": self.commands, "inherited_s": self.inherited_s}
        (self.folder / "state.json").write_text(json.dumps(state))


def limit_threads(threads: int) -> None:
    """Run TensorFlow (and OpenCV) on ``threads`` threads (0: leave their defaults): one leaves the other cores
    of a shared machine free. Must come before TensorFlow runs its first operation."""
    if not threads:
        return
    import cv2
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    cv2.setNumThreads(threads)


class PaperValidation(keras.callbacks.Callback):
    """Adds val_register_accuracy and val_cheque_accuracy: whole validation crops (paperdata), each through
    ``normalize_line`` as one found number, read exactly (digits only). A quick per-epoch look; the figures that
    choose a model are the app's (benchmarks/paper.py)."""

    def __init__(self, decoder: str, alphabet: str, registers: int = 400):
        super().__init__()
        from training.sources import paperdata
        from training.core.preprocess import normalize_line

        crops = {"register": paperdata.load_crops("register-numbers", "validation")[::max(1, 2686 // registers)],
                 "cheque": paperdata.load_crops("cheque-amounts", "validation")}
        self.sets = {name: (np.stack([normalize_line(c.image)[0] for c in chosen]), [c.label for c in chosen])
                     for name, chosen in crops.items()}
        self.decoder, self.alphabet = decoder, alphabet

    def on_epoch_end(self, epoch, logs=None):
        for name, (inputs, labels) in self.sets.items():
            texts = evaluate.predict_texts(self.model.predict_on_batch, inputs, self.decoder)
            right = sum("".join(ch for ch in text if ch.isdigit()) == label for text, label in zip(texts, labels))
            logs[f"val_{name}_accuracy"] = right / len(labels)
        print("  paper validation: " + "  ".join(f"{n} {logs[f'val_{n}_accuracy']:.4f}" for n in self.sets))


def compile_model(model: keras.Model, config: TrainConfig) -> None:
    loss = ctc_loss if models.decoder_for(config.model) == "ctc" else positional_loss
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=5.0), loss=loss)


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _load_or_build(config: TrainConfig, folder: Path, resume: bool) -> tuple[keras.Model, dict]:
    if resume and (folder / "state.json").exists():
        state = json.loads((folder / "state.json").read_text())
        model = keras.saving.load_model(folder / "last.keras", custom_objects={"ctc_loss": ctc_loss,
                                                                                "positional_loss": positional_loss})
        print(f"resuming {config.name} after epoch {state['epoch']}")
        return model, state
    if config.init_from:
        return _load_parent(config)
    builder_args = {"max_length": config.max_length}
    if config.alphabet != "digits":
        builder_args["num_classes"] = num_classes(config.characters)
    return models.build(config.model, **builder_args), {"epoch": 0, "history": [], "spent_s": 0.0}


def _load_parent(config: TrainConfig) -> tuple[keras.Model, dict]:
    """A stored model to fine-tune, with its history, commands and training time carried into the new card."""
    parent = store.find(config.init_from)
    if parent.card.get("architecture") != config.model:
        raise ValueError(f"--init-from {config.init_from!r} is a {parent.card.get('architecture')!r} model, "
                         f"not {config.model!r}")
    training = parent.card.get("training", {})
    print(f"fine-tuning {parent.name} (version {parent.card.get('version')})")
    model = store.load_model(parent)
    if model.output_shape[-1] < num_classes(config.characters):  # a digit reader learning separators
        model = models.widened_head(model, num_classes(config.characters), config.seed)
    return model, {"epoch": 0, "history": _line_model_history(parent), "spent_s": 0.0,
                                      "commands": list(training.get("commands", [])),
                                      "inherited_s": float(training.get("training_time_s", 0.0))}


def _line_model_history(parent: store.StoredModel) -> list[dict]:
    """The epochs of a stored line model's training (``history.json``). A rescored model's file holds its
    classifiers' histories instead (one list per classifier), which are not the line model's: none then."""
    history_file = parent.path / "history.json"
    if "rescorer" in parent.card or not history_file.exists():
        return []
    return json.loads(history_file.read_text())


HARD_CONFIDENCE = 0.9  # a digit read wrongly, or right with less than this, counts as hard


def emphasize_hard_digits(model: keras.Model, digits: datasets.Digits, share: float, decoder: str) -> datasets.Digits:
    """The pool with the digits ``model`` reads worst repeated, so that about ``share`` of the picks are theirs:
    a fine-tune spends its time on the writing it has not learned, not on the thousands of easy 1s."""
    hard = np.flatnonzero(evaluate.digit_confidence(model.predict_on_batch, digits, decoder) < HARD_CONFIDENCE)
    if not len(hard):
        return digits
    # a pool of n digits plus c more copies of the h hard ones: h (1 + c) / (n + c h) = share
    copies = max(1, round((share * len(digits) - len(hard)) / (len(hard) * (1 - share))))
    pool = np.concatenate([np.arange(len(digits)), np.tile(hard, copies)])
    print(f"hard digits: {len(hard)} of {len(digits)} read wrongly or unsurely, each shown {copies + 1}x as often")
    return digits.subset(pool, f"{digits.source}+{len(hard)}-hardest-x{copies + 1}")


def train(config: TrainConfig, resume: bool = False, digits: datasets.Digits | None = None) -> Path:
    """Train, then write model_store/<name>/ (model, card, history, curves). Returns that folder."""
    if config.hard_digits and not (config.init_from or resume):  # a random model finds every digit hard
        raise ValueError("--hard-digits needs a trained model to judge the digits: --init-from or --resume")
    config.name = config.name or f"{config.model}"
    limit_threads(config.threads)
    keras.utils.set_random_seed(config.seed)
    train_digits, val_digits = datasets.train_validation_split(digits or datasets.load_train_digits())
    synth = config.synth_config()
    folder = CHECKPOINT_DIR / config.name
    folder.mkdir(parents=True, exist_ok=True)
    model, state = _load_or_build(config, folder, resume)
    if not resume or not (folder / "state.json").exists():
        compile_model(model, config)
    decoder = models.decoder_for(config.model)
    if config.hard_digits:
        train_digits = emphasize_hard_digits(model, train_digits, config.hard_digits, decoder)
    val_set = evaluate.make_eval_set(val_digits, (1, config.max_length), config.validation_strings, seed=99,
                                      realistic=True)
    callbacks = [
        ValidationAccuracy(val_set, decoder),
        keras.callbacks.ModelCheckpoint(folder / "best.keras", monitor="val_sequence_accuracy", mode="max",
                                        save_best_only=True),
        CosineSchedule(config.learning_rate, config.epochs, config.time_budget_min, state["spent_s"]),
        keras.callbacks.EarlyStopping(monitor="val_sequence_accuracy", mode="max", patience=config.patience),
        ResumeState(folder, state, state.setdefault("commands", []) + [command_line()]),
    ]
    if config.paper_fraction:  # before ResumeState, so that the epoch's log it saves has the paper figures
        callbacks.insert(1, PaperValidation(decoder, config.characters))
    if config.time_budget_min:
        callbacks.append(TimeBudget(config.time_budget_min, state["spent_s"]))
    batches = SyntheticBatches(paper.generator_for(train_digits, synth, config.seed), config, state["epoch"])
    try:
        model.fit(batches, epochs=config.epochs, initial_epoch=state["epoch"], callbacks=callbacks, verbose=2)
    finally:
        batches.close()
    final = json.loads((folder / "state.json").read_text())
    # the last epoch without its optimizer, as best.keras is loaded: the model file stays small
    best = models.without_optimizer(model) if config.keep == "last" else \
        keras.saving.load_model(folder / "best.keras", compile=False)
    spent_s = final["spent_s"] + final.get("inherited_s", 0.0)  # a fine-tuned model's time includes its parent's
    return write_model(best, config, final["history"], spent_s, train_digits.source, final["commands"])


def command_line() -> str:
    """This process's command, as typed: ``python -m training train ...``."""
    return " ".join(shlex.quote(a) for a in ["python", "-m", "training", *sys.argv[1:]])


def write_model(model: keras.Model, config: TrainConfig, history: list[dict], spent_s: float, data: str,
                commands: list[str]) -> Path:
    """Evaluate on MNIST test strings and write the model folder atomically."""
    destination = store.STORE_DIR / config.name
    staging = store.staging_dir(destination)
    model.save(staging / store.MODEL_FILE)
    metrics = mnist_test_metrics(model.predict_on_batch, models.decoder_for(config.model), config.max_length,
                           config.test_strings)
    card = make_card(model, config, metrics, history, spent_s, data, commands)
    (staging / store.CARD_FILE).write_text(json.dumps(card, indent=2))
    (staging / "history.json").write_text(json.dumps(history, indent=1))
    plot_curves(history, staging / "curves.png", config.name)
    store.publish(staging, destination)
    print(f"wrote {destination}: " + ", ".join(f"{k} sequence {v['sequence_accuracy']:.4f}" for k, v in metrics.items()))
    return destination


def mnist_test_metrics(predict_logits, decoder: str, max_length: int, count: int) -> dict:
    """The card's figures: ``count`` strings of MNIST test digits, 4 long and 1 to ``max_length`` long."""
    test_digits = datasets.load_test_digits()
    metrics = {}
    for spec in ("4", f"1-{max_length}"):
        eval_set = evaluate.make_eval_set(test_digits, evaluate.parse_lengths(spec), count)
        figures = evaluate.score(eval_set.texts, evaluate.predict_texts(predict_logits, eval_set.inputs, decoder))
        metrics[f"test_{spec}"] = {k: v for k, v in figures.items() if k != "confusion"}
    return metrics


def make_card(model: keras.Model, config: TrainConfig, metrics: dict, history: list[dict], spent_s: float,
              data: str, commands: list[str]) -> dict:
    """The model's card: what it is, what it was trained on and how, and how well it reads."""
    return {
        "name": config.name,
        "architecture": config.model,
        "decoder": models.decoder_for(config.model),
        "parameters": int(model.count_params()),
        "input": {"height": INPUT_HEIGHT, "width": INPUT_WIDTH, "channels": 1, "digit_height": DIGIT_HEIGHT,
                  "preprocessing": "training.core.preprocess.normalize_line"},
        "alphabet": config.characters, "blank_index": 0, "max_length": config.max_length,
        "data": {"train_digits": data, "validation": "10% split of the training digits",
                 "test": "MNIST test set (10,000 digits, writers disjoint from training)",
                 "synthesis": {"max_angle": config.max_angle, "lengths": f"1-{config.max_length}",
                               "clean_fraction": config.clean_fraction,
                               "pen_fraction": config.pen_fraction, "elastic": config.elastic,
                               "canvas_pen_fraction": config.clean_fraction * config.pen_fraction},
                 **real_handwriting(config), **paper_writing(config), **printed_numbers(config)},
        "training": {**asdict(config), "epochs_run": len(history), "training_time_s": round(spent_s, 1),
                     "command": " && ".join(commands), "commands": commands},
        "metrics": metrics,
        "validation": {k: history[-1][k] for k in ("val_sequence_accuracy", "val_digit_accuracy")
                       if history and k in history[-1]},
        "version": dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M"),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
    }


def real_handwriting(config: TrainConfig) -> dict:
    """The card's note on real handwriting, when the run used any: its share and sources (train split only)."""
    if not config.real_fraction:
        return {}
    synth = config.synth_config()
    return {"real_handwriting": {"fraction": config.real_fraction, "repeat_fraction": config.repeat_fraction,
                                 "separator_fraction": config.separator_fraction,
                                 "stray_mark_fraction": config.stray_mark_fraction,
                                 "crowded_fraction": config.crowded_fraction,
                                 "whole_string_fraction": synth.real_whole_fraction,
                                 "scan_fraction": synth.real_scan_fraction,
                                 "sources": load_real_pool().describe(), "held_out": held_out_writers()}}


def paper_writing(config: TrainConfig) -> dict:
    """The card's note on the paper strings (issue 35), when the run used any: share, sources, held-out writers."""
    if not config.paper_fraction:
        return {}
    from training.scenes import paper
    from training.sources import paperdata

    recorded = realdata.load_splits()["paper"]
    return {"paper": {"fraction": config.paper_fraction, "renderer": "training/scenes/paper.py",
                      "real_share": paper.REAL_SHARE, "sources": paper.load_paper_pool().describe(),
                      "word_share": paper.WORD_SHARE, "ruling_erased": paper.RULING_ERASED,  # from stage 3
                      "train_splits": "train splits only (training/data/SPLITS.json, paper)",
                      "held_out": {"register_validation": "the source's validation folder (registers "
                                   + ", ".join(sorted(set(paperdata.arrays("register-numbers")["registers"][
                                       paperdata.register_split_names() == "validation"]))) + ")",
                                   "register_test_registers": recorded["register-numbers"]["test_registers"],
                                   "cheque_validation_and_test": "two seeded fifths of the cheques (SPLITS.json)",
                                   "swiss_cuts": recorded["swiss-numbers"]["cuts"],
                                   "semeion_passes": recorded["semeion"]["passes"],
                                   "pendigits": {"validation": recorded["pendigits"]["validation"],
                                                 "test": recorded["pendigits"]["test"]}}}}


def printed_numbers(config: TrainConfig) -> dict:
    """The card's note on the printed numbers (issue 37), when the run used any: share, renderer, font families
    (none of the reader benchmark's: docs/printed-sets.md)."""
    if not config.printed_fraction:
        return {}
    from training.scenes import printed

    return {"printed": {"fraction": config.printed_fraction, **printed.describe()}}


def held_out_writers() -> dict:
    """The writers training never saw, for the card: whole UNIPEN labs and the scans' other files."""
    return {"unipen_validation_labs": list(realdata.split_labs("validation")),
            "unipen_test_labs": list(realdata.split_labs("test")),
            "usps_test": f"USPS {realdata.USPS_FILES['test']}",
            "optdigits_test": f"optdigits {realdata.OPTDIGITS_FILES['test']} (other writers)",
            "scan_validation": "a seeded tenth of each scan set's train file (realdata.load_scans)"}


def plot_curves(history: list[dict], path: Path, title: str) -> None:
    """Loss and validation accuracy by epoch, side by side, as the write-up plots them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(epochs, [h.get("loss", np.nan) for h in history], label="training loss")
    left.set(xlabel="epoch", ylabel="loss", title=f"{title}: loss")
    for key, label in (("val_sequence_accuracy", "whole string"), ("val_digit_accuracy", "per digit")):
        right.plot(epochs, [h.get(key, np.nan) for h in history], label=label)
    right.set(xlabel="epoch", ylabel="validation accuracy", title=f"{title}: accuracy")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
