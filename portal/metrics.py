"""The Prometheus metrics every process records (prometheus-client), and what a process reports.

Labels stay bounded: a request is labelled with its view's name from the URL resolver (never its
path), its method and its status; a task with its registered name and outcome.

Several processes (gunicorn's workers, Celery's pool) each count what they served. With
``PROMETHEUS_MULTIPROC_DIR`` set (the Dockerfile sets it) every process writes its values to
files in that directory and a scrape adds them all up (``reported_registry``); gunicorn's
``child_exit`` hook (``portal/gunicorn_conf.py``) and the worker's ``worker_process_shutdown``
tell the library when a process is gone. Without it (the demo, the tests) a process reports what
it counted itself. This module imports no model: ``portal/celery.py`` imports it before the
apps load.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import start_http_server

logger = logging.getLogger(__name__)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# A request the URL resolver matched no view for (a 404 before any view, a static file).
UNMATCHED = "<unmatched>"

REQUEST_DURATION = Histogram(
    "portal_request_duration_seconds",
    "Seconds from the request reaching the middleware to its response, by view and method.",
    ["view", "method"],
)
RESPONSES = Counter(
    "portal_responses",
    "Responses by view, method and status code.",
    ["view", "method", "status"],
)
TASKS = Counter(
    "portal_celery_tasks",
    "Celery tasks run, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUEST_DURATION.labels(view=view, method=method).observe(seconds)
    RESPONSES.labels(view=view, method=method, status=str(status)).inc()


def reported_registry() -> CollectorRegistry:
    """What a scrape reports: every process's values in multiprocess mode, else this one's."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


# ------------------------------------------------------------------------------------------------
# Celery signal receivers (connected in portal/celery.py)
# ------------------------------------------------------------------------------------------------
def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def count_task_success(sender: Any = None, **kwargs: object) -> None:
    TASKS.labels(task=_task_name(sender), outcome="success").inc()


def count_task_failure(sender: Any = None, **kwargs: object) -> None:
    TASKS.labels(task=_task_name(sender), outcome="failure").inc()


def count_task_retry(sender: Any = None, **kwargs: object) -> None:
    TASKS.labels(task=_task_name(sender), outcome="retry").inc()


def clear_multiprocess_directory(**kwargs: object) -> None:
    """At a server's start: the files a previous run left would be added to this run's values."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def forget_worker_process(pid: int | None = None, **kwargs: object) -> None:
    """``worker_process_shutdown``: a pool process is gone (its live gauges with it)."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(pid or os.getpid())


def serve_worker_metrics(**kwargs: object) -> None:
    """``worker_ready``: the worker's task counters on their own port (``WORKER_METRICS_PORT``),
    read by Prometheus like the web's ``/metrics``; the port is for the internal network only."""
    port = settings.WORKER_METRICS_PORT
    if port:
        start_http_server(port, addr=settings.WORKER_METRICS_ADDRESS, registry=reported_registry())
        logger.info("worker metrics on %s:%s", settings.WORKER_METRICS_ADDRESS, port)
