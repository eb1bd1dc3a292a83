from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = "Identität"
