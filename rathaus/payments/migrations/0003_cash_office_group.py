"""The cash office role: staff of the Stadtkasse (group "Stadtkasse")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Stadtkasse"
PERMISSION = "work_cash_office"


def create_cash_office_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the group needs its one now.
    app_config = apps.get_app_config("payments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(
        content_type__app_label="payments", codename=PERMISSION))


def remove_cash_office_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0002_cash_office"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_cash_office_group, remove_cash_office_group),
    ]
