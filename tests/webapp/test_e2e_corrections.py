"""End to end, issue 24's page part: correcting a reading in every mode, in Debian's Chromium against the app
served by gunicorn (its corrections store a file of the test's own).

A person selects a number that was read (its text, or its box on the picture), types what it should be and
sends it; the page confirms, says what is kept, and offers Undo (DELETE). Nothing is kept without sending:
``GET /api/v1/corrections/stats`` counts what the server holds.
"""
from __future__ import annotations

import json
import re
import urllib.request

import numpy as np
import pytest

from tests.support.browser import WEBCAM_NUMBER, served, upload_file, wait_read, write
from tests.support.browser import open_device as opened
from tests.support.digit_paper import centred, encode

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

KEPT = ("image of this number", "text you type", "text that was read", "the model", "the mode", "the time",
        "Nothing else")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A corrections store of its own, and room for every test's corrections from 127.0.0.1."""
    folder = tmp_path_factory.mktemp("corrections-server")
    with served(folder, {"DIGIT_READER_CORRECTIONS_DB": str(folder / "corrections.sqlite3"),
                         "DIGIT_READER_CORRECTIONS_PER_MINUTE": "10000",
                         "DIGIT_READER_CORRECTION_BURST": "1000"}) as running:
        yield running


@pytest.fixture(params=["desktop", "phone"])
def ui(request, browser, server, tmp_path):
    with opened(browser, server, request.param, tmp_path, request) as view:
        yield view


def stats(server) -> dict:
    with urllib.request.urlopen(server.url + "/api/v1/corrections/stats", timeout=10) as response:
        return json.loads(response.read())


def correct(page, scope: str, text: str) -> None:
    """Type ``text`` in the open correction form under ``scope`` and send it; wait for the confirmation."""
    form = page.locator(f"{scope} form.correction")
    expect(form).to_be_visible()
    for words in KEPT:  # what is kept, said plainly before sending
        expect(form.locator(".correction__kept")).to_contain_text(words)
    form.locator("input").fill(text)
    form.locator("button[type=submit]").click()
    expect(page.locator(f"{scope} .correction--sent")).to_contain_text(f"“{text}” was sent and kept")


def undo(page, scope: str) -> None:
    page.locator(f"{scope} .correction__undo").click()
    expect(page.locator(f"{scope} .correction--sent")).to_contain_text("Undone")


def click_centre(view, selector: str) -> None:
    """A tap (phone) or a click (desktop) in the middle of a picture, where the tests' numbers are."""
    page = view.page
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if view.device == "phone":
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def test_a_drawn_number_is_corrected_confirmed_and_undone(ui):
    page = ui.page
    before = stats(ui.server)
    write(ui, "170")
    wait_read(page, "#draw-result", "170")
    assert stats(ui.server) == before, "reading a drawing kept something"

    page.locator("#draw-result .number-chip").first.click()  # select the number by its text
    correct(page, "#panel-draw", "178")
    after = stats(ui.server)
    assert after["count"] == before["count"] + 1 and after["by_mode"]["draw"] == before["by_mode"]["draw"] + 1

    undo(page, "#panel-draw")
    assert stats(ui.server) == before, "undo left the correction on the server"
    ui.assert_no_script_errors()


def test_a_webcam_number_is_selected_by_its_box_frozen_and_corrected(ui):
    page = ui.page
    before = stats(ui.server)
    page.click("#mode-webcam")
    page.click("#webcam-start")
    expect(page.locator("#webcam-result")).to_have_text(WEBCAM_NUMBER)
    click_centre(ui, "#webcam-overlay")  # the number's box, in the middle of the picture
    expect(page.locator("#webcam-still")).to_be_visible()  # frozen on the frame the reading came from
    correct(page, "#panel-webcam", "4077")
    assert stats(ui.server)["by_mode"]["webcam"] == before["by_mode"]["webcam"] + 1
    undo(page, "#panel-webcam")
    assert stats(ui.server) == before
    ui.assert_no_script_errors()


def test_an_uploaded_number_is_selected_by_its_box_on_the_photo_and_corrected(ui, tmp_path):
    page = ui.page
    before = stats(ui.server)
    page.click("#mode-upload")
    upload_file(page, tmp_path, "scan.png", encode(centred("86", size=(640, 320), height=120), "PNG"))
    item = page.locator("#upload-results .upload-item").first
    expect(item.locator(".upload-text")).to_have_text("86")
    assert stats(ui.server) == before, "reading an upload kept something"
    click_centre(ui, "#upload-results .upload-overlay")
    correct(page, "#upload-results .upload-item", "88")
    assert stats(ui.server)["by_mode"]["upload"] == before["by_mode"]["upload"] + 1
    undo(page, "#upload-results .upload-item")
    assert stats(ui.server) == before
    ui.assert_no_script_errors()


def test_a_correction_that_is_not_a_number_or_is_cancelled_sends_nothing(ui):
    page = ui.page
    before = stats(ui.server)
    sent = []
    page.on("request", lambda request: sent.append(request.method) if "/api/v1/corrections" in request.url else None)
    write(ui, "47")
    wait_read(page, "#draw-result", "47")
    page.click("#draw-actions .correct-button")
    form = page.locator("#panel-draw form.correction")
    form.locator("input").fill("forty-seven")
    form.locator("button[type=submit]").click()
    expect(form.locator(".correction__status")).to_have_text(re.compile("Use digits"))
    form.get_by_role("button", name="Cancel").click()
    expect(form).to_have_count(0)
    assert not sent and stats(ui.server) == before
    ui.assert_no_script_errors()


# Notes the fields of every correction the page POSTs, and the size of the PNG it sends.
RECORD_CORRECTIONS = """() => {
  window.__posted = [];
  const send = window.fetch;
  window.fetch = async (url, options = {}) => {
    if (String(url).endsWith('/api/v1/corrections') && options.body instanceof FormData) {
      const fields = {};
      for (const [name, value] of options.body.entries()) {
        if (value instanceof Blob) {
          const head = new DataView(await value.slice(0, 24).arrayBuffer());
          fields[name] = { type: value.type, width: head.getUint32(16), height: head.getUint32(20) };
        } else {
          fields[name] = value;
        }
      }
      window.__posted.push(fields);
    }
    return send(url, options);
  };
}"""


def test_the_correction_sent_is_the_drawing_read_with_the_number_s_box_inside_it(ui):
    page = ui.page
    before = stats(ui.server)
    page.evaluate(RECORD_CORRECTIONS)
    write(ui, "4071")
    wait_read(page, "#draw-result", "4071")
    page.locator("#draw-result .number-chip").first.click()
    correct(page, "#panel-draw", "4077")
    fields = page.evaluate("window.__posted")[0]
    assert (fields["mode"], fields["text"], fields["read"]) == ("draw", "4077", "4071"), fields
    assert fields["image"]["type"] == "image/png" and fields["model"], fields
    x, y, w, h = map(int, fields["box"].split(","))
    width, height = fields["image"]["width"], fields["image"]["height"]
    assert 0 <= x and 0 <= y and x + w <= width and y + h <= height, (fields, width, height)
    assert np.isclose(w / h, 3.3, rtol=0.35), (w, h)  # the four digits' box, not the whole pad
    undo(page, "#panel-draw")
    assert stats(ui.server) == before
    ui.assert_no_script_errors()
