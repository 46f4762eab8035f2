"""The figures tables of the README and docs/benchmarks.md, written from the results files (issue 38), so
that every figure shown is in the file its table names, with that run's date, machine, finder and count.

    python -m benchmarks.tables            # rewrite the tables between their markers
    python -m benchmarks.tables --check    # exit 1 when a table differs from what its file says

A table lives between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in a Markdown file; ``TABLES``
says which function writes it. ``tests/benchmarks/test_tables.py`` runs the check.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
READER = "reader.json"  # every reader set, test split, the app's finder, 300 images a set
READER_PAPER = "reader-paper.json"  # the sets written on paper (issue 35), the same way
READER_PRINTED = "reader-printed.json"  # printed numbers and seven-segment displays (issue 37), the same way
BEFORE_35 = ("reader-before-35.json", "reader-paper-before-35.json", "reader-printed-before-35.json")  # when filed
ISSUE_35_TARGETS = {"pen-real": 0.95, "paper-real": 0.95, "register": 0.95, "cheques": 0.93, "cells": 0.97,
                    "amounts": 0.93, "long-phone": 0.93, "swiss": 0.98, "semeion": 0.98, "pendigits": 0.98,
                    "touching": 0.85, "continental": 0.95, "stray-marks": 0.90}
SPEED = "speed.json"
SPEED_BEFORE_26 = "speed-before-26.json"
LOAD = "load.json"
CHOICES = "choices.json"
SET_NAMES = {
    "canvas": "canvas drawings (MNIST test digits)",
    "photo": "photos of a sheet on a desk",
    "webcam": "webcam frames, 640x480",
    "multi": "photos holding 2-3 numbers",
    "crop": "tight crops of one number",
    "pen-real": "real pen strokes (UNIPEN held-out labs) on the page's canvas",
    "paper-real": "the same strokes as ink on a photographed sheet",
    "usps": "USPS scanned digits (test file)",
    "optdigits": "optdigits scanned digits (13 held-out writers)",
    "touching": "digits touching and overlapping",
    "continental": "1s, 7s and 0s written the continental way",
    "stray-marks": "a stray mark beside the number",
    "separated": "numbers with separators (\"3.14\", \"12/05/24\")",
    "pad-large": "the drawing pad, number filling it",
    "pad-small": "the drawing pad, number small in a corner",
    "desk-colour": "a sheet on a strongly coloured desk",
    "no-digits": "pictures without digits: nothing invented",
    "register": "row numbers in parish register cells (real scans)",
    "cheques": "cheque amounts (real scans, digits only)",
    "swiss": "Swiss writers' scanned digits",
    "semeion": "Italian writers' scanned digits (semeion)",
    "pendigits": "pendigits writers' pen digits",
    "cells": "a short number in a table cell or form box",
    "amounts": "amounts with runs of zeros, crowded or touching",
    "long-phone": "9-13 digits photographed by a phone (digits only)",
    "printed": "printed numbers: labels, receipts, screens (held-out fonts)",
    "seven-segment": "seven-segment LCD and LED displays",
}


def load(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def percent(share: float, digits: int = 1) -> str:
    return f"{100 * share:.{digits}f}%"


def run_line(report: dict, name: str) -> str:
    """Which file, run, machine, finder and count a table shows."""
    machine = report.get("machine", {})
    cpu = f"{machine.get('cores', '?')}-core {machine.get('cpu', 'CPU')}" if machine else report.get("device", "CPU")
    commit = machine.get("commit", "")
    return (f"`benchmarks/results/{name}`, {report['date'][:16].replace('T', ' ')} UTC, {cpu}"
            + (f", commit {commit[:7]}" if commit else "")
            + f"; model {report['model']['name']}, finder `{report['finder']}`, test split, "
              f"up to {report['images_per_set']} images a set")


def finding_cell(r: dict, key: str) -> str:
    if key not in r:
        return "-"
    figure = r[key]
    return f"{percent(figure['share'])} ({figure['count']}/{figure['of']})"


def reader_reports() -> list[tuple[str, dict]]:
    """The reader's test runs the tables show, in order: every earlier set, then the paper sets and the printed
    ones (where run)."""
    return [(name, load(name)) for name in (READER, READER_PAPER, READER_PRINTED) if (RESULTS / name).exists()]


def summary_rows(report: dict) -> list[str]:
    rows = []
    for name, r in report["sets"].items():
        target = f">= {percent(r['target'], 0)}" if "target" in r else "-"
        rows.append(f"| {name} | {r['images']} | {percent(r['accuracy'])} | {target} "
                    f"| {finding_cell(r, 'empty_answers')} | {finding_cell(r, 'invented')} "
                    f"| {finding_cell(r, 'box_tightness')} |")
    return rows


def reader_summary() -> str:
    """One row per set: images, read exactly, its target, and the finding figures; the paper sets' run after."""
    rows = ["| set | images | read exactly | target | empty answers | invented | boxes IoU >= 0.7 |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    sources = []
    for name, report in reader_reports():
        rows += summary_rows(report)
        sources.append(f"- {run_line(report, name)}: " + ", ".join(report["sets"]))
    return "\n".join(rows + ["", "From:", "", *sources])


def readme_accuracy() -> str:
    """The README's headline: each set as a user would name it, read exactly by the app as served."""
    rows, sources = ["| input | images | read exactly |", "|---|---:|---:|"], []
    for name, report in reader_reports():
        rows += [f"| {SET_NAMES.get(s, s)} | {r['images']} | {percent(r['accuracy'])} |"
                 for s, r in report["sets"].items()]
        sources.append(run_line(report, name))
    return "\n".join(rows) + "\n\nFrom " + "; and ".join(sources) + "."


def reader_issue_35() -> str:
    """Every reader set before issue 35's work (the files as they were when the work began) and now, with the
    issue's target: a figure, or "no drop" for the sets it guards."""
    reports = {file: load(file) for file in BEFORE_35 if (RESULTS / file).exists()}
    before = {name: r for report in reports.values() for name, r in report["sets"].items()}
    rows = ["| set | issue 35's target | before | now | change |", "|---|---:|---:|---:|---:|"]
    for _, report in reader_reports():
        for name, r in report["sets"].items():
            was = before.get(name)
            target = percent(ISSUE_35_TARGETS[name], 0) if name in ISSUE_35_TARGETS else "no drop" if name in (
                "canvas", "photo", "webcam", "multi", "crop", "usps", "optdigits") else "-"
            change = f"{100 * (r['accuracy'] - was['accuracy']):+.1f}" if was else "-"
            rows.append(f"| {name} | {target} | {percent(was['accuracy']) if was else '-'} | {percent(r['accuracy'])} "
                        f"| {change} |")
    dates = ", ".join(f"`{f}` ({r['date'][:10]}, model {r['model']['name']})" for f, r in reports.items())
    return "\n".join(rows) + f"\n\nBefore: {dates}. Now: the files of the summary above."


def speed_summary() -> str:
    """Speed as ``speed.json`` holds it: each image kind's latency by REST (Socket.IO for the webcam), the model
    with its rescorer at batch 64, and Tesseract's CLI on the same photos."""
    report = load(SPEED)
    machine = report["machine"]
    rows = ["| measure | p50 |", "|---|---:|"]
    for name, figures in report["rest"]["sets"].items():
        rows.append(f"| {name} | {figures['latency_ms']['p50']:.0f} ms |")
    batch64 = next(b for b in report["in_process"]["model_throughput"] if b["batch"] == 64)
    rows.append(f"| the model with its rescorer, batch 64 | {batch64['lines_per_s']:.0f} lines/s |")
    tesseract = report.get("tesseract", {})
    if "latency_ms" in tesseract:
        rows.append(f"| {tesseract['version']} CLI, digits only, same photos | {tesseract['latency_ms']['p50']:.0f} ms |")
    return "\n".join(rows) + (f"\n\nFrom `benchmarks/results/{SPEED}`, {machine['date'][:16].replace('T', ' ')} UTC, "
                              f"{machine['cores']}-core {machine['cpu']}, commit {machine['commit'][:7]}; "
                              f"finder `{report['in_process']['finder']}`.")


def speed_figures(report: dict) -> dict[str, str]:
    """The figures two speed runs share: each image kind's p50, and batch 64 with and without the rescorer."""
    figures = {f"{name}, p50": f"{r['latency_ms']['p50']:.1f} ms" for name, r in report["rest"]["sets"].items()}
    batch64 = next(b for b in report["in_process"]["model_throughput"] if b["batch"] == 64)
    figures["the model with its rescorer, batch 64"] = f"{batch64['lines_per_s']:.0f} lines/s"
    if "lines_per_s_model_only" in batch64:  # measured since issue 26
        figures["the model alone, batch 64"] = f"{batch64['lines_per_s_model_only']:.0f} lines/s"
    return figures


def speed_issue_26() -> str:
    """``speed-before-26.json`` beside ``speed.json``, measure by measure."""
    before, now = speed_figures(load(SPEED_BEFORE_26)), speed_figures(load(SPEED))
    rows = [f"| measure | before (`{SPEED_BEFORE_26}`, {load(SPEED_BEFORE_26)['machine']['date'][:16]}) "
            f"| now (`{SPEED}`, {load(SPEED)['machine']['date'][:16]}) |", "|---|---:|---:|"]
    rows += [f"| {name} | {before.get(name, '-')} | {figure} |" for name, figure in now.items()]
    return "\n".join(rows)


def load_summary() -> str:
    """Webcam clients over Socket.IO as ``load.json`` holds them: answers a second, latency, memory."""
    report = load(LOAD)
    machine = report["machine"]
    rows = ["| clients at 15 fps, one frame in flight | answers a second | p50 | p95 | server memory |",
            "|---:|---:|---:|---:|---|"]
    for level in report["levels"]:
        rss = level["server"]["rss_mb"]
        rows.append(f"| {level['clients']} | {level['per_s']['processed']:.0f} | {level['latency_ms']['p50']:.0f} ms "
                    f"| {level['latency_ms']['p95']:.0f} ms | {rss['slope_mb_per_min']:+.1f} MB/min |")
    return "\n".join(rows) + (f"\n\nFrom `benchmarks/results/{LOAD}`, {machine['date'][:16].replace('T', ' ')} UTC, "
                              f"{machine['cores']}-core {machine['cpu']}, commit {machine['commit'][:7]}, "
                              f"{report['settings']['seconds']:.0f} s a level.")


def choices_summary() -> str:
    """Each variant of ``benchmarks.choices``: images read right per set (for no-digits: nothing invented),
    the empty answers and invented numbers over all sets, on the validation split."""
    report = load(CHOICES)
    variants = report["variants"]
    names = list(variants)
    rows = ["| set | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---:|" * len(names)]
    for set_name in next(iter(variants.values())):
        rows.append(f"| {set_name} | " + " | ".join(str(variants[v][set_name]["read_exactly"]) for v in names) + " |")
    for label, key in (("**read right, all sets**", "read_exactly"), ("empty answers, all sets", "empty_answers"),
                       ("invented, all sets", "invented")):
        totals = [str(sum(r.get(key, 0) for r in variants[v].values())) for v in names]
        rows.append(f"| {label} | " + " | ".join(totals) + " |")
    machine = report["machine"]
    return "\n".join(rows) + (f"\n\nFrom `benchmarks/results/{CHOICES}`, {report['date'][:16].replace('T', ' ')} UTC, "
                              f"{machine['cores']}-core {machine['cpu']}, commit {machine['commit'][:7]}; "
                              f"validation split, {report['images_per_set']} images a set.")


TABLES = {"reader-summary": reader_summary, "choices": choices_summary, "readme-accuracy": readme_accuracy,
          "speed-summary": speed_summary, "speed-issue-26": speed_issue_26, "load-summary": load_summary,
          "reader-issue-35": reader_issue_35}
FILES = (ROOT / "README.md", ROOT / "docs" / "benchmarks.md")
MARKED = re.compile(r"<!-- table:(?P<name>[\w-]+) -->\n(?P<body>.*?)\n?<!-- /table:(?P=name) -->", re.S)


def rewritten(text: str) -> str:
    """``text`` with every marked table written again from its file."""
    return MARKED.sub(lambda m: f"<!-- table:{m['name']} -->\n{TABLES[m['name']]()}\n<!-- /table:{m['name']} -->", text)


def stale_files() -> list[Path]:
    return [path for path in FILES if rewritten(path.read_text()) != path.read_text()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a table is out of date")
    args = parser.parse_args(argv)
    stale = stale_files()
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)}: a table differs from its results file (python -m benchmarks.tables)")
        return 1 if stale else 0
    for path in stale:
        path.write_text(rewritten(path.read_text()))
        print(f"rewrote the tables of {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
