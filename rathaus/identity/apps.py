from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = "Identität"

    def ready(self) -> None:
        # Connects the receiver that forgets cached SAML configuration when settings change.
        from .saml import config  # noqa: F401
