"""Socket.IO load: simulated webcam clients streaming frames to the app served by gunicorn.

``python -m benchmarks.load [--quick] [--clients 10,30,50] [--seconds 60] [--fps 15] [--in-flight 1] [--client-procs N]
[--out NAME]``

Each client is a real ``socketio.Client`` on the websocket transport that sends a 640x480 JPEG
webcam frame (``benchmarks.scenes.mnist.render_webcam``, MNIST test digits) at most every 1/fps seconds.
With ``--in-flight 1`` (the default, as the page sends) a client sends its next frame only once the
last one is answered, and no sooner than 1/fps after it. With ``--in-flight 0`` it sends on a timer
whatever the answers: the server keeps one waiting frame per client, drops an older one unread
and counts it in the ``dropped`` field of the answer to the frame that replaced it. The clients run
in separate processes (``--client-procs``; by default one per 15 clients, at most 4) so that the
Python client side is not the bottleneck; each process's send lag (how late frames leave against
the timer) is reported to show it.

Measured per level (all levels against one server, in increasing order): result latency (send
-> ``result`` with that seq), frames sent / processed / dropped per second, the server's CPU %
and resident memory (gunicorn master + worker + inference process) every second, ``GET
/healthz`` latency every 0.5 s, and whether a backlog builds up (latency in the first vs the
last third of the run, memory slope in MB/min). Results: ``benchmarks/results/load.json`` (or
``<NAME>.json``, e.g. for the long memory run: ``--clients 50 --seconds 300 --out load-50x300``).
"""
from __future__ import annotations

import argparse
import heapq
import math
import multiprocessing as mp
import os
import queue
import time
from collections import Counter

from benchmarks.common import (MODES, HealthPoller, Server, TreeSampler, exit_on_sigterm, fmt, machine_info,
                               machine_line, markdown_table, resolve, scene_images, stats, write_results)

FULL = {"clients": "10,30,50", "seconds": 60.0, "fps": 15.0, "frames": 30, "client_procs": None, "in_flight": 1}
QUICK = {"clients": "1,10", "seconds": 5.0, "fps": 15.0, "frames": 6, "client_procs": None, "in_flight": 1}
CLIENTS_PER_PROCESS = 15
MAX_PROCESSES = 4
START_DELAY_S = 0.5  # between "all connected" and the first frame
GRACE_S = 5.0  # after the last frame, how long clients wait for the answers still due
SETTLE_S = 2.0  # pause between levels
MEMORY_SLOPE_ALERT_MB_PER_MIN = 5.0
MEMORY_JUDGED_AFTER_S = 60.0  # shorter runs are mostly warm-up: their memory slope says nothing


class LoadError(RuntimeError):
    """The simulated clients could not connect or did not report."""


# --- a simulated client (runs in a client process) --------------------------------------------------

class SimClient:
    """One webcam page: sends frames, matches each ``result`` to its send time, counts errors by code."""

    def __init__(self, url: str, index: int):
        import socketio  # the client processes only

        self.url, self.index, self.seq = url, index, 0
        self.pending: dict[int, float] = {}  # seq -> send time (monotonic)
        self.results: list[tuple[float, float]] = []  # (send time, latency)
        self.errors: Counter = Counter()
        self.dropped = 0  # frames the server dropped unread (a newer one replaced them)
        self.disconnects = 0  # by the server or the network, not by ``close``
        self.closing = False
        self.last_sent = 0.0
        self.on_answer = lambda: None  # told when a frame is answered (send_frames waits on it)
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("result", self._on_result)
        self.sio.on("error", self._on_error)
        self.sio.on("disconnect", self._on_disconnect)

    def connect(self) -> None:
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=30)

    def send(self, image: bytes) -> None:
        seq, self.seq = self.seq, self.seq + 1
        self.pending[seq] = self.last_sent = time.monotonic()
        try:
            self.sio.emit("frame", {"seq": seq, "image": image})
        except Exception as exc:  # disconnected: count it, keep the timer going
            self.pending.pop(seq, None)
            self.errors[f"send_failed:{type(exc).__name__}"] += 1

    def close(self) -> None:
        self.closing = True
        self.sio.disconnect()

    def _on_result(self, data: dict) -> None:
        self._forget_dropped(data)
        sent = self.pending.pop(data.get("seq"), None)
        if sent is not None:
            self.results.append((sent, time.monotonic() - sent))
        self.on_answer()

    def _on_error(self, data: dict) -> None:
        self._forget_dropped(data)
        self.errors[(data.get("error") or {}).get("code", "unknown")] += 1
        self.pending.pop(data.get("seq"), None)
        self.on_answer()

    def _forget_dropped(self, answer: dict) -> None:
        """The frames sent just before the answered one that the server dropped unread."""
        seq, dropped = answer.get("seq"), answer.get("dropped") or 0
        if isinstance(seq, int):
            for old in range(seq - dropped, seq):
                self.dropped += self.pending.pop(old, None) is not None

    def _on_disconnect(self, *reason) -> None:
        self.disconnects += not self.closing


def send_frames(clients: list[SimClient], frames: list[bytes], fps: float, start: float, seconds: float,
                total: int, in_flight: int = 0) -> list[float]:
    """Each client sends a frame every 1/fps s from ``start`` for ``seconds``, clients spread evenly
    over the period; with ``in_flight`` (> 0), a client with that many frames unanswered waits for an answer
    first (it is due again 1/fps after it sent, or on its answer if later). Returns how late each frame left
    against its due time (s)."""
    period, end, lags = 1.0 / fps, start + seconds, []
    due = [(start + client.index / total * period, i) for i, client in enumerate(clients)]
    heapq.heapify(due)
    answered: queue.SimpleQueue = queue.SimpleQueue()  # clients that had an answer while waiting for it
    waiting: set[int] = set()
    for i, client in enumerate(clients):
        client.on_answer = lambda i=i: answered.put(i)
    while (due and due[0][0] < end) or (waiting and time.monotonic() < end):
        timeout = (due[0][0] if due else end) - time.monotonic()
        try:
            i = answered.get(timeout=max(0.0, timeout)) if timeout > 0 else answered.get_nowait()
            if i in waiting and len(clients[i].pending) < in_flight:
                waiting.discard(i)
                heapq.heappush(due, (max(time.monotonic(), clients[i].last_sent + period), i))
            continue
        except queue.Empty:
            if not due:  # only clients waiting for answers, and the time is up
                continue
        at, i = heapq.heappop(due)
        if at >= end:
            continue
        client = clients[i]
        if in_flight and len(client.pending) >= in_flight:  # as the page: the answer first
            waiting.add(i)
            if len(client.pending) < in_flight:  # answered meanwhile
                answered.put(i)
            continue
        lags.append(max(0.0, time.monotonic() - at))
        client.send(frames[(client.index + client.seq) % len(frames)])
        heapq.heappush(due, ((client.last_sent if in_flight else at) + period, i))
    return lags


def wait_for_answers(clients: list[SimClient], grace_s: float) -> None:
    deadline = time.monotonic() + grace_s
    while any(client.pending for client in clients) and time.monotonic() < deadline:
        time.sleep(0.05)


def client_process(url: str, indices: list[int], total: int, frames: list[bytes], fps: float, seconds: float,
                   in_flight: int, ready, go, start_at, outcomes) -> None:
    """A client process: connect its clients, wait for the common start, stream, report to ``outcomes``."""
    clients = [SimClient(url, index) for index in indices]
    try:
        for client in clients:
            client.connect()
    except Exception as exc:
        for other in clients:
            other.close()
        ready.put(f"client {client.index} could not connect: {type(exc).__name__}: {exc}")
        return
    ready.put(None)
    if not go.wait(120):
        return
    start = start_at.value
    lags = send_frames(clients, frames, fps, start, seconds, total, in_flight)
    wait_for_answers(clients, GRACE_S)
    for client in clients:
        client.close()
    outcomes.put({
        "clients": len(clients),
        "sent": sum(client.seq for client in clients),
        "results": [(sent - start, latency) for client in clients for sent, latency in client.results],
        "errors": dict(sum((client.errors for client in clients), Counter())),
        "dropped": sum(client.dropped for client in clients),
        "unanswered": sum(len(client.pending) for client in clients),
        "disconnects": sum(client.disconnects for client in clients),
        "lags": lags,
    })


# --- one load level (runs in the benchmark process) -----------------------------------------------

def default_processes(clients: int) -> int:
    return min(MAX_PROCESSES, math.ceil(clients / CLIENTS_PER_PROCESS))


def wait_connected(ready, processes: int) -> None:
    """Wait until every client process says its clients are connected; raise LoadError otherwise."""
    for _ in range(processes):
        try:
            problem = ready.get(timeout=120)
        except queue.Empty:
            raise LoadError("client processes did not connect within 120 s") from None
        if problem:
            raise LoadError(problem)


def reap(workers: list, timeout_s: float) -> None:
    """Join the client processes, killing those still alive after ``timeout_s`` each."""
    for worker in workers:
        if worker.pid is None:  # never started
            continue
        worker.join(timeout=timeout_s)
        if worker.is_alive():
            worker.kill()
            worker.join()


def run_level(url: str, server_pid: int, clients: int, seconds: float, fps: float, frames: list[bytes],
              processes: int | None = None, in_flight: int = 0) -> dict:
    """``clients`` simulated webcams for ``seconds``: what they saw, and the server's CPU, memory and health."""
    processes = processes or default_processes(clients)
    ctx = mp.get_context("spawn")  # this process runs threads: no fork
    ready, outcomes, go, start_at = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    workers = [ctx.Process(target=client_process, daemon=True,
                           args=(url, list(range(p, clients, processes)), clients, frames, fps, seconds, in_flight,
                                 ready, go, start_at, outcomes))
               for p in range(processes)]
    reported = False
    try:
        for worker in workers:
            worker.start()
        wait_connected(ready, processes)
        server, health, client_side = (TreeSampler(server_pid), HealthPoller(url),
                                          TreeSampler(os.getpid(), exclude_pid=server_pid))
        for sampler in (server, health, client_side):
            sampler.start()
        start = time.monotonic() + START_DELAY_S
        start_at.value = start
        go.set()
        time.sleep(max(0.0, start + seconds - time.monotonic()))
        for sampler in (server, health, client_side):
            sampler.stop()
        reports = [outcomes.get(timeout=GRACE_S + 60) for _ in workers]
        reported = True
    except queue.Empty:
        raise LoadError("a client process did not report") from None
    finally:
        reap(workers, GRACE_S + 10 if reported else 0)
    return summarize(reports, clients, processes, seconds, fps, server.summary(start), health.summary(),
                     client_side.summary(start), in_flight)


def summarize(reports: list[dict], clients: int, processes: int, seconds: float, fps: float, server: dict,
              health: dict, client_side: dict, in_flight: int = 0) -> dict:
    """One level's numbers from the client processes' reports and the samplers."""
    results = [r for report in reports for r in report["results"]]
    errors = sum((Counter(report["errors"]) for report in reports), Counter())
    sent = sum(report["sent"] for report in reports)
    dropped = sum(report["dropped"] for report in reports)
    first = stats((latency for at, latency in results if at < seconds / 3), 1000)
    last = stats((latency for at, latency in results if at >= 2 * seconds / 3), 1000)
    summary = {
        "clients": clients, "client_processes": processes, "seconds": seconds, "fps": fps, "in_flight": in_flight,
        "frames": {"sent": sent, "processed": len(results), "dropped": dropped, "other_errors": dict(errors),
                   "unanswered": sum(report["unanswered"] for report in reports),
                   "disconnects": sum(report["disconnects"] for report in reports)},
        "per_s": {"sent": round(sent / seconds, 1), "processed": round(len(results) / seconds, 1),
                  "dropped": round(dropped / seconds, 1)},
        "latency_ms": stats((latency for _, latency in results), 1000),
        "latency_ms_p50_by_third": {"first": first["p50"], "last": last["p50"]},
        "server": server,
        "healthz": health,
        "client_side": {"send_lag_ms": stats((lag for report in reports for lag in report["lags"]), 1000),
                        "cpu_percent": client_side.get("cpu_percent")},
    }
    summary["backlog"] = backlog_verdict(summary)
    return summary


def backlog_verdict(level: dict) -> str:
    """'stable', or what grows: latency (last third vs first), memory (slope, in runs of a minute or
    more), frames never answered."""
    findings = []
    first, last = level["latency_ms_p50_by_third"]["first"], level["latency_ms_p50_by_third"]["last"]
    if first is not None and last is not None and last > 1.5 * first and last - first > 100:
        findings.append(f"latency grows (p50 {first} -> {last} ms)")
    slope = level["server"].get("rss_mb", {}).get("slope_mb_per_min")
    if level["seconds"] >= MEMORY_JUDGED_AFTER_S and slope is not None and slope > MEMORY_SLOPE_ALERT_MB_PER_MIN:
        findings.append(f"memory grows ({slope} MB/min)")
    if level["frames"]["unanswered"] > 2 * level["clients"]:  # each client: one being read, one waiting
        findings.append(f"{level['frames']['unanswered']} frames never answered")
    return "; ".join(findings) or "stable"


# --- the benchmark --------------------------------------------------------------------------------

def seen_row(level: dict) -> list:
    """What the clients saw at one level, as a table row."""
    latency, thirds = level["latency_ms"], level["latency_ms_p50_by_third"]
    return [level["clients"], level["client_processes"], level["per_s"]["sent"], level["per_s"]["processed"],
            level["per_s"]["dropped"], level["frames"]["other_errors"] or "none", level["frames"]["disconnects"],
            fmt(latency["p50"]),
            fmt(latency["p95"]), f"{fmt(thirds['first'])} -> {fmt(thirds['last'])}",
            fmt(level["client_side"]["send_lag_ms"]["p95"]), level["backlog"]]


def cost_row(level: dict) -> list:
    """What one level cost the server (CPU by process, memory, /healthz), as a table row."""
    server, health = level["server"], level["healthz"]["latency_ms"]
    rss, cpu = server.get("rss_mb", {}), server.get("cpu_percent", {})
    roles = ", ".join(f"{role} {value}" for role, value in server.get("cpu_percent_mean_by_role", {}).items())
    return [level["clients"], f"{fmt(cpu.get('mean'))} / {fmt(cpu.get('max'))} ({roles})",
            f"{fmt(rss.get('start'))} -> {fmt(rss.get('end'))} (max {fmt(rss.get('max'))})",
            fmt(rss.get("slope_mb_per_min")), f"{fmt(health['p50'])} / {fmt(health['p95'])} / {fmt(health['max'])}",
            level["healthz"]["failures"] or "none", fmt((level["client_side"]["cpu_percent"] or {}).get("mean"))]


def report_tables(levels: list[dict]) -> str:
    """Two Markdown tables: what the clients saw, and what it cost the server."""
    return "\n\n".join([
        markdown_table(["clients", "client procs", "sent/s", "processed/s", "dropped/s", "other errors",
                        "disconnects", "latency p50 ms", "p95 ms", "p50 first -> last third",
                        "client send lag p95 ms", "backlog"],
                       [seen_row(level) for level in levels]),
        markdown_table(["clients", "server CPU % mean / max", "server RSS MB", "RSS slope MB/min",
                        "healthz ms p50 / p95 / max", "healthz failures", "client CPU % mean"],
                       [cost_row(level) for level in levels]),
    ])


def webcam_frames(count: int) -> list[bytes]:
    """``count`` distinct 640x480 webcam JPEGs (MNIST test digits), the same for every run."""
    return [data for data, _ in scene_images("webcam", count, seed=20260202)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 10 clients for 5 s, for development")
    parser.add_argument("--clients", help=f"comma-separated client counts (default {FULL['clients']})")
    parser.add_argument("--seconds", type=float, help=f"streaming time per level (default {FULL['seconds']:g})")
    parser.add_argument("--fps", type=float, help=f"frames per second per client (default {FULL['fps']:g})")
    parser.add_argument("--frames", type=int, help=f"distinct webcam frames (default {FULL['frames']})")
    parser.add_argument("--in-flight", type=int, help="frames a client leaves unanswered before it waits (default "
                                                       f"{FULL['in_flight']}, as the page; 0: send on a timer)")
    parser.add_argument("--out", default="load", help="results file name in benchmarks/results/ (default load)")
    parser.add_argument("--client-procs", type=int, help="client processes per level (default: one per "
                                                         f"{CLIENTS_PER_PROCESS} clients, at most {MAX_PROCESSES})")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    settings = resolve(args, FULL, QUICK)
    results = {"benchmark": "load", "quick": args.quick, "settings": settings, "machine": machine_info(), "levels": []}
    with Server(MODES["eventlet"], "load") as server:
        frames = webcam_frames(settings["frames"])  # rendered while the model loads
        results["server"] = {**server.describe(), "ready_after_s": round(server.wait_ready(), 1)}
        for count in (int(c) for c in settings["clients"].split(",")):
            results["levels"].append(run_level(server.url, server.process.pid, count, settings["seconds"],
                                               settings["fps"], frames, settings["client_procs"],
                                               settings["in_flight"]))
            time.sleep(SETTLE_S)
        results["server"]["log_problems"] = server.problems()
    path = write_results(args.out, args.quick, results)
    print("\n\n".join(["## Socket.IO load", machine_line(results["machine"]),
                       f"`{results['server']['command']}`, {results['server']['env']}; "
                       f"{settings['fps']:g} fps per client, {settings['seconds']:g} s per level, 640x480 JPEG frames, "
                       + (f"at most {settings['in_flight']} in flight per client" if settings["in_flight"]
                          else "sent on a timer"),
                       report_tables(results["levels"]),
                       f"Server log problems: {results['server']['log_problems']['count']} "
                       f"{results['server']['log_problems']['first'] or ''}"]))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
