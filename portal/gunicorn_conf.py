"""gunicorn's configuration, as a file: ``gunicorn -c portal/gunicorn_conf.py portal.wsgi``
(the Dockerfile's command). Command-line options override it.

- Workers: ``WEB_CONCURRENCY`` (default 2), on ``0.0.0.0:8000`` (``--bind`` to change).
- Metrics across workers: each worker writes its values to ``PROMETHEUS_MULTIPROC_DIR`` (a new
  temporary directory unless it is set; the Dockerfile sets it), emptied when the server starts
  and told when a worker exits; any worker's ``/metrics`` adds up all of them.
- Logs: gunicorn's own lines in the product's format (``core/logs.py``: JSON unless ``DEBUG`` or
  ``LOG_JSON`` says otherwise). No access log here: the product's middleware writes one line per
  request, with its request id and view.

Loaded as a file, not as ``portal.gunicorn_conf``: prometheus-client reads
``PROMETHEUS_MULTIPROC_DIR`` when it is first imported, which importing the ``portal`` package
would do before the default below is set.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="portal-metrics-"))

# After the variable is set (see above).
from prometheus_client import multiprocess

from core.logs import logging_config
from portal.metrics import clear_multiprocess_directory


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


bind = ["0.0.0.0:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A sync worker is killed when one request outlasts this. The largest organisation's invoice CSV
# (1M rows, streamed) takes about 97 s to send; gunicorn's default of 30 s cut it off.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
accesslog = None
logconfig_dict = logging_config(
    json=_flag("LOG_JSON", default=not _flag("DEBUG", default=False)),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)


def on_starting(server: Any) -> None:
    clear_multiprocess_directory()


def child_exit(server: Any, worker: Any) -> None:
    # The exited worker's files stay (its counters still count); only its live gauges go.
    multiprocess.mark_process_dead(worker.pid)
