"""``python -m webapp serve [--host H] [--port P] [--model NAME_OR_PATH]`` or ``python -m webapp recognize IMAGE...``."""
from __future__ import annotations

import argparse
import json
import os
import sys


def serve(args) -> int:
    """Development server: eventlet, one process, the model in a spawned inference process."""
    import eventlet

    eventlet.monkey_patch()
    from webapp import create_app, socketio

    app = create_app({"MODEL": args.model} if args.model else None)
    print(f"Digit Reader on http://{args.host}:{args.port}/", flush=True)
    socketio.run(app, host=args.host, port=args.port)
    return 0


def recognize(args) -> int:
    """Read numbers in image files with the same recognizer as the app; print its JSON per file."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from webapp.errors import DigitReaderError
    from webapp.inference import LocalBackend
    from webapp.recognizer import Recognizer

    recognizer = Recognizer(LocalBackend(args.model))
    status = 0
    for path in args.images:
        try:
            with open(path, "rb") as f:
                result = recognizer.recognize(f.read())
            print(json.dumps({"file": path, **result}))
        except (OSError, DigitReaderError) as exc:
            print(json.dumps({"file": path, "error": str(exc)}))
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp", description="Digit Reader web app")
    sub = parser.add_subparsers(dest="command")
    s = sub.add_parser("serve", help="serve the app for development")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5000)
    s.add_argument("--model", help="a model name in model_store/ or a path")
    s.set_defaults(func=serve)
    r = sub.add_parser("recognize", help="print the numbers read in images as JSON")
    r.add_argument("images", nargs="+")
    r.add_argument("--model", help="a model name in model_store/ or a path")
    r.set_defaults(func=recognize)
    args = parser.parse_args(argv)
    if not args.command:  # plain `python -m webapp` serves
        args = parser.parse_args(["serve", *(argv or sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
