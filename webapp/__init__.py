"""Digit Reader's web app: ``create_app(config=None)`` builds it for gunicorn, tests and ``python -m webapp``.

Production: ``gunicorn -k eventlet -w 1 'webapp:create_app()'``. The model runs in a separate
inference process (``webapp.inference``); this process never imports TensorFlow unless
``INFERENCE`` is ``"local"``.
"""
from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask
from flask_socketio import SocketIO

from webapp.config import DEFAULTS, from_environment

ROOT = Path(__file__).resolve().parent.parent
socketio = SocketIO()
log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings (defaults < environment < ``config``), routes, socket events, the model."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(DEFAULTS)
    app.config.update(from_environment())
    app.config.update(config or {})
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(16)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from webapp import events, routes
    from webapp.service import ReaderService

    app.register_blueprint(routes.bp)
    origins = app.config["CORS_ALLOWED_ORIGINS"]
    socketio.init_app(app, async_mode=app.config["ASYNC_MODE"],
                      cors_allowed_origins=origins.split(",") if isinstance(origins, str) else origins,
                      max_http_buffer_size=app.config["MAX_SOCKET_MESSAGE_BYTES"],
                      client_manager=_client_manager(app.config["REDIS_URL"]))
    if socketio.async_mode == "eventlet":
        from webapp.green import speed_up_eventlet_websockets

        speed_up_eventlet_websockets()
    app.extensions["digit_reader"] = ReaderService.from_config(app.config, socketio)
    events.register(socketio)
    return app


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
