"""Benchmarks of Digit Reader; each module runs as ``python -m benchmarks.<name>`` (e.g. ``benchmarks.reader``)."""
