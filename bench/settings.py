"""Benchmark settings: the development settings with their own database and the bench URLs.

Everything the benchmark writes (database, collected static files, uploads, server log) lives
in the directory named by RATHAUS_BENCH_DIR, so a run never touches the portal's own var/.
"""

from __future__ import annotations

import os
from pathlib import Path

from rathaus.settings.dev import *  # noqa: F403
from rathaus.settings.dev import BASE_DIR, STORAGES, database_from_url

BENCH_DIR = Path(os.environ.get("RATHAUS_BENCH_DIR", BASE_DIR / "var" / "bench")).resolve()
BENCH_DIR.mkdir(parents=True, exist_ok=True)

ROOT_URLCONF = "bench.urls"
# bench/run.py --database postgres points this at the database rathaus_bench.
DATABASES = {"default": database_from_url(os.environ.get(
    "RATHAUS_BENCH_DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"))}
STATIC_ROOT = BENCH_DIR / "static"
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BENCH_DIR / "private"), "base_url": None},
    },
}
