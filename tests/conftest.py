"""Shared by every test. pytest has the repository on its import path (``pythonpath`` in pyproject.toml);
the subprocesses tests start (the inference worker, the CLI, gunicorn) get it through PYTHONPATH."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Subprocesses (the inference worker, the CLI, gunicorn) import `webapp` and `training` too.
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
