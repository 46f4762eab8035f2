"""Helpers shared by the test suites, and by the benchmarks that drive the app the same way.

The repository root is on the import path (pytest's ``pythonpath`` in pyproject.toml; ``python -m
benchmarks.x`` runs from the root), so they are imported as ``tests.support.<module>``.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
