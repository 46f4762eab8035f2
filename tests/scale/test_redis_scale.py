"""Scale-out mode end to end: web processes and inference workers sharing a real Redis.

Two web processes (gunicorn + eventlet, INFERENCE=redis) and two ``webapp.serving.redis_worker``
processes with the default model; Socket.IO clients over real sockets on either web process.
No fakes anywhere: a missing redis-server skips the module, nothing else does.
"""
from __future__ import annotations

import signal
import threading
import time

import numpy as np
import pytest

from tests.support.polling import wait_until
from tests.support.scale import INFERENCE_TIMEOUT_S
from training.core import store
from training.scenes import synth
from training.sources import datasets
from webapp.errors import UnknownModelError
from webapp.serving.redis_backend import GROUP, REQUESTS, RedisBackend

pytestmark = pytest.mark.redis

MIN_ACCURACY = 0.7  # the default model reads these clean numbers far better; a mix-up of replies far worse


def run_clients(readers, images, frames_each: int) -> list[dict]:
    """Each reader sends ``frames_each`` frames in its own thread, one after another's answer.

    Returns per reader {"texts": expected text per seq, "answers": (kind, payload) per seq}.
    """
    outcomes = [{"texts": {}, "answers": {}} for _ in readers]

    def client(index: int, reader) -> None:
        for n in range(frames_each):
            seq = index * 1000 + n
            text, png = images[(index * frames_each + n) % len(images)]
            outcomes[index]["texts"][seq] = text
            outcomes[index]["answers"][seq] = reader.read(seq, png)

    threads = [threading.Thread(target=client, args=(i, r)) for i, r in enumerate(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return outcomes


def assert_all_read(outcomes: list[dict]) -> None:
    """Every frame sent got a result, and most read exactly the number drawn."""
    correct = total = 0
    for outcome in outcomes:
        assert sorted(outcome["answers"]) == sorted(outcome["texts"]), "a frame got no answer"
        for seq, (kind, payload) in outcome["answers"].items():
            assert kind == "result", f"frame {seq}: {payload}"
            correct += [n["text"] for n in payload["numbers"]] == [outcome["texts"][seq]]
            total += 1
    assert correct >= MIN_ACCURACY * total, f"only {correct} of {total} frames read right"


def pending(client) -> dict[str, int]:
    """Requests read but not yet acknowledged, per worker."""
    summary = client.xpending(REQUESTS, GROUP)
    return {c["name"].decode(): c["pending"] for c in summary["consumers"]}


def test_clients_on_either_web_process_get_their_results(cluster, readers, images):
    """Two clients on each web process; each result reaches the client that sent the frame."""
    cluster.ensure_workers()
    for url, _ in cluster.webs:
        health = cluster.health(url)
        assert (health["inference"], health["workers"], health["model"]["name"]) == ("ready", 2, store.default_name())
    clients = [readers(url) for url, _ in cluster.webs for _ in range(2)]  # two on each web process
    assert_all_read(run_clients(clients, images, frames_each=3))


def test_backend_routes_each_reply_to_its_caller(cluster):
    """RedisBackend in this process: concurrent callers each get the logits of their own batch."""
    cluster.ensure_workers()
    generator = synth.SequenceGenerator(datasets.load_test_digits(), synth.SynthConfig(max_length=4), seed=3)
    batches = [generator.batch(size, key)[0].astype(np.float32) for key, size in enumerate((1, 3, 2, 5, 1, 4))]
    backend = RedisBackend(cluster.redis.url, timeout_s=30).start()
    try:
        alone = [backend.predict(None, batch)[0] for batch in batches]
        together = [None] * len(batches)

        def call(i):
            together[i] = backend.predict(None, batches[i])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(batches))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for i, batch in enumerate(batches):
            logits, info = together[i]
            assert logits.shape == (len(batch), *alone[i].shape[1:])
            np.testing.assert_allclose(logits, alone[i], atol=1e-4)
            assert info["name"] == store.default_name()
        with pytest.raises(UnknownModelError):
            backend.predict("no-such-model", batches[0])
    finally:
        backend.stop()
    with cluster.redis.client() as client:
        assert not client.exists(backend.reply_stream), "stop() leaves its reply stream behind"


def test_killed_worker_loses_no_request(cluster, readers, images):
    """SIGKILL a worker holding unacknowledged requests: the other claims them, every frame gets its result."""
    cluster.ensure_workers()
    clients = [readers(url) for url, _ in cluster.webs for _ in range(2)]
    victim = cluster.workers["worker-a"]
    with cluster.redis.client() as client:
        outcome = {}
        runner = threading.Thread(target=lambda: outcome.update(result=run_clients(clients, images, 8)))
        runner.start()
        # freeze worker-a while it holds requests, check it still does, then kill it there
        caught = False
        deadline = time.monotonic() + 60
        while not caught and runner.is_alive() and time.monotonic() < deadline:
            if pending(client).get("worker-a"):
                victim.signal(signal.SIGSTOP)
                caught = bool(pending(client).get("worker-a"))
                victim.signal(signal.SIGKILL if caught else signal.SIGCONT)
            time.sleep(0.002)
        runner.join(150)
        assert caught, "worker-a never held a request to kill it with"
        assert not runner.is_alive(), "clients hung"
        assert_all_read(outcome["result"])
        assert sum(pending(client).values()) == 0, "requests left unacknowledged"
    victim.popen.wait(10)


def test_redis_outage_gives_errors_then_results_again(cluster, readers, images):
    """Redis killed: inference_unavailable errors at once, naming Redis; restarted empty: results again."""
    cluster.ensure_workers()
    states = []
    backend = RedisBackend(cluster.redis.url, on_status=lambda state, info: states.append(state)).start()
    clients = [readers(url) for url, _ in cluster.webs]
    try:
        wait_until(lambda: backend.state == "ready", 10, "the in-process backend ready")
        cluster.redis.kill()
        for seq, reader in enumerate(clients):
            start = time.monotonic()
            kind, payload = reader.read(seq, images[seq][1], timeout_s=30)
            assert kind == "error", payload
            assert payload["error"]["code"] == "inference_unavailable"
            assert f"Redis at {cluster.redis.url} unreachable" in payload["error"]["message"]
            # A hang ends only when the reply wait gives up (twice INFERENCE_TIMEOUT_S: 30 s) with "no inference
            # worker answered"; an outage is seen at once, and the message above names Redis. Half the wait
            # leaves a loaded machine 15 s and still fails a backend that waits for the timeout.
            assert time.monotonic() - start < INFERENCE_TIMEOUT_S, "the error took as long as a hang"
        for url, _ in cluster.webs:
            assert cluster.health(url)["inference"] == "error"

        cluster.redis.start()  # empty, as after a crash
        cluster.wait_ready()  # workers and web processes reconnected on their own
        wait_until(lambda: backend.state == "ready", 30, "the in-process backend ready again")
        assert_all_read(run_clients(clients, images, frames_each=2))
        assert "error" in states and states[-1] == "ready", states  # on_status heard the outage and the recovery
    finally:
        backend.stop()
        if not cluster.redis.process.alive:  # a failure above left Redis down: the next tests need it
            cluster.redis.start()
