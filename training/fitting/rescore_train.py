"""Train a digit rescorer for a stored line model: ``python -m training train-rescorer --reader crnn``.

1. Make synthetic lines from the training digits, as the line model was trained on (photos, canvas
   drawings) plus the plain 28-pixel strings of the write-up's test.
2. Let the line model read them; where it reads the right number of digits, cut each digit out
   (``training.core.segment``, exactly as serving does) and label it with the true digit.
3. Train the classifier (``models.RESCORERS``) on those crops; validation crops come the same way from
   the held-out validation digits. With ``--seeds``, one classifier per seed (its own lines and crops),
   averaged (``models.digit_ensemble``); ``--join`` starts from stored rescored models' classifiers (with no
   ``--seeds``, it only combines them).
4. Choose the fusion weight, and the confidence under which a digit is read again, on validation
   strings (``tune``; ``python -m training tune-rescorer`` does it again for a stored model), then measure on
   MNIST test strings, and write
   model_store/<name>/: the line model, ``rescorer.keras`` and a card describing both.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
import time
from dataclasses import asdict, dataclass, replace

import keras
import numpy as np

from training.core import decode, rescore, segment, store
from training.fitting import evaluate
from training.fitting.train import CHECKPOINT_DIR, _git_commit, command_line
from training.models import builders as models
from training.scenes.synth import SynthConfig, start_worker, worker_batch, worker_job
from training.sources import datasets

LINES_PER_JOB = 250


@dataclass
class RescorerConfig:
    """Everything that decides a rescorer run; written into the card."""

    reader: str = "crnn"  # the stored line model whose reading and segmentation the rescorer learns on
    name: str = ""  # default: <reader>-digits
    architecture: str = "digit"
    width: int = 32
    lines: int = 100_000  # synthetic training lines, about 4.5 digits each
    test_like_share: float = 0.4  # share of lines drawn as the test strings are (plain, 28 px); the rest as training's
    elastic: float = 2.0
    clean_fraction: float = SynthConfig.clean_fraction  # of the training-like lines: plain canvas-like drawings
    pen_fraction: float = SynthConfig.pen_fraction  # of those: redrawn with one round pen, as the draw canvas does
    epochs: int = 4
    batch_size: int = 128
    learning_rate: float = 2e-3
    weights: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0)  # fusion weights tried on validation strings
    sures: tuple[float, ...] = (0.9, 0.99, 0.999, 1.0)  # rescore only digits read with less confidence than this
    validation_lines: int = 4000
    validation_strings: int = 2000
    test_strings: int = 2000
    seed: int = 11
    seeds: tuple[int, ...] = ()  # one classifier per seed, averaged (models.digit_ensemble); default: (seed,)
    join: str = ""  # stored rescored models, comma-separated, whose rescorers' members are kept and added to
    any_reader: bool = False  # --join also takes classifiers trained on crops another line model cut
    processes: int = 2

    @classmethod
    def tiny(cls, **overrides) -> "RescorerConfig":
        """Seconds on a CPU: a smoke run, not a usable rescorer."""
        values = dict(lines=2 * LINES_PER_JOB, epochs=1, width=4, validation_lines=LINES_PER_JOB,
                      validation_strings=32, test_strings=32, processes=0, weights=(1.0,), sures=(1.0,))
        return cls(**{**values, **overrides})


def synth_configs(config: RescorerConfig) -> list[tuple[SynthConfig, int]]:
    """(string config, line count): the line model's training mix, and the test strings' plain look."""
    test_like = round(config.lines * config.test_like_share / LINES_PER_JOB) * LINES_PER_JOB
    plain = SynthConfig(realistic=False, heights=(28, 28), restroke=False, pen_fraction=0.0, elastic=config.elastic)
    like_training = SynthConfig(elastic=config.elastic, clean_fraction=config.clean_fraction,
                                pen_fraction=config.pen_fraction)
    return [(like_training, config.lines - test_like), (plain, test_like)]


def lines_to_crops(line_logits, digits: datasets.Digits, synth: SynthConfig, count: int, seed: int,
                   processes: int) -> tuple[np.ndarray, np.ndarray]:
    """Crops and labels (``rescore.labelled_crops``) from ``count`` synthetic lines. With ``processes``, spawned
    processes make the lines and cut them up while this one only runs the line model (on a GPU, if any)."""
    jobs = [(LINES_PER_JOB, job) for job in range(max(1, count // LINES_PER_JOB))]
    if not processes:
        start_worker(digits, synth, seed)
        parts = [rescore.labelled_crops(lines, np.asarray(line_logits(lines)), texts)
                 for lines, texts in (worker_batch(*job) for job in jobs)]
    else:
        with multiprocessing.get_context("spawn").Pool(processes, start_worker, (digits, synth, seed)) as pool:
            cutting = [pool.apply_async(rescore.labelled_crops, (lines, np.asarray(line_logits(lines)), texts))
                       for lines, texts in pool.imap(worker_job, jobs)]
            parts = [job.get() for job in cutting]
    return np.concatenate([c for c, _ in parts]), np.concatenate([y for _, y in parts])


def make_crops(line_logits, digits: datasets.Digits, config: RescorerConfig, lines: int, seed: int):
    """Crops and labels from ``lines`` lines of ``digits`` in the configured mix."""
    scaled = RescorerConfig(**{**asdict(config), "lines": lines})
    parts = [lines_to_crops(line_logits, digits, synth, count, seed + i, config.processes)
             for i, (synth, count) in enumerate(synth_configs(scaled)) if count]
    return np.concatenate([c for c, _ in parts]), np.concatenate([y for _, y in parts])


class ShiftedCrops(keras.utils.PyDataset):
    """Batches of crops, each moved by up to 2 pixels (segmentation and centring are never exact)."""

    def __init__(self, crops: np.ndarray, labels: np.ndarray, batch_size: int, seed: int):
        super().__init__()
        self.crops, self.labels, self.batch_size = crops, labels, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(crops))

    def __len__(self) -> int:
        return max(1, len(self.crops) // self.batch_size)

    def __getitem__(self, index: int):
        picks = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        shifts = self.rng.integers(-2, 3, (len(picks), 2))
        crops = np.stack([np.roll(self.crops[i], tuple(s), axis=(0, 1)) for i, s in zip(picks, shifts)])
        return crops[..., None].astype(np.float32) / 255.0, self.labels[picks]

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.crops))


def fit(crops, labels, val_crops, val_labels, config: RescorerConfig) -> tuple[keras.Model, list[dict]]:
    """Train the classifier with a cosine learning rate; returns it and its history per epoch."""
    keras.utils.set_random_seed(config.seed)
    model = models.RESCORERS[config.architecture](width=config.width)
    batches = ShiftedCrops(crops, labels, config.batch_size, config.seed)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * len(batches), alpha=0.02)
    model.compile(keras.optimizers.Adam(schedule), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    validation = (val_crops[..., None].astype(np.float32) / 255.0, val_labels)
    result = model.fit(batches, epochs=config.epochs, validation_data=validation, verbose=2)
    epochs = len(result.history["loss"])
    return model, [{k: float(v[e]) for k, v in result.history.items()} for e in range(epochs)]


VALIDATION_SEEDS = (7_100_000, 7_200_000, 7_300_000, 7_400_000)
TEST_SEEDS = (evaluate.EVAL_SEED,) * 4  # the strings ``python -m training evaluate`` reads


def eval_sets(digits: datasets.Digits, count: int, seeds: tuple[int, ...]) -> dict[str, evaluate.EvalSet]:
    """The strings the weight is chosen on (validation digits) or the final figures come from (test): the
    write-up's, photo-like ones, and drawings as the page's canvas makes them."""
    return {"4": evaluate.make_eval_set(digits, (4, 4), count, seed=seeds[0]),
            "1-8": evaluate.make_eval_set(digits, (1, 8), count, seed=seeds[1]),
            "1-8-realistic": evaluate.make_eval_set(digits, (1, 8), count, seed=seeds[2], realistic=True),
            "1-8-pen": evaluate.make_eval_set(digits, (1, 8), count, seed=seeds[3], pen=True)}


def score_sets(read_lines, sets: dict[str, evaluate.EvalSet]) -> dict[str, dict]:
    """Sequence and digit accuracy of a batch -> logits function on each set (no confusion matrix)."""
    return {name: {k: v for k, v in evaluate.score(s.texts, evaluate.predict_texts(read_lines, s.inputs, "ctc")).items()
                   if k != "confusion"} for name, s in sets.items()}


def tune(line_logits, classify, sets: dict[str, evaluate.EvalSet], weights, sures) -> tuple[float, float, dict]:
    """The fusion weight, then the confidence under which digits are rescored (the lowest as good as the
    best: the less is rescored, the faster), by mean sequence accuracy over the sets; and every figure."""
    def mean_accuracy(weight, sure):
        figures = score_sets(rescore.predictor(line_logits, classify, weight, sure), sets)
        tried[f"weight {weight}, sure {sure}"] = {k: round(v["sequence_accuracy"], 4) for k, v in figures.items()}
        return round(float(np.mean([f["sequence_accuracy"] for f in figures.values()])), 4)

    tried: dict[str, dict] = {}
    by_weight = {w: mean_accuracy(w, max(sures)) for w in weights}
    weight = max(by_weight, key=by_weight.get)
    by_sure = {s: (by_weight[weight] if s == max(sures) else mean_accuracy(weight, s)) for s in sures}
    sure = min(s for s in sures if by_sure[s] >= max(by_sure.values()))
    return weight, sure, tried


def test_metrics(line_logits, classify, weight: float, sure: float, count: int) -> dict:
    """The line model alone and with its rescorer, on the MNIST test strings."""
    test = eval_sets(datasets.load_test_digits(), count, TEST_SEEDS)
    return {"reader_alone": score_sets(line_logits, test),
            "with_rescorer": score_sets(rescore.predictor(line_logits, classify, weight, sure), test)}


def train_rescorer(config: RescorerConfig) -> str:
    """The whole run; returns the folder written."""
    started = time.time()
    config.name = config.name or f"{config.reader}-digits"
    reader = store.find(config.reader)
    if reader.decoder != "ctc" or "rescorer" in reader.card:
        raise ValueError(f"--reader must be a plain CTC line model; {reader.name!r} is not")
    line_logits = store.load_model(reader).predict_on_batch
    train_digits, val_digits = datasets.train_validation_split(datasets.load_train_digits())
    val_crops, val_labels = make_crops(line_logits, val_digits, config, config.validation_lines, config.seed + 100)
    members, histories = joined_members(config.join, reader, config.any_reader)
    resumed_s = 0.0
    for seed in trained_seeds(config):
        member, history, earlier_s = trained_member(line_logits, train_digits, (val_crops, val_labels),
                                                    replace(config, seed=seed), reader)
        members.append(member)
        histories.append(history)
        resumed_s += earlier_s
    classifier = models.digit_ensemble(members) if len(members) > 1 else models.without_optimizer(members[0])
    classify = classifier.predict_on_batch
    crop_accuracy = float(np.mean(np.argmax(classify(val_crops[..., None].astype(np.float32) / 255.0), 1) == val_labels))
    weight, sure, tried = tune(line_logits, classify, eval_sets(val_digits, config.validation_strings, VALIDATION_SEEDS),
                               config.weights, config.sures)
    metrics = test_metrics(line_logits, classify, weight, sure, config.test_strings)
    written = write_rescored(reader, classifier, config, histories, (weight, sure, tried, crop_accuracy), metrics,
                             time.time() - started + resumed_s)
    shutil.rmtree(CHECKPOINT_DIR / config.name, ignore_errors=True)  # they only serve a run cut short
    return written


def trained_seeds(config: RescorerConfig) -> tuple[int, ...]:
    """The seeds of the classifiers this run trains: --seeds, or --seed alone; none for --join alone (it combines)."""
    return config.seeds or (() if config.join else (config.seed,))


def trained_member(line_logits, train_digits: datasets.Digits, validation: tuple[np.ndarray, np.ndarray],
                   config: RescorerConfig, reader: store.StoredModel) -> tuple[keras.Model, list[dict], float]:
    """The classifier of ``config.seed`` and its history, saved as soon as it is trained, so that a run cut short
    (a time limit, a lost machine) and started again with the same settings loads it instead of training it
    again. The third value is the training time of a classifier so loaded (0 for one trained now)."""
    saved = CHECKPOINT_DIR / config.name / f"member-{config.seed}.keras"
    record = saved.with_suffix(".json")
    key = {"reader_version": reader.card.get("version", ""),
           **{k: v for k, v in asdict(config).items() if k in MEMBER_SETTINGS}}
    earlier = json.loads(record.read_text()) if saved.exists() and record.exists() else {}
    if earlier.get("key") == key:
        print(f"seed {config.seed}: trained already by a run cut short ({saved})")
        return keras.saving.load_model(saved, compile=False), earlier["history"], earlier["training_time_s"]
    started = time.time()
    crops, labels = make_crops(line_logits, train_digits, config, config.lines, config.seed)
    print(f"seed {config.seed}: {len(crops)} training crops, {len(validation[0])} validation crops")
    member, history = fit(crops, labels, *validation, config)
    member = models.without_optimizer(member)
    saved.parent.mkdir(parents=True, exist_ok=True)
    store.save_model(member, saved)
    record.write_text(json.dumps({"key": key, "history": history, "training_time_s": time.time() - started}))
    return member, history, 0.0


# what makes a trained classifier what it is; a saved one is reused only if all of these match
MEMBER_SETTINGS = ("architecture", "width", "lines", "test_like_share", "elastic", "clean_fraction", "pen_fraction",
                   "epochs", "batch_size", "learning_rate", "validation_lines", "seed")


def joined_members(join: str, reader: store.StoredModel,
                   any_reader: bool = False) -> tuple[list[keras.Model], list[list[dict]]]:
    """The members of the stored models' rescorers (``join``, comma-separated), and their histories, to add to;
    none without ``join``. Unless ``any_reader``, only members trained on crops this very reader cut: a classifier
    reads MNIST-framed digits whoever cut them, but another reader's cuts differ a little."""
    members, histories = [], []
    for stored in _joined(join):
        if not any_reader and stored.card.get("rescorer", {}).get("reader_version") != reader.card.get("version"):
            raise ValueError(f"--join {stored.name!r} has no rescorer trained on {reader.name!r} as it is now "
                             "(--any-reader keeps it all the same)")
        history = json.loads((stored.path / "history.json").read_text())
        members += models.ensemble_members(store.load_rescorer(stored))
        histories += history if isinstance(history[0], list) else [history]
    return members, histories


def reader_tag(name: str, version: str) -> str:
    """How a card names the line model whose readings cut a classifier's crops: "crnn 202611260244"."""
    return f"{name} {version}"


def members_cut_by(stored: store.StoredModel) -> list[str]:
    """For each member of a stored rescorer, the line model (``reader_tag``) whose readings cut its crops."""
    rescorer = stored.card["rescorer"]
    own = reader_tag(rescorer["reader"], rescorer.get("reader_version", ""))
    return rescorer.get("members_cut_by", [own] * rescorer.get("members", 1))


def _joined(join: str) -> list[store.StoredModel]:
    return [store.find(name) for name in join.split(",") if name]


def retune(name: str, weights, sures, validation_strings: int, test_strings: int) -> dict:
    """Choose a stored rescored model's weight and confidence again on validation strings and measure it on
    test strings; the card is updated (``python -m training tune-rescorer``). Returns the new card."""
    stored = store.find(name)
    classifier = store.load_rescorer(stored)
    if classifier is None:
        raise ValueError(f"{stored.name!r} has no rescorer to tune")
    line_logits = store.load_model(stored).predict_on_batch
    _, val_digits = datasets.train_validation_split(datasets.load_train_digits())
    weight, sure, tried = tune(line_logits, classifier.predict_on_batch,
                               eval_sets(val_digits, validation_strings, VALIDATION_SEEDS), weights, sures)
    metrics = test_metrics(line_logits, classifier.predict_on_batch, weight, sure, test_strings)
    rescorer = {**stored.card["rescorer"], "weight": weight, "sure": sure, "tuned_with": command_line(),
                "validation": {**stored.card["rescorer"].get("validation", {}), "sequence_accuracy_tried": tried}}
    changes = {"rescorer": rescorer, "metrics": {f"test_{k}": v for k, v in metrics["with_rescorer"].items()},
               "reader_metrics": {f"test_{k}": v for k, v in metrics["reader_alone"].items()}}
    store.update_card(stored, changes)
    print(f"{stored.name}: weight {weight}, sure {sure}; " + ", ".join(
        f"test {k} sequence {v['sequence_accuracy']:.4f}" for k, v in metrics["with_rescorer"].items()))
    return {**stored.card, **changes}


def write_rescored(reader: store.StoredModel, classifier: keras.Model, config: RescorerConfig,
                   histories: list[list[dict]], tuned: tuple[float, float, dict, float], metrics: dict,
                   spent_s: float) -> str:
    """model_store/<name>/: the reader's model, the rescorer and a card for the pair, written atomically."""
    destination = store.STORE_DIR / config.name
    staging = store.staging_dir(destination)
    shutil.copy(reader.path / store.MODEL_FILE, staging / store.MODEL_FILE)
    classifier.save(staging / store.RESCORER_FILE)
    card = rescored_card(reader, classifier, config, histories, tuned, metrics, spent_s)
    (staging / store.CARD_FILE).write_text(json.dumps(card, indent=2))
    (staging / "history.json").write_text(json.dumps(histories[0] if len(histories) == 1 else histories, indent=1))
    plot_rescorer_curves(histories, staging / "curves.png", config.name)
    store.publish(staging, destination)
    fused = metrics["with_rescorer"]
    print(f"wrote {destination} (weight {tuned[0]}, sure {tuned[1]}): " + ", ".join(
        f"test {k} sequence {v['sequence_accuracy']:.4f}" for k, v in fused.items()))
    return str(destination)


def rescored_card(reader: store.StoredModel, classifier: keras.Model, config: RescorerConfig,
                  histories: list[list[dict]], tuned: tuple[float, float, dict, float], metrics: dict,
                  spent_s: float) -> dict:
    """The reader's card, renamed, with the rescorer described and the pair's own test figures."""
    now = dt.datetime.now(dt.timezone.utc)
    weight, sure, tried, crop_accuracy = tuned
    joined = _joined(config.join)
    earlier = [stored.card["rescorer"]["training"] for stored in joined]
    commands = [c for e in earlier for c in e.get("commands", [e["command"]])] + [command_line()]
    return {**reader.card, "name": config.name,
            "rescorer": {"file": store.RESCORER_FILE, "architecture": config.architecture, "weight": weight,
                         "sure": sure, "members": len(histories),
                         "parameters": int(classifier.count_params()),
                         "input": {"height": segment.CROP_SIZE, "width": segment.CROP_SIZE, "channels": 1,
                                   "preprocessing": "training.core.segment.digit_crops"},
                         "reader": reader.name, "reader_version": reader.card.get("version", ""),
                         "members_cut_by": [cut for stored in joined for cut in members_cut_by(stored)]
                         + [reader_tag(reader.name, reader.card.get("version", ""))] * len(trained_seeds(config)),
                         "training": {**asdict(config), "epochs_run": [len(h) for h in histories],
                                      "training_time_s": round(spent_s + sum(e.get("training_time_s", 0.0) for e in earlier), 1),
                                      "command": " && ".join(commands), "commands": commands},
                         "validation": {"crop_accuracy": crop_accuracy,
                                        "member_crop_accuracy": [h[-1].get("val_accuracy") for h in histories],
                                        "sequence_accuracy_tried": tried}},
            "metrics": {f"test_{k}": v for k, v in metrics["with_rescorer"].items()},
            "reader_metrics": {f"test_{k}": v for k, v in metrics["reader_alone"].items()},
            "version": now.strftime("%Y%m%d%H%M"), "date": now.isoformat(timespec="seconds"), "git_commit": _git_commit()}


def plot_rescorer_curves(histories: list[list[dict]], path, title: str) -> None:
    """Loss and crop accuracy by epoch (training and validation crops), one pair of lines per member."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for member, history in enumerate(histories):
        epochs = np.arange(1, len(history) + 1)
        tag = f" {member + 1}" if len(histories) > 1 else ""
        for axis, key, label in ((left, "loss", "loss"), (right, "accuracy", "digit accuracy")):
            axis.plot(epochs, [h.get(key, np.nan) for h in history], label=f"training{tag}")
            axis.plot(epochs, [h.get(f"val_{key}", np.nan) for h in history], "--", label=f"validation{tag}")
            axis.set(xlabel="epoch", ylabel=label, title=f"{title}: rescorer {label}")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
