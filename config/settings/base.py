"""Base settings: boot the SQLite demo with no environment at all.

Every setting that differs per deployment is read from the environment here; the
layers (local / test / production) only change what must differ.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A development key; production.py refuses to start without SECRET_KEY in the environment.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "ninja",
    "django_tasks_db",
    "tsunagu.core",
    "tsunagu.organizations",
    "tsunagu.masters",
    "tsunagu.persons",
    "tsunagu.network",
    "tsunagu.cases",
    "tsunagu.meetings",
    "tsunagu.referrals",
    "tsunagu.programs",
    "tsunagu.privacy",
    "tsunagu.statistics",
    "tsunagu.imports",
    "tsunagu.planning",
    "tsunagu.reports",
    "tsunagu.handovers",
    "tsunagu.personal_data",
    "tsunagu.api",
    "tsunagu.dashboard",
    "tsunagu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "tsunagu.core.middleware.RequestContextMiddleware",
    # After whitenoise (static files are public); reads the user when the response goes out.
    "tsunagu.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tsunagu.organizations.middleware.SessionPolicyMiddleware",
    "tsunagu.organizations.middleware.StaffLoginRequiredMiddleware",
    "tsunagu.organizations.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsunagu.core.context_processors.date_style",
                "tsunagu.organizations.context_processors.navigation",
            ],
            "builtins": ["tsunagu.core.templatetags.jp", "tsunagu.core.templatetags.lookup"],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects the engine (sqlite:///… or postgres://…); without it a SQLite file
# under var/ is used in WAL mode with immediate transactions.
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}"


def database_from_url(url: str) -> dict:
    config: dict = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000;"
            ),
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, passwords, login -------------------------------------------------------
AUTH_USER_MODEL = "organizations.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tsunagu.organizations.auth.StaffAuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "tsunagu.organizations.adapters.StaffAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# allauth throttles failures per IP and per key. The key is the typed login at the password step
# and the account at the TOTP step, so the per-key limit is what stops guessing TOTP codes from
# many addresses. It is set above the axes lockout (5, below) so that after a センター長's unlock
# the account can log in at once instead of waiting for allauth's window to pass.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,20/15m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tsunagu"
MFA_RECOVERY_CODE_COUNT = 10
MFA_ADAPTER = "tsunagu.organizations.adapters.StaffMFAAdapter"
# Wrong TOTP codes at login count against the same lockout as wrong passwords (axes, below).
MFA_FORMS = {"authenticate": "tsunagu.organizations.forms.StaffAuthenticateForm"}

# Lockout: five failures on one account lock it until a manager unlocks it (or 1 hour passes).
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("TSUNAGU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
# allauth posts the login as ``login`` but authenticates with ``username=…``, and matches it
# case-insensitively: one callable gives axes the same per-account key in every path.
AXES_USERNAME_CALLABLE = "tsunagu.organizations.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
# Lockout is per account, not per IP: a municipal office sits behind one NAT address, so an IP
# lockout would shut out the whole office. Per-IP throttling comes from allauth's rate limits.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Number of trusted reverse proxies in front of the app (0 = clients connect directly). With N > 0 the
# client address is taken from X-Forwarded-For, N entries from the right, for audit rows and lockout.
TSUNAGU_PROXY_COUNT = int(os.environ.get("TSUNAGU_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_COUNT = TSUNAGU_PROXY_COUNT
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TSUNAGU_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Sessions: server-side (database), idle and absolute timeouts.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
TSUNAGU_IDLE_TIMEOUT_MINUTES = int(os.environ.get("TSUNAGU_IDLE_TIMEOUT_MINUTES", "30"))
TSUNAGU_ABSOLUTE_TIMEOUT_HOURS = int(os.environ.get("TSUNAGU_ABSOLUTE_TIMEOUT_HOURS", "10"))
SESSION_COOKIE_AGE = TSUNAGU_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "tsunagu_session"
CSRF_COOKIE_NAME = "tsunagu_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "tsunagu.core.views.csrf_failure"

# Demo accounts (is_demo=True) may log in only where this is true; production forces False.
TSUNAGU_ALLOW_DEMO_ACCOUNTS = True

# --- Security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files (all served by the project; no CDN) --------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("TSUNAGU_STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Cache (database: shared by all workers; TOTP replay protection and rate limits use it) ---
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tsunagu_cache"}}

# --- Background tasks -----------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "ERROR"}},
}

# --- Tsunagu ------------------------------------------------------------------------
# Municipal offices close 12/29–1/3 in addition to national holidays (祝日).
TSUNAGU_YEAR_END_CLOSURE = True
