"""Served apps and processes, for the tests and the benchmarks: the one gunicorn launcher, free ports, memory.

* ``Gunicorn``: the app served by gunicorn as in production (eventlet, one worker, the model in a spawned
  ``python -m webapp.serving.worker``; other worker arguments on request) on a free port of 127.0.0.1,
  in a process group of its own; ready once ``/healthz`` says the model is loaded; stopped by signalling
  the whole group, so the inference process goes too.
* ``free_port``, ``rss_mb``, ``anon_mb``, ``http_json``, ``post_image``.
* ``descendants``, ``cmdline``, ``state_of``, ``alive``, ``inference_workers``: processes from /proc (no
  psutil in the test extras).
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
if not GUNICORN.exists():
    GUNICORN = Path(shutil.which("gunicorn") or GUNICORN)
APP = "webapp:create_app()"
PRODUCTION = ("-k", "eventlet", "-w", "1")  # gunicorn's worker arguments as the README serves the app
READY_TIMEOUT_S = 240.0  # gunicorn plus a worker starting TensorFlow on a busy 2-core machine
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int | str = "self", digits: int | None = None) -> float | None:
    """Resident memory of a process in MB from /proc (None when it is gone), rounded to ``digits`` if given."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return None
    megabytes = int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return megabytes if digits is None else round(megabytes, digits)


def anon_mb(pid: int | str = "self") -> float | None:
    """A process's resident anonymous memory in MB (``RssAnon``: its heap and mmapped buffers; None when it is
    gone). What the memory tests measure: a leak or a freed buffer kept resident is anonymous memory, while the
    file-backed pages in ``rss_mb`` (libraries, the model's files) are evicted and faulted in again as the page
    cache of a machine short of memory comes and goes, megabytes at a time whatever the code does."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("RssAnon:"))
    return kilobytes / 1024


# --- processes -------------------------------------------------------------------------------------

def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def descendants(root: int) -> list[int]:
    """Every living process below ``root``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                parents[int(entry.name)] = parent
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def state_of(pid: int) -> str | None:
    """The one-letter state in /proc/PID/stat (R, S, T for stopped, Z for zombie), None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def alive(pid: int) -> bool:
    return state_of(pid) not in (None, "Z", "X")


def inference_workers(root: int) -> list[int]:
    """Living ``python -m webapp.serving.worker`` processes below ``root``."""
    return [pid for pid in descendants(root) if "webapp.serving.worker" in cmdline(pid) and alive(pid)]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies, even by SIGKILL (Linux prctl)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# --- HTTP ------------------------------------------------------------------------------------------

def http_json(url: str, timeout: float = 5.0):
    """(status, JSON body or None, headers) of a GET; (None, None, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body), exc.headers
        except ValueError:
            return exc.code, None, exc.headers
    except (OSError, ValueError):
        return None, None, None


def post_image(url: str, data: bytes, timeout: float = 60.0, client: str | None = None, **params):
    """POST raw image bytes to /api/v1/recognize; (status, JSON body, headers). ``client`` is sent as
    X-Forwarded-For (the test servers trust one proxy), so each test has limits of its own."""
    from urllib.parse import urlencode

    query = f"?{urlencode(params)}" if params else ""
    request = urllib.request.Request(f"{url}/api/v1/recognize{query}", data=data, method="POST",
                                     headers={"Content-Type": "application/octet-stream",
                                              **({"X-Forwarded-For": client} if client else {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body), exc.headers
        except ValueError:
            return exc.code, {"raw": body[:300].decode(errors="replace")}, exc.headers


# --- gunicorn --------------------------------------------------------------------------------------

class ServerError(RuntimeError):
    """The app did not start or did not get ready; the message ends with its log's last lines."""


class Gunicorn:
    """The app under gunicorn on a free loopback port, in a process group of its own.

    ``env``: the app's settings (``DIGIT_READER_*``) on top of this process's environment. ``log_path``: where
    gunicorn's output goes (None: this terminal). ``graceful_timeout_s``: gunicorn's ``--graceful-timeout``
    (None: gunicorn's default). ``worker_args``: gunicorn's worker arguments (default: production's).
    ``stop_grace_s``: how long ``stop`` waits after SIGTERM before SIGKILL (0: SIGKILL at once).
    ``die_with_parent``: gunicorn gets SIGTERM when this process dies, even by SIGKILL.

    ``Gunicorn(...).start().wait_ready()``, or ``with Gunicorn(...) as server: server.wait_ready()``.
    """

    def __init__(self, env: dict | None = None, log_path: Path | None = None, graceful_timeout_s: float | None = None,
                 *, worker_args: tuple[str, ...] = PRODUCTION, stop_grace_s: float = 0.0,
                 ready_timeout_s: float = READY_TIMEOUT_S, die_with_parent: bool = False):
        self.env, self.log_path, self.graceful_timeout_s = dict(env or {}), log_path, graceful_timeout_s
        self.worker_args, self.stop_grace_s, self.ready_timeout_s = worker_args, stop_grace_s, ready_timeout_s
        self.die_with_parent = die_with_parent
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.started_at = 0.0
        self.ready_after_s: float | None = None  # start to ready: gunicorn plus a cold inference process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        graceful = ["--graceful-timeout", str(int(self.graceful_timeout_s))] if self.graceful_timeout_s else []
        return [str(GUNICORN), *self.worker_args, "-b", f"127.0.0.1:{self.port}", *graceful, APP]

    def start(self) -> "Gunicorn":
        """Launch gunicorn on a new free port; returns at once (``wait_ready`` waits for the model)."""
        self.port, self.ready_after_s = free_port(), None
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **self.env}
        log = open(self.log_path, "wb") if self.log_path else None
        try:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT if log else None, start_new_session=True,
                                            preexec_fn=_terminate_with_parent if self.die_with_parent else None)
        finally:
            if log:
                log.close()
        self.started_at = time.monotonic()
        return self

    def wait_ready(self, timeout: float | None = None) -> float:
        """Poll /healthz until the inference process is ready; seconds from start to the first time it was
        seen ready. Raises ServerError when gunicorn exits or is not ready ``timeout`` s after its start."""
        if self.ready_after_s is not None:
            return self.ready_after_s
        deadline = self.started_at + (self.ready_timeout_s if timeout is None else timeout)
        while True:
            status, body, _ = http_json(self.url + "/healthz", timeout=3)
            if status == 200 and isinstance(body, dict) and body.get("inference") == "ready":
                self.ready_after_s = time.monotonic() - self.started_at
                return self.ready_after_s
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerError(f"gunicorn not ready within {deadline - self.started_at:.0f} s (last /healthz "
                                  f"{status} {body}):\n{self.log_tail()}")
            time.sleep(0.25)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def worker_pid(self) -> int:
        """The gunicorn worker (the web process), child of the master."""
        children = [pid for pid in descendants(self.process.pid) if _parent_of(pid) == self.process.pid
                    and "webapp.serving.worker" not in cmdline(pid) and alive(pid)]
        assert len(children) == 1, f"expected one gunicorn worker, found {children}"
        return children[0]

    def inference_pid(self) -> int:
        pids = inference_workers(self.process.pid)
        assert len(pids) == 1, f"expected one inference process, found {pids}:\n{self.log_tail()}"
        return pids[0]

    def group_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and alive(int(entry.name)):
                try:
                    if os.getpgid(int(entry.name)) == self.process.pid:
                        pids.append(int(entry.name))
                except OSError:
                    pass
        return pids

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (AttributeError, OSError):
            return "(no log)"

    def stop(self) -> None:
        """End the whole group (master, worker, inference process), whatever state it is in: SIGCONT (a test
        may have stopped a process), SIGTERM and ``stop_grace_s`` to finish, then SIGKILL to what is left."""
        if self.process is None:
            return
        pgid = self.process.pid
        steps = ((signal.SIGTERM, self.stop_grace_s),) if self.stop_grace_s > 0 else ()
        for sig, wait_s in (*steps, (signal.SIGKILL, 15.0)):
            try:
                os.killpg(pgid, signal.SIGCONT)
                os.killpg(pgid, sig)
            except (ProcessLookupError, PermissionError):
                break
            try:
                self.process.wait(wait_s)
            except subprocess.TimeoutExpired:
                continue
            if not _group_alive(pgid):
                break
        # the inference process of a killed worker may have left the group's session: by parent
        for pid in inference_workers(pgid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = None

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
