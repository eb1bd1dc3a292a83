"""Settings shared by every environment; everything site-specific comes from the environment."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("RATHAUS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("RATHAUS_SECRET_KEY", "")
DEBUG = env_bool("RATHAUS_DEBUG", False)
ALLOWED_HOSTS = env_list("RATHAUS_ALLOWED_HOSTS", "127.0.0.1,localhost")
# Absolute base of links that leave the site (e-mails, PDFs): the request host is not trusted.
RATHAUS_BASE_URL = os.environ.get("RATHAUS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("RATHAUS_CSRF_TRUSTED_ORIGINS", RATHAUS_BASE_URL)

INSTALLED_APPS = [
    # The admin site, asking for a verified second factor (rathaus/staff/admin_site.py).
    "rathaus.staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    # These four under German admin names (rathaus/staff/apps.py).
    "rathaus.staff.apps.TaskResultsConfig",
    "django_otp",
    "rathaus.staff.apps.AuthenticatorAppsConfig",
    "rathaus.staff.apps.RecoveryCodesConfig",
    "rathaus.staff.apps.LockoutConfig",
    "rathaus.core",
    "rathaus.identity",
    "rathaus.forms",
    "rathaus.catalog",
    "rathaus.applications",
    "rathaus.notices",
    "rathaus.cases",
    "rathaus.payments",
    "rathaus.appointments",
    "rathaus.notifications",
    "rathaus.account",
    "rathaus.audit",
    "rathaus.staff",
    "rathaus.demo",
]

MIDDLEWARE = [
    "rathaus.core.request_id.RequestIdMiddleware",
    "rathaus.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "rathaus.core.middleware.MethodAllowListMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rathaus.core.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rathaus.staff.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lock-out during sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rathaus.urls"
WSGI_APPLICATION = "rathaus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rathaus" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rathaus.core.context_processors.site",
                "rathaus.account.context_processors.account",
            ],
            "builtins": ["rathaus.core.templatetags.rathaus"],
        },
    }
]


def database_from_url(url: str) -> dict[str, Any]:
    """Build the DATABASES entry for a URL: SQLite tuned for a web server, PostgreSQL pooled."""
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = None
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on busy_timeout
            # instead of failing with "database is locked" half-way through a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Server-side binding lets psycopg prepare statements a connection runs repeatedly
        # (after 5 runs): PostgreSQL then skips parsing and planning the booking statements.
        config["OPTIONS"] = {"server_side_binding": True}
        if env_bool("RATHAUS_DB_POOL", True):
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"]["pool"] = {
                "min_size": 1,
                "max_size": int(os.environ.get("RATHAUS_DB_POOL_SIZE", "10")),
                "timeout": 10,
            }
        else:
            config["CONN_MAX_AGE"] = None
            config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rathaus.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Web processes are always several (rathaus.sh starts one per core): whatever requests share
# lives where every process sees it. With REDIS_URL that is Redis; without it, the database
# (the cache table is created by migrate; rate-limit counts have their own table, core.limits).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, Any] = {
        "default": {"BACKEND": "rathaus.core.cache.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "rathaus_cache",  # rathaus.core.models.CACHE_TABLE
            # Culling deletes a third of the entries when there are more; pages and slot lists
            # are far fewer than this.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# The task worker (rathaus/core/worker.py, docs/deployment.md): a worker not heard of for the
# lease's seconds is taken for dead and its running task is run again; a failing task is tried
# up to MAX_ATTEMPTS times, waiting RETRY_SECONDS, then twice as long each time (at most 1 h).
RATHAUS_TASK_LEASE_SECONDS = int(os.environ.get("RATHAUS_TASK_LEASE_SECONDS", "60"))
RATHAUS_TASK_MAX_ATTEMPTS = int(os.environ.get("RATHAUS_TASK_MAX_ATTEMPTS", "5"))
RATHAUS_TASK_RETRY_SECONDS = int(os.environ.get("RATHAUS_TASK_RETRY_SECONDS", "30"))
TASKS: dict[str, Any] = {
    "default": {
        "BACKEND": os.environ.get("RATHAUS_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Sessions in the database; with Redis also in the cache, so most requests read no row. The
# database cache would only add a second read and write of the same database.
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db" if REDIS_URL
                  else "django.contrib.sessions.backends.db")
SESSION_COOKIE_AGE = 60 * 60 * 4
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "rathaus.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Staff sign in with a password and a second factor (docs/staff-accounts.md). django-axes
# refuses a locked-out user name before any password is checked; ModelBackend checks it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify and are upgraded to Argon2 at the next sign-in.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "staff:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "rathaus" / "locale"]
TIME_ZONE = "Europe/Berlin"
# Unambiguous English dates and times (17 May 1980, 17:19) instead of Django's American ones.
FORMAT_MODULE_PATH = ["rathaus.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "rathaus" / "static",
    ("kern", BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist"),
]
STORAGES = {
    # Uploads and generated PDFs are personal data: they live outside any web root and are
    # only ever streamed by views that check who is asking.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Largest request accepted at all; fields set their own, smaller limits.
RATHAUS_MAX_REQUEST_BYTES = int(os.environ.get("RATHAUS_MAX_REQUEST_BYTES", 30 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

EMAIL_BACKEND = os.environ.get(
    "RATHAUS_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("RATHAUS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RATHAUS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RATHAUS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RATHAUS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RATHAUS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("RATHAUS_EMAIL_USE_SSL", False)

# The town running the portal: shown in the header, the Impressum and on receipts.
RATHAUS_TOWN = {
    "name": os.environ.get("RATHAUS_TOWN_NAME", "Stadt Musterstadt"),
    "street": os.environ.get("RATHAUS_TOWN_STREET", "Rathausplatz 1"),
    "postcode": os.environ.get("RATHAUS_TOWN_POSTCODE", "31000"),
    "city": os.environ.get("RATHAUS_TOWN_CITY", "Musterstadt"),
    "state": os.environ.get("RATHAUS_TOWN_STATE", "Niedersachsen"),
    "phone": os.environ.get("RATHAUS_TOWN_PHONE", "+49 5000 1234-0"),
    "email": os.environ.get("RATHAUS_TOWN_EMAIL", "info@musterstadt.example"),
    "represented_by": os.environ.get("RATHAUS_TOWN_MAYOR", "Bürgermeisterin Erika Mustermann"),
    "vat_id": os.environ.get("RATHAUS_TOWN_VAT_ID", "DE000000000"),
    "sepa_creditor_id": os.environ.get("RATHAUS_TOWN_SEPA_CREDITOR_ID", "DE98ZZZ09999999999"),
    # Kommunalaufsicht, named in the Impressum; empty shows a general sentence.
    "supervisory_authority": os.environ.get("RATHAUS_TOWN_SUPERVISORY_AUTHORITY", ""),
    "dpo_email": os.environ.get("RATHAUS_TOWN_DPO_EMAIL", "datenschutz@musterstadt.example"),
    "accessibility_email": os.environ.get(
        "RATHAUS_TOWN_ACCESSIBILITY_EMAIL", "barrierefreiheit@musterstadt.example"
    ),
}
# The court a notice's legal remedy instructions name (Lower Saxony: a lawsuit at the
# administrative court, no Widerspruch in most matters, § 80 NJG). Placeholders {court_name}
# and {court_address} of the notice templates (docs/notices.md).
RATHAUS_ADMINISTRATIVE_COURT = {
    "name": os.environ.get("RATHAUS_ADMINISTRATIVE_COURT_NAME", "Verwaltungsgericht Hannover"),
    "address": os.environ.get(
        "RATHAUS_ADMINISTRATIVE_COURT_ADDRESS", "Leonhardtstraße 15, 30175 Hannover"
    ),
}
# The sender of every e-mail. Production sets RATHAUS_EMAIL_FROM to an address its mail server
# may send for; without it, the town's name at the domain of the town's e-mail address
# ("Stadt Musterstadt <rathaus@musterstadt.example>"), never a host-local address.
def town_sender(town: dict[str, str]) -> str:
    """Return "<town name> <rathaus@<domain of the town's e-mail>>", quoted where needed."""
    domain = town["email"].rpartition("@")[2] or "localhost"
    return str(Address(display_name=town["name"], addr_spec=f"rathaus@{domain}"))


DEFAULT_FROM_EMAIL = os.environ.get("RATHAUS_EMAIL_FROM") or town_sender(RATHAUS_TOWN)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where the town is: the postcodes of its addresses (comma-separated; a service's `in_town`
# address fields accept only these) and its municipality key (Amtlicher Gemeindeschlüssel,
# 8 digits). The demo town's 03999001 is made up (Niedersachsen has no district 99).
RATHAUS_TOWN_POSTCODES = tuple(
    code.strip()
    for code in os.environ.get("RATHAUS_TOWN_POSTCODES", "31000,31134").split(",")
    if code.strip()
)
RATHAUS_TOWN_AGS = os.environ.get("RATHAUS_TOWN_AGS", "03999001")
RATHAUS_SERVICES_DIR = Path(os.environ.get("RATHAUS_SERVICES_DIR", BASE_DIR / "services"))
# Development-only pages (the mail outbox); a system check refuses them in production.
RATHAUS_DEV_TOOLS = env_bool("RATHAUS_DEV_TOOLS", False)
RATHAUS_DRAFT_RETENTION_DAYS = 30
# Drafts without consent to keep them are reachable only from their session; the purge deletes
# them this many hours after the last change (with consent: RATHAUS_DRAFT_RETENTION_DAYS).
RATHAUS_UNSAVED_DRAFT_HOURS = int(os.environ.get("RATHAUS_UNSAVED_DRAFT_HOURS", "24"))
RATHAUS_RESUME_LINK_MAX_AGE = 60 * 60 * 24 * 30
RATHAUS_STATUS_LINK_MAX_AGE = 60 * 60 * 24 * 365 * 2
# Names and contact details of appointments are removed this many days after the appointment.
RATHAUS_APPOINTMENT_RETENTION_DAYS = int(os.environ.get("RATHAUS_APPOINTMENT_RETENTION_DAYS", "30"))
RATHAUS_PAGE_CACHE_SECONDS = int(os.environ.get("RATHAUS_PAGE_CACHE_SECONDS", "60"))
# How long the slot list of a calendar page may be shown from the cache (0: never).
RATHAUS_SLOT_LIST_CACHE_SECONDS = int(os.environ.get("RATHAUS_SLOT_LIST_CACHE_SECONDS", "2"))
# Holds of first-come calendars (docs/appointments.md): at once per browser session and per
# client address, and taken per address within an hour (what bounds renewing them).
RATHAUS_HOLDS_PER_SESSION = int(os.environ.get("RATHAUS_HOLDS_PER_SESSION", "2"))
RATHAUS_HOLDS_PER_CLIENT = int(os.environ.get("RATHAUS_HOLDS_PER_CLIENT", "5"))
RATHAUS_HOLDS_PER_CLIENT_PER_HOUR = int(os.environ.get("RATHAUS_HOLDS_PER_CLIENT_PER_HOUR", "12"))

# Staff accounts (docs/staff-accounts.md). A user name is locked for RATHAUS_STAFF_LOCKOUT_MINUTES
# after RATHAUS_STAFF_LOCKOUT_FAILURES failed passwords or codes, each within that time of the last.
RATHAUS_STAFF_LOCKOUT_FAILURES = int(os.environ.get("RATHAUS_STAFF_LOCKOUT_FAILURES", "5"))
RATHAUS_STAFF_LOCKOUT_MINUTES = int(os.environ.get("RATHAUS_STAFF_LOCKOUT_MINUTES", "15"))
# Staff sessions end after this many minutes without a request; citizens' sessions are unaffected.
RATHAUS_STAFF_IDLE_MINUTES = int(os.environ.get("RATHAUS_STAFF_IDLE_MINUTES", "15"))
# Between the password and the second factor, at most this long.
RATHAUS_STAFF_SIGNIN_MINUTES = 10
# E-mail sign-in links (docs/citizen-area.md): per e-mail address, and per client address (many
# people share one behind a town hall's Wi-Fi or a mobile carrier's NAT), in this many minutes.
RATHAUS_SIGN_IN_LINKS_PER_ADDRESS = int(os.environ.get("RATHAUS_SIGN_IN_LINKS_PER_ADDRESS", "3"))
RATHAUS_SIGN_IN_REQUESTS_PER_CLIENT = int(
    os.environ.get("RATHAUS_SIGN_IN_REQUESTS_PER_CLIENT", "100"))
RATHAUS_SIGN_IN_LIMIT_MINUTES = int(os.environ.get("RATHAUS_SIGN_IN_LIMIT_MINUTES", "15"))
RATHAUS_AUDIT_RETENTION_DAYS = int(os.environ.get("RATHAUS_AUDIT_RETENTION_DAYS", "365"))
# Reverse proxies in front of the portal that append to X-Forwarded-For: the client address in
# the audit log is the one the outermost of them saw. 0 takes REMOTE_ADDR as it is.
RATHAUS_TRUSTED_PROXY_COUNT = int(os.environ.get("RATHAUS_TRUSTED_PROXY_COUNT", "0"))

AXES_FAILURE_LIMIT = RATHAUS_STAFF_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=RATHAUS_STAFF_LOCKOUT_MINUTES)
# Per user name, from any address: guessing one account's password from many machines is stopped.
# Not per address as well: the staff of a town hall share one address behind its NAT, and a few
# typing mistakes there must not lock everyone out (hence axes.W006 is silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# A lock ends on time however often the locked name is tried meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "rathaus.staff.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "rathaus.core.clients.client_ip"
# Sign-ins are in the audit log (rathaus.audit); axes keeps only the failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
# Axes counts failed codes per user name and locks out; no extra delay per device on top.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = RATHAUS_TOWN["name"]

# /metrics (rathaus/core/metrics.py): with a token, only "Authorization: Bearer <token>" may
# read it; without, only direct requests from this machine (no reverse proxy in between).
RATHAUS_METRICS_TOKEN = os.environ.get("RATHAUS_METRICS_TOKEN", "")

# Log lines carry the request id (rathaus/core/request_id.py); RATHAUS_LOG_FORMAT=json writes
# one JSON object per line (production's default) for a log collector, "plain" one text line.
RATHAUS_LOG_FORMAT = os.environ.get("RATHAUS_LOG_FORMAT", "plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rathaus.core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                              "process": "pid"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": RATHAUS_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("RATHAUS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.security.csrf": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# BundID (SAML 2.0 service provider); docs/bundid.md. Key files are PEM; without them the
# development keys in var/saml/ are generated (refused with production settings).
RATHAUS_SAML = {
    "SP_ENTITY_ID": os.environ.get("RATHAUS_SAML_SP_ENTITY_ID",
                                   f"{RATHAUS_BASE_URL}/identity/saml/metadata/"),
    "SIGNING_KEY": os.environ.get("RATHAUS_SAML_SIGNING_KEY", ""),
    "SIGNING_CERT": os.environ.get("RATHAUS_SAML_SIGNING_CERT", ""),
    "ENCRYPTION_KEY": os.environ.get("RATHAUS_SAML_ENCRYPTION_KEY", ""),
    "ENCRYPTION_CERT": os.environ.get("RATHAUS_SAML_ENCRYPTION_CERT", ""),
    # A previous encryption key, kept while BundID still encrypts for it (key rollover).
    "PREVIOUS_ENCRYPTION_KEY": os.environ.get("RATHAUS_SAML_PREVIOUS_ENCRYPTION_KEY", ""),
    "IDP_METADATA_FILE": os.environ.get("RATHAUS_SAML_IDP_METADATA_FILE", ""),
    "IDP_METADATA_URL": os.environ.get("RATHAUS_SAML_IDP_METADATA_URL", ""),
    "ORGANIZATION_DISPLAY_NAME": os.environ.get("RATHAUS_SAML_ORGANIZATION_DISPLAY_NAME", ""),
    "ONLINE_SERVICE_ID": os.environ.get("RATHAUS_SAML_ONLINE_SERVICE_ID", ""),
    "CLOCK_SKEW_SECONDS": int(os.environ.get("RATHAUS_SAML_CLOCK_SKEW_SECONDS", "120")),
    "WANT_ASSERTIONS_SIGNED": env_bool("RATHAUS_SAML_WANT_ASSERTIONS_SIGNED", True),
    "SINGLE_LOGOUT": env_bool("RATHAUS_SAML_SINGLE_LOGOUT", False),
    "CONTACT_EMAIL": os.environ.get("RATHAUS_SAML_CONTACT_EMAIL", ""),
}
# The development-only BundID stand-in (/identity/simulator/); a system check refuses it in
# production settings.
RATHAUS_BUNDID_SIMULATOR = env_bool("RATHAUS_BUNDID_SIMULATOR", False)
# Where development keys (and the fetched IdP metadata) are kept.
RATHAUS_SAML_DIR = VAR_DIR / "saml"

# Keys that seal answers of fields marked sensitive and their files (decision 0021,
# docs/data-protection.md): Fernet keys, comma-separated, newest first. Without them a key file
# under the data directory is generated on first use; a deploy check warns in production.
RATHAUS_SENSITIVE_KEYS = env_list("RATHAUS_SENSITIVE_KEYS", "")
RATHAUS_SENSITIVE_KEY_FILE = Path(os.environ.get("RATHAUS_SENSITIVE_KEY_FILE",
                                                 VAR_DIR / "keys" / "sensitive-data.keys"))

# Payment providers (docs/configuration.md, "Payments"): a JSON object from the environment
# variable of the same name, mapping a key to its options; "protocol" names the module that
# speaks its protocol, "label" is what citizens choose on the check page. Empty: no online
# payment is offered (bank transfer still is, when the payee's IBAN is set).
RATHAUS_PAYMENT_PROVIDERS: dict[str, dict[str, str]] = json.loads(
    os.environ.get("RATHAUS_PAYMENT_PROVIDERS", "") or "{}")
# The account fees are transferred to: shown with the Kassenzeichen on the confirmation page,
# the status page and the receipt. Without an IBAN, bank transfer is not offered.
RATHAUS_PAYEE = {
    "name": os.environ.get("RATHAUS_PAYEE_NAME", "") or RATHAUS_TOWN["name"],
    "iban": os.environ.get("RATHAUS_PAYEE_IBAN", "").replace(" ", "").upper(),
    "bic": os.environ.get("RATHAUS_PAYEE_BIC", "").replace(" ", "").upper(),
}

# The cash office (docs/payments.md, "The cash office"; docs/configuration.md).
# The largest bank statement (camt.053) accepted for upload, in bytes.
RATHAUS_CASH_STATEMENT_MAX_BYTES = int(os.environ.get("RATHAUS_CASH_STATEMENT_MAX_BYTES",
                                                      str(5 * 1024 * 1024)))
# Days the file of a bank statement is kept after the cash office applied it (an upload never
# applied: after it was uploaded); its lines stay with the cash records (decision 0036).
RATHAUS_CASH_STATEMENT_FILE_DAYS = int(os.environ.get("RATHAUS_CASH_STATEMENT_FILE_DAYS", "90"))
# The columns of the bookings export for the finance system, in order (keys in
# rathaus/staff/cash_export.py: kassenzeichen, amount, booking_date, cost_centre, purpose,
# method, reference, service, created_date, state).
RATHAUS_CASH_EXPORT_COLUMNS = env_list(
    "RATHAUS_CASH_EXPORT_COLUMNS",
    "kassenzeichen,amount,booking_date,cost_centre,purpose,method,reference")
# Numbers and dates in the export: "de" (24,00 and 07.12.2026), "iso" (24.00 and
# 2026-12-07), or "" to follow the language of the page it is downloaded from.
RATHAUS_CASH_EXPORT_FORMAT = os.environ.get("RATHAUS_CASH_EXPORT_FORMAT", "")
# The town as creditor of SEPA direct debits (pain.008); the name and account default to the
# payee's, the creditor identifier to the town's.
RATHAUS_CREDITOR = {
    "name": os.environ.get("RATHAUS_CREDITOR_NAME", "") or RATHAUS_PAYEE["name"],
    "iban": os.environ.get("RATHAUS_CREDITOR_IBAN", "").replace(" ", "").upper()
    or RATHAUS_PAYEE["iban"],
    "bic": os.environ.get("RATHAUS_CREDITOR_BIC", "").replace(" ", "").upper()
    or RATHAUS_PAYEE["bic"],
    "id": os.environ.get("RATHAUS_CREDITOR_ID", "").replace(" ", "").upper()
    or RATHAUS_TOWN["sepa_creditor_id"],
    # Leads the mandate references Rathaus gives, so that they stay unique beside those the
    # town's other procedures give under the same creditor identifier (decision 0036).
    "mandate_prefix": os.environ.get("RATHAUS_CREDITOR_MANDATE_PREFIX", "RH").strip(),
}
