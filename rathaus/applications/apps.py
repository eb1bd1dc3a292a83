from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "rathaus.applications"
    label = "applications"
    verbose_name = "Anträge"

    def ready(self) -> None:
        from .fields import builtin  # noqa: F401  (registers the field types)
