from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "rathaus.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from rathaus.applications import hooks
        from rathaus.applications.signals import submission_created

        from . import citizen, receivers

        hooks.citizen_case_sections.provide(citizen.case_sections)
        submission_created.connect(receivers.open_case_for_submission,
                                   dispatch_uid="cases.open_case_for_submission")
