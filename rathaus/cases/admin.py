"""The text blocks in the admin: who may edit them is the admin's permission on the model."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import TextBlock
from .text_blocks import VOCABULARY


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
