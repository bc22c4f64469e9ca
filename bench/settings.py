"""Settings for the benchmarks: the application's base settings on a dedicated database.

``BENCH_DATABASE_URL`` names the database (bench/run.py sets it); background tasks run in the
calling thread so a 年度 statistics run can be timed end to end; one trivial view is added.
"""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, database_from_url

DATABASES = {"default": database_from_url(os.environ["BENCH_DATABASE_URL"])}
# Persistent connection, as a production deployment would have (no reconnect per request).
DATABASES["default"]["CONN_MAX_AGE"] = None
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
ROOT_URLCONF = "bench.urls"
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DEBUG = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.tasks": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}
