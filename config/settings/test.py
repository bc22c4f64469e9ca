"""Settings for the test suite (SQLite by default, PostgreSQL when DATABASE_URL says so)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, database_from_url

# MD5 for speed only; that base.py puts argon2 first is tested explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "DATABASE_URL" not in os.environ:
    DATABASES["default"] = database_from_url(f"sqlite:///{VAR_DIR / 'test.sqlite3'}")
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test runner's flush keeps the append-only triggers (docs/audit.md); production never uses it.
    DATABASES["default"]["ENGINE"] = "tsunagu.core.backends.sqlite_flushable"
