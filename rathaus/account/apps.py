from django.apps import AppConfig


class AccountConfig(AppConfig):
    name = "rathaus.account"
    label = "account"
    verbose_name = "Mein Rathaus"
