from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import DepartmentMembership, DepartmentRole


class DepartmentMembershipInline(admin.TabularInline[DepartmentMembership, User]):
    model = DepartmentMembership
    fields = ["department", "role", "granted_at"]
    readonly_fields = ["granted_at"]
    extra = 0
    verbose_name = _("department role")
    verbose_name_plural = _("Department roles: clerk (Sachbearbeitung) or lead (Leitung)")


@admin.action(description=_("Reset two-factor authentication (set up again at next sign-in)"))
def reset_second_factor(modeladmin: StaffUserAdmin, request: HttpRequest,
                        queryset: QuerySet[User]) -> None:
    for user in queryset:
        services.reset_second_factor(user=user, actor_label=request.user.get_username(),
                                     request=request)
    count = len(queryset)
    modeladmin.message_user(request, ngettext(
        "Two-factor authentication of %(count)s account reset.",
        "Two-factor authentication of %(count)s accounts reset.", count) % {"count": count},
        messages.SUCCESS)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin[User]):
    """Django's user admin with the department roles; the agent role is the group Bürgerbüro."""

    inlines = [DepartmentMembershipInline]
    actions = [reset_second_factor]
    list_filter = [*UserAdmin.list_filter, "department_memberships__department"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not DepartmentMembership:
            super().save_formset(request, form, formset, change)
            return
        actor = request.user.get_username()
        changed = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.revoke_department_role(membership=membership, actor_label=actor)
        for membership in changed:
            services.grant_department_role(user=form.instance, department=membership.department,
                                           role=DepartmentRole(membership.role),
                                           actor_label=actor)


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin[DepartmentMembership]):
    list_display = ["user", "department", "role", "granted_at"]
    list_filter = ["department", "role"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "department"]

    def save_model(self, request: HttpRequest, obj: DepartmentMembership, form: Any,
                   change: bool) -> None:
        saved = services.grant_department_role(user=obj.user, department=obj.department,
                                               role=DepartmentRole(obj.role),
                                               actor_label=request.user.get_username())
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: DepartmentMembership) -> None:
        services.revoke_department_role(membership=obj, actor_label=request.user.get_username())

    def delete_queryset(self, request: HttpRequest,
                        queryset: QuerySet[DepartmentMembership]) -> None:
        for membership in queryset:
            self.delete_model(request, membership)
