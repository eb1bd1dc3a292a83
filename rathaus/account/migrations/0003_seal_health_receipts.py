"""Seal the mailbox copies of receipts of applications with health data (decision 0021).

Reversible, like applications 0004 that seals the answers themselves (it runs first).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _messages(apps: Any) -> Any:
    return (apps.get_model("account", "Message").objects.exclude(attachment="")
            .filter(submission__isnull=False).select_related("submission"))


def seal(apps: Any, schema_editor: Any) -> None:
    from rathaus.applications import sealed

    for message in _messages(apps).iterator():
        if sealed.has_sealed(message.submission.answers):
            try:
                sealed.seal_stored(message.attachment)
            except FileNotFoundError:
                pass


def unseal(apps: Any, schema_editor: Any) -> None:
    from rathaus.applications import sealed

    for message in _messages(apps).iterator():
        try:
            sealed.unseal_stored(message.attachment)
        except FileNotFoundError:
            pass


class Migration(migrations.Migration):

    dependencies = [
        ("account", "0002_german_admin_labels"),
        ("applications", "0004_seal_sensitive_answers"),
    ]

    operations = [
        migrations.RunPython(seal, unseal, elidable=False),
    ]
