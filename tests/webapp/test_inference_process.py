"""INFERENCE="process" (the default): the model in a spawned worker that may die and is replaced."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tests.support import ROOT
from tests.support.api_checks import assert_result_schema, error_of, texts, without_timing
from tests.support.digit_paper import centred, encode, photo
from tests.support.polling import wait_until

pytestmark = pytest.mark.slow  # each test starts a real inference process (TensorFlow)

RECOGNIZE = "/api/v1/recognize"
GOOD = encode(centred("4071"))


def post(app, data: bytes, timeout: float):
    """POST ``data`` in a daemon thread; fail (instead of hanging the suite) if no answer in ``timeout`` s."""
    box = {}

    def run():
        box["response"] = app.test_client().post(RECOGNIZE, data=data, content_type="image/png")

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"POST {RECOGNIZE} hung for more than {timeout:.0f} s"
    return box["response"], time.monotonic() - started


def test_process_backend_reads_like_the_local_one(process_app, local_app):
    response, _ = post(process_app, GOOD, timeout=60)
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert_result_schema(result, 480, 200)
    assert texts(result) == ["4071"]
    local = local_app.test_client().post(RECOGNIZE, data=GOOD, content_type="image/png").get_json()
    # Number boxes come from the detector, so they match even if the model was retrained in between.
    assert [(n["text"], n["box"]) for n in result["numbers"]] == [(n["text"], n["box"]) for n in local["numbers"]]
    assert result["model"]["name"] == local["model"]["name"]


def test_process_backend_reads_a_blank_image_as_no_numbers(process_app):
    response, _ = post(process_app, encode(np.full((240, 320), 255, np.uint8)), timeout=60)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["numbers"] == []
    # ...and the inference process is still fine afterwards
    response, _ = post(process_app, GOOD, timeout=60)
    assert response.status_code == 200, response.get_json()
    assert texts(response.get_json()) == ["4071"]


def test_healthz_and_status_say_which_device(process_app, connect):
    body = process_app.test_client().get("/healthz").get_json()
    assert body["inference"] == "ready"
    assert body["model"]["device"] in ("CPU", "GPU")
    sock = connect(process_app)
    _, status = sock.wait("status", timeout=30)
    assert status["state"] == "ready" and status["model"]["device"] in ("CPU", "GPU")


def test_socket_frame_through_the_process_backend(process_app, connect):
    sock = connect(process_app)
    sock.emit("frame", {"seq": 3, "image": GOOD})
    _, result = sock.wait("result", lambda p: p.get("seq") == 3, timeout=60)
    rest, _ = post(process_app, GOOD, timeout=60)
    assert without_timing(result) == without_timing(rest.get_json())


def test_unknown_model_through_the_process_backend_is_404(process_app):
    response = process_app.test_client().post(RECOGNIZE, data=GOOD, content_type="image/png",
                                              query_string={"model": "no-such-model"})
    assert response.status_code == 404
    code, message = error_of(response)
    assert code == "unknown_model" and "no-such-model" in message


def test_killed_worker_is_replaced_and_clients_hear_about_it(process_app, connect):
    backend = process_app.extensions["digit_reader"].backend
    config = process_app.config
    sock = connect(process_app)
    sock.wait("status", lambda s: s["state"] == "ready", timeout=30)
    restarts, old_pid = backend.restarts, backend.process.pid

    backend.process.kill()
    killed_at = time.monotonic()
    time.sleep(0.2)

    # Shortly after: an answer either way (a result, or 503 while the new worker starts), never a hang.
    response, _ = post(process_app, GOOD, timeout=config["INFERENCE_TIMEOUT_S"] * 3 + 15)
    assert response.status_code in (200, 503), response.get_data(as_text=True)
    if response.status_code == 503:
        code, _ = error_of(response)
        assert code == "inference_unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    else:
        assert texts(response.get_json()) == ["4071"]

    # Within a minute of the kill it reads again, with a new worker.
    def reads_again():
        again, _ = post(process_app, GOOD, timeout=config["INFERENCE_TIMEOUT_S"] * 3 + 15)
        return again.status_code == 200 and texts(again.get_json()) == ["4071"]

    wait_until(reads_again, max(1.0, killed_at + 60 - time.monotonic()), "results within 60 s of the worker's death",
               interval=1.0)
    assert backend.restarts == restarts + 1
    assert backend.process.pid != old_pid and backend.process.poll() is None

    restarting, _ = sock.wait("status", lambda s: s["state"] == "restarting", timeout=30)
    ready, status = sock.wait("status", lambda s: s["state"] == "ready", timeout=30)
    assert restarting < ready, sock.summary()
    assert status["model"]["name"]


NO_TENSORFLOW = r"""
import json, sys, time
from webapp import create_app
app = create_app({"INFERENCE": "process", "ASYNC_MODE": "threading", "TESTING": True})
backend = app.extensions["digit_reader"].backend
try:
    deadline = time.time() + 180
    while backend.state != "ready" and time.time() < deadline:
        time.sleep(0.2)
    response = app.test_client().post("/api/v1/recognize", data=sys.stdin.buffer.read(), content_type="image/png")
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch"))
    print(json.dumps({"state": backend.state, "status": response.status_code,
                      "numbers": [n["text"] for n in (response.get_json() or {}).get("numbers", [])], "heavy": heavy}))
finally:
    backend.stop()
"""


def test_web_process_never_imports_tensorflow():
    done = subprocess.run([sys.executable, "-c", NO_TENSORFLOW], input=GOOD, capture_output=True, cwd=ROOT,
                          timeout=240)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    report = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert report["state"] == "ready" and report["status"] == 200, report
    assert report["numbers"] == ["4071"], report
    assert report["heavy"] == [], f"the web process imported {report['heavy'][:5]}"


FIRST_READS = r"""
import base64, json, sys
from webapp import create_app
app = create_app({"INFERENCE": "process", "ASYNC_MODE": "threading", "TESTING": True})
service = app.extensions["digit_reader"]
try:
    loaded = set(sys.modules)
    for blob in json.loads(sys.stdin.read()):
        try:
            service.recognizer.prepare(base64.b64decode(blob))
        except Exception:  # the junk: an error is fine, an import is not
            pass
    print(json.dumps(sorted(set(sys.modules) - loaded)))
finally:
    service.backend.stop()
"""


def test_first_frames_import_nothing_on_the_event_loop():
    """The app decodes and searches an image of each kind before it serves. Under eventlet, work offloaded
    while another thread imports runs on the event loop itself, so a first frame's imports (Pillow's format
    plugins, numpy.ma) would stall every client: after create_app, reading any image imports nothing."""
    images = [encode(photo("4071", (640, 480), 80), fmt) for fmt in ("JPEG", "PNG", "WEBP", "BMP", "GIF")]
    images += [encode(np.dstack([centred("17")] * 3 + [np.full((200, 480), 255, np.uint8)])), b"GIF89a junk"]
    done = subprocess.run([sys.executable, "-c", FIRST_READS], capture_output=True, cwd=ROOT, timeout=240,
                          input=json.dumps([base64.b64encode(image).decode() for image in images]).encode())
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert json.loads(done.stdout.decode().strip().splitlines()[-1]) == []


FROZEN = r"""
import gc, json, sys
from webapp import create_app
app = create_app({"INFERENCE": "process", "ASYNC_MODE": "threading", "TESTING": sys.argv[1] == "testing"})
try:
    print(json.dumps(gc.get_freeze_count()))
finally:
    app.extensions["digit_reader"].backend.stop()
"""


@pytest.mark.parametrize("testing", [False, True])
def test_a_served_app_puts_its_startup_objects_out_of_the_collectors_reach(testing):
    """A full garbage collection walked every object alive since start (50-75 ms with the event loop stopped,
    every few seconds under load): a served app freezes them; a test app, built many times over, does not."""
    done = subprocess.run([sys.executable, "-c", FROZEN, "testing" if testing else "served"], capture_output=True,
                          cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    frozen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert (frozen > 10_000) if not testing else frozen == 0, frozen


def test_frames_read_in_one_round_each_get_their_own_answer(process_app):
    """Clients' images sent at once share rounds of the inference process: each gets its own answer, a broken
    one its own error, and every answer says how long it waited for its round and how long the round took."""
    from webapp.errors import InvalidImageError

    backend = process_app.extensions["digit_reader"].backend
    images = [GOOD, b"not an image", encode(photo("86", size=(640, 480), height=90, seed=2), "JPEG"), GOOD] * 3
    outcomes = [None] * len(images)

    def read(index: int) -> None:
        try:
            outcomes[index] = backend.recognize(images[index])
        except Exception as exc:  # the outcome to check
            outcomes[index] = exc

    threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(o, InvalidImageError) for o in outcomes[1::4]), outcomes[1::4]
    assert [texts(o) for o in outcomes[0::4] + outcomes[3::4]] == [["4071"]] * 6
    assert all(texts(o) == ["86"] for o in outcomes[2::4]), [texts(o) for o in outcomes[2::4]]
    assert all({"queue", "round", "total"} <= set(o["timing_ms"]) for o in outcomes if isinstance(o, dict))
