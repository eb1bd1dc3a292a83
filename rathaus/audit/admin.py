from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit log for administrators: searchable, never edited or deleted by hand."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "department",
                    "ip_address"]
    list_filter = ["action", "department"]
    search_fields = ["actor_label", "object_id", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["department"]
    readonly_fields = ["at", "actor", "actor_label", "action", "object_type", "object_id",
                       "department", "message", "ip_address", "user_agent"]
    fields = ["at", "actor", "actor_label", "action", "object_type", "object_id", "department",
              "message", "ip_address", "user_agent"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
