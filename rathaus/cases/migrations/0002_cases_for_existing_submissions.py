"""Open a case for every submission that came in before cases existed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from rathaus.core.text import fold


def _name(definition: dict[str, Any], answers: dict[str, Any]) -> str:
    for step in (definition.get("form") or {}).get("steps", []):
        for field in step.get("fields", []):
            value = answers.get(field.get("id"))
            if field.get("type") == "person_name" and isinstance(value, dict):
                return f"{value.get('given_names', '')} {value.get('family_name', '')}".strip()
    return ""


def open_cases(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Submission = apps.get_model("applications", "Submission")
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    missing = (Submission.objects.filter(case__isnull=True).select_related("service_version")
               .order_by("pk"))
    for submission in missing.iterator(chunk_size=500):
        definition = submission.service_version.definition
        days = (definition.get("workflow") or {}).get("processing_days")
        name = _name(definition, submission.answers)[:210]
        # The submission's old status is only a hint; the case starts as received.
        case = Case.objects.create(
            submission_id=submission.pk, department_id=submission.department_id,
            service_id=submission.service_id, reference=submission.reference,
            received_at=submission.submitted_at,
            due_at=submission.submitted_at + dt.timedelta(days=days) if days else None,
            applicant_name=name, email=submission.email,
            search_text=fold(f"{submission.reference} {name} {submission.email}"))
        CaseEvent.objects.create(case_id=case.pk, kind="opened", to_state="received",
                                 actor_label="system", detail="online", version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("applications", "0003_german_admin_labels"),
    ]

    operations = [migrations.RunPython(open_cases, migrations.RunPython.noop)]
