"""Accuracy benchmark of the whole reader: scenes with known numbers in, the app's answer out.

    python -m benchmarks.reader                      # final numbers: MNIST test digits, 300 images a set
    python -m benchmarks.reader --digits validation --quick   # while developing: held-out training digits

Each set (see ``training.scenes``) renders images deterministically from a seed, sends the
bytes through the same ``Recognizer`` the app uses (in-process ``LocalBackend``, the store's
default model unless ``--model``), and counts an image as read only when the list of numbers read
equals the true list exactly: same texts, same order. Results go to ``benchmarks/results/`` as
JSON and to stdout as a Markdown table; up to 8 failures a set are saved in ``benchmarks/out/``
(the bytes sent, plus a copy with the detector's boxes drawn) for inspection.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402  (after the TensorFlow log level is set)
import numpy as np  # noqa: E402

from training import datasets, scenes  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
OUT_DIR = HERE / "out"
SEED = 20_260_601
DEFAULT_COUNT = 300
QUICK_COUNT = 40
SAVED_FAILURES = 8  # images per set written to benchmarks/out/
LISTED_FAILURES = 20  # truth vs read per set in the JSON


def make_recognizer(model: str | None):
    """The app's recognizer over an in-process model, loaded and warmed before any timing."""
    from webapp import reading

    recognizer = reading.load(model)
    return recognizer, recognizer.backend


def scene_rng(seed: int, set_name: str, index: int) -> np.random.Generator:
    """One image's generator: fixed by the seed, the set and the index, whatever else is run."""
    return np.random.default_rng([seed, list(scenes.SCENES).index(set_name), index])


def detector_boxes(data: bytes) -> list[tuple[int, int, int, int]]:
    """The regions the app's detector finds in the image (to tell detector from model failures)."""
    from webapp.reading import detect
    from webapp.reading.imaging import decode_image

    gray = cv2.cvtColor(decode_image(data, 40_000_000), cv2.COLOR_RGB2GRAY)
    return [region.box for region in detect.find_numbers(gray)]


def save_failure(name: str, index: int, data: bytes, truth: list[str], read: list[str],
                 boxes: list[tuple[int, int, int, int]]) -> str:
    """Write the bytes sent and a copy with the detector's boxes (red) drawn; return the file name."""
    ext = "png" if data[:4] == b"\x89PNG" else "jpg"
    stem = f"{name}-{index:04d}_truth-{'-'.join(truth)}_read-{'-'.join(read) or 'none'}"
    (OUT_DIR / f"{stem}.{ext}").write_bytes(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    for x, y, w, h in boxes:
        cv2.rectangle(image, (x, y), (x + w, y + h), (0, 0, 255), 2)
    cv2.imwrite(str(OUT_DIR / f"{stem}.boxes.png"), image)
    return f"{stem}.{ext}"


def clear_failures(name: str) -> None:
    """Remove the failure images a previous run saved for this set."""
    for path in OUT_DIR.glob(f"{name}-*"):
        path.unlink()


def run_set(name: str, recognizer, digits: datasets.Digits, count: int, seed: int) -> dict:
    """Render ``count`` images of one set, read each, and score exact reads."""
    render = scenes.SCENES[name]
    clear_failures(name)
    correct, times, failures, detector_misses = 0, [], [], 0
    by_length: dict[str, list[bool]] = {}
    for index in range(count):
        data, truth = render(scene_rng(seed, name, index), digits)
        start = time.perf_counter()
        result = recognizer.recognize(data)
        times.append(time.perf_counter() - start)
        read = [number["text"] for number in result["numbers"]]
        ok = read == truth
        correct += ok
        # singles by digit count; multi by how many numbers the image holds
        key = str(len(truth[0])) if name != "multi" else f"{len(truth)} numbers"
        by_length.setdefault(key, []).append(ok)
        if ok:
            continue
        boxes = detector_boxes(data)
        detector_misses += len(boxes) != len(truth)
        failure = {"index": index, "truth": truth, "read": read,
                   "confidence": [number["confidence"] for number in result["numbers"]],
                   "regions_found": len(boxes), "regions": [list(b) for b in boxes]}
        if len(failures) < SAVED_FAILURES:
            failure["file"] = save_failure(name, index, data, truth, read, boxes)
        failures.append(failure)
    return {
        "images": count,
        "read_exactly": correct,
        "accuracy": correct / count,
        "target": scenes.TARGETS[name],
        "meets_target": correct / count >= scenes.TARGETS[name],
        "ms_per_image": 1000 * float(np.mean(times)),
        "ms_p50": 1000 * float(np.median(times)),
        "wrong_region_count": detector_misses,  # failures where the detector found too many or too few numbers
        "by_length": {k: {"images": len(v), "accuracy": float(np.mean(v))} for k, v in sorted(by_length.items())},
        "failures": failures[:LISTED_FAILURES],
    }


def markdown_table(sets: dict[str, dict]) -> str:
    rows = ["| set | images | read exactly | target | ms/image |", "|---|---:|---:|---:|---:|"]
    for name, r in sets.items():
        mark = "" if r["meets_target"] else " (below)"
        rows.append(f"| {name} | {r['images']} | {100 * r['accuracy']:.1f}%{mark} | >= {100 * r['target']:.0f}% "
                    f"| {r['ms_per_image']:.0f} |")
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reader", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits", choices=datasets.HELD_OUT_SPLITS, default="test",
                        help="MNIST test digits (final numbers) or the held-out validation digits (development)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"images per set (default {DEFAULT_COUNT})")
    size.add_argument("--quick", action="store_const", const=QUICK_COUNT, dest="count",
                      help=f"{QUICK_COUNT} images per set")
    parser.add_argument("--model", help="model name or path in the store (default: the store's DEFAULT)")
    parser.add_argument("--sets", nargs="+", choices=list(scenes.SCENES), default=list(scenes.SCENES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="results file (default benchmarks/results/reader.json, "
                                                   "or reader-validation.json with --digits validation)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2
    digits = datasets.held_out_digits(args.digits)
    recognizer, backend = make_recognizer(args.model)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    sets = {}
    for name in args.sets:
        sets[name] = run_set(name, recognizer, digits, args.count, args.seed)
        print(f"{name}: {sets[name]['read_exactly']}/{args.count} read exactly", file=sys.stderr)
    report = {
        "benchmark": "reader",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": backend.info,
        "device": backend.device,
        "digits": {"split": args.digits, "source": digits.source, "count": len(digits)},
        "seed": args.seed,
        "images_per_set": args.count,
        "sets": sets,
    }
    path = args.json or RESULTS_DIR / ("reader.json" if args.digits == "test" else "reader-validation.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    info = report["model"]
    print(f"Reader benchmark: model {info['name']} ({info['version']}), {args.digits} digits ({digits.source}), "
          f"{args.count} images a set, seed {args.seed}, {backend.device}\n")
    print(markdown_table(sets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
