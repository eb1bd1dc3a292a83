from django.apps import AppConfig


class FormsConfig(AppConfig):
    """The form engine: an app only for its field templates; it has no models."""

    name = "rathaus.forms"
    label = "forms"

    def ready(self) -> None:
        from .fields import builtin  # noqa: F401  (registers the field types)
