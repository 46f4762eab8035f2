"""Accuracy benchmark of the whole reader: scenes with known numbers in, the app's answer out.

    python -m benchmarks.reader                      # final numbers: MNIST test digits, 300 images a set
    python -m benchmarks.reader --digits validation --quick   # while developing: held-out training digits
    python -m benchmarks.reader --sets real          # real writers: pen-real paper-real usps optdigits
                                                     # touching continental stray-marks separated
    python -m benchmarks.reader --sets paper         # written on paper: register cheques swiss semeion
                                                     # pendigits cells amounts long-phone
    python -m benchmarks.reader --sets printed       # printed numbers and seven-segment displays (issue 37)
    python -m benchmarks.reader --sets detector      # finding numbers: photo webcam multi canvas pad-large
                                                     # pad-small desk-colour no-digits pen-real paper-real

Each set (``benchmarks.scenes.sets``: the benchmark's own renderers) renders images deterministically from a
seed, the split and the image's index, sends the bytes through the same ``Recognizer`` the app uses (in-process ``LocalBackend``, the
store's default model unless ``--model``), and counts an image as read only when the list of numbers read
equals the true list exactly: same texts, same order. A real set's truth is its one label as written
(separators and spaces kept; a composed set's, its digits, with separators for separated), read right when
the numbers read, joined by spaces as the page shows them, equal it; its ``digits_only`` figure compares
only the digits of both. The pad sets (``scene_sets.PAD_SCENES``) are scored so too; ``no-digits``
(``scene_sets.FINDING_SCENES``) holds no number, and is read right when nothing is read.

Finding numbers, per set: ``empty_answers``, the share of images holding a number where nothing was read;
``invented``, the share of images holding none where something was; and, where the renderer gives each
number's true box (``scene_sets.MNIST_SCENES``, ``scene_sets.FINDING_SCENES``, ``scene_sets.PAD_SCENES``), ``box_tightness``: the share of
true numbers whose best-matching box answered has an IoU of at least ``TIGHT_IOU`` with it.
Results go to ``benchmarks/results/`` as JSON and to stdout as a Markdown table; up to 8 failures a set
are saved in ``benchmarks/out/`` (the bytes sent, plus a copy with the boxes the recognizer answered drawn) for
inspection, and a contact sheet of the set's first 40 misses (``benchmarks.contact_sheet``) as
``benchmarks/out/<set>-misses.png``.
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

from benchmarks import contact_sheet  # noqa: E402
from benchmarks.scenes import pad, paper_sets, printed, real  # noqa: E402
from benchmarks.scenes import sets as scene_sets  # noqa: E402
from benchmarks.scenes.base import Scene  # noqa: E402
from training.sources import datasets, realdata  # noqa: E402
from webapp.reading.finding import FINDERS  # noqa: E402
from webapp.reading.recognizer import FINDER  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
OUT_DIR = HERE / "out"
SEED = 20_260_601
DEFAULT_COUNT = 300
QUICK_COUNT = 40
SAVED_FAILURES = 8  # images per set written to benchmarks/out/
LISTED_FAILURES = 20  # truth vs read per set in the JSON
SURE = 0.9  # the page colours a number green from this confidence on (static/js/overlay.js)
TIGHT_IOU = 0.7  # a read box this close to the true number's box (intersection over union) is tight
TARGETS = {"empty_answers": 0.005, "invented": 0.02, "box_tightness": 0.95}  # at most, at most, at least
MNIST_SETS = list(scene_sets.MNIST_SCENES)
REAL_SETS = list(scene_sets.REAL_SCENES)
PAD_SETS = list(scene_sets.PAD_SCENES)  # held-out UNIPEN strings, as pen-real's, scored as written
FINDING_SETS = list(scene_sets.FINDING_SCENES)  # desk-colour draws MNIST digits; no-digits, none
PAPER_SETS = list(scene_sets.PAPER_SCENES)  # numbers written on paper (issue 35)
PRINTED_SETS = list(scene_sets.PRINTED_SCENES)  # printed numbers and seven-segment displays (issue 37)
# a set's place here seeds its images: append, never reorder
ALL_SETS = MNIST_SETS + REAL_SETS + PAD_SETS + FINDING_SETS + PAPER_SETS + PRINTED_SETS
# scored against the label as written, and by digits only (the printed sets' truths keep their separators)
WRITTEN_SETS = REAL_SETS + PAD_SETS + PRINTED_SETS
DETECTOR_SETS = ["photo", "webcam", "multi", "canvas", "pad-large", "pad-small", "desk-colour", "no-digits",
                 "pen-real", "paper-real"]
SET_GROUPS = {"mnist": MNIST_SETS, "real": REAL_SETS, "detector": DETECTOR_SETS, "paper": PAPER_SETS, "printed": PRINTED_SETS,
              "all": ALL_SETS}


def make_recognizer(model: str | None, finder: str = FINDER):
    """The app's recognizer over an in-process model, loaded and warmed before any timing."""
    from webapp import reading

    recognizer = reading.load(model, finder=finder)
    return recognizer, recognizer.backend


SPLIT_KEYS = {"test": 0, "validation": 1}  # a split's own scenes: desks, sheets, light and layouts differ too


def scene_rng(seed: int, split: str, set_name: str, index: int) -> np.random.Generator:
    """One image's generator: fixed by the seed, the split, the set and the index, whatever else is run.
    Validation images share no scene with test images: choices made on validation are not tuned to them."""
    return np.random.default_rng([seed, SPLIT_KEYS[split], ALL_SETS.index(set_name), index])


def detector_boxes(answer: dict | bytes) -> list[tuple[int, int, int, int]]:
    """The boxes of the numbers the recognizer answered (``recognize``'s dict), whichever detector it uses:
    to tell finding from reading failures. Given image bytes instead, the hand-tuned finder's regions (for
    the old finder's regression tests; the recognizer's own answer is what the benchmark draws)."""
    if isinstance(answer, dict):
        return [tuple(int(v) for v in number["box"]) for number in answer["numbers"]]
    from training.core import detect
    from webapp.reading.imaging import decode_image

    gray = cv2.cvtColor(decode_image(answer, 40_000_000), cv2.COLOR_RGB2GRAY)
    return [region.box for region in detect.find_numbers(gray)]


def file_safe(text: str) -> str:
    """Text for a file name: letters, digits, "." and "-" kept, anything else (a "/", a space) "_"."""
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in text)


def save_failure(name: str, index: int, data: bytes, truth: list[str], read: list[str],
                 boxes: list[tuple[int, int, int, int]]) -> str:
    """Write the bytes sent and a copy with the boxes answered (red) drawn; return the file name."""
    ext = "png" if data[:4] == b"\x89PNG" else "jpg"
    stem = (f"{name}-{index:04d}_truth-{file_safe('-'.join(truth)) or 'none'}"
            f"_read-{file_safe('-'.join(read)) or 'none'}")
    (OUT_DIR / f"{stem}.{ext}").write_bytes(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    for x, y, w, h in boxes:
        cv2.rectangle(image, (x, y), (x + w, y + h), (0, 0, 255), 2)
    cv2.imwrite(str(OUT_DIR / f"{stem}.boxes.png"), image)
    return f"{stem}.{ext}"


def miss_tile(data: bytes, failure: dict) -> np.ndarray:
    """The failure's tile on the set's contact sheet: the image, the boxes answered, truth -> read."""
    from webapp.reading.imaging import decode_image

    image = cv2.cvtColor(decode_image(data, 40_000_000), cv2.COLOR_RGB2BGR)
    text = contact_sheet.caption(failure["truth"], failure["read"], failure["regions_found"])
    return contact_sheet.tile(image, text, failure["regions"])


def save_image(folder: Path, name: str, index: int, data: bytes) -> Path:
    """Write one scored image as sent, ``folder/<set>/<index>.png`` (a JPEG photo decoded and kept lossless),
    so that anyone can look at what was scored."""
    path = folder / name / f"{index:04d}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), image)
    return path


def clear_failures(name: str) -> None:
    """Remove the failure images a previous run saved for this set."""
    for path in OUT_DIR.glob(f"{name}-[0-9]*"):
        path.unlink()


# --- scoring -------------------------------------------------------------------------------------

def reads_as_written(truth: list[str], read: list[str]) -> bool:
    """A real set's one label as written, against the numbers read joined by spaces (as the page shows
    them): "(408) 974-8980" is right read as one number or as "(408)" and "974-8980"."""
    return " ".join(read) == " ".join(truth)


def only_digits(texts: list[str]) -> str:
    return "".join(c for text in texts for c in text if c.isdigit())


def digits_match(truth: list[str], read: list[str]) -> bool:
    """The digits read, in order, are the truth's digits (separators, spaces and splits aside)."""
    return only_digits(truth) == only_digits(read)


def separators_in(texts: list[str]) -> int:
    return sum(c in realdata.SEPARATORS for text in texts for c in text)


def dropped_separator(record: dict) -> bool:
    """The digits were read right but a separator written was not: "3.14" read "314"."""
    return record["digits_ok"] and separators_in(record["read"]) < separators_in(record["truth"])


def flagged(record: dict) -> bool:
    """The page shows a number under ``SURE`` confidence as doubtful (amber or red, not green)."""
    return min(record["confidence"], default=0.0) < SURE


def expected_regions(name: str, truth: list[str]) -> int:
    """How many numbers the detector should find: one per truth, or per space-separated part of a label."""
    return len(" ".join(truth).split(" ")) if name in WRITTEN_SETS and truth else len(truth)


def length_key(name: str, truth: list[str]) -> str:
    """Singles by length (characters); multi by how many numbers the image holds; "none" for no number."""
    if not truth:
        return "none"
    return f"{len(truth)} numbers" if name == "multi" else str(len(truth[0]))


def empty_answer(truth: list[str], read: list[str]) -> bool:
    """The image holds a number and nothing at all was read."""
    return bool(truth) and not read


def invented(truth: list[str], read: list[str]) -> bool:
    """The image holds no number and something was read."""
    return not truth and bool(read)


def iou(a, b) -> float:
    """Intersection over union of two boxes (x, y, w, h)."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def best_iou(truth_box, read_boxes) -> float:
    """The IoU of the read box that best matches the true box (0 when nothing was read)."""
    return max((iou(truth_box, box) for box in read_boxes), default=0.0)


def tight_boxes(truth_boxes, read_boxes, least: float = TIGHT_IOU) -> int:
    """How many true boxes have a read box that matches them with an IoU of at least ``least``."""
    return sum(best_iou(box, read_boxes) >= least for box in truth_boxes)


def share_figure(count: int, of: int, target: float, at_most: bool) -> dict:
    """A finding figure: how many of how many, the share, its target and whether it is met."""
    share = count / of
    return {"count": count, "of": of, "share": share, "target": target,
            "meets_target": share <= target if at_most else share >= target}


def finding_summary(records: list[dict]) -> dict:
    """Empty answers on images holding a number, numbers invented on images holding none, and box
    tightness where the true boxes are known; each only where the set has such images."""
    holding = [r for r in records if r["truth"]]
    blank = [r for r in records if not r["truth"]]
    boxed = [r for r in records if r["truth_boxes"] is not None]
    figures = {}
    if holding:
        figures["empty_answers"] = share_figure(sum(empty_answer(r["truth"], r["read"]) for r in holding),
                                                len(holding), TARGETS["empty_answers"], at_most=True)
    if blank:
        figures["invented"] = share_figure(sum(invented(r["truth"], r["read"]) for r in blank), len(blank),
                                           TARGETS["invented"], at_most=True)
    numbers = sum(len(r["truth_boxes"]) for r in boxed)
    if numbers:
        tight = sum(tight_boxes(r["truth_boxes"], r["read_boxes"]) for r in boxed)
        figures["box_tightness"] = {**share_figure(tight, numbers, TARGETS["box_tightness"], at_most=False),
                                    "iou": TIGHT_IOU}
    return figures


# --- one set -------------------------------------------------------------------------------------

def read_one(name: str, recognizer, scene: Scene) -> dict:
    """Read one image with the app's recognizer and score it (``truth_boxes``: None where not known)."""
    start = time.perf_counter()
    result = recognizer.recognize(scene.data)
    seconds = time.perf_counter() - start
    read, truth = [number["text"] for number in result["numbers"]], scene.truth
    ok = (reads_as_written(truth, read) if name in WRITTEN_SETS else
          digits_match(truth, read) if name in paper_sets.DIGITS_SCORED else read == truth)
    return {"truth": truth, "read": read, "confidence": [number["confidence"] for number in result["numbers"]],
            "seconds": seconds, "ok": ok, "digits_ok": digits_match(truth, read),
            "read_boxes": detector_boxes(result), "truth_boxes": scene.boxes}


def failure_record(name: str, index: int, data: bytes, record: dict, save: bool) -> dict:
    """What the JSON lists of a failure: truth, reading, the boxes answered, and the saved file."""
    boxes = record["read_boxes"]
    failure = {"index": index, "truth": record["truth"], "read": record["read"], "confidence": record["confidence"],
               "regions_found": len(boxes), "regions": [list(b) for b in boxes]}
    if save:
        failure["file"] = save_failure(name, index, data, record["truth"], record["read"], boxes)
    return failure


def run_set(name: str, recognizer, images, count: int, seed: int, split: str, save_dir: Path | None = None) -> dict:
    """Render ``count`` images of one set (``images(rng, index)`` -> ``scenes.Scene``), read each, and score.
    A miss (saved, and on the contact sheet) is an image not read right: for no-digits, anything read."""
    clear_failures(name)
    records, failures, tiles = [], [], []
    for index in range(count):
        scene = images(scene_rng(seed, split, name, index), index)
        if save_dir is not None:
            save_image(save_dir, name, index, scene.data)
        record = read_one(name, recognizer, scene)
        records.append(record)
        if not record["ok"]:
            failures.append(failure_record(name, index, scene.data, record, len(failures) < SAVED_FAILURES))
            if len(tiles) < contact_sheet.MAX_TILES:
                tiles.append(miss_tile(scene.data, failures[-1]))
    contact_sheet.write_sheet(OUT_DIR / f"{name}-misses.png", tiles)
    return set_summary(name, records, failures)


def set_summary(name: str, records: list[dict], failures: list[dict]) -> dict:
    """Accuracy, timing, accuracy by length, the finding figures, and for a set scored as written the
    digits-only figure (for a real set, the slices too)."""
    count, correct = len(records), sum(r["ok"] for r in records)
    times = [r["seconds"] for r in records]
    summary = {"images": count, "read_exactly": correct, "accuracy": correct / count}
    if name in WRITTEN_SETS:
        digits_right = sum(r["digits_ok"] for r in records)
        summary["digits_only"] = {"read": digits_right, "accuracy": digits_right / count}
    if name not in REAL_SETS:
        summary["target"] = set_target(name)
        summary["meets_target"] = correct / count >= summary["target"]
    summary.update({
        "ms_per_image": 1000 * float(np.mean(times)),
        "ms_p50": 1000 * float(np.median(times)),
        # failures where the detector found too many or too few numbers
        "wrong_region_count": sum(f["regions_found"] != expected_regions(name, f["truth"]) for f in failures),
        "by_length": by_length(name, records),
        **finding_summary(records),
    })
    if name in REAL_SETS:
        summary["slices"] = slice_summary(records)
        dropped = [r for r in records if dropped_separator(r)]
        # a dropped separator must not pass silently: the number's confidence should say so
        summary["dropped_separators"] = {"images": len(dropped), "flagged": sum(flagged(r) for r in dropped)}
    summary["failures"] = failures[:LISTED_FAILURES]
    return summary


def set_target(name: str) -> float:
    """The share of a set's images that should be read exactly (for no-digits: with nothing read)."""
    return scene_sets.TARGETS[name]


def by_length(name: str, records: list[dict]) -> dict:
    groups: dict[str, list[bool]] = {}
    for record in records:
        groups.setdefault(length_key(name, record["truth"]), []).append(record["ok"])
    return {k: {"images": len(v), "accuracy": float(np.mean(v))} for k, v in sorted(groups.items())}


def slice_summary(records: list[dict]) -> dict:
    """Per slice (``real.SLICES``) that holds any image: how many, and the share read exactly and
    by digits only."""
    slices = {}
    for slice_name in real.SLICES:
        chosen = [r for r in records if slice_name in real.label_slices(" ".join(r["truth"]))]
        if chosen:
            slices[slice_name] = {"images": len(chosen), "accuracy": float(np.mean([r["ok"] for r in chosen])),
                                  "digits_only_accuracy": float(np.mean([r["digits_ok"] for r in chosen]))}
    return slices


# --- what each set renders -------------------------------------------------------------------------

def mnist_images(name: str, digits: datasets.Digits | None):
    """An MNIST or finding set's images (``Scene``s, with true boxes): the scene draws its own digits
    from ``digits`` (no-digits draws none)."""
    render = scene_sets.BOXED_SCENES[name]
    return lambda rng, index: render(rng, digits)


def real_images(name: str, items: list, seed: int, split: str):
    """A real or pad set's images (``Scene``s; a real set's boxes None, not known): image i shows item
    ``order[i]`` of a seeded order of the held-out items."""
    order = np.random.default_rng([seed, SPLIT_KEYS[split], ALL_SETS.index(name)]).permutation(len(items))
    if name in PAD_SETS:
        return lambda rng, index: scene_sets.PAD_SCENES[name](rng, items[order[index]])
    render = {**scene_sets.REAL_SCENES, **scene_sets.PAPER_SCENES}[name]
    return lambda rng, index: Scene(*render(rng, items[order[index]]), None)


def printed_images(name: str, split: str):
    """A printed set's images (``Scene``s, boxes not known): each draws its own number, in ``split``'s fonts."""
    render = scene_sets.PRINTED_SCENES[name]
    return lambda rng, index: Scene(*render(rng, split), None)


def real_source(name: str, split: str, items: list) -> dict:
    """Where a real set's items come from, for the report."""
    labs = " ".join(realdata.split_labs(split))
    if name in realdata.SCAN_LOADERS:
        what = (f"{name} test file" if split == "test" else
                f"{name} train file, the seeded {realdata.SCAN_VALIDATION_SHARE:.0%} (scene_sets.held_out_scans)")
    elif name in PAD_SETS:
        fill = pad.PAD_FILL[name]
        what = (f"UNIPEN strings of the {split} labs {labs} that fit the pad with the ink {fill[0]:.0%}-{fill[1]:.0%} "
                f"of its height and stay legible (pad.pad_items)")
    elif name in PAPER_SETS:
        what = f"{name}: the {split} split of its source, split by writer (paper_sets.paper_items)"
    elif name in scene_sets.COMPOSED_SCENES:
        writers = len({item.writer for item in items})
        what = (f"numbers of 2-8 isolated UNIPEN digits, each of one writer ({writers} writers) of the {split} "
                f"labs {labs} (scene_sets.written_numbers)")
    else:
        what = f"UNIPEN strings of the {split} labs {labs}"
    return {"split": split, "source": what, "items": len(items)}


# --- the run ---------------------------------------------------------------------------------------

def markdown_table(sets: dict[str, dict]) -> str:
    rows = ["| set | images | read exactly | target | ms/image |", "|---|---:|---:|---:|---:|"]
    for name, r in sets.items():
        mark = "" if r["meets_target"] else " (below)"
        rows.append(f"| {name} | {r['images']} | {100 * r['accuracy']:.1f}%{mark} | >= {100 * r['target']:.0f}% "
                    f"| {r['ms_per_image']:.0f} |")
    return "\n".join(rows)


def markdown_real_table(sets: dict[str, dict]) -> str:
    rows = ["| set | images | read exactly | digits only | separators dropped (flagged) | ms/image |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, r in sets.items():
        dropped = r["dropped_separators"]
        rows.append(f"| {name} | {r['images']} | {100 * r['accuracy']:.1f}% "
                    f"| {100 * r['digits_only']['accuracy']:.1f}% | {dropped['images']} ({dropped['flagged']}) "
                    f"| {r['ms_per_image']:.0f} |")
    return "\n".join(rows)


def percent_figure(r: dict, key: str) -> str:
    """A finding figure's share, marked when it misses its target; "-" where the set has none."""
    if key not in r:
        return "-"
    figure = r[key]
    mark = "" if figure["meets_target"] else " (miss)"
    return f"{100 * figure['share']:.1f}% ({figure['count']}/{figure['of']}){mark}"


def markdown_finding_table(sets: dict[str, dict]) -> str:
    """Per set: empty answers on images holding a number, numbers invented on images holding none, and the
    share of true numbers boxed tightly."""
    rows = [f"| set | empty answers (<= {100 * TARGETS['empty_answers']:.1f}%) "
            f"| invented (<= {100 * TARGETS['invented']:.0f}%) "
            f"| boxes IoU >= {TIGHT_IOU} (>= {100 * TARGETS['box_tightness']:.0f}%) |", "|---|---:|---:|---:|"]
    for name, r in sets.items():
        rows.append(f"| {name} | {percent_figure(r, 'empty_answers')} | {percent_figure(r, 'invented')} "
                    f"| {percent_figure(r, 'box_tightness')} |")
    return "\n".join(rows)


def markdown_slices_table(sets: dict[str, dict]) -> str:
    rows = ["| set | slice | images | read exactly | digits only |", "|---|---|---:|---:|---:|"]
    for name, r in sets.items():
        for slice_name, s in r["slices"].items():
            rows.append(f"| {name} | {slice_name} | {s['images']} | {100 * s['accuracy']:.1f}% "
                        f"| {100 * s['digits_only_accuracy']:.1f}% |")
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reader", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--digits", choices=datasets.HELD_OUT_SPLITS, default="test",
                        help="held-out data: test (final numbers: MNIST test digits, UNIPEN test labs, USPS "
                             "zip.test, optdigits .cv) or validation (development)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--count", type=int, default=DEFAULT_COUNT,
                      help=f"images per set (default {DEFAULT_COUNT}; a real set has at most its items)")
    size.add_argument("--quick", action="store_const", const=QUICK_COUNT, dest="count",
                      help=f"{QUICK_COUNT} images per set")
    parser.add_argument("--model", help="model name or path in the store (default: the store's DEFAULT)")
    parser.add_argument("--sets", nargs="+", choices=ALL_SETS + list(SET_GROUPS), default=MNIST_SETS,
                        help="sets, or groups: mnist (the default), real, paper, printed, detector (finding numbers: "
                             + " ".join(DETECTOR_SETS) + "), all")
    parser.add_argument("--finder", choices=FINDERS, default=FINDER,
                        help=f"how the numbers are found (default {FINDER}, as the app)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--save-images", type=Path, metavar="DIR",
                        help="also write every scored image as DIR/<set>/<index>.png")
    parser.add_argument("--json", type=Path, help="results file (default benchmarks/results/reader.json, "
                                                   "reader-real.json when every set is real, "
                                                   "reader-detector.json when every set is of that group "
                                                   "and not every one an MNIST set, reader-paper.json or "
                                                   "reader-printed.json when every set is of that group, "
                                                   "-validation before .json with --digits validation, "
                                                   "-quick with fewer images than the full sets)")
    return parser.parse_args(argv)


def chosen_sets(names: list[str]) -> list[str]:
    """The sets named, groups expanded, each once, in the order given."""
    expanded = [set_name for name in names for set_name in SET_GROUPS.get(name, [name])]
    return list(dict.fromkeys(expanded))


def results_path(names: list[str], split: str, count: int, finder: str = FINDER) -> Path:
    """Where a run's results go by default. A run of fewer images than the full sets (--quick, --count) writes
    a -quick file (not committed), so that it never replaces the figures the docs quote."""
    stem = ("reader-real" if all(name in REAL_SETS for name in names) else
            "reader" if all(name in MNIST_SETS for name in names) else
            "reader-detector" if all(name in DETECTOR_SETS for name in names) else
            "reader-paper" if all(name in PAPER_SETS for name in names) else
            "reader-printed" if all(name in PRINTED_SETS for name in names) else "reader")
    stem += "" if split == "test" else "-validation"
    stem += "" if finder == FINDER else f"-{finder}"  # another finder's figures, beside the app's
    return RESULTS_DIR / (f"{stem}.json" if count >= DEFAULT_COUNT else f"{stem}-quick.json")


def set_images(name: str, split: str, seed: int, count: int, digits: datasets.Digits | None):
    """A set's image maker, how many images it gives, and (for a real or pad set) its source."""
    if name in MNIST_SETS or name in FINDING_SETS:
        return mnist_images(name, digits), count, None
    if name in PRINTED_SETS:
        return printed_images(name, split), count, printed.source(name, split)
    items = scene_sets.set_items(name, split)
    return real_images(name, items, seed, split), min(count, len(items)), real_source(name, split, items)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2
    names = chosen_sets(args.sets)
    from benchmarks.common import machine_info  # psutil: the bench extras

    machine = machine_info()  # at the start: the commit that runs, not the one checked out when it ends
    digits = datasets.held_out_digits(args.digits) if any(n in MNIST_SETS + ["desk-colour"] for n in names) else None
    recognizer, backend = make_recognizer(args.model, args.finder)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    sets, sources = {}, {}
    for name in names:
        images, count, source = set_images(name, args.digits, args.seed, args.count, digits)
        sets[name] = run_set(name, recognizer, images, count, args.seed, args.digits, args.save_images)
        if source:
            sources[name] = source
        print(f"{name}: {sets[name]['read_exactly']}/{count} read exactly", file=sys.stderr)
    report = {
        "benchmark": "reader",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "model": backend.info,
        "finder": recognizer.finder,
        **({"detector": backend.model_info(recognizer.detector)} if recognizer.finder != "classical" else {}),
        "device": backend.device,
        **({"digits": {"split": args.digits, "source": digits.source, "count": len(digits)}} if digits else {}),
        **({"real_data": sources} if sources else {}),
        "seed": args.seed,
        "images_per_set": args.count,
        "sets": sets,
    }
    path = args.json or results_path(names, args.digits, args.count, args.finder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print_tables(report, args.digits)
    return 0


def print_tables(report: dict, split: str) -> None:
    info, sets = report["model"], report["sets"]
    targeted = {name: r for name, r in sets.items() if name not in REAL_SETS}  # MNIST, pad and finding sets
    real = {name: r for name, r in sets.items() if name in REAL_SETS}
    source = f"MNIST {report['digits']['source']}" if "digits" in report else "real writers"
    print(f"Reader benchmark: model {info['name']} ({info['version']}), {split} data ({source}), "
          f"up to {report['images_per_set']} images a set, seed {report['seed']}, {report['device']}\n")
    if targeted:
        print(markdown_table(targeted))
    if real:
        print(("\n" if targeted else "") + markdown_real_table(real) + "\n\nSlices:\n\n" + markdown_slices_table(real))
    print("\nFinding numbers:\n\n" + markdown_finding_table(sets))


if __name__ == "__main__":
    sys.exit(main())
