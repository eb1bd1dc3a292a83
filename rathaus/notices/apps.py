from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "rathaus.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from rathaus.catalog.hooks import bundle_parts

        from .bundle import PART, NoticeTemplates

        if PART not in bundle_parts:  # Django may run ready() twice
            bundle_parts.register(PART)(NoticeTemplates())
