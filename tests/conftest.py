"""Shared by every test. pytest has the repository on its import path (``pythonpath`` in pyproject.toml);
the subprocesses tests start (the inference worker, the CLI, gunicorn) get it through PYTHONPATH."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Subprocesses (the inference worker, the CLI, gunicorn) import `webapp` and `training` too.
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
