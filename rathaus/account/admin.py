from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from . import services
from .models import DailyCount, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    """Staff send a message to a citizen's mailbox here until the back office arrives.

    Adding goes through ``services.deliver_message`` (stored, then the e-mail notice); a
    delivered message is a record and cannot be changed.
    """

    list_display = ["subject", "citizen", "kind", "department", "created_at", "read_at"]
    list_filter = ["kind", "department"]
    raw_id_fields = ["citizen", "submission"]
    fields = ["citizen", "submission", "department", "subject", "body", "attachment", "language"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> Any:
        if obj is None:
            return []
        return [*self.fields, "kind", "sent_by", "created_at", "read_at"]

    def get_fields(self, request: HttpRequest, obj: Message | None = None) -> Any:
        if obj is None:
            return self.fields
        return [*self.fields, "kind", "sent_by", "created_at", "read_at"]

    def save_model(self, request: HttpRequest, obj: Message, form: forms.ModelForm[Message],
                   change: bool) -> None:
        if change:
            return
        delivered = services.deliver_message(
            citizen=obj.citizen, subject=obj.subject, body=obj.body, submission=obj.submission,
            attachment=form.cleaned_data.get("attachment") or None, department=obj.department,
            language=obj.language, sent_by_id=request.user.pk)
        obj.pk = delivered.pk
        obj.attachment = delivered.attachment


@admin.register(DailyCount)
class DailyCountAdmin(admin.ModelAdmin[DailyCount]):
    list_display = ["day", "metric", "value"]
    list_filter = ["metric"]
    date_hierarchy = "day"
    readonly_fields = ["day", "metric", "value"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
