"""The model in this process: ``LocalBackend`` loads models from the store on first use and runs them
through a ``tf.function`` at a few fixed batch sizes (warmed up once, so no call retraces), with the
model's digit rescorer when its card names one. Used by ``load()`` for the CLI, the benchmarks and the
tests, by the inference process (``webapp.serving.worker``) and by the Redis workers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from training.core import rescore, store
from training.core.alphabet import DIGIT_ALPHABET
from training.core.preprocess import INPUT_SHAPE
from training.core.segment import CROP_SIZE
from webapp.errors import UnknownModelError

BATCH_SIZES = (1, 4, 16, 64)  # fixed shapes: every call is padded up to one of these
# Shapes run through XLA (jit_compile): on the CPU it reads a single line 2.5x as fast (the GRU's step loop is
# compiled), ties at 16 and loses at 64, where the convolutions dominate (measured 2026-11-25, 2-core EPYC).
XLA_BATCH_SIZES = (1, 4)
CROP_SHAPE = (CROP_SIZE, CROP_SIZE, 1)
DETECTOR_RUN = "any"  # a detector's one function, for pictures of every size
CROP_BATCH_SIZES = (4, 16, 64, 256)  # a rescorer's digit crops: a number or two, up to a full batch of lines


def find_model(name: str, store_dir: Path | None) -> store.StoredModel:
    """The stored model ``name`` (a name or a path); UnknownModelError, listing the models there are, if none."""
    try:
        return store.find(name, store_dir)
    except store.ModelNotFoundError as exc:
        raise UnknownModelError(str(exc)) from exc


def model_info(stored: store.StoredModel, device: str) -> dict:
    """What a backend tells of a model it runs: {"name", "version", "decoder", "alphabet", "device"}."""
    return {"name": stored.name, "version": stored.card.get("version", ""), "decoder": stored.decoder,
            "alphabet": stored.card.get("alphabet", DIGIT_ALPHABET), "device": device}


class LocalBackend:
    """Loads models from the store on first use and runs them with a warmed-up tf.function."""

    def __init__(self, default_model: str | None = None, store_dir: Path | None = None):
        import tensorflow as tf  # only this process pays for TensorFlow

        from training.core import folding  # Keras too

        self.tf, self.fold_batch_norm = tf, folding.fold_batch_norm
        self.store_dir = store_dir
        self.default = default_model or store.default_name(store_dir)
        self.loaded: dict[str, tuple] = {}
        self.device = "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
        self.state, self.restarts = "ready", 0  # the interface every backend has (see reading.recognizer.Backend)

    @property
    def info(self) -> dict:
        """The default model's {"name", "version", "decoder", "alphabet", "device"} (loaded now if it is not yet)."""
        return self.model_info(None)

    def model_info(self, model: str | None) -> dict:
        return self._load(model)[1]

    def start(self) -> "LocalBackend":
        return self

    def stop(self) -> None:
        self.loaded.clear()

    def _load(self, name: str | None):
        name = name or self.default
        if name not in self.loaded:
            stored = find_model(name, self.store_dir)
            if stored.decoder == "detector":
                self.loaded[name] = self._load_detector(stored)
                return self.loaded[name]
            model = self.fold_batch_norm(store.load_model(stored))  # same outputs, ~25% faster
            info = model_info(stored, self.device)
            runs = self._compile(model, INPUT_SHAPE, BATCH_SIZES, XLA_BATCH_SIZES)
            self.loaded[name] = (runs, info, tuple(model.output_shape[1:]), self._load_rescorer(stored))  # (steps, 11)
        return self.loaded[name]

    def _load_detector(self, stored: store.StoredModel):
        """A number detector (``training.core.detector``): pictures of any size, so one function traced for every
        shape (no XLA, no fixed batch sizes: a picture's size is its own)."""
        model = store.load_model(stored)
        run = self.tf.function(lambda x: model(x, training=False), autograph=False,
                               input_signature=[self.tf.TensorSpec((None, None, None, 1), self.tf.float32)])
        run(np.zeros((1, 64, 64, 1), np.float32))
        return {DETECTOR_RUN: run}, model_info(stored, self.device), None, None

    def _load_rescorer(self, stored: store.StoredModel):
        """For a model whose card names a rescorer: (lines, logits) -> logits with each digit weighed again
        (``training.core.rescore``); else None."""
        rescorer = store.load_rescorer(stored)
        if rescorer is None:
            return None
        runs = self._compile(self.fold_batch_norm(rescorer), CROP_SHAPE, CROP_BATCH_SIZES, ())
        weight, sure = float(stored.card["rescorer"]["weight"]), float(stored.card["rescorer"].get("sure", 1.0))

        def classify(crops: np.ndarray) -> np.ndarray:
            return self._run_padded(runs, crops, CROP_BATCH_SIZES, CROP_SHAPE, ())

        return lambda lines, logits: rescore.fuse(lines, logits, classify, weight, sure)

    def _compile(self, model, shape: tuple, sizes: tuple, xla_sizes: tuple) -> dict:
        """One warmed-up function per fixed batch size (so no call ever traces): batch size -> function."""
        # One trace serves every plain size (a batch dimension of None): tracing, not running, is most of a warm-up,
        # and the worker's warm-up is most of a restart after a crash.
        plain = self.tf.function(lambda x: model(x, training=False), autograph=False,
                                 input_signature=[self.tf.TensorSpec((None,) + shape, self.tf.float32)])
        xla = self.tf.function(lambda x: model(x, training=False), autograph=False, jit_compile=True)
        runs = {size: xla if size in xla_sizes else plain for size in sizes}
        for size, run in runs.items():
            run(np.zeros((size,) + shape, np.float32))
        return runs

    @staticmethod
    def _run_padded(runs: dict, batch: np.ndarray, sizes: tuple, shape: tuple, xla_sizes: tuple) -> np.ndarray:
        """Run ``batch`` in chunks of the largest size. A chunk for an XLA function (fixed shapes) is padded up to
        its size; the plain function takes any batch as it is (65 digits padded to 256 cost 4 times the work)."""
        outputs = []
        for start in range(0, len(batch), sizes[-1]):
            chunk = np.asarray(batch[start : start + sizes[-1]], np.float32)
            rows = len(chunk)
            size = next(s for s in sizes if s >= rows)
            if size in xla_sizes:
                chunk = np.concatenate([chunk, np.zeros((size - rows,) + shape, np.float32)])
            outputs.append(runs[size](chunk).numpy()[:rows])
        return np.concatenate(outputs)

    def predict(self, model: str | None, batch: np.ndarray, rescore: bool = True) -> tuple[np.ndarray, dict]:
        """float32 (n, 32, 256, 1) -> logits (n, steps, 11); with the model's rescorer, when it has one (and
        ``rescore``), each digit read is weighed again by it (``training.core.rescore``). For a detector: pictures
        (n, H, W, 1) -> number maps (n, H/4, W/4, 1)."""
        runs, info, output_shape, rescorer = self._load(model)
        if DETECTOR_RUN in runs:
            return runs[DETECTOR_RUN](np.asarray(batch, np.float32)).numpy(), info
        if not len(batch):  # nothing found in the image: no need to run the model
            return np.zeros((0,) + output_shape, np.float32), info
        logits = self._run_padded(runs, batch, BATCH_SIZES, INPUT_SHAPE, XLA_BATCH_SIZES)
        return (logits if rescorer is None or not rescore else rescorer(batch, logits)), info
