"""The admin site behind the staff sign-in: a password alone never opens it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from rathaus.core.access import is_verified


class StaffAdminSite(admin.AdminSite):
    site_header = _("Rathaus administration")
    site_title = _("Rathaus administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and is_verified(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
              ) -> HttpResponse:
        """Sign in through the staff sign-in, with the second factor."""
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = index
        if not is_verified(request.user):
            return redirect_to_login(next_url, reverse("staff:login"))
        if not self.has_permission(request):
            # Signed in completely, but not an administrator: sending them to the sign-in
            # again would go round in circles.
            raise PermissionDenied
        return redirect(next_url)

    def logout(  # type: ignore[override]
            self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from .views import sign_out

        return sign_out(request)
