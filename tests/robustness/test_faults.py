"""Faults, against the app served by gunicorn as in production: the inference process killed or hung, SIGTERM.

A stopped process (SIGSTOP) is a hung worker, and holding the worker stopped for a moment is how these
tests make sure a frame or an upload is being read at the instant they kill it or signal the server.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.support.api_checks import error_of
from tests.support.digit_paper import number_png
from tests.support.polling import wait_until
from tests.support.servers import alive, post_image, state_of

pytestmark = pytest.mark.slow

RESTART_BUDGET_S = 10.0  # the bound: a killed worker is serving again within this...
COLD_START_FACTOR = 1.25  # ...or, on a machine so loaded that a cold start alone takes longer, within 1.25 cold starts
TIMEOUT_S = 3.0  # INFERENCE_TIMEOUT_S of the test servers (conftest.SERVER_ENV)
# The tests that stop the worker on purpose (to have work surely in flight) give their own server a timeout far
# longer than any wait of theirs, so that on a busy machine the timeout cannot fire first and answer for them.
LONG_TIMEOUT_S = 30.0
HOLD_S = 2.0  # how long a frame or an upload is given to reach the stopped worker (milliseconds when idle)
STOPPED = "the inference process stopped"  # the message of a round failed by a dead or hung worker (_stopped())


def ready(client, timeout: float = 120.0):
    return wait_until(lambda: [s for _, s in client.named("status") if s.get("state") == "ready"], timeout,
                      "status ready")


def server_ready(server, timeout: float = 180.0) -> None:
    """Wait for /healthz to say ready (an earlier test may have left the worker restarting)."""
    from tests.support.servers import http_json

    wait_until(lambda: (http_json(server.url + "/healthz")[1] or {}).get("inference") == "ready", timeout,
               "the inference process to be ready")


def test_killed_inference_process_restarts_within_10_s_and_pages_recover_without_reloading(gunicorn_factory,
                                                                                            sockets):
    """A server of its own, INFERENCE_TIMEOUT_S 30: the error to the frame being read must come from the worker's
    death being seen, and with a 3 s timeout a busy machine could not tell that from the timeout firing."""
    server = gunicorn_factory({"DIGIT_READER_INFERENCE_TIMEOUT_S": str(LONG_TIMEOUT_S)})
    page = sockets(server.url)
    ready(page)
    image = number_png("4071")
    page.send_frame(1, image)
    assert page.wait_answer(1, 60)[1] == "result"
    old = server.inference_pid()

    os.kill(old, signal.SIGSTOP)  # hold it so that frame 2 is surely being read when it dies
    page.send_frame(2, image)
    time.sleep(HOLD_S)
    assert not page.answers(2), "frame 2 was answered by a stopped worker"
    os.kill(old, signal.SIGKILL)
    killed = time.monotonic()

    # The frame being read gets an error event when the worker dies, not when its round times out: the timeout
    # would answer LONG_TIMEOUT_S - HOLD_S = 28 s after the kill; a death is seen at once (the worker's socket
    # closes), so a third of the timeout leaves a loaded machine 10 s to deliver the error and still fails a
    # backend that waits for the timeout.
    answered, name, payload = page.wait_answer(2, LONG_TIMEOUT_S * 2 + 10)
    assert name == "error", payload
    code, message = error_of(payload)
    assert code == "inference_unavailable" and STOPPED in message, payload
    assert answered - killed < LONG_TIMEOUT_S / 3, (f"the error came {answered - killed:.1f} s after the kill: the "
                                                    f"round's timeout ({LONG_TIMEOUT_S:.0f} s), not the death, ended it")

    # every page hears "restarting" and then "ready", within the budget
    restarting_at = wait_until(lambda: [t for t, s in page.named("status") if s["state"] == "restarting"], 30,
                               "status restarting")[0]
    ready_at = wait_until(lambda: [t for t, s in page.named("status") if s["state"] == "ready" and t > restarting_at],
                          60, "status ready after the restart")[0]
    restart_s = ready_at - killed
    new = server.inference_pid()
    assert new != old and not alive(old)
    # The worker's own start (TensorFlow import, model load, warm-up) is most of a restart: about 4 s on an idle
    # 2-core machine, 8-9 s at a load average of 15. The backend must add next to nothing to it. The cold start it
    # is compared with is this test's own server's, measured a moment ago under the same load.
    budget = max(RESTART_BUDGET_S, COLD_START_FACTOR * server.ready_after_s)
    assert restart_s <= budget, (f"the new inference process was ready {restart_s:.1f} s after the kill (budget "
                                 f"{budget:.1f} s; a cold start of the whole server took {server.ready_after_s:.1f} s)")

    # results again on the same connection: no reload, no reconnect
    for seq in (3, 4, 5):
        page.send_frame(seq, image)
        _, name, payload = page.wait_answer(seq, 60)
        assert name == "result", payload
        assert [n["text"] for n in payload["numbers"]] == ["4071"], payload["numbers"]
    assert page.sio.connected and page.disconnects == []
    print(f"\nkilled inference process: error to the waiting page after {answered - killed:.2f} s, ready again "
          f"after {restart_s:.1f} s (cold start of the server {server.ready_after_s:.1f} s, "
          f"load {os.getloadavg()[0]:.1f})")


def test_hung_inference_process_is_detected_by_the_timeout_and_replaced(server, sockets):
    server_ready(server)
    page = sockets(server.url)
    ready(page)
    old = server.inference_pid()
    os.kill(old, signal.SIGSTOP)  # hung: alive, holding its socket, answering nothing
    try:
        page.send_frame(1, number_png("7"))
        started = time.monotonic()
        status, body, headers = post_image(server.url, number_png("7"), client="198.51.100.10", timeout=60)
        took = time.monotonic() - started
        # Answered (not the client's 60 s timeout), and by the hang being found: the round's INFERENCE_TIMEOUT_S
        # failed the worker's link (STOPPED), not the upload's own wait giving up at twice that ("no answer from
        # the inference process within 6 s"), which is what a backend blind to hung workers would say. The
        # message tells them apart on a machine of any speed, where a bound on ``took`` could not.
        assert status == 503, (status, body)
        code, message = error_of(body)
        assert code == "inference_unavailable" and STOPPED in message, body
        assert int(headers["Retry-After"]) >= 1
        _, name, payload = page.wait_answer(1, TIMEOUT_S * 2 + 30)
        assert name == "error" and error_of(payload)[0] == "inference_unavailable", payload
        assert STOPPED in error_of(payload)[1], payload

        # the hung process is killed, not left behind, and a new one serves
        wait_until(lambda: not alive(old), 30, "the hung inference process to be killed")
        wait_until(lambda: post_image(server.url, number_png("7"), client="198.51.100.11")[0] == 200, 90,
                   "results from a new inference process", interval=0.5)
        assert server.inference_pid() != old
        page.send_frame(2, number_png("7"))
        assert page.wait_answer(2, 60)[1] == "result"
        assert page.sio.connected
        print(f"\nhung inference process: 503 after {took:.1f} s (INFERENCE_TIMEOUT_S {TIMEOUT_S:.0f} s)")
    finally:
        if state_of(old) == "T":
            os.kill(old, signal.SIGKILL)


def deaf_client(url: str):
    """A Socket.IO client that connects and never reads again: it will not hear the server's close."""
    import websocket

    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=10)
    assert ws.recv().startswith("0"), "no Engine.IO open packet"
    ws.send("40")  # join the default namespace
    wait_until(lambda: ws.recv().startswith("40"), 10, "the namespace to be joined")
    return ws


@pytest.mark.parametrize("target", ["master", "process group"])
def test_sigterm_finishes_in_flight_work_closes_sockets_cleanly_and_exits(gunicorn_factory, sockets, target):
    """SIGTERM to gunicorn's master (docker, kubernetes) or to its whole process group (systemd's default):
    the upload and the frame being read are answered, every page gets a clean close (and would reconnect
    to the restarted server), and everything has exited well before gunicorn's graceful timeout, even
    with a client that never answers the close.

    The graceful timeout is 60 s so that "well before it" (half: 30 s) leaves a loaded machine room to finish
    the two reads, close and exit, while a server that waits for its connections to end still takes 60 s and
    fails; the inference timeout is 30 s so that the worker held stopped cannot time out and fail the reads."""
    graceful_s = 60.0
    server = gunicorn_factory({"DIGIT_READER_INFERENCE_TIMEOUT_S": str(LONG_TIMEOUT_S)}, graceful_timeout_s=graceful_s)
    idle_page, busy_page = sockets(server.url), sockets(server.url)
    ready(idle_page), ready(busy_page)
    deaf = deaf_client(server.url)
    inference = server.inference_pid()
    web = server.worker_pid

    os.kill(inference, signal.SIGSTOP)  # both requests below are surely in flight when SIGTERM comes
    upload = {}
    thread = threading.Thread(target=lambda: upload.update(
        answer=post_image(server.url, number_png("4071"), client="198.51.100.12", timeout=60)), daemon=True)
    thread.start()
    busy_page.send_frame(1, number_png("4071"))
    time.sleep(HOLD_S)
    assert thread.is_alive() and not busy_page.answers(1), "the requests finished before the signal"

    signalled = time.monotonic()
    if target == "master":
        os.kill(server.process.pid, signal.SIGTERM)
    else:
        os.killpg(server.process.pid, signal.SIGTERM)
    time.sleep(1.0)
    os.kill(inference, signal.SIGCONT)

    thread.join(30)
    assert not thread.is_alive(), "the in-flight upload never finished"
    status, body, _ = upload["answer"]
    assert status == 200, (status, body, server.log_tail())
    assert [n["text"] for n in body["numbers"]] == ["4071"]
    answered, name, payload = busy_page.wait_answer(1, 30)
    assert name == "result", payload

    rc = server.process.wait(timeout=graceful_s + 15)
    exited = time.monotonic() - signalled
    assert rc == 0, server.log_tail()
    assert exited < graceful_s / 2, (f"the server took {exited:.1f} s to exit: it waited out its graceful timeout "
                                     f"({graceful_s:.0f} s) instead of closing its connections")
    for page in (idle_page, busy_page):
        wait_until(lambda: page.disconnects, 15, "the page to see the connection closed")
        when, reason = page.disconnects[0]
        assert reason in ("server disconnect", "io server disconnect"), f"not a clean close: {reason!r}"
    assert busy_page.disconnects[0][0] >= answered, "the connection was closed before the frame's answer"
    wait_until(lambda: not alive(web) and not alive(inference), 30, "the web and inference processes to exit")
    assert server.group_pids() == []
    deaf.close()
    print(f"\nSIGTERM to the {target}: in-flight upload 200, frame answered, exit 0 after {exited:.1f} s")
