"""Keeping users safe: same-origin Socket.IO, security headers, no file names or images on disk or in logs,
settings and secrets from the environment, every installed package the pinned one."""
from __future__ import annotations

import base64
import io
import logging
import os
import re
import sys
import threading
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.digit_paper import number_png

RECOGNIZE = "/api/v1/recognize"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


# --- Socket.IO origins ----------------------------------------------------------------------------

def handshake(app, origin: str | None, host: str = "localhost"):
    """An Engine.IO polling handshake, as a browser page on ``origin`` would open it."""
    headers = {"Host": host, **({"Origin": origin} if origin else {})}
    return app.test_client().get(HANDSHAKE, headers=headers)


def make_app(backend, **config):
    from webapp import create_app

    return create_app({"ASYNC_MODE": "threading", "TESTING": True, "INFERENCE": backend, **config})


def test_socketio_accepts_only_same_origin_by_default(app):
    assert app.config["CORS_ALLOWED_ORIGINS"] is None
    assert handshake(app, "http://localhost").status_code == 200  # the page itself
    assert handshake(app, None).status_code == 200  # not a browser: no Origin header
    for origin in ("http://evil.example", "null", "http://localhost.evil.example", "https://localhost",
                   "http://localhost:8000"):
        response = handshake(app, origin)
        assert response.status_code == 400, f"{origin} was accepted"
        assert b"origin" in response.get_data().lower()


def test_socketio_allow_list_from_the_environment(model_backend, monkeypatch):
    monkeypatch.setenv("DIGIT_READER_CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    app = make_app(model_backend)
    assert handshake(app, "https://a.example").status_code == 200
    assert handshake(app, "https://b.example").status_code == 200  # after ", ": spaces are allowed
    assert handshake(app, "https://c.example").status_code == 400
    assert handshake(app, "http://a.example").status_code == 400  # another scheme is another origin
    assert handshake(app, "http://localhost").status_code == 200, "the app's own page must still connect"


@pytest.mark.slow
def test_cross_origin_websocket_is_refused_by_the_production_server(server):
    """A page on another site cannot open a websocket to the server (cross-site websocket hijacking): the
    Origin header a browser sends is checked on the websocket upgrade too."""
    import websocket

    url = server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    for origin in ("http://evil.example", "null", server.url.replace("127.0.0.1", "localhost")):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, origin=origin, timeout=10).close()
        assert refused.value.status_code == 400, origin
    same = websocket.create_connection(url, origin=server.url, timeout=10)  # the page itself
    try:
        assert same.recv().startswith("0{"), "no Engine.IO open packet"
    finally:
        same.close()


# --- headers --------------------------------------------------------------------------------------

PAGES = [("GET", "/", None), ("GET", "/models", None), ("GET", "/healthz", None), ("GET", "/api/v1/models", None),
         ("GET", "/static/js/app.js", None), ("GET", "/static/css/nothing.css", None), ("GET", "/no/such/page", None),
         ("GET", RECOGNIZE, None), ("POST", RECOGNIZE, b"not an image"), ("POST", RECOGNIZE, b"\0" * (11 << 20)),
         ("POST", RECOGNIZE, "good")]


@pytest.mark.parametrize("method,path,body", PAGES, ids=[f"{m} {p} {'' if b is None else len(b)}" for m, p, b in PAGES])
def test_security_headers_on_every_response(client, method, path, body):
    response = client.open(path, method=method, data=number_png() if body == "good" else body,
                           content_type="application/octet-stream")
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], csp
    script = directives.get("script-src", directives.get("default-src"))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script, csp
    assert "data:" not in script and "blob:" not in script, csp
    assert directives.get("object-src") == ["'none'"], csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "no-referrer"


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> inline handler")
            script_url = (value or "").strip().lower().startswith("javascript:")
            if name in ("href", "src", "action", "formaction") and script_url:
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = True
            if not attrs.get("src"):
                self.problems.append("<script> without src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")


@pytest.mark.parametrize("path", ["/", "/models"])
def test_pages_have_no_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    parser = _Scripts()
    parser.feed(response.get_data(as_text=True))
    assert parser.problems == [], parser.problems


def test_page_scripts_need_no_eval():
    """script-src 'self' without 'unsafe-eval': the page's own code must not build code from strings."""
    pattern = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|set(Timeout|Interval)\s*\(\s*['\"`]")
    offenders = [f"{path.name}:{n}" for path in sorted((ROOT / "static" / "js").glob("*.js"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


# --- file names and images never touch the disk or the logs ----------------------------------------

class FileActivity:
    """Records, through a Python audit hook, filesystem calls of one thread while ``watching``."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC | getattr(os, "O_TMPFILE", 0)
    EVENTS = {"open", "os.rename", "os.replace", "os.mkdir", "os.remove", "os.link", "os.symlink", "os.truncate",
              "tempfile.mkstemp", "tempfile.mkdtemp", "shutil.copyfile", "os.chmod", "os.utime"}

    def __init__(self):
        self.watching, self.thread, self.calls = False, None, []
        sys.addaudithook(self._hook)  # hooks cannot be removed: this one is inert unless watching

    def _hook(self, event, args):
        if not self.watching or threading.get_ident() != self.thread or event not in self.EVENTS:
            return
        self.calls.append((event, args))

    def __enter__(self):
        self.calls, self.thread, self.watching = [], threading.get_ident(), True
        return self

    def __exit__(self, *exc):
        self.watching = False

    def writes(self) -> list:
        out = []
        for event, args in self.calls:
            if event == "open":
                path, mode, flags = (list(args) + [None, None])[:3]
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                          (isinstance(flags, int) and flags & self.WRITE_FLAGS)
                if writing:
                    out.append((event, args))
            else:
                out.append((event, args))
        return out

    def mentions(self, token: str) -> list:
        return [(event, args) for event, args in self.calls if token in repr(args)]


@pytest.fixture(scope="session")
def file_activity():
    return FileActivity()


HOSTILE_NAMES = ["../../../../tmp/robustness-{t}.png", "/tmp/robustness-{t}.png", "..\\..\\robustness-{t}.png",
                 "robustness-{t}\0.png", "robustness-{t}.png"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_uploaded_file_names_never_touch_the_filesystem(client, file_activity, caplog, name):
    token = os.urandom(6).hex()
    filename = name.format(t=token)
    caplog.set_level(logging.DEBUG)
    with file_activity:
        response = client.post(RECOGNIZE, data={"image": (io.BytesIO(number_png("7")), filename)},
                               content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data()[:300]
    assert file_activity.mentions(token) == [], file_activity.mentions(token)
    assert token not in response.get_data(as_text=True)
    assert token not in caplog.text
    for folder in {Path("/tmp"), ROOT, ROOT.parent, Path.cwd(), ROOT / "model_store"}:  # where ../ would land
        assert not list(folder.glob(f"*{token}*")), folder


@pytest.mark.parametrize("how", ["multipart", "raw"])
def test_uploads_are_never_written_to_disk(client, file_activity, how):
    """Not even a photo big enough for Werkzeug to spool a multipart file to a temporary file (> 500 KB)."""
    from tests.support.digit_paper import big_photo
    from tests.support.fuzz_cases import multipart

    photo = big_photo()
    assert len(photo) > 1 << 20
    if how == "multipart":  # built here: the test client would spool a big body to a temporary file itself
        body, content_type = multipart([("image", "photo.jpg", "image/jpeg", photo)], b"b0undary", True), \
            "multipart/form-data; boundary=b0undary"
    else:
        body, content_type = photo, "image/jpeg"
    assert client.post(RECOGNIZE, data=number_png("7")).status_code == 200  # the model loaded (TensorFlow writes
    with file_activity:  # its traced functions to /tmp once)
        response = client.post(RECOGNIZE, data=body, content_type=content_type)
    assert response.status_code == 200, response.get_data()[:300]
    assert file_activity.writes() == [], f"files written while reading an upload: {file_activity.writes()[:5]}"


def test_no_image_is_logged_even_at_debug_level(client, probe, caplog, capfd):
    """Successful and failed reads, REST and Socket.IO, with every logger at DEBUG: no image bytes in any log."""
    marker = os.urandom(16)
    image = number_png("4071")
    bad_images = [marker * 8, b"\x89PNG\r\n\x1a\n" + marker * 8, image[: len(image) // 2] + marker]
    caplog.set_level(logging.DEBUG)
    for logger in ("webapp", "werkzeug", "socketio", "engineio", "flask_socketio", "PIL", ""):
        logging.getLogger(logger).setLevel(logging.DEBUG)
    try:
        for data in [image, *bad_images]:
            client.post(RECOGNIZE, data=data, content_type="image/png")
            client.post(RECOGNIZE, data={"image": (io.BytesIO(data), "x.png")}, content_type="multipart/form-data")
            probe.send("frame", [{"seq": 1, "image": data}], 60)
            probe.send("frame", [{"seq": "bad", "image": data}], 60)
    finally:
        for logger in ("webapp", "werkzeug", "socketio", "engineio", "flask_socketio", "PIL", ""):
            logging.getLogger(logger).setLevel(logging.NOTSET if logger else logging.WARNING)
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    for data in [image, marker]:
        for form in (data[8:40].hex(), repr(data[8:40])[2:-1], base64.b64encode(data[:30]).decode()[:32]):
            assert form not in logged, f"image bytes in the logs: {form[:40]}"


# --- settings and secrets --------------------------------------------------------------------------

def test_settings_and_secret_key_come_from_the_environment(model_backend, monkeypatch):
    from webapp.config import DEFAULTS, from_environment

    secret = os.urandom(24).hex()
    monkeypatch.setenv("DIGIT_READER_SECRET_KEY", secret)
    monkeypatch.setenv("DIGIT_READER_MAX_PIXELS", "1234567")
    monkeypatch.setenv("DIGIT_READER_FRAMES_PER_SECOND", "12.5")
    app = make_app(model_backend)
    assert app.config["SECRET_KEY"] == secret
    assert app.config["MAX_PIXELS"] == 1234567 and app.config["FRAMES_PER_SECOND"] == 12.5
    client = app.test_client()
    for path in ("/", "/models", "/healthz", "/api/v1/models"):
        assert secret not in client.get(path).get_data(as_text=True)
    # every setting can be given in the environment
    for key, default in DEFAULTS.items():
        raw = {bool: "1", int: "7", float: "7.5"}.get(type(default), "value")
        assert key in from_environment({f"DIGIT_READER_{key}": raw}), key


def test_no_secret_is_built_in(model_backend, monkeypatch):
    monkeypatch.delenv("DIGIT_READER_SECRET_KEY", raising=False)
    first, second = make_app(model_backend), make_app(model_backend)
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    from webapp.config import DEFAULTS

    assert DEFAULTS["SECRET_KEY"] is None and DEFAULTS["REDIS_URL"] is None
    literal = re.compile(r"(SECRET_KEY|secret_key|password|PASSWORD)\s*[=:]\s*['\"][^'\"]{4,}['\"]")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "webapp").rglob("*.py"))
                 for n, line in enumerate(p.read_text().splitlines(), 1) if literal.search(line)]
    assert offenders == []


# --- pinned dependencies ---------------------------------------------------------------------------

CONSTRAINTS = ROOT / ".ci" / "constraints.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)(\s*;.*)?", line)
        assert match, f"not an exact pin in {CONSTRAINTS.name}: {line!r}"
        pins[_canonical(match.group(1))] = match.group(3)
    return pins


def test_constraints_file_pins_every_package_installed_in_the_venv():
    assert CONSTRAINTS.exists(), "no .ci/constraints.txt"
    pins = pinned()
    ignored = {"pip", "setuptools", "wheel", "digit-reader"}  # the installer and the project itself
    problems = []
    for dist in metadata.distributions():
        name = _canonical(dist.metadata["Name"] or "")
        if not name or name in ignored:
            continue
        if name not in pins:
            problems.append(f"{name} {dist.version} is installed but not pinned")
        elif pins[name] != dist.version:
            problems.append(f"{name} is {dist.version}, pinned {pins[name]}")
    assert problems == [], problems


def test_project_dependencies_are_all_pinned():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"]) + [d for extra in ("test", "bench")
                                               for d in project["optional-dependencies"][extra]]
    pins = pinned()
    missing = [d for d in wanted if _canonical(re.match(r"[A-Za-z0-9._-]+", d).group(0)) not in pins]
    assert missing == []


def test_ci_setup_installs_with_the_constraints():
    setup = (ROOT / ".ci" / "setup").read_text()
    installs = [line for line in setup.splitlines() if re.search(r"pip install\b.*-e\b", line)]
    assert installs and all("-c .ci/constraints.txt" in line for line in installs), installs
