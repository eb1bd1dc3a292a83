"""Tables every web process shares when there is no Redis: the cache and the rate-limit counts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The table of Django's DatabaseCache (settings.CACHES without REDIS_URL).
CACHE_TABLE = "rathaus_cache"


class CacheEntry(models.Model):
    """One entry of Django's database cache; declared so that ``migrate`` creates its table.

    The columns are those ``manage.py createcachetable`` would create; only
    ``django.core.cache.backends.db.DatabaseCache`` reads and writes them.
    """

    cache_key = models.CharField(_("cache key"), max_length=255, primary_key=True)
    value = models.TextField(_("value"))
    expires = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        db_table = CACHE_TABLE
        verbose_name = _("cache entry")
        verbose_name_plural = _("cache entries")

    def __str__(self) -> str:
        return self.cache_key


class RateCount(models.Model):
    """How often one key was counted in one window of a rate limit (``core.limits``, no Redis).

    ``key`` holds a keyed hash of the scope, the client or address and the window: no address
    in clear. Rows are deleted once ``expires_at`` has passed (when a new window starts).
    """

    key = models.CharField(_("key (hashed)"), max_length=80, primary_key=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit count")
        verbose_name_plural = _("rate-limit counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class TaskWorker(models.Model):
    """A running task worker's lease: it renews ``seen_at`` while it lives (core.worker).

    A task left RUNNING by a worker whose lease has lapsed is taken up again by another.
    """

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, {self.pid})"
