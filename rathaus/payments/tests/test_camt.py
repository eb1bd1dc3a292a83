"""Reading the bank's camt.053 statement as the cash office gets it from the Sparkasse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from lxml import etree

from rathaus.payments.camt import Entry, StatementError, read_statement

FILES = Path(__file__).parent / "files"
V02 = (FILES / "sparkasse-camt053-001-02.xml").read_bytes()
V08 = (FILES / "sparkasse-camt053-001-08.xml").read_bytes()
TOWN = "DE07250501800000123456"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def by_reference(entries: tuple[Entry, ...], reference: str) -> list[Entry]:
    return [entry for entry in entries if entry.bank_reference == reference]


@pytest.mark.parametrize(("name", "schema"), [("sparkasse-camt053-001-02.xml", "camt.053.001.02"),
                                              ("sparkasse-camt053-001-08.xml", "camt.053.001.08")])
def test_the_sample_statements_follow_the_official_schema(name: str, schema: str) -> None:
    xsd = etree.XMLSchema(etree.parse(str(FILES / "xsd" / f"{schema}.xsd")))
    assert xsd.validate(etree.parse(str(FILES / name))), xsd.error_log


def test_the_statement_of_the_day() -> None:
    statement = read_statement(V02)

    assert statement.version == "camt.053.001.02"
    assert statement.account_iban == TOWN
    assert statement.statement_id == "2026120400000237"
    assert statement.sequence_number == 237
    assert statement.created_at == dt.datetime(2026, 12, 5, 6, 30, 12,
                                               tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert (statement.from_date, statement.to_date) == (dt.date(2026, 12, 4),
                                                        dt.date(2026, 12, 4))
    # nine bookings, one of them a batch of two transfers
    assert len(statement.entries) == 10
    assert len(statement.credits) == 8
    moved = sum(e.amount_cents if e.credit else -e.amount_cents for e in statement.entries)
    assert statement.opening_balance_cents == 152035
    assert statement.closing_balance_cents == 152035 + moved == 157585


def test_a_transfer_with_its_kassenzeichen() -> None:
    [entry] = by_reference(read_statement(V02).entries, "2026120400100001")

    assert entry.credit
    assert not entry.debit
    assert not entry.reversal
    assert entry.booked
    assert entry.booking_date == entry.value_date == dt.date(2026, 12, 4)
    assert (entry.amount_cents, entry.currency) == (2400, "EUR")
    assert (entry.debtor_name, entry.debtor_iban) == ("Erika Mustermann",
                                                      "DE61500105175410023456")
    assert entry.remittance == "KZ-2026-000123 Geburtsurkunde 2 Stueck"
    assert entry.end_to_end_id == ""  # NOTPROVIDED
    assert entry.transaction_code == "PMNT-RCDT-ESCT"
    assert entry.position == 0


def test_remittance_lines_are_joined() -> None:
    [entry] = by_reference(read_statement(V02).entries, "2026120400100004")

    assert entry.remittance == "Meldebescheinigung kz 2026 - 000 126"
    assert entry.debtor_name == "Ayşe Yılmaz"


def test_a_payment_from_abroad_without_reference() -> None:
    [entry] = by_reference(read_statement(V02).entries, "2026120400100006")

    assert (entry.debtor_name, entry.debtor_iban) == ("J. de Vries", "NL91ABNA0417164300")
    assert entry.remittance == entry.creditor_reference == entry.end_to_end_id == ""


def test_a_batch_booking_gives_each_transfer() -> None:
    first, second = by_reference(read_statement(V02).entries, "2026120400100007")

    assert (first.amount_cents, second.amount_cents) == (2600, 500)
    assert (first.position, second.position) == (1, 2)
    assert first.end_to_end_id == "MUELLER-RE-4711"
    assert second.remittance == "KZ-2026-000128 Meldebescheinigung"


def test_a_returned_direct_debit_is_a_reversed_debit() -> None:
    [entry] = by_reference(read_statement(V02).entries, "2026120400100008")

    assert entry.debit
    assert entry.reversal
    assert entry.return_reason == "MD06"
    assert entry.amount_cents == 4800
    assert entry.debtor_name == "Klaus Becker"
    assert entry.creditor_iban == TOWN


def test_a_fee_without_transaction_details() -> None:
    [entry] = by_reference(read_statement(V02).entries, "2026120400100009")

    assert entry.debit
    assert not entry.reversal
    assert entry.amount_cents == 350
    assert entry.transaction_code == "ACMT-MDOP-CHRG"


def test_version_08() -> None:
    statement = read_statement(V08)

    assert statement.version == "camt.053.001.08"
    assert statement.account_iban == TOWN
    # without an offset, the bank's time is Berlin's
    assert statement.created_at == dt.datetime(2026, 12, 8, 6, 30, 1,
                                               tzinfo=ZoneInfo("Europe/Berlin"))
    rf, *batch, refund = statement.entries
    assert rf.creditor_reference == "RF18539007547034"
    assert rf.debtor_name == "Lena Schäfer"
    assert rf.bank_reference == "2026120700200001-1"  # the transaction's own reference
    assert rf.end_to_end_id == "E2E-20261207-0815"
    assert rf.entry_reference == "1"
    assert [(e.amount_cents, e.position, e.booking_date) for e in batch] == [
        (500, 1, dt.date(2026, 12, 7)), (2000, 2, dt.date(2026, 12, 7))]
    assert refund.debit
    assert refund.creditor_name == "Jürgen Groß"
    moved = sum(e.amount_cents if e.credit else -e.amount_cents for e in statement.entries)
    assert statement.opening_balance_cents == 157585
    assert statement.closing_balance_cents == 157585 + moved == 160985


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.7\n...", "not an XML file"),
    (b"Buchungstag;Valuta;Betrag\n04.12.2026;04.12.2026;24,00\n", "not an XML file"),
    (V02.replace(b"camt.053.001.02", b"camt.052.001.02"), "not a camt.053 account statement"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"/>',
     "not a camt.053 account statement"),
    (V02.replace(b"camt.053.001.02", b"camt.053.001.04"),
     "version camt.053.001.04, which Rathaus cannot read yet"),
    (V02.replace(b'<Amt Ccy="EUR">15.00</Amt>', b'<Amt Ccy="CHF">15.00</Amt>', 1),
     "amount of 15.00 CHF; Rathaus reads amounts in euros only"),
    (V02.replace(b"<Ccy>EUR</Ccy>", b"<Ccy>USD</Ccy>"), "kept in USD"),
    (V02.replace(b">24.00<", b">24.001<", 1), "not an amount in euros and cents"),
    (V02.replace(b">24.00<", b">sNaN<", 1), "not an amount in euros and cents"),
    (V02.replace(b">24.00<", b">1E+30<", 1), "not an amount in euros and cents"),
    (V02.replace(b">24.00<", b">-24.00<", 1), "not an amount in euros and cents"),
    (V02.replace(b">24.00<", b">vierundzwanzig<", 1), "not a number"),
    (V02.replace(b"<Stmt>", b"<Stmt><Id>1</Id><CreDtTm>2026-12-05T06:30:12</CreDtTm><Acct><Id>"
                 b"<IBAN>DE07250501800000123456</IBAN></Id></Acct></Stmt><Stmt>", 1),
     "several statements"),
])
def test_files_that_are_no_statement_are_refused_in_words(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        read_statement(data)


def test_an_external_entity_is_neither_read_nor_accepted(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("DE99 geheim")
    data = V02.replace(b"<Document ", (
        b'<!DOCTYPE Document [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">]>'
        b"<Document "), 1).replace(b"Erika Mustermann", b"&x;")

    with pytest.raises(StatementError, match="document type declaration") as refused:
        read_statement(data)
    assert "geheim" not in str(refused.value)


def test_a_document_type_from_the_network_is_refused() -> None:
    data = V02.replace(b"<Document ", b'<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">'
                       b"<Document ", 1)

    with pytest.raises(StatementError, match="document type declaration"):
        read_statement(data)


def test_a_billion_laughs_is_refused_without_expanding() -> None:
    entities = b'<!ENTITY l0 "ha">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    data = V02.replace(b"<Document ", b"<!DOCTYPE Document [" + entities + b"]><Document ", 1) \
        .replace(b"Erika Mustermann", b"&l9;")

    with pytest.raises(StatementError, match="document type declaration"):
        read_statement(data)
