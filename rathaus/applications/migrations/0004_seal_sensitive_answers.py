"""Seal the answers of fields marked sensitive, and their files, already stored (decision 0021).

Reversible: going back writes them as they were before (the keys must still be configured),
so that an older release can read them again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _sensitive_of(apps: Any) -> Any:
    version_model = apps.get_model("applications", "Submission")._meta.get_field(
        "service_version").related_model
    known: dict[int, frozenset[str]] = {}

    def sensitive(version_id: int) -> frozenset[str]:
        from rathaus.applications.sealed import sensitive_ids_of_definition

        if version_id not in known:
            definition = (version_model.objects.filter(pk=version_id)
                          .values_list("definition", flat=True).first())
            known[version_id] = sensitive_ids_of_definition(definition)
        return known[version_id]

    return sensitive


def _each_file(stored: Any, change: Any) -> None:
    if not stored:
        return
    try:
        change(stored)
    except FileNotFoundError:
        pass  # gone from disk already: nothing to protect


def seal(apps: Any, schema_editor: Any) -> None:
    from rathaus.applications import sealed

    sensitive = _sensitive_of(apps)
    submission_model = apps.get_model("applications", "Submission")
    for submission in submission_model.objects.all().iterator():
        fields = set(submission.sensitive_fields) | sensitive(submission.service_version_id)
        answers = sealed.seal_answers(submission.answers, fields)
        if answers != submission.answers:
            submission_model.objects.filter(pk=submission.pk).update(answers=answers)
        if sealed.has_sealed(answers):
            _each_file(submission.receipt_pdf, sealed.seal_stored)
    draft_model = apps.get_model("applications", "Draft")
    for draft in draft_model.objects.all().iterator():
        answers = sealed.seal_answers(draft.answers, sensitive(draft.service_version_id))
        if answers != draft.answers:
            draft_model.objects.filter(pk=draft.pk).update(answers=answers)
    upload_model = apps.get_model("applications", "Upload")
    for upload in upload_model.objects.select_related("submission", "draft").iterator():
        owner = upload.submission or upload.draft
        if owner is not None and upload.field_id in sensitive(owner.service_version_id):
            _each_file(upload.file, sealed.seal_stored)


def unseal(apps: Any, schema_editor: Any) -> None:
    from rathaus.applications import sealed

    for name in ("Submission", "Draft"):
        model = apps.get_model("applications", name)
        for row in model.objects.filter(answers__icontains="$sealed").iterator():
            model.objects.filter(pk=row.pk).update(answers=sealed.unseal_answers(row.answers))
    for submission in apps.get_model("applications", "Submission").objects.exclude(
            receipt_pdf="").iterator():
        _each_file(submission.receipt_pdf, sealed.unseal_stored)
    for upload in apps.get_model("applications", "Upload").objects.iterator():
        _each_file(upload.file, sealed.unseal_stored)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0003_german_admin_labels"),
    ]

    operations = [
        migrations.RunPython(seal, unseal, elidable=False),
    ]
