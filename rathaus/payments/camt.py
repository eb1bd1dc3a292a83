"""Read a bank's account statement in ISO 20022 camt.053 (Bank-to-Customer Statement).

German banks deliver camt.053.001.02 under the DK's rules (DFÜ-Abkommen, Anlage 3) and
increasingly camt.053.001.08; both are read. One file holds one statement of one account.
Every booked transaction becomes an :class:`Entry`: an entry with transaction details
(``NtryDtls/TxDtls``) gives one per transaction, so a batch booking ("Sammler") of two
transfers gives two entries; debits come back too, marked, for the reconciliation to set aside.

The file comes from outside: it is parsed without a DTD, entities or network, and anything
that is not a camt.053 statement in euros is refused with a :class:`StatementError` whose
message a cash office clerk can act on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lxml import etree

VERSIONS = ("camt.053.001.02", "camt.053.001.08")
_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
# A date-time without offset is the bank's local time; German banks are in Berlin.
_BANK_TIME = ZoneInfo("Europe/Berlin")


class StatementError(ValueError):
    """The file is not a statement Rathaus can read; the message says why, in words."""


@dataclass(frozen=True)
class Entry:
    """One booked transaction on the account, as the bank reports it."""

    booking_date: dt.date
    value_date: dt.date | None
    amount_cents: int  # always positive; ``credit`` says the direction
    currency: str
    credit: bool  # CdtDbtInd CRDT: money came in
    reversal: bool  # RvslInd: a return or cancellation of an earlier booking
    booked: bool  # status BOOK (not pending or information only)
    debtor_name: str
    debtor_iban: str
    creditor_name: str
    creditor_iban: str
    remittance: str  # the unstructured remittance lines (Ustrd), joined by a space
    creditor_reference: str  # structured (Strd/CdtrRefInf/Ref), e.g. an RF reference
    end_to_end_id: str  # "" when the payer gave none (NOTPROVIDED)
    bank_reference: str  # the bank's own reference (AcctSvcrRef) of the transaction or entry
    entry_reference: str  # NtryRef, where the bank gives one
    transaction_code: str  # the bank transaction code, e.g. PMNT-RCDT-ESCT or NTRF+166
    return_reason: str  # RtrInf/Rsn, e.g. MD06 for a direct debit the debtor sent back
    position: int  # 0 for a single booking, 1, 2, ... for the transactions of a batch
    mandate_id: str = ""  # Refs/MndtId: the mandate of a direct debit (collected or returned)

    @property
    def debit(self) -> bool:
        """Whether money left the account."""
        return not self.credit

    @property
    def returned_debit(self) -> bool:
        """Whether this is a direct debit of ours the bank took back (Rücklastschrift).

        A return is booked as a debit, marked as a reversal, with a return reason, or with
        the bank transaction code of an unpaid direct debit (PMNT-IDDT-UPDD, DK GVC 109).
        """
        return self.debit and (self.reversal or bool(self.return_reason)
                               or self.transaction_code.endswith("IDDT-UPDD")
                               or self.transaction_code.startswith("NRTI+109"))


@dataclass(frozen=True)
class Statement:
    """One account statement: the account, its period, its balances and its entries."""

    version: str
    message_id: str
    statement_id: str
    sequence_number: int | None  # ElctrncSeqNb, counts the statements of the account
    account_iban: str
    created_at: dt.datetime
    from_date: dt.date | None
    to_date: dt.date | None
    opening_balance_cents: int | None  # signed, negative when overdrawn
    closing_balance_cents: int | None
    entries: tuple[Entry, ...]

    @property
    def credits(self) -> tuple[Entry, ...]:
        """The entries that brought money in."""
        return tuple(entry for entry in self.entries if entry.credit)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def read_statement(data: bytes) -> Statement:
    """The statement in the camt.053 file ``data``."""
    # camt has no DTD; one in the file can only serve entity tricks (XXE, billion laughs),
    # which libxml2 may also stop itself with a syntax error.
    doctype = StatementError(_("The file contains a document type declaration, which a bank "
                               "statement never has; it was not read."))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise doctype from error
        raise StatementError(_("The file is not an XML file; a camt.053 statement is XML.")) \
            from error
    info: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if info.doctype:
        raise doctype
    namespace = etree.QName(root).namespace or ""
    version = namespace.removeprefix(_PREFIX)
    if not namespace.startswith(_PREFIX + "camt.053.") or etree.QName(root).localname != \
            "Document":
        raise StatementError(_("The file is not a camt.053 account statement."))
    if version not in VERSIONS:
        raise StatementError(gettext(
            "The statement is in version %(version)s, which Rathaus cannot read yet "
            "(it reads %(known)s); ask the bank for camt.053.001.02 or camt.053.001.08.")
            % {"version": version, "known": ", ".join(VERSIONS)})
    return _Reader(namespace, version).statement(root)


class _Reader:
    def __init__(self, namespace: str, version: str) -> None:
        self.ns = {"c": namespace}
        self.version = version

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(self._qualify(path), self.ns)

    def text(self, element: etree._Element | None, path: str) -> str:
        if element is None:
            return ""
        found = element.find(self._qualify(path), self.ns)
        return " ".join((found.text or "").split()) if found is not None else ""

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return list(element.iterfind(self._qualify(path), self.ns))

    @staticmethod
    def _qualify(path: str) -> str:
        return "/".join(f"c:{step}" for step in path.split("/"))

    def statement(self, root: etree._Element) -> Statement:
        statements = self.all(root, "BkToCstmrStmt/Stmt")
        if not statements:
            raise StatementError(_("The file contains no statement."))
        if len(statements) > 1:
            raise StatementError(_("The file contains several statements; import one "
                                   "statement per file."))
        stmt = statements[0]
        iban = self.text(stmt, "Acct/Id/IBAN")
        if not iban:
            raise StatementError(_("The statement names no IBAN for the account."))
        currency = self.text(stmt, "Acct/Ccy")
        if currency and currency != "EUR":
            raise StatementError(gettext("The account is kept in %(currency)s; Rathaus reads "
                                         "statements of euro accounts only.")
                                 % {"currency": currency})
        sequence = self.text(stmt, "ElctrncSeqNb")
        entries: list[Entry] = []
        for ntry in self.all(stmt, "Ntry"):
            entries.extend(self.entries(ntry))
        return Statement(
            version=self.version,
            message_id=self.text(root, "BkToCstmrStmt/GrpHdr/MsgId"),
            statement_id=self.text(stmt, "Id"),
            sequence_number=int(sequence) if sequence.isdigit() else None,
            account_iban=iban.replace(" ", "").upper(),
            created_at=self.datetime(self.text(stmt, "CreDtTm")
                                     or self.text(root, "BkToCstmrStmt/GrpHdr/CreDtTm")),
            from_date=self.day(self.text(stmt, "FrToDt/FrDtTm")),
            to_date=self.day(self.text(stmt, "FrToDt/ToDtTm")),
            opening_balance_cents=self.balance(stmt, ("OPBD", "PRCD")),
            closing_balance_cents=self.balance(stmt, ("CLBD",)),
            entries=tuple(entries),
        )

    def entries(self, ntry: etree._Element) -> list[Entry]:
        amount = self.amount(self.find(ntry, "Amt"))
        credit = self.direction(self.text(ntry, "CdtDbtInd"))
        status = self.text(ntry, "Sts/Cd") if self.version != "camt.053.001.02" \
            else self.text(ntry, "Sts")
        booking = self.day(self.text(ntry, "BookgDt/Dt") or self.text(ntry, "BookgDt/DtTm"))
        if booking is None:
            raise StatementError(gettext("An entry of %(amount)s has no booking date.")
                                 % {"amount": _euros(amount)})
        base = Entry(
            booking_date=booking,
            value_date=self.day(self.text(ntry, "ValDt/Dt") or self.text(ntry, "ValDt/DtTm")),
            amount_cents=amount, currency="EUR", credit=credit,
            reversal=self.text(ntry, "RvslInd").lower() == "true",
            booked=status == "BOOK",
            debtor_name="", debtor_iban="", creditor_name="", creditor_iban="", remittance="",
            creditor_reference="", end_to_end_id="",
            bank_reference=self.text(ntry, "AcctSvcrRef"),
            entry_reference=self.text(ntry, "NtryRef"),
            transaction_code=self.transaction_code(ntry), return_reason="", position=0)
        details = [tx for entry_details in self.all(ntry, "NtryDtls")
                   for tx in self.all(entry_details, "TxDtls")]
        if not details:
            return [base]
        result = []
        for position, tx in enumerate(details, start=1 if len(details) > 1 else 0):
            tx_amount_element = self.find(tx, "Amt") if self.version != "camt.053.001.02" \
                else None
            if tx_amount_element is None:
                tx_amount_element = self.find(tx, "AmtDtls/TxAmt/Amt")
            if tx_amount_element is not None:
                tx_amount = self.amount(tx_amount_element)
            elif len(details) == 1:
                tx_amount = amount
            else:
                raise StatementError(gettext(
                    "The batch booking of %(amount)s on %(date)s does not give the amounts of "
                    "its transactions.") % {"amount": _euros(amount), "date": booking.isoformat()})
            tx_direction = self.text(tx, "CdtDbtInd")
            end_to_end = self.text(tx, "Refs/EndToEndId")
            result.append(replace(
                base,
                amount_cents=tx_amount,
                credit=self.direction(tx_direction) if tx_direction else credit,
                debtor_name=self.party(tx, "Dbtr"),
                debtor_iban=self.text(tx, "RltdPties/DbtrAcct/Id/IBAN").replace(" ", "").upper(),
                creditor_name=self.party(tx, "Cdtr"),
                creditor_iban=self.text(tx, "RltdPties/CdtrAcct/Id/IBAN").replace(" ",
                                                                                    "").upper(),
                remittance=" ".join(" ".join((line.text or "").split())
                                    for line in self.all(tx, "RmtInf/Ustrd")).strip(),
                creditor_reference=self.text(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
                end_to_end_id="" if end_to_end.upper() == "NOTPROVIDED" else end_to_end,
                bank_reference=self.text(tx, "Refs/AcctSvcrRef") or base.bank_reference,
                transaction_code=self.transaction_code(tx) or base.transaction_code,
                return_reason=self.text(tx, "RtrInf/Rsn/Cd") or self.text(tx, "RtrInf/Rsn/Prtry"),
                position=position,
                mandate_id=self.text(tx, "Refs/MndtId"),
            ))
        return result

    def party(self, tx: etree._Element, role: str) -> str:
        if self.version == "camt.053.001.02":
            return self.text(tx, f"RltdPties/{role}/Nm")
        return self.text(tx, f"RltdPties/{role}/Pty/Nm") or \
            self.text(tx, f"RltdPties/{role}/Agt/FinInstnId/Nm")

    def transaction_code(self, element: etree._Element) -> str:
        domain = self.find(element, "BkTxCd/Domn")
        if domain is not None:
            return "-".join(part for part in (self.text(domain, "Cd"),
                                              self.text(domain, "Fmly/Cd"),
                                              self.text(domain, "Fmly/SubFmlyCd")) if part)
        return self.text(element, "BkTxCd/Prtry/Cd")

    def balance(self, stmt: etree._Element, kinds: tuple[str, ...]) -> int | None:
        for bal in self.all(stmt, "Bal"):
            if self.text(bal, "Tp/CdOrPrtry/Cd") in kinds:
                cents = self.amount(self.find(bal, "Amt"))
                return cents if self.direction(self.text(bal, "CdtDbtInd")) else -cents
        return None

    def amount(self, element: etree._Element | None) -> int:
        if element is None:
            raise StatementError(_("An entry of the statement has no amount."))
        currency = element.get("Ccy", "")
        text = (element.text or "").strip()
        if currency != "EUR":
            raise StatementError(gettext(
                "The statement contains an amount of %(amount)s %(currency)s; Rathaus reads "
                "amounts in euros only.") % {"amount": text, "currency": currency or "?"})
        try:
            value = Decimal(text)
        except InvalidOperation as error:
            raise StatementError(gettext("The amount “%(amount)s” in the statement is not a "
                                         "number.") % {"amount": text}) from error
        if not value.is_finite() or not 0 <= value < 10**15 \
                or value != value.quantize(Decimal("0.01")):
            raise StatementError(gettext("The amount “%(amount)s” in the statement is not an "
                                         "amount in euros and cents.") % {"amount": text})
        return int(value * 100)

    @staticmethod
    def direction(indicator: str) -> bool:
        if indicator not in ("CRDT", "DBIT"):
            raise StatementError(_("An entry of the statement says neither credit nor debit."))
        return indicator == "CRDT"

    @staticmethod
    def day(value: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError as error:
            raise StatementError(gettext("“%(value)s” in the statement is not a date.")
                                 % {"value": value}) from error

    @staticmethod
    def datetime(value: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise StatementError(gettext("“%(value)s” in the statement is not a date and time.")
                                 % {"value": value}) from error
        return moment if moment.tzinfo else moment.replace(tzinfo=_BANK_TIME)


# ISO 20022 external return reason codes (ExternalReturnReason1Code) a SEPA core direct debit
# comes back with, in words for the cash office.
_RETURN_REASONS = {
    "AC01": _("the account number is wrong"),
    "AC04": _("the account is closed"),
    "AC06": _("the account is blocked"),
    "AC13": _("the payer's account is not a consumer account"),
    "AG01": _("direct debits are not allowed on this account"),
    "AG02": _("the bank refused the operation code"),
    "AM04": _("insufficient funds on the payer's account"),
    "AM05": _("a duplicate collection"),
    "BE05": _("the creditor is not known to the payer's bank"),
    "CNOR": _("the creditor's bank is not reachable"),
    "DNOR": _("the payer's bank is not reachable"),
    "FF01": _("the file format is invalid"),
    "MD01": _("there is no mandate (or it was revoked)"),
    "MD02": _("mandate data are missing or wrong"),
    "MD06": _("refund requested by the payer"),
    "MD07": _("the payer has died"),
    "MS02": _("refused by the payer, no reason given"),
    "MS03": _("refused by the payer's bank, no reason given"),
    "RC01": _("the bank identifier (BIC) is wrong"),
    "RR01": _("regulatory reasons: payer's account or identity missing"),
    "RR02": _("regulatory reasons: payer's name or address missing"),
    "RR03": _("regulatory reasons: creditor's name or address missing"),
    "RR04": _("regulatory reasons"),
    "SL01": _("a service of the payer's bank (e.g. a blocked creditor)"),
}


def return_reason_text(code: str) -> str:
    """The return reason ``code`` (MD06, AM04, ...) in words, in the active language."""
    known = _RETURN_REASONS.get(code.strip().upper())
    if known is not None:
        return f"{code.upper()}: {known}"
    if not code.strip():
        return gettext("no reason given")
    return gettext("%(code)s: a reason not listed here (see the bank's code list)") % {
        "code": code.strip()[:10]}


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d} EUR"
