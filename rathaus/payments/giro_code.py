"""The EPC QR code ("GiroCode") that a banking app scans to fill in a SEPA credit transfer.

The payload follows EPC069-12 (version 002): twelve lines separated by a line feed, UTF-8
(character set 1), at most 331 bytes, encoded as a QR code with error correction level M.

    1 BCD                  service tag
    2 002                  version (the BIC is optional within the EEA)
    3 1                    character set UTF-8
    4 SCT                  SEPA credit transfer
    5 BIC                  optional
    6 name                 the beneficiary, at most 70 characters
    7 IBAN
    8 EUR12.00             amount, EUR 0.01 to 999999999.99
    9 purpose code         four letters, unused here
    10 RF reference        structured: an ISO 11649 creditor reference, or
    11 remittance text     unstructured, at most 140 characters (never both)
    12 hint                beneficiary to originator information, at most 70 characters

A Kassenzeichen that is an RF creditor reference travels structured; any other one leads the
unstructured remittance text, where the cash office's matching finds it again (reconcile.py).
Trailing empty lines are left out, as the specification allows.
"""

from __future__ import annotations

import hashlib
import io
import re

import segno
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from rathaus.payments.purpose import sepa_text

NAME_LIMIT = 70
REMITTANCE_LIMIT = 140
HINT_LIMIT = 70
PAYLOAD_LIMIT = 331  # bytes
AMOUNT_MIN_CENTS = 1
AMOUNT_MAX_CENTS = 99_999_999_999

_RF = re.compile(r"RF\d{2}[0-9A-Z]{1,21}")
_SEPA_CHARS = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]+")


class GiroCodeError(ValueError):
    """The transfer cannot be written as an EPC QR code; the message says why, in words."""


def is_creditor_reference(value: str) -> bool:
    """Whether ``value`` (spaces allowed) is an ISO 11649 RF creditor reference."""
    compact = "".join(value.split()).upper()
    if not _RF.fullmatch(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def epc_payload(*, name: str, iban: str, amount_cents: int, reference: str = "", text: str = "",
                bic: str = "") -> str:
    """The EPC QR code payload for a transfer of ``amount_cents`` to ``iban``."""
    name = " ".join(name.split())
    if not name:
        raise GiroCodeError(_("The beneficiary's name is missing."))
    if len(name) > NAME_LIMIT:
        raise GiroCodeError(_("The beneficiary's name is longer than 70 characters."))
    try:
        account = IBAN(iban)
    except SchwiftyException as error:
        raise GiroCodeError(_("The IBAN of the beneficiary is not valid.")) from error
    bank = ""
    if bic.strip():
        try:
            bank = str(BIC(bic.strip()))
        except SchwiftyException as error:
            raise GiroCodeError(_("The BIC of the beneficiary is not valid.")) from error
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise GiroCodeError(_("The amount must be a whole number of cents."))
    if not AMOUNT_MIN_CENTS <= amount_cents <= AMOUNT_MAX_CENTS:
        raise GiroCodeError(_("The amount must be between 0.01 and 999,999,999.99 euros."))
    euros, cents = divmod(amount_cents, 100)

    reference = " ".join(reference.split())
    structured = unstructured = hint = ""
    if reference and is_creditor_reference(reference):
        structured = "".join(reference.split()).upper()
        hint = sepa_text(text, HINT_LIMIT)
    else:
        if reference and not _SEPA_CHARS.fullmatch(reference):
            raise GiroCodeError(
                _("The payment reference contains characters a bank transfer cannot carry."))
        if len(reference) > REMITTANCE_LIMIT:
            raise GiroCodeError(_("The payment reference is longer than 140 characters."))
        # The Kassenzeichen goes first and is never cut; the text fills what is left.
        room = REMITTANCE_LIMIT - len(reference) - (1 if reference else 0)
        rest = sepa_text(text, room) if room > 0 else ""
        unstructured = " ".join(part for part in (reference, rest) if part)

    lines = ["BCD", "002", "1", "SCT", bank, name, account.compact, f"EUR{euros}.{cents:02d}",
             "", structured, unstructured, hint]
    while lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > PAYLOAD_LIMIT:
        raise GiroCodeError(_("The transfer's details are too long for a GiroCode."))
    return payload


def svg(payload: str, *, title: str) -> str:
    """The payload as an inline SVG QR code (level M, UTF-8) with ``title`` as its accessible
    name."""
    code = segno.make(payload, error="m", boost_error=False, micro=False, encoding="utf-8")
    element_id = "girocode-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]
    # px with a viewBox: a fixed size by default that a stylesheet may scale.
    markup: str = code.svg_inline(scale=4, border=4, unit="px", title=title, svgclass="girocode",
                                  lineclass=None)
    markup = markup.replace("<svg ", f'<svg role="img" aria-labelledby="{element_id}-title" ', 1)
    return markup.replace("<title>", f'<title id="{element_id}-title">', 1)


def png(payload: str, *, scale: int = 4) -> bytes:
    """The payload as a PNG QR code (level M, UTF-8), for documents that embed pictures."""
    code = segno.make(payload, error="m", boost_error=False, micro=False, encoding="utf-8")
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
