"""Socket.IO clients for the tests: ``SocketEvents`` around Flask-SocketIO's test client (in-process apps),
``SocketClient``, a real python-socketio client on the websocket transport (served apps)."""
from __future__ import annotations

import functools
import threading
import time

from tests.support.polling import wait_until


class SocketEvents:
    """Wraps Flask-SocketIO's test client; collects what the server sends without losing events.

    The test client appends every event the server emits to ``client.queue`` (also from the
    service's background threads). ``get_received`` rebuilds that list and can drop an event
    appended meanwhile, so this class only reads the list and remembers which events it handed out.
    """

    def __init__(self, client):
        self.client = client
        self.claimed: set[int] = set()

    def emit(self, event: str, *args) -> None:
        self.client.emit(event, *args)

    def events(self) -> list[tuple[str, object]]:
        """(name, first argument) of every event received so far, in order."""
        return [(e["name"], e["args"][0] if e["args"] else None) for e in list(self.client.queue)]

    def wait(self, name: str, match=None, timeout: float = 30.0):
        """The first not yet returned event ``name`` whose payload satisfies ``match``; (index, payload)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (event, payload) in enumerate(self.events()):
                if index in self.claimed or event != name or (match is not None and not match(payload)):
                    continue
                self.claimed.add(index)
                return index, payload
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name!r} event matching within {timeout:.0f} s; received: {self.summary()}")
            time.sleep(0.02)

    def answers(self, seq: int) -> list[tuple[str, dict]]:
        """Every ``result`` or ``error`` event carrying ``seq``."""
        return [(name, payload) for name, payload in self.events()
                if name in ("result", "error") and isinstance(payload, dict) and payload.get("seq") == seq]

    def summary(self) -> list:
        out = []
        for name, payload in self.events():
            if isinstance(payload, dict):
                short = {k: payload[k] for k in ("seq", "state", "error") if k in payload}
                if "numbers" in payload:
                    short["numbers"] = [n.get("text") for n in payload["numbers"]]
                out.append((name, short))
            else:
                out.append((name, repr(payload)[:60]))
        return out


class SocketClient:
    """A python-socketio Client on the websocket transport that records every event with its arrival time."""

    def __init__(self, url: str, headers: dict | None = None, reconnection: bool = False):
        import socketio

        self.sio = socketio.Client(reconnection=reconnection)
        self.events: list[tuple[float, str, object]] = []
        self.disconnects: list[tuple[float, object]] = []
        self.lock = threading.Lock()
        self.sent: dict[int, float] = {}

        for name in ("status", "result", "error"):
            self.sio.on(name, functools.partial(self._record, name))

        @self.sio.event
        def disconnect(reason=None):
            with self.lock:
                self.disconnects.append((time.monotonic(), reason))

        self.sio.connect(url, transports=["websocket"], headers=headers or {}, wait_timeout=20)

    def _record(self, name, payload=None):
        with self.lock:
            self.events.append((time.monotonic(), name, payload))

    def send_frame(self, seq: int, image: bytes, **extra) -> None:
        self.sent[seq] = time.monotonic()
        self.sio.emit("frame", {"seq": seq, "image": image, **extra})

    def answers(self, seq: int) -> list[tuple[float, str, dict]]:
        with self.lock:
            return [(t, name, p) for t, name, p in self.events
                    if name in ("result", "error") and isinstance(p, dict) and p.get("seq") == seq]

    def wait_answer(self, seq: int, timeout: float) -> tuple[float, str, dict]:
        return wait_until(lambda: (self.answers(seq) or [None])[0], timeout, f"an answer to frame {seq}", 0.005)

    def named(self, name: str) -> list[tuple[float, object]]:
        with self.lock:
            return [(t, p) for t, n, p in self.events if n == name]

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass
