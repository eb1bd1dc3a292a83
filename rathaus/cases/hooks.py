"""What the case work asks of the layers above it; they provide it at start.

Mein Rathaus (account) provides the deletion of a submission's mailbox messages when the case's
retention period is over (decision 0023), and the delivery of a message or notice about a case
into the mailbox of the citizen who sent it signed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rathaus.core.hooks import Hook

if TYPE_CHECKING:
    from django.core.files import File
    from django.db.models.fields.files import FieldFile

    from rathaus.applications.models import Submission
    from rathaus.notices.render import PaymentRequest


class DeleteLinkedRows(Protocol):
    def __call__(self, *, submission: Submission) -> tuple[int, list[FieldFile]]:
        """Delete the rows about ``submission``; return how many and their files to remove."""
        ...


class DeliverToMailbox(Protocol):
    def __call__(self, *, submission: Submission, subject: str, body: str,
                 attachment: File[bytes] | None = None, kind: str = "message",
                 sent_by_id: int | None = None) -> int | None:
        """Put a message about ``submission`` into its citizen's mailbox, with the e-mail
        notice that names nothing of it; return the message's id (None: no account).

        ``kind`` is "message" (a clerk's message) or "notice" (a decision to retrieve).
        """
        ...


# Called by the conversation and the notice delivery, inside their transaction.
deliver_to_mailbox: Hook[DeliverToMailbox] = Hook("cases.deliver_to_mailbox")
# Called by the purge, inside the case's transaction, before the submission is deleted.
delete_messages: Hook[DeleteLinkedRows] = Hook("cases.delete_messages")


class OpenNoticePayment(Protocol):
    def __call__(self, *, submission: Submission, amount_cents: int) -> PaymentRequest | None:
        """Open the payment of the fee a notice sets; what the notice says about paying it.

        None when the service takes no payment with the notice (or the amount is 0)."""
        ...


# Called by the notice delivery, inside its transaction, before the notice is issued.
open_notice_payment: Hook[OpenNoticePayment] = Hook("cases.open_notice_payment")
