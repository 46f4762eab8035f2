"""The same load against the app served by gunicorn in each async mode, side by side.

``python -m benchmarks.async_modes [--quick] [--modes eventlet,threading,gevent] [--clients 10] [--seconds 30]
[--out async_modes]``

Modes (``benchmarks.common.MODES``):

* eventlet: ``-k eventlet -w 1``, production. Image work runs in eventlet's thread pool (tpool).
* threading: ``-k gthread -w 1 --threads 50`` with ``DIGIT_READER_ASYNC_MODE=threading``. Every
  open websocket holds one of the 50 threads for as long as it is open.
* gevent: ``-k gevent -w 1`` with ``DIGIT_READER_ASYNC_MODE=gevent`` (needs ``gevent``). Flask-SocketIO's
  docs give ``gunicorn -k gevent -w 1 module:app``; python-engineio serves websockets under gevent
  with ``gevent-websocket`` when installed (then the worker class must be
  ``geventwebsocket.gunicorn.workers.GeventWebSocketWorker``), otherwise with ``simple-websocket``,
  which works with the plain gevent worker: that is the set-up measured here.

For each: REST latency (sequential POSTs, canvas PNG and photo JPEG) and Socket.IO load (webcam
clients at 15 fps), the server's CPU and memory, ``/healthz`` latency, and the problems in its
log. A mode that cannot start or serve is reported with the reason, not with numbers. In
``--quick`` runs all servers start at once (to save their start-up time: "ready s" is then the
time to start side by side) and the idle ones wait while another is measured; full runs start
each just before measuring it.
Results: ``benchmarks/results/async_modes.json``.
"""
from __future__ import annotations

import argparse
import importlib.util
from contextlib import suppress

import requests

from benchmarks.common import (MODES, Server, exit_on_sigterm, fmt, machine_info, machine_line, markdown_table,
                               resolve, scene_images, write_results)
from benchmarks.load import LoadError, run_level, webcam_frames
from benchmarks.speed import IMAGE_SETS, REST_SETS, rest_latency
from tests.support.servers import ServerError

FULL = {"modes": "eventlet,threading,gevent", "clients": 10, "seconds": 30.0, "fps": 15.0, "requests": 100,
        "frames": 30}
QUICK = {"modes": "eventlet,threading,gevent", "clients": 10, "seconds": 4.0, "fps": 15.0, "requests": 5,
         "frames": 6}
REQUIRES = {"gevent": ("gevent", "simple_websocket"), "threading": ("simple_websocket",), "eventlet": ("eventlet",)}


def missing_packages(mode: str) -> list[str]:
    return [name for name in REQUIRES[mode] if importlib.util.find_spec(name) is None]


def websocket_server(mode: str) -> str:
    """Which library serves websockets in ``mode`` (python-engineio's choice)."""
    if mode == "eventlet":
        return "eventlet.websocket"
    if mode == "gevent" and importlib.util.find_spec("geventwebsocket"):
        return "gevent-websocket (needs its own gunicorn worker class)"
    return "simple-websocket"


def measure(server: Server, settings: dict, frames: list[bytes], images: dict) -> dict:
    """REST latency then Socket.IO load against one started server; failures become reasons."""
    outcome = {**server.describe(), "websocket_server": websocket_server(server.mode.name)}
    try:
        outcome["ready_after_s"] = round(server.wait_ready(), 1)
    except ServerError as exc:
        return {**outcome, "works": False, "why": f"did not start: {exc}"}
    try:
        outcome["rest"] = {name: rest_latency(server.url, [data for data, _ in images[name]], IMAGE_SETS[name][2],
                                              settings["requests"]) for name in REST_SETS}
    except requests.RequestException as exc:
        outcome["rest"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        outcome["load"] = run_level(server.url, server.process.pid, settings["clients"], settings["seconds"],
                                    settings["fps"], frames)
    except LoadError as exc:
        outcome["load"] = {"error": str(exc)}
    outcome["log_problems"] = server.problems()
    outcome["works"] = "error" not in outcome["rest"] and "error" not in outcome["load"]
    if not outcome["works"]:
        outcome["why"] = "; ".join(part["error"] for part in (outcome["rest"], outcome["load"]) if "error" in part)
    return outcome


def run_modes(names: list[str], settings: dict, start_together: bool) -> dict:
    """Each mode's outcome; servers started all at once or one at a time, always stopped."""
    frames = webcam_frames(settings["frames"])
    images = {name: scene_images(IMAGE_SETS[name][0], 3, seed=20260303 + i, size=IMAGE_SETS[name][1])
              for i, name in enumerate(REST_SETS)}
    outcomes = {name: {"works": False, "why": f"missing packages: {', '.join(missing_packages(name))}"}
                for name in names if missing_packages(name)}
    servers = [Server(MODES[name], "async_modes") for name in names if name not in outcomes]
    try:
        if start_together:
            for server in servers:
                server.start()
            for server in servers:
                with suppress(ServerError):  # measure() reports it
                    server.wait_ready()
        for server in servers:
            if server.process is None:
                server.start()
            outcomes[server.mode.name] = measure(server, settings, frames, images)
            server.stop()
    finally:
        for server in servers:
            server.stop()
    return {name: outcomes[name] for name in names}


def report(results: dict) -> str:
    """One row per mode; a mode that failed says why."""
    rows = []
    for name, mode in results["modes"].items():
        if not mode.get("works") and "load" not in mode:
            rows.append([name, "-", f"does not work: {mode['why']}"] + ["-"] * 8)
            continue
        rest, load = mode.get("rest", {}), mode.get("load", {})
        rest_cells = [f"{fmt(r['latency_ms']['p50'])} / {fmt(r['latency_ms']['p95'])}" if "latency_ms" in r
                      else rest.get("error", "-") for r in (rest.get(s, {}) for s in REST_SETS)]
        if "error" in load:
            load_cells = [f"failed: {load['error']}"] + ["-"] * 4
        else:
            server, health = load["server"], load["healthz"]["latency_ms"]
            load_cells = [f"{load['per_s']['processed']} / {load['per_s']['dropped']}",
                          load["frames"]["other_errors"] or "none",
                          f"{fmt(load['latency_ms']['p50'])} / {fmt(load['latency_ms']['p95'])}",
                          f"{fmt(health['p50'])} / {fmt(health['p95'])} / {fmt(health['max'])}",
                          f"{fmt(server.get('cpu_percent', {}).get('mean'))} / "
                          f"{fmt(server.get('rss_mb', {}).get('end'))}"]
        rows.append([name, fmt(mode.get("ready_after_s")), f"`{mode['command']}`", *rest_cells, *load_cells,
                     mode["log_problems"]["count"]])
    settings = results["settings"]
    return "\n\n".join([
        "## Async modes", machine_line(results["machine"]),
        f"REST: {settings['requests']} sequential requests per image; load: {settings['clients']} clients x "
        f"{settings['fps']:g} fps x {settings['seconds']:g} s of 640x480 JPEG frames",
        markdown_table(["mode", "ready s", "command", "REST canvas p50 / p95 ms", "REST photo p50 / p95 ms",
                        "processed / dropped per s", "other errors", "frame latency p50 / p95 ms",
                        "healthz p50 / p95 / max ms", "server CPU % / RSS MB", "log problems"], rows),
        "\n".join(f"- {name}: {mode['why']}" for name, mode in results["modes"].items() if not mode.get("works")),
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.async_modes", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds per mode, for development")
    parser.add_argument("--modes", help=f"comma-separated, from {', '.join(MODES)} (default all)")
    parser.add_argument("--clients", type=int, help=f"Socket.IO clients (default {FULL['clients']})")
    parser.add_argument("--seconds", type=float, help=f"load time per mode (default {FULL['seconds']:g})")
    parser.add_argument("--fps", type=float, help=f"frames per second per client (default {FULL['fps']:g})")
    parser.add_argument("--requests", type=int, help=f"REST requests per image (default {FULL['requests']})")
    parser.add_argument("--frames", type=int, help=f"distinct webcam frames (default {FULL['frames']})")
    parser.add_argument("--out", default="async_modes",
                        help="results file name in benchmarks/results/ (default async_modes)")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    settings = resolve(args, FULL, QUICK)
    names = settings["modes"].split(",")
    unknown = [name for name in names if name not in MODES]
    if unknown:
        parser.error(f"unknown modes {unknown}; choose from {list(MODES)}")
    results = {"benchmark": "async_modes", "quick": args.quick, "settings": settings, "machine": machine_info()}
    results["modes"] = run_modes(names, settings, start_together=args.quick)
    path = write_results(args.out, args.quick, results)
    print(report(results))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
