"""Socket.IO events. Thin handlers: parse, hand to the ReaderService, answer."""
from __future__ import annotations

from flask import current_app, request
from flask_socketio import SocketIO, emit

from webapp.errors import BadRequestError, DigitReaderError, InternalError
from webapp.serving.service import Frame

MAX_SEQ = 2**53 - 1  # what a JavaScript number holds exactly


def service():
    return current_app.extensions["digit_reader"]


def parse_frame(payload) -> Frame:
    """``{"seq": int, "image": bytes, "model": str?}`` -> Frame; anything else raises BadRequestError."""
    if not isinstance(payload, dict):
        raise BadRequestError(f"frame must be an object with seq and image, got {type(payload).__name__}")
    seq, image, model = payload.get("seq"), payload.get("image"), payload.get("model")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        raise BadRequestError(f"frame.seq must be an integer from 0 to {MAX_SEQ}, got {seq!r:.40}")
    if not isinstance(image, (bytes, bytearray)):
        raise BadRequestError(f"frame.image must be binary image bytes, got {type(image).__name__}")
    if model is not None and (not isinstance(model, str) or len(model) > 200):
        raise BadRequestError(f"frame.model must be a model name, got {model!r:.40}")
    return Frame(seq, bytes(image), model or None)


def on_connect(auth=None):
    """Sent by every client on connecting; answers ``status`` (model loading or ready, which model)."""
    emit("status", service().status())


def on_disconnect(reason=None, *extra):
    """A client left: drop its frame slot.

    A client can also send an event named "disconnect" (with any arguments): it is still connected then, and
    nothing happens; dropping its slot would let it have any number of frames read at once.
    """
    if current_app.extensions["socketio"].server.manager.is_connected(request.sid, "/"):
        return
    service().forget(request.sid)


def on_frame(payload=None, *extra):
    """Sent by the page for each canvas drawing or webcam frame; answers ``result`` (or ``error``) with its seq."""
    try:
        service().submit(request.sid, parse_frame(payload))
    finally:
        # A client's events are handled in its connection's reader (async_handlers off), which reads on without
        # yielding while its socket has data: let the other clients' work run between two frames of a flood.
        current_app.extensions["socketio"].sleep(0)


def on_error(exc):
    """Every handler's errors end here: a domain error becomes an ``error`` event; the connection stays."""
    seq = request.event["args"][0].get("seq") if request.event["args"] and isinstance(request.event["args"][0], dict) \
        else None
    if not isinstance(exc, DigitReaderError):
        current_app.logger.exception("socket handler failed", exc_info=exc)
        exc = InternalError("the server could not handle this event")
    valid_seq = isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= MAX_SEQ
    emit("error", {"seq": seq if valid_seq else None, **exc.to_payload()})


def register(socketio: SocketIO) -> None:
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("frame", on_frame)
    socketio.on_error_default(on_error)
