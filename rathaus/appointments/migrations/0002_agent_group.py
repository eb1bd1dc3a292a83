"""The agent role: staff of the citizens' office who book for callers (group "Bürgerbüro")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Bürgerbüro"
PERMISSION = "book_for_callers"


def create_agent_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the group needs its one now.
    app_config = apps.get_app_config("appointments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(
        content_type__app_label="appointments", codename=PERMISSION))


def remove_agent_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("appointments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_agent_group, remove_agent_group),
    ]
