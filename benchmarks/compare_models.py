"""Compare the architectures in the model store on the same MNIST test strings.

``python -m benchmarks.compare_models [NAME ...] [--count 2000]``: parameters, per-digit and
whole-sequence accuracy on 4-digit and 1-8-digit strings, training time (from each card) and
CPU milliseconds per image at batch 1 and 64. Writes benchmarks/results/compare_models.json and
prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = Path(__file__).resolve().parent / "results"


def ms_per_image(run, batch_size: int, repeats: int) -> float:
    """Median wall milliseconds per image of a warmed-up tf.function on zeros of one batch size."""
    from training.core.preprocess import INPUT_SHAPE

    batch = np.zeros((batch_size,) + INPUT_SHAPE, np.float32)
    run(batch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(batch).numpy()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times)) / batch_size


def compare(name: str, eval_sets: dict, repeats: int) -> dict:
    """Accuracy on each eval set and speed of one stored model."""
    import tensorflow as tf

    from training.core import store
    from training.fitting import evaluate

    stored = store.find(name)
    model = store.load_model(stored)
    run = tf.function(lambda x: model(x, training=False))
    row = {"name": stored.name, "architecture": stored.card["architecture"], "parameters": model.count_params(),
           "training_time_s": stored.card.get("training", {}).get("training_time_s"),
           "epochs_run": stored.card.get("training", {}).get("epochs_run")}
    for spec, eval_set in eval_sets.items():
        figures = evaluate.score(eval_set.texts, evaluate.predict_texts(lambda x: run(x).numpy(), eval_set.inputs,
                                                                        stored.decoder))
        row[spec] = {"sequence_accuracy": figures["sequence_accuracy"], "digit_accuracy": figures["digit_accuracy"]}
    row["ms_per_image_batch1"] = ms_per_image(run, 1, repeats * 4)
    row["ms_per_image_batch64"] = ms_per_image(run, 64, repeats)
    return row


def markdown(rows: list[dict]) -> str:
    lines = ["| model | parameters | digit acc. (4) | sequence acc. (4) | digit acc. (1-8) | sequence acc. (1-8) "
             "| training time | CPU ms/image, batch 1 | batch 64 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        minutes = f"{r['training_time_s'] / 60:.0f} min ({r['epochs_run']} epochs)" if r["training_time_s"] else "-"
        lines.append(f"| {r['name']} ({r['architecture']}) | {r['parameters']:,} | {r['4']['digit_accuracy']:.2%} | "
                     f"{r['4']['sequence_accuracy']:.2%} | {r['1-8']['digit_accuracy']:.2%} | "
                     f"{r['1-8']['sequence_accuracy']:.2%} | {minutes} | {r['ms_per_image_batch1']:.2f} | "
                     f"{r['ms_per_image_batch64']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from training.core import store
    from training.fitting import evaluate
    from training.sources import datasets

    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_models")
    parser.add_argument("names", nargs="*", help="models in the store (default: all)")
    parser.add_argument("--count", type=int, default=2000, help="test strings per set")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    names = args.names or [m.name for m in store.list_models()]
    digits = datasets.load_test_digits()
    eval_sets = {spec: evaluate.make_eval_set(digits, evaluate.parse_lengths(spec), args.count) for spec in ("4", "1-8")}
    rows = [compare(name, eval_sets, args.repeats) for name in names]
    RESULTS.mkdir(exist_ok=True)
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "date": time.strftime("%Y-%m-%d")}
    (RESULTS / "compare_models.json").write_text(json.dumps({"machine": machine, "count": args.count, "rows": rows},
                                                            indent=2))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
