"""SEPA direct debit collections as a pain.008 file for the town's bank.

The cash office collects fees and taxes from citizens who gave a SEPA core mandate (the dog
tax asks for one). The file is written by ``sepaxml``, which knows the message's structure
in its versions; this module checks what the bank would otherwise reject later and in less
helpful words (IBANs, the creditor identifier's check digits, mandate references, amounts),
and validates the result against the schema ``sepaxml`` ships. German banks take
pain.008.001.08 (DK rules since November 2023); pain.008.001.02 remains for older software.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD

from rathaus.payments.purpose import sepa_text

VERSIONS = ("pain.008.001.08", "pain.008.001.02")
AMOUNT_MAX_CENTS = 99_999_999_999
# The identifiers of a SEPA message: the EPC's Latin set without the space, at most 35
# characters, neither starting with "/" nor containing "//".
_IDENTIFIER = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}")
_CREDITOR_ID = re.compile(r"([A-Z]{2})(\d{2})([A-Z0-9]{3})([A-Z0-9]{1,28})")


class SequenceType(enum.StrEnum):
    """Where a collection stands in its mandate's life (SeqTp)."""

    FIRST = "FRST"
    RECURRING = "RCUR"
    ONE_OFF = "OOFF"
    FINAL = "FNAL"


class DirectDebitError(ValueError):
    """The collections cannot go to the bank; the message says which and why, in words."""


@dataclass(frozen=True)
class Creditor:
    """The town as the collecting creditor."""

    name: str
    iban: str
    creditor_id: str  # Gläubiger-Identifikationsnummer, e.g. DE98ZZZ09999999999
    bic: str = ""


@dataclass(frozen=True)
class Collection:
    """One amount to collect from one debtor under their mandate."""

    debtor_name: str
    debtor_iban: str
    mandate_reference: str
    mandate_signed: dt.date
    sequence: SequenceType
    amount_cents: int
    end_to_end_id: str  # the Kassenzeichen, so the return of a debit finds its payment
    remittance: str
    debtor_bic: str = ""


def creditor_id_valid(value: str) -> bool:
    """Whether ``value`` is a SEPA creditor identifier with correct check digits."""
    compact = "".join(value.split()).upper()
    parts = _CREDITOR_ID.fullmatch(compact)
    if parts is None or len(compact) > 35:
        return False
    country, check, _business, national = parts.groups()
    # ISO 7064 MOD 97-10 over the national identifier and the country; the business code
    # (usually ZZZ) is left out.
    digits = "".join(str(int(c, 36)) for c in national + country) + "00"
    return f"{98 - int(digits) % 97:02d}" == check


def collections_xml(creditor: Creditor, collections: Sequence[Collection], *,
                    collection_date: dt.date, message_id: str,
                    version: str = "pain.008.001.08") -> bytes:
    """The pain.008 file that asks the bank to collect ``collections`` on
    ``collection_date``."""
    if version not in VERSIONS:
        raise DirectDebitError(gettext("Rathaus writes direct debits in %(versions)s only.")
                               % {"versions": ", ".join(VERSIONS)})
    if not collections:
        raise DirectDebitError(_("There is nothing to collect."))
    if not _IDENTIFIER.fullmatch(message_id):
        raise DirectDebitError(_("The message id must be 1 to 35 letters, digits or "
                                 "/ - ? : ( ) . , ' + without spaces."))
    config: dict[str, object] = {
        "name": _name(creditor.name, None),
        "IBAN": _iban(creditor.iban, None),
        "creditor_id": _creditor_id(creditor.creditor_id),
        "currency": "EUR",
        "batch": True,
        "instrument": "CORE",
    }
    if creditor.bic.strip():
        config["BIC"] = _bic(creditor.bic, None)
    elif version == "pain.008.001.02":
        raise DirectDebitError(_("pain.008.001.02 needs the BIC of the creditor's bank."))
    document = SepaDD(config, schema=version, clean=False)
    seen: set[str] = set()
    for collection in collections:
        document.add_payment(_payment(collection, collection_date, seen))
    xml = etree.fromstring(document.export(validate=False), etree.XMLParser(
        resolve_entities=False, no_network=True))
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    header = xml.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    assert header is not None
    header.findall("p:MsgId", ns)[0].text = message_id
    header.findall("p:CreDtTm", ns)[0].text = dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds")
    schema = _schema(version)
    if not schema.validate(xml):
        raise DirectDebitError(gettext("The file does not follow the %(version)s schema: "
                                       "%(error)s") % {"version": version,
                                                       "error": str(schema.error_log)})
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(xml, encoding="UTF-8")


@functools.cache
def _schema(version: str) -> etree.XMLSchema:
    """The XSD of ``version`` as sepaxml ships it."""
    return etree.XMLSchema(etree.parse(str(resources.files("sepaxml") / "schemas"
                                           / f"{version}.xsd")))


def _payment(collection: Collection, collection_date: dt.date, seen: set[str]) -> dict[str,
                                                                                        object]:
    end_to_end = collection.end_to_end_id.strip()
    if not _IDENTIFIER.fullmatch(end_to_end):
        raise DirectDebitError(gettext(
            "The end-to-end reference “%(reference)s” must be 1 to 35 letters, digits or "
            "/ - ? : ( ) . , ' + without spaces.") % {"reference": collection.end_to_end_id})
    if end_to_end in seen:
        raise DirectDebitError(gettext("The end-to-end reference %(reference)s appears twice.")
                               % {"reference": end_to_end})
    seen.add(end_to_end)
    mandate = collection.mandate_reference.strip()
    if not _IDENTIFIER.fullmatch(mandate):
        raise DirectDebitError(gettext(
            "The mandate reference “%(mandate)s” of %(reference)s must be 1 to 35 letters, "
            "digits or / - ? : ( ) . , ' + without spaces.")
            % {"mandate": collection.mandate_reference, "reference": end_to_end})
    amount = collection.amount_cents
    if isinstance(amount, bool) or not isinstance(amount, int) or \
            not 1 <= amount <= AMOUNT_MAX_CENTS:
        raise DirectDebitError(gettext(
            "The amount of %(reference)s must be between 0.01 and 999,999,999.99 euros.")
            % {"reference": end_to_end})
    if collection.mandate_signed > collection_date:
        raise DirectDebitError(gettext(
            "The mandate of %(reference)s is signed after the collection date.")
            % {"reference": end_to_end})
    payment: dict[str, object] = {
        "name": _name(collection.debtor_name, end_to_end),
        "IBAN": _iban(collection.debtor_iban, end_to_end),
        "amount": amount,
        "type": SequenceType(collection.sequence).value,
        "collection_date": collection_date,
        "mandate_id": mandate,
        "mandate_date": collection.mandate_signed,
        "description": sepa_text(collection.remittance) or end_to_end,
        "endtoend_id": end_to_end,
    }
    if collection.debtor_bic.strip():
        payment["BIC"] = _bic(collection.debtor_bic, end_to_end)
    return payment


def _name(value: str, debtor_of: str | None) -> str:
    name = sepa_text(value, 70)
    if not name:
        raise DirectDebitError(
            _("The name of the creditor is missing.") if debtor_of is None else
            gettext("The name of the debtor of %(reference)s is missing.")
            % {"reference": debtor_of})
    return name


def _iban(value: str, debtor_of: str | None) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise DirectDebitError(
            _("The IBAN of the creditor is not valid.") if debtor_of is None else
            gettext("The IBAN of the debtor of %(reference)s is not valid.")
            % {"reference": debtor_of}) from error


def _bic(value: str, debtor_of: str | None) -> str:
    try:
        return str(BIC(value.strip()))
    except SchwiftyException as error:
        raise DirectDebitError(
            _("The BIC of the creditor's bank is not valid.") if debtor_of is None else
            gettext("The BIC of the bank of the debtor of %(reference)s is not valid.")
            % {"reference": debtor_of}) from error


def _creditor_id(value: str) -> str:
    if not creditor_id_valid(value):
        raise DirectDebitError(_("The creditor identifier (Gläubiger-ID) is not valid; check "
                                 "it against the letter from the Bundesbank."))
    return "".join(value.split()).upper()
