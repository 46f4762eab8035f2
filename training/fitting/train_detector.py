"""Train the number detector (``training.models.detector``, ``training.core.detector``) on scenes of ``training.scenes.detect_scenes``.

    python -m training train-detector --scenes 24000 --epochs 10 --name numbers-det1

Scenes are rendered once, in ``--processes`` processes, cropped to ``CROP`` squares (numbers the crop cuts are
ignored, not asked for) and kept as uint8 in memory; the network trains on them for ``--epochs`` passes,
checkpointed after every pass (``--resume`` goes on from the last). Validation scenes use MNIST's validation
digits. The model goes to ``model_store/detectors/<name>/`` with its card (data, command, figures, date, commit).
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from training.core import detector, store
from training.models.detector import build_detector, target_maps
from training.scenes import detect_scenes
from training.sources import datasets

CROP = 256  # px: training squares (the network is convolutional: any size at inference)
DETECTORS = "detectors"  # the store's folder of detectors (apart from the readers the page offers)


@dataclass
class DetectorConfig:
    name: str = "numbers-det1"
    scenes: int = 24_000
    validation_scenes: int = 600
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 2e-3
    seed: int = 23
    processes: int = 2
    real_fraction: float = 0.5  # share of numbers in real handwriting (UNIPEN train labs, USPS, optdigits)
    # numbers of one or two digits, besides the lengths of the line model's strings: a lone digit on a sheet is
    # a number too, not a letter (numbers-det1, without them, missed most)
    short_share: float = 0.3
    init: str | None = None  # a stored detector (name under detectors/ or a .keras path) to fine-tune from

    def __post_init__(self):
        if self.scenes < 1 or self.epochs < 1 or self.batch_size < 1 or self.validation_scenes < 1:
            raise ValueError(f"scenes, validation scenes, epochs and batch size must be 1 or more. Received: "
                             f"{self.scenes}, {self.validation_scenes}, {self.epochs}, {self.batch_size}")


# --- data ----------------------------------------------------------------------------------------

def crop_window(rng: np.random.Generator, scene: detect_scenes.Scene) -> tuple[np.ndarray, list, list]:
    """A CROP x CROP piece of the scene (edge-padded where the scene is smaller); the numbers wholly inside
    stay numbers, those the window cuts are ignored."""
    height, width = scene.image.shape
    x0 = int(rng.integers(0, width - CROP + 1)) if width > CROP else 0
    y0 = int(rng.integers(0, height - CROP + 1)) if height > CROP else 0
    piece = scene.image[y0 : y0 + CROP, x0 : x0 + CROP]
    piece = np.pad(piece, ((0, CROP - piece.shape[0]), (0, CROP - piece.shape[1])), mode="edge")
    inside, cut = [], [(x - x0, y - y0, w, h) for x, y, w, h in scene.ignore]
    for x, y, w, h in scene.boxes:
        box = (x - x0, y - y0, w, h)
        whole = box[0] >= 0 and box[1] >= 0 and box[0] + w <= min(CROP, width - x0) and box[1] + h <= min(CROP, height - y0)
        (inside if whole else cut).append(box)
    return piece, inside, cut


def example(rng: np.random.Generator, ink: detect_scenes.NumberInk) -> tuple[np.ndarray, np.ndarray]:
    """One training square: uint8 image (CROP, CROP) and uint8 (CROP/4, CROP/4, 2) target and weight."""
    scene = detect_scenes.make_scene(rng, ink)
    piece, boxes, ignore = crop_window(rng, scene)
    target, weight = target_maps(boxes, ignore, piece.shape)
    height, width = scene.image.shape
    weight[-(-height // detector.STRIDE) :, :] = 0.0  # the edge padding: nothing to learn there
    weight[:, -(-width // detector.STRIDE) :] = 0.0
    return piece, np.stack([target, weight], axis=-1).astype(np.uint8)


_worker_ink: detect_scenes.NumberInk | None = None


def _start_worker(split: str, seed: int, real_fraction: float, short_share: float) -> None:
    import cv2

    global _worker_ink
    cv2.setNumThreads(1)
    _worker_ink = detect_scenes.NumberInk(_digits(split), seed, real_fraction, short_share)


def _digits(split: str) -> datasets.Digits:
    train, validation = datasets.train_validation_split(datasets.load_train_digits(allow_download=False))
    return train if split == "train" else validation


def _examples(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    seed, start, count = job
    pairs = [example(np.random.default_rng([seed, i]), _worker_ink) for i in range(start, start + count)]
    return np.stack([p for p, _ in pairs]), np.stack([m for _, m in pairs])


def render_set(split: str, count: int, seed: int, processes: int, real_fraction: float, short_share: float = 0.0):
    """``count`` training squares of ``split`` digits ("train" or "validation"): images and maps, uint8."""
    chunk = 200
    jobs = [(seed, start, min(chunk, count - start)) for start in range(0, count, chunk)]
    real = real_fraction if split == "train" else 0.0  # the real pool is of the train labs only
    with multiprocessing.get_context("spawn").Pool(processes, _start_worker, (split, seed, real, short_share)) as pool:
        parts = pool.map(_examples, jobs)
    return np.concatenate([p for p, _ in parts]), np.concatenate([m for _, m in parts])


# --- training ------------------------------------------------------------------------------------

def kernel_loss(y_true, logits):
    """Weighted binary cross-entropy plus a soft Dice term (kernels are a small share of the map)."""
    from keras import ops

    target, weight = y_true[..., :1], y_true[..., 1:]
    bce = ops.sum(weight * ops.binary_crossentropy(target, logits, from_logits=True)) / (ops.sum(weight) + 1.0)
    probability = ops.sigmoid(logits) * weight
    dice = 1.0 - (2.0 * ops.sum(probability * target) + 1.0) / (ops.sum(probability) + ops.sum(target * weight) + 1.0)
    return bce + dice


def dataset(images: np.ndarray, maps: np.ndarray, batch_size: int, shuffle: bool, seed: int):
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((images, maps))
    if shuffle:
        data = data.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).map(lambda x, y: (tf.cast(x[..., None], tf.float32) / 255.0, tf.cast(y, tf.float32)))
    return data.prefetch(2)


def train_detector(config: DetectorConfig, work: Path, resume: bool = False) -> Path:
    """Render, train with checkpoints in ``work``, evaluate, and publish to the store; the model's folder."""
    import keras

    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    images, maps = _cached(work / "train.npz", lambda: render_set("train", config.scenes, config.seed, config.processes,
                                                                   config.real_fraction, config.short_share))
    checkpoint = work / "last.keras"
    model = keras.saving.load_model(checkpoint, compile=False) if resume and checkpoint.exists() else starting_model(config)
    history = json.loads((work / "history.json").read_text()) if resume and (work / "history.json").exists() else []
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, config.epochs * -(-len(images) // config.batch_size))
    model.compile(keras.optimizers.Adam(schedule), loss=kernel_loss)
    for epoch in range(len(history), config.epochs):
        model.optimizer.iterations.assign(epoch * -(-len(images) // config.batch_size))
        fit = model.fit(dataset(images, maps, config.batch_size, True, config.seed + epoch), epochs=1, verbose=2)
        history.append({"epoch": epoch + 1, "loss": float(fit.history["loss"][-1])})
        store.save_model(model, checkpoint)
        (work / "history.json").write_text(json.dumps(history))
    figures = evaluate_scenes(model, "validation", config.validation_scenes, config.seed + 1)
    return publish(model, config, history, figures, time.time() - started)


def starting_model(config: DetectorConfig):
    """A new detector, or the stored one ``config.init`` names, to fine-tune."""
    if config.init is None:
        return build_detector()
    return store.load_model(store.find(config.init if config.init.endswith(".keras") else f"{DETECTORS}/{config.init}"))


def _cached(path: Path, make):
    if path.exists():
        with np.load(path) as saved:
            return saved["images"], saved["maps"]
    images, maps = make()
    np.savez(path, images=images, maps=maps)
    return images, maps


# --- evaluation ----------------------------------------------------------------------------------

def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    inter = max(0.0, w) * max(0.0, h)
    return inter / (aw * ah + bw * bh - inter) if inter else 0.0


def match(found: list, truth: list) -> list[float]:
    """For each true box, the IoU of the best found box not matched before (greedy, by truth order)."""
    used, best = set(), []
    for box in truth:
        scores = [(iou(box, f), i) for i, f in enumerate(found) if i not in used]
        score, index = max(scores, default=(0.0, -1))
        if score > 0:
            used.add(index)
        best.append(score)
    return best


def evaluate_scenes(model, split: str, count: int, seed: int) -> dict:
    """Recall, precision (IoU >= 0.5) and tight boxes (IoU >= 0.7) on whole scenes of the training renderer."""
    ink = detect_scenes.NumberInk(_digits(split), seed, 0.0)
    hits = found_total = truth_total = tight = empty_images = 0
    for i in range(count):
        scene = detect_scenes.make_scene(np.random.default_rng([seed, i]), ink)
        batch, scale = detector.detector_input(scene.image)
        logits = np.asarray(model(batch[None], training=False))[0]
        found = [f.box for f in detector.boxes_from_map(logits, scale, scene.image)]
        found = [f for f in found if not any(iou(f, g) > 0.3 for g in scene.ignore)]
        scores = match(found, scene.boxes)
        hits += sum(s >= 0.5 for s in scores)
        tight += sum(s >= 0.7 for s in scores)
        found_total += len(found)
        truth_total += len(scene.boxes)
        empty_images += bool(scene.boxes) and not found
    return {"scenes": count, "numbers": truth_total, "recall_iou50": round(hits / max(1, truth_total), 4),
            "precision_iou50": round(hits / max(1, found_total), 4), "tight_iou70": round(tight / max(1, truth_total), 4),
            "images_with_nothing_found": empty_images}


def publish(model, config: DetectorConfig, history: list, figures: dict, spent_s: float) -> Path:
    from training.fitting.train import _git_commit, command_line

    destination = store.STORE_DIR / DETECTORS / config.name
    staging = store.staging_dir(destination)
    store.save_model(model, staging / store.MODEL_FILE)
    card = {"name": config.name, "task": "detect numbers", "architecture": "fcn-unet", "decoder": "detector",
            "parameters": int(model.count_params()),
            "input": {"work_side": detector.WORK_SIDE, "stride": detector.STRIDE, "shrink": detector.SHRINK,
                      "preprocessing": "training.core.detector.detector_input"},
            "data": {"renderer": "training.scenes.detect_scenes (the benchmark's scenes come from other code)",
                     "train_scenes": config.scenes, "kinds": detect_scenes.KIND_ODDS,
                     "number_ink": "training.scenes.synth.SequenceGenerator: MNIST train digits; UNIPEN train labs, USPS and "
                                   "optdigits train scans (training/data/SPLITS.json); separators",
                     "held_out": "MNIST validation and test digits; UNIPEN validation and test labs; USPS and "
                                 "optdigits test files"},
            "training": {**asdict(config), "spent_s": round(spent_s)}, "history": history,
            "metrics": {"validation_scenes": figures}, "command": command_line(),
            "date": dt.date.today().isoformat(), "commit": _git_commit()}
    (staging / store.CARD_FILE).write_text(json.dumps(card, indent=2))
    store.publish(staging, destination)
    return destination
