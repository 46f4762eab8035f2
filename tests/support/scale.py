"""What the scale-out tests drive: a real redis-server, web processes, inference workers, Socket.IO clients.

Everything is a subprocess on a free loopback port, in a process group of its own, killed when the
module's tests end (pass or fail). The web processes are served exactly as in production (gunicorn,
eventlet worker: ``tests.support.servers.Gunicorn``) and configured only through ``DIGIT_READER_*``
variables; the workers are
``python -m webapp.serving.redis_worker`` with the repository's default model.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import redis
import socketio

from tests.support import ROOT
from tests.support.polling import wait_until
from tests.support.servers import Gunicorn, free_port
from training.scenes import synth
from training.sources import datasets
from webapp.serving.redis_backend import WORKERS_PREFIX, alive_workers

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
CLAIM_IDLE_MS = 2000  # short, so a killed worker's requests are taken over quickly
INFERENCE_TIMEOUT_S = 15  # the web processes wait twice this for a reply: well past a claim
READY_TIMEOUT_S = 180.0  # TensorFlow's start on two shared cores


class Process:
    """A subprocess in its own process group, its output in a log file; ``kill`` ends the whole group."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict | None = None):
        self.name, self.log_path = name, log_path
        with open(log_path, "ab") as log:
            self.popen = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait()

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class RedisServer:
    """redis-server on a free loopback port, without persistence: after ``kill`` and ``start`` it is
    empty, as after a crash."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_dir / "redis.log"
        self.process: Process | None = None

    def start(self) -> None:
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = Process("redis", args, self.log_path)
        wait_until(self._answers, 10, f"redis-server on port {self.port} (log: {self.log_path})", 0.1)

    def kill(self) -> None:
        if self.process:
            self.process.kill()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def _answers(self) -> bool:
        if not self.process.alive:
            raise RuntimeError(f"redis-server exited with {self.process.popen.returncode}:\n{self.process.log_tail()}")
        try:
            with self.client() as client:
                return client.ping()
        except redis.RedisError:  # not listening yet
            return False


class Cluster:
    """Two gunicorn+eventlet web processes and two inference workers around one Redis."""

    def __init__(self, redis_server: RedisServer, log_dir: Path):
        self.redis, self.log_dir = redis_server, log_dir
        self.workers: dict[str, Process] = {}
        self.webs: list[tuple[str, Gunicorn]] = []  # (base URL, server)

    def start_worker(self, name: str) -> None:
        args = [sys.executable, "-m", "webapp.serving.redis_worker", "--redis", self.redis.url, "--name", name,
                "--claim-idle-ms", str(CLAIM_IDLE_MS)]
        # one TensorFlow thread each: the machine's two cores are shared with the web processes
        env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
               "TF_NUM_INTEROP_THREADS": "1"}
        self.workers[name] = Process(name, args, self.log_dir / f"{name}.log", env)

    def start_web(self) -> None:
        env = {"PYTHONPATH": str(ROOT), "DIGIT_READER_INFERENCE": "redis", "DIGIT_READER_REDIS_URL": self.redis.url,
               "DIGIT_READER_INFERENCE_TIMEOUT_S": str(INFERENCE_TIMEOUT_S)}
        web = Gunicorn(env, self.log_dir / f"web{len(self.webs) + 1}.log").start()
        self.webs.append((web.url, web))

    def ensure_workers(self) -> None:
        """Replace workers that a test killed; wait until every web process counts them all."""
        for name, process in list(self.workers.items()):
            if not process.alive:
                # the killed worker's heartbeat lives until its TTL and would count its replacement as up
                with self.redis.client() as client:
                    client.delete(WORKERS_PREFIX + name)
                self.start_worker(name)
        self.wait_ready()

    def wait_ready(self) -> None:
        """Every worker's heartbeat is in Redis, and every web process is ready and counts them all."""

        def ready():
            self._check_alive()
            try:
                with self.redis.client() as client:
                    if len(alive_workers(client)) < len(self.workers):
                        return False
            except redis.RedisError:  # Redis not up yet
                return False
            return all(self._counts_all(self.health(url)) for url, _ in self.webs)

        try:
            wait_until(ready, READY_TIMEOUT_S, "every web process ready with all workers", 0.5)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.logs()}") from None

    def _counts_all(self, health: dict) -> bool:
        return health.get("inference") == "ready" and health.get("workers") == len(self.workers)

    @staticmethod
    def health(url: str) -> dict:
        """/healthz of one web process; {} while it does not answer."""
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            return {}

    def _check_alive(self) -> None:
        for _, web in self.webs:
            if not web.running:
                raise RuntimeError(f"{web.log_path.stem} exited:\n{web.log_tail(20)}")

    def logs(self) -> str:
        logs = [(web.log_path.stem, web.log_tail(20)) for _, web in self.webs]
        logs += [(worker.name, worker.log_tail()) for worker in self.workers.values()]
        return "\n".join(f"--- {name} ---\n{tail}" for name, tail in logs)

    def stop(self) -> None:
        for _, web in self.webs:
            web.stop()
        for worker in self.workers.values():
            worker.kill()


class Reader:
    """A Socket.IO client on one web process: sends frames one at a time, records every answer by seq."""

    def __init__(self, url: str):
        self.answers: dict[int, tuple[str, dict]] = {}
        self._arrived = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("result", lambda payload: self._record("result", payload))
        self.sio.on("error", lambda payload: self._record("error", payload))
        self.sio.connect(url, transports=["websocket"], wait_timeout=10)

    def _record(self, kind: str, payload: dict) -> None:
        with self._arrived:
            self.answers[payload.get("seq")] = (kind, payload)
            self._arrived.notify_all()

    def read(self, seq: int, image: bytes, timeout_s: float = 60.0) -> tuple[str, dict]:
        """Send frame ``seq`` and wait for its answer: ("result" | "error", payload)."""
        with self._arrived:
            self.answers.pop(seq, None)  # an answer to an earlier frame with this seq is not this one's
        self.sio.emit("frame", {"seq": seq, "image": image})
        with self._arrived:
            if not self._arrived.wait_for(lambda: seq in self.answers, timeout_s):
                raise TimeoutError(f"no answer to frame {seq} within {timeout_s:.0f} s")
            return self.answers[seq]

    def close(self) -> None:
        self.sio.disconnect()


def number_images(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """``count`` (text, PNG) pairs: numbers of 2 to 4 MNIST test digits drawn as on the canvas."""
    generator = synth.SequenceGenerator(datasets.load_test_digits(),
                                        synth.SynthConfig(min_length=2, max_length=4, realistic=False), seed=seed)
    rng = generator.rng(0)
    images = []
    for _ in range(count):
        sample = generator.sample(rng)
        ink = cv2.resize(sample.image, None, fx=64 / sample.image.shape[0], fy=64 / sample.image.shape[0],
                         interpolation=cv2.INTER_AREA)
        canvas = np.full((ink.shape[0] + 80, ink.shape[1] + 80), 255, np.uint8)  # white paper around it
        canvas[40 : 40 + ink.shape[0], 40 : 40 + ink.shape[1]] = ink
        images.append((sample.text, cv2.imencode(".png", canvas)[1].tobytes()))
    return images
