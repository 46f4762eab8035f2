"""Numbers on paper (issue 35) read through the app: register-number cells and cheque amounts, one crop a picture.

Each crop of a split (``training.sources.paperdata``; validation to choose models, test for final figures only) is
encoded as PNG, as a user would upload it, and read by the app's one entry point,
``webapp.reading.load(model).recognize(png)``. A crop counts as read when the digits of the numbers read, joined
("" or " " between them: the same digits), are the label; ``one_number`` also counts those read as one number.

    python -m benchmarks.paper --split validation --set register-numbers --count 500 [--model NAME | --checkpoint K]

``--checkpoint`` reads a training checkpoint (``model_store/.checkpoints/<run>/last.keras``) with the default
model's card and rescorer (the line model's alphabet and shape unchanged), put together in a temporary folder.
Results: ``benchmarks/results/paper-<set>-<split>-<model>.json`` (date, machine, model, count, accuracy, misses).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SETS = ("register-numbers", "cheque-amounts")


def machine() -> dict:
    """The machine a run was measured on (cores usable, load at start), Python and the date."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores_usable": len(os.sched_getaffinity(0)), "load_average_at_start":
            [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def chosen_crops(name: str, split: str, count: int) -> list:
    """``count`` crops of the split, evenly spaced through it (all when ``count`` is 0 or more than there are)."""
    from training.sources import paperdata

    crops = paperdata.load_crops(name, split)
    if not count or count >= len(crops):
        return crops
    return [crops[int(i)] for i in np.linspace(0, len(crops) - 1, count).round()]


def checkpoint_folder(checkpoint: Path, base: str) -> Path:
    """A model folder of ``checkpoint``'s line model with ``base``'s card and rescorer (in a temporary folder)."""
    import keras
    from training.core import store
    from training.models import builders as models

    stored = store.find(base)
    folder = Path(tempfile.mkdtemp(prefix="paper-checkpoint-")) / f"{checkpoint.parent.name}-{checkpoint.stem}"
    folder.mkdir()
    model = keras.saving.load_model(checkpoint, compile=False)
    models.without_optimizer(model).save(folder / store.MODEL_FILE)
    card = {**stored.card, "name": folder.name, "version": f"checkpoint-{int(checkpoint.stat().st_mtime)}"}
    (folder / store.CARD_FILE).write_text(json.dumps(card))
    shutil.copy(stored.path / store.RESCORER_FILE, folder / store.RESCORER_FILE)
    return folder


def read_crop(recognizer, image: np.ndarray) -> list[dict]:
    ok, png = cv2.imencode(".png", image)
    return recognizer.recognize(png.tobytes())["numbers"]


def measure(recognizer, crops: list) -> dict:
    """Read every crop; count exact reads (joined digits) and reads as one number; list the misses."""
    right, one, misses, started = 0, 0, [], time.perf_counter()
    for index, crop in enumerate(crops):
        numbers = read_crop(recognizer, crop.image)
        joined = "".join(n["digits"] for n in numbers)
        right += joined == crop.label
        one += len(numbers) == 1 and joined == crop.label
        if joined != crop.label:
            misses.append({"index": index, "writer": crop.writer, "label": crop.label,
                           "read": [n["text"] for n in numbers]})
    seconds = time.perf_counter() - started
    return {"count": len(crops), "read_exactly": right, "accuracy": right / max(1, len(crops)),
            "one_number": one / max(1, len(crops)), "ms_per_image": 1000 * seconds / max(1, len(crops)),
            "misses": misses}


def run(set_name: str, split: str, count: int, model: str | None, checkpoint: str | None) -> Path:
    from webapp import reading

    target = str(checkpoint_folder(Path(checkpoint), model or "crnn-text2-digits3")) if checkpoint else model
    recognizer = reading.load(target)
    info = recognizer.recognize(cv2.imencode(".png", np.full((40, 40), 255, np.uint8))[1].tobytes())["model"]
    crops = chosen_crops(set_name, split, count)
    result = {"benchmark": "paper", "set": set_name, "split": split, "machine": machine(), "model": info,
              "checkpoint": checkpoint, "finder": os.environ.get("DIGIT_READER_FINDER", "default"),
              **measure(recognizer, crops)}
    label = Path(checkpoint).parent.name + "-" + Path(checkpoint).stem if checkpoint else info["name"]
    path = RESULTS_DIR / f"paper-{set_name}-{split}-{label}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{set_name} {split} {label}: {result['read_exactly']}/{result['count']} = {result['accuracy']:.4f} "
          f"(one number {result['one_number']:.4f}, {result['ms_per_image']:.1f} ms an image) -> {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paper", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=SETS, action="append", dest="sets", help="default: both")
    parser.add_argument("--split", choices=("validation", "test"), default="validation")
    parser.add_argument("--count", type=int, default=0, help="crops evenly spaced through the split (0: all)")
    parser.add_argument("--model", help="a stored model (default: the store's DEFAULT)")
    parser.add_argument("--checkpoint", help="a training checkpoint (.keras), read with --model's card and rescorer")
    args = parser.parse_args(argv)
    for set_name in args.sets or SETS:
        run(set_name, args.split, args.count, args.model, args.checkpoint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
