"""An inference backend without TensorFlow, for the tests where the model is not the point.

It answers what the real models answered (the reader's logits; the number detector's maps, in
``tests/fixtures/recorded-maps.npz``, a picture not recorded getting a blank map: nothing found). ``RecordedBackend`` looks each model input line up in a
recording of the real backend's logits (``tests/fixtures/recorded-logits.npz``): the same line of
the same model gets the same logits, and so the same digits, confidences and boxes, as it would in
production. A line it has no recording of is read as blank paper (every step the CTC blank), which
is what the real model answers for a line with no digit in it; the line is kept in ``misses``.

``RecordingBackend`` wraps the real ``LocalBackend`` and records what it answers. After a change to the
model, the detector, the preprocessing or the tests' images, write the recording again by running the fast
tests with ``--record-logits`` (``tests/webapp/test_recorded_logits.py`` checks it against the real model):

    .venv/bin/python -m pytest -m "not slow and not e2e and not redis" --record-logits
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from training.core import store
from webapp.reading import local

RECORDING = Path(__file__).resolve().parents[1] / "fixtures" / "recorded-logits.npz"
MAPS = RECORDING.with_name("recorded-maps.npz")  # the number detector's maps, per picture
CTC_STEPS, CLASSES = 64, 11  # a CRNN's output: (n, 64 steps, blank + 10 digits); positional: (n, 8 slots, 11)


def quantized(line: np.ndarray) -> np.ndarray:
    """A model input line, float32 (32, 256, 1) in 0..1, as uint8 (32, 256): the recording's key and its copy."""
    return np.round(np.clip(line[..., 0], 0.0, 1.0) * 255).astype(np.uint8)


def line_key(model: str, line: np.ndarray) -> str:
    """A line's key, or a detector picture's (its size named: pictures of two sizes may share bytes)."""
    size = "" if line.shape[:2] == (32, 256) else "{}x{}:".format(*line.shape[:2])
    return f"{model}:{size}{hashlib.sha1(quantized(line).tobytes()).hexdigest()}"


def blank_map(picture: np.ndarray) -> np.ndarray:
    """A detector's answer for a picture (H, W, 1) with no number in it: (H/4, W/4, 1), sure of nothing."""
    return np.full((picture.shape[0] // 4, picture.shape[1] // 4, 1), -8.0, np.float32)


def load_maps(path: Path = MAPS) -> tuple[dict, dict]:
    """The recorded detector maps: key -> map (H/4, W/4, 1), and key -> the picture as uint8 (H, W)."""
    if not path.exists():
        return {}, {}
    with np.load(path) as saved:
        keys = saved["keys"].tolist()
        maps = {key: saved[f"map_{i}"].astype(np.float32) for i, key in enumerate(keys)}
        pictures = {key: saved[f"picture_{i}"] for i, key in enumerate(keys)}
    return maps, pictures


def steps_of(stored: store.StoredModel) -> int:
    return CTC_STEPS if stored.decoder == "ctc" else int(stored.card["max_length"])


def classes_of(stored: store.StoredModel) -> int:
    """The blank plus one class per character of the card's alphabet (digits: 11; text: 20)."""
    return len(stored.card.get("alphabet", "0123456789")) + 1


def blank_logits(rows: int, steps: int = CTC_STEPS, classes: int = CLASSES) -> np.ndarray:
    """What a model answers for lines with nothing on them: class 0 (CTC's blank, a slot's "no digit"), sure,
    at every step."""
    logits = np.full((rows, steps, classes), -8.0, np.float32)
    logits[..., 0] = 8.0
    return logits


class StoreBackend:
    """What every backend shares: the model store's names and cards, the interface's attributes."""

    def __init__(self, default_model: str | None = None, store_dir: Path | None = None):
        self.store_dir = store_dir
        self.default = default_model or store.default_name(store_dir)
        self.state, self.device, self.restarts = "ready", "CPU", 0
        self.loaded: dict[str, store.StoredModel] = {}  # as LocalBackend's: each name or path asked for, once found

    @property
    def info(self) -> dict:
        return self.model_info(None)

    def model_info(self, model: str | None) -> dict:
        return local.model_info(self.stored(model), self.device)

    def stored(self, model: str | None) -> store.StoredModel:
        name = model or self.default
        if name not in self.loaded:
            self.loaded[name] = local.find_model(name, self.store_dir)
        return self.loaded[name]

    def start(self):
        return self

    def stop(self) -> None:
        pass


class RecordedBackend(StoreBackend):
    """The real model's answers, replayed from a recording (see the module's docstring)."""

    def __init__(self, recording: Path = RECORDING, default_model: str | None = None, store_dir: Path | None = None):
        super().__init__(default_model, store_dir)
        with np.load(recording) as saved:
            self.recorded = dict(zip(saved["keys"].tolist(), saved["logits"].astype(np.float32)))
        self.maps, _ = load_maps(recording.with_name(MAPS.name))
        self.misses: list[str] = []
        self.calls = 0

    def predict(self, model: str | None, batch: np.ndarray) -> tuple[np.ndarray, dict]:
        """float32 (n, 32, 256, 1) -> the recorded logits (n, 64, classes) of each line, and the model's info;
        a detector's pictures (n, H, W, 1) -> their recorded maps (n, H/4, W/4, 1)."""
        info = self.model_info(model)
        stored = self.stored(model)
        if stored.decoder == "detector":
            return self.detect(info, batch), info
        blank = blank_logits(1, steps_of(stored), classes_of(stored))[0]
        self.calls += 1
        rows = []
        for line in batch:
            key = line_key(info["name"], line)
            if key not in self.recorded:
                self.misses.append(key)
            rows.append(self.recorded.get(key, blank))
        return (np.stack(rows) if rows else blank[None][:0]), info


    def detect(self, info: dict, pictures: np.ndarray) -> np.ndarray:
        """Each picture's recorded map; a picture not recorded gets a blank one (nothing found), noted in misses."""
        self.calls += 1
        maps = []
        for picture in pictures:
            key = line_key(info["name"], picture)
            if key not in self.maps:
                self.misses.append(key)
            maps.append(self.maps.get(key, blank_map(picture)))
        return np.stack(maps)


class RecordingBackend:
    """The real backend, with every line it reads and the logits it answered kept for ``save``."""

    def __init__(self, real):
        self.real = real
        self.keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.maps: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # a detector's pictures and maps

    def __getattr__(self, name):  # state, info, device, stop: the real backend's
        return getattr(self.real, name)

    def start(self) -> "RecordingBackend":
        self.real.start()
        return self

    def predict(self, model: str | None, batch: np.ndarray) -> tuple[np.ndarray, dict]:
        logits, info = self.real.predict(model, batch)
        kept = self.maps if info["decoder"] == "detector" else self.keys
        for line, row in zip(batch, logits):
            kept[line_key(info["name"], line)] = (quantized(line), row)
        return logits, info

    def save(self, path: Path = RECORDING) -> None:
        """Write every line read in this run, and its logits, to ``path`` (replacing what was there)."""
        keys = sorted(self.keys)
        np.savez_compressed(path, keys=np.array(keys), lines=np.stack([self.keys[k][0] for k in keys]),
                            logits=np.stack([self.keys[k][1] for k in keys]).astype(np.float16))
        keys = sorted(self.maps)  # pictures differ in size: one array each
        pictures = {f"picture_{i}": self.maps[k][0] for i, k in enumerate(keys)}
        maps = {f"map_{i}": self.maps[k][1].astype(np.float16) for i, k in enumerate(keys)}
        np.savez_compressed(path.with_name(MAPS.name), keys=np.array(keys), **pictures, **maps)
