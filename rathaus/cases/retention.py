"""The purge of ended cases after their service's retention period (decision 0023).

A case whose work ended (END_STATES) is kept for the ``retention_days`` of the service version
the citizen answered, counted from ``ended_at``; then its submission (answers, uploads, receipt),
the mailbox messages about it, its notices, notes and timeline are deleted, and one
``PurgedCase`` row keeps the figures the town's statistics need. A legal hold stops it.

Each case goes in its own transaction; stored files are removed only after that commits, so a
failure leaves the case whole and a crash after the commit leaves at most an orphaned file.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from rathaus.applications.models import Submission, Upload
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog.models import ServiceVersion
from rathaus.notices.models import Notice

from . import hooks
from .models import END_STATES, Case, CaseNotice, PurgedCase
from .statistics import decision_time, processing_days

log = logging.getLogger(__name__)
SYSTEM = "system"


@dataclass(frozen=True)
class Due:
    """A case whose retention period is over."""

    case_id: int
    reference: str
    service: str
    ended_at: dt.datetime
    retention_days: int


@dataclass
class PurgeReport:
    cases: int = 0
    uploads: int = 0
    messages: int = 0
    notices: int = 0
    files: int = 0
    due: list[Due] = field(default_factory=list)


def _month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def due_for_purge(*, now: dt.datetime | None = None) -> list[Due]:
    """Return the ended cases past their retention period and not under legal hold."""
    now = now or timezone.now()
    ended = Case.objects.filter(ended_at__isnull=False, legal_hold=False,
                                state__in=[state.value for state in END_STATES])
    version_ids = set(ended.values_list("submission__service_version_id", flat=True))
    due: list[Due] = []
    for version in ServiceVersion.objects.filter(pk__in=version_ids).select_related("service"):
        days = version.spec.retention_days
        rows = (ended.filter(submission__service_version=version,
                             ended_at__lte=now - dt.timedelta(days=days))
                .order_by("ended_at", "pk").values_list("pk", "reference", "ended_at"))
        due += [Due(case_id=pk, reference=reference, service=version.service.slug,
                    ended_at=ended_at, retention_days=days)
                for pk, reference, ended_at in rows if ended_at is not None]
    return sorted(due, key=lambda item: (item.ended_at, item.case_id))


def _remove_after_commit(files: list[FieldFile]) -> int:
    names = [(item.storage, item.name) for item in files if item.name]

    def remove() -> None:
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:
                log.warning("could not delete a stored file of a purged case")

    transaction.on_commit(remove)
    return len(names)


def purge_case(*, case_id: int, now: dt.datetime | None = None) -> PurgeReport | None:
    """Delete one case's personal data and keep its statistics row; None if it is not due."""
    now = now or timezone.now()
    report = PurgeReport()
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",))
                .select_related("submission__service_version").filter(pk=case_id).first())
        if case is None or case.legal_hold or case.ended_at is None \
                or case.state not in END_STATES:
            return None
        submission: Submission = case.submission
        days = submission.service_version.spec.retention_days
        if case.ended_at > now - dt.timedelta(days=days):
            return None
        report.messages, files = hooks.delete_messages.call(submission=submission)
        uploads = list(Upload.objects.filter(submission=submission))
        files += [upload.file for upload in uploads if upload.file]
        if submission.receipt_pdf:
            files.append(submission.receipt_pdf)
        notices = list(Notice.objects.filter(
            subject_reference__in=[case.reference, f"case:{case.reference}"]))
        files += [notice.pdf for notice in notices if notice.pdf]
        PurgedCase.objects.create(
            service_id=case.service_id, department_id=case.department_id, channel=case.channel,
            received_month=_month(case.received_at), ended_month=_month(case.ended_at),
            end_state=case.state, outcome=case.outcome,
            # As the statistics count a live case: to its decision, else to its end.
            processing_days=processing_days(
                received_at=case.received_at, outcome=case.outcome,
                decided_at=decision_time(case), ended_at=case.ended_at) or 0,
            purged_on=timezone.localtime(now).date())
        record(action=Action.CASE_PURGED, actor_label=SYSTEM, object_type="cases.case",
               object_id=case.reference, department=case.department_id,
               message=f"retention_days={days}")
        CaseNotice.objects.filter(case=case).delete()  # they protect the notices they sent
        Notice.objects.filter(pk__in=[notice.pk for notice in notices]).delete()
        Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
        case.delete()  # its notes and timeline go with it (CASCADE)
        submission.delete()
        report.cases = 1
        report.uploads = len(uploads)
        report.notices = len(notices)
        report.files = _remove_after_commit(files)
    return report


def purge_cases(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge every case past its retention period, each in its own transaction."""
    now = now or timezone.now()
    total = PurgeReport(due=due_for_purge(now=now))
    if dry_run:
        return total
    for item in total.due:
        done = purge_case(case_id=item.case_id, now=now)
        if done is None:
            continue
        total.cases += done.cases
        total.uploads += done.uploads
        total.messages += done.messages
        total.notices += done.notices
        total.files += done.files
    return total
