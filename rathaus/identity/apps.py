from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = _("Citizen sign-in")

    def ready(self) -> None:
        # Connects the receiver that forgets cached SAML configuration when settings change.
        from .saml import config  # noqa: F401
