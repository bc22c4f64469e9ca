"""Production: refuses to start without SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS, and on SQLite
unless TSUNAGU_ALLOW_SQLITE=true says so (docs/deploy.md). ``config/wsgi.py`` and ``config/asgi.py``
use these settings unless DJANGO_SETTINGS_MODULE names others."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_url

for _name in ("SECRET_KEY", "DATABASE_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(
            f"本番設定では環境変数 {_name} が必要です（{_name} is required in production）。"
        )

SECRET_KEY = os.environ["SECRET_KEY"]
DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and (
    os.environ.get("TSUNAGU_ALLOW_SQLITE", "").strip().lower() != "true"
):
    raise ImproperlyConfigured(
        "本番設定では SQLite を使えません。PostgreSQL の DATABASE_URL を指定してください"
        "（小規模な試行で SQLite を使う場合のみ TSUNAGU_ALLOW_SQLITE=true）。"
    )
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "本番設定では環境変数 ALLOWED_HOSTS が必要です（例: tsunagu.example.lg.jp）（ALLOWED_HOSTS is required in production）。"
    )
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

TSUNAGU_ALLOW_DEMO_ACCOUNTS = False

SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-tsunagu_session"
CSRF_COOKIE_NAME = "__Host-tsunagu_csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
