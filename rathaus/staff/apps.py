from __future__ import annotations

from typing import TYPE_CHECKING

from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static import apps as static_apps
from django_otp.plugins.otp_totp import apps as totp_apps
from django_tasks_db import apps as tasks_db_apps

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class StaffConfig(AppConfig):
    name = "rathaus.staff"
    verbose_name = _("Staff")
    default = True

    def ready(self) -> None:
        from rathaus.applications import hooks
        from rathaus.cases.hooks import open_notice_payment
        from rathaus.cases.roles import department_role
        from rathaus.cases.services import record_fee_state
        from rathaus.payments.citizen import notice_payment_request
        from rathaus.payments.hooks import fee_changed

        from . import cash_export, lockout, selectors  # noqa: F401 (cash_export: its check)
        from .inbox_views import staff_may_download

        lockout.connect_audit()
        hooks.staff_may_download.provide(staff_may_download)
        department_role.provide(selectors.role_in)
        fee_changed.provide(record_fee_state)
        open_notice_payment.provide(notice_payment_request)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by a site that wants a verified second factor."""

    default = False
    default_site = "rathaus.staff.admin_site.StaffAdminSite"


# Third-party apps under names the admin can translate (INSTALLED_APPS names these classes);
# labels, tables and behaviour stay those of the packages.


def _name_models(config: AppConfig, names: dict[str, tuple[StrOrPromise, StrOrPromise]]
                 ) -> None:
    """Give the package's models translatable names where the package has none."""
    for model_name, (singular, plural) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name = singular
        meta.verbose_name_plural = plural


class LockoutConfig(axes_apps.AppConfig):  # type: ignore[misc]  # (axes is untyped)
    default = False
    verbose_name = _("Sign-in lock-outs")


class AuthenticatorAppsConfig(totp_apps.DefaultConfig):  # type: ignore[misc]
    default = False
    verbose_name = _("Authenticator apps (TOTP)")

    def ready(self) -> None:
        super().ready()
        _name_models(self, {"TOTPDevice": (_("authenticator app"), _("authenticator apps"))})


class RecoveryCodesConfig(static_apps.DefaultConfig):  # type: ignore[misc]
    default = False
    verbose_name = _("Recovery codes")

    def ready(self) -> None:
        super().ready()
        _name_models(self, {"StaticDevice": (_("recovery code list"), _("recovery code lists")),
                            "StaticToken": (_("recovery code"), _("recovery codes"))})


class TaskResultsConfig(tasks_db_apps.TasksAppConfig):
    default = False
    verbose_name = _("Background tasks")  # type: ignore[assignment]

    def ready(self) -> None:
        super().ready()
        _name_models(self, {"DBTaskResult": (_("background task"), _("background tasks"))})
