"""Reading numbers in images: decode, find every number, read each, rescore. One entry point:

    from webapp import reading
    recognizer = reading.load()            # the store's default model, in this process, warmed up
    recognizer.recognize(image_bytes)      # {"numbers": [...], "image", "model", "timing_ms"}

The server (``webapp.serving``) gives ``load`` its own backend (the spawned inference process, Redis
workers); the CLI, the benchmarks and the tests take the in-process one. Nothing here knows about HTTP
or Socket.IO.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from webapp.reading import finding
from webapp.reading.recognizer import DETECTOR, FINDER, READ_THREADS, Backend, Recognizer

__all__ = ["READ_THREADS", "Backend", "Recognizer", "load"]


def load(model: str | None = None, store_dir: Path | None = None, backend: Backend | None = None,
         **settings) -> Recognizer:
    """A recognizer ready to read: ``model`` (a name in the store, a folder or ``.keras`` path; None for the
    store's DEFAULT) loaded in this process, or ``backend`` as given; decoding warmed up, and for an in-process
    model every batch shape traced. ``settings``: Recognizer's ``max_pixels``, ``min_confidence``, ``offload``,
    ``finder``, ``detector``, ``pool``. An in-process model reads with a pool of READ_THREADS threads, as the
    inference process does."""
    if backend is None:
        settings.setdefault("pool", ThreadPoolExecutor(READ_THREADS, thread_name_prefix="read"))
        from training.core.quiet import quiet_tensorflow

        quiet_tensorflow()  # TensorFlow loads here, without its start-up lines (TF_CPP_MIN_LOG_LEVEL < 2 keeps them)
        from webapp.reading.local import LocalBackend

        backend = LocalBackend(model, store_dir)
        backend.model_info(model)  # raises UnknownModelError for a model not in the store
        if finding.uses_map(settings.get("finder", FINDER)):
            backend.model_info(settings.get("detector", DETECTOR))  # the detector loaded and traced now, too
    recognizer = Recognizer(backend, **settings)
    recognizer.warm_up()
    return recognizer
