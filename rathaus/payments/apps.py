from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from rathaus.applications import hooks

        from . import citizen

        hooks.payment_methods.provide(citizen.payment_methods)
        hooks.open_payment.provide(citizen.open_payment_for_submission)
        hooks.after_submit.provide(citizen.after_submit)
        hooks.payment_sections.provide(citizen.payment_sections)
