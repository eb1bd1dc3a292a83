"""Name and search text of every case again: names like "Yılmaz" now fold to "yilmaz", and the
applicant inside a group that is not repeated (the business registration's "You") is named."""

from django.db import migrations


def refresh(apps, schema_editor):
    from rathaus.cases.services import applicant_name
    from rathaus.core.text import fold
    from rathaus.forms.schema import ServiceDef

    Case = apps.get_model("cases", "Case")
    specs = {}
    for case in Case.objects.select_related("submission__service_version").iterator():
        version = case.submission.service_version
        if version.pk not in specs:
            specs[version.pk] = ServiceDef.model_validate(version.definition)
        name = applicant_name(specs[version.pk], case.submission.answers) or case.applicant_name
        Case.objects.filter(pk=case.pk).update(
            applicant_name=name, search_text=fold(f"{case.reference} {name} {case.email}"))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_notice_delivery"),
    ]

    operations = [
        migrations.RunPython(refresh, migrations.RunPython.noop),
    ]
