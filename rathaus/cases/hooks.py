"""What the case work asks of the layers above it; they provide it at start.

Mein Rathaus (account) provides the deletion of a submission's mailbox messages when the case's
retention period is over (decision 0023).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rathaus.core.hooks import Hook

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from rathaus.applications.models import Submission


class DeleteLinkedRows(Protocol):
    def __call__(self, *, submission: Submission) -> tuple[int, list[FieldFile]]:
        """Delete the rows about ``submission``; return how many and their files to remove."""
        ...


# Called by the purge, inside the case's transaction, before the submission is deleted.
delete_messages: Hook[DeleteLinkedRows] = Hook("cases.delete_messages")
