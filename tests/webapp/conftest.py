"""Fixtures for the web app tests: one app per inference mode for the whole session, clients, Socket.IO."""
from __future__ import annotations

import pytest

from tests.support.polling import wait_until
from tests.support.sockets import SocketEvents

# Rate limits are per remote address, and every test client is 127.0.0.1: the session's apps get room
# for the whole suite; the tests of the limits install small limiters of their own.
BASE_CONFIG = {"ASYNC_MODE": "threading", "TESTING": True, "UPLOADS_PER_MINUTE": 100_000, "UPLOAD_BURST": 10_000,
               "FRAMES_PER_SECOND": 10_000.0, "FRAME_BURST": 10_000, "CORRECTIONS_PER_MINUTE": 100_000,
               "CORRECTION_BURST": 10_000}
READY_TIMEOUT_S = 180  # a worker starting TensorFlow on a busy 2-core machine


@pytest.fixture(scope="session")
def app(model_backend):
    """The app, its model answered by the fake backend (the real model's recorded answers; no TensorFlow)."""
    from webapp import create_app

    return create_app({**BASE_CONFIG, "INFERENCE": model_backend})


@pytest.fixture(scope="session")
def local_app():
    """The app with the real model in this process (TensorFlow; for the slow tests of the model itself)."""
    from webapp import create_app

    return create_app({**BASE_CONFIG, "INFERENCE": "local"})


@pytest.fixture(scope="session")
def process_app():
    """The app as production runs it: the model in a spawned ``python -m webapp.serving.worker``."""
    from webapp import create_app

    app = create_app({**BASE_CONFIG, "INFERENCE": "process"})
    backend = app.extensions["digit_reader"].backend
    try:
        wait_until(lambda: backend.state == "ready", READY_TIMEOUT_S, "the inference process to be ready")
        yield app
    finally:
        backend.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def connect():
    """``connect(app) -> SocketEvents``: a Socket.IO test client of ``app``, disconnected at teardown."""
    from webapp import socketio

    clients = []

    def _connect(app) -> SocketEvents:
        # Every create_app re-initialises the one shared SocketIO object with a new server; point it
        # back at this app's server (the one its WSGI middleware serves) before connecting.
        socketio.server = app.wsgi_app.engineio_app
        client = socketio.test_client(app, flask_test_client=app.test_client())
        clients.append(client)
        assert client.is_connected(), "the Socket.IO connection was refused"
        return SocketEvents(client)

    yield _connect
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's Chromium, started once for every end-to-end test (each opens contexts of its own in it); its fake
    webcam plays a handwritten number on paper (``tests.support.browser``)."""
    from tests.support.browser import camera_clip, chromium

    with chromium(camera_clip(tmp_path_factory.mktemp("camera"))) as launched:
        yield launched
