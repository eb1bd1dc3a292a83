"""The admin's view of the background tasks: failed ones can be run again; the workers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .models import TaskWorker
from .worker import run_again

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    actions = ["run_failed_again"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Run the selected failed tasks again"), permissions=["retry"])
    def run_failed_again(self, request: HttpRequest,
                         queryset: QuerySet[DBTaskResult[Any, Any]]) -> None:
        count = run_again(queryset)
        self.message_user(request, ngettext(
            "%(count)d failed task queued to run again.",
            "%(count)d failed tasks queued to run again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING)


@admin.register(TaskWorker)
class TaskWorkerAdmin(admin.ModelAdmin[TaskWorker]):
    """Who runs tasks now: a worker not seen for longer than the lease is dead."""

    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]
    ordering = ["-seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
