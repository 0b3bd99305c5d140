"""How every process of the product logs: one ``logging.config.dictConfig`` dictionary.

Production writes JSON lines (python-json-logger): one object per line with ``timestamp`` (UTC,
ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` and whatever the call passed in
``extra``. The demo writes the same records as plain lines. Either way timestamps are UTC
whatever ``TIME_ZONE`` says, so the web process, the worker, beat, gunicorn, the fakes and the
development identity provider all log in one zone and one format. Django's settings, the gunicorn
configuration and the Celery worker (``portal/celery.py``) all use this dictionary; it imports
nothing of Django so that gunicorn's master can read it before any app loads.
"""

from __future__ import annotations

import time
from typing import Any

PLAIN_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s [%(request_id)s] %(message)s"
PLAIN_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    formatter: dict[str, Any]
    if json:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        }
    else:
        formatter = {
            "()": "logging.Formatter",
            "fmt": PLAIN_FORMAT,
            "datefmt": PLAIN_DATE_FORMAT,
            # UTC, whatever the process's zone (Django sets it from TIME_ZONE).
            ".": {"converter": time.gmtime},
        }
    handler = {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}
    # Their own handlers (Django's defaults, gunicorn's) replaced by none: each record goes to
    # the root's one handler, once.
    own = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.request_id.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # In place of Django's defaults (a console handler in DEBUG only, mail to ADMINS).
            "django": {**own, "level": level},
            # runserver's access lines: the request middleware writes one per request already
            # (``portal.access``, with the request id); its 4xx and 5xx warnings stay.
            "django.server": {**own, "level": "WARNING"},
            # Python's warnings (Django routes them to logging), in the same format.
            "py.warnings": {**own, "level": "WARNING"},
            # gunicorn's own lines (its access log is off: the middleware writes those).
            "gunicorn.error": {**own, "level": level},
            "gunicorn.access": {**own, "level": level},
        },
    }
