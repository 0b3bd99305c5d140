"""The Celery application. Configuration comes from Django settings (``CELERY_*``).

The signals wire in what every task shares with the web: the request id travels in the
message's headers and is bound while the task runs (``core/request_id.py``); the task's outcome
is counted (``portal/metrics.py``); the worker logs through Django's ``LOGGING`` (JSON in
production, UTC either way) instead of Celery's own format.
"""

from __future__ import annotations

import os

from celery import Celery, signals

from core import request_id
from portal import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

signals.before_task_publish.connect(request_id.add_to_task_headers, weak=False)
signals.task_prerun.connect(request_id.bind_for_task, weak=False)
signals.task_postrun.connect(request_id.unbind_after_task, weak=False)

signals.task_success.connect(metrics.count_task_success, weak=False)
signals.task_failure.connect(metrics.count_task_failure, weak=False)
signals.task_retry.connect(metrics.count_task_retry, weak=False)

signals.worker_init.connect(metrics.clear_multiprocess_directory, weak=False)
signals.worker_ready.connect(metrics.serve_worker_metrics, weak=False)
signals.worker_process_shutdown.connect(metrics.forget_worker_process, weak=False)


@signals.setup_logging.connect(weak=False)
def keep_django_logging(**kwargs: object) -> None:
    """Connected, Celery leaves logging alone: ``django.setup()`` applied ``LOGGING`` already."""
