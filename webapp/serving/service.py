"""What the routes and socket events share: the model backend, the recognizer, one frame slot per client."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from training.core import store
from webapp import reading
from webapp.errors import DigitReaderError, InferenceUnavailableError, UnknownModelError
from webapp.reading import Backend, Recognizer
from webapp.reading import finding
from webapp.serving import green
from webapp.serving.inference import ProcessBackend
from webapp.serving.limits import ConcurrencyLimiter, RateLimiter

log = logging.getLogger(__name__)


@dataclass
class Frame:
    """One frame from a client: its sequence number, image bytes and the model asked for."""

    seq: int
    image: bytes
    model: str | None = None
    dropped_before: int = 0  # frames of the same client, sent just before this one, that it replaced unread


@dataclass
class Slot:
    """A client's frame slot: the frame being read, and at most one newer frame waiting."""

    busy: bool = False
    waiting: Frame | None = None
    queued: bool = False  # in the service's queue of clients with a frame to read


class ReaderService:
    """Owns the backend and recognizer; reads frames so that a slow server drops stale frames."""

    def __init__(self, backend, recognizer: Recognizer, socketio, config: dict):
        self.backend, self.recognizer, self.socketio = backend, recognizer, socketio
        # images are read whole where the model is when the backend can (the inference process: this process
        # only passes bytes); else here, the model's batches sent to the backend (Redis workers, tests' fakes)
        self.recognize = backend.recognize if getattr(backend, "reader", None) is not None else recognizer.recognize
        self.slots: dict[str, Slot] = {}
        # At most this many frames are read at once, whoever sent them; other clients' frames wait in their
        # slots (the newest only) and are taken in turn. Reading every client's frame at once would share the
        # CPU between them all and make every answer late; this way a frame waits at most one frame interval
        # in its slot and is then read at full speed.
        self.max_reading = config["FRAMES_READ_AT_ONCE"]
        self.reading = 0
        self.turns: deque[str] = deque()  # clients with a waiting frame, in the order they asked
        self.lock = threading.Lock()
        self.frame_rate = RateLimiter(config["FRAMES_PER_SECOND"], config["FRAME_BURST"])
        self.upload_rate = RateLimiter(config["UPLOADS_PER_MINUTE"] / 60, config["UPLOAD_BURST"])
        self.uploads = ConcurrencyLimiter(config["CONCURRENT_UPLOADS"], config["MAX_CONCURRENT_UPLOADS"])
        self.store_dir = config["MODEL_STORE"]
        self._model_names: tuple[float, frozenset] = (0.0, frozenset())
        self.closing = False

    @classmethod
    def from_config(cls, config: dict, socketio) -> "ReaderService":
        """Start the backend the config asks for (a spawned process by default) and a recognizer over it."""
        # each web process tells its own clients (ignore_queue): with REDIS_URL every process would
        # otherwise send the same status to every client once per process
        def on_status(state, info):
            socketio.emit("status", status_payload(state, info), ignore_queue=True)

        recognizer = reading.load(backend=make_backend(config, on_status).start(), **reader_settings(config),
                                  offload=green.offload_for(socketio.async_mode))
        return cls(recognizer.backend, recognizer, socketio, config)

    def status(self) -> dict:
        """{"state": loading|ready|restarting|error, "model": {...}} for a newly connected client."""
        return status_payload(self.backend.state, self.backend.info)

    def recognize_upload(self, client: str, data: bytes, model: str | None) -> dict:
        """An upload from ``client`` (its address), within its rate and concurrency limits."""
        self.upload_rate.check(client, "uploads")
        model = self.check_model(model)
        with self.uploads.slot(client):
            return self.recognize(data, model)

    def check_model(self, model: str | None) -> str | None:
        """A model a client asks for must be a name in the store, never a path: ``store.find`` also opens
        paths, and every new spelling of one (``/abs/crnn``, ``../model_store/crnn``) would load one more copy."""
        if model is None:
            return None
        checked_at, names = self._model_names
        if model not in names and time.monotonic() - checked_at > 1.0:  # a model trained meanwhile
            names = frozenset(m.name for m in store.list_models(self.store_dir))
            self._model_names = (time.monotonic(), names)
        if model not in names:
            raise UnknownModelError(f"no model named {model!r:.80}; models: {', '.join(sorted(names)) or '(none)'}")
        return model

    def submit(self, sid: str, frame: Frame) -> None:
        """Read ``frame`` for client ``sid`` now, or keep it as the one waiting frame (dropping an older one)."""
        self.frame_rate.check(sid, "frames")
        if self.closing:
            raise InferenceUnavailableError("the server is shutting down; the page reconnects by itself",
                                            retry_after=5)
        frame.model = self.check_model(frame.model)
        if not self.socketio.server.manager.is_connected(sid, "/"):
            return  # the client left before its frame was handled: nobody to answer, and no slot to leak
        with self.lock:
            slot = self.slots.setdefault(sid, Slot())
            dropped, slot.waiting = slot.waiting, frame
            if dropped is not None:
                # Told in this frame's answer, not by an event of its own: under load nearly every frame a
                # client sends replaces one, and an event per dropped frame cost the web process most of its
                # time sending them (a third of its samples at 50 clients).
                frame.dropped_before = dropped.dropped_before + 1
            if not slot.busy and not slot.queued:
                slot.queued = True
                self.turns.append(sid)
        self._dispatch()

    def forget(self, sid: str) -> None:
        with self.lock:
            self.slots.pop(sid, None)  # its turn, if queued, is skipped by _dispatch

    def close_connections(self, wait_s: float) -> bool:
        """Graceful shutdown (SIGTERM under gunicorn): take no new frames, let the ones being read be
        answered (at most ``wait_s``), then ask every client to close its connection (Engine.IO's close
        packet). The worker exits as soon as its connections are gone instead of waiting out gunicorn's
        graceful timeout, and pages see a clean close and reconnect by themselves to the next server.
        False if a shutdown had already begun (SIGTERM from gunicorn's master and from a group-wide kill
        both arrive)."""
        if self.closing:
            return False
        self.closing = True
        deadline = time.monotonic() + wait_s
        while any(slot.busy for slot in list(self.slots.values())) and time.monotonic() < deadline:
            self.socketio.sleep(0.05)
        # Engine.IO's close packet: the client closes its end, and the connection's handler returns. (Closing
        # from this side, eio.disconnect(), leaves eventlet's websocket reader blocked on the closed socket,
        # and gunicorn would still wait out its graceful timeout.)
        from engineio import packet

        for eio_sid, eio_socket in list(self.socketio.server.eio.sockets.items()):
            try:
                eio_socket.send(packet.Packet(packet.CLOSE))
            except Exception:  # already closed
                log.debug("closing %s failed", eio_sid, exc_info=True)
        return True

    def _dispatch(self) -> None:
        """Start reading waiting frames, in the clients' turn, while fewer than ``max_reading`` are read."""
        while True:
            with self.lock:
                if self.reading >= self.max_reading or not self.turns:
                    return
                sid = self.turns.popleft()
                slot = self.slots.get(sid)
                if slot is None or slot.waiting is None:  # the client left meanwhile
                    continue
                frame, slot.waiting, slot.queued, slot.busy = slot.waiting, None, False, True
                self.reading += 1
            self.socketio.start_background_task(self._read, sid, slot, frame)

    def _read(self, sid: str, slot: Slot, frame: Frame) -> None:
        # sid is a client of this process (its frame came in here): the answers skip the message queue, and
        # results and errors keep flowing while Redis is down
        answer = {"seq": frame.seq, "dropped": frame.dropped_before}
        try:
            result = self.recognize(frame.image, frame.model)
            self.socketio.emit("result", {**answer, **result}, to=sid, ignore_queue=True)
        except DigitReaderError as exc:
            self.socketio.emit("error", {**answer, **exc.to_payload()}, to=sid, ignore_queue=True)
        except Exception:  # a bug must cost one frame, not the client's slot
            log.exception("reading a frame failed")
            error = {"code": "internal_error", "message": "the server failed to read this frame"}
            self.socketio.emit("error", {**answer, "error": error}, to=sid, ignore_queue=True)
        finally:
            with self.lock:
                self.reading -= 1
                slot.busy = False
                if slot.waiting is not None and not slot.queued and sid in self.slots:
                    slot.queued = True
                    self.turns.append(sid)  # to the back: every client gets its turn
            self._dispatch()


def make_backend(config: dict, on_status) -> Backend:
    """The backend INFERENCE names ("process", "local" or "redis"), not started; or INFERENCE itself when it is
    a backend already (tests pass one that needs no TensorFlow)."""
    kind = config["INFERENCE"]
    if not isinstance(kind, str):
        return kind
    if kind == "local":
        from webapp.reading.local import LocalBackend

        return LocalBackend(config["MODEL"], config["MODEL_STORE"])
    if kind == "redis":
        from webapp.serving.redis_backend import RedisBackend

        if not config["REDIS_URL"]:
            raise ValueError("INFERENCE 'redis' needs REDIS_URL (DIGIT_READER_REDIS_URL)")
        # twice the timeout, as ProcessBackend waits: a dead worker's requests are claimed after 5 s
        return RedisBackend(config["REDIS_URL"], config["MODEL"], timeout_s=2 * config["INFERENCE_TIMEOUT_S"],
                            on_status=on_status)
    if kind == "process":
        return ProcessBackend(config["MODEL"], config["MODEL_STORE"], timeout_s=config["INFERENCE_TIMEOUT_S"],
                              batch_window_s=config["BATCH_WINDOW_MS"] / 1000, max_batch=config["MAX_BATCH"],
                              start_timeout_s=config["INFERENCE_START_TIMEOUT_S"], on_status=on_status,
                              max_queued=config["MAX_QUEUED_BATCHES"],
                              preload=(config["DETECTOR"],) if finding.uses_map(config["FINDER"]) else (),
                              reader=reader_settings(config), max_images=config["IMAGES_PER_ROUND"])
    raise ValueError(f"INFERENCE must be 'process', 'local' or 'redis'; received {kind!r}")


def reader_settings(config: dict) -> dict:
    """The Recognizer's settings from the app's, wherever it runs (here, or in the inference process)."""
    return {"max_pixels": config["MAX_PIXELS"], "min_confidence": config["MIN_CONFIDENCE"],
            "finder": config["FINDER"], "detector": config["DETECTOR"]}


def status_payload(state: str, info: dict) -> dict:
    return {"state": state, "model": {"name": info.get("name"), "version": info.get("version"),
                                      "device": info.get("device")}}
