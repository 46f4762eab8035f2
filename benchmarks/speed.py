"""Speed: the model's throughput in-process, and the latency of the app as served in production, stage by stage.

``python -m benchmarks.speed [--quick] [--model NAME] [--finder NAME] [--no-tesseract]``

(a) ``LocalBackend.predict`` on batches of 1, 8 and 64 normalised lines (the model's inputs, cut
    from rendered webcam frames), and the in-process ``Recognizer`` on whole images: canvas
    drawings (974x390 PNG, the draw canvas of a 1280-px window), photos (1280x720 JPEG) and webcam
    frames (640x480 JPEG). Medians of repeated runs after a warm-up.
(b) ``POST /api/v1/recognize`` one request after another (one keep-alive connection) against
    ``gunicorn -k eventlet -w 1``: p50 and p95 for the canvas PNG and the photo JPEG; and one Socket.IO
    client sending webcam frames, the next once the last is answered. Each with the stages the server
    reports (waiting for a round of the inference process, the round, and in it decoding, finding, the
    model); the rest of the client's time is HTTP or Socket.IO and the web process.
(c) Tesseract's CLI (``tesseract stdin stdout --psm 6``, digits only, one process per image, as a user
    runs it) on the same photos, in the same run, where it is installed.

Results: ``benchmarks/results/speed.json`` and a Markdown table on stdout.
"""
from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess
import time

import numpy as np
import requests

from webapp.reading.finding import FINDERS
from webapp.reading.recognizer import FINDER

from benchmarks.common import (MODES, Server, exit_on_sigterm, machine_info, machine_line, markdown_table, resolve,
                               scene_images, stats, write_results)

FULL = {"repeats": 50, "images": 20, "requests": 200}
QUICK = {"repeats": 5, "images": 3, "requests": 20}
BATCHES = (1, 8, 64)
WARMUP = 3
IMAGE_SETS = {  # name: (scenes kind, (width, height), content type)
    "canvas 974x390 PNG": ("canvas", (974, 390), "image/png"),
    "photo 1280x720 JPEG": ("photo", (1280, 720), "image/jpeg"),
    "webcam 640x480 JPEG": ("webcam", (640, 480), "image/jpeg"),
}
REST_SETS = ("canvas 974x390 PNG", "photo 1280x720 JPEG")
SOCKET_SET = "webcam 640x480 JPEG"
SOCKET_FPS = 15  # the page's webcam rate
TESSERACT_SET = "photo 1280x720 JPEG"
TESSERACT = ("--psm", "6", "-c", "tessedit_char_whitelist=0123456789")
# the stages that find the numbers: the learned detector's input, network and boxes; or the classical finder
DETECTION_STAGES = ("detector_input", "detector", "boxes", "detect")


def timed(function, *args) -> float:
    """Seconds one call of ``function(*args)`` takes."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def model_lines(recognizer, images: list[bytes], rows: int) -> np.ndarray:
    """The model inputs of every number found in ``images``, repeated to ``rows`` rows."""
    lines = np.concatenate([recognizer.prepare(data).batch for data in images])
    if not len(lines):
        raise RuntimeError("the detector found no number in the throughput images")
    return np.resize(lines, (rows,) + lines.shape[1:])


def padded_size(rows: int) -> int:
    """The fixed batch shape LocalBackend runs ``rows`` lines as (it pads up to one of BATCH_SIZES)."""
    from webapp.reading.local import BATCH_SIZES as SHAPES

    return next((size for size in SHAPES if size >= rows), SHAPES[-1])


def model_throughput(backend, lines: np.ndarray, repeats: int) -> list[dict]:
    """ms per batch (median of ``repeats`` after a warm-up) and lines per second for each batch size, with the
    model's rescorer (as served) and without it."""
    rows = []
    for size in BATCHES:
        batch, row = lines[:size], {"batch": size, "run_as": padded_size(size)}
        for label, rescore in (("", True), ("_model_only", False)):
            for _ in range(WARMUP):
                backend.predict(None, batch, rescore)
            seconds = [timed(backend.predict, None, batch, rescore) for _ in range(repeats)]
            row.update({f"ms_per_batch{label}": stats(seconds, 1000, 2),
                        f"lines_per_s{label}": round(size / float(np.median(seconds)), 1)})
        rows.append(row)
    return rows


def recognizer_speed(recognizer, images: list[bytes], repeats: int) -> dict:
    """Whole images through the in-process recognizer: wall ms per image and its stages' medians."""
    for data in images[:WARMUP]:
        recognizer.recognize(data)
    walls, stages = [], {}
    for i in range(repeats):
        start = time.perf_counter()
        result = recognizer.recognize(images[i % len(images)])
        walls.append(time.perf_counter() - start)
        for stage, ms in result["timing_ms"].items():
            stages.setdefault(stage, []).append(ms)
    detection = np.sum([ms for stage, ms in stages.items() if stage in DETECTION_STAGES], axis=0)
    return {"ms_per_image": stats(walls, 1000, 1), "images_per_s": round(1 / float(np.median(walls)), 1),
            "detection_ms": stats(np.atleast_1d(detection), 1.0, 2),
            "stage_ms_p50": {stage: round(float(np.median(ms)), 1) for stage, ms in stages.items()}}


def in_process(settings: dict, images: dict) -> dict:
    """Part (a): the model and the recognizer in this process (TensorFlow imported here only)."""
    from webapp import reading

    recognizer = reading.load(settings.get("model"), finder=settings["finder"])
    backend = recognizer.backend
    lines = model_lines(recognizer, [data for data, _ in images["webcam 640x480 JPEG"]], max(BATCHES))
    return {
        "device": backend.device,
        "model": backend.info,
        "finder": recognizer.finder, "detector": recognizer.detector,
        "model_throughput": model_throughput(backend, lines, settings["repeats"]),
        "recognizer": {name: recognizer_speed(recognizer, [data for data, _ in pool], settings["repeats"])
                       for name, pool in images.items()},
    }


def stage_medians(timings: list[dict]) -> dict:
    """The p50 of each stage the server reported (``timing_ms``)."""
    stages = {stage for timing in timings for stage in timing}
    return {stage: round(float(np.median([t[stage] for t in timings if stage in t])), 2) for stage in sorted(stages)}


def rest_latency(url: str, images: list[bytes], content_type: str, count: int) -> dict:
    """``count`` sequential POSTs of ``images`` (cycled) after a warm-up: client latency and the server's stages."""
    latencies, timings, errors = [], [], {}
    with requests.Session() as session:
        for i in range(-WARMUP, count):
            data = images[i % len(images)]
            start = time.perf_counter()
            response = session.post(url + "/api/v1/recognize", files={"image": ("image", data, content_type)},
                                    timeout=60)
            elapsed = time.perf_counter() - start
            if i < 0:
                continue
            if response.ok:
                latencies.append(elapsed)
                timings.append(response.json()["timing_ms"])
            else:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
    return {"latency_ms": stats(latencies, 1000), "server_total_ms_p50": stats(t["total"] for t in timings)["p50"],
            "stage_ms_p50": stage_medians(timings), "errors": errors}


def socket_latency(url: str, frames: list[bytes], count: int) -> dict:
    """One Socket.IO client (websocket) sending ``frames`` (cycled) at most SOCKET_FPS a second, the next once the
    last is answered, as the page does: latency from emit to ``result``, and the server's stages."""
    import socketio

    answers, latencies, timings, errors = queue.Queue(), [], [], {}
    client = socketio.Client(reconnection=False)
    client.on("result", lambda data: answers.put(("result", data)))
    client.on("error", lambda data: answers.put(("error", data)))
    client.connect(url, transports=["websocket"], wait_timeout=30)
    try:
        for seq in range(-WARMUP, count):
            if seq > -WARMUP:
                time.sleep(max(0.0, start + 1 / SOCKET_FPS - time.perf_counter()))
            start = time.perf_counter()
            client.emit("frame", {"seq": seq + WARMUP, "image": frames[seq % len(frames)]})
            kind, data = answers.get(timeout=30)
            elapsed = time.perf_counter() - start
            if seq < 0:
                continue
            if kind == "result":
                latencies.append(elapsed)
                timings.append(data["timing_ms"])
            else:
                code = data["error"]["code"]
                errors[code] = errors.get(code, 0) + 1
    finally:
        client.disconnect()
    return {"latency_ms": stats(latencies, 1000), "server_total_ms_p50": stats(t["total"] for t in timings)["p50"],
            "stage_ms_p50": stage_medians(timings), "errors": errors}


def tesseract_cli(images: list[bytes], count: int) -> dict | None:
    """Tesseract's CLI on ``images`` (cycled), one process per image as a user runs it; None where it is not
    installed."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    seconds = []
    for i in range(-1, count):
        start = time.perf_counter()
        subprocess.run([binary, "stdin", "stdout", *TESSERACT], input=images[i % len(images)], capture_output=True,
                       check=True, timeout=120)
        if i >= 0:
            seconds.append(time.perf_counter() - start)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"version": version, "command": " ".join(["tesseract stdin stdout", *TESSERACT]),
            "latency_ms": stats(seconds, 1000)}


def rest(settings: dict, images: dict) -> dict:
    """Part (b): REST and Socket.IO latency against the production command line."""
    with Server(MODES["eventlet"], "speed") as server:
        ready_s = server.wait_ready()
        sets = {name: rest_latency(server.url, [data for data, _ in images[name]], IMAGE_SETS[name][2],
                                   settings["requests"]) for name in REST_SETS}
        sets[f"{SOCKET_SET}, Socket.IO"] = socket_latency(server.url, [data for data, _ in images[SOCKET_SET]],
                                                           settings["requests"])
        return {**server.describe(), "ready_after_s": round(ready_s, 1), "sets": sets,
                "log_problems": server.problems()}


def report(results: dict) -> str:
    """The Markdown tables of a run."""
    a, b = results["in_process"], results["rest"]
    model_rows = [[r["batch"], r["run_as"], r["ms_per_batch"]["p50"], r["lines_per_s"],
                   r["ms_per_batch_model_only"]["p50"], r["lines_per_s_model_only"]] for r in a["model_throughput"]]
    recognizer_rows = [[name, r["ms_per_image"]["p50"], r["ms_per_image"]["p95"], r["images_per_s"],
                        r["detection_ms"]["p50"], r["detection_ms"]["p95"],
                        ", ".join(f"{k} {v}" for k, v in r["stage_ms_p50"].items())]
                       for name, r in a["recognizer"].items()]
    rest_rows = [[name, r["latency_ms"]["n"], r["latency_ms"]["p50"], r["latency_ms"]["p95"], r["latency_ms"]["max"],
                  r["server_total_ms_p50"], ", ".join(f"{k} {v}" for k, v in r["stage_ms_p50"].items()),
                  r["errors"] or "none"] for name, r in b["sets"].items()]
    tesseract = results.get("tesseract")
    return "\n\n".join([
        "## Speed", machine_line(results["machine"]),
        f"### Model throughput (LocalBackend.predict, {a['device']}, model {a['model']['name']})",
        markdown_table(["batch (lines)", "run as batch of", "ms/batch p50", "lines/s", "model only: ms/batch p50",
                        "lines/s"], model_rows),
        f"### Recognizer in-process (whole images; numbers found by the {a['finder']} finder)",
        markdown_table(["images", "ms/image p50", "p95", "images/s", "finding ms p50", "p95", "stage ms p50"],
                       recognizer_rows),
        f"### Served, one request at a time (`{b['command']}`, {b['env']})",
        markdown_table(["image", "requests", "p50 ms", "p95 ms", "max ms", "server total p50 ms", "server stages p50 ms",
                        "errors"], rest_rows),
        (f"Tesseract CLI ({tesseract['version']}, `{tesseract['command']}`) on the same photos: "
         f"p50 {tesseract['latency_ms']['p50']} ms, p95 {tesseract['latency_ms']['p95']} ms"
         if tesseract else "Tesseract: not installed, not measured"),
        f"Server log problems: {b['log_problems']['count']} {b['log_problems']['first'] or ''}",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few repeats only, for development")
    parser.add_argument("--repeats", type=int, help=f"timed runs per measurement (default {FULL['repeats']})")
    parser.add_argument("--images", type=int, help=f"distinct images per set (default {FULL['images']})")
    parser.add_argument("--requests", type=int, help=f"REST requests per image set (default {FULL['requests']})")
    parser.add_argument("--model", help="model name or path in the store (default: the store's DEFAULT)")
    parser.add_argument("--finder", choices=FINDERS, default=FINDER, help=f"how numbers are found (default {FINDER})")
    parser.add_argument("--no-tesseract", action="store_true", help="leave out Tesseract's CLI")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    settings = {**resolve(args, FULL, QUICK), "model": args.model, "finder": args.finder}
    if args.model:  # the served app reads it from its environment, as any setting
        os.environ["DIGIT_READER_MODEL"] = args.model
    os.environ["DIGIT_READER_FINDER"] = args.finder
    results = {"benchmark": "speed", "quick": args.quick, "settings": settings, "machine": machine_info()}
    images = {name: scene_images(kind, settings["images"], seed=20260101 + i, size=size)
              for i, (name, (kind, size, _)) in enumerate(IMAGE_SETS.items())}
    results["in_process"] = in_process(settings, images)
    results["rest"] = rest(settings, images)
    if not args.no_tesseract:
        results["tesseract"] = tesseract_cli([data for data, _ in images[TESSERACT_SET]], settings["requests"])
    path = write_results("speed", args.quick, results)
    print(report(results))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
