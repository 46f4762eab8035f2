"""What the web process needs beside Flask: CPU work off the event loop, a fast websocket unmasking and a
shutdown that ends every websocket for eventlet, and freed image buffers handed back to the system."""
from __future__ import annotations

import gc
import logging
import time
import weakref

import numpy as np

log = logging.getLogger(__name__)


def return_big_buffers_to_the_system(threshold_bytes: int = 1 << 20) -> bool:
    """glibc serves an allocation from mmap (handed back to the system when freed) only above a threshold,
    and raises that threshold to the size of each mmapped block freed, up to 32 MB. After one big image,
    decoded images of that size are carved from the heap, where what is freed stays resident when anything
    lies above it: the web process's memory rises in steps with the biggest images seen. A fixed
    threshold keeps image buffers on mmap. False where there is no glibc (nothing to do)."""
    import ctypes
    import ctypes.util

    M_MMAP_THRESHOLD = -3
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, threshold_bytes))
    except (OSError, AttributeError):
        return False


def freeze_startup_objects() -> None:
    """Put every object alive after start (modules, the app, the warm-up's caches) out of the garbage
    collector's reach. Each full collection walked all ~90,000 of them: 45 ms on a quiet core, 50-75 ms every
    4.5 s at 50 clients, with the event loop stopped for all of them, the slowest /healthz answers of the
    load benchmark. Objects made after start are collected as before."""
    gc.collect()
    gc.freeze()


def offload_for(async_mode: str):
    """A ``run(function, *args)`` that keeps CPU-heavy image work off the event loop."""
    if async_mode == "eventlet":
        from eventlet import tpool

        return tpool.execute
    if async_mode == "gevent":
        import gevent

        return lambda function, *args: gevent.get_hub().threadpool.apply(function, args)
    return lambda function, *args: function(*args)


def _apply_mask(data, mask, length=None, offset=0):
    """RFC 6455 unmasking with numpy: XOR ``data`` with the 4-byte ``mask`` starting at ``offset``."""
    length = len(data) if length is None else length
    key = bytes(mask[offset % 4 :]) + bytes(mask[: offset % 4])
    repeated = np.frombuffer(key * (length // 4 + 1), np.uint8, count=length)
    return (np.frombuffer(data, np.uint8, count=length) ^ repeated).tobytes()


def speed_up_eventlet_websockets() -> None:
    """eventlet unmasks every incoming websocket byte in a Python loop on the event loop (about 11 ms
    for a 30 KB webcam frame), which stalls everything at a few clients; numpy does it in microseconds."""
    from eventlet import websocket

    websocket.RFC6455WebSocket._apply_mask = staticmethod(_apply_mask)


def track_websocket_handlers(eio_server) -> weakref.WeakSet:
    """eventlet: remember the green thread serving each websocket (weakly), so that a shutdown can end
    the ones that would not end by themselves (``end_websocket_handlers``)."""
    import eventlet

    handlers = weakref.WeakSet()
    base = eio_server._async["websocket"]

    class TrackedWebSocketWSGI(base):
        def __call__(self, environ, start_response):
            handlers.add(eventlet.getcurrent())
            return super().__call__(environ, start_response)

    eio_server._async = {**eio_server._async, "websocket": TrackedWebSocketWSGI}  # this server's copy only
    return handlers


def end_websocket_handlers(handlers: weakref.WeakSet, grace_s: float) -> int:
    """Give the websocket handlers ``grace_s`` to end after their clients were asked to close, then kill
    the rest; returns how many were killed. A client may ignore the close, and even one that obeys can
    leave its handler stuck: Engine.IO's writer closes the socket when the client's CLOSE packet
    arrives, and a reader already waiting on that socket is never woken (eventlet does not tell the
    waiters of a plain socket that it was closed). Either would hold the worker until its graceful
    timeout runs out."""
    import eventlet

    def still_open() -> list:
        return [handler for handler in list(handlers) if not handler.dead]

    deadline = time.monotonic() + grace_s
    while still_open() and time.monotonic() < deadline:
        eventlet.sleep(0.05)
    stuck = still_open()
    for handler in stuck:
        eventlet.kill(handler)
    if stuck:
        log.warning("shutdown: ended %d websocket connection(s) that did not close within %.0f s",
                    len(stuck), grace_s)
    return len(stuck)
