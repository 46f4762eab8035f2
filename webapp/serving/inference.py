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
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from webapp import errors
from webapp.errors import DigitReaderError, InferenceUnavailableError

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


def rebuilt_error(payload: dict, otherwise=RuntimeError) -> Exception:
    """The domain error the inference process raised (``error_payload``); ``otherwise`` for anything else (a bug
    there: RuntimeError, an internal error for the client)."""
    kind = getattr(errors, payload.get("type", ""), None)
    if isinstance(kind, type) and issubclass(kind, DigitReaderError):
        return kind(payload["message"], retry_after=payload.get("retry_after"))
    return otherwise(payload.get("message", "the inference process failed"))


# --- the inference process, seen from the web process --------------------------------------------

SECONDS_PER_MB = 2.0  # more time a batch of images may take in the inference process, per MB of image files
ROUNDS_IN_FLIGHT = 2  # rounds sent before the first is answered: the worker reads one while it answers another


def _stopped() -> InferenceUnavailableError:
    """What a caller of a worker that died or hung is told (each its own: raised in its own thread)."""
    return InferenceUnavailableError("the inference process stopped; it is being restarted, try again shortly",
                                     retry_after=2)


class _Link:
    """The rounds in flight on one worker's socket, in the order sent (the worker answers in that order), and
    whether the link failed. Shared by the dispatcher (sends) and the receiver (answers)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.failure = sock, None
        self.rounds: deque[tuple[list[Job], float]] = deque()  # (jobs, seconds its answer may take)
        self.changed = threading.Condition()

    def add(self, jobs: list[Job], timeout_s: float) -> None:
        with self.changed:
            self.rounds.append((jobs, timeout_s))
            self.changed.notify_all()

    def wait_for_room(self) -> bool:
        """Until fewer than ROUNDS_IN_FLIGHT rounds are out; False if the link failed."""
        with self.changed:
            while self.failure is None and len(self.rounds) >= ROUNDS_IN_FLIGHT:
                self.changed.wait(0.5)
            return self.failure is None

    def head(self) -> tuple[list[Job], float] | None:
        """The oldest round in flight, once there is one; None if the link failed."""
        with self.changed:
            while self.failure is None and not self.rounds:
                self.changed.wait(0.5)
            return self.rounds[0] if self.failure is None else None

    def pop(self) -> None:
        with self.changed:
            self.rounds.popleft()
            self.changed.notify_all()

    def fail(self, exc: Exception) -> None:
        with self.changed:
            if self.failure is None:
                self.failure = exc
            self.changed.notify_all()

    def drain(self) -> list[list[Job]]:
        """The rounds never answered (the link closed)."""
        with self.changed:
            self.failure = self.failure or ConnectionError("closed")
            rounds, self.rounds = [jobs for jobs, _ in self.rounds], deque()
            self.changed.notify_all()
            return rounds


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
        """Send rounds while the worker reads: up to ROUNDS_IN_FLIGHT at once (it works on the next while it
        answers the last); a receiver takes the answers, which come in order. Returns when the worker died or
        hung: every caller of a round in flight or queued gets an error, and the worker is replaced."""
        link = _Link(self.sock)
        threading.Thread(target=self._receive, args=(link,), name="inference-receiver", daemon=True).start()
        try:
            while not self._stopping and link.wait_for_room():
                jobs = self._collect()
                if self.process.poll() is not None:  # died while idle: replace it before anyone waits on it
                    log.error("inference process exited with %s; restarting it", self.process.returncode)
                    for job in jobs:
                        self.jobs.put(job)
                    return
                if jobs:
                    self._send(link, jobs)
        except Exception as exc:  # sending failed: the worker is gone or stuck
            link.fail(exc)
        finally:
            if not self._stopping:  # callers from now on wait for the new worker instead of queueing for this one
                self._set_state("restarting", self.info)
            if link.failure is not None:
                log.error("inference process failed (%s); restarting it", link.failure)
                # the callers queued behind the failed rounds too: a restart takes longer than they would wait, and
                # until they give up they would count against max_queued for the new worker
                self._fail_waiting(_stopped())
            self._kill()  # the receiver's recv ends
            for jobs in link.drain():
                for job in jobs:
                    self._finish(job, error=_stopped())

    def _receive(self, link: "_Link") -> None:
        """The answers of the rounds in flight, in order, each to its callers; a death, a hang (no answer within
        the round's time) or nonsense fails the link."""
        try:
            while (head := link.head()) is not None:
                jobs, timeout_s = head
                link.sock.settimeout(timeout_s)
                header, payload = recv_message(link.sock)
                link.pop()
                self._answer(jobs, header, payload)
        except Exception as exc:
            link.fail(exc)
            self.jobs.put(None)  # wake the dispatcher: it replaces the worker at once

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

    def _send(self, link: "_Link", jobs: list[Job]) -> None:
        """One round to the worker: images to read whole, or one batch for the model."""
        if jobs[0].images is not None:
            images = [image for job in jobs for image in job.images]
            link.add(jobs, self.timeout_s + SECONDS_PER_MB * sum(job.image_mb for job in jobs))
            sent_at = time.perf_counter()
            for job in jobs:
                job.sent_at = sent_at
            send_message(link.sock, {"model": jobs[0].model, "read": True}, images)
            return
        batch = np.concatenate([job.batch for job in jobs]) if len(jobs) > 1 else jobs[0].batch
        link.add(jobs, self.timeout_s)
        send_message(link.sock, {"model": jobs[0].model, "shape": list(batch.shape)}, batch)

    def _answer(self, jobs: list[Job], header: dict, payload) -> None:
        """A round's answer to its callers: each its rows of logits, or each image's answer or error."""
        answered_at = time.perf_counter()
        if "error" in header:  # the whole round failed (an unknown model, a batch the model refused)
            error = rebuilt_error(header["error"], otherwise=InferenceUnavailableError)
            for job in jobs:
                self._finish(job, error=error)
            return
        if "answers" in header:
            answers = iter(header["answers"])
            for job in jobs:
                job.answered_at = answered_at
                self._finish(job, logits=[rebuilt_error(a["error"]) if "error" in a else a
                                          for a in (next(answers) for _ in job.images)])
            return
        offset = 0
        for job in jobs:
            self._finish(job, logits=payload[offset : offset + len(job.batch)], info=header["info"])
            offset += len(job.batch)

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
