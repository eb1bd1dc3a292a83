"""The citizen's actions on a case, reached from the status page: withdraw the application.

The status link is the way in, as for the status page; acting on the case needs what opening
the answers needs (applications.selectors.may_open_answers): for health data, the citizen's own
sign-in, so that whoever reads the mail cannot withdraw the application.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.applications import selectors

from . import services
from .models import Case


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    status_page = reverse("applications:status", kwargs={"token": token})
    case = Case.objects.select_related("submission__service_version").filter(
        submission=submission).first()
    allowed = selectors.may_open_answers(request, submission)
    if case is None or not allowed or not services.may_withdraw(case):
        messages.error(request, _("This application cannot be withdrawn here.") if case is None
                       or services.may_withdraw(case) is False
                       else _("Sign in as described on this page to withdraw the application."))
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
