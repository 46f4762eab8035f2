"""What the async servers need: CPU work off the event loop, and a fast websocket unmasking for eventlet."""
from __future__ import annotations

import numpy as np


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
