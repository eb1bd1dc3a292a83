"""Test settings: the database comes from DATABASE_URL (SQLite unless CI points at PostgreSQL)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("RATHAUS_DB_POOL", "0")

from .base import *  # noqa: F403
from .base import STORAGES

SECRET_KEY = "test-only-key"  # noqa: S105
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
RATHAUS_DEV_TOOLS = True
RATHAUS_BUNDID_SIMULATOR = True
_tmp = Path(tempfile.mkdtemp(prefix="rathaus-test-"))
RATHAUS_SAML_DIR = _tmp / "saml"
RATHAUS_SENSITIVE_KEY_FILE = _tmp / "keys" / "sensitive-data.keys"
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(_tmp / "private"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One process: the memory cache is shared by everything the test client does, and sessions are
# kept as with Redis (pinned query counts are production's). tests/processes runs the real
# server with several workers on the embedded default (database cache, database sessions).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Tests never run collectstatic: WhiteNoise serves from the finders and gets an empty root.
STATIC_ROOT = _tmp / "static"
STATIC_ROOT.mkdir()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
RATHAUS_PAGE_CACHE_SECONDS = 0
# An example account (not a real one), so that bank transfer is offered in the tests.
RATHAUS_PAYEE = {"name": "Stadtkasse Musterstadt", "iban": "DE02120300000000202051",
                 "bic": "BYLADEM1001"}
RATHAUS_SLOT_LIST_CACHE_SECONDS = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory database: concurrency tests need real SQLite
    # locking (busy_timeout, WAL) between threads, as in the running portal.
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test.sqlite3")}  # noqa: F405
# The town as creditor of direct debits, to the same example account.
RATHAUS_CREDITOR = {"name": "Stadtkasse Musterstadt", "iban": "DE02120300000000202051",
                    "bic": "BYLADEM1001", "id": "DE98ZZZ09999999999", "mandate_prefix": "RH"}
