"""Digit Reader's web app: ``create_app(config=None)`` builds it for gunicorn, tests and ``python -m webapp``.

Production: ``gunicorn -k eventlet -w 1 'webapp:create_app()'``. The model runs in a separate
inference process (``webapp.serving.inference``); this process never imports TensorFlow unless
``INFERENCE`` is ``"local"``.
"""
from __future__ import annotations

import io
import logging
import secrets
import signal
from pathlib import Path

from flask import Flask, Request
from flask_socketio import SocketIO

from webapp.serving import green
from webapp.config import DEFAULTS, from_environment

ROOT = Path(__file__).resolve().parent.parent
socketio = SocketIO()
log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings (defaults < environment < ``config``), routes, socket events, the model."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.request_class = InMemoryRequest
    green.return_big_buffers_to_the_system()
    app.config.update(DEFAULTS)
    app.config.update(from_environment())
    app.config.update(config or {})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(16)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from webapp.serving import events, routes
    from webapp.serving.corrections import CorrectionsService
    from webapp.serving.service import ReaderService

    app.register_blueprint(routes.bp)
    origins = app.config["CORS_ALLOWED_ORIGINS"]
    socketio.init_app(app, async_mode=app.config["ASYNC_MODE"], cors_allowed_origins=origin_check(origins),
                      max_http_buffer_size=app.config["MAX_SOCKET_MESSAGE_BYTES"],
                      # Each client's events are handled in turn, in its connection's reader: a client that sends
                      # faster than it is served is slowed by TCP instead of filling memory with one task per
                      # event (async handlers: 68,000 frames, 490 MB, in 8 s of flood). The frame handler only
                      # checks and queues; reading runs in the slot's background task.
                      async_handlers=False,
                      client_manager=_client_manager(app.config["REDIS_URL"]))
    if socketio.async_mode == "eventlet":
        green.speed_up_eventlet_websockets()
    app.extensions["digit_reader"] = ReaderService.from_config(app.config, socketio)
    app.extensions["corrections"] = CorrectionsService.from_config(app.config, green.offload_for(socketio.async_mode))
    events.register(socketio)
    if socketio.async_mode == "eventlet":
        _close_sockets_on_sigterm(app.extensions["digit_reader"], 2 * app.config["INFERENCE_TIMEOUT_S"],
                                  app.config["CLOSE_GRACE_S"])
    if not app.testing:  # a server builds one app; tests build many, and frozen objects are never freed
        green.freeze_startup_objects()
    return app


def origin_check(origins):
    """CORS_ALLOWED_ORIGINS -> what Engine.IO checks each connection's Origin header with.

    None: the page's own origin only. "*": any. Otherwise a comma list ("https://a.example,
    https://b.example", spaces allowed) of origins allowed besides the page's own (a list given to
    Engine.IO as such would replace same-origin, and the app's own page could no longer connect).
    """
    if origins is None or origins == "*":
        return origins
    if isinstance(origins, str):
        origins = [origin.strip() for origin in origins.split(",")]
    allowed = {origin.rstrip("/") for origin in origins if origin and origin.strip()}

    def allowed_origin(origin, environ) -> bool:
        host = environ.get("HTTP_HOST", "")
        own = {f"{environ.get('wsgi.url_scheme', 'http')}://{host}"}
        if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:  # as Engine.IO's own check
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
            own.add(f"{scheme.split(',')[0].strip()}://{environ.get('HTTP_X_FORWARDED_HOST', host).split(',')[0].strip()}")
        return origin in own or origin in allowed

    return allowed_origin


class InMemoryRequest(Request):
    """Uploads stay in memory (MAX_CONTENT_LENGTH bounds them): Werkzeug would spool any multipart file over
    500 KB to a temporary file, and no image is ever to be written to disk."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def _close_sockets_on_sigterm(service, wait_s: float, grace_s: float) -> None:
    """Under gunicorn, SIGTERM makes the worker stop accepting and wait for its connections to end, but a
    websocket never ends by itself: the worker would sit out the whole graceful timeout and then drop its
    clients. gunicorn installs its handler before it loads the app, so chain it: after gunicorn's handler,
    answer the frames being read and close each connection cleanly (``ReaderService.close_connections``),
    then end the connections still open ``grace_s`` later (``green.end_websocket_handlers``)."""
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):  # not under gunicorn (python -m webapp serve): SIGTERM ends the process
        return
    handlers = green.track_websocket_handlers(socketio.server.eio)

    def shut_down():
        if service.close_connections(wait_s):  # False for the second SIGTERM (master's and the group's)
            green.end_websocket_handlers(handlers, grace_s)

    def on_sigterm(signum, frame):
        previous(signum, frame)
        socketio.start_background_task(shut_down)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (eventlet's monkey patching hides which one is, so ask signal)
        log.debug("SIGTERM handler not installed: create_app ran outside the main thread")


def _client_manager(redis_url: str | None):
    """With REDIS_URL, Socket.IO's message queue: web processes behind a sticky load balancer share it.

    None (one process) is passed explicitly too: the SocketIO object is shared, and a manager left
    from an earlier create_app in the same process must not carry over.
    """
    if not redis_url:
        return None
    import socketio as python_socketio

    # a Redis host that does not answer must cost an emit 2 s, not the system's TCP connect timeout
    return python_socketio.RedisManager(redis_url, channel="flask-socketio",
                                        redis_options={"socket_connect_timeout": 2})
