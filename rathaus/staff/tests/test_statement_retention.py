"""Bank statement files are deleted after their retention; what they booked stays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.payments.models import PaymentState, StatementImport, StatementLine

from .cash import signed_in_cashier, statement, transfer_payment
from .conftest import text

pytestmark = pytest.mark.django_db


def applied_statement(client: Client, data: bytes, name: str) -> StatementImport:
    uploaded = client.post("/de/staff/cash/statements/upload/", {
        "statement": SimpleUploadedFile(name, data, "application/xml")})
    assert uploaded.status_code == 302
    upload = StatementImport.objects.get(filename=name)
    client.post(f"/de/staff/cash/statements/{upload.pk}/apply/")
    upload.refresh_from_db()
    assert upload.applied_at is not None
    return upload


def test_an_old_statement_file_is_deleted_and_its_lines_stay(client: Client, catalog: None,
                                                              settings: object) -> None:
    paid = transfer_payment(copies=2)
    signed_in_cashier(client)
    old = applied_statement(client, statement(kz123=paid.kassenzeichen), "alt.xml")
    recent = applied_statement(client, statement("sparkasse-camt053-001-08.xml"), "neu.xml")
    never = client.post("/de/staff/cash/statements/upload/", {"statement": SimpleUploadedFile(
        "liegen-geblieben.xml", statement(), "application/xml")})
    assert never.status_code == 302
    now = timezone.now()
    StatementImport.objects.filter(pk=old.pk).update(applied_at=now - dt.timedelta(days=91))
    StatementImport.objects.filter(pk=recent.pk).update(applied_at=now - dt.timedelta(days=89))
    StatementImport.objects.filter(filename="liegen-geblieben.xml").update(
        uploaded_at=now - dt.timedelta(days=91))
    lines_before = StatementLine.objects.filter(statement=old).count()
    assert lines_before == old.entries

    call_command("purge_statement_files", verbosity=0)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert bytes(old.data) == b""
    assert old.file_deleted_at is not None
    assert bytes(recent.data).startswith(b"<?xml")
    assert recent.file_deleted_at is None
    assert not StatementImport.objects.filter(filename="liegen-geblieben.xml").exists()
    # The booking record stays: every line, and the payment it paid.
    assert StatementLine.objects.filter(statement=old).count() == lines_before
    paid.refresh_from_db()
    assert paid.state == PaymentState.PAID

    # The statement's page still answers, with its lines, and says why the file is gone.
    page = client.get(f"/de/staff/cash/statements/{old.pk}/")
    assert page.status_code == 200
    said = text(page)
    assert "Die Datei dieses Kontoauszugs wurde am" in said
    assert "nach der Aufbewahrungsregel gelöscht (90 Tage nach der Verbuchung)" in said
    assert f"gebucht ({paid.kassenzeichen})" in said  # the line it booked, kept
    english = text(client.get(f"/en/staff/cash/statements/{old.pk}/"))
    assert "deleted on" in english
    assert "under the retention rule (90 days after it was applied)" in english
    # The recent one still shows its file's facts.
    assert "gelöscht" not in text(client.get(f"/de/staff/cash/statements/{recent.pk}/"))

    # A second run finds nothing more.
    call_command("purge_statement_files", verbosity=0)
    old.refresh_from_db()
    assert old.file_deleted_at is not None
