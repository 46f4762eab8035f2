"""Every setting and its default, in one place. Environment variables ``DIGIT_READER_<KEY>``
override the defaults; a dict passed to ``create_app`` overrides both."""
from __future__ import annotations

import os
from pathlib import Path

from webapp.reading.recognizer import DETECTOR, FINDER, MIN_CONFIDENCE

DEFAULTS = {
    "MODEL": None,  # a name in the model store or a path; None: the store's DEFAULT
    "FINDER": FINDER,  # "learned" (the detector), "classical" (the hand-tuned reading/detect.py) or "both"
    "DETECTOR": DETECTOR,  # the number detector in the model store
    "MODEL_STORE": None,  # None: the repository's model_store/
    "INFERENCE": "process",  # "process": a spawned worker; "local": TensorFlow in this process (tools);
    # a backend object itself (tests: tests/support/fake_backend.py);
    # "redis": python -m webapp.serving.redis_worker processes on any machine, through REDIS_URL (webapp.serving.redis_backend)
    "REDIS_URL": None,  # redis://[:password@]host:6379/0: set, several web processes share Socket.IO through it
    "CLOSE_GRACE_S": 2.0,  # on SIGTERM, connections still open this long after being asked to close are ended
    "INFERENCE_TIMEOUT_S": 10.0,  # a batch not answered within this is a hung worker: it is replaced
    "INFERENCE_START_TIMEOUT_S": 180.0,
    # the dispatcher batches what is waiting when the inference process is free (work piles up while it is busy);
    # a window > 0 also waits this long for more: fuller batches, a slower answer for a lone client
    "BATCH_WINDOW_MS": 0.0,
    "MAX_BATCH": 64,
    "IMAGES_PER_ROUND": 8,  # images (frames, uploads) the inference process reads at once, several clients' together
    "MAX_QUEUED_BATCHES": 128,  # images waiting for or in the inference process; past it 503 with Retry-After
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,  # bytes in one upload (413 past it)
    "MAX_SOCKET_MESSAGE_BYTES": 4 * 1024 * 1024,  # one Socket.IO message (the connection is refused past it)
    "MAX_PIXELS": 40_000_000,  # decoded pixels in one image (decompression bombs)
    "MIN_CONFIDENCE": MIN_CONFIDENCE,  # numbers read with less are not reported (chosen in the reader)
    "FRAMES_PER_SECOND": 30.0,  # per Socket.IO client; past it frames get a rate_limited error
    "FRAME_BURST": 10,
    "UPLOADS_PER_MINUTE": 120,  # per remote address; past it 429 with Retry-After
    "UPLOAD_BURST": 20,
    "CONCURRENT_UPLOADS": 4,  # per remote address at once (429 past it)
    "MAX_CONCURRENT_UPLOADS": 32,  # all clients together (503 past it)
    # Socket.IO frames being read at once, all clients together: enough to fill the inference process's rounds
    # (this process only passes their bytes); the rest wait in their clients' slots, the newest only
    "FRAMES_READ_AT_ONCE": 16,
    "CORS_ALLOWED_ORIGINS": None,  # Socket.IO origins: None means same-origin only; a comma list allows those
    "TRUSTED_PROXIES": 0,  # behind nginx: 1, so limits apply to X-Forwarded-For's client, not the proxy
    "ASYNC_MODE": None,  # Socket.IO's: None picks eventlet when installed (production); tests use "threading"
    "SECRET_KEY": None,  # from the environment in production; a random one per start otherwise
    # corrections (issue 24, docs/corrections.md): the SQLite file every web process shares; None:
    # corrections.sqlite3 in the app's instance folder (corrections_db), created on the first correction
    "CORRECTIONS_DB": None,
    "MAX_CORRECTIONS": 10_000,  # samples kept at most; past it (or the bytes) a new one gets 507, the oldest stay
    "MAX_CORRECTIONS_BYTES": 256 * 2**20,  # bytes of stored images (crops and drawings) at most
    "CORRECTIONS_PER_MINUTE": 10,  # per remote address; past it 429 with Retry-After
    "CORRECTION_BURST": 5,
}


def from_environment(environ=os.environ) -> dict:
    """The ``DIGIT_READER_*`` variables that name known settings, converted to the defaults' types."""
    settings = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(f"DIGIT_READER_{key}")
        if raw is None:
            continue
        settings[key] = type(default)(raw) if isinstance(default, (int, float)) and not isinstance(default, bool) \
            else raw
    return settings


def corrections_db(settings: dict) -> Path:
    """The corrections database: CORRECTIONS_DB, or ``training.core.corrections.DB_FILE`` in the app's instance folder
    (Flask's ``instance_path`` for this package: ``instance/`` beside ``webapp/`` in a checkout). The app and
    ``python -m training corrections`` both resolve it with ``training.core.corrections.app_database``."""
    from training.core.corrections import app_database

    return app_database(settings.get("CORRECTIONS_DB"))


def current_settings() -> dict:
    """Every setting as the app starts with them when given no dict: the defaults, then the environment."""
    return {**DEFAULTS, **from_environment()}
