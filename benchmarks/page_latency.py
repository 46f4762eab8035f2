"""Page latency: from pen-up to the final answer on the reader page, in Debian's Chromium.

``python -m benchmarks.page_latency [--quick] [--drawings N] [--label NAME]``

The app is served as in production (gunicorn, eventlet, one worker; the tests' launcher). For each device
profile (a 1366x768 desktop window at devicePixelRatio 1 and 2 with the mouse; a 390x844 phone at 3 with
touch), the script writes numbers on the draw pad stroke by stroke and keeps the pointer still after the
last stroke. It measures, in the page's own clock:

* **final answer**: pen-up to the answer to the first frame sent after pen-up (the reading of the finished
  drawing; earlier frames were sent while the pen was still moving);
* **sent after**: pen-up to that frame leaving the page (capture, scaling and encoding in the browser, plus
  any wait for a frame still in flight);
* **bytes** of that frame;
* **encode**: ``canvas.toBlob`` of the whole pad as PNG (what the page sent before issue 25) against the
  page's own capture (``DigitReader.captureDrawing``, when the page has one), timed alone after the runs.

The hooks wrap ``DigitReader.FrameRouter``'s ``emitFrame`` and ``route`` from outside, so the same script
measures an older page too. Results: ``benchmarks/results/page_latency[-LABEL].json`` and a table on stdout.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import exit_on_sigterm, machine_info, machine_line, markdown_table, stats, write_results
from benchmarks.drawing import Hand, write_on_pad
from tests.support.servers import Gunicorn, ServerError

CHROMIUM = "/usr/bin/chromium"
FULL = {"drawings": 12}
QUICK = {"drawings": 3}
NUMBERS = ("4071", "170", "7041", "10", "714", "4170")
HEIGHT_SHARE = 0.55  # digits 55% of the pad's height
ANSWER_TIMEOUT_S = 10.0
PROFILES = {  # name: (viewport, devicePixelRatio, touch)
    "desktop 1366x768 @1x, mouse": ({"width": 1366, "height": 768}, 1, False),
    "desktop 1366x768 @2x, mouse": ({"width": 1366, "height": 768}, 2, False),
    "phone 390x844 @3x, touch": ({"width": 390, "height": 844}, 3, True),
}

# Wraps the frame router's prototype (looked up on every call, so the page's router is measured as it is).
HOOKS = """() => {
  const DR = window.DigitReader;
  const log = { upAt: null, sends: [], answers: [] };
  window.__latency = log;
  const canvas = document.getElementById('draw-canvas');
  canvas.addEventListener('pointerup', () => { log.upAt = performance.now(); }, true);
  const proto = DR.FrameRouter.prototype;
  const emit = proto.emitFrame;
  proto.emitFrame = function (frame) {
    log.sends.push({ seq: frame.seq, at: performance.now(), bytes: frame.image.byteLength, source: frame.source });
    return emit.call(this, frame);
  };
  const route = proto.route;
  proto.route = function (message, result, error) {
    if (message) log.answers.push({ seq: message.seq, at: performance.now(), error: Boolean(error) });
    return route.call(this, message, result, error);
  };
}"""

# The final answer: the first answer to a draw frame sent after pen-up; null while it has not come.
FINAL = """() => {
  const log = window.__latency;
  if (log.upAt === null) return null;
  const sent = log.sends.find((send) => send.source === 'draw' && send.at >= log.upAt);
  if (!sent) return null;
  const answer = log.answers.find((item) => item.seq === sent.seq && !item.error);
  if (!answer) return null;
  return { final_ms: answer.at - log.upAt, sent_after_ms: sent.at - log.upAt, bytes: sent.bytes };
}"""

RESET = "() => { const log = window.__latency; log.upAt = null; log.sends = []; log.answers = []; }"

# toBlob of the whole pad (the old capture) and the page's own capture, each timed alone.
ENCODE = """async (rounds) => {
  const canvas = document.getElementById('draw-canvas');
  const time = async (capture) => {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i += 1) {
      const start = performance.now();
      const blob = await capture();
      times.push(performance.now() - start);
      bytes = blob ? blob.size : 0;
    }
    return { times, bytes };
  };
  const whole = await time(() => new Promise((resolve) => canvas.toBlob(resolve, 'image/png')));
  const own = window.DigitReader.captureDrawing ? await time(() => window.DigitReader.captureDrawing()) : null;
  return { canvas: [canvas.width, canvas.height], whole, own };
}"""


def wait_final(page) -> dict | None:
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        final = page.evaluate(FINAL)
        if final:
            return final
        time.sleep(0.02)
    return None


def run_profile(browser, url: str, name: str, drawings: int) -> dict:
    viewport, ratio, touch = PROFILES[name]
    context = browser.new_context(viewport=viewport, device_scale_factor=ratio, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    try:
        page.goto(url + "/")
        page.wait_for_selector('#status[data-state="ready"]', timeout=60_000)
        page.evaluate(HOOKS)
        pointer = Hand(page, touch)
        runs, missed = [], 0
        for i in range(drawings):
            page.click("#clear")
            time.sleep(0.3)
            page.evaluate(RESET)
            write_on_pad(page, pointer, NUMBERS[i % len(NUMBERS)], HEIGHT_SHARE)
            final = wait_final(page)  # the pointer stays where the last stroke ended
            if final is None:
                missed += 1
            else:
                runs.append(final)
            time.sleep(0.3)
        encode = page.evaluate(ENCODE, 5)
    finally:
        context.close()
    return {
        "profile": name, "drawings": drawings, "no_answer": missed,
        "final_ms": stats([r["final_ms"] for r in runs]),
        "sent_after_ms": stats([r["sent_after_ms"] for r in runs]),
        "bytes": stats([r["bytes"] for r in runs], digits=0),
        "encode": {"canvas_px": encode["canvas"],
                   "whole_png_ms": stats(encode["whole"]["times"]), "whole_png_bytes": encode["whole"]["bytes"],
                   "page_capture_ms": stats(encode["own"]["times"]) if encode["own"] else None,
                   "page_capture_bytes": encode["own"]["bytes"] if encode["own"] else None},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few drawings per profile")
    parser.add_argument("--drawings", type=int, help="drawings per profile")
    parser.add_argument("--label", default="", help="suffix of the results file (e.g. 'before')")
    args = parser.parse_args()
    drawings = args.drawings or (QUICK if args.quick else FULL)["drawings"]
    exit_on_sigterm()
    from playwright.sync_api import sync_playwright

    machine = machine_info()
    server = Gunicorn(log_path=Path("/tmp") / f"page_latency-{time.time():.0f}.log", stop_grace_s=10.0).start()
    try:
        try:
            server.wait_ready()
        except ServerError as exc:
            raise SystemExit(f"the server did not get ready: {exc}") from None
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-background-networking", "--disable-component-update"])
            try:
                profiles = [run_profile(browser, server.url, name, drawings) for name in PROFILES]
            finally:
                browser.close()
    finally:
        server.stop()

    name = "page_latency" + (f"-{args.label}" if args.label else "")
    path = write_results(name, args.quick, {"benchmark": "page_latency", "quick": args.quick, "machine": machine,
                                            "settings": {"drawings": drawings, "height_share": HEIGHT_SHARE},
                                            "profiles": profiles})
    rows = [[p["profile"], p["final_ms"]["p50"], p["final_ms"]["p95"], p["final_ms"]["max"], p["sent_after_ms"]["p50"],
             p["bytes"]["p50"], p["encode"]["whole_png_ms"]["p50"],
             p["encode"]["page_capture_ms"]["p50"] if p["encode"]["page_capture_ms"] else "–", p["no_answer"]]
            for p in profiles]
    print(machine_line(machine))
    print(markdown_table(["profile", "final p50 ms", "final p95 ms", "final max ms", "sent after p50 ms", "bytes p50",
                          "whole-pad PNG ms", "page capture ms", "no answer"], rows))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
