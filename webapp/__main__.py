"""``python -m webapp serve [--host H] [--port P] [--model NAME_OR_PATH]`` or ``python -m webapp recognize IMAGE...``."""
from __future__ import annotations

import argparse
import json
import os
import sys


# eventlet must patch the standard library before anything else is imported, and ``python -m webapp`` has
# imported Flask already (this package's __init__): the server runs in a fresh interpreter that patches first.
PATCH_FIRST = ("import warnings; warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated'); "
               "import eventlet; eventlet.monkey_patch(); "
               "import sys; from webapp.__main__ import run_server; sys.exit(run_server(*sys.argv[1:]))")


def serve(args) -> int:
    """Development server: eventlet, one process, the model in a spawned inference process."""
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-c", PATCH_FIRST, args.host, str(args.port), args.model or ""])


def run_server(host: str, port: str, model: str) -> int:
    from webapp import create_app, socketio

    app = create_app({"MODEL": model} if model else None)
    print(f"Digit Reader on http://{host}:{port}/", flush=True)
    socketio.run(app, host=host, port=int(port))
    return 0


def recognize(args) -> int:
    """Read numbers in image files with the same recognizer as the app; print its JSON per file."""
    from training.core.quiet import quiet_tensorflow
    from webapp import reading
    from webapp.errors import DigitReaderError

    quiet_tensorflow(args.verbose)
    try:
        recognizer = reading.load(args.model)
    except DigitReaderError as exc:  # an unknown model: say which exist, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
    r.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log")
    r.set_defaults(func=recognize)
    args = parser.parse_args(argv)
    if not args.command:  # plain `python -m webapp` serves
        args = parser.parse_args(["serve", *(argv or sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
