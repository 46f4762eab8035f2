"""The inference process: ``python -m webapp.serving.worker --fd N [--model NAME] [--store DIR] [--preload NAME]``.

Started by ``webapp.serving.inference.ProcessBackend`` in a fresh interpreter. Loads the model (on the
GPU when TensorFlow sees one), says hello, then answers batches on the inherited socket until
it closes. TensorFlow lives here only.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def serve(sock: socket.socket, backend) -> None:
    """Answer requests until the web process closes the socket."""
    from webapp.errors import UnknownModelError
    from webapp.serving.inference import recv_message, send_message

    while True:
        try:
            header, batch = recv_message(sock)
        except ConnectionError:
            return
        try:
            logits, info = backend.predict(header.get("model"), batch)
        except UnknownModelError as exc:
            send_message(sock, {"error": {"type": "unknown_model", "message": exc.message}})
            continue
        except Exception as exc:  # report, keep serving: one bad batch must not kill the others' model
            send_message(sock, {"error": {"type": "failed", "message": f"{type(exc).__name__}: {exc}"}})
            continue
        send_message(sock, {"shape": list(logits.shape), "info": info}, logits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.serving.worker")
    parser.add_argument("--fd", type=int, required=True, help="inherited socket to the web process")
    parser.add_argument("--model")
    parser.add_argument("--store")
    parser.add_argument("--preload", action="append", default=[],
                        help="another stored model to load and warm before saying hello (the number detector)")
    args = parser.parse_args(argv)
    # The web process owns this process's life: it exits when the socket closes (the web process ended or
    # replaced it) or is killed. A SIGTERM or Ctrl-C sent to the whole process group (systemd's default
    # KillMode, a terminal) must not kill it under requests still being read during a graceful shutdown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=args.fd)
    sock.setblocking(True)
    from training.quiet import quiet_tensorflow
    from webapp.serving.inference import send_message

    try:
        quiet_tensorflow()
        from webapp.reading.local import LocalBackend

        backend = LocalBackend(args.model, args.store)
        info = backend.info
        for name in args.preload:  # loaded now, or the first frame would wait for it
            backend.model_info(name)
    except Exception as exc:
        send_message(sock, {"error": {"type": "start", "message": f"{type(exc).__name__}: {exc}"}})
        return 1
    send_message(sock, {"info": info})
    serve(sock, backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
