"""The department inbox: a clerk lists and opens the submissions of their departments only.

Every opened submission is in the audit log. Asking for one of another department answers 404,
as for one that does not exist, so that guessing references tells nothing; the attempt is
logged too.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from rathaus.applications import sealed
from rathaus.applications.engine import summarize
from rathaus.applications.models import Submission, Upload
from rathaus.audit.models import Action
from rathaus.audit.services import record

from . import selectors
from .access import is_verified, verified_required

PAGE_SIZE = 50
inbox_required = verified_required(allowed=selectors.works_in_a_department)


@inbox_required
def submissions(request: HttpRequest) -> HttpResponse:
    user = request.user
    found = selectors.visible_submissions(user).select_related("service", "department")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/submissions.html", {
        "page": page, "departments": list(selectors.departments_of(user))})


def _submission_or_404(request: HttpRequest, reference: str) -> Submission:
    reference = reference.strip().upper()[:20]
    found = (selectors.visible_submissions(request.user)
             .select_related("service", "service_version", "department")
             .filter(reference=reference).first())
    if found is None:
        elsewhere = (Submission.objects.filter(reference=reference)
                     .values_list("department_id", flat=True).first())
        record(action=Action.SUBMISSION_DENIED, request=request,
               object_type="applications.submission", object_id=reference,
               department=elsewhere,
               message="not in the user's departments" if elsewhere else "no such reference")
        raise Http404
    return found


@inbox_required
def submission(request: HttpRequest, reference: str) -> HttpResponse:
    found = _submission_or_404(request, reference)
    record(action=Action.SUBMISSION_VIEWED, request=request, target=found,
           department=found.department_id)
    spec = found.service_version.spec
    assert spec.form is not None
    language = (get_language() or "de")[:2]
    return render(request, "staff/submission.html", {
        "submission": found,
        "spec": spec,
        # Answers taken unchanged from BundID carry the same mark as on the citizen's receipt.
        "sections": summarize(spec.form, sealed.answers_for_staff(request, found), language,
                              verified=set(found.verified_fields)),
        "fee_lines": [{**line, "label": line["label"].get(language, ""),
                       "amount": Decimal(line["amount"]), "total": Decimal(line["total"])}
                      for line in found.fee_lines],
        "attachments": list(found.attachments.order_by("created_at")),
    })


@inbox_required
def attachment(request: HttpRequest, reference: str, upload_id: str) -> FileResponse:
    found = _submission_or_404(request, reference)
    upload = found.attachments.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    record(action=Action.ATTACHMENT_DOWNLOADED, request=request, target=found,
           department=found.department_id, message=upload.original_name)
    response = FileResponse(sealed.file_for_staff(request, upload),
                            content_type=upload.content_type,
                            as_attachment=True, filename=upload.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


def staff_may_download(request: HttpRequest, upload: Upload) -> bool:
    """Return whether staff may download ``upload`` (the admin's links); log it if so."""
    submission = upload.submission
    if submission is None or not is_verified(request.user):
        return False
    if not selectors.may_open(request.user, submission):
        return False
    record(action=Action.ATTACHMENT_DOWNLOADED, request=request, target=submission,
           department=submission.department_id, message=upload.original_name)
    return True
