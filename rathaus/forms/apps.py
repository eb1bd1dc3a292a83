from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    """The form engine: an app only for its field templates; it has no models."""

    name = "rathaus.forms"
    label = "forms"
    verbose_name = _("Form engine")

    def ready(self) -> None:
        from .fields import builtin  # noqa: F401  (registers the field types)
