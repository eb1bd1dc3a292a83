from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "rathaus.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from rathaus.applications import hooks
        from rathaus.applications.signals import submission_created
        from rathaus.catalog.hooks import bundle_parts

        from . import citizen, receivers, tally
        from .bundle import PART, TextBlocks

        hooks.citizen_case_sections.provide(citizen.case_sections)
        if PART not in bundle_parts:  # Django may run ready() twice
            bundle_parts.register(PART)(TextBlocks())
        post_migrate.connect(tally.install_after_migrate, sender=self,
                             dispatch_uid="cases.rebuild_tally")
        submission_created.connect(receivers.open_case_for_submission,
                                   dispatch_uid="cases.open_case_for_submission")
