"""Take docs/screenshot.png and docs/screenshot-phone.png: the reader page with "4721" written on the pad and read.

Regenerate them (after a change to the page or the default model) with

    .venv/bin/python docs/screenshot.py [--out docs/screenshot.png] [--phone-out docs/screenshot-phone.png]

It serves the app as the README does (gunicorn, eventlet, one worker; the launcher is the tests',
``tests.support.servers.Gunicorn``), waits for the model, and in Debian's Chromium (/usr/bin/chromium) through
Playwright writes the number with the mouse in a 1366x768 window and with a finger on a 390x844 phone (touch
events through the DevTools protocol; ``benchmarks.drawing``, as the end-to-end tests write), waits until the
page shows it read, saves what is on screen (the answer is in view without scrolling) and stops the server. It
fails rather than save a wrong reading.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a script in docs/: the repository's packages

from benchmarks.drawing import HANDWRITTEN, Hand, write_on_pad  # noqa: E402
from tests.support.servers import Gunicorn, ServerError  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
NUMBER = "4721"
READY_TIMEOUT_S = 180
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
            write_on_pad(page, Hand(page, touch), NUMBER, glyphs=HANDWRITTEN, fit=0.85)  # slanted, round corners
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
