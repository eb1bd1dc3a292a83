"""Background work of payments; thin, by id."""

from __future__ import annotations

from django_tasks import task

from rathaus.applications.services import renew_receipt


@task()
def renew_receipt_after_payment(*, submission_id: int) -> None:
    renew_receipt(submission_id=submission_id)
