"""A small OpenID Connect provider for the demo and the tests (django-oauth-toolkit).

It plays a partner organisation's identity provider (Entra ID, Okta, ...) on loopback:
authorization code flow with PKCE required, RS256-signed ID tokens, and ``email`` and ``groups``
claims. It is a separate Django project with its own SQLite database, never part of the portal,
and development-only: it trusts any redirect URI registered by ``devidp_setup``.

Environment: ``DEVIDP_DATABASE`` (SQLite file), ``DEVIDP_RSA_KEY_FILE`` (PEM, created on first
use).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent


def _rsa_private_key(path: Path) -> str:
    """The provider's signing key, made once and kept so issued tokens stay verifiable."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_text()


DEBUG = True
SECRET_KEY = "devidp-development-only-not-a-secret"  # noqa: S105  # loopback dev tool
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "devidp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "devidp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEVIDP_DATABASE", str(BASE_DIR.parent / "devidp.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

# Cookies are not scoped by port: the portal on the same host must never see (or overwrite)
# these, or its OIDC callback fails to find its own session.
SESSION_COOKIE_NAME = "devidp_sessionid"
CSRF_COOKIE_NAME = "devidp_csrftoken"
LOGIN_URL = "/login/"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _rsa_private_key(
        Path(os.environ.get("DEVIDP_RSA_KEY_FILE", str(BASE_DIR.parent / "devidp.key.pem")))
    ),
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "devidp.validators.ClaimsValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name",
        "email": "Your email address",
        "groups": "Your groups",
    },
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}

# The tests create and check many passwords; a slow hasher buys nothing on a loopback test IdP.
if os.environ.get("DEVIDP_FAST_PASSWORD_HASHING") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The demo's processes log alike: the portal's plain lines, in UTC (core/logs.py imports nothing
# of the portal). Its runserver's access lines are kept: nothing else logs its requests.
LOGGING = logging_config(json=False, level="WARNING")
LOGGING["loggers"]["django.server"]["level"] = "INFO"
TIME_ZONE = "UTC"
