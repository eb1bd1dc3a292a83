from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "rathaus.staff"
    verbose_name = _("Staff")
    default = True

    def ready(self) -> None:
        from . import lockout

        lockout.connect_audit()


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by a site that wants a verified second factor."""

    default = False
    default_site = "rathaus.staff.admin_site.StaffAdminSite"
