"""The corrections loop at small scale (issue 24): held-out writers' numbers are read by the app, and each one it
misreads is corrected as a user would, through ``POST /api/v1/corrections``, into a corrections store of its own.

    python -m benchmarks.corrections --db runs/corrections-demo/corrections.sqlite3
    python -m training finetune --corrections --db runs/corrections-demo/corrections.sqlite3 --benchmark pen-real

The numbers are UNIPEN strings of the test labs (writers no model trained on, ``training/data/SPLITS.json``)
drawn on the page's canvas exactly as ``benchmarks.reader`` draws its pen-real set (the same items, order and
seeds). Each is sent to ``POST /api/v1/recognize`` of the app (the model in this process); when the numbers read
are not the label as written, the drawing is sent to ``POST /api/v1/corrections`` with the label typed, what was
read, mode ``draw``, and the box of the number read when the reader found one number. The figures of the loop
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
from training import real_scenes  # noqa: E402

SET = "pen-real"


def make_app(database: Path):
    """The app with the default model in this process and its corrections store at ``database``, no rate limits."""
    from webapp import create_app, reading

    backend = reading.load().backend
    return create_app({"INFERENCE": backend, "ASYNC_MODE": "threading", "TESTING": True,
                       "CORRECTIONS_DB": str(database), "CORRECTIONS_PER_MINUTE": 10**6, "CORRECTION_BURST": 10**6,
                       "UPLOADS_PER_MINUTE": 10**6, "UPLOAD_BURST": 10**6})


def read(client, data: bytes) -> list[dict]:
    response = client.post("/api/v1/recognize", data={"image": (io.BytesIO(data), "drawing.png")},
                           content_type="multipart/form-data")
    if response.status_code != 200:
        raise RuntimeError(f"the app answered {response.status_code}: {response.get_data(as_text=True)}")
    return response.get_json()["numbers"]


def correct(client, data: bytes, truth: str, numbers: list[dict]) -> int:
    """A user's correction of a misread drawing: the status the API answered."""
    form = {"image": (io.BytesIO(data), "drawing.png"), "text": truth, "mode": "draw",
            "read": " ".join(number["text"] for number in numbers)}
    if len(numbers) == 1:  # the page corrects the number it shows; found split or not at all, the whole drawing
        form["box"] = ",".join(map(str, numbers[0]["box"]))
    return client.post("/api/v1/corrections", data=form, content_type="multipart/form-data").status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corrections", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the corrections store to fill (a new file)")
    parser.add_argument("--digits", default="test", choices=("test", "validation"), help="the UNIPEN labs drawn")
    parser.add_argument("--count", type=int, default=10**6, help="at most this many drawings (default: all)")
    args = parser.parse_args(argv)
    if args.db.exists():
        print(f"error: {args.db} exists: the demonstration fills a store of its own", file=sys.stderr)
        return 2
    items = real_scenes.set_items(SET, args.digits)
    images, client = real_images(SET, items, SEED), make_app(args.db).test_client()
    answers = {"drawings": 0, "misread": 0}
    for index in range(min(args.count, len(items))):
        data, truth = images(scene_rng(SEED, SET, index), index)
        numbers = read(client, data)
        answers["drawings"] += 1
        if not reads_as_written(truth, [number["text"] for number in numbers]):
            answers["misread"] += 1
            status = str(correct(client, data, truth[0], numbers))
            answers[status] = answers.get(status, 0) + 1
    print(json.dumps({"set": SET, "digits": args.digits, "db": str(args.db), "answers": answers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
