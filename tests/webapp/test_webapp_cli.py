"""``python -m webapp``: recognize prints JSON per file; serve has a usable --help."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT
from tests.support.api_checks import assert_result_schema, texts
from tests.support.digit_paper import centred, encode, photo


def run_webapp(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "webapp", *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


@pytest.mark.slow
def test_recognize_prints_json_per_file_and_fails_on_a_bad_one(tmp_path):
    canvas, picture, junk = tmp_path / "canvas.png", tmp_path / "photo.jpg", tmp_path / "notes.png"
    canvas.write_bytes(encode(centred("4071")))
    picture.write_bytes(encode(photo("1369", size=(640, 480), height=90), "JPEG", quality=90))
    junk.write_bytes(b"not an image")

    done = run_webapp("recognize", canvas, picture, junk)

    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [line["file"] for line in lines] == [str(canvas), str(picture), str(junk)], done.stdout + done.stderr[-2000:]
    first, second, third = lines
    assert_result_schema({k: v for k, v in first.items() if k != "file"}, 480, 200)
    assert texts(first) == ["4071"]
    assert texts(second) == ["1369"]
    assert "error" in third and "12 bytes" in third["error"], third
    assert done.returncode == 1, "a file that could not be read must make the exit status non-zero"


@pytest.mark.slow
def test_recognize_of_good_files_exits_0(tmp_path):
    canvas = tmp_path / "canvas.png"
    canvas.write_bytes(encode(centred("86")))
    done = run_webapp("recognize", canvas)
    assert done.returncode == 0, done.stderr[-2000:]
    assert texts(json.loads(done.stdout.strip().splitlines()[-1])) == ["86"]


def test_serve_help():
    done = run_webapp("serve", "--help", timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--host", "--port", "--model"):
        assert option in done.stdout
