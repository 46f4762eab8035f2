"""Take docs/screenshot.png and docs/screenshot-phone.png: the reader page with "4721" written on the pad and read.

Regenerate them (after a change to the page or the default model) with

    .venv/bin/python docs/screenshot.py [--out docs/screenshot.png] [--phone-out docs/screenshot-phone.png]

It serves the app as the README does (gunicorn, eventlet, one worker; the launcher is the tests',
``tests.support.servers.Gunicorn``), waits for the model, and in Debian's Chromium (/usr/bin/chromium) through
Playwright writes the number with the mouse in a 1366x768 window and with a finger on a 390x844 phone (touch
events through the DevTools protocol), waits until the page shows it read, saves what is on screen (the answer
is in view without scrolling) and stops the server. It fails rather than save a wrong reading.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a script in docs/: the repository's packages

from tests.support.browser import Hand  # noqa: E402
from tests.support.servers import Gunicorn, ServerError  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
NUMBER = "4721"
READY_TIMEOUT_S = 180
# Pen strokes per digit in a unit box (x right, y down; about 0.6 wide), as a hand writes them.
GLYPHS = {
    "4": [[(0.38, 0.0), (0.2, 0.32), (0.02, 0.62), (0.3, 0.61), (0.64, 0.58)],
          [(0.5, 0.12), (0.48, 0.55), (0.46, 1.0)]],
    "7": [[(0.0, 0.04), (0.3, 0.02), (0.6, 0.0), (0.45, 0.35), (0.32, 0.68), (0.22, 1.0)]],
    "2": [[(0.02, 0.24), (0.12, 0.06), (0.3, 0.0), (0.5, 0.06), (0.58, 0.24), (0.5, 0.45), (0.28, 0.7),
           (0.02, 0.98), (0.32, 0.96), (0.64, 0.98)]],
    "1": [[(0.02, 0.18), (0.22, 0.0), (0.21, 0.5), (0.2, 1.0)]],
}


def smooth(line: list[tuple[float, float]], rounds: int = 2) -> list[tuple[float, float]]:
    """Chaikin's corner cutting: rounds the polyline's corners the way a pen does, keeping its ends."""
    for _ in range(rounds):
        cut = [p for a, b in zip(line, line[1:]) for p in ((0.75 * a[0] + 0.25 * b[0], 0.75 * a[1] + 0.25 * b[1]),
                                                           (0.25 * a[0] + 0.75 * b[0], 0.25 * a[1] + 0.75 * b[1]))]
        line = [line[0], *cut[1:-1], line[-1]]
    return line


def write_number(page, text: str, pen: Hand) -> None:
    """Write ``text`` across the middle of #draw-canvas, slanted a little to the right, 55% of the pad's height
    tall or less where the pad is narrow."""
    box = page.locator("#draw-canvas").bounding_box()
    size = min(0.55 * box["height"], 0.85 * box["width"] / (0.9 * len(text) - 0.3))
    left = box["x"] + (box["width"] - (0.9 * len(text) - 0.3) * size) / 2
    top = box["y"] + (box["height"] - size) / 2
    for i, digit in enumerate(text):
        for line in GLYPHS[digit]:
            pen.stroke([(left + (0.9 * i + x + 0.12 * (1 - y)) * size, top + y * size) for x, y in smooth(line)])


DEVICES = {  # name: (context settings, touch)
    "desktop": ({"viewport": {"width": 1366, "height": 768}}, False),
    "phone": ({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "has_touch": True,
               "is_mobile": True}, True),
}


def take(url: str, shots: dict[str, Path]) -> None:
    """Open the reader on each device, write NUMBER, wait until it is read, save the screen as it stands."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        for device, out in shots.items():
            settings, touch = DEVICES[device]
            context = browser.new_context(**settings)
            page = context.new_page()
            page.goto(url + "/")
            expect(page.locator("#status")).to_have_attribute("data-state", "ready", timeout=60_000)
            write_number(page, NUMBER, Hand(page, touch))
            expect(page.locator("#draw-result")).to_have_text(NUMBER, timeout=30_000)
            expect(page.locator("#draw-result")).to_have_attribute("aria-busy", "false")
            if not touch:
                page.mouse.move(0, 0)
            page.wait_for_timeout(400)  # the reading's fade-in (app.css .result transition) has ended
            page.screenshot(path=str(out))
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png", help="the desktop PNG")
    parser.add_argument("--phone-out", type=Path, default=ROOT / "docs" / "screenshot-phone.png",
                        help="the phone PNG")
    args = parser.parse_args()
    server = Gunicorn(ready_timeout_s=READY_TIMEOUT_S, stop_grace_s=30.0).start()  # its log in this terminal
    try:
        try:
            server.wait_ready()
        except ServerError as exc:
            raise SystemExit(f"the server did not get ready: {exc}") from None
        take(server.url, {"desktop": args.out, "phone": args.phone_out})
    finally:
        server.stop()
    print(f"wrote {args.out} and {args.phone_out}")


if __name__ == "__main__":
    main()
