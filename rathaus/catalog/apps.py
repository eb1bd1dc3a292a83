from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "rathaus.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from rathaus.identity import hooks

        from .selectors import identity_fields_in_use

        # The sign-in asks BundID for what the published services prefill (identity.saml.flow).
        hooks.identity_fields_in_use.provide(identity_fields_in_use)
