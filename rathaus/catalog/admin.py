from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Category, Department, LifeSituation, Service, ServiceVersion
from .selectors import bump_catalog_generation


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name_de", "slug", "email", "notify_email"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["title_de", "slug", "position"]


@admin.register(LifeSituation)
class LifeSituationAdmin(admin.ModelAdmin[LifeSituation]):
    list_display = ["title_de", "slug", "position"]


class ServiceVersionInline(admin.TabularInline[ServiceVersion, Service]):
    model = ServiceVersion
    fields = ["number", "saved_at", "saved_by", "published_at", "origin", "published_by",
              "source_path", "checksum"]
    readonly_fields = ["number", "saved_at", "saved_by", "published_at", "origin",
                       "published_by", "source_path", "checksum"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ["title_de", "slug", "department", "category", "is_active"]
    list_filter = ["department", "category", "is_active"]
    search_fields = ["title_de", "title_en", "slug"]
    readonly_fields = ["editor_link", "current_version", "search_text"]
    inlines = [ServiceVersionInline]

    @admin.display(description=_("Service editor"))
    def editor_link(self, obj: Service) -> str:
        if obj.pk is None:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("staff:editor_service",
                                                           args=[obj.slug]),
                           _("Edit in the service editor"))

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Cached service pages are keyed by slug: switching a service off must reach them.
        transaction.on_commit(bump_catalog_generation)


@admin.register(ServiceVersion)
class ServiceVersionAdmin(admin.ModelAdmin[ServiceVersion]):
    """Versions are immutable: they can be read, never changed."""

    list_display = ["service", "number", "saved_at", "published_at", "origin"]
    list_filter = ["origin"]
    readonly_fields = ["service", "number", "definition", "checksum", "saved_at", "saved_by",
                       "published_at", "origin",
                       "source_path", "published_by", "import_bundle", "import_town",
                       "import_checksum"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
