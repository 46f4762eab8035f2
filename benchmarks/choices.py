"""The finder's and reader's tuned choices, checked again on validation scenes (issue 38): each variant runs
the reader benchmark on the validation split with one choice changed, and the table compares them.

    python -m benchmarks.choices                    # every variant, 100 images a set
    python -m benchmarks.choices --count 40 --variants as-served classical

Variants: the app as served; the other finders (``classical``, ``learned``); the veto threshold
``finding.SUPPORT`` at 0.3 and 0.7 (0.5 served); the learned regions without the dot and speck rules
(``finding.is_dot``, ``detect.tall_enough``); ``MIN_CONFIDENCE`` 0.3 (0.1 served). Results:
``benchmarks/results/choices.json`` (per variant, per set: images, read exactly, empty answers,
invented), and a Markdown table on stdout. Validation data only: never the test split.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import reader
from benchmarks.common import machine_info

SETS = reader.DETECTOR_SETS + ["crop", "usps", "optdigits"]
RESULTS = reader.RESULTS_DIR / "choices.json"


@contextlib.contextmanager
def patched(module, name: str, value):
    """``module.name`` set to ``value`` for the block, then put back."""
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


@contextlib.contextmanager
def min_confidence(value: float):
    """Recognizers made in the block keep numbers read with at least ``value`` confidence."""
    make = reader.make_recognizer

    def made(model, finder=reader.FINDER):
        recognizer, backend = make(model, finder)
        recognizer.min_confidence = value
        return recognizer, backend

    with patched(reader, "make_recognizer", made):
        yield


def variants() -> dict:
    """name -> (extra reader arguments, a context that changes one choice)."""
    from training.core import detect
    from webapp.reading import finding

    return {
        "as-served": ([], contextlib.nullcontext()),
        "classical": (["--finder", "classical"], contextlib.nullcontext()),
        "learned": (["--finder", "learned"], contextlib.nullcontext()),
        "support-0.3": ([], patched(finding, "SUPPORT", 0.3)),
        "support-0.7": ([], patched(finding, "SUPPORT", 0.7)),
        "no-dot-rule": ([], patched(finding, "is_dot", lambda gray, region: False)),
        "no-speck-rule": ([], patched(detect, "tall_enough", lambda box, shape: True)),
        "min-confidence-0.3": ([], min_confidence(0.3)),
    }


def summary(report: dict) -> dict:
    """Per set: images, read exactly, and the finding figures the set has."""
    rows = {}
    for name, r in report["sets"].items():
        rows[name] = {"images": r["images"], "read_exactly": r["read_exactly"],
                      **{k: r[k]["count"] for k in ("empty_answers", "invented") if k in r}}
    return rows


def run_variant(name: str, count: int, folder: Path) -> dict:
    extra, context = variants()[name]
    path = folder / f"choices-{name}.json"
    with context:
        reader.main(["--digits", "validation", "--count", str(count), "--sets", *SETS, "--json", str(path), *extra])
    return summary(json.loads(path.read_text()))


def markdown(results: dict) -> str:
    names = list(results)
    rows = ["| set | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for set_name in SETS:
        cells = [str(results[v][set_name]["read_exactly"]) for v in names]
        rows.append(f"| {set_name} | " + " | ".join(cells) + " |")
    totals = [str(sum(r["read_exactly"] for r in results[v].values())) for v in names]
    rows.append("| **all** | " + " | ".join(totals) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.choices", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="images a set (default 100)")
    parser.add_argument("--variants", nargs="+", choices=list(variants()), default=list(variants()))
    parser.add_argument("--work", type=Path, default=reader.OUT_DIR, help="where each variant's full JSON goes")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = {name: run_variant(name, args.count, args.work) for name in args.variants}
    report = {"benchmark": "choices", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "split": "validation", "images_per_set": args.count, "machine": machine_info(), "variants": results}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
