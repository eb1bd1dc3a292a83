"""What a load balancer asks: is this process alive (/healthz), can it serve (/readyz)?

Readiness checks the database, the shared cache, the task queue's table and that no migration
is pending. Which migrations are applied only changes with a deployment, so each process keeps
that answer for MIGRATIONS_CHECKED_FOR seconds (expiring by design) instead of loading the
migration graph on every probe.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger("rathaus.health")
MIGRATIONS_CHECKED_FOR = 30.0
_migrations: tuple[float, bool] | None = None


def database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return bool(cursor.fetchone() == (1,))


def shared_cache() -> bool:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    found = bool(cache.get(key) == "1")
    cache.delete(key)
    return found


def task_queue() -> bool:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.only("pk").first()
    return True


def migrations_applied() -> bool:
    global _migrations
    now = time.monotonic()
    if _migrations is not None and now - _migrations[0] < MIGRATIONS_CHECKED_FOR:
        return _migrations[1]
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations = (now, applied)
    return applied


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database,
    "cache": shared_cache,
    "tasks": task_queue,
    "migrations": migrations_applied,
}


def readiness() -> dict[str, bool]:
    """Run every check; a check that raises has failed (and is logged with its error)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            results[name] = False
    return results
