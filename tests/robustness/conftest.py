"""Fixtures for the robustness tests: an in-process app for fuzzing and rules, gunicorn for faults and overload.

The in-process app's model is the fake backend (tests/support/fake_backend.py: the real model's recorded
answers) and it is driven through Flask's and Flask-SocketIO's test clients, like tests/webapp. The gunicorn server is the production command (eventlet,
one worker, the model in a spawned ``python -m webapp.serving.worker``) with INFERENCE_TIMEOUT_S at 3 s, so that a
hung worker is found quickly, and one trusted proxy hop, so that each test sends its uploads from an
address of its own (X-Forwarded-For) and has its own upload limits.
"""
from __future__ import annotations

import pytest

from tests.support.servers import Gunicorn
from tests.support.sockets import SocketClient

# Rate limits are per remote address and every test client is 127.0.0.1: the in-process app gets room
# for the whole suite; tests of the limits put production limiters back on the service.
LIFTED = {"UPLOADS_PER_MINUTE": 1_000_000, "UPLOAD_BURST": 100_000, "FRAMES_PER_SECOND": 100_000.0,
          "FRAME_BURST": 100_000}
SERVER_ENV = {"DIGIT_READER_INFERENCE_TIMEOUT_S": "3", "DIGIT_READER_TRUSTED_PROXIES": "1"}


@pytest.fixture(scope="session")
def app(model_backend):
    """The app in this process, its model answered by the fake backend (no TensorFlow); limits lifted."""
    from webapp import create_app

    return create_app({"ASYNC_MODE": "threading", "TESTING": True, "INFERENCE": model_backend, **LIFTED})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def service(app):
    return app.extensions["digit_reader"]


@pytest.fixture
def probe(app):
    """A Socket.IO test client of the in-process app whose handlers run synchronously (see SocketProbe)."""
    from tests.support.fuzz_cases import SocketProbe
    from webapp import socketio

    server = app.wsgi_app.engineio_app
    configured = server.async_handlers
    probe = SocketProbe(app, socketio)
    yield probe
    if probe.client.is_connected():
        probe.client.disconnect()
    server.async_handlers = configured


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn as in production, INFERENCE_TIMEOUT_S 3, ready; the whole process group killed afterwards."""
    running = Gunicorn(SERVER_ENV, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    try:
        running.start().wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
def gunicorn_factory(tmp_path):
    """``start(env, graceful_timeout_s) -> Gunicorn`` for a test that needs a server of its own (killed after)."""
    started = []

    def start(env: dict | None = None, graceful_timeout_s: float = 30.0) -> Gunicorn:
        running = Gunicorn({**SERVER_ENV, **(env or {})}, tmp_path / f"gunicorn-{len(started)}.log",
                           graceful_timeout_s)
        started.append(running)
        running.start().wait_ready()
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def sockets():
    """``connect(url, headers=None) -> SocketClient`` (real websocket clients), all closed after the test."""
    opened = []

    def connect(url: str, headers: dict | None = None, reconnection: bool = False) -> SocketClient:
        opened.append(SocketClient(url, headers, reconnection))
        return opened[-1]

    yield connect
    for client in opened:
        client.close()
