from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.forms.engine import summarize
from rathaus.forms.rules import Answers

from .models import Draft, Submission, Upload
from .selectors import verification_marks


def answer_summary(version: Any, answers: Answers, verified: list[str] | None = None
                   ) -> SafeString:
    """Render the answers by step, labelled as on the receipt and in the staff inbox."""
    spec = version.spec
    if spec.form is None:
        return SafeString("")
    language = (get_language() or "de")[:2]
    return render_to_string("applications/admin/answer_summary.html", {
        "sections": summarize(spec.form, answers, language, verified=set(verified or ())),
    })


class AttachmentInline(admin.TabularInline[Upload, Submission]):
    model = Upload
    fields = ["download", "field_id", "content_type", "size", "sha256"]
    readonly_fields = ["download", "field_id", "content_type", "size", "sha256"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: Upload) -> str:
        return format_html('<a href="{}">{}</a>', reverse("applications:file", args=[obj.pk]),
                           obj.original_name)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    """Submissions as received, newest first. Their status follows the case (rathaus.cases),
    which is worked on the case page; here it is only shown."""

    list_display = ["reference", "service", "department", "status", "submitted_at", "fee_total"]
    list_filter = ["department", "status", "service"]
    search_fields = ["reference", "email"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["reference", "service", "service_version", "department", "answer_list",
                       "fee_list", "fee_total", "language", "email", "trust_level",
                       "submitted_at", "receipt_pdf"]
    fields = ["status", *readonly_fields]
    readonly_fields = ["status", *readonly_fields]
    inlines = [AttachmentInline]
    list_select_related = ["service", "department"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("service_version")

    @admin.display(description=_("answers"))
    def answer_list(self, obj: Submission) -> SafeString:
        # Only BundID's marks count as "verified" here; a counter check is not (decision 0027).
        verified, _checked = verification_marks(obj)
        return answer_summary(obj.service_version, obj.answers, sorted(verified))

    @admin.display(description=_("fees"))
    def fee_list(self, obj: Submission) -> SafeString:
        language = (get_language() or "de")[:2]
        return format_html_join(
            "", "<p>{} – {} × {} € = {} €</p>",
            ((line["label"].get(language, ""), line["quantity"], line["amount"], line["total"])
             for line in obj.fee_lines))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin[Draft]):
    list_display = ["pk", "service_version", "updated_at", "resume_consent_at"]
    readonly_fields = ["service_version", "answer_list", "language", "trust_level",
                       "resume_email", "resume_consent_at"]
    fields = [*readonly_fields]

    @admin.display(description=_("answers"))
    def answer_list(self, obj: Draft) -> SafeString:
        return answer_summary(obj.service_version, obj.answers)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
