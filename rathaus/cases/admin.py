"""Cases in the admin: to look up and audit, never to work on; text blocks: to edit.

Every change of a case goes through rathaus.cases.services (workflow, roles, optimistic
locking, timeline), which the case page in the staff area uses. The admin therefore shows
cases, their timelines and notes read-only, without the answers (those open on the case page,
where each view is logged), and links to the case page. Deleting is the purge's job: it keeps
the anonymous statistics row (decision 0023).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rathaus.core.readonly_admin import ReadOnly

from .models import Case, CaseEvent, Note, PurgedCase, TextBlock
from .text_blocks import VOCABULARY


class EventInline(ReadOnly, admin.TabularInline[CaseEvent, Case]):
    model = CaseEvent
    fields = readonly_fields = ("at", "kind", "actor_label", "from_state", "to_state",
                                "detail", "version")
    extra = 0
    ordering = ["at", "pk"]


class NoteInline(ReadOnly, admin.TabularInline[Note, Case]):
    model = Note
    fields = readonly_fields = ("created_at", "author_label", "text")
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnly, admin.ModelAdmin[Case]):
    list_display = ["reference", "service", "department", "state", "outcome", "assignee",
                    "channel", "received_at", "due_at", "legal_hold"]
    list_filter = ["department", "state", "outcome", "channel", "legal_hold", "service"]
    search_fields = ["reference"]
    date_hierarchy = "received_at"
    list_select_related = ["service", "department", "assignee"]
    fields = readonly_fields = (
        "case_page", "reference", "service", "department", "state", "outcome", "forwarded_to",
        "assignee", "channel", "received_at", "due_at", "ended_at", "legal_hold",
        "legal_hold_reason", "legal_hold_by", "legal_hold_at", "version", "updated_at")
    inlines = [EventInline, NoteInline]

    @admin.display(description=_("case page"))
    def case_page(self, obj: Case) -> str:
        return format_html('<a href="{}">{}</a>',
                           reverse("staff:submission", args=[obj.reference]),
                           _("Open the case page (answers, attachments, actions)"))


@admin.register(PurgedCase)
class PurgedCaseAdmin(ReadOnly, admin.ModelAdmin[PurgedCase]):
    """What is left of cases after their retention period: figures, no person."""

    list_display = ["service", "department", "channel", "received_month", "ended_month",
                    "end_state", "outcome", "processing_days", "purged_on"]
    list_filter = ["department", "service", "end_state", "outcome", "channel"]
    list_select_related = ["service", "department"]


@admin.register(TextBlock)
class TextBlockAdmin(admin.ModelAdmin[TextBlock]):
    list_display = ["title", "department", "service", "active", "position"]
    list_filter = ["department", "active"]
    search_fields = ["title", "text_de", "text_en"]
    list_select_related = ["department", "service"]
    fields = ["department", "service", "title", "key", "placeholder_list", "text_de", "text_en",
              "position", "active"]
    readonly_fields = ["placeholder_list"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The short name ties a block to the shipped defaults; changing it would load them again.
        return ["placeholder_list", *(["key"] if obj is not None else [])]

    @admin.display(description=_("placeholders"))
    def placeholder_list(self, obj: TextBlock | None) -> SafeString:
        return format_html(
            "{}<br>{}", _("Written in braces, e.g. {reference}; everything else is plain text."),
            format_html_join(", ", "<code>{{{}}}</code>", ((name,) for name in VOCABULARY)))
