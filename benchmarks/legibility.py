"""How much a person reads of a reader-benchmark set: the human baseline the app's figure sits under.

    python -m benchmarks.legibility sheets --out DIR           # contact sheets of the canvas set, no answers
    python -m benchmarks.legibility score LABELS [--seen 2,13] # a person's readings against truth and the app
    python -m benchmarks.legibility sheets --out DIR --ink scan --seed 1   # a control: numbers in their scan's ink

``sheets`` renders a set exactly as ``benchmarks.reader`` does (same seed, digits and indices) and lays the
images out on numbered contact sheets, with nothing on them that gives the numbers away. A person reads
the sheets and writes a labels file, one line per image, ``INDEX TEXT`` (several numbers separated by
``-``), a best guess every time, as the app must make one; ``INDEX TEXT ?`` marks a guess they were unsure
of. ``score`` renders the set again for its truth, reads it with the app's recognizer, and counts where
the person and the app are right: the person's figure is what the images hold for a careful reader.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from benchmarks import reader
from benchmarks.scenes import mnist
from training.sources import datasets

TILE = (480, 192)  # px per image on a sheet: the canvas's 5:2, large enough to read a squeezed 8-digit number
GRID = (3, 4)  # columns, rows of images per sheet
LABEL_BAND = 22  # px above each tile for its index
SCAN_MARGIN = 16  # px of paper round a number in the scan's ink


def tile(data: bytes, index: int) -> np.ndarray:
    """One image fitted into a TILE with its index above it: uint8 BGR."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    scale = min(TILE[0] / image.shape[1], TILE[1] / image.shape[0])
    fitted = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    cell = np.full((TILE[1] + LABEL_BAND, TILE[0], 3), 200, np.uint8)  # grey: the image's own edge shows
    cell[LABEL_BAND : LABEL_BAND + fitted.shape[0], : fitted.shape[1]] = fitted
    cv2.putText(cell, f"#{index}", (4, LABEL_BAND - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (160, 0, 0), 2)
    cv2.rectangle(cell, (0, 0), (cell.shape[1] - 1, cell.shape[0] - 1), (120, 120, 120), 1)  # where one image ends
    return cell


def sheet(cells: list[np.ndarray]) -> np.ndarray:
    """Cells laid out GRID columns wide, 6 px apart, blanks filling the last row."""
    columns, rows = GRID
    blank = np.full_like(cells[0], 255)
    cells = cells + [blank] * (columns * rows - len(cells))
    pad = lambda c: cv2.copyMakeBorder(c, 3, 3, 3, 3, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    return np.vstack([np.hstack([pad(c) for c in cells[r * columns : (r + 1) * columns]]) for r in range(rows)])


def render_scan(rng: np.random.Generator, digits: datasets.Digits) -> tuple[bytes, list[str]]:
    """The canvas set's number in the ink its digits were scanned with, before the pen redraws it: PNG, [text].
    The same generator state gives the same number as ``mnist.render_canvas`` (both draw it with
    ``mnist.canvas_number``). A control for the reader:
    what the written digits hold, read by the same person."""
    mask, text = mnist.canvas_number(rng, digits)
    image = cv2.copyMakeBorder(np.round(255 * (1 - mask)).astype(np.uint8), *[SCAN_MARGIN] * 4,
                               cv2.BORDER_CONSTANT, value=255)
    return cv2.imencode(".png", image)[1].tobytes(), [text]


def scene_list(args: argparse.Namespace) -> list[tuple[bytes, list[str]]]:
    """The set's images and truths, as ``benchmarks.reader`` renders them (or in the scan's ink)."""
    digits = datasets.held_out_digits(args.digits)
    render = render_scan if args.ink == "scan" else mnist.SCENES[args.set]
    return [render(reader.scene_rng(args.seed, args.digits, args.set, i), digits) for i in range(args.count)]


def write_sheets(args: argparse.Namespace) -> int:
    """Render the set onto numbered contact sheets in ``args.out``; no truth is written anywhere."""
    args.out.mkdir(parents=True, exist_ok=True)
    per_sheet = GRID[0] * GRID[1]
    cells = [tile(data, i) for i, (data, _) in enumerate(scene_list(args))]
    for start in range(0, len(cells), per_sheet):
        path = args.out / f"{args.set}-{args.ink}-{start:04d}-{min(start + per_sheet, len(cells)) - 1:04d}.png"
        cv2.imwrite(str(path), sheet(cells[start : start + per_sheet]))
    print(f"{-(-len(cells) // per_sheet)} sheets of {per_sheet} in {args.out}; write one line per image: INDEX TEXT")
    return 0


def parse_labels(text: str) -> dict[int, tuple[list[str], bool]]:
    """``INDEX TEXT [?]`` lines -> {index: (numbers, unsure)}; blank lines and ``#`` comments are skipped."""
    labels = {}
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) not in (2, 3) or not fields[0].isdigit() or fields[2:] not in ([], ["?"]):
            raise ValueError(f"labels line {number}: expected 'INDEX TEXT [?]', got {line!r}")
        labels[int(fields[0])] = (fields[1].split("-"), fields[2:] == ["?"])
    return labels


def compare(truths: list[list[str]], reads: list[list[str]], labels: dict, seen: set[int]) -> dict:
    """Per image, whether the person and the app read it exactly; images the person saw with their truth
    before reading (``seen``) are left out, as the person's reading of them is not blind."""
    rows = [{"index": i, "truth": truths[i], "person": labels[i][0], "unsure": labels[i][1], "app": reads[i],
             "person_right": labels[i][0] == truths[i], "app_right": reads[i] == truths[i]}
            for i in sorted(labels) if i not in seen and i < len(truths)]
    count = lambda test: sum(1 for row in rows if test(row))
    return {
        "images": len(rows),
        "person_right": count(lambda r: r["person_right"]),
        "app_right": count(lambda r: r["app_right"]),
        "both_right": count(lambda r: r["person_right"] and r["app_right"]),
        "only_person_right": count(lambda r: r["person_right"] and not r["app_right"]),
        "only_app_right": count(lambda r: r["app_right"] and not r["person_right"]),
        "neither_right": count(lambda r: not (r["person_right"] or r["app_right"])),
        "unsure": count(lambda r: r["unsure"]),
        "unsure_and_right": count(lambda r: r["unsure"] and r["person_right"]),
        "disagreements": [r for r in rows if not (r["person_right"] and r["app_right"])],
    }


def summary(result: dict, reader_name: str) -> str:
    """One line of the figures that matter: the person's and the app's share, and where they differ."""
    n, person, app = result["images"], result["person_right"], result["app_right"]
    return (f"{n} images read blind by {reader_name}: person {person}/{n} ({100 * person / n:.1f}%), "
            f"app {app}/{n} ({100 * app / n:.1f}%); only the person {result['only_person_right']}, only the app "
            f"{result['only_app_right']}, neither {result['neither_right']}; the person unsure of "
            f"{result['unsure']} ({result['unsure_and_right']} right); the app reads {result['both_right']} of the "
            f"{person} the person read")


def score(args: argparse.Namespace) -> int:
    """Score a labels file against the set's truth and the app's readings; print and save the figures."""
    labels = parse_labels(args.labels.read_text())
    images = scene_list(args)
    recognizer, backend = reader.make_recognizer(args.model)
    reads = [[n["text"] for n in recognizer.recognize(data)["numbers"]] for data, _ in images]
    result = compare([truth for _, truth in images], reads, labels, set(args.seen))
    report = {"benchmark": "legibility", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "set": args.set, "ink": args.ink, "digits": args.digits, "seed": args.seed, "count": args.count,
              "reader": args.reader, "seen_before_reading": sorted(args.seen), "model": backend.info,
              **result}
    path = args.json or reader.RESULTS_DIR / f"legibility-{args.set}{'-scan' if args.ink == 'scan' else ''}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{summary(result, args.reader)} -> {path}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.legibility", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("sheets", help="numbered contact sheets of a set, without its numbers")
    make.add_argument("--out", type=Path, required=True)
    rate = commands.add_parser("score", help="a person's readings against the truth and the app's")
    rate.add_argument("labels", type=Path, help="one line per image: INDEX TEXT [?]")
    rate.add_argument("--seen", type=lambda s: [int(i) for i in s.split(",") if i], default=[],
                      help="indices the person saw with their truth before reading (left out), e.g. 2,13")
    rate.add_argument("--reader", default="a person", help="who read the sheets, for the results file")
    rate.add_argument("--model", help="model name or path in the store (default: the store's DEFAULT)")
    rate.add_argument("--json", type=Path, help="results file (default benchmarks/results/legibility-SET.json)")
    for sub in (make, rate):
        sub.add_argument("--set", choices=list(mnist.SCENES), default="canvas")
        sub.add_argument("--digits", choices=datasets.HELD_OUT_SPLITS, default="test")
        sub.add_argument("--count", type=int, default=reader.DEFAULT_COUNT)
        sub.add_argument("--seed", type=int, default=reader.SEED)
        sub.add_argument("--ink", choices=("pen", "scan"), default="pen",
                         help="the set as the app receives it (pen), or the canvas numbers in their scan's ink (scan)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.ink == "scan" and args.set != "canvas":
        print("error: --ink scan redraws the canvas set's numbers only", file=sys.stderr)
        return 2
    return write_sheets(args) if args.command == "sheets" else score(args)


if __name__ == "__main__":
    sys.exit(main())
