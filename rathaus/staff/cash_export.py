"""The bookings export for the town's finance system: paid payments as CSV.

The columns are configured (``RATHAUS_CASH_EXPORT_COLUMNS``, keys of ``COLUMNS``); numbers and
dates are written the German way (24,00 and 07.12.2026) or as ISO (24.00 and 2026-12-07), as
``RATHAUS_CASH_EXPORT_FORMAT`` or the page's language says. Semicolons between fields, CRLF,
UTF-8 with a byte-order mark (German Excel); text cells are guarded against formula injection
as the workbasket export guards its cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.payments.models import Payment
from rathaus.payments.selectors import method_label


def csv_cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula is quoted.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class Style:
    german: bool

    def amount(self, cents: int) -> str:
        text = f"{cents // 100}.{cents % 100:02d}"
        return text.replace(".", ",") if self.german else text

    def day(self, value: Any) -> str:
        if value is None:
            return ""
        local = timezone.localtime(value).date()
        return f"{local:%d.%m.%Y}" if self.german else local.isoformat()


@dataclass(frozen=True)
class Column:
    header: Promise
    value: Callable[[Payment, Style], str]


def _reference(payment: Payment, _style: Style) -> str:
    return payment.submission.reference if payment.submission is not None else ""


def _service(payment: Payment, _style: Style) -> str:
    submission = payment.submission
    return submission.service.title_de if submission is not None else ""


COLUMNS: dict[str, Column] = {
    "kassenzeichen": Column(_("Kassenzeichen"), lambda p, s: p.kassenzeichen),
    "amount": Column(_("Amount"), lambda p, s: s.amount(p.paid_cents or p.amount_cents)),
    "booking_date": Column(_("Booking date"), lambda p, s: s.day(p.paid_at)),
    "cost_centre": Column(_("Cost centre"), lambda p, s: p.booking_reference),
    "purpose": Column(_("Booking text"), lambda p, s: p.purpose),
    "method": Column(_("Method"), lambda p, s: str(method_label(p.method))),
    "reference": Column(_("Reference of the application"), _reference),
    "service": Column(_("Service"), _service),
    "created_date": Column(_("Created"), lambda p, s: s.day(p.created_at)),
    "state": Column(_("State"), lambda p, s: str(p.get_state_display())),
    "currency": Column(_("Currency"), lambda p, s: p.currency),
}


def style() -> Style:
    chosen = str(settings.RATHAUS_CASH_EXPORT_FORMAT or "").lower()
    if chosen in {"de", "iso"}:
        return Style(german=chosen == "de")
    return Style(german=(get_language() or "de")[:2] == "de")


def bookings_csv(payments: Iterable[Payment]) -> tuple[bytes, int]:
    """The CSV of ``payments`` in the configured columns, and how many rows it has."""
    keys = [key for key in settings.RATHAUS_CASH_EXPORT_COLUMNS if key in COLUMNS]
    written = style()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    rows = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    rows.writerow([str(COLUMNS[key].header) for key in keys])
    count = 0
    for payment in payments:
        rows.writerow([csv_cell(COLUMNS[key].value(payment, written)) for key in keys])
        count += 1
    return buffer.getvalue().encode("utf-8"), count


@checks.register(checks.Tags.compatibility)
def check_columns(**_kwargs: Any) -> list[checks.CheckMessage]:
    """Unknown column keys in the setting are named at start, not dropped in silence."""
    unknown = [key for key in settings.RATHAUS_CASH_EXPORT_COLUMNS if key not in COLUMNS]
    if not unknown:
        return []
    return [checks.Error(
        f"RATHAUS_CASH_EXPORT_COLUMNS: unknown column(s) {', '.join(unknown)}",
        hint=f"Known columns: {', '.join(COLUMNS)}", id="rathaus.E040")]
