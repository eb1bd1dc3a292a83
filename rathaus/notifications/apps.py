from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rathaus.notifications"
    label = "notifications"
    verbose_name = "Benachrichtigungen"
