"""What the speed and load benchmarks share.

* ``machine_info``: the machine and software a result was measured on.
* ``Server``: the app served by gunicorn exactly as in production (or another worker mode), through the
  tests' launcher (``tests.support.servers.Gunicorn``), with the benchmarks' settings and logs.
* ``TreeSampler``: CPU % and resident memory of a process tree, sampled every second.
* ``HealthPoller``: ``GET /healthz`` latency, polled every half second.
* ``scene_images``: test images from ``benchmarks.scenes.mnist`` (MNIST *test* digits only).
* ``stats``, ``slope_per_minute``, ``markdown_table``, ``write_results``: numbers and reports.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import psutil
import requests

from tests.support.servers import PRODUCTION, Gunicorn

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOG_DIR = RESULTS_DIR / "logs"
LOG_PROBLEM = re.compile(r"Traceback|WORKER TIMEOUT|\[(ERROR|CRITICAL)\]|inference process (failed|exited)|"
                         r"^\w*(Error|Exception)\b")
# Uploads from one address are rate limited (429); the benchmarks send all theirs from 127.0.0.1,
# so they lift that limit. Socket.IO frame limits stay as in production.
LIFTED_LIMITS = {"DIGIT_READER_UPLOADS_PER_MINUTE": "100000000", "DIGIT_READER_UPLOAD_BURST": "100000000"}


# --- settings -------------------------------------------------------------------------------------

def resolve(args: argparse.Namespace, full: dict, quick: dict) -> dict:
    """Each setting: the command line's value if given, else the quick or the full default."""
    defaults = quick if args.quick else full
    return {key: getattr(args, key) if getattr(args, key, None) is not None else value
            for key, value in defaults.items()}


# --- the machine ----------------------------------------------------------------------------------

def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine_info() -> dict:
    """CPU model and cores, memory, load, Python and library versions, commit and date of a run."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in ("tensorflow", "keras", "gunicorn", "eventlet", "gevent",
                                                       "flask-socketio", "python-socketio", "python-engineio",
                                                       "opencv-python-headless", "numpy")},
        "commit": _git_commit(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def machine_line(machine: dict) -> str:
    """One Markdown line naming the machine of a run."""
    versions = machine["versions"]
    return (f"_{machine['date']}, {machine['cpu']}, {machine['cores_usable']}/{machine['cores']} cores, "
            f"{machine['memory_gb']} GB, load {machine['load_average_at_start']}, Python {machine['python']}, "
            f"TensorFlow {versions['tensorflow']}, commit {machine['commit']}_")


# --- numbers and reports --------------------------------------------------------------------------

def stats(values, scale: float = 1.0, digits: int = 1) -> dict:
    """n, mean, p50, p95 and max of ``values`` times ``scale`` (None for each when there are none)."""
    data = np.asarray(list(values), np.float64) * scale
    if not len(data):
        return {"n": 0, "mean": None, "p50": None, "p95": None, "max": None}
    return {"n": int(len(data)), "mean": round(float(data.mean()), digits),
            "p50": round(float(np.percentile(data, 50)), digits), "p95": round(float(np.percentile(data, 95)), digits),
            "max": round(float(data.max()), digits)}


def slope_per_minute(times, values) -> float | None:
    """Least-squares slope of ``values`` over ``times`` (seconds), per minute; None with fewer than 3 points."""
    if len(times) < 3:
        return None
    return float(np.polyfit(np.asarray(times, np.float64), np.asarray(values, np.float64), 1)[0] * 60)


def fmt(value, unit: str = "") -> str:
    """A table cell: '-' for missing values."""
    return "-" if value is None else f"{value}{unit}"


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, quick: bool, payload: dict) -> Path:
    """Write ``benchmarks/results/<name>.json`` (``<name>-quick.json`` for a quick run); return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


# --- test images ----------------------------------------------------------------------------------

def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of encoded image bytes, from the header only."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def scene_images(kind: str, count: int, seed: int,
                 size: tuple[int, int] | None = None) -> list[tuple[bytes, list[str]]]:
    """``count`` (image bytes, true numbers) of a ``benchmarks.scenes.mnist`` kind (canvas, photo, webcam, multi),
    only of ``size`` (width, height) when given; deterministic for a seed."""
    from benchmarks.scenes.mnist import SCENES
    from training.sources.datasets import load_test_digits

    digits, rng, images = load_test_digits(), np.random.default_rng(seed), []
    for _ in range(count * 50):
        data, truth = SCENES[kind](rng, digits)
        if size is None or image_size(data) == tuple(size):
            images.append((data, truth))
            if len(images) == count:
                return images
    raise RuntimeError(f"mnist.{kind} gave fewer than {count} images of size {size}")


# --- the served app -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mode:
    """A way to serve the app: gunicorn's worker arguments and the app's environment."""

    name: str
    worker_args: tuple[str, ...]
    env: dict = field(default_factory=dict)


MODES = {
    "eventlet": Mode("eventlet", PRODUCTION),  # production, exactly
    "threading": Mode("threading", ("-k", "gthread", "-w", "1", "--threads", "50"),
                      {"DIGIT_READER_ASYNC_MODE": "threading"}),
    "gevent": Mode("gevent", ("-k", "gevent", "-w", "1"), {"DIGIT_READER_ASYNC_MODE": "gevent"}),
}


class Server(Gunicorn):
    """The app under gunicorn in one of the MODES (``tests.support.servers.Gunicorn``), upload limits lifted,
    its log in ``benchmarks/results/logs/<label>-<mode>.log``.

    ``with Server(MODES["eventlet"], "speed") as server:`` starts it (``server.wait_ready()`` then
    waits until the model is loaded); leaving the block stops the whole group (master, worker,
    inference process: SIGTERM, SIGKILL after 10 s). It gets SIGTERM too when the benchmark dies.
    """

    def __init__(self, mode: Mode, label: str, ready_timeout_s: float = 300.0):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        super().__init__({**LIFTED_LIMITS, **mode.env}, LOG_DIR / f"{label}-{mode.name}.log",
                         worker_args=mode.worker_args, stop_grace_s=10.0, ready_timeout_s=ready_timeout_s,
                         die_with_parent=True)
        self.mode = mode

    def describe(self) -> dict:
        """The command line and the app's settings besides the machine's own environment, for the results."""
        command = self.command()
        command[0] = os.path.relpath(command[0], ROOT)
        return {"command": shlex.join(command), "env": self.env}

    def problems(self, limit: int = 5) -> dict:
        """Tracebacks, gunicorn errors and inference restarts in the server's log: count and first lines."""
        found = [line for line in self.log_path.read_text(errors="replace").splitlines() if LOG_PROBLEM.search(line)]
        return {"count": len(found), "first": list(dict.fromkeys(found))[:limit]}

    def log_tail(self, lines: int = 15) -> str:
        return super().log_tail(lines)


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that ``finally`` blocks stop the servers."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


# --- measuring while something runs ---------------------------------------------------------------

def process_role(process: psutil.Process, root_pid: int) -> str:
    """'master' (the root), 'inference' (python -m webapp.serving.worker) or 'worker' for a process of the tree."""
    if process.pid == root_pid:
        return "master"
    try:
        return "inference" if "webapp.serving.worker" in process.cmdline() else "worker"
    except psutil.Error:
        return "worker"


class _Periodic(threading.Thread):
    """Calls ``self.tick()`` every ``interval_s`` until ``stop()``."""

    def __init__(self, interval_s: float):
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self._stopped = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self._stopped.is_set():
            self.tick()
            next_at += self.interval_s
            self._stopped.wait(max(0.0, next_at - time.monotonic()))

    def tick(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stopped.set()
        self.join()


class TreeSampler(_Periodic):
    """CPU % (100 = one core) and resident memory of a process and all its descendants, every second.

    Each sample: ``(t, cpu_percent_by_role, rss_bytes_by_role)`` (roles from ``process_role``); CPU
    counts processes present in two consecutive samples. RSS adds up each process's resident set
    (pages shared by master and worker count twice, as ``ps`` would show them).
    """

    def __init__(self, root_pid: int, interval_s: float = 1.0, exclude_pid: int | None = None):
        super().__init__(interval_s)
        self.root_pid, self.exclude_pid = root_pid, exclude_pid  # exclude: a subtree measured on its own
        self.samples: list[tuple[float, dict, dict]] = []
        self._last: tuple[float, dict] | None = None

    def tick(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        excluded = self._excluded()
        tree = [process for process in tree if process.pid not in excluded]
        now, cpu, rss = time.monotonic(), {}, {}
        for process in tree:
            try:
                times = process.cpu_times()
                memory = process.memory_info().rss
            except psutil.Error:
                continue
            role = process_role(process, self.root_pid)
            cpu[process.pid] = (role, times.user + times.system)
            rss[role] = rss.get(role, 0) + memory
        if self._last is not None:
            then, before = self._last
            used = {}
            for pid, (role, total) in cpu.items():
                if pid in before:
                    used[role] = used.get(role, 0.0) + 100.0 * (total - before[pid][1]) / (now - then)
            self.samples.append((now, used, rss))
        self._last = (now, cpu)

    def _excluded(self) -> set[int]:
        """``exclude_pid`` and its descendants (the server, when the tree is the load generator's)."""
        if self.exclude_pid is None:
            return set()
        try:
            return {self.exclude_pid, *(p.pid for p in psutil.Process(self.exclude_pid).children(recursive=True))}
        except psutil.Error:
            return {self.exclude_pid}

    def summary(self, since: float) -> dict:
        """CPU % (all and by role) and memory (MB: start, end, max, slope per minute over the later two
        thirds, which skips warm-up allocations) since ``since``."""
        samples = [s for s in self.samples if s[0] >= since]
        if not samples:
            return {"samples": 0}
        times = [t - since for t, _, _ in samples]
        later = slice(len(samples) // 3, None)
        roles = sorted({role for _, _, rss in samples for role in rss})
        megabytes = {role: [rss.get(role, 0) / 2**20 for _, _, rss in samples] for role in roles}
        total = [sum(values) for values in zip(*megabytes.values(), strict=True)]
        return {
            "samples": len(samples),
            "cpu_percent": stats((sum(cpu.values()) for _, cpu, _ in samples), digits=0),
            "cpu_percent_mean_by_role": {role: round(float(np.mean([cpu.get(role, 0.0) for _, cpu, _ in samples])))
                                         for role in roles},
            "rss_mb": {"start": round(total[0], 1), "end": round(total[-1], 1), "max": round(max(total), 1),
                       "slope_mb_per_min": _round(slope_per_minute(times[later], total[later]), 2)},
            "rss_mb_end_by_role": {role: round(values[-1], 1) for role, values in megabytes.items()},
            "rss_slope_mb_per_min_by_role": {role: _round(slope_per_minute(times[later], values[later]), 2)
                                             for role, values in megabytes.items()},
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class HealthPoller(_Periodic):
    """``GET /healthz`` every half second, each on a new connection and in its own thread (a stalled
    server delays no later poll): latency, and failures (error, timeout, not ready)."""

    def __init__(self, url: str, interval_s: float = 0.5, timeout_s: float = 10.0):
        super().__init__(interval_s)
        self.url, self.timeout_s = url + "/healthz", timeout_s
        self.latencies: list[float] = []
        self.failures: Counter = Counter()
        self._pool = ThreadPoolExecutor(max_workers=int(timeout_s / interval_s) + 2)

    def tick(self) -> None:
        self._pool.submit(self._poll)

    def _poll(self) -> None:
        start = time.perf_counter()
        try:
            response = requests.get(self.url, timeout=self.timeout_s)
            state = response.json().get("inference") if response.ok else f"http {response.status_code}"
        except (requests.RequestException, ValueError) as exc:
            state = type(exc).__name__
        self.latencies.append(time.perf_counter() - start)
        if state != "ready":
            self.failures[str(state)] += 1

    def stop(self) -> None:
        """Stop polling and wait for the polls in flight (at most ``timeout_s``)."""
        super().stop()
        self._pool.shutdown(wait=True)

    def summary(self) -> dict:
        return {"latency_ms": stats(self.latencies, 1000), "failures": dict(self.failures)}
