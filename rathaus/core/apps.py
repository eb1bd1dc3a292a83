from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rathaus.core"
    label = "core"
    verbose_name = _("Rathaus")

    def ready(self) -> None:
        from . import checks  # noqa: F401
