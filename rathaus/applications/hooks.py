"""What the application process asks of the layers above it; they provide it at start.

Mein Rathaus (account) provides the mailbox delivery of a receipt, the back office (staff) the
check whether a clerk may download an upload, the case work (cases) what the status page shows
of the case beyond the submission. Each is provided in its ``AppConfig.ready``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rathaus.core.hooks import Hook

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Submission, Upload


class DeliverReceipt(Protocol):
    def __call__(self, *, submission: Submission) -> object: ...


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
# Called by the upload download view for a request that is not the citizen's.
staff_may_download: Hook[StaffMayDownload] = Hook("applications.staff_may_download")
# Called by the status page, for the sections about the case (history, messages, notices).
citizen_case_sections: Hook[CitizenCaseSections] = Hook("applications.citizen_case_sections")
