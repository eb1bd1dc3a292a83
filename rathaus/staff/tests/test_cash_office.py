"""The cash office as it sees its pages: the role, the payments, bank statements, open lines."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.audit.models import Action, AuditEvent
from rathaus.payments.models import (
    LineStatus,
    Payment,
    PaymentEvent,
    PaymentState,
    StatementImport,
    StatementLine,
    Verdict,
)
from rathaus.payments.peers import running
from rathaus.payments.peers.girocheckout import API, GiroCheckoutPeer
from rathaus.payments.providers.base import Outcome as ReportOutcome
from rathaus.payments.roles import CASH_OFFICE_GROUP, WORK_CASH_OFFICE, cash_office_group
from rathaus.payments.tests.journeys import birth_certificate
from rathaus.payments.tests.peer_helpers import browser

from .cash import signed_in_cashier, statement, transfer_payment
from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


def upload(client: Client, data: bytes, name: str = "auszug.xml") -> Any:
    return client.post("/en/staff/cash/statements/upload/",
                       {"statement": SimpleUploadedFile(name, data, "application/xml")})


# -- The role --------------------------------------------------------------------------------


def test_the_stadtkasse_group_holds_the_permission_and_only_it_opens_the_pages(
        client: Client) -> None:
    # The migration creates the group; a transactional test run before this one in the same
    # process may have emptied the tables, so take it as the role's code does (recreated).
    group = cash_office_group()
    assert group.name == CASH_OFFICE_GROUP
    assert [f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()] == [
        WORK_CASH_OFFICE]
    assert client.get("/en/staff/cash/").status_code == 302  # signed out: to the sign-in

    clerk = staff_user("clerk", clerk_of=("standesamt",))
    sign_in_verified(client, clerk)
    assert client.get("/en/staff/cash/").status_code == 403
    assert "Cash office" not in text(client.get("/en/staff/"))

    other = Client()
    signed_in_cashier(other)
    home = text(other.get("/en/staff/"))
    assert "Cash office (Stadtkasse)" in home
    assert "/en/staff/cash/" in other.get("/en/staff/").content.decode()
    assert other.get("/en/staff/cash/").status_code == 200


def test_an_administrator_gives_the_role_on_the_command_line() -> None:
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    Group.objects.filter(name=CASH_OFFICE_GROUP).delete()  # deleted by mistake: it comes back
    call_command("create_staff_user", "dora", "--cash-office", stdout=io.StringIO())
    dora = User.objects.get(username="dora")
    assert dora.has_perm(WORK_CASH_OFFICE)
    assert AuditEvent.objects.filter(action=Action.ROLE_GRANTED,
                                     message="cash office: dora").exists()


def test_a_password_alone_does_not_open_the_cash_office(client: Client) -> None:
    from .cash import cashier

    client.force_login(cashier())  # no second factor in this session
    response = client.get("/en/staff/cash/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")


# -- Payments --------------------------------------------------------------------------------


def test_the_payments_by_state_method_and_day_with_search(client: Client,
                                                          catalog: None) -> None:
    first, second = transfer_payment(copies=2), transfer_payment(copies=1)
    Payment.objects.filter(pk=second.pk).update(
        state=PaymentState.PAID, paid_cents=1200,
        paid_at=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC))
    signed_in_cashier(client)

    everything = text(client.get("/en/staff/cash/"))
    assert first.kassenzeichen in everything
    assert second.kassenzeichen in everything
    assert "not paid yet: 1" in everything
    assert "paid: 1" in everything
    assert "24.00 €" in everything

    paid = text(client.get("/en/staff/cash/?state=paid"))
    assert second.kassenzeichen in paid
    assert first.kassenzeichen not in paid
    by_day = text(client.get("/en/staff/cash/?day=paid&date_from=2026-11-01&date_to=03.11.2026"))
    assert second.kassenzeichen in by_day
    assert first.kassenzeichen not in by_day
    found = text(client.get("/en/staff/cash/", {"q": first.kassenzeichen.lower()}))
    assert first.kassenzeichen in found
    assert second.kassenzeichen not in found
    assert first.submission is not None
    by_reference = text(client.get("/en/staff/cash/", {"q": first.submission.reference}))
    assert first.kassenzeichen in by_reference
    assert second.kassenzeichen not in by_reference
    assert "No payment matches these filters." in text(
        client.get("/en/staff/cash/?method=direct_debit"))
    assert second.kassenzeichen in text(client.get("/en/staff/cash/?method=transfer"))
    german = text(client.get("/de/staff/cash/?state=open"))
    assert "24,00 €" in german  # German numbers; the texts come with the translation


def test_wrong_filters_are_named_and_an_empty_list_says_so(client: Client) -> None:
    signed_in_cashier(client)
    wrong = client.get("/en/staff/cash/?date_from=2026-13-45&state=bogus")
    assert wrong.status_code == 400
    assert "Enter the date as DD.MM.YYYY or YYYY-MM-DD." in text(wrong)
    assert "No payments yet" in text(client.get("/en/staff/cash/"))
    assert "No payment matches these filters." in text(client.get("/en/staff/cash/?q=nothing"))


def test_the_payment_list_costs_the_same_queries_for_ten_or_forty_rows(
        client: Client, catalog: None, django_assert_num_queries: Any) -> None:
    payment = transfer_payment()
    signed_in_cashier(client)
    client.get("/en/staff/cash/")  # warm the session and the language

    def more(count: int) -> None:
        Payment.objects.bulk_create(
            Payment(submission=payment.submission, kassenzeichen=f"T-{n:05d}-{count}",
                    amount_cents=500, purpose="T", method="transfer") for n in range(count))

    more(9)
    with django_assert_num_queries(10) as ten:
        assert client.get("/en/staff/cash/").status_code == 200
    more(30)
    with django_assert_num_queries(len(ten.captured_queries)):
        page = client.get("/en/staff/cash/")
    assert text(page).count("T-000") == 39


def test_a_payment_page_shows_every_message_with_its_verdict(client: Client,
                                                             catalog: None) -> None:
    from rathaus.payments import services

    payment = transfer_payment(copies=2)
    services.apply_booking(kassenzeichen=payment.kassenzeichen, amount_cents=1000,
                           booked_at=dt.datetime(2026, 12, 4, tzinfo=dt.UTC), fields={})
    signed_in_cashier(client)
    page = text(client.get(f"/en/staff/cash/payments/{payment.kassenzeichen}/"))
    assert "bank statement import" in page
    assert "amount mismatch" in page
    assert "122010.431100" in page  # the cost centre
    assert client.get("/en/staff/cash/payments/NOPE-1/").status_code == 404


# -- Bank statements -------------------------------------------------------------------------


def three_payments() -> tuple[Payment, Payment, Payment]:
    """24 € (two copies), 12 € and 12 €: paid in full, in part and too much on the statement."""
    return transfer_payment(copies=2), transfer_payment(copies=1), transfer_payment(copies=1)


def test_a_statement_is_previewed_then_applied(client: Client, catalog: None) -> None:
    full, part, more = three_payments()
    user = signed_in_cashier(client)
    data = statement(kz123=full.kassenzeichen, kz124=part.kassenzeichen,
                     kz125=more.kassenzeichen)

    response = upload(client, data)
    assert response.status_code == 302
    stored = StatementImport.objects.get()
    preview = text(client.get(response["Location"]))
    assert f"Paid in full: 24.00 € for Kassenzeichen {full.kassenzeichen.replace('-', '')}" \
        in preview
    assert "Paid in part: 10.00 € of 12.00 €" in preview
    assert "Paid too much: 15.00 € instead of 12.00 €" in preview
    assert "matched: paid in full: 1" in preview
    assert "partial payment: 1" in preview
    assert "Money paid out from the account" in preview
    assert "A return of an earlier booking (reason MD06)." in preview
    # Nothing is booked by looking.
    full.refresh_from_db()
    assert full.state == PaymentState.OPEN
    assert not StatementLine.objects.exists()

    applied = client.post(f"/en/staff/cash/statements/{stored.pk}/apply/", follow=True)
    said = text(applied)
    assert "Statement applied: 1 payment booked" in said
    assert "lines left open for you" in said
    full.refresh_from_db()
    part.refresh_from_db()
    assert (full.state, full.paid_cents, full.method) == (PaymentState.PAID, 2400, "transfer")
    assert full.paid_at is not None
    assert full.paid_at.date() == dt.date(2026, 12, 4)
    assert part.state == PaymentState.OPEN
    lines = StatementLine.objects.all()
    assert lines.count() == stored.entries
    assert lines.filter(status=LineStatus.BOOKED).get().payment == full
    open_lines = {line.outcome for line in lines.filter(status=LineStatus.OPEN)}
    assert open_lines == {"partial", "overpaid", "unmatched"}
    assert lines.filter(status=LineStatus.IGNORED).count() == 2  # the return and the fee
    event = AuditEvent.objects.get(action=Action.STATEMENT_IMPORTED)
    assert event.actor == user
    assert "1 booked" in event.message

    # The cash office's open lines name what to do.
    listed = text(client.get("/en/staff/cash/lines/"))
    assert "Paid in part: 10.00 € of 12.00 €" in listed
    assert "No Kassenzeichen of a payment due in the remittance text" in listed


def test_the_same_statement_twice_changes_nothing_and_says_so(client: Client,
                                                              catalog: None) -> None:
    full, part, more = three_payments()
    signed_in_cashier(client)
    data = statement(kz123=full.kassenzeichen, kz124=part.kassenzeichen,
                     kz125=more.kassenzeichen)
    first = upload(client, data)
    client.post(first["Location"] + "apply/")
    again = client.post(first["Location"] + "apply/", follow=True)
    assert "This upload was applied already; nothing changed." in text(again)

    second = upload(client, data)
    assert "Every entry of this statement was imported before: confirming changes nothing." \
        in text(client.get(second["Location"]))
    counts = (StatementLine.objects.count(), PaymentEvent.objects.count())
    done = client.post(second["Location"] + "apply/", follow=True)
    assert "Every entry of this statement was imported before; nothing changed." in text(done)
    assert (StatementLine.objects.count(), PaymentEvent.objects.count()) == counts
    assert PaymentEvent.objects.filter(payment=full, verdict=Verdict.APPLIED).count() == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("auszug.pdf", b"%PDF-1.7", "Choose an XML file (ending in .xml)"),
    ("auszug.xml", b"not xml at all", "The file is not an XML file"),
    ("auszug.xml", b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:"
                   b"pain.008.001.08'/>", "The file is not a camt.053 account statement."),
    ("auszug.xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
     "document type declaration"),
])
def test_a_wrong_file_is_refused_in_words(client: Client, name: str, data: bytes,
                                          message: str) -> None:
    signed_in_cashier(client)
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in text(response)
    assert not StatementImport.objects.exists()


def test_a_huge_file_and_no_file_are_refused(client: Client, settings: Any) -> None:
    settings.RATHAUS_CASH_STATEMENT_MAX_BYTES = 1000
    signed_in_cashier(client)
    response = upload(client, b"<x>" + b" " * 2000 + b"</x>")
    assert response.status_code == 400
    assert "The file is larger than 1000" in text(response)
    settings.RATHAUS_MAX_REQUEST_BYTES = 10_000  # beyond every limit: refused unread
    huge = upload(client, b"<x>" + b" " * 20_000 + b"</x>")
    assert huge.status_code == 413
    assert "The upload is too large" in text(huge)
    assert not StatementImport.objects.exists()
    missing = client.post("/en/staff/cash/statements/upload/", {})
    assert missing.status_code == 400
    assert "Choose the statement file." in text(missing)


# -- Open lines ------------------------------------------------------------------------------


def applied(client: Client) -> tuple[Payment, Payment, Payment]:
    full, part, more = three_payments()
    data = statement(kz123=full.kassenzeichen, kz124=part.kassenzeichen,
                     kz125=more.kassenzeichen)
    client.post(upload(client, data)["Location"] + "apply/")
    return full, part, more


def line_of(outcome: str) -> StatementLine:
    return StatementLine.objects.get(outcome=outcome)


def test_an_overpayment_assigned_by_hand_pays_the_payment(client: Client,
                                                          catalog: None) -> None:
    user = signed_in_cashier(client)
    _full, _part, more = applied(client)
    line = line_of("overpaid")
    response = client.post(f"/en/staff/cash/lines/{line.pk}/assign/", {
        f"line{line.pk}-kassenzeichen": more.kassenzeichen.lower().replace("-", " "),
        f"line{line.pk}-note": "3 € zurück"}, follow=True)
    assert f"The line is booked on {more.kassenzeichen}; the payment is paid." in text(response)
    more.refresh_from_db()
    assert (more.state, more.paid_cents) == (PaymentState.PAID, 1500)
    line.refresh_from_db()
    assert (line.status, line.payment, line.resolved_by) == (LineStatus.ASSIGNED, more, user)
    assert AuditEvent.objects.filter(action=Action.STATEMENT_LINE_ASSIGNED,
                                     object_id=str(line.pk)).exists()
    again = client.post(f"/en/staff/cash/lines/{line.pk}/assign/", {
        f"line{line.pk}-kassenzeichen": more.kassenzeichen}, follow=True)
    assert "This line was dealt with already." in text(again)


def test_instalments_assigned_by_hand_pay_once_they_add_up(client: Client,
                                                           catalog: None) -> None:
    signed_in_cashier(client)
    _full, part, _more = applied(client)
    first = line_of("partial")
    client.post(f"/en/staff/cash/lines/{first.pk}/assign/",
                {f"line{first.pk}-kassenzeichen": part.kassenzeichen})
    part.refresh_from_db()
    assert part.state == PaymentState.OPEN
    # The rest arrives without a Kassenzeichen (the foreign transfer of 5 € stands in).
    rest = StatementLine.objects.filter(status=LineStatus.OPEN, outcome="unmatched").first()
    assert rest is not None
    response = client.post(f"/en/staff/cash/lines/{rest.pk}/assign/",
                           {f"line{rest.pk}-kassenzeichen": part.kassenzeichen}, follow=True)
    part.refresh_from_db()
    assert part.state == PaymentState.PAID, text(response)
    assert part.paid_cents == first.amount_cents + rest.amount_cents


def test_assigning_to_an_unknown_or_paid_payment_is_refused(client: Client,
                                                            catalog: None) -> None:
    signed_in_cashier(client)
    full, _part, _more = applied(client)
    line = line_of("overpaid")
    unknown = client.post(f"/en/staff/cash/lines/{line.pk}/assign/",
                          {f"line{line.pk}-kassenzeichen": "GEB-1999-999999"})
    assert unknown.status_code == 400
    assert "No payment has the Kassenzeichen GEB-1999-999999." in text(unknown)
    paid = client.post(f"/en/staff/cash/lines/{line.pk}/assign/",
                       {f"line{line.pk}-kassenzeichen": full.kassenzeichen})
    assert paid.status_code == 400
    assert "is paid already; pay the money back" in text(paid)
    line.refresh_from_db()
    assert line.status == LineStatus.OPEN


def test_a_line_is_dismissed_only_with_a_note(client: Client, catalog: None) -> None:
    signed_in_cashier(client)
    applied(client)
    line = StatementLine.objects.filter(status=LineStatus.OPEN, outcome="unmatched").first()
    assert line is not None
    empty = client.post(f"/en/staff/cash/lines/{line.pk}/dismiss/", {})
    assert empty.status_code == 400
    assert "Say why the line is dismissed." in text(empty)
    done = client.post(f"/en/staff/cash/lines/{line.pk}/dismiss/",
                       {f"dismiss{line.pk}-note": "Miete Parkplatz, Liegenschaften"},
                       follow=True)
    assert "The line is dismissed with your note." in text(done)
    line.refresh_from_db()
    assert (line.status, line.note) == (LineStatus.DISMISSED, "Miete Parkplatz, Liegenschaften")
    assert "Miete Parkplatz" in text(client.get("/en/staff/cash/lines/?status=dismissed"))
    assert AuditEvent.objects.filter(action=Action.STATEMENT_LINE_DISMISSED).exists()


def test_no_open_lines_says_so(client: Client) -> None:
    signed_in_cashier(client)
    assert "Nothing to check" in text(client.get("/en/staff/cash/lines/"))
    assert "No statement has been uploaded yet." in text(
        client.get("/en/staff/cash/statements/"))


# -- Bookings export -------------------------------------------------------------------------


def booked(copies: int, day: dt.date) -> Payment:
    payment = transfer_payment(copies=copies)
    Payment.objects.filter(pk=payment.pk).update(
        state=PaymentState.PAID, paid_cents=payment.amount_cents,
        paid_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC))
    payment.refresh_from_db()
    return payment


def rows_of(response: Any) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for German Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_bookings_export_has_the_default_columns_in_german(client: Client,
                                                               catalog: None) -> None:
    paid = booked(2, dt.date(2026, 12, 4))
    transfer_payment()  # open: not a booking
    signed_in_cashier(client)
    response = client.get("/de/staff/cash/bookings.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert len(header) == 7
    assert paid.submission is not None
    assert rows == [[paid.kassenzeichen, "24,00", "04.12.2026", "122010.431100", paid.purpose,
                     "Überweisung", paid.submission.reference]]
    assert AuditEvent.objects.filter(action=Action.BOOKINGS_EXPORTED, object_id="1").exists()


def test_the_bookings_export_follows_its_settings_and_filters(
        client: Client, catalog: None, settings: Any) -> None:
    settings.RATHAUS_CASH_EXPORT_COLUMNS = ["booking_date", "amount", "kassenzeichen",
                                            "service", "purpose"]
    settings.RATHAUS_CASH_EXPORT_FORMAT = "iso"
    early, late = booked(1, dt.date(2026, 11, 2)), booked(2, dt.date(2026, 12, 4))
    Payment.objects.filter(pk=late.pk).update(purpose="=HYPERLINK(\"http://x\")")
    signed_in_cashier(client)
    _header, *rows = rows_of(client.get("/de/staff/cash/bookings.csv"))
    assert [row[:3] for row in rows] == [["2026-11-02", "12.00", early.kassenzeichen],
                                         ["2026-12-04", "24.00", late.kassenzeichen]]
    assert early.submission is not None
    assert rows[0][3] == early.submission.service.title_de
    assert rows[1][4].startswith("'=")  # never run as a formula
    _header, *december = rows_of(client.get(
        "/en/staff/cash/bookings.csv?date_from=2026-12-01&day=created"))
    assert [row[2] for row in december] == [late.kassenzeichen]


def test_an_unknown_export_column_is_named_at_start(settings: Any) -> None:
    from rathaus.staff.cash_export import check_columns

    settings.RATHAUS_CASH_EXPORT_COLUMNS = ["kassenzeichen", "iban"]
    errors = check_columns()
    assert [error.id for error in errors] == ["rathaus.E040"]
    assert "iban" in errors[0].msg


# -- Refunds ---------------------------------------------------------------------------------


@pytest.fixture
def giro(settings: Any) -> Iterator[GiroCheckoutPeer]:
    """GiroCheckout's local peer, configured as the provider "giro"."""
    peer = GiroCheckoutPeer(merchant_id="1234567", project_id="1234", password="secure")
    with running(peer) as url:
        settings.RATHAUS_PAYMENT_PROVIDERS = {"giro": {
            "protocol": "girocheckout", "label": "Online bezahlen", "merchant_id": "1234567",
            "project_id": "1234", "password": "secure", "base_url": f"{url}{API}",
            "timeout": "3", "purpose_limit": "27"}}
        yield peer


def paid_online(key: str = "giro") -> Payment:
    """Erika pays two birth certificates on the provider's pay page and comes back."""
    citizen = Client()
    journey = birth_certificate(citizen, copies=2)
    response = citizen.post(journey.step_url, {"payment_method": key})
    page = citizen.get(response["Location"]).content.decode()
    found = re.search(r'class="kern-btn kern-btn--primary pay-page-link" href="([^"]+)"', page)
    assert found is not None
    status, location, _page = browser("POST", html.unescape(found.group(1)),
                                      {"result": "pay", "method": "11"})
    assert status == 303
    citizen.get(location.removeprefix("http://testserver"))
    payment = Payment.objects.get(submission=Submission.objects.latest("submitted_at"))
    assert payment.state == PaymentState.PAID
    return payment


def test_a_refund_in_part_keeps_it_paid_and_the_rest_refunds_it(
        client: Client, catalog: None, giro: GiroCheckoutPeer) -> None:
    payment = paid_online()
    user = signed_in_cashier(client)
    url = f"/en/staff/cash/payments/{payment.kassenzeichen}/refund/"
    page = text(client.get(f"/en/staff/cash/payments/{payment.kassenzeichen}/"))
    assert "Up to 24.00 € can be paid back through Online bezahlen." in page

    too_much = client.post(url, {"amount": "30,00"})
    assert too_much.status_code == 400
    assert "At most 24,00 € can be paid back." in text(too_much)
    asked = client.post(url, {"amount": "10,50", "reason": "eine Urkunde storniert"})
    assert "Pay 10.50 € of" in text(asked)
    assert "The payment stays paid with the rest." in text(asked)
    assert not giro.transactions or all(tx.refunded_cents == 0
                                        for tx in giro.transactions.values())

    done = client.post(url, {"amount": "10,50", "reason": "eine Urkunde storniert",
                             "confirm": "on"}, follow=True)
    assert "10.50 € paid back; the payment stays paid with the rest." in text(done)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert sum(tx.refunded_cents for tx in giro.transactions.values()) == 1050
    assert "Paid back so far: 10.50 €." in text(done)
    assert AuditEvent.objects.filter(action=Action.REFUND_ISSUED, actor=user).exists()

    rest = client.post(url, {"amount": "13.50", "confirm": "on"}, follow=True)
    assert "13.50 € paid back: the payment is refunded." in text(rest)
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert PaymentEvent.objects.filter(payment=payment, outcome="refunded",
                                       verdict=Verdict.APPLIED).count() == 2
    assert "Pay back" not in text(client.get(f"/en/staff/cash/payments/{payment.kassenzeichen}/"))


def test_a_provider_without_refunds_says_so(client: Client, catalog: None,
                                            settings: Any) -> None:
    from rathaus.payments.tests import double
    from rathaus.payments.tests.conftest import DOUBLE, SECRET

    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    double.reset()
    citizen = Client()
    journey = birth_certificate(citizen, copies=1)
    citizen.post(journey.step_url, {"payment_method": "double"})
    payment = Payment.objects.get()
    request_id = payment.attempts.get().request_id
    Client().post("/payments/notify/double/", double.message(
        SECRET, request_id=request_id, outcome=ReportOutcome.PAID))
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    signed_in_cashier(client)
    refused = client.post(f"/en/staff/cash/payments/{payment.kassenzeichen}/refund/",
                          {"amount": "12,00", "confirm": "on"}, follow=True)
    assert "does not allow refunds through its interface" in text(refused)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert not payment.refunds.exists()  # supports_refund is false: the provider is not asked


def test_a_bank_transfer_is_not_refunded_through_a_provider(client: Client,
                                                            catalog: None) -> None:
    payment = booked(1, dt.date(2026, 12, 1))
    signed_in_cashier(client)
    assert "Pay back" not in text(client.get(f"/en/staff/cash/payments/{payment.kassenzeichen}/"))
    refused = client.post(f"/en/staff/cash/payments/{payment.kassenzeichen}/refund/",
                          {"amount": "1", "confirm": "on"}, follow=True)
    assert "did not come through a payment provider" in text(refused)


# -- Direct debits ---------------------------------------------------------------------------


def dog_tax(holder: str, iban: str, cents: int = 9600, *, number: int = 1) -> Payment:
    """A dog registration whose tax is collected by the mandate given in the form."""
    import uuid

    from rathaus.catalog.models import Service

    service = Service.objects.get(slug="hund-anmelden")
    version = service.current_version
    assert version is not None
    submission = Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=version,
        department=service.department, language="de",
        answers={"payment_method": "direct_debit", "bank_account": {
            "holder": holder, "iban": iban, "bic": "", "bank": "", "mandate": True}})
    return Payment.objects.create(submission=submission, kassenzeichen=f"HST-2026-{number:06d}",
                                  amount_cents=cents, purpose=f"HST-2026-{number:06d} Hundesteuer",
                                  booking_reference="611010.403200", method="direct_debit")


@pytest.fixture
def creditor(settings: Any) -> None:
    settings.RATHAUS_CREDITOR = {"name": "Stadt Musterstadt", "iban": "DE02120300000000202051",
                                 "bic": "BYLADEM1001", "id": "DE98ZZZ09999999999"}


def test_due_direct_debits_are_exported_once_first_then_recurring(
        client: Client, catalog: None, creditor: None) -> None:
    from lxml import etree

    first = dog_tax("Erika Mustermann", "DE89370400440532013000", number=1)
    dog_tax("Hans Meier", "DE75512108001245126199", 14400, number=2)
    user = signed_in_cashier(client)
    page = text(client.get("/en/staff/cash/direct-debits/"))
    assert "2 collections, 240.00 €" in page
    assert first.submission is not None
    assert first.submission.reference in page

    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    done = client.post("/en/staff/cash/direct-debits/export/", {"collection_date": day},
                       follow=True)
    assert "2 collections exported as RH" in text(done)
    first.refresh_from_db()
    export = first.collection.export
    assert export.created_by == user
    assert AuditEvent.objects.filter(action=Action.DIRECT_DEBITS_EXPORTED,
                                     object_id=export.message_id).exists()
    download = client.get(f"/en/staff/cash/direct-debits/{export.message_id}.xml")
    assert download["Content-Disposition"] == f'attachment; filename="{export.message_id}.xml"'
    xml = etree.fromstring(download.content)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
    assert xml.findtext(".//p:GrpHdr/p:MsgId", namespaces=ns) == export.message_id
    assert xml.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert {e.text for e in xml.iterfind(".//p:SeqTp", ns)} == {"FRST"}
    assert first.kassenzeichen in [e.text for e in xml.iterfind(".//p:EndToEndId", ns)]
    # The mandate: Rathaus' prefix keeps its references apart from the town's other
    # procedures under the same creditor identifier; signed the day the citizen submitted.
    mandates = {e.findtext("p:MndtId", namespaces=ns): e.findtext("p:DtOfSgntr", namespaces=ns)
                for e in xml.iterfind(".//p:MndtRltdInf", ns)}
    assert mandates[f"RH-{first.submission.reference}"] == timezone.localtime(
        first.submission.submitted_at).date().isoformat()

    # Nothing twice: the list is empty, another export says there is nothing to collect.
    assert "Nothing is due for collection by direct debit." in text(
        client.get("/en/staff/cash/direct-debits/"))
    # Next year's tax under the same mandate is a recurring collection.
    later = Payment.objects.create(submission=first.submission, kassenzeichen="HST-2027-000001",
                                   amount_cents=9600, purpose="HST-2027-000001 Hundesteuer",
                                   method="direct_debit")
    client.post("/en/staff/cash/direct-debits/export/", {"collection_date": day})
    later.refresh_from_db()
    assert later.collection.sequence == "RCUR"
    assert later.collection.export != export


def test_a_wrong_collection_date_or_creditor_is_named(client: Client, catalog: None,
                                                     settings: Any, creditor: None) -> None:
    dog_tax("Erika Mustermann", "DE89370400440532013000")
    signed_in_cashier(client)
    past = client.post("/en/staff/cash/direct-debits/export/",
                       {"collection_date": timezone.localdate().isoformat()})
    assert past.status_code == 400
    assert "The collection date must be after today." in text(past)
    settings.RATHAUS_CREDITOR = {**settings.RATHAUS_CREDITOR, "id": "DE00ZZZ09999999999"}
    wrong = client.post("/en/staff/cash/direct-debits/export/", {
        "collection_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat()})
    assert wrong.status_code == 400
    assert "The creditor identifier (Gläubiger-ID) is not valid" in text(wrong)
    assert not Payment.objects.filter(collection__isnull=False).exists()


def test_no_direct_debits_due_says_so(client: Client, creditor: None) -> None:
    signed_in_cashier(client)
    page = text(client.get("/en/staff/cash/direct-debits/"))
    assert "Nothing is due for collection by direct debit." in page
    assert "No direct debits have been exported yet." in page


# -- Statistics ------------------------------------------------------------------------------


def test_payments_by_method_and_state_per_month(client: Client, catalog: None) -> None:
    paid = booked(2, dt.date(2026, 12, 4))
    unpaid = transfer_payment(copies=1)
    Payment.objects.filter(pk=paid.pk).update(created_at=dt.datetime(2026, 11, 20, 9,
                                                                     tzinfo=dt.UTC))
    Payment.objects.filter(pk=unpaid.pk).update(created_at=dt.datetime(2026, 12, 7, 9,
                                                                       tzinfo=dt.UTC))
    signed_in_cashier(client)
    page = client.get("/en/staff/cash/statistics/?start=2026-10&end=2026-12")
    shown = text(page)
    assert "Payments created from October 2026 to December 2026" in shown
    assert "1 of 2 payments created in the period are paid" in shown
    body = page.content.decode()
    november = re.search(r'data-key="2026-11">(.*?)</tr>', body, re.S)
    assert november is not None
    cells = re.findall(r'numeric">([^<]*)</td>', november.group(1))
    # bank transfer; not paid yet, paid, failed, cancelled, refunded; all; amount
    assert cells == ["1", "0", "1", "0", "0", "0", "1", "24.00 €"]
    _header, *rows = rows_of(client.get("/en/staff/cash/statistics/?start=2026-10&end=2026-12"
                                        "&format=csv"))
    assert rows == [["2026-11", "transfer", "paid", "1", "2400"],
                    ["2026-12", "transfer", "open", "1", "1200"]]


def test_statistics_without_payments_and_with_a_wrong_month(client: Client) -> None:
    signed_in_cashier(client)
    assert "No payments in this period." in text(client.get("/en/staff/cash/statistics/"))
    wrong = client.get("/en/staff/cash/statistics/?start=2026-13")
    assert wrong.status_code == 400
    assert "Enter the month as YYYY-MM" in text(wrong)


def test_an_applied_statement_shows_what_it_did(client: Client, catalog: None) -> None:
    signed_in_cashier(client)
    full, _part, _more = applied(client)
    stored = StatementImport.objects.get()
    page = client.get(f"/en/staff/cash/statements/{stored.pk}/").content.decode()
    assert 'data-status="booked"' in page
    assert f"({full.kassenzeichen})" in page
    assert "Confirm and book" not in page


def test_the_admin_shows_the_cash_office_records_read_only(catalog: None,
                                                           admin_client: Client) -> None:
    cash = Client()
    signed_in_cashier(cash)
    applied(cash)
    stored = StatementImport.objects.get()
    listing = admin_client.get("/admin/payments/statementimport/")
    assert "auszug.xml" in listing.content.decode()
    page = admin_client.get(f"/admin/payments/statementimport/{stored.pk}/change/")
    assert page.status_code == 200
    assert 'name="filename"' not in page.content.decode()  # read-only
    assert admin_client.get("/admin/payments/statementline/").status_code == 200
    assert admin_client.get("/admin/payments/refund/").status_code == 200
    assert admin_client.get("/admin/payments/directdebitexport/").status_code == 200


def test_the_demo_has_a_cash_office_account(client: Client, catalog: None) -> None:
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.get(username="stadtkasse")
    assert demo.has_perm(WORK_CASH_OFFICE)
    sign_in_verified(client, demo)
    assert "Cash office (Stadtkasse)" in text(client.get("/en/staff/"))
