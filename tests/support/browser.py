"""What the browser tests share: the app served by gunicorn as the README serves it, and Debian's Chromium
(driven by Playwright) with a fake webcam playing a handwritten number on paper."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.support.digit_paper import GLYPH_ADVANCE, glyph_strokes, photo, y4m
from tests.support.servers import Gunicorn, ServerError

CHROMIUM = "/usr/bin/chromium"
UI_TIMEOUT_MS = 30_000
READY_TIMEOUT_S = 120
WEBCAM_NUMBER = "4071"  # what the fake webcam shows
CHROMIUM_ARGS = ("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


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
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={camera}"])
        yield browser
        browser.close()


class Hand:
    """Strokes with the mouse on a desktop, with one finger on a phone (touch events through the DevTools
    protocol: Playwright's own touchscreen only taps)."""

    def __init__(self, page, touch: bool, steps: int = 8):
        self.page, self.steps = page, steps
        self.cdp = page.context.new_cdp_session(page) if touch else None

    def stroke(self, points) -> None:
        """One stroke through ``points`` (page pixels), pen down to pen up, ``steps`` moves between two points."""
        if self.cdp is None:
            self.page.mouse.move(*points[0])
            self.page.mouse.down()
            for point in points[1:]:
                self.page.mouse.move(*point, steps=self.steps)
            self.page.mouse.up()
            return
        self._touch("touchStart", points[0])
        for start, end in zip(points, points[1:]):
            for step in range(1, self.steps + 1):
                t = step / self.steps
                self._touch("touchMove", (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t))
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def _touch(self, kind: str, point) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": point[0], "y": point[1]}]})


def write_on_pad(page, hand: Hand, text: str, share: float = 0.55) -> None:
    """``text`` across the middle of the pad (#draw-canvas), ``share`` of its height tall (smaller if it would
    not fit its width, as a person writes on a narrow pad), pen-up after the last stroke."""
    box = page.locator("#draw-canvas").bounding_box()
    height = share * box["height"]
    width = (len(text) - 1) * GLYPH_ADVANCE * height + 0.6 * height
    if width > 0.9 * box["width"]:
        height *= 0.9 * box["width"] / width
        width = 0.9 * box["width"]
    left = box["x"] + (box["width"] - width) / 2
    top = box["y"] + (box["height"] - height) / 2
    for stroke in glyph_strokes(text, left, top, height):
        hand.stroke(stroke)
