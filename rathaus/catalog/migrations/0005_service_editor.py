"""The service editor: versions are saved (by someone) before they are published; its role."""

import django.utils.timezone
from django.contrib.auth.management import create_permissions
from django.db import migrations, models
from django.db.models import F

GROUP = "Redaktion"
PERMISSION = "edit_services"


def saved_when_published(apps, schema_editor):
    # Every version so far was published when it was written.
    ServiceVersion = apps.get_model("catalog", "ServiceVersion")
    ServiceVersion.objects.update(saved_at=F("published_at"), saved_by=F("published_by"))


def create_editor_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the group needs its one now.
    app_config = apps.get_app_config("catalog")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(
        content_type__app_label="catalog", codename=PERMISSION))


def remove_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_version_provenance"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="service",
            options={
                "ordering": ["title_de"],
                "permissions": [("edit_services",
                                 "Can edit and publish services in the service editor")],
                "verbose_name": "service", "verbose_name_plural": "services",
            },
        ),
        migrations.AddField(
            model_name="serviceversion",
            name="saved_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now,
                                       verbose_name="saved"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="serviceversion",
            name="saved_by",
            field=models.CharField(blank=True, max_length=150, verbose_name="saved by"),
        ),
        migrations.AlterField(
            model_name="serviceversion",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published"),
        ),
        migrations.RunPython(saved_when_published, migrations.RunPython.noop),
        migrations.RunPython(create_editor_group, remove_editor_group),
    ]
