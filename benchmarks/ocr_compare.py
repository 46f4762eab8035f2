"""Digit Reader next to Tesseract, digits only, on the same images.

``python -m benchmarks.ocr_compare [--quick] [--count 50] [--sets canvas,photo,webcam,multi]``

Images come from ``benchmarks.scenes.mnist`` (MNIST *test* digits): canvas drawings, photos, webcam
frames and photos with several numbers. Readers:

* Digit Reader: the app's ``Recognizer`` with the default model, in this process.
* Tesseract on the whole image, ``--psm 6`` (a block of text) and ``--psm 11`` (sparse text); the
  numbers are its whitespace-separated digit runs (handwriting with wide gaps can split one).
* Tesseract ``--psm 7`` (one line) on each crop Digit Reader's detector cuts (the same crops the
  model reads): Tesseract's recognition alone, given Digit Reader's localisation.

All Tesseract runs use ``-c tessedit_char_whitelist=0123456789`` and one ``tesseract`` process
per call (image on stdin): its time per image includes that process's start, reported apart.
Scores per image: the true numbers read exactly (as a multiset), numbers reported that are not
true (extra), and whether the image was read exactly (all numbers, in order, nothing else).
Results: ``benchmarks/results/ocr_compare.json``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import time
from collections import Counter

import cv2
import numpy as np

from benchmarks.common import (exit_on_sigterm, machine_info, machine_line, markdown_table, resolve, scene_images,
                               stats, write_results)

FULL = {"count": 50, "sets": "canvas,photo,webcam,multi"}
QUICK = {"count": 3, "sets": "canvas,photo"}
SEEDS = {"canvas": 20260401, "photo": 20260402, "webcam": 20260403, "multi": 20260404}
DIGITS_ONLY = ("-c", "tessedit_char_whitelist=0123456789")
READERS = ("Digit Reader", "Tesseract psm 6, whole image", "Tesseract psm 11, whole image",
           "Tesseract psm 7, Digit Reader's crops")


class TesseractMissing(RuntimeError):
    """No tesseract binary on PATH."""


def tesseract_binary() -> str:
    path = shutil.which("tesseract")
    if not path:
        raise TesseractMissing("tesseract not found: install it with `apt-get install -y tesseract-ocr`")
    return path


def tesseract_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    return (out.stdout or out.stderr).splitlines()[0]


def tesseract(binary: str, image: bytes, psm: int) -> str:
    """Tesseract's text for encoded ``image`` bytes, digits only."""
    out = subprocess.run([binary, "stdin", "stdout", "--psm", str(psm), *DIGITS_ONLY], input=image,
                         capture_output=True, check=True, timeout=120)
    return out.stdout.decode(errors="replace")


def startup_ms(binary: str, runs: int = 5) -> float:
    """Median ms of one tesseract call on a blank 32x32 image: its process start and model load."""
    blank = cv2.imencode(".png", np.full((32, 32), 255, np.uint8))[1].tobytes()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        tesseract(binary, blank, 7)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)) * 1000, 1)


# --- readers: image bytes -> numbers read, in reading order ---------------------------------------

def digit_reader(recognizer, image: bytes) -> list[str]:
    return [number["text"] for number in recognizer.recognize(image)["numbers"]]


def tesseract_whole(binary: str, psm: int, image: bytes) -> list[str]:
    return re.findall(r"\d+", tesseract(binary, image, psm))


def detector_crops(image: bytes) -> list[bytes]:
    """PNG crops of each number Digit Reader's detector finds, with the recognizer's margin of paper."""
    from training.core import detect
    from webapp.reading.imaging import decode_image
    from webapp.reading.recognizer import CROP_PAD

    gray = cv2.cvtColor(decode_image(image, 40_000_000), cv2.COLOR_RGB2GRAY)
    crops = []
    for region in detect.find_numbers(gray):
        x, y, w, h = region.box
        pad = int(round(CROP_PAD * h))
        crop = gray[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
        crops.append(cv2.imencode(".png", crop)[1].tobytes())
    return crops


def tesseract_crops(binary: str, image: bytes) -> list[str]:
    """One number per crop: all the digits Tesseract reads in it, gaps ignored."""
    numbers = ("".join(re.findall(r"\d", tesseract(binary, crop, 7))) for crop in detector_crops(image))
    return [number for number in numbers if number]


# --- scoring --------------------------------------------------------------------------------------

def score(read: list[str], truth: list[str]) -> dict:
    """True numbers read exactly (multiset), extra numbers, and whether the image was read exactly."""
    remaining, matched = Counter(truth), 0
    for number in read:
        if remaining[number] > 0:
            remaining[number] -= 1
            matched += 1
    return {"matched": matched, "extra": len(read) - matched, "exact": read == truth}


def evaluate(reader, images: list[tuple[bytes, list[str]]]) -> dict:
    """One reader over one image set: scores and time per image."""
    matched = extra = exact = 0
    seconds, samples = [], []
    for image, truth in images:
        start = time.perf_counter()
        read = reader(image)
        seconds.append(time.perf_counter() - start)
        result = score(read, truth)
        matched, extra, exact = matched + result["matched"], extra + result["extra"], exact + result["exact"]
        if len(samples) < 5:
            samples.append({"truth": truth, "read": read})
    numbers = sum(len(truth) for _, truth in images)
    return {"images": len(images), "numbers": numbers, "numbers_read": matched,
            "numbers_read_pct": round(100 * matched / numbers, 1), "extra_numbers": extra,
            "images_exact_pct": round(100 * exact / len(images), 1), "ms_per_image": stats(seconds, 1000),
            "samples": samples}


def readers(binary: str) -> dict:
    """Each reader as image bytes -> numbers; Digit Reader's model is loaded and warmed up here."""
    from webapp import reading

    recognizer = reading.load()
    return dict(zip(READERS, (
        lambda image: digit_reader(recognizer, image),
        lambda image: tesseract_whole(binary, 6, image),
        lambda image: tesseract_whole(binary, 11, image),
        lambda image: tesseract_crops(binary, image),
    ), strict=True))


def report(results: dict) -> str:
    """One row per image set and reader."""
    rows = [[name, reader, f"{r['numbers_read']}/{r['numbers']} ({r['numbers_read_pct']} %)",
             f"{r['images_exact_pct']} %", r["extra_numbers"], r["ms_per_image"]["p50"], r["ms_per_image"]["p95"]]
            for name, by_reader in results["sets"].items() for reader, r in by_reader.items()]
    return "\n\n".join([
        "## Digit Reader vs Tesseract (digits only)", machine_line(results["machine"]),
        f"{results['tesseract']['version']}; one process per call, start-up alone "
        f"{results['tesseract']['startup_ms']} ms (included in its times below)",
        markdown_table(["images", "reader", "numbers read exactly", "images read exactly", "extra numbers",
                        "ms/image p50", "ms/image p95"], rows),
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr_compare", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 canvas drawings and 3 photos, for development")
    parser.add_argument("--count", type=int, help=f"images per set (default {FULL['count']})")
    parser.add_argument("--sets", help=f"comma-separated scene kinds (default {FULL['sets']})")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    settings = resolve(args, FULL, QUICK)
    unknown = set(settings["sets"].split(",")) - set(SEEDS)
    if unknown:
        parser.error(f"unknown sets {sorted(unknown)}; choose from {list(SEEDS)}")
    binary = tesseract_binary()
    results = {"benchmark": "ocr_compare", "quick": args.quick, "settings": settings, "machine": machine_info(),
               "tesseract": {"binary": binary, "version": tesseract_version(binary), "startup_ms": startup_ms(binary),
                             "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT")}}
    by_name = readers(binary)
    results["sets"] = {}
    for kind in settings["sets"].split(","):
        images = scene_images(kind, settings["count"], SEEDS[kind])
        results["sets"][kind] = {name: evaluate(reader, images) for name, reader in by_name.items()}
    path = write_results("ocr_compare", args.quick, results)
    print(report(results))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
