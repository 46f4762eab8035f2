"""Property-based fuzzing of the app's inputs: image decoding, the REST endpoint and the Socket.IO handlers.

``python -m benchmarks.fuzz [--cases 10000] [--seed 0] [--inference process|local] [--case-timeout-s 20]``

Hypothesis generates the cases (generation only: nothing is shrunk, so every case counts once):

* ``decode``: ``webapp.reading.imaging.decode_image`` on random bytes, on random bytes behind a real format's
  magic number, and on small JPEG/PNG/WebP/GIF/BMP images (also 60,000 x 1 strips, and a few real
  pictures of numbers), whole or truncated, overwritten, spliced, or whose header declares other
  dimensions (zero, huge, 2^32-1);
* ``rest``: ``POST /api/v1/recognize`` with those bodies raw or in hand-built multipart bodies (odd
  field names, hostile file names, several files, broken boundaries), odd content types and ``model``
  values (paths, long, unicode), and a few other methods and paths;
* ``socket``: Socket.IO events with wrong names, wrong argument counts, payloads of the wrong type,
  missing or extra fields, absurd ``seq`` values (negative, 2^64, floats, NaN, booleans, strings),
  non-binary images and odd ``model`` values;
* ``flood``: bursts of up to 200 tiny frames as fast as the client can send them, with the production
  frame-rate limit in force.

Everything runs in this process through Flask's test client and Flask-SocketIO's test client, with the
model in the real spawned worker (``--inference process``, the default, as served) or in this process (``local``).
Each case must finish within ``--case-timeout-s``; the rules a case must keep (the ``check_*`` functions, in
``tests/support/fuzz_cases.py`` with the strategies):
no 5xx, no exception out of a handler, no ``internal_error`` event, every rejection a 400/413/415 (or
404 for an unknown model) with ``{"error": {"code", "message"}}`` whose message says what was wrong,
every frame answered, no model read with unless it is a name in the store. Measured: status codes and
error codes, failures with examples, resident memory (this process and the inference process) at the
start, every 5% of the run and at the end, cases per second. Hypothesis generates all the cases first
(its own bookkeeping grows with them), then they run interleaved, so that every code path is warm after
the first 5%; memory is sampled after a garbage collection and ``malloc_trim``, so it shows live memory
rather than the allocator's high-water mark. Results: ``benchmarks/results/fuzz.json``
(``fuzz-quick.json`` for ``--quick``: 500 cases).

The strategies and rules are also used, with a small seeded sample, by ``tests/robustness/test_fuzz.py``.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from tests.support.fuzz_cases import (RECOGNIZE, SocketProbe, check_error_payload, check_rest, check_socket, floods,
                                      image_bytes, real_pictures, rest_requests, send_flood, send_rest, socket_events)
from tests.support.servers import rss_mb

ROOT = Path(__file__).resolve().parent.parent
MEMORY_FLAT_MB = 50  # resident memory may grow this much after warm-up (allocator pools, Pillow caches)


class Run:
    """Counts, failures and timings of one fuzzing run; a watchdog flags a case that hangs."""

    def __init__(self, case_timeout_s: float, out_path: Path):
        self.case_timeout_s, self.out_path = case_timeout_s, out_path
        self.counts: Counter = Counter()
        self.statuses: Counter = Counter()
        self.error_codes: Counter = Counter()
        self.failures: list[dict] = []
        self.failure_kinds: Counter = Counter()
        self.slowest: list[tuple[float, str]] = []
        self.current: tuple[float, str] | None = None
        self.hangs = 0
        self.memory: list[dict] = []
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.result: dict = {}
        self.generation_s = 0.0

    def case(self, target: str, describe, body) -> None:
        """Run one case: ``body()`` returns its problems; exceptions and overruns are failures too."""
        started = time.monotonic()
        self.current = (started, f"{target}: {describe()[:300]}")
        try:
            problems = body()
        except Exception as exc:  # a crash in the app shows up here (the test clients re-raise)
            problems = [f"exception {type(exc).__name__}: {str(exc)[:300]}"]
        took = time.monotonic() - started
        self.current = None
        if took > self.case_timeout_s:
            problems = problems + [f"took {took:.1f} s (limit {self.case_timeout_s:.0f} s)"]
        with self.lock:
            self.counts[target] += 1
            self.slowest = sorted(self.slowest + [(round(took, 3), f"{target}: {describe()[:120]}")],
                                  reverse=True)[:5]
            for problem in problems:
                kind = re.sub(r"\d+", "N", problem)[:80]
                self.failure_kinds[kind] += 1
                if len(self.failures) < 40 and self.failure_kinds[kind] <= 3:
                    self.failures.append({"target": target, "problem": problem[:400], "case": describe()[:600]})

    def watchdog(self, stop: threading.Event, on_hang) -> None:
        """Every second: a case running 3x past its limit is a hang; report and end the run."""
        while not stop.wait(1.0):
            current = self.current
            if current and time.monotonic() - current[0] > 3 * self.case_timeout_s:
                self.hangs += 1
                with self.lock:
                    self.failures.append({"target": "hang", "problem": f"no end after "
                                          f"{3 * self.case_timeout_s:.0f} s", "case": current[1]})
                on_hang()
                return


def _describe_request(request: dict) -> str:
    body = request["body"]
    return (f"{request['method']} {request['path']} query={str(request['query'])[:80]} "
            f"content-type={request['content_type']!r} body={len(body)} bytes {body[:24]!r}")


def _describe_event(event: str, args: list) -> str:
    def short(value):
        if isinstance(value, (bytes, bytearray)):
            return f"<{len(value)} bytes {bytes(value[:12])!r}>"
        if isinstance(value, dict):
            return {k: short(v) for k, v in value.items()}
        if isinstance(value, list):
            return [short(v) for v in value[:6]]
        return value

    return f"{event!r} {str([short(a) for a in args])[:400]}"


def build_app(inference: str):
    """The app with rate limits lifted (the flood cases put the production frame limit back)."""
    from webapp import create_app

    return create_app({"INFERENCE": inference, "ASYNC_MODE": "threading", "TESTING": True,
                       "UPLOADS_PER_MINUTE": 10**9, "UPLOAD_BURST": 10**9, "FRAMES_PER_SECOND": 10.0**9,
                       "FRAME_BURST": 10**9, "CONCURRENT_UPLOADS": 10**6, "MAX_CONCURRENT_UPLOADS": 10**6})


def run(cases: int, seed: int, inference: str, case_timeout_s: float, out_path: Path, note: str | None = None) -> dict:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from training.core import store
    from webapp import socketio
    from webapp.config import DEFAULTS
    from webapp.errors import DigitReaderError
    from webapp.reading.imaging import decode_image
    from webapp.serving.limits import RateLimiter

    app = build_app(inference)
    service = app.extensions["digit_reader"]
    backend = service.backend
    if inference == "process":
        deadline = time.monotonic() + 300
        while backend.state != "ready":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the inference process is {backend.state} after 300 s")
            time.sleep(0.2)
    model_name = store.default_name(app.config["MODEL_STORE"])
    client = app.test_client()
    probe = SocketProbe(app, socketio)
    max_pixels = app.config["MAX_PIXELS"]
    # warm up: the model, the detector, Pillow's plugins; memory is measured from here on
    for picture in real_pictures():
        client.post(RECOGNIZE, data=picture, content_type="image/png")
    probe.send("frame", [{"seq": 0, "image": real_pictures()[0]}], 60)

    result_run = Run(case_timeout_s, out_path)
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        libc = None
    worker_pid = lambda: getattr(getattr(backend, "process", None), "pid", None)  # noqa: E731

    def sample_memory():
        # live memory, not the allocator's high-water mark: collect, and give freed heap pages back to the system
        gc.collect()
        if libc is not None:
            libc.malloc_trim(0)
        result_run.memory.append({"cases": sum(result_run.counts.values()),
                                  "seconds": round(time.monotonic() - result_run.started, 1),
                                  "web_mb": rss_mb(digits=1),
                                  "worker_mb": rss_mb(worker_pid(), 1) if worker_pid() else None})

    shares = {"decode": 0.35, "rest": 0.35, "socket": 0.25, "flood": 0.05}
    quota = {target: max(1, int(round(cases * share))) for target, share in shares.items()}
    every = max(1, cases // 20)
    common = dict(database=None, deadline=None, phases=[Phase.generate], derandomize=False,
                  suppress_health_check=list(HealthCheck))

    # 1. Hypothesis generates every case first: its own bookkeeping grows with the number of examples, and
    # should not count as the app's memory. 2. The cases run, memory sampled as they go.
    generated: dict[str, list] = {target: [] for target in quota}

    @hypothesis_seed(seed)
    @settings(max_examples=quota["decode"], **common)
    @given(image_bytes())
    def generate_decode(data):
        generated["decode"].append(data)

    @hypothesis_seed(seed + 1)
    @settings(max_examples=quota["rest"], **common)
    @given(rest_requests(model_name))
    def generate_rest(request):
        generated["rest"].append(request)

    @hypothesis_seed(seed + 2)
    @settings(max_examples=quota["socket"], **common)
    @given(socket_events(model_name))
    def generate_socket(case):
        generated["socket"].append(case)

    @hypothesis_seed(seed + 3)
    @settings(max_examples=quota["flood"], **common)
    @given(floods())
    def generate_flood(burst):
        generated["flood"].append(burst)

    began = time.monotonic()
    for generate in (generate_decode, generate_rest, generate_socket, generate_flood):
        generate()
    generation_s = time.monotonic() - began
    print(f"generated {sum(map(len, generated.values()))} cases in {generation_s:.0f} s: "
          f"{ {k: len(v) for k, v in generated.items()} }", flush=True)
    result_run.generation_s = generation_s
    result_run.started = time.monotonic()
    sample_memory()
    progress = {"done": 0}

    def tick():
        progress["done"] += 1
        if progress["done"] % every == 0:
            sample_memory()
            last = result_run.memory[-1]
            print(f"  {progress['done']:>6} cases, {last['seconds']:>6.0f} s, web {last['web_mb']} MB, "
                  f"failures {sum(result_run.failure_kinds.values())}", flush=True)

    def fuzz_decode(data):
        def body():
            try:
                array = decode_image(data, max_pixels)
            except DigitReaderError as exc:
                result_run.error_codes[exc.code] += 1
                return check_error_payload(exc.to_payload(), "decode_image")
            result_run.error_codes["decoded"] += 1
            if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or \
                    array.shape[0] * array.shape[1] > max_pixels or 0 in array.shape:
                return [f"decode_image returned {array.dtype} {array.shape}"]
            return []

        result_run.case("decode", lambda: f"{len(data)} bytes {data[:24]!r}", body)

    def fuzz_rest(request):
        def body():
            response = send_rest(client, request)
            result_run.statuses[response.status_code] += 1
            return check_rest(request, response, frozenset({model_name}))

        result_run.case("rest", lambda: _describe_request(request), body)

    def fuzz_socket(case):
        event, args = case

        def body():
            received = probe.send(event, args, case_timeout_s)
            for name, payload in received:
                if name == "error" and isinstance(payload, dict):
                    result_run.error_codes["socket:" + str((payload.get("error") or {}).get("code"))] += 1
                elif name == "result":
                    result_run.error_codes["socket:result"] += 1
            if not probe.client.is_connected():
                return ["the Socket.IO connection was dropped"]
            return check_socket(event, args, received, frozenset({model_name}))

        result_run.case("socket", lambda: _describe_event(event, args), body)
        probe.clear()

    def fuzz_flood(burst):
        service.frame_rate = RateLimiter(DEFAULTS["FRAMES_PER_SECOND"], DEFAULTS["FRAME_BURST"])

        def body():
            return send_flood(probe, burst, case_timeout_s)

        result_run.case("flood", lambda: f"{len(burst)} frames like {_describe_event('frame', burst[-1])}", body)
        probe.clear()
        service.frame_rate = RateLimiter(10.0**9, 10**9)

    stop = threading.Event()

    def on_hang():
        summary = finish(result_run, cases, seed, inference, aborted="a case hung")
        print(json.dumps(summary["totals"]), file=sys.stderr)
        os._exit(3)

    def finish(state: Run, requested: int, seed_: int, mode: str, aborted: str | None = None) -> dict:
        sample_memory()
        return report(state, requested, seed_, mode, app.config, aborted, note)

    threading.Thread(target=result_run.watchdog, args=(stop, on_hang), daemon=True).start()
    try:
        # interleaved, each target spread evenly over the run: every path is warm after the first 5%, so that
        # memory growth from there on means a leak, not a code path used for the first time
        functions = {"decode": fuzz_decode, "rest": fuzz_rest, "socket": fuzz_socket, "flood": fuzz_flood}
        schedule = sorted(((index + 0.5) / len(cases_), target, index) for target, cases_ in generated.items()
                          for index in range(len(cases_)))
        for _, target, index in schedule:
            functions[target](generated[target][index])
            tick()
    finally:
        stop.set()
        if inference == "process":
            backend.stop()
    return finish(result_run, cases, seed, inference)


def report(state: Run, requested: int, seed: int, inference: str, config, aborted: str | None,
           note: str | None = None) -> dict:
    """The results JSON: totals, by target, status and error codes, failures, memory, time."""
    done = sum(state.counts.values())
    seconds = time.monotonic() - state.started
    memory = state.memory
    warm = memory[min(1, len(memory) - 1)]  # after the first 5%: Pillow's plugins and caches are in
    growth = round(memory[-1]["web_mb"] - warm["web_mb"], 1) if memory else None
    half = memory[len(memory) // 2] if memory else None
    second_half = round(memory[-1]["web_mb"] - half["web_mb"], 1) if memory else None
    payload = {
        "command": f"python -m benchmarks.fuzz --cases {requested} --seed {seed} --inference {inference}",
        "note": note,
        "requested_cases": requested,
        "seed": seed,
        "inference": inference,
        "case_timeout_s": state.case_timeout_s,
        "aborted": aborted,
        "totals": {"cases": done, "failures": sum(state.failure_kinds.values()), "hangs": state.hangs,
                   "server_errors_5xx": sum(n for status, n in state.statuses.items() if status >= 500),
                   "seconds": round(seconds, 1), "cases_per_second": round(done / seconds, 1) if seconds else None,
                   "generation_seconds": round(state.generation_s, 1),
                   "web_rss_growth_after_warmup_mb": growth,
                   "web_rss_growth_second_half_mb": second_half,
                   "memory_flat": growth is not None and growth < MEMORY_FLAT_MB and second_half < MEMORY_FLAT_MB / 5},
        "by_target": dict(state.counts),
        "rest_status_codes": {str(k): v for k, v in sorted(state.statuses.items())},
        "error_codes": dict(state.error_codes.most_common()),
        "failure_kinds": dict(state.failure_kinds.most_common()),
        "failures": state.failures,
        "slowest_cases": [{"seconds": s, "case": c} for s, c in state.slowest],
        "memory": memory,
        "limits": {key: config[key] for key in ("MAX_CONTENT_LENGTH", "MAX_PIXELS", "MAX_SOCKET_MESSAGE_BYTES")},
    }
    try:
        from benchmarks.common import machine_info

        payload["machine"] = machine_info()
    except Exception as exc:  # psutil and requests come with the bench extras only
        payload["machine"] = {"cores": os.cpu_count(), "load_average_at_end": os.getloadavg(), "note": str(exc)}
    state.out_path.parent.mkdir(parents=True, exist_ok=True)
    state.out_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=None, help="cases in all (default 10000; 500 with --quick)")
    parser.add_argument("--quick", action="store_true", help="500 cases, written to fuzz-quick.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--inference", choices=["local", "process"], default="process",
                        help="process (default): the model in its own process, as served; local: in this one")
    parser.add_argument("--case-timeout-s", type=float, default=20.0)
    parser.add_argument("--out", default=None, help="results file name under benchmarks/results (no .json)")
    parser.add_argument("--note", default=None, help="a remark kept in the results (what was run, where)")
    args = parser.parse_args(argv)
    cases = args.cases or (500 if args.quick else 10_000)
    name = args.out or ("fuzz-quick" if args.quick else "fuzz")
    out_path = Path(__file__).resolve().parent / "results" / f"{name}.json"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import logging
    import warnings

    warnings.simplefilter("ignore")  # Pillow warns about every corrupt EXIF block it skips
    logging.getLogger("PIL").setLevel(logging.WARNING)
    print(f"fuzzing with {cases} cases (seed {args.seed}, inference {args.inference})", flush=True)
    payload = run(cases, args.seed, args.inference, args.case_timeout_s, out_path, args.note)
    totals = payload["totals"]
    print(json.dumps({"totals": totals, "by_target": payload["by_target"],
                      "rest_status_codes": payload["rest_status_codes"],
                      "failure_kinds": payload["failure_kinds"]}, indent=2))
    print(f"written {out_path.relative_to(ROOT)}")
    return 0 if not totals["failures"] and totals["memory_flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
