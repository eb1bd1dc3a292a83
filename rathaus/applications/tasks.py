"""Background work of the application process; thin, idempotent, by id."""

from __future__ import annotations

from django_tasks import task

from . import hooks
from .models import Draft, Submission


@task()
def send_submission_confirmation(*, submission_id: int) -> None:
    from .emails import send_confirmation

    submission = Submission.objects.select_related("service_version", "service").filter(
        pk=submission_id
    ).first()
    if submission is not None:
        if submission.citizen_id is not None:  # a signed-in citizen's mailbox gets it too
            hooks.deliver_receipt.call(submission=submission)
        send_confirmation(submission=submission)


@task()
def notify_department(*, submission_id: int) -> None:
    from .emails import send_department_notice

    submission = Submission.objects.select_related("service_version", "department").filter(
        pk=submission_id
    ).first()
    if submission is not None:
        send_department_notice(submission=submission)


@task()
def send_resume_link(*, draft_id: str) -> None:
    from .emails import send_resume

    draft = Draft.objects.select_related("service_version__service").filter(pk=draft_id).first()
    if draft is not None and draft.resume_email and draft.resume_consent_at:
        send_resume(draft=draft)


@task()
def purge_expired_drafts() -> int:
    from .services import purge_expired_drafts as purge

    return purge()
