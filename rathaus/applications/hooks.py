"""What the application process asks of the layers above it; they provide it at start.

Mein Rathaus (account) provides the mailbox delivery of a receipt, the back office (staff) the
check whether a clerk may download an upload, the case work (cases) what the status page shows
of the case beyond the submission. Each is provided in its ``AppConfig.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from rathaus.core.hooks import Hook

if TYPE_CHECKING:
    from django.http import HttpRequest

    from rathaus.forms.schema import ServiceDef

    from .models import Submission, Upload


class DeliverReceipt(Protocol):
    def __call__(self, *, submission: Submission) -> object: ...


class ReceiptRenewed(Protocol):
    def __call__(self, *, submission: Submission, pdf: bytes) -> object: ...


class CitizenCaseSections(Protocol):
    def __call__(self, request: HttpRequest, *, submission: Submission, token: str,
                 answers_open: bool) -> list[str]:
        """Return the HTML sections of the status page about the case (already escaped).

        ``token`` is the status link's; ``answers_open`` says whether this request may see
        the answers (selectors.may_open_answers), and so anything written about them.
        """
        ...


class StaffMayDownload(Protocol):
    def __call__(self, request: HttpRequest, upload: Upload) -> bool: ...


# Called by the confirmation task for a signed-in citizen's submission.
deliver_receipt: Hook[DeliverReceipt] = Hook("applications.deliver_receipt")
# Called by renew_receipt after the stored receipt was rendered again (the fee paid), so that
# the copy in the citizen's mailbox says the same.
receipt_renewed: Hook[ReceiptRenewed] = Hook("applications.receipt_renewed")
# Called by the upload download view for a request that is not the citizen's.
staff_may_download: Hook[StaffMayDownload] = Hook("applications.staff_may_download")
# Called by the status page, for the sections about the case (history, messages, notices).
citizen_case_sections: Hook[CitizenCaseSections] = Hook("applications.citizen_case_sections")


@dataclass(frozen=True)
class PaymentOption:
    """A way to pay the check page offers: the value posted, its label and a hint."""

    value: str
    label: str
    hint: str = ""


class PaymentMethods(Protocol):
    def __call__(self, *, spec: ServiceDef, fee_total: Decimal) -> list[PaymentOption]:
        """Return the ways to pay the check page offers; none: nothing is paid on submit."""
        ...


class OpenPayment(Protocol):
    def __call__(self, *, submission: Submission, method: str) -> object:
        """Open the payment a submission's fee needs, inside the submit transaction.

        ``method`` is an option's value the citizen chose, "" when nobody chose (a clerk
        filing on behalf). Does nothing when the service takes no payment on submit.
        """
        ...


class AfterSubmit(Protocol):
    def __call__(self, request: HttpRequest, *, submission: Submission) -> str | None:
        """Act after the submit's commit (start the payment); return where the browser goes
        instead of the confirmation, or None."""
        ...


class PaymentSections(Protocol):
    def __call__(self, request: HttpRequest | None, *, submission: Submission, token: str,
                 place: str) -> list[str]:
        """Return the HTML sections about paying (already escaped).

        ``place`` is "status", "confirmation" or "receipt" (no request there, no forms);
        ``token`` the status link's ("" on the receipt).
        """
        ...


# Provided by payments: the check page's choice, the payment opened with the submission, the
# way to the pay page, and what the confirmation, the status page and the receipt say of it.
payment_methods: Hook[PaymentMethods] = Hook("applications.payment_methods")
open_payment: Hook[OpenPayment] = Hook("applications.open_payment")
after_submit: Hook[AfterSubmit] = Hook("applications.after_submit")
payment_sections: Hook[PaymentSections] = Hook("applications.payment_sections")
