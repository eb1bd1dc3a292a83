"""The citizen's actions on a case, reached from the status page: withdraw, reply.

The status link is the way in, as for the status page; acting on the case needs what opening
the answers needs (applications.selectors.may_open_answers): for health data, the citizen's own
sign-in, so that whoever reads the mail cannot withdraw the application.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.applications import selectors
from rathaus.forms.engine import ErrorEntry
from rathaus.notices.services import NoticeTampered, issued_pdf

from . import conversation, notice_delivery, services
from .citizen import conversation_context
from .models import Case, CaseNotice, NoticeStatus


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    status_page = reverse("applications:status", kwargs={"token": token})
    case = Case.objects.select_related("submission__service_version").filter(
        submission=submission).first()
    if case is None or not services.may_withdraw(case):
        messages.error(request, _("This application cannot be withdrawn here."))
        return redirect(status_page)
    if not selectors.may_open_answers(request, submission):
        messages.error(request, _("Sign in as described on this page to withdraw the "
                                  "application."))
        return redirect(status_page)
    if request.method == "POST":
        for attempt in range(2):  # a clerk's change in between: read the state again, once
            try:
                services.withdraw_by_citizen(submission=submission)
                break
            except services.CaseChanged:
                if attempt:
                    raise
            except services.TransitionRefused as refused:
                messages.error(request, str(refused.message))
                return redirect(status_page)
        messages.success(request, _("Your application has been withdrawn. Nothing more will "
                                    "be done with it."))
        return redirect(status_page)
    response = render(request, "cases/citizen/withdraw.html", {
        "submission": submission, "spec": submission.service_version.spec, "token": token,
        "status_page": status_page,
    })
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, token: str) -> HttpResponse:
    """Read the conversation and reply, with files; a reply returns the case to the clerk."""
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    status_page = reverse("applications:status", kwargs={"token": token})
    case = Case.objects.select_related("submission__service_version", "department").filter(
        submission=submission).first()
    if case is None or not conversation.may_reply(case) or not case.messages.exists():
        messages.error(request, _("There is nothing to reply to here."))
        return redirect(status_page)
    if not selectors.may_open_answers(request, submission):
        messages.error(request, _("Sign in as described on this page to read and answer the "
                                  "messages."))
        return redirect(status_page)
    errors: list[ErrorEntry] = []
    text = ""
    if request.method == "POST":
        text = request.POST.get("reply", "")[:conversation.MESSAGE_MAX + 100]
        try:
            conversation.reply_by_citizen(submission=submission, text=text,
                                          files=request.FILES.getlist("files"))
        except services.InvalidInput as error:
            errors.append(ErrorEntry(f"id_{error.field}", str(error.message)))
        except services.CaseError as error:
            messages.error(request, str(error.message))
            return redirect(status_page)
        else:
            messages.success(request, _("Thank you, your reply has been sent. The office will "
                                        "get back to you."))
            return redirect(status_page + "#conversation")
    else:
        conversation.mark_read_by_citizen(case=case)
    response = render(request, "cases/citizen/reply.html", {
        **conversation_context(case, token), "spec": submission.service_version.spec,
        "status_page": status_page, "errors": errors, "reply_text": text,
    }, status=400 if errors else 200)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
def notice_pdf(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The notice behind the status link, while it is provided; the first download is recorded.

    Only the notice of the link's own submission, and only as long as the provision lasts:
    after that the link serves nothing and the notice comes by post.
    """
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    item = (CaseNotice.objects.select_related("notice", "case")
            .filter(pk=pk, case__submission=submission, status=NoticeStatus.SENT).first())
    if item is None or item.notice is None or not notice_delivery.available(item):
        raise Http404
    if not selectors.may_open_answers(request, submission):
        messages.error(request, _("Sign in as described on this page to retrieve the notice."))
        return redirect(reverse("applications:status", kwargs={"token": token}))
    try:
        data = issued_pdf(item.notice)
    except NoticeTampered:
        raise Http404 from None
    notice_delivery.record_retrieval(case_notice_id=item.pk, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    name = _("notice-%(reference)s.pdf") % {"reference": item.case.reference}
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
