"""A returned direct debit (Rücklastschrift): the bank's statement takes the dog tax back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from lxml import etree

from rathaus.applications.links import status_token
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case, CaseEvent, EventKind, FeeState
from rathaus.cases.tests.factories import application
from rathaus.cases.tests.test_notice_delivery import clerk_client, decided, page_url, post
from rathaus.notices.services import load_default_templates
from rathaus.payments.models import LineStatus, Payment, PaymentState, StatementLine

from .cash import FILES, signed_in_cashier
from .conftest import text

pytestmark = pytest.mark.django_db


def collected_dog_tax(client: Client) -> tuple[Case, Payment, Client]:
    """A dog tax notice collected under the form's mandate, exported as pain.008."""
    load_default_templates()
    case = application("hund-anmelden", consent=False, language="de")
    submission = case.submission
    submission.answers = {**submission.answers, "payment_method": "direct_debit",
                          "bank_account": {"holder": "Erika Mustermann",
                                           "iban": "DE89370400440532013000", "bic": "",
                                           "bank": "", "mandate": True}}
    submission.save(update_fields=["answers"])
    clerk, user = clerk_client("weber", "hund-anmelden")
    case = decided(case, user, "granted")
    assert post(clerk, case, "notice_draft", fee="96,00").status_code == 302
    assert post(clerk, case, "notice_send").status_code == 302
    payment = Payment.objects.get(submission=submission)
    assert payment.method == "direct_debit"
    signed_in_cashier(client)
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert client.post("/de/staff/cash/direct-debits/export/",
                       {"collection_date": day}).status_code == 302
    payment.refresh_from_db()
    return case, payment, clerk


def bank_statement(name: str, payment: Payment) -> bytes:
    """One of the sample statements, about ``payment`` and its mandate; valid camt.053."""
    data = (FILES / name).read_bytes()
    data = data.replace(b"HST-2026-000001", payment.kassenzeichen.encode())
    data = data.replace(b"MANDATE-REFERENCE", payment.collection.mandate_reference.encode())
    schema = etree.XMLSchema(etree.parse(str(FILES / "xsd" / "camt.053.001.08.xsd")))
    assert schema.validate(etree.fromstring(data).getroottree()), schema.error_log
    return data


def import_statement(client: Client, data: bytes) -> Any:
    uploaded = client.post("/de/staff/cash/statements/upload/", {
        "statement": SimpleUploadedFile("auszug.xml", data, "application/xml")})
    assert uploaded.status_code == 302, text(uploaded)
    preview = text(client.get(uploaded["Location"]))
    applied = client.post(uploaded["Location"].rstrip("/") + "/apply/", follow=True)
    return preview, text(applied)


def test_a_returned_direct_debit_makes_the_fee_due_again(client: Client, catalog: None) -> None:
    case, payment, clerk = collected_dog_tax(client)
    reference = payment.collection.mandate_reference
    assert reference == f"RH-{case.submission.reference}"

    # The collection is credited: paid, and still by direct debit.
    import_statement(client, bank_statement("lastschrift-einzug-camt053-001-08.xml", payment))
    payment.refresh_from_db()
    assert (payment.state, payment.method, payment.paid_cents) == (
        PaymentState.PAID, "direct_debit", 9600)
    assert Case.objects.get(pk=case.pk).fee == FeeState.PAID

    # Days later the payer's bank returns it (MD06).
    returned = bank_statement("ruecklastschrift-camt053-001-08.xml", payment)
    preview, applied = import_statement(client, returned)
    assert "Rücklastschrift" in preview
    assert (f"Rücklastschrift zu Kassenzeichen {payment.kassenzeichen}, 96,00 €: "
            "MD06: Erstattung auf Verlangen des Zahlers") in preview
    assert "1 Rücklastschrift: die Zahlung ist wieder offen." in applied

    payment.refresh_from_db()
    assert (payment.state, payment.paid_cents, payment.paid_at) == (PaymentState.FAILED, 0,
                                                                     None)
    line = StatementLine.objects.get(status=LineStatus.RETURNED)
    assert (line.payment, line.debtor_name, line.credit) == (payment, "Erika Mustermann", False)
    audit = AuditEvent.objects.get(action=Action.DIRECT_DEBIT_RETURNED)
    assert audit.object_id == payment.kassenzeichen
    assert "MD06" in audit.message

    # The cash office sees it on the payment's page, with the reason in words.
    page = text(client.get(f"/de/staff/cash/payments/{payment.kassenzeichen}/"))
    assert "Rücklastschrift" in page
    assert "Grund: MD06: Erstattung auf Verlangen des Zahlers." in page
    assert "fehlgeschlagen, 96,00 € verbucht: Rücklastschrift MD06" in page  # its message
    english = text(client.get(f"/en/staff/cash/payments/{payment.kassenzeichen}/"))
    assert "Returned direct debit" in english
    assert "Reason: MD06: refund requested by the payer." in english

    # The clerk's case waits for the fee again, and the timeline says why.
    case = Case.objects.get(pk=case.pk)
    assert case.fee == FeeState.DUE
    assert CaseEvent.objects.filter(case=case, kind=EventKind.FEE_DUE_AGAIN).exists()
    case_page = text(clerk.get(page_url(case)))
    assert "Gebühr wieder offen: die Zahlung wurde zurückgebucht" in case_page
    assert "Zahlung ausstehend" in text(clerk.get("/de/staff/submissions/?fee=due"))

    # The citizen's status page asks for the fee another way; no new direct debit.
    status = text(Client().get(f"/de/status/{status_token(case.submission)}/"))
    assert "Ihre Bank hat die Lastschrift über 96,00 € zurückgegeben" in status
    assert "Überweisung" in status
    assert "Nothing is due for collection by direct debit." in text(
        client.get("/en/staff/cash/direct-debits/"))

    # The same statement again changes nothing.
    _preview, again = import_statement(client, returned)
    assert "wieder offen" not in again
    assert AuditEvent.objects.filter(action=Action.DIRECT_DEBIT_RETURNED).count() == 1
    assert payment.events.filter(detail__startswith="returned direct debit").count() == 1


def test_a_return_of_a_debit_that_is_not_ours_is_only_set_aside(client: Client,
                                                                  catalog: None) -> None:
    _case, payment, _clerk = collected_dog_tax(client)
    import_statement(client, bank_statement("lastschrift-einzug-camt053-001-08.xml", payment))
    other = bank_statement("ruecklastschrift-camt053-001-08.xml", payment).replace(
        payment.kassenzeichen.encode(), b"HST-2019-999999").replace(
        payment.collection.mandate_reference.encode(), b"FREMD-4711")
    preview, _applied = import_statement(client, other)
    assert "Rückbuchung einer früheren Buchung (Grund MD06)" in preview
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert not AuditEvent.objects.filter(action=Action.DIRECT_DEBIT_RETURNED).exists()


def test_after_a_return_for_no_mandate_nothing_more_is_collected_under_it(
        client: Client, catalog: None) -> None:
    case, payment, _clerk = collected_dog_tax(client)
    import_statement(client, bank_statement("lastschrift-einzug-camt053-001-08.xml", payment))
    import_statement(client, bank_statement("ruecklastschrift-camt053-001-08.xml", payment)
                     .replace(b"<Cd>MD06</Cd>", b"<Cd>MD01</Cd>"))
    # Next year's tax under the same mandate.
    later = Payment.objects.create(submission=case.submission, kassenzeichen="HST-2027-000001",
                                   amount_cents=9600, purpose="HST-2027-000001 Hundesteuer",
                                   method="direct_debit")
    page = text(client.get("/de/staff/cash/direct-debits/"))
    assert "Nicht eingezogen: die Bank hat eine frühere Lastschrift unter dem Mandat " \
        "zurückgegeben" in page
    assert (f"HST-2027-000001 : Mandat {payment.collection.mandate_reference}, zurückgegeben "
            "mit MD01: es gibt kein Mandat (oder es wurde widerrufen)") in page
    assert "Zurzeit ist nichts per Lastschrift einzuziehen." in page
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    client.post("/de/staff/cash/direct-debits/export/", {"collection_date": day})
    later.refresh_from_db()
    assert not hasattr(later, "collection")
