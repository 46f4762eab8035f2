"""The fake backend's recording is what the real model answers today: the fast tests' readings stay honest."""
from __future__ import annotations

import numpy as np
import pytest

from tests.support.fake_backend import RECORDING
from training.core import decode

pytestmark = pytest.mark.slow


def test_the_recording_reads_as_the_real_model_reads_today():
    from webapp.reading.local import LocalBackend

    backend = LocalBackend()
    with np.load(RECORDING) as saved:
        keys, lines, recorded = saved["keys"].tolist(), saved["lines"], saved["logits"].astype(np.float32)
    models = sorted({key.split(":")[0] for key in keys})
    assert len(keys) >= 10 and backend.default in models, f"recording of {len(keys)} lines, models {models}"
    for model in models:
        chosen = [i for i, key in enumerate(keys) if key.startswith(model + ":")]
        batch = (lines[chosen].astype(np.float32) / 255.0)[..., None]  # back to the model's (n, 32, 256, 1) input
        logits, info = backend.predict(model, batch)
        decoder = decode.DECODERS[info["decoder"]]
        for index, real, replayed in zip(chosen, logits, recorded[chosen]):
            read, recorded_read = decoder(real), decoder(replayed)
            assert [d.char for d in read] == [d.char for d in recorded_read], f"{keys[index]}: re-record the logits"
            assert np.allclose([d.confidence for d in read], [d.confidence for d in recorded_read], atol=0.02)


def test_the_recorded_detector_maps_find_what_the_real_detector_finds_today():
    from tests.support.fake_backend import load_maps
    from training.core import detector
    from webapp.reading.local import LocalBackend
    from webapp.reading.recognizer import DETECTOR

    maps, pictures = load_maps()
    name = DETECTOR.split("/")[-1]  # maps are keyed by the stored model's name
    assert len(maps) >= 5 and all(key.startswith(name + ":") for key in maps), f"{len(maps)} maps recorded"
    backend = LocalBackend()
    for key, recorded in maps.items():
        picture = pictures[key].astype(np.float32)[None, ..., None] / 255.0
        real, _ = backend.predict(DETECTOR, picture)
        boxes = [f.box for f in detector.boxes_from_map(real[0], 1.0)]
        assert boxes == [f.box for f in detector.boxes_from_map(recorded, 1.0)], f"{key}: re-record the maps"
