"""Background work of the cases; thin, idempotent, by id."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notice_ready(*, case_notice_id: int) -> None:
    from .emails import send_notice_ready as send
    from .models import CaseNotice

    item = (CaseNotice.objects.select_related("case__submission__service_version")
            .filter(pk=case_notice_id).first())
    if item is not None:
        send(item=item)
