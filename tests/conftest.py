"""Shared by every test. pytest has the repository on its import path (``pythonpath`` in pyproject.toml);
the subprocesses tests start (the inference worker, the CLI, gunicorn) get it through PYTHONPATH."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Subprocesses (the inference worker, the CLI, gunicorn) import `webapp` and `training` too.
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_addoption(parser):
    parser.addoption("--record-logits", action="store_true",
                     help="answer the fake backend's tests with the real model and record its answers in "
                          "tests/fixtures/recorded-logits.npz (tests/support/fake_backend.py)")


@pytest.fixture(scope="session")
def model_backend(request):
    """The inference backend of the fast tests' apps: the real model's recorded answers, no TensorFlow
    (``--record-logits``: the real model, its answers recorded for the next runs)."""
    from tests.support.fake_backend import RecordedBackend, RecordingBackend

    if not request.config.getoption("--record-logits"):
        yield RecordedBackend()
        return
    from webapp.reading.local import LocalBackend

    recording = RecordingBackend(LocalBackend())
    yield recording
    recording.save()


@pytest.fixture(autouse=True)
def name_unrecorded_lines(request):
    """A failing test whose lines the recording lacks says so: they were read as blank paper."""
    if "model_backend" not in request.fixturenames:
        yield
        return
    backend = request.getfixturevalue("model_backend")
    before = len(getattr(backend, "misses", ()))
    yield
    report = getattr(request.node, "rep_call", None)
    missed = len(getattr(backend, "misses", ())) - before
    if report is not None and report.failed and missed:
        warnings.warn(f"{request.node.nodeid}: {missed} model input lines had no recorded answer and were read as "
                      "blank paper; record again with --record-logits (tests/support/fake_backend.py)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether their test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
