"""The corrections loop at small scale (issue 24): held-out writers' numbers are read by the app, and each one it
misreads is corrected as a user would, through ``POST /api/v1/corrections``, into a corrections store of its own.

    python -m benchmarks.corrections --db runs/corrections-demo/corrections.sqlite3
    python -m training finetune --corrections --db runs/corrections-demo/corrections.sqlite3 --benchmark pen-real

The numbers are UNIPEN strings of the test labs (writers no model trained on, ``training/data/SPLITS.json``)
as ``benchmarks.reader`` renders a real set (the same items, order and seeds): drawn on the page's canvas
(``--sets pen-real``, mode ``draw``), or as ink on a photographed sheet (``--sets paper-real``, mode
``upload``).
Each is sent to ``POST /api/v1/recognize`` of the app (the model in this process); when the numbers read are not
the label as written, the image is sent to ``POST /api/v1/corrections`` with the label typed, what was read, the
mode, and the box of the number read when the reader found one number. With both sets, their images come in
turn, so the newest corrections (the fine-tune's held-out fifth) are of both kinds. The figures of the loop
(held-out corrections before and after, the checks) are the fine-tune's card's (docs/corrections.md).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.reader import SEED, reads_as_written, real_images, scene_rng  # noqa: E402
from benchmarks.scenes import sets as scene_sets  # noqa: E402

MODES = {"pen-real": "draw", "paper-real": "upload"}  # the sets a user's corrections can come from, as sent


def make_app(database: Path):
    """The app with the default model in this process and its corrections store at ``database``, no rate limits."""
    from webapp import create_app, reading

    backend = reading.load().backend
    return create_app({"INFERENCE": backend, "ASYNC_MODE": "threading", "TESTING": True,
                       "CORRECTIONS_DB": str(database), "CORRECTIONS_PER_MINUTE": 10**6, "CORRECTION_BURST": 10**6,
                       "UPLOADS_PER_MINUTE": 10**6, "UPLOAD_BURST": 10**6})


def read(client, data: bytes) -> list[dict]:
    response = client.post("/api/v1/recognize", data={"image": (io.BytesIO(data), "image")},
                           content_type="multipart/form-data")
    if response.status_code != 200:
        raise RuntimeError(f"the app answered {response.status_code}: {response.get_data(as_text=True)}")
    return response.get_json()["numbers"]


def correct(client, data: bytes, truth: str, numbers: list[dict], mode: str) -> int:
    """A user's correction of a misread image: the status the API answered."""
    form = {"image": (io.BytesIO(data), "image"), "text": truth, "mode": mode,
            "read": " ".join(number["text"] for number in numbers)}
    if len(numbers) == 1:  # the page corrects the number it shows; found split or not at all, the whole drawing
        form["box"] = ",".join(map(str, numbers[0]["box"]))
    return client.post("/api/v1/corrections", data=form, content_type="multipart/form-data").status_code


def correct_misreads(client, names: list[str], digits: str, count: int) -> dict:
    """Read each set's images (in turn, set by set), correct every misread; per set, what the API answered."""
    sets = {name: scene_sets.set_items(name, digits) for name in names}
    images = {name: real_images(name, items, SEED, digits) for name, items in sets.items()}
    answers = {name: {"images": 0, "misread": 0} for name in sets}
    for index in range(min(count, max(len(items) for items in sets.values()))):
        for name in (name for name, items in sets.items() if index < len(items)):
            data, truth, _ = images[name](scene_rng(SEED, digits, name, index), index)
            numbers = read(client, data)
            answers[name]["images"] += 1
            if not reads_as_written(truth, [number["text"] for number in numbers]):
                answers[name]["misread"] += 1
                status = str(correct(client, data, truth[0], numbers, MODES[name]))
                answers[name][status] = answers[name].get(status, 0) + 1
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corrections", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the corrections store to fill")
    parser.add_argument("--sets", nargs="+", default=["pen-real"], choices=list(MODES),
                        help="how the strings are rendered; several: their images taken in turn, as users of "
                             "every mode would send them")
    parser.add_argument("--digits", default="test", choices=("test", "validation"), help="the UNIPEN labs drawn")
    parser.add_argument("--count", type=int, default=10**6, help="at most this many drawings (default: all)")
    args = parser.parse_args(argv)
    answers = correct_misreads(make_app(args.db).test_client(), args.sets, args.digits, args.count)
    print(json.dumps({"sets": args.sets, "digits": args.digits, "db": str(args.db), "answers": answers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
