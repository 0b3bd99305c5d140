"""Real processes for the tests and benchmarks: a private ``redis-server`` (so a test may stop
and restart it without touching the machine's) and ``celery worker`` processes on the test
database, pointed at the fakes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from kombu import pools

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of our own on a free port, keeping nothing on disk."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        program = shutil.which("redis-server")
        if program is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed program with our arguments
            [
                program,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    """Poll ``condition`` every 0.1 s until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def worker_env(*, broker_url: str, extra: Mapping[str, object] | None = None) -> dict[str, str]:
    """The environment of a worker sharing this process's database, fakes and timings."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "C_FORCE_ROOT": "1",  # CI runs as root; Celery refuses otherwise
            "ZUORA_ENDPOINT": settings.ZUORA_ENDPOINT,
            "SALESFORCE_INSTANCE_URL": settings.SALESFORCE_INSTANCE_URL,
            "SALESFORCE_TOKEN_URL": settings.SALESFORCE_TOKEN_URL,
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in (
        "OUTBOX_BACKOFF_BASE",
        "OUTBOX_BACKOFF_MAX",
        "OUTBOX_RETRY_AFTER_CAP",
        "OUTBOX_CLAIM_LEASE",
        "OUTBOX_STALL_GRACE",
        "OUTBOX_REENQUEUE_AFTER",
        "OUTBOX_BUSY_DELAY",
        "OUTBOX_CRM_WAITS",
        "OUTBOX_CRM_WAIT_DELAY",
        "ZUORA_TIMEOUT",
        "SALESFORCE_TIMEOUT",
        "ZUORA_MAX_CONCURRENT_ORGANISATIONS",
    ):
        env[name] = str(getattr(settings, name))
    env.update({key: str(value) for key, value in (extra or {}).items()})
    return env


class CeleryWorker:
    """``celery -A portal worker`` in its own process group (so a kill takes its children)."""

    def __init__(
        self,
        *,
        broker_url: str,
        concurrency: int = 1,
        name: str = "worker",
        log: Path | None = None,
        extra_env: Mapping[str, object] | None = None,
    ) -> None:
        self.broker_url = broker_url
        self.concurrency = concurrency
        self.name = name
        self.log = log
        self.extra_env = extra_env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: float = 30.0) -> CeleryWorker:
        output = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                f"{self.name}-{free_port()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=worker_env(broker_url=self.broker_url, extra=self.extra_env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(wait)
        return self

    def _wait_ready(self, wait: float) -> None:
        # A worker is ready once it answers a ping over the broker.
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}")
            replies = current_app.control.ping(timeout=0.5) or []
            if any(self.name in next(iter(reply)) for reply in replies):
                return
        raise RuntimeError("celery worker did not become ready")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: no shutdown, no acknowledgement."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        """Warm shutdown: SIGTERM to the main process only, which lets a running task finish
        (a signal to the whole group would kill the pool's children mid-task)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None


def use_broker(broker_url: str | None) -> None:
    """Point this process's Celery app at ``broker_url`` (``None``: back to eager, no broker)."""
    conf = current_app.conf
    if broker_url is None:
        conf.update(broker_url="memory://", task_always_eager=True)
    else:
        conf.update(broker_url=broker_url, task_always_eager=False)
    # The connection and producer pools were made for the previous broker.
    pools.reset()
    current_app._pool = None  # type: ignore[attr-defined]  # private: no public way to drop it
    current_app.amqp._producer_pool = None  # type: ignore[attr-defined]  # private, as above
