"""Overload: per-client limits and bounded queues. Past a limit a client gets 429 or 503 with Retry-After, or
its frames are dropped with a notice; never unbounded memory; one client's flood does not slow another."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.support import ROOT
from tests.support.api_checks import error_of, seqs_accounted_for
from tests.support.digit_paper import number_png
from tests.support.overload import percentile, slow_down
from tests.support.polling import wait_until
from tests.support.servers import anon_mb, post_image, state_of
from webapp.config import DEFAULTS

RECOGNIZE = "/api/v1/recognize"


# --- in process: every per-client structure is bounded ----------------------------------------------

def test_rate_limiter_forgets_the_idlest_clients_past_its_bound():
    from webapp.serving.limits import MAX_TRACKED_CLIENTS, RateLimiter

    limiter = RateLimiter(rate=1.0, burst=5)
    for i in range(MAX_TRACKED_CLIENTS * 3):
        limiter.check(f"198.51.{i // 250}.{i % 250}", "uploads")
    assert len(limiter._buckets) <= MAX_TRACKED_CLIENTS


def test_concurrency_limiter_keeps_nothing_for_idle_clients():
    from webapp.errors import RateLimitedError
    from webapp.serving.limits import ConcurrencyLimiter

    limiter = ConcurrencyLimiter(per_client=1, total=10)
    for i in range(1000):
        with limiter.slot(f"client-{i}"):
            with pytest.raises(RateLimitedError):
                with limiter.slot(f"client-{i}"):
                    pass
    assert limiter._active == {}


def test_frame_slots_are_forgotten_when_clients_leave(app, service):
    from webapp import socketio
    from webapp.serving.service import Frame

    socketio.server = app.wsgi_app.engineio_app
    for i in range(20):
        client = socketio.test_client(app, flask_test_client=app.test_client())
        client.emit("frame", {"seq": i, "image": b"junk"})
        wait_until(lambda: [e for e in client.get_received() if e["name"] == "error"], 10, "an answer")
        client.disconnect()
    # a frame handled after its client left (async handlers: the disconnect can come first) leaves nothing
    service.submit("a-client-that-has-left", Frame(1, number_png("7")))
    wait_until(lambda: not service.slots, 10, f"the frame slots of clients gone to be dropped: {service.slots}")


def test_a_slow_server_keeps_one_waiting_frame_per_client_and_tells_the_dropped(probe, service, monkeypatch):
    """Frames sent faster than they are read: the stale ones are dropped unread, each counted in the answer to
    the frame that replaced it, the newest one is read; the slot never holds more than one waiting frame."""
    slow_down(service, monkeypatch, 0.2)
    waiting_seen = []
    start = len(probe.client.queue)
    for seq in range(1, 21):
        probe.client.emit("frame", {"seq": seq, "image": number_png("7")})
        waiting_seen.append(sum(1 for slot in service.slots.values() if slot.waiting is not None))
    wait_until(probe.idle, 30, "the slot to drain")
    answers = [(name, p) for name, p in probe.events_since(start) if name in ("result", "error")]
    assert [name for name, _ in answers] == ["result"] * len(answers), answers
    assert seqs_accounted_for([p for _, p in answers]) == list(range(1, 21)), answers
    assert answers[0][1]["seq"] == 1 and answers[-1][1]["seq"] == 20
    assert len(answers) < 20, "the server was slow: some frames must have been dropped"
    assert max(waiting_seen) <= 1


def test_frames_of_many_clients_are_read_a_few_at_a_time_each_in_turn(app, service, monkeypatch):
    """Six clients with a frame each while the server is busy: no more than FRAMES_READ_AT_ONCE frames are read
    at the same time (the rest wait in their slots), and every client gets its answer."""
    from webapp import socketio

    socketio.server = app.wsgi_app.engineio_app
    slow = slow_down(service, monkeypatch, 0.2)
    monkeypatch.setattr(service, "max_reading", 2)
    clients = [socketio.test_client(app, flask_test_client=app.test_client()) for _ in range(6)]
    for seq, client in enumerate(clients):
        client.emit("frame", {"seq": seq, "image": number_png("7")})
    for seq, client in enumerate(clients):
        wait_until(lambda: [e for e in client.get_received() if e["name"] == "result"], 20, f"client {seq}'s result")
        client.disconnect()
    assert slow.most == 2, f"{slow.most} frames were read at the same time (allowed: 2)"
    assert service.reading == 0 and not service.turns


def test_an_event_named_disconnect_does_not_reset_the_frame_slot(probe, service, monkeypatch):
    """A client may send an event called "disconnect" itself; if that dropped its frame slot, each one would
    let one more of its frames be read at the same time (and with two arguments it was an internal error)."""
    slow = slow_down(service, monkeypatch, 0.3)
    start = len(probe.client.queue)
    for seq in range(1, 6):
        probe.client.emit("frame", {"seq": seq, "image": number_png("7")})
        probe.client.emit("disconnect", "client disconnect")
    probe.client.emit("disconnect", {"seq": 5}, "client disconnect")  # two arguments
    wait_until(probe.idle, 30, "the slot to drain")
    answers = [(name, p) for name, p in probe.events_since(start) if name in ("result", "error")]
    assert slow.most == 1, f"{slow.most} frames of one client were read at the same time"
    assert not [p for name, p in answers if name == "error" and p["error"]["code"] == "internal_error"], answers
    assert seqs_accounted_for([p for _, p in answers]) == [1, 2, 3, 4, 5], answers
    assert probe.client.is_connected()


@pytest.mark.slow
def test_inference_queue_is_bounded_and_callers_past_it_get_503_at_once():
    """The batches waiting for the inference process are bounded (MAX_QUEUED_BATCHES): past it a caller gets
    InferenceUnavailableError (503, Retry-After) at once instead of queueing without end."""
    from training.core.preprocess import INPUT_SHAPE
    from webapp.errors import InferenceUnavailableError
    from webapp.serving.inference import ProcessBackend

    assert DEFAULTS.get("MAX_QUEUED_BATCHES", 0) > 0, "no MAX_QUEUED_BATCHES setting"
    timeout_s = 10.0  # the hung worker's rounds fail after this: what a caller that queued would wait
    backend = ProcessBackend(timeout_s=timeout_s, max_queued=3, start_timeout_s=240).start()
    batch = np.zeros((1,) + INPUT_SHAPE, np.float32)
    outcomes = []
    try:
        wait_until(lambda: backend.state == "ready", 240, "the inference process")
        worker = backend.process.pid
        os.kill(worker, signal.SIGSTOP)  # hung: the jobs pile up
        threads = [threading.Thread(target=lambda: outcomes.append(_outcome(backend, batch)), daemon=True)
                   for _ in range(3)]
        for thread in threads:
            thread.start()
        wait_until(lambda: backend._queued >= 3, 30, "three batches queued")
        started = time.monotonic()
        with pytest.raises(InferenceUnavailableError) as refused:
            backend.predict(None, batch)
        waited = time.monotonic() - started
        # Refused, with the overload message, before the queued batches' hung round could fail them: a caller that
        # queued would be answered only then, timeout_s (10 s) on. Half of it leaves a loaded machine 5 s to raise.
        assert refused.value.retry_after and "overloaded" in refused.value.message, refused.value.message
        assert "3" in refused.value.message, refused.value.message
        assert waited < timeout_s / 2, f"the caller past the bound waited {waited:.1f} s, as the queued ones do"
        assert outcomes == [], "the queued batches were answered before the caller past the bound"
        for thread in threads:
            thread.join(timeout_s * 2 + 20)
        assert len(outcomes) == 3 and all(o == "unavailable" for o in outcomes), outcomes  # the hung worker's
        # ...every one of them released, the one queued behind the hung rounds too, before a new worker is up
        try:
            wait_until(lambda: backend._queued == 0, 30, "the hung worker's batches released")
        except AssertionError as exc:  # seen once in 4 runs at load 10 (2026-12-07): say what still counts
            waiting = [(job.abandoned, job.counted) if job else None for job in list(backend.jobs.queue)]
            raise AssertionError(f"{exc}: {backend._queued} counted, waiting (abandoned, counted) {waiting}, state "
                                 f"{backend.state}, restarts {backend.restarts}") from exc
        # ...and after the worker is replaced, the count is back to zero and batches run again
        wait_until(lambda: backend.state == "ready", 240, "a new inference process")
        logits, _ = backend.predict(None, batch)
        assert logits.shape[0] == 1 and backend._queued == 0, backend._queued
    finally:
        if state_of(worker) == "T":
            os.kill(worker, signal.SIGKILL)
        backend.stop()


def _outcome(backend, batch) -> str:
    from webapp.errors import InferenceUnavailableError

    try:
        backend.predict(None, batch)
        return "ok"
    except InferenceUnavailableError:
        return "unavailable"


# --- against gunicorn -------------------------------------------------------------------------------

@pytest.mark.slow
def test_uploads_past_the_rate_get_429_with_retry_after(server):
    burst, per_minute = DEFAULTS["UPLOAD_BURST"], DEFAULTS["UPLOADS_PER_MINUTE"]
    answers = [post_image(server.url, b"tiny", client="198.51.100.40") for _ in range(burst + 10)]
    statuses = [status for status, _, _ in answers]
    assert statuses[:burst] == [400] * burst, statuses  # within the burst: read (and refused as no image)
    limited = [(body, headers) for status, body, headers in answers if status == 429]
    assert limited, statuses
    for body, headers in limited:
        code, message = error_of(body)
        assert code == "rate_limited" and "uploads" in message and str(round(per_minute / 60)) in message, message
        assert 1 <= int(headers["Retry-After"]) <= 60 / per_minute * 60 + 1
    assert post_image(server.url, b"tiny", client="198.51.100.41")[0] == 400  # another client is not limited


@pytest.mark.slow
def test_concurrent_uploads_past_the_per_client_limit_get_429(server):
    limit = DEFAULTS["CONCURRENT_UPLOADS"]
    worker = server.inference_pid()
    os.kill(worker, signal.SIGSTOP)  # the first uploads stay in progress while the others arrive
    try:
        with ThreadPoolExecutor(limit + 4) as pool:
            futures = [pool.submit(post_image, server.url, number_png("7"), 60, "198.51.100.42")
                       for _ in range(limit + 4)]
            time.sleep(1.0)
            os.kill(worker, signal.SIGCONT)
            answers = [future.result() for future in futures]
    finally:
        os.kill(worker, signal.SIGCONT)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * limit + [429] * 4, statuses
    for status, body, headers in answers:
        if status == 429:
            code, message = error_of(body)
            assert code == "rate_limited" and str(limit) in message and "in progress" in message, message
            assert int(headers["Retry-After"]) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("how", ["content-length", "chunked raw", "chunked multipart"])
def test_oversized_uploads_are_413_json_with_or_without_a_content_length(server, how):
    """Werkzeug cuts a body sent without a Content-Length at MAX_CONTENT_LENGTH instead of refusing it: the
    first 10 MB of a chunked upload must not be read as if they were the whole image."""
    from tests.support.fuzz_cases import multipart

    limit = DEFAULTS["MAX_CONTENT_LENGTH"]
    image = number_png("7") + b"\0" * (limit + 1024)
    headers = {"Content-Type": "image/png", "X-Forwarded-For": "198.51.100.43"}
    body = image
    if how == "chunked multipart":
        body = multipart([("image", "x.png", "image/png", image)], b"b0undary", True)
        headers["Content-Type"] = "multipart/form-data; boundary=b0undary"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        if how == "content-length":
            connection.request("POST", RECOGNIZE, body=body, headers=headers)
        else:
            connection.request("POST", RECOGNIZE, body=(body[i : i + 65536] for i in range(0, len(body), 65536)),
                               headers=headers, encode_chunked=True)
        response = connection.getresponse()
        payload = json.loads(response.read())
    except (ConnectionError, BrokenPipeError) as exc:  # the server may stop reading once it has answered
        pytest.fail(f"no 413 answer, the connection failed: {exc!r}")
    finally:
        connection.close()
    assert response.status == 413, (response.status, str(payload)[:300])
    code, message = error_of(payload)
    assert code == "payload_too_large" and str(limit) in message, message


@pytest.mark.slow
def test_oversized_socket_message_closes_only_that_connection(server, sockets):
    limit = DEFAULTS["MAX_SOCKET_MESSAGE_BYTES"]
    other = sockets(server.url)
    wait_until(lambda: other.named("status"), 30, "status")
    offender = sockets(server.url)
    wait_until(lambda: offender.named("status"), 30, "status")
    offender.send_frame(1, b"\0" * (limit + 1024))
    wait_until(lambda: offender.disconnects, 15, "the oversized message's connection to be closed")
    assert not offender.answers(1)
    other.send_frame(1, number_png("4071"))
    assert other.wait_answer(1, 60)[1] == "result"
    assert other.sio.connected and not other.disconnects
    again = sockets(server.url)  # the offender may come back: the server holds nothing against it
    again.send_frame(2, number_png("4071"))
    assert again.wait_answer(2, 60)[1] == "result"


CLIENT = r"""
import json, sys, threading, time
import websocket
mode, url, seconds, image = sys.argv[1], sys.argv[2], float(sys.argv[3]), open(sys.argv[4], "rb").read()
ws = websocket.create_connection(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=20)
assert ws.recv().startswith("0")  # Engine.IO open
ws.send("40")  # Socket.IO connect to /
counts, lock, closed, answered = {}, threading.Lock(), threading.Event(), threading.Semaphore(0)
def reader():
    while True:
        try:
            message = ws.recv()
        except Exception:
            closed.set(); return
        if isinstance(message, str):
            if message == "2":
                ws.send("3")
            elif message.startswith("42"):
                name, payload = json.loads(message[2:])[:2]
                kind = "result" if name == "result" else payload["error"]["code"] if name == "error" else name
                with lock:
                    counts[kind] = counts.get(kind, 0) + 1
                    if name in ("result", "error"):  # the frames this one replaced unread
                        counts["dropped"] = counts.get("dropped", 0) + payload.get("dropped", 0)
                if name in ("result", "error"):
                    answered.release()
            elif message.startswith("1") or message.startswith("41"):
                closed.set()
        elif not message:
            closed.set(); return
threading.Thread(target=reader, daemon=True).start()
time.sleep(0.5)
print("connected", flush=True)
sent, end = 0, time.monotonic() + seconds
try:
    while time.monotonic() < end and not closed.is_set():
        ws.send('451-["frame",{"seq":%d,"image":{"_placeholder":true,"num":0}}]' % sent)
        ws.send_binary(image)
        sent += 1
        if mode == "busy":  # a page streaming at its best: the next frame as soon as the last is answered
            answered.acquire(timeout=30)
except Exception as exc:
    closed.set()
time.sleep(2.0)
report = {"sent": sent, "seconds": seconds, "closed_by_server": closed.is_set(), "answers": counts}
print(json.dumps(report), flush=True)
"""


@pytest.mark.slow
def test_a_client_flooding_frames_does_not_slow_down_another(server, sockets, tmp_path):
    """One client sends frames as fast as it can (raw websocket, valid frames: the worst case); another sends
    5 frames per second and keeps being served. The flood is cut to the per-client frame rate: every flooded
    frame is answered, no more are read than the rate admits, and the web process's memory (resident anonymous,
    ``anon_mb``) does not grow with it.

    So the flood costs the calm client no more than a client streaming at its best within the limits does (a
    page with one frame in flight, sending the next as soon as the last is answered). The calm client's median
    latency during the flood is held to within 2x + 50 ms of its median beside the busy client, measured just
    before and just after the flood (so a change of the machine's load over the test falls on both sides).
    Medians, not p95s: the p95 of 30 frames is their second slowest, one stall of a busy CI machine's other
    work; a median moves only when most frames are slower, which an unlimited flood does (it keeps the web
    process answering thousands of frames) and a stall does not. What the flood costs in p95 against the calm
    client alone is printed (a speed, shown by ``python -m benchmarks.load``'s latency per level, not asserted)."""
    image = number_png("4071")
    calm = sockets(server.url)
    wait_until(lambda: [s for _, s in calm.named("status") if s["state"] == "ready"], 120, "ready")
    seq = iter(range(1, 10**6))
    image_path = tmp_path / "frame.png"
    image_path.write_bytes(image)

    def latencies(frames: int = 30, fps: float = 5.0) -> list[float]:
        out = []
        for _ in range(frames):
            tick = time.monotonic()
            number = next(seq)
            calm.send_frame(number, image)
            answered, name, payload = calm.wait_answer(number, 30)
            assert name == "result", f"the calm client's frame {number} was refused: {payload}"
            out.append(answered - calm.sent[number])
            time.sleep(max(0.0, 1 / fps - (time.monotonic() - tick)))
        return out

    def beside(mode: str) -> tuple[list[float], dict]:
        """The calm client's latencies while another client (``mode``: flood or busy) runs; its report."""
        seconds = 30 / 5 + 2
        # The other client runs at the lowest CPU priority: on a 2-core machine a client sending as fast as it
        # can would otherwise take a whole core from the server, as a client on another machine does not.
        other = subprocess.Popen([sys.executable, "-c", CLIENT, mode, server.url, str(seconds), str(image_path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                 preexec_fn=lambda: os.nice(19))
        try:
            assert other.stdout.readline().strip() == "connected", other.stderr.read()[-2000:]
            time.sleep(1.0)
            measured = latencies()
            out, _ = other.communicate(timeout=seconds + 60)
        finally:
            if other.poll() is None:
                other.kill()
                other.wait()
        return measured, json.loads(out.strip().splitlines()[-1])

    latencies(5)  # warm up
    alone = latencies()
    web = server.worker_pid
    memory_before = anon_mb(web)
    with_busy, busy = beside("busy")
    flooded, flood = beside("flood")
    memory_after = anon_mb(web)
    after_busy, busy_after = beside("busy")
    with_busy += after_busy
    phases = (("alone", alone), ("busy", with_busy), ("flood", flooded))
    p50 = {name: percentile(values, 50) for name, values in phases}
    p95 = {name: percentile(values, 95) for name, values in phases}
    answers = flood["answers"]
    busy_reads = busy["answers"].get("result", 0) + busy_after["answers"].get("result", 0)
    summary = (f"calm client p50/p95 alone {p50['alone'] * 1000:.0f}/{p95['alone'] * 1000:.0f} ms, beside a busy "
               f"client {p50['busy'] * 1000:.0f}/{p95['busy'] * 1000:.0f} ms ({busy_reads} reads), during the flood "
               f"{p50['flood'] * 1000:.0f}/{p95['flood'] * 1000:.0f} ms; flooder sent {flood['sent']} frames in "
               f"{flood['seconds']:.0f} s, answers {answers}; web process {memory_before:.0f} -> {memory_after:.0f} "
               f"MB; load {os.getloadavg()[0]:.1f}")
    print("\n" + summary)
    assert flood["sent"] > 20 * DEFAULTS["FRAMES_PER_SECOND"], summary  # it did flood
    assert answers.get("rate_limited", 0) > flood["sent"] / 2, summary  # and the limit stopped it
    assert sum(answers.get(k, 0) for k in ("result", "rate_limited", "dropped")) >= flood["sent"] * 0.99, \
        f"frames left unanswered: {summary}"
    # frames admitted: at most the rate over the flood and the 2 s its backlog takes to drain, plus one burst
    allowed = DEFAULTS["FRAMES_PER_SECOND"] * (flood["seconds"] + 2) + DEFAULTS["FRAME_BURST"]
    assert answers.get("result", 0) + answers.get("dropped", 0) <= allowed, summary
    assert p50["flood"] <= 2 * p50["busy"] + 0.05, summary
    assert memory_after - memory_before < 50, summary
