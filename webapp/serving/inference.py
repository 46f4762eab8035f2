"""The model in a spawned inference process, seen from the web process: ``ProcessBackend``.

It keeps TensorFlow out of the web process: it starts ``python -m webapp.serving.worker`` (a fresh
interpreter: TensorFlow is not fork-safe), talks to it over a socket pair, and merges the requests of
all clients into batches. It waits only on sockets and events, which eventlet makes green, so the web
process keeps serving while the model computes. A worker that dies or hangs is replaced; the callers
waiting on it get InferenceUnavailableError.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from webapp import errors
from webapp.errors import DigitReaderError, InferenceUnavailableError, UnknownModelError

log = logging.getLogger(__name__)


# --- framing: a 4-byte header length, a JSON header, then the payload's raw bytes ----------------
# The payload is a float32 array (the header has its "shape"), or image bytes end to end (the header has their
# "lengths"), or nothing.

def send_message(sock: socket.socket, header: dict, payload: np.ndarray | list[bytes] | None = None) -> None:
    if isinstance(payload, list):
        header, payload = {**header, "lengths": [len(image) for image in payload]}, b"".join(payload)
    elif payload is not None:
        payload = np.ascontiguousarray(payload, np.float32).tobytes()
    head = json.dumps({**header, "nbytes": len(payload or b"")}).encode()
    sock.sendall(struct.pack(">I", len(head)) + head + (payload or b""))


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError("inference socket closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_message(sock: socket.socket) -> tuple[dict, np.ndarray | list[bytes] | None]:
    (size,) = struct.unpack(">I", _recv_exact(sock, 4))
    header = json.loads(_recv_exact(sock, size))
    data = _recv_exact(sock, header["nbytes"]) if header["nbytes"] else b""
    if "lengths" in header:
        ends = np.cumsum([0] + header["lengths"])
        return header, [data[a:b] for a, b in zip(ends[:-1], ends[1:])]
    if "shape" in header:  # an empty batch (no number found) still has its shape
        return header, np.frombuffer(data, np.float32).reshape(header["shape"])
    return header, None


def error_payload(exc: DigitReaderError) -> dict:
    """A domain error raised in the inference process, as the web process rebuilds it (``rebuilt_error``)."""
    return {"type": type(exc).__name__, "message": exc.message, "retry_after": exc.retry_after}


def rebuilt_error(payload: dict) -> Exception:
    """The domain error the inference process raised (``error_payload``); a RuntimeError for anything else."""
    kind = getattr(errors, payload.get("type", ""), None)
    if isinstance(kind, type) and issubclass(kind, DigitReaderError):
        return kind(payload["message"], retry_after=payload.get("retry_after"))
    return RuntimeError(payload.get("message", "the inference process failed"))


# --- the inference process, seen from the web process --------------------------------------------

SECONDS_PER_MB = 2.0  # more time a batch of images may take in the inference process, per MB of image files


@dataclass
class Job:
    model: str | None
    batch: np.ndarray | None  # lines or pictures for the model; None for images read whole
    images: list[bytes] | None = None  # image files to read whole (decode, find, read) in the inference process
    done: threading.Event = field(default_factory=threading.Event)
    logits: np.ndarray | None = None  # or, for images, the recognizer's answer for each (a dict or an error)
    info: dict | None = None
    error: Exception | None = None
    abandoned: bool = False  # its caller stopped waiting: not worth running
    counted: bool = True  # still counts against max_queued
    queued_at: float = field(default_factory=time.perf_counter)
    sent_at: float = 0.0  # when its round went to the worker
    answered_at: float = 0.0

    @property
    def kind(self) -> tuple:
        """Jobs of one kind share a batch: images for one model, or inputs of one model and shape."""
        return ("images", self.model) if self.images is not None else (self.model, self.batch.shape[1:])

    @property
    def rows(self) -> int:
        return len(self.images) if self.images is not None else len(self.batch)

    @property
    def image_mb(self) -> float:
        return sum(len(image) for image in self.images or ()) / 2**20


class ProcessBackend:
    """Sends work to a spawned worker process; batches across callers; restarts a dead or hung worker.

    With ``reader`` (the Recognizer's settings: max_pixels, min_confidence, finder, detector), the worker also
    reads whole images (``recognize``): decoding, finding and reading happen there, several callers' images at
    once (up to ``max_images``), and the web process only passes bytes and answers.
    """

    def __init__(self, model: str | None = None, store_dir: Path | None = None, timeout_s: float = 10.0,
                 batch_window_s: float = 0.0, max_batch: int = 64, start_timeout_s: float = 120.0,
                 on_status=None, max_queued: int = 128, preload: tuple = (), reader: dict | None = None,
                 max_images: int = 8):
        self.model, self.store_dir, self.preload, self.reader = model, store_dir, tuple(preload), reader
        self.max_images = max_images
        self.max_queued, self._queued, self._queued_lock = max_queued, 0, threading.Lock()
        self.timeout_s, self.batch_window_s, self.max_batch = timeout_s, batch_window_s, max_batch
        self.start_timeout_s = start_timeout_s
        self.on_status = on_status or (lambda state, info: None)
        self.jobs: queue.Queue[Job] = queue.Queue()
        self.state, self.info, self.process, self.sock = "loading", {"name": model, "version": None}, None, None
        self.restarts = 0
        self._stopping = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="inference-dispatcher", daemon=True)

    def start(self) -> "ProcessBackend":
        self._thread.start()
        return self

    @property
    def device(self) -> str | None:
        return self.info.get("device")

    # public API ------------------------------------------------------------------------------------
    def predict(self, model: str | None, batch: np.ndarray) -> tuple[np.ndarray, dict]:
        """Queue ``batch`` and wait (green under eventlet) for its logits."""
        job = self._wait(Job(model, batch), self.timeout_s * 2)
        return job.logits, job.info

    def recognize(self, data: bytes, model: str | None = None) -> dict:
        """Image bytes read whole in the worker (needs ``reader``): the recognizer's answer, or its error."""
        if self.reader is None:
            raise RuntimeError("this ProcessBackend was started without reader settings")
        job = Job(model, None, images=[data])
        (answer,) = self._wait(job, self.timeout_s * 2 + SECONDS_PER_MB * job.image_mb).logits
        if isinstance(answer, Exception):
            raise answer
        # the worker's own stages, and this side's: waiting for a round, the round there and back
        answer["timing_ms"].update(queue=round((job.sent_at - job.queued_at) * 1000, 2),
                                   round=round((job.answered_at - job.sent_at) * 1000, 2))
        return answer

    def _wait(self, job: Job, timeout_s: float) -> Job:
        """Queue ``job`` (bounded by max_queued) and wait for it: done, or its error raised."""
        if self.state != "ready" and not self._ready.wait(self.timeout_s):
            raise InferenceUnavailableError(f"the model is {self.state}; try again shortly", retry_after=2)
        with self._queued_lock:  # bounded: past max_queued jobs waiting or running, callers get 503 at once
            if self._queued >= self.max_queued:
                raise InferenceUnavailableError(f"the server is overloaded: {self._queued} batches are waiting "
                                                f"for the model (the limit is {self.max_queued})", retry_after=1)
            self._queued += 1
        self.jobs.put(job)
        if not job.done.wait(timeout_s):
            job.abandoned = True
            raise InferenceUnavailableError(f"no answer from the inference process within {timeout_s:.0f} s",
                                            retry_after=2)
        if job.error:
            raise job.error
        return job

    def stop(self) -> None:
        self._stopping = True
        self.jobs.put(None)  # wake the dispatcher
        self._kill()

    # the dispatcher --------------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stopping:
            try:
                self._spawn()
            except Exception as exc:  # the worker could not start: say so, retry after a pause
                log.error("inference process failed to start: %s", exc)
                self._set_state("error", {"message": str(exc)})
                self._fail_waiting(InferenceUnavailableError(f"the inference process cannot start: {exc}"))
                time.sleep(2)
                continue
            self._dispatch_until_failure()
            if not self._stopping:
                self.restarts += 1
                self._set_state("restarting", self.info)

    def _spawn(self) -> None:
        self._kill()
        parent, child = socket.socketpair()
        args = [sys.executable, "-m", "webapp.serving.worker", "--fd", str(child.fileno())]
        if self.model:
            args += ["--model", str(self.model)]
        if self.store_dir:
            args += ["--store", str(self.store_dir)]
        for name in self.preload:
            args += ["--preload", str(name)]
        if self.reader is not None:
            args += ["--reader", json.dumps(self.reader)]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        self.process = subprocess.Popen(args, pass_fds=[child.fileno()], env=env)
        child.close()
        self.sock = parent
        self.sock.settimeout(self.start_timeout_s)
        header, _ = recv_message(self.sock)  # the worker says hello once its model is loaded and warm
        if "error" in header:
            raise RuntimeError(header["error"]["message"])
        self.info = header["info"]
        self._set_state("ready", self.info)

    def _dispatch_until_failure(self) -> None:
        while not self._stopping:
            jobs = self._collect()
            if self.process.poll() is not None:  # died while idle: replace it before anyone waits on it
                log.error("inference process exited with %s; restarting it", self.process.returncode)
                self._ready.clear()
                for job in jobs:
                    self.jobs.put(job)
                return
            if not jobs:
                continue
            try:
                self.sock.settimeout(self.timeout_s)
                self._run(jobs)
            except Exception as exc:
                # died (EOF), hung (timeout) or answered nonsense: these callers get an error, the worker is replaced
                log.error("inference process failed (%s); restarting it", exc)
                self._ready.clear()
                for job in jobs:
                    self._finish(job, error=InferenceUnavailableError("the inference process stopped; it is being "
                                                                      "restarted, try again shortly", retry_after=2))
                return

    def _collect(self) -> list[Job]:
        """The first waiting job plus what is waiting already or arrives within the batch window, of its kind
        (same model and input shape: a detector's pictures come in many sizes; or images to read), up to
        max_batch rows (max_images images)."""
        try:
            first = self.jobs.get(timeout=0.5)
        except queue.Empty:
            return []
        if first is None:
            return []
        if first.abandoned:  # its caller gave up (a hung worker, a long restart): drop it
            self._release(first)
            return []
        jobs, rows = [first], first.rows
        limit = self.max_images if first.images is not None else self.max_batch
        deadline = time.monotonic() + self.batch_window_s
        while rows < limit:
            try:
                job = self.jobs.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if job is None or job.kind != first.kind:
                self.jobs.put(job)  # another model's (or shape's) work waits for the next round
                break
            jobs.append(job)
            rows += job.rows
        return jobs

    def _run(self, jobs: list[Job]) -> None:
        if jobs[0].images is not None:
            return self._read_images(jobs)
        batch = np.concatenate([job.batch for job in jobs]) if len(jobs) > 1 else jobs[0].batch
        send_message(self.sock, {"model": jobs[0].model, "shape": list(batch.shape)}, batch)
        header, logits = recv_message(self.sock)
        if "error" in header:
            error = UnknownModelError(header["error"]["message"]) if header["error"]["type"] == "unknown_model" \
                else InferenceUnavailableError(header["error"]["message"])
            for job in jobs:
                self._finish(job, error=error)
            return
        offset = 0
        for job in jobs:
            self._finish(job, logits=logits[offset : offset + len(job.batch)], info=header["info"])
            offset += len(job.batch)

    def _read_images(self, jobs: list[Job]) -> None:
        """Images of several callers read in one round: each gets its answer or its own error."""
        images = [image for job in jobs for image in job.images]
        self.sock.settimeout(self.timeout_s + SECONDS_PER_MB * sum(job.image_mb for job in jobs))
        sent_at = time.perf_counter()
        send_message(self.sock, {"model": jobs[0].model, "read": True}, images)
        header, _ = recv_message(self.sock)
        for job in jobs:
            job.sent_at, job.answered_at = sent_at, time.perf_counter()
        if "error" in header:  # the whole round failed (an unknown model)
            error = rebuilt_error(header["error"])
            for job in jobs:
                self._finish(job, error=error)
            return
        answers = iter(header["answers"])
        for job in jobs:
            results = [rebuilt_error(a["error"]) if "error" in a else a for a in (next(answers) for _ in job.images)]
            self._finish(job, logits=results, info=None)

    # helpers ---------------------------------------------------------------------------------------
    def _finish(self, job: Job, logits=None, info=None, error=None) -> None:
        job.logits, job.info, job.error = logits, info, error
        self._release(job)
        job.done.set()

    def _release(self, job: Job) -> None:
        with self._queued_lock:
            if job.counted:
                job.counted = False
                self._queued -= 1

    def _fail_waiting(self, error: Exception) -> None:
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._finish(job, error=error)

    def _set_state(self, state: str, info: dict) -> None:
        self.state = state
        (self._ready.set if state == "ready" else self._ready.clear)()
        try:
            self.on_status(state, info)
        except Exception:  # a listener's failure must not stop inference
            log.exception("status listener failed")

    def _kill(self) -> None:
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
