"""The inference process: ``python -m webapp.serving.worker --fd N [--model NAME] [--store DIR] [--preload NAME]
[--reader JSON]``.

Started by ``webapp.serving.inference.ProcessBackend`` in a fresh interpreter. Loads the model (on the
GPU when TensorFlow sees one), says hello, then answers on the inherited socket until it closes:
batches for the model, and (with ``--reader``, the Recognizer's settings) images to read whole, several
clients' at once, their CPU stages in a pool of threads. TensorFlow lives here only.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def serve(sock: socket.socket, backend, recognizer=None) -> None:
    """Answer requests until the web process closes the socket: each in a round thread, the answers sent in the
    order the requests came (the web process matches them so)."""
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from webapp.serving.inference import ROUNDS_IN_FLIGHT, recv_message

    answers: queue.Queue = queue.Queue()
    threading.Thread(target=send_answers, args=(sock, answers), name="answers", daemon=True).start()
    rounds = ThreadPoolExecutor(ROUNDS_IN_FLIGHT, thread_name_prefix="round")  # as many as the web process sends
    while True:
        try:
            header, payload = recv_message(sock)
        except ConnectionError:
            answers.put(None)
            return
        answers.put(rounds.submit(answer, backend, recognizer, header, payload))


def send_answers(sock: socket.socket, answers) -> None:
    """Each round's answer, once done, in the order the rounds came."""
    from webapp.serving.inference import send_message

    while (done := answers.get()) is not None:
        try:
            send_message(sock, *done.result())
        except OSError:  # the web process closed the socket
            return


def answer(backend, recognizer, header: dict, payload) -> tuple:
    """One request's answer (header, payload): images read whole, or a batch's logits; errors as answers."""
    from webapp.errors import DigitReaderError
    from webapp.serving.inference import error_payload

    try:
        if header.get("read"):
            return {"answers": read_round(recognizer, payload, header.get("model"))}, None
        logits, info = backend.predict(header.get("model"), payload)
        return {"shape": list(logits.shape), "info": info}, logits
    except DigitReaderError as exc:  # the round's own problem (an unknown model): every image's answer
        return {"error": error_payload(exc)}, None
    except Exception as exc:  # report, keep serving: one bad batch must not kill the others' model
        return {"error": {"type": "failed", "message": f"{type(exc).__name__}: {exc}"}}, None


def read_round(recognizer, images: list[bytes], model: str | None) -> list[dict]:
    """Each image's answer, or {"error": ...} for those that raised; an image that breaks the reader (a bug)
    costs its own answer only: the round is read again image by image."""
    from webapp.errors import DigitReaderError
    from webapp.serving.inference import error_payload

    try:
        return [{"error": error_payload(a)} if isinstance(a, DigitReaderError) else a
                for a in recognizer.recognize_many(images, model)]
    except DigitReaderError:
        raise
    except Exception as exc:
        if len(images) > 1:
            return [read_round(recognizer, [image], model)[0] for image in images]
        logging.getLogger(__name__).exception("reading an image failed")
        return [{"error": {"type": "failed", "message": f"{type(exc).__name__}: {exc}"}}]


def make_recognizer(backend, settings: dict):
    """The worker's Recognizer over its own model, the CPU stages in a thread pool, warmed up."""
    from concurrent.futures import ThreadPoolExecutor

    from webapp import reading

    return reading.load(backend=backend, pool=ThreadPoolExecutor(reading.READ_THREADS, thread_name_prefix="read"),
                        **settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.serving.worker")
    parser.add_argument("--fd", type=int, required=True, help="inherited socket to the web process")
    parser.add_argument("--model")
    parser.add_argument("--store")
    parser.add_argument("--preload", action="append", default=[],
                        help="another stored model to load and warm before saying hello (the number detector)")
    parser.add_argument("--reader", type=json.loads, help="the Recognizer's settings (JSON): read whole images too")
    args = parser.parse_args(argv)
    # The web process owns this process's life: it exits when the socket closes (the web process ended or
    # replaced it) or is killed. A SIGTERM or Ctrl-C sent to the whole process group (systemd's default
    # KillMode, a terminal) must not kill it under requests still being read during a graceful shutdown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=args.fd)
    sock.setblocking(True)
    from training.core.quiet import quiet_tensorflow
    from webapp.serving.inference import send_message

    try:
        quiet_tensorflow()
        from webapp.reading.local import LocalBackend

        backend = LocalBackend(args.model, args.store)
        info = backend.info
        for name in args.preload:  # loaded now, or the first frame would wait for it
            backend.model_info(name)
        recognizer = make_recognizer(backend, args.reader) if args.reader is not None else None
    except Exception as exc:
        send_message(sock, {"error": {"type": "start", "message": f"{type(exc).__name__}: {exc}"}})
        return 1
    send_message(sock, {"info": info})
    serve(sock, backend, recognizer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
