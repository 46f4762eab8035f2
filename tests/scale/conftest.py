"""Fixtures for the scale-out tests: Redis, a cluster of web processes and workers, Socket.IO readers."""
from __future__ import annotations

import os

import pytest

from tests.support.scale import REDIS_SERVER, Cluster, Reader, RedisServer, number_images


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A redis-server of the module's own; the module is skipped only when there is none to start."""
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip(f"{REDIS_SERVER} not found: install Debian's redis-server package (.ci/setup --test does)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except (RuntimeError, TimeoutError) as exc:
        server.kill()
        pytest.skip(f"redis-server did not start: {exc}")
    yield server
    server.kill()


@pytest.fixture(scope="module")
def cluster(redis_server, tmp_path_factory):
    """worker-a and worker-b, and two web processes, ready; all killed after the module's tests."""
    cluster = Cluster(redis_server, tmp_path_factory.mktemp("cluster"))
    try:
        for name in ("worker-a", "worker-b"):
            cluster.start_worker(name)
        for _ in range(2):
            cluster.start_web()
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def readers(cluster):
    """Connects Readers to the web processes; closes them after the test."""
    opened = []

    def connect(url: str) -> Reader:
        opened.append(Reader(url))
        return opened[-1]

    yield connect
    for reader in opened:
        reader.close()


@pytest.fixture(scope="module")
def images():
    """12 (text, PNG) numbers to send as frames."""
    return number_images(12)
