"""The direct debit file the cash office sends to the Sparkasse."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources

import pytest
from django.utils import translation
from lxml import etree

from rathaus.payments.pain008 import (
    Collection,
    Creditor,
    DirectDebitError,
    SequenceType,
    collections_xml,
    creditor_id_valid,
)

TOWN = Creditor(name="Stadt Musterstadt", iban="DE07 2505 0180 0000 1234 56",
                creditor_id="DE98ZZZ09999999999", bic="SPKHDE2HXXX")
DUE = dt.date(2026, 12, 15)
BECKER = Collection(debtor_name="Klaus Becker", debtor_iban="DE75120300001020304050",
                    mandate_reference="HST-2026-0042", mandate_signed=dt.date(2026, 1, 10),
                    sequence=SequenceType.RECURRING, amount_cents=4800,
                    end_to_end_id="KZ2026000130", remittance="Hundesteuer 1. Quartal für Bello")
GROSS = Collection(debtor_name="Jürgen Groß", debtor_iban="DE61500105175410023456",
                   mandate_reference="HST-2026-0043", mandate_signed=dt.date(2026, 11, 10),
                   sequence=SequenceType.FIRST, amount_cents=12000,
                   end_to_end_id="KZ2026000131", remittance="Hundesteuer 2027",
                   debtor_bic="INGDDEFFXXX")
WEBER = Collection(debtor_name="Tom Weber", debtor_iban="DE08200411110345678900",
                   mandate_reference="HST-2025-0007", mandate_signed=dt.date(2025, 3, 1),
                   sequence=SequenceType.RECURRING, amount_cents=2400,
                   end_to_end_id="KZ2026000132", remittance="Hundesteuer 1. Quartal")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def parsed(data: bytes, version: str = "pain.008.001.08") -> tuple[etree._Element, dict[str, str]]:
    document = etree.fromstring(data)
    xsd = etree.XMLSchema(etree.parse(str(resources.files("sepaxml") / "schemas"
                                          / f"{version}.xsd")))
    assert xsd.validate(document), xsd.error_log
    return document, {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}


def test_the_file_follows_the_schema_and_adds_up() -> None:
    data = collections_xml(TOWN, [BECKER, GROSS, WEBER], collection_date=DUE,
                           message_id="STADTKASSE-20261207-1")

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    document, ns = parsed(data)
    header = document.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    assert header is not None
    assert header.findtext("p:MsgId", namespaces=ns) == "STADTKASSE-20261207-1"
    assert header.findtext("p:NbOfTxs", namespaces=ns) == "3"
    assert Decimal(header.findtext("p:CtrlSum", namespaces=ns) or "") == Decimal("192.00")
    # one batch per sequence type, each with its own count and sum
    batches = {
        info.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns): (
            info.findtext("p:NbOfTxs", namespaces=ns), info.findtext("p:CtrlSum", namespaces=ns),
            info.findtext("p:ReqdColltnDt", namespaces=ns),
            info.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns),
            info.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns))
        for info in document.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", ns)}
    assert batches == {
        "RCUR": ("2", "72.00", "2026-12-15", "DE98ZZZ09999999999", "DE07250501800000123456"),
        "FRST": ("1", "120.00", "2026-12-15", "DE98ZZZ09999999999", "DE07250501800000123456"),
    }


def test_each_collection_carries_its_mandate_and_kassenzeichen() -> None:
    document, ns = parsed(collections_xml(TOWN, [BECKER, GROSS], collection_date=DUE,
                                          message_id="STADTKASSE-20261207-2"))

    rows = [(tx.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
             tx.findtext("p:InstdAmt", namespaces=ns),
             tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=ns),
             tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=ns),
             tx.findtext("p:Dbtr/p:Nm", namespaces=ns),
             tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns),
             tx.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=ns),
             tx.findtext("p:RmtInf/p:Ustrd", namespaces=ns))
            for tx in document.iterfind(".//p:DrctDbtTxInf", ns)]
    assert rows == [
        ("KZ2026000130", "48.00", "HST-2026-0042", "2026-01-10", "Klaus Becker",
         "DE75120300001020304050", None, "Hundesteuer 1. Quartal fuer Bello"),
        ("KZ2026000131", "120.00", "HST-2026-0043", "2026-11-10", "Juergen Gross",
         "DE61500105175410023456", "INGDDEFFXXX", "Hundesteuer 2027"),
    ]


def test_version_02_for_older_bank_software() -> None:
    data = collections_xml(TOWN, [BECKER], collection_date=DUE, message_id="STADTKASSE-1",
                           version="pain.008.001.02")

    document, ns = parsed(data, "pain.008.001.02")
    assert document.findtext(".//p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=ns) == "SPKHDE2HXXX"
    with pytest.raises(DirectDebitError, match="needs the BIC of the creditor's bank"):
        collections_xml(dataclasses.replace(TOWN, bic=""), [BECKER], collection_date=DUE,
                        message_id="STADTKASSE-1", version="pain.008.001.02")


def test_creditor_identifier_check_digits() -> None:
    assert creditor_id_valid("DE98ZZZ09999999999")  # the Bundesbank's example
    assert creditor_id_valid("de98 zzz 0999 9999 999")
    assert creditor_id_valid("DE98ABC09999999999")  # the business code is not checked
    assert not creditor_id_valid("DE97ZZZ09999999999")
    assert not creditor_id_valid("DE98ZZZ09999999998")
    assert not creditor_id_valid("DE07250501800000123456"[:4])


@pytest.mark.parametrize(("change", "message"), [
    ({"debtor_iban": "DE75120300001020304051"},
     "The IBAN of the debtor of KZ2026000130 is not valid"),
    ({"amount_cents": 0}, "amount of KZ2026000130 must be between 0.01 and 999,999,999.99"),
    ({"amount_cents": -4800}, "amount of KZ2026000130 must be between"),
    ({"mandate_reference": "HST 2026 0042"}, "mandate reference “HST 2026 0042” of KZ2026000130"),
    ({"mandate_reference": "Hundesteuer-Müller"}, "mandate reference “Hundesteuer-Müller”"),
    ({"mandate_reference": "H" * 36}, "must be 1 to 35 letters"),
    ({"mandate_reference": ""}, "must be 1 to 35 letters"),
    ({"mandate_signed": dt.date(2026, 12, 16)}, "signed after the collection date"),
    ({"end_to_end_id": "KZ 2026 000130"}, "end-to-end reference “KZ 2026 000130”"),
    ({"debtor_bic": "XYZ"}, "BIC of the bank of the debtor of KZ2026000130 is not valid"),
    ({"debtor_name": " "}, "name of the debtor of KZ2026000130 is missing"),
])
def test_a_collection_the_bank_would_reject_is_refused(change: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(DirectDebitError, match=message):
        collections_xml(TOWN, [GROSS, dataclasses.replace(BECKER, **change)],  # type: ignore[arg-type]
                        collection_date=DUE, message_id="STADTKASSE-1")


@pytest.mark.parametrize(("creditor", "message"), [
    (dataclasses.replace(TOWN, creditor_id="DE97ZZZ09999999999"),
     r"creditor identifier \(Gläubiger-ID\) is not valid"),
    (dataclasses.replace(TOWN, iban="DE07250501800000123457"), "IBAN of the creditor"),
    (dataclasses.replace(TOWN, bic="SPKH"), "BIC of the creditor's bank"),
])
def test_a_wrong_creditor_is_refused(creditor: Creditor, message: str) -> None:
    with pytest.raises(DirectDebitError, match=message):
        collections_xml(creditor, [BECKER], collection_date=DUE, message_id="STADTKASSE-1")


def test_nothing_twice_and_nothing_empty() -> None:
    with pytest.raises(DirectDebitError, match="KZ2026000130 appears twice"):
        collections_xml(TOWN, [BECKER, dataclasses.replace(GROSS, end_to_end_id="KZ2026000130")],
                        collection_date=DUE, message_id="STADTKASSE-1")
    with pytest.raises(DirectDebitError, match="nothing to collect"):
        collections_xml(TOWN, [], collection_date=DUE, message_id="STADTKASSE-1")
    with pytest.raises(DirectDebitError, match="message id"):
        collections_xml(TOWN, [BECKER], collection_date=DUE, message_id="Stadtkasse 7. Dez")
    with pytest.raises(DirectDebitError, match=r"pain\.008\.001\.08, pain\.008\.001\.02 only"):
        collections_xml(TOWN, [BECKER], collection_date=DUE, message_id="STADTKASSE-1",
                        version="pain.008.003.02")
