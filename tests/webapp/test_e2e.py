"""End to end: Debian's Chromium, driven by Playwright, against the app served by gunicorn as in production.

The server is started exactly as the README serves it (``gunicorn -k eventlet -w 1 'webapp:create_app()'``,
the model in a spawned inference process). The webcam is Chromium's fake camera playing a .y4m
file of a handwritten number on paper, written by the test from MNIST test digits.
"""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.support.browser import WEBCAM_NUMBER, opened, served, write
from tests.support.digit_paper import encode, photo

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


# --- the server (the browser is tests/webapp/conftest.py's) ----------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served(tmp_path_factory.mktemp("gunicorn")) as running:
        yield running


@pytest.fixture
def ui(browser, server, request, tmp_path):
    with opened(browser, server, tmp_path, request, {"viewport": {"width": 1280, "height": 900}}) as view:
        yield view


# --- tests ----------------------------------------------------------------------------------------

def test_number_drawn_with_the_mouse_is_read(ui):
    page = ui.page
    page.click("#mode-draw")
    result = page.locator("#draw-result")

    write(ui, "170")  # with the mouse: the desktop's hand
    expect(result).to_have_text("170")
    expect(result).to_have_attribute("data-state", "ok")
    assert ui.wait_painted(page.locator("#draw-overlay")) > 0, "no boxes drawn on #draw-overlay"

    page.click("#undo")  # takes back the last stroke: the 0
    expect(result).to_have_text("17")

    page.click("#clear")
    expect(result).to_have_text("")
    expect(result).not_to_have_attribute("data-state", "ok")
    assert ui.painted_pixels(page.locator("#draw-overlay")) == 0, "Clear left boxes on the overlay"
    ui.assert_no_script_errors()


def test_uploaded_photos_are_each_shown_with_overlay_and_number(ui, tmp_path):
    page = ui.page
    big = tmp_path / "phone-photo.jpg"
    big.write_bytes(encode(photo("4071", size=(1280, 720), height=150, seed=1), "JPEG", quality=88))
    small = tmp_path / "scan.png"
    small.write_bytes(encode(photo("86", size=(640, 480), height=90, seed=2), "PNG"))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")

    page.click("#mode-upload")
    page.set_input_files("#upload-input", [str(big), str(small), str(broken)])

    items = page.locator("#upload-results .upload-item")
    expect(items).to_have_count(3)
    first, second, third = items.nth(0), items.nth(1), items.nth(2)
    expect(first.locator(".upload-text")).to_have_text("4071")
    expect(second.locator(".upload-text")).to_have_text("86")
    for item in (first, second):
        expect(item.locator(".upload-error")).to_be_hidden()
        expect(item.locator(".copy-button")).to_be_enabled()
        assert ui.wait_painted(item.locator("canvas.upload-overlay")) > 0, "no boxes drawn on .upload-overlay"
    expect(third.locator(".upload-error")).to_be_visible()
    # plain words for people; the server's message about the file stays as the element's title
    expect(third.locator(".upload-error")).to_contain_text("not a picture the reader can open")
    expect(third.locator(".upload-error")).not_to_contain_text("bytes")
    expect(third.locator(".upload-error")).to_have_attribute("title", re.compile("11 bytes"))
    ui.assert_no_script_errors()


def test_number_held_up_to_the_fake_webcam_is_read(ui):
    page = ui.page
    page.click("#mode-webcam")
    page.click("#webcam-start")

    expect(page.locator("#webcam-result")).to_have_text(re.compile(rf"(^|\s){WEBCAM_NUMBER}(\s|$)"))
    expect(page.locator("#webcam-fps")).to_have_text(re.compile(r"^\d+(\.\d+)? fps$"))
    expect(page.locator("#webcam-latency")).to_have_text(re.compile(r"^\d+ ms$"))
    assert ui.wait_painted(page.locator("#webcam-overlay")) > 0, "no boxes drawn on #webcam-overlay"
    expect(page.locator("#webcam-stop")).to_be_enabled()

    page.click("#webcam-stop")  # the camera goes off; the reading stays (issue 25)
    expect(page.locator("#webcam-result")).to_have_text(re.compile(rf"(^|\s){WEBCAM_NUMBER}(\s|$)"))
    expect(page.locator("#webcam-start")).to_be_enabled()
    ui.assert_no_script_errors()


def reads_well(model: dict) -> bool:
    """As the page judges (common.js GOOD_ENOUGH): 90% of the clean test strings read exactly, or more."""
    figures = [v["sequence_accuracy"] for k, v in model["card"].get("metrics", {}).items()
               if re.fullmatch(r"test_1-\d+", k)]
    return bool(figures) and figures[0] >= 0.9


def test_model_select_lists_the_models_that_read_well_recommended_first(ui):
    page = ui.page
    with urllib.request.urlopen(ui.server.url + "/api/v1/models", timeout=10) as response:
        models = json.loads(response.read())
    select = page.locator("#model-select")
    expect(select).to_be_enabled()
    options = select.locator("option")
    offered = [m for m in models["models"] if m["name"] == models["default"] or reads_well(m)]
    expect(options).to_have_count(len(offered))
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert values[0] == models["default"] and sorted(values) == sorted(m["name"] for m in offered)
    expect(options.first).to_have_text("Recommended")
    for i in range(options.count()):  # plain words, not the store's names
        assert options.nth(i).text_content() not in values, options.nth(i).text_content()
    expect(select).to_have_value(models["default"])
    expect(page.locator("#status")).to_contain_text("recommended model")
    ui.assert_no_script_errors()


def test_models_page_shows_a_card_per_stored_model_with_its_rescorer_and_commands(ui):
    page = ui.page
    with urllib.request.urlopen(ui.server.url + "/api/v1/models", timeout=10) as response:
        models = json.loads(response.read())
    page.goto(ui.server.url + "/models")
    cards = page.locator("article.model-card")
    expect(cards).to_have_count(len(models["models"]))
    for model in models["models"]:
        card = page.locator(f'article.model-card[data-model="{model["name"]}"]')
        expect(card.locator("h2")).to_have_text(model["name"])
        tested = [k for k in model["card"].get("metrics", {}) if re.fullmatch(r"test_(4|1-\d+(-realistic|-pen)?)", k)]
        expect(card.locator("table.accuracy tbody tr")).to_have_count(len(tested))
        if any(k.endswith("-pen") for k in tested):
            expect(card.locator("table.accuracy")).to_contain_text("drawn with the canvas pen")
        rescorer = model["card"].get("rescorer")
        rescorer_fact = card.locator(".facts__item", has=page.locator("dt", has_text="Rescorer"))
        if rescorer is None:
            expect(rescorer_fact).to_have_count(0)
            continue
        members = rescorer.get("members", 1)
        expect(rescorer_fact.locator("dd")).to_contain_text(
            f"{members} digit classifiers averaged" if members > 1 else "digit classifier")
        expect(rescorer_fact.locator("dd")).to_contain_text(f"weight {rescorer['weight']:g}")  # as JavaScript prints 2.0: 2
        expect(card.locator("pre code")).to_contain_text(rescorer["training"]["commands"][-1]
                                                         if "commands" in rescorer["training"] else "train-rescorer")
    expect(page.locator(f'article.model-card[data-model="{models["active"]}"] .badge--in-use')).to_be_visible()
    ui.assert_no_script_errors()


ROUTE_A_DROPPED_FRAME = """() => new Promise((resolve) => {
  const handlers = {};
  const socket = { connected: true, on: (name, handler) => { handlers[name] = handler; }, emit: () => {} };
  const router = new window.DigitReader.FrameRouter(socket, () => null);
  const heard = [];
  const channel = (name) => router.channel(name, {
    capture: async () => new Blob([new Uint8Array([1])]),
    onResult: () => heard.push([name, 'result']),
    onError: (error) => heard.push([name, error.code]),
  });
  const sent = [channel('draw'), channel('webcam')];
  sent.forEach((c) => c.request());
  setTimeout(() => {
    const newest = Math.max(...sent.map((c) => c.flight.seq));
    handlers.result({ seq: newest, dropped: 1, numbers: [] });  // the other frame was dropped unread
    setTimeout(() => resolve(heard.sort()), 100);
  }, 200);
})"""


def test_a_frame_counted_as_dropped_in_another_answer_stops_its_channel_waiting(ui):
    """The page's frame router, in the browser: an answer's ``dropped`` settles the frames sent just before it,
    so their mode sends again at once instead of waiting out its timeout."""
    heard = ui.page.evaluate(ROUTE_A_DROPPED_FRAME)
    assert sorted(code for _, code in heard) == ["frame_dropped", "result"], heard


def test_models_page_lists_the_server_default_first_as_recommended(ui):
    page = ui.page
    with urllib.request.urlopen(ui.server.url + "/api/v1/models", timeout=10) as response:
        models = json.loads(response.read())
    if not models["default"]:
        pytest.skip("the model store names no default model")
    page.goto(ui.server.url + "/models")
    cards = page.locator("article.model-card")
    expect(cards).to_have_count(len(models["models"]))
    first = cards.first
    expect(first).to_have_attribute("data-model", models["default"])
    expect(first.locator(".badge--recommended")).to_have_text("Recommended")
    expect(page.locator("article.model-card .badge--recommended")).to_have_count(1)
    others = [cards.nth(i).get_attribute("data-model") for i in range(1, cards.count())]
    assert sorted(others) == sorted(m["name"] for m in models["models"] if m["name"] != models["default"])
    # those that read badly come last, marked for comparison
    badly = {m["name"] for m in models["models"] if m["name"] != models["default"] and not reads_well(m)}
    assert set(others[len(others) - len(badly):]) == badly
    for name in badly:
        expect(page.locator(f'article.model-card[data-model="{name}"] .badge--comparison')).to_be_visible()

    page.goto(ui.server.url + "/")
    first_option = page.locator("#model-select option").first
    expect(first_option).to_have_attribute("value", models["default"])
    expect(first_option).to_have_text("Recommended")
    ui.assert_no_script_errors()
