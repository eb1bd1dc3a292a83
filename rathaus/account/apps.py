from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountConfig(AppConfig):
    name = "rathaus.account"
    label = "account"
    verbose_name = _("Mein Rathaus")

    def ready(self) -> None:
        from rathaus.applications import hooks
        from rathaus.applications.sealed import register_sealed_files
        from rathaus.cases import hooks as case_hooks

        from .models import Message
        from .services import (
            delete_submission_messages,
            deliver_about_case,
            deliver_receipt,
            renew_mailbox_receipt,
        )

        # A signed-in citizen's receipt goes into the mailbox too (applications.tasks).
        hooks.deliver_receipt.provide(deliver_receipt)
        hooks.receipt_renewed.provide(renew_mailbox_receipt)
        # The mailbox copy of a receipt with health data is sealed: rotation re-seals it too.
        register_sealed_files(Message, "attachment")
        # The purge of a case past its retention period takes the mailbox messages about it.
        case_hooks.delete_messages.provide(delete_submission_messages)
        # Clerks' messages and notices about a case reach a signed-in applicant's mailbox.
        case_hooks.deliver_to_mailbox.provide(deliver_about_case)
