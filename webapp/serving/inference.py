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

from webapp.errors import InferenceUnavailableError, UnknownModelError

log = logging.getLogger(__name__)


# --- framing: a 4-byte header length, a JSON header, then the array's raw bytes -------------------

def send_message(sock: socket.socket, header: dict, array: np.ndarray | None = None) -> None:
    payload = b"" if array is None else np.ascontiguousarray(array, np.float32).tobytes()
    head = json.dumps({**header, "nbytes": len(payload)}).encode()
    sock.sendall(struct.pack(">I", len(head)) + head + payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise ConnectionError("inference socket closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_message(sock: socket.socket) -> tuple[dict, np.ndarray | None]:
    (size,) = struct.unpack(">I", _recv_exact(sock, 4))
    header = json.loads(_recv_exact(sock, size))
    if not header["nbytes"]:  # an empty batch (no number found) still has its shape
        return header, (np.zeros(header["shape"], np.float32) if "shape" in header else None)
    data = np.frombuffer(_recv_exact(sock, header["nbytes"]), np.float32)
    return header, data.reshape(header["shape"])


# --- the inference process, seen from the web process --------------------------------------------

@dataclass
class Job:
    model: str | None
    batch: np.ndarray
    done: threading.Event = field(default_factory=threading.Event)
    logits: np.ndarray | None = None
    info: dict | None = None
    error: Exception | None = None
    abandoned: bool = False  # its caller stopped waiting: not worth running
    counted: bool = True  # still counts against max_queued


class ProcessBackend:
    """Sends work to a spawned worker process; batches across callers; restarts a dead or hung worker."""

    def __init__(self, model: str | None = None, store_dir: Path | None = None, timeout_s: float = 10.0,
                 batch_window_s: float = 0.003, max_batch: int = 64, start_timeout_s: float = 120.0,
                 on_status=None, max_queued: int = 128, preload: tuple = ()):
        self.model, self.store_dir, self.preload = model, store_dir, tuple(preload)
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
        if self.state != "ready" and not self._ready.wait(self.timeout_s):
            raise InferenceUnavailableError(f"the model is {self.state}; try again shortly", retry_after=2)
        job = Job(model, batch)
        with self._queued_lock:  # bounded: past max_queued jobs waiting or running, callers get 503 at once
            if self._queued >= self.max_queued:
                raise InferenceUnavailableError(f"the server is overloaded: {self._queued} batches are waiting "
                                                f"for the model (the limit is {self.max_queued})", retry_after=1)
            self._queued += 1
        self.jobs.put(job)
        if not job.done.wait(self.timeout_s * 2):
            job.abandoned = True
            raise InferenceUnavailableError(f"no answer from the inference process within {self.timeout_s * 2:.0f} s",
                                            retry_after=2)
        if job.error:
            raise job.error
        return job.logits, job.info

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
        """The first waiting job plus whatever arrives within the batch window, same model and input shape (a
        detector's pictures come in many sizes), up to max_batch rows."""
        try:
            first = self.jobs.get(timeout=0.5)
        except queue.Empty:
            return []
        if first is None:
            return []
        if first.abandoned:  # its caller gave up (a hung worker, a long restart): drop it
            self._release(first)
            return []
        jobs, rows = [first], len(first.batch)
        deadline = time.monotonic() + self.batch_window_s
        while rows < self.max_batch:
            try:
                job = self.jobs.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if job is None or job.model != first.model or job.batch.shape[1:] != first.batch.shape[1:]:
                self.jobs.put(job)  # another model's (or shape's) work waits for the next round
                break
            jobs.append(job)
            rows += len(job.batch)
        return jobs

    def _run(self, jobs: list[Job]) -> None:
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
