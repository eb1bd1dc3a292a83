"""What the application process asks of the layers above it; they provide it at start.

Mein Rathaus (account) provides the mailbox delivery of a receipt, the back office (staff) the
check whether a clerk may download an upload. Both are provided in their ``AppConfig.ready``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rathaus.core.hooks import Hook

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Submission, Upload


class DeliverReceipt(Protocol):
    def __call__(self, *, submission: Submission) -> object: ...


class StaffMayDownload(Protocol):
    def __call__(self, request: HttpRequest, upload: Upload) -> bool: ...


# Called by the confirmation task for a signed-in citizen's submission.
deliver_receipt: Hook[DeliverReceipt] = Hook("applications.deliver_receipt")
# Called by the upload download view for a request that is not the citizen's.
staff_may_download: Hook[StaffMayDownload] = Hook("applications.staff_may_download")
