"""An inference worker for the scale-out mode, on any machine that reaches Redis (a GPU box, typically).

``python -m webapp.serving.redis_worker --redis URL [--model NAME] [--store DIR] [--name CONSUMER]
[--claim-idle-ms 5000]``

Loads the model once (``webapp.reading.local.LocalBackend``: on the GPU when TensorFlow sees one),
then, as consumer ``--name`` of the group ``workers`` on ``digit-reader:requests`` (the protocol is
described in ``webapp.serving.redis_backend``): reads up to 64 requests at a time, runs each model's
requests as one batch, adds each reply to its web process's reply stream, and acknowledges and
deletes the requests in the same transaction. Requests that another worker read and never
acknowledged (it was killed) are claimed once idle for ``--claim-idle-ms``, so no request is lost;
that time must exceed the slowest batch, or a live worker's requests get computed twice (harmless:
the second reply is dropped). A heartbeat key tells the web processes this worker is alive. When
Redis goes away the worker waits and reconnects with backoff; SIGTERM or SIGINT stop it after the
batch in hand.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import redis

from webapp.errors import UnknownModelError
from webapp.serving.redis_backend import (GROUP, HEARTBEAT_TTL_S, REPLIES_MAXLEN, REPLY_TTL_S, REQUESTS, WORKERS_PREFIX,
                                  connect, redact)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
log = logging.getLogger("webapp.serving.redis_worker")

MAX_ENTRIES = 64  # requests read at once and merged into batches
BLOCK_MS = 1000  # how long one read waits: bounds how late heartbeats, claims and stop are handled
HEARTBEAT_S = 2.0
MAX_DELIVERIES = 3  # a request whose workers all died this often is answered with an error, not retried
FORGET_CONSUMERS_S = 60.0
CONSUMER_MAX_IDLE_MS = 10 * 60 * 1000  # consumers idle this long with nothing pending are gone workers


@dataclass
class Request:
    """One entry of the requests stream, decoded."""

    entry_id: bytes
    job: str
    reply: str
    model: str | None
    batch: np.ndarray


def parse_request(entry_id: bytes, fields: dict) -> Request:
    """Stream entry -> Request; KeyError or ValueError when malformed."""
    shape = tuple(int(n) for n in fields[b"shape"].decode().split(","))
    if len(shape) != 4 or shape[3] != 1 or min(shape[1:3]) < 1:  # lines (n,32,256,1) or a detector's pictures
        raise ValueError(f"shape must be n,height,width,1, got {shape}")
    batch = np.frombuffer(fields[b"data"], np.float32).reshape(shape)
    return Request(entry_id, fields[b"job"].decode(), fields[b"reply"].decode(), fields[b"model"].decode() or None,
                   batch)


def error_reply(job: str, kind: str, message: str) -> dict:
    return {"job": job, "error": json.dumps({"type": kind, "message": message})}


class RedisWorker:
    """The worker's loop: read or claim requests, batch them per model, predict, reply, acknowledge.

    ``run`` is called by ``main`` and returns when ``stop`` is set; ``backend`` is a LocalBackend
    (or anything with its ``predict``, ``info`` and ``device``).
    """

    def __init__(self, url: str, backend, name: str, claim_idle_ms: int = 5000):
        self.url, self.backend, self.name, self.claim_idle_ms = url, backend, name, claim_idle_ms
        self.client = connect(url)
        self.heartbeat = json.dumps({**backend.info, "consumer": name})
        self._due = {"beat": 0.0, "claim": 0.0, "forget": 0.0}  # monotonic times of the periodic chores

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set; while Redis is unreachable, retry with backoff (0.5 s doubling to 10 s)."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self._ensure_group()
                log.info("worker %s serving requests from Redis at %s", self.name, redact(self.url))
                backoff = 0.5
                self._serve(stop)
            except redis.RedisError as exc:
                log.error("Redis at %s unreachable: %s; retrying in %.1f s", redact(self.url), exc, backoff)
                self._due = dict.fromkeys(self._due, 0.0)  # a restarted Redis lost our heartbeat: beat at once
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
        self._leave()

    def _serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            now = time.monotonic()
            if now >= self._due["beat"]:
                self.client.set(WORKERS_PREFIX + self.name, self.heartbeat, ex=HEARTBEAT_TTL_S)
                self._due["beat"] = now + HEARTBEAT_S
            if now >= self._due["forget"]:
                self._forget_gone_consumers()
                self._due["forget"] = now + FORGET_CONSUMERS_S
            entries = self._claim() if now >= self._due["claim"] else []
            self._answer(entries or self._read())

    def _ensure_group(self) -> None:
        """Create the group (and the stream) if missing: at first start, and after Redis restarted empty."""
        try:
            # id 0: requests a web process added before the group existed are served too
            self.client.xgroup_create(REQUESTS, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self) -> list:
        try:
            streams = self.client.xreadgroup(GROUP, self.name, {REQUESTS: ">"}, count=MAX_ENTRIES, block=BLOCK_MS)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._ensure_group()  # the stream was deleted or Redis restarted under us
            return []
        return [entry for _, entries in streams or [] for entry in entries]

    def _claim(self) -> list:
        """Take requests idle past claim_idle_ms (their worker died); those that killed workers too often fail."""
        _, entries, _ = self.client.xautoclaim(REQUESTS, GROUP, self.name, self.claim_idle_ms, "0-0",
                                               count=MAX_ENTRIES)
        # more may be waiting: claim again at once; otherwise look again in half the idle time
        self._due["claim"] = time.monotonic() + (0 if entries else self.claim_idle_ms / 2000)
        if not entries:
            return []
        log.warning("worker %s claimed %d requests of a worker that stopped", self.name, len(entries))
        pending = self.client.xpending_range(REQUESTS, GROUP, min=entries[0][0], max=entries[-1][0],
                                             count=len(entries), consumername=self.name)
        deliveries = {p["message_id"]: p["times_delivered"] for p in pending}
        poison = [e for e in entries if deliveries.get(e[0], 0) > MAX_DELIVERIES]
        if poison:
            self._reject(poison, f"dropped after {MAX_DELIVERIES} workers stopped while computing it")
        return [e for e in entries if deliveries.get(e[0], 0) <= MAX_DELIVERIES]

    def _answer(self, entries: list) -> None:
        """Predict every request read, one batch per model, then reply and acknowledge all in one transaction."""
        if not entries:
            return
        requests, replies = [], []
        for entry_id, fields in entries:
            try:
                requests.append(parse_request(entry_id, fields))
            except (KeyError, ValueError) as exc:
                log.error("malformed request %s: %s", entry_id, exc)
                if b"reply" in fields and b"job" in fields:
                    replies.append((fields[b"reply"].decode(),
                                    error_reply(fields[b"job"].decode(), "failed", f"malformed request: {exc}")))
        for model, shape in {(r.model, r.batch.shape[1:]) for r in requests}:  # one batch per model and input shape
            replies += self._predict([r for r in requests if r.model == model and r.batch.shape[1:] == shape])
        self._send(replies, [entry_id for entry_id, _ in entries])

    def _predict(self, requests: list[Request]) -> list[tuple[str, dict]]:
        """One batch for requests of the same model -> (reply stream, fields) for each."""
        batch = np.concatenate([r.batch for r in requests])
        try:
            logits, info = self.backend.predict(requests[0].model, batch)
        except UnknownModelError as exc:
            return [(r.reply, error_reply(r.job, "unknown_model", exc.message)) for r in requests]
        except Exception as exc:  # report, keep serving: one bad batch must not stop the others
            log.exception("batch failed")
            return [(r.reply, error_reply(r.job, "failed", f"{type(exc).__name__}: {exc}")) for r in requests]
        info = json.dumps(info)
        replies, offset = [], 0
        for r in requests:
            rows = np.ascontiguousarray(logits[offset : offset + len(r.batch)], np.float32)
            offset += len(r.batch)
            replies.append((r.reply, {"job": r.job, "info": info, "shape": ",".join(map(str, rows.shape)),
                                      "data": rows.tobytes()}))
        return replies

    def _send(self, replies: list[tuple[str, dict]], entry_ids: list) -> None:
        """Replies, acknowledgements and deletions in one MULTI: a worker dying here leaves the requests pending."""
        pipe = self.client.pipeline(transaction=True)
        for stream, fields in replies:
            pipe.xadd(stream, fields, maxlen=REPLIES_MAXLEN, approximate=True)
            pipe.expire(stream, REPLY_TTL_S)  # the web process refreshes nothing: the stream dies with it
        pipe.xack(REQUESTS, GROUP, *entry_ids)
        pipe.xdel(REQUESTS, *entry_ids)  # acknowledged entries are never read again: keep the stream small
        pipe.execute()

    def _reject(self, entries: list, message: str) -> None:
        replies = [(f[b"reply"].decode(), error_reply(f[b"job"].decode(), "failed", message))
                   for _, f in entries if b"reply" in f and b"job" in f]
        self._send(replies, [entry_id for entry_id, _ in entries])

    def _forget_gone_consumers(self) -> None:
        """Remove consumers idle for long with nothing pending (workers that stopped), so the group stays small.

        Safe even for a live but idle worker: its next read re-creates it.
        """
        for consumer in self.client.xinfo_consumers(REQUESTS, GROUP):
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name != self.name and consumer["pending"] == 0 and consumer["idle"] > CONSUMER_MAX_IDLE_MS:
                self.client.xgroup_delconsumer(REQUESTS, GROUP, name)

    def _leave(self) -> None:
        """On a clean stop: the heartbeat goes at once, so the web processes' worker count drops now."""
        try:
            self.client.delete(WORKERS_PREFIX + self.name)
        except redis.RedisError:
            pass  # Redis is down: the heartbeat's TTL ends it
        self.client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.serving.redis_worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", required=True, metavar="URL", help="redis://[:password@]host:port/db")
    parser.add_argument("--model", help="the default model (a name in the store or a path); the store's DEFAULT")
    parser.add_argument("--store", help="the model store directory; the repository's model_store/")
    parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}", help="this consumer's name")
    parser.add_argument("--claim-idle-ms", type=int, default=5000,
                        help="claim a stopped worker's requests after they waited this long")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    from training.core.quiet import quiet_tensorflow

    quiet_tensorflow(args.verbose)  # TensorFlow: only once the arguments are known to be fine
    from webapp.reading.local import LocalBackend

    backend = LocalBackend(args.model, args.store)
    log.info("model %s loaded on %s", backend.info["name"], backend.device)
    RedisWorker(args.redis, backend, args.name, args.claim_idle_ms).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
