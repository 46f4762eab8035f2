"""What the browser tests share: the app served by gunicorn as the README serves it, and Debian's Chromium
(driven by Playwright) with a fake webcam playing a handwritten number on paper.

The browser itself is started once for every end-to-end test (the ``browser`` fixture of tests/webapp/conftest.py,
``chromium`` here); each test opens a fresh context of a device (``DEVICES``, ``open_device``). The number is
written on the pad by ``benchmarks.drawing`` (``Hand``, ``write_on_pad``), which the latency benchmark and the
screenshot script use too; ``write`` writes with the device's own hand."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from benchmarks.drawing import Hand, write_on_pad
from tests.support.digit_paper import photo, y4m
from tests.support.servers import Gunicorn, ServerError

CHROMIUM = "/usr/bin/chromium"
UI_TIMEOUT_MS = 30_000
READY_TIMEOUT_S = 120
WEBCAM_NUMBER = "4071"  # what the fake webcam shows
CHROMIUM_ARGS = ("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
DEVICES = {  # Playwright's context settings of each device the page is tested on
    "desktop": {"viewport": {"width": 1366, "height": 768}, "device_scale_factor": 1, "has_touch": False,
                "is_mobile": False},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "has_touch": True,
              "is_mobile": True},
}


@dataclass
class UI:
    page: object
    server: Gunicorn
    device: str = "desktop"  # or "phone": how it is written on (``Hand``)
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)

    def assert_no_script_errors(self) -> None:
        """No uncaught exception, and nothing blocked by the Content-Security-Policy."""
        assert not self.errors, f"the page raised: {self.errors}"
        blocked = [m for m in self.console_errors if "Content Security Policy" in m or "Refused to" in m]
        assert not blocked, f"blocked by the CSP: {blocked}"

    def painted_pixels(self, locator) -> int:
        """How many pixels of a canvas are not transparent (an overlay with boxes drawn has many)."""
        return locator.evaluate("""canvas => {
            if (!canvas.width || !canvas.height) return 0;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i]) painted += 1;
            return painted;
        }""")

    def wait_painted(self, locator, timeout_s: float = 10.0) -> int:
        deadline = time.monotonic() + timeout_s
        while (painted := self.painted_pixels(locator)) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        return painted


def diagnose(view: UI, tmp_path: Path) -> None:
    """After a failure: a screenshot into tmp_path, the page's errors and the tail of gunicorn's log."""
    shot = tmp_path / "failure.png"
    try:
        view.page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot of the failure: {shot}")
    except Exception as exc:  # the page may be gone
        print(f"\nno screenshot: {exc}")
    print(f"page errors: {view.errors}\nconsole errors: {view.console_errors}")
    print(f"--- gunicorn log ({view.server.log_path}) ---\n{view.server.log_tail(60)}")


@contextmanager
def opened(browser, server, tmp_path: Path, request, context: dict, path: str = "/", ready: bool = True,
           device: str = "desktop", permissions: tuple = ()):
    """A fresh browser ``context`` (Playwright's settings) on ``path``, the model ready; after a failed test
    (its report's ``rep_call``, see tests/conftest.py), a screenshot and the logs."""
    expect = pytest.importorskip("playwright.sync_api").expect
    made = browser.new_context(**context)
    if permissions:
        made.grant_permissions(list(permissions), origin=server.url)
    page = made.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    view = UI(page, server, device)
    page.on("pageerror", lambda error: view.errors.append(str(error)))
    page.on("console", lambda message: view.console_errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(server.url + path)
        if ready:
            expect(page.locator("#status")).to_have_attribute("data-state", "ready")
    except Exception:
        diagnose(view, tmp_path)
        made.close()
        raise
    try:
        yield view
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            diagnose(view, tmp_path)
        made.close()


@contextmanager
def served(folder: Path, env: dict | None = None):
    """gunicorn as the README serves it (``env``: settings of the test's own), ready; stopped afterwards
    (SIGTERM, SIGKILL after 20 s). Its log is ``folder/gunicorn.log``."""
    running = Gunicorn(env=env or {}, log_path=folder / "gunicorn.log", stop_grace_s=20.0).start()
    try:
        try:
            running.wait_ready(READY_TIMEOUT_S)
        except ServerError as exc:
            pytest.fail(f"gunicorn did not get ready (log {running.log_path}): {exc}")
        yield running
    finally:
        running.stop()


def camera_clip(folder: Path) -> Path:
    """A .y4m clip of WEBCAM_NUMBER handwritten on paper, held (slightly shakily) in front of the camera."""
    base = photo(WEBCAM_NUMBER, size=(640, 480), height=90, seed=3)
    frames = [np.roll(base, (int(round(2 * np.cos(i / 3))), int(round(3 * np.sin(i / 2)))), axis=(0, 1))
              for i in range(12)]
    path = folder / "number.y4m"
    path.write_bytes(y4m(frames, fps=15))
    return path


@contextmanager
def chromium(camera: Path):
    """Debian's Chromium, headless, its webcam ``camera``; skips the test where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Every wait of the page (actions: opened's set_default_timeout; assertions: expect, whose own default is 5 s)
    # gets UI_TIMEOUT_MS: a reading, or a model loaded into the inference process on first use, takes seconds on
    # a busy 2-core machine. A wait only ends a test that would hang; it asserts no speed.
    playwright_api.expect.set_options(timeout=UI_TIMEOUT_MS)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"])
        yield browser
        browser.close()


def open_device(browser, server, device: str, tmp_path: Path, request, path: str = "/", ready: bool = True):
    """A fresh context of ``device`` (``DEVICES``) on ``path`` (``opened``), downloads and the clipboard allowed."""
    return opened(browser, server, tmp_path, request, {**DEVICES[device], "accept_downloads": True}, path, ready,
                  device, ("clipboard-read", "clipboard-write"))


def write(view: UI, text: str, share: float = 0.55) -> None:
    """``text`` across the middle of the pad, by mouse or by finger as the view's device has (``write_on_pad``)."""
    write_on_pad(view.page, Hand(view.page, view.device == "phone"), text, share)


def wait_read(page, selector: str, text: str) -> None:
    """``selector`` shows ``text`` and is no longer busy: the reading is done."""
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator(selector)).to_have_text(text)
    expect(page.locator(selector)).to_have_attribute("aria-busy", "false")


def upload_file(page, tmp_path: Path, name: str, data: bytes, field: str = "#upload-input") -> None:
    """``data`` as the file ``name`` picked in the page's file input ``field``."""
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files(field, str(path))
