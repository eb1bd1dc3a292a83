from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .models import Draft, Submission, Upload


class AttachmentInline(admin.TabularInline[Upload, Submission]):
    model = Upload
    fields = ["download", "field_id", "content_type", "size", "sha256"]
    readonly_fields = ["download", "field_id", "content_type", "size", "sha256"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Datei")
    def download(self, obj: Upload) -> str:
        return format_html('<a href="{}">{}</a>', reverse("applications:file", args=[obj.pk]),
                           obj.original_name)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    """The department queue until the back office arrives: newest first, per department."""

    list_display = ["reference", "service", "department", "status", "submitted_at", "fee_total"]
    list_filter = ["department", "status", "service"]
    search_fields = ["reference", "email"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["reference", "service", "service_version", "department", "answers",
                       "sensitive_fields", "fee_lines", "fee_total", "language", "email",
                       "trust_level", "submitted_at", "receipt_pdf"]
    fields = ["status", *readonly_fields]
    inlines = [AttachmentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin[Draft]):
    list_display = ["pk", "service_version", "updated_at", "resume_consent_at"]
    readonly_fields = ["service_version", "answers", "completed_steps", "language",
                       "trust_level", "resume_email", "resume_consent_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
