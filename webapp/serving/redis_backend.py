"""Inference through Redis Streams, for several web processes and workers on other machines (GPU boxes).

``RedisBackend`` has ``ProcessBackend``'s interface (``predict``, ``state``, ``info``, ``start``,
``stop``, ``on_status``); ``ReaderService.from_config`` picks it when ``INFERENCE`` is ``"redis"``.
Workers are ``python -m webapp.serving.redis_worker`` processes, anywhere that reaches Redis.

What travels through Redis (every name starts with ``digit-reader:``):

* ``digit-reader:requests``: a stream read by the consumer group ``workers``. One entry per
  ``predict`` call: ``job`` (id), ``reply`` (the caller's reply stream), ``model`` ("" for the
  worker's default), ``shape`` ("n,32,256,1") and ``data`` (the float32 batch's bytes). Workers
  acknowledge and delete an entry once answered, and the stream is capped (MAXLEN ~), so a queue
  that no worker drains drops its oldest requests instead of growing without bound.
* ``digit-reader:replies:<web id>``: one stream per web process. Each entry has ``job`` and either
  ``info`` (JSON), ``shape`` and ``data`` (float32 logits), or ``error`` (JSON ``{"type", "message"}``).
  Capped too, and it expires ``REPLY_TTL_S`` after its last reply, so a web process that went away
  leaves nothing behind.
* ``digit-reader:workers:<consumer>``: each live worker's heartbeat, JSON ``{"consumer", "name",
  "version", "decoder", "alphabet", "device"}``, with a TTL: ``alive_workers`` counts them for /healthz.

Needs Redis 7.0 or later (XAUTOCLAIM as the workers use it). The reader thread waits only in
``XREAD ... BLOCK`` on a socket and on Events, which eventlet's monkey patching makes green, so the
web process keeps serving while requests are out.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from webapp.errors import InferenceUnavailableError, UnknownModelError
from webapp.serving.inference import Job

log = logging.getLogger(__name__)

REQUESTS = "digit-reader:requests"
GROUP = "workers"
REPLIES_PREFIX = "digit-reader:replies:"
WORKERS_PREFIX = "digit-reader:workers:"
REQUESTS_MAXLEN = 1000  # waiting requests kept (about 32 KB per number in them); older ones are dropped
REPLIES_MAXLEN = 1000
REPLY_TTL_S = 60
HEARTBEAT_TTL_S = 10  # a worker not heard from for this long counts as dead
BLOCK_MS = 1000  # how long one XREAD waits: bounds how late the reader notices stop() or a dead Redis
WORKER_CHECK_S = 2.0  # how often the web process recounts the live workers


def connect(url: str) -> redis.Redis:
    """A client that fails fast (one retry, for a pooled connection that died) so callers see outages at once.

    Used by RedisBackend and the worker; both run their own reconnect loop with backoff.
    """
    return redis.Redis.from_url(url, protocol=2, socket_connect_timeout=2, socket_timeout=BLOCK_MS / 1000 + 4,
                                retry=Retry(NoBackoff(), 1), health_check_interval=30)


def redact(url: str) -> str:
    """The URL without its password, for messages that clients and logs see."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def alive_workers(client: redis.Redis) -> list[dict]:
    """The heartbeats of the workers alive now, sorted by consumer name (for /healthz and the status)."""
    keys = sorted(client.scan_iter(match=WORKERS_PREFIX + "*", count=100))
    if not keys:
        return []
    return [json.loads(value) for value in client.mget(keys) if value is not None]  # None: expired meanwhile


def default_web_id() -> str:
    """Unique per process start, readable in ``redis-cli``: host, pid and a random suffix."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def parse_reply(fields: dict) -> tuple[str, np.ndarray | None, dict | None, Exception | None]:
    """A reply entry -> (job id, logits, info, error); exactly one of logits and error is set."""
    job = fields[b"job"].decode()
    if b"error" in fields:
        error = json.loads(fields[b"error"])
        cls = UnknownModelError if error["type"] == "unknown_model" else InferenceUnavailableError
        return job, None, None, cls(error["message"])
    shape = [int(n) for n in fields[b"shape"].decode().split(",")]
    logits = np.frombuffer(fields[b"data"], np.float32).reshape(shape)
    return job, logits, json.loads(fields[b"info"]), None


class RedisBackend:
    """Sends each ``predict`` call to the workers through Redis and waits for its reply.

    Called by ReaderService (``predict`` from its frame tasks, ``state``/``info`` for the status,
    ``workers`` for /healthz). One reader thread reads this process's reply stream, resolves the
    waiting jobs, recounts the workers every ``WORKER_CHECK_S`` and, when Redis is unreachable,
    fails the waiting jobs and reconnects with backoff. ``state``: "loading" (Redis reachable, no
    worker alive yet), "ready" (at least one worker), "error" (Redis unreachable).
    """

    def __init__(self, url: str, model: str | None = None, timeout_s: float = 20.0, on_status=None,
                 web_id: str | None = None):
        self.url, self.model, self.timeout_s = url, model, timeout_s
        self.on_status = on_status or (lambda state, info: None)
        self.reply_stream = REPLIES_PREFIX + (web_id or default_web_id())
        self.client = connect(url)
        self.jobs: dict[str, Job] = {}
        self.state, self.info, self.workers = "loading", {"name": model, "version": None}, []
        self.error_message = ""
        self._last_id = b"0-0"  # the reply stream is new: read it from the start
        self._settled = threading.Event()  # set while the state is "ready" or "error": predict need not wait
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="redis-replies", daemon=True)

    def start(self) -> "RedisBackend":
        self._thread.start()
        return self

    @property
    def device(self) -> str | None:
        return self.info.get("device")

    def stop(self) -> None:
        """Stop the reader (within BLOCK_MS), fail whoever still waits, drop this process's reply stream."""
        self._stopping.set()
        self._thread.join(timeout=BLOCK_MS / 1000 + 5)
        self._fail_waiting(InferenceUnavailableError("the server is shutting down", retry_after=2))
        try:
            self.client.delete(self.reply_stream)
        except redis.RedisError:
            pass  # Redis is down: the stream's TTL removes it
        self.client.close()

    # public API ------------------------------------------------------------------------------------
    def predict(self, model: str | None, batch: np.ndarray) -> tuple[np.ndarray, dict]:
        """Queue ``batch`` as one request and wait (green under eventlet) for its reply."""
        self._wait_until_settled()
        job_id, job = uuid.uuid4().hex, Job(model or self.model, batch)
        self.jobs[job_id] = job  # before XADD: the reply may come back before xadd returns
        try:
            self.client.xadd(REQUESTS, self._request_fields(job_id, job), maxlen=REQUESTS_MAXLEN, approximate=True)
            if not job.done.wait(self.timeout_s):
                raise InferenceUnavailableError(
                    f"no inference worker answered within {self.timeout_s:.0f} s ({len(self.workers)} alive)",
                    retry_after=2)
        except redis.RedisError as exc:
            raise InferenceUnavailableError(self._unreachable(exc), retry_after=2) from exc
        finally:
            self.jobs.pop(job_id, None)
        if job.error:
            raise job.error
        return job.logits, job.info

    def _wait_until_settled(self) -> None:
        """Raise at once while Redis is down; wait up to timeout_s for a first worker to come up."""
        if not self._settled.is_set():
            self._settled.wait(self.timeout_s)
        if self.state == "error":
            raise InferenceUnavailableError(self.error_message, retry_after=2)
        if self.state != "ready":
            raise InferenceUnavailableError(f"no inference worker is connected to Redis at {redact(self.url)}; "
                                            "try again shortly", retry_after=5)

    def _request_fields(self, job_id: str, job: Job) -> dict:
        batch = np.ascontiguousarray(job.batch, np.float32)
        return {"job": job_id, "reply": self.reply_stream, "model": job.model or "",
                "shape": ",".join(str(n) for n in batch.shape), "data": batch.tobytes()}

    # the reader thread -----------------------------------------------------------------------------
    def _listen(self) -> None:
        """Read replies until stop(); on a Redis failure fail the waiting jobs and reconnect with backoff."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                self._check_workers()  # also the connection check: raises while Redis is down
                backoff = 0.5
                self._read_replies()  # returns only once stopping
            except redis.RedisError as exc:
                self._went_down(self._unreachable(exc))
            except Exception as exc:  # a bug: say so and start over, rather than leave every caller to time out
                log.exception("reading replies from Redis failed")
                self._went_down(f"reading replies from Redis failed: {type(exc).__name__}: {exc}")
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 5.0)

    def _read_replies(self) -> None:
        next_check = time.monotonic() + WORKER_CHECK_S
        while not self._stopping.is_set():
            streams = self.client.xread({self.reply_stream: self._last_id}, count=256, block=BLOCK_MS)
            for _, entries in streams or []:
                for entry_id, fields in entries:
                    self._last_id = entry_id
                    self._resolve(fields)
            if time.monotonic() >= next_check:
                self._check_workers()
                next_check = time.monotonic() + WORKER_CHECK_S

    def _resolve(self, fields: dict) -> None:
        """Hand a reply to its waiting job; replies for jobs that gave up (timed out) are dropped."""
        try:
            job_id, logits, info, error = parse_reply(fields)
        except (KeyError, ValueError) as exc:
            log.error("malformed reply on %s: %s", self.reply_stream, exc)
            return
        job = self.jobs.pop(job_id, None)
        if job is not None:
            job.logits, job.info, job.error = logits, info, error
            job.done.set()

    def _check_workers(self) -> None:
        self.workers = alive_workers(self.client)
        if self.workers:
            worker = self.workers[0]
            info = {key: worker.get(key) for key in ("name", "version", "decoder", "alphabet", "device")}
            self._set_state("ready", info)
        else:
            self._set_state("loading", self.info)

    def _went_down(self, message: str) -> None:
        if self.state != "error":
            log.error("%s; reconnecting", message)
        self.error_message, self.workers = message, []
        self._fail_waiting(InferenceUnavailableError(message, retry_after=2))
        self._set_state("error", self.info)

    def _unreachable(self, exc: Exception) -> str:
        return f"Redis at {redact(self.url)} unreachable: {exc}"

    # helpers ---------------------------------------------------------------------------------------
    def _fail_waiting(self, error: Exception) -> None:
        """Fail every waiting job: after an outage their replies may never come (Redis may come back empty)."""
        for job_id in list(self.jobs):
            job = self.jobs.pop(job_id, None)
            if job is not None:
                job.error = error
                job.done.set()

    def _set_state(self, state: str, info: dict) -> None:
        """Record the state and tell the listener, only when something changed (it runs every few seconds)."""
        changed = (state, info) != (self.state, self.info)
        self.state, self.info = state, info
        (self._settled.set if state in ("ready", "error") else self._settled.clear)()
        if not changed:
            return
        log.info("inference through Redis %s: %s, %d workers", redact(self.url), state, len(self.workers))
        try:
            self.on_status(state, info)
        except Exception:  # a listener's failure must not stop the reader
            log.exception("status listener failed")
