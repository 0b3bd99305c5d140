"""Real processes for the worker tests: a private Redis (the broker) and celery workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integrations.processes import CeleryWorker, RedisServer, use_broker


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    use_broker(server.url)
    yield server
    use_broker(None)
    server.stop()


@pytest.fixture
def worker_log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"


@pytest.fixture
def start_worker(
    redis_server: RedisServer, worker_log: Path
) -> Iterator[Callable[[], CeleryWorker]]:
    workers: list[CeleryWorker] = []

    def start() -> CeleryWorker:
        worker = CeleryWorker(broker_url=redis_server.url, name=f"w{len(workers)}", log=worker_log)
        workers.append(worker.start())
        return worker

    yield start
    for worker in workers:
        worker.stop()
