"""Settings of the floor project (``bench/floor``): as little Django as serves a page."""

from __future__ import annotations

import os
from pathlib import Path

import environ

HERE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("SECRET_KEY", "floor-only-secret-key-0123456789-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "floor.urls"
WSGI_APPLICATION = "floor.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"context_processors": []},
    }
]
DATABASES = {
    "default": environ.Env().db(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pp_bench_harness"
    )
}
# Persistent connections, as the product's production settings keep them.
DATABASES["default"]["CONN_MAX_AGE"] = 60
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# A bare project's defaults (``startproject``): translations and time zones on, as the product.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {"version": 1, "disable_existing_loggers": False}
