"""Helpers for the robustness tests: pictures of numbers, error checks, processes, gunicorn, real Socket.IO clients."""
from __future__ import annotations

import functools
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from api_checks import error_of  # noqa: F401  (re-exported for the tests)
from polling import wait_until  # noqa: F401  (re-exported for the tests)

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]  # the repository
GUNICORN = Path(sys.executable).with_name("gunicorn")
READY_TIMEOUT_S = 240  # gunicorn plus a worker starting TensorFlow on a busy 2-core machine


# --- waiting and checking --------------------------------------------------------------------------

class SlowReads:
    """Wraps a recognizer's ``recognize`` to take ``delay_s`` longer, counting how many calls ran at once
    (``most``): how the tests make the server busy and see how much of it reads at the same time."""

    def __init__(self, recognize, delay_s: float):
        self.recognize, self.delay_s = recognize, delay_s
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, data, model=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.delay_s)
            return self.recognize(data, model)
        finally:
            with self.lock:
                self.running -= 1


def slow_down(service, monkeypatch, delay_s: float) -> SlowReads:
    """Make ``service``'s recognizer ``delay_s`` slower for one test; the returned SlowReads counts."""
    slow = SlowReads(service.recognizer.recognize, delay_s)
    monkeypatch.setattr(service.recognizer, "recognize", slow)
    return slow


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, float), q))


# --- pictures -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _typical_digits() -> dict[int, np.ndarray]:
    """Per digit, the MNIST *test* image closest to its class mean: ones any decent model reads."""
    from training.datasets import load_test_digits

    digits = load_test_digits()
    images = digits.images.astype(np.float32)
    best = {}
    for label in range(10):
        group = images[digits.labels == label]
        flat = group.reshape(len(group), -1)
        flat = flat - flat.mean(axis=1, keepdims=True)
        mean = flat.mean(axis=0)
        score = flat @ mean / (np.linalg.norm(flat, axis=1) * np.linalg.norm(mean) + 1e-9)
        best[label] = group[int(np.argmax(score))]
    return best


def number_page(text: str = "4071", size: tuple[int, int] = (480, 200), height: int = 56) -> np.ndarray:
    """``text`` handwritten (MNIST test digits), dark on a white page of ``size`` (W, H): uint8 gray."""
    import cv2

    glyphs = []
    for ch in text:
        image = _typical_digits()[int(ch)]
        ys, xs = np.nonzero(image > 40)
        crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] / 255.0
        width = max(2, round(crop.shape[1] * height / crop.shape[0]))
        glyphs.append(np.clip(cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC), 0, 1))
    gap = int(0.35 * height)
    ink = np.zeros((height, sum(g.shape[1] for g in glyphs) + gap * (len(glyphs) - 1)), np.float32)
    x = 0
    for glyph in glyphs:
        ink[:, x : x + glyph.shape[1]] = glyph
        x += glyph.shape[1] + gap
    page = np.zeros((size[1], size[0]), np.float32)
    top, left = (size[1] - height) // 2, (size[0] - ink.shape[1]) // 2
    page[top : top + height, left : left + ink.shape[1]] = ink
    return (255 * (1 - page)).astype(np.uint8)


def encode(array: np.ndarray, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **params)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def number_png(text: str = "4071") -> bytes:
    return encode(number_page(text))


@functools.lru_cache(maxsize=2)
def big_photo(seed: int = 0) -> bytes:
    """A 12 MP JPEG photo of a number on grainy paper (about 2-3 MB): a slow-ish upload to read."""
    rng = np.random.default_rng(seed)
    page = number_page("4071", size=(4000, 3000), height=600).astype(np.int16)
    page = page + rng.integers(-25, 25, page.shape, dtype=np.int16)
    return encode(np.clip(page, 0, 255).astype(np.uint8), "JPEG", quality=92)


# --- processes -------------------------------------------------------------------------------------

def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory in MB from /proc (None when the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def descendants(root: int) -> list[int]:
    """Every living process below ``root`` (from /proc; no psutil in the test extras)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                parents[int(entry.name)] = parent
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def state_of(pid: int) -> str | None:
    """The one-letter state in /proc/PID/stat (R, S, T for stopped, Z for zombie), None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def alive(pid: int) -> bool:
    return state_of(pid) not in (None, "Z", "X")


def inference_workers(root: int) -> list[int]:
    """Living ``python -m webapp.serving.worker`` processes below ``root``."""
    return [pid for pid in descendants(root) if "webapp.serving.worker" in cmdline(pid) and alive(pid)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, timeout: float = 5.0):
    """(status, JSON body or None, headers) of a GET; (None, None, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body), exc.headers
        except ValueError:
            return exc.code, None, exc.headers
    except (OSError, ValueError):
        return None, None, None


def post_image(url: str, data: bytes, timeout: float = 60.0, client: str | None = None, **params):
    """POST raw image bytes to /api/v1/recognize; (status, JSON body, headers). ``client`` is sent as
    X-Forwarded-For (the test servers trust one proxy), so each test has limits of its own."""
    from urllib.parse import urlencode

    query = f"?{urlencode(params)}" if params else ""
    request = urllib.request.Request(f"{url}/api/v1/recognize{query}", data=data, method="POST",
                                     headers={"Content-Type": "application/octet-stream",
                                              **({"X-Forwarded-For": client} if client else {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body), exc.headers
        except ValueError:
            return exc.code, {"raw": body[:300].decode(errors="replace")}, exc.headers


# --- gunicorn --------------------------------------------------------------------------------------

@dataclass
class Gunicorn:
    """The app exactly as production serves it (gunicorn, eventlet, one worker, the spawned inference
    process), on a free loopback port, in a process group of its own."""

    env: dict
    log_path: Path
    graceful_timeout_s: float = 30.0
    process: subprocess.Popen | None = None
    port: int = 0
    started_at: float = 0.0
    ready_after_s: float | None = None  # start to ready: gunicorn plus a cold inference process, on this machine

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        self.port = free_port()
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **self.env}
        command = [str(GUNICORN), "-k", "eventlet", "-w", "1", "-b", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", str(int(self.graceful_timeout_s)), "webapp:create_app()"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            status, body, _ = http_json(self.url + "/healthz", timeout=3)
            if status == 200 and body.get("inference") == "ready":
                self.ready_after_s = time.monotonic() - self.started_at
                return
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn not ready within {timeout:.0f} s (last /healthz {status} {body}):\n"
                                     f"{self.log_tail()}")
            time.sleep(0.25)

    @property
    def worker_pid(self) -> int:
        """The gunicorn worker (the web process), child of the master."""
        children = [pid for pid in descendants(self.process.pid) if _parent_of(pid) == self.process.pid
                    and "webapp.serving.worker" not in cmdline(pid) and alive(pid)]
        assert len(children) == 1, f"expected one gunicorn worker, found {children}"
        return children[0]

    def inference_pid(self) -> int:
        pids = inference_workers(self.process.pid)
        assert len(pids) == 1, f"expected one inference process, found {pids}:\n{self.log_tail()}"
        return pids[0]

    def group_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and alive(int(entry.name)):
                try:
                    if os.getpgid(int(entry.name)) == self.process.pid:
                        pids.append(int(entry.name))
                except OSError:
                    pass
        return pids

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Kill the whole group (master, worker, inference process), whatever state it is in."""
        if self.process is None:
            return
        for sig in (signal.SIGCONT, signal.SIGKILL):  # SIGCONT: a test may have stopped a process
            try:
                os.killpg(self.process.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        # the inference process of a killed worker may have left the group's session: by parent
        for pid in inference_workers(self.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --- real Socket.IO clients ------------------------------------------------------------------------

class SocketClient:
    """A python-socketio Client on the websocket transport that records every event with its arrival time."""

    def __init__(self, url: str, headers: dict | None = None, reconnection: bool = False):
        import socketio

        self.sio = socketio.Client(reconnection=reconnection)
        self.events: list[tuple[float, str, object]] = []
        self.disconnects: list[tuple[float, object]] = []
        self.lock = threading.Lock()
        self.sent: dict[int, float] = {}

        for name in ("status", "result", "error"):
            self.sio.on(name, functools.partial(self._record, name))

        @self.sio.event
        def disconnect(reason=None):
            with self.lock:
                self.disconnects.append((time.monotonic(), reason))

        self.sio.connect(url, transports=["websocket"], headers=headers or {}, wait_timeout=20)

    def _record(self, name, payload=None):
        with self.lock:
            self.events.append((time.monotonic(), name, payload))

    def send_frame(self, seq: int, image: bytes, **extra) -> None:
        self.sent[seq] = time.monotonic()
        self.sio.emit("frame", {"seq": seq, "image": image, **extra})

    def answers(self, seq: int) -> list[tuple[float, str, dict]]:
        with self.lock:
            return [(t, name, p) for t, name, p in self.events
                    if name in ("result", "error") and isinstance(p, dict) and p.get("seq") == seq]

    def wait_answer(self, seq: int, timeout: float) -> tuple[float, str, dict]:
        return wait_until(lambda: (self.answers(seq) or [None])[0], timeout, f"an answer to frame {seq}", 0.005)

    def named(self, name: str) -> list[tuple[float, object]]:
        with self.lock:
            return [(t, p) for t, n, p in self.events if n == name]

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass
