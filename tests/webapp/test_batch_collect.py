"""The inference dispatcher merges waiting work into one batch only where it can: same model, same input shape."""
from __future__ import annotations

import numpy as np

from webapp.serving.inference import Job, ProcessBackend

LINES = np.zeros((2, 32, 256, 1), np.float32)
PICTURE = np.zeros((1, 288, 384, 1), np.float32)  # a 640x480 frame as the number detector sees it


def collected(*jobs: Job) -> list[list[Job]]:
    """The batches the dispatcher would run, in order, for jobs queued at once."""
    backend = ProcessBackend(batch_window_s=0.01)
    for job in jobs:
        backend.jobs.put(job)
    batches = []
    while not backend.jobs.empty():
        batches.append(backend._collect())
    return batches


def test_lines_of_one_model_share_a_batch():
    a, b = Job("reader", LINES), Job("reader", LINES)
    assert collected(a, b) == [[a, b]]


def test_detector_pictures_and_lines_never_share_a_batch():
    picture, lines, other = Job("detector", PICTURE), Job("detector", LINES), Job("detector", PICTURE[:, :96])
    batches = collected(picture, lines, other)
    assert all(len({job.batch.shape[1:] for job in batch}) == 1 for batch in batches)
    assert sorted(len(batch) for batch in batches) == [1, 1, 1]
