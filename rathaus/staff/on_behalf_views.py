"""Filing an application for a caller or visitor: the clerk walks the citizen's form here.

The steps, their checks and the check page are the citizen's (``applications.views.walk_step``,
``check_context``), under staff addresses and in the staff layout (decision 0027). A draft
filed on behalf belongs to the clerk who started it, in a department of theirs: anybody else,
a citizen signed in in the same browser included, gets "not found". There is no BundID
prefill: the applicant is not signed in, the clerk types what they say or show.

Rate limits: the citizens' start and submit have none (``rathaus.core.limits`` guards sign-in
links and notices only); these pages add none either, so a busy counter is never slowed. They
are open to verified staff only, and every filing is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rathaus.applications import sealed, services
from rathaus.applications import views as application_views
from rathaus.applications.models import Draft, FilingChannel, Submission
from rathaus.catalog.models import Service
from rathaus.catalog.selectors import active_services
from rathaus.core.access import verified_required
from rathaus.forms import engine
from rathaus.forms.engine import ErrorEntry
from rathaus.forms.schema import ServiceDef

from . import selectors

on_behalf_required = verified_required(allowed=selectors.works_in_a_department)

ROUTE = application_views.Route(
    step="staff:on_behalf_step", check="staff:on_behalf_check", stop="staff:on_behalf_stop",
    start=lambda draft: reverse("staff:on_behalf"), layout="staff/base.html", on_behalf=True)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class Choice:
    """A service a clerk may file for a caller, with what the channels allow."""

    service: Service
    spec: ServiceDef
    needs_identity_check: bool


def _choices(user: User) -> list[Choice]:
    """Return the services with an online form in the user's departments, by title."""
    found = (active_services().filter(department__in=selectors.departments_of(user))
             .select_related("current_version", "department"))
    choices = []
    for service in found:
        assert service.current_version is not None
        spec = service.current_version.spec
        if spec.form is not None:
            choices.append(Choice(service, spec, services.needs_identity_check(spec)))
    language = (get_language() or "de")[:2]
    return sorted(choices, key=lambda choice: (
        choice.service.title_en if language == "en" else choice.service.title_de).casefold())


def _phone_refusal() -> str:
    return _("This service needs a proof of identity online (BundID). By phone nobody can show "
             "their ID card: the caller must come to the counter with their ID card or passport, "
             "or apply online with BundID.")


@on_behalf_required
def choose(request: HttpRequest) -> HttpResponse:
    """Choose the service and how the applicant reached the town; start the clerk's draft."""
    user = _user(request)
    choices = _choices(user)
    by_slug = {choice.service.slug: choice for choice in choices}
    errors: list[ErrorEntry] = []
    chosen = request.POST.get("service", "")[:100]
    channel = request.POST.get("channel", "")[:20]
    if request.method == "POST":
        choice = by_slug.get(chosen)
        if choice is None:
            errors.append(ErrorEntry("service-0", _("Choose the service to apply for.")))
        if channel not in (FilingChannel.COUNTER, FilingChannel.PHONE):
            errors.append(ErrorEntry("channel-counter", _(
                "Choose whether the applicant is at the counter or on the phone.")))
        elif choice is not None and not services.may_file_by(choice.spec,
                                                             FilingChannel(channel)):
            errors.append(ErrorEntry("channel-phone", _phone_refusal()))
        if not errors and choice is not None:
            try:
                draft = services.start_filing(
                    service=choice.service, language=get_language() or "de",
                    channel=FilingChannel(channel), clerk=user)
            except services.FilingRefused:
                errors.append(ErrorEntry("channel-phone", _phone_refusal()))
            else:
                form = services.form_of(draft)
                return redirect(ROUTE.step_url(draft, form.steps[0]))
    return render(request, "staff/on_behalf/choose.html", {
        "choices": choices, "chosen": chosen, "channel": channel, "errors": errors,
        "error_map": {error.input_id.split("-")[0]: error.message for error in errors},
    }, status=400 if errors else 200)


def _draft(request: HttpRequest, draft_id: str) -> Draft:
    """Return the clerk's own draft, in a department they still work in; else 404."""
    user = _user(request)
    draft = Draft.objects.select_related("service_version__service").filter(
        pk=draft_id, filed_by=user,
        service_version__service__department__in=selectors.departments_of(user)).first()
    if draft is None:
        raise Http404
    draft.answers = sealed.draft_answers(draft)  # let in: the form engine works on them
    return draft


@on_behalf_required
def step(request: HttpRequest, draft_id: str, step_id: str) -> HttpResponse:
    draft = _draft(request, draft_id)
    current = engine.step_by_id(services.form_of(draft), step_id)
    if current is None:
        raise Http404
    # No prefill: the applicant is not signed in, whoever else is in this browser.
    return application_views.walk_step(request, draft, current, route=ROUTE, prefills={})


@on_behalf_required
def stop(request: HttpRequest, draft_id: str, step_id: str) -> HttpResponse:
    return application_views.show_stop(request, _draft(request, draft_id), step_id, route=ROUTE)


@on_behalf_required
def check(request: HttpRequest, draft_id: str) -> HttpResponse:
    """The citizen's check page with the clerk's confirmation of the ID check, then submit."""
    user = _user(request)
    if request.method == "POST":
        done = Submission.objects.filter(draft_key=draft_id, filed_by=user).first()
        if done is not None:  # sent twice (a double click): the one submission
            return redirect("staff:on_behalf_done", reference=done.reference)
    draft = _draft(request, draft_id)
    form = services.form_of(draft)
    missing = engine.first_incomplete(form, draft.answers, draft.completed_steps)
    if missing is not None:
        return redirect(ROUTE.step_url(draft, missing, back_to_check=True))
    spec = draft.service_version.spec
    channel = FilingChannel(draft.channel)
    identity_checked = request.POST.get("identity_checked") == "yes"
    errors: list[ErrorEntry] = []
    if request.method == "POST":
        try:
            submission = services.submit_draft(draft_id=str(draft.pk), clerk=user,
                                               identity_checked=identity_checked,
                                               request=request)
        except services.ApplicationIncomplete as incomplete:
            return redirect(ROUTE.step_url(draft, incomplete.step, back_to_check=True))
        except services.DraftGone as gone:
            raise Http404 from gone
        except services.IdentityNotChecked:
            errors.append(ErrorEntry("identity_checked", _(
                "Confirm that you checked the applicant’s identity with their ID card or "
                "passport. Without it this service cannot be filed at the counter.")))
        except services.FilingRefused:
            errors.append(ErrorEntry("identity_checked", _phone_refusal()))
        else:
            return redirect("staff:on_behalf_done", reference=submission.reference)
    return render(request, "staff/on_behalf/check.html", {
        **application_views.check_context(draft, route=ROUTE),
        "channel": channel, "at_counter": channel == FilingChannel.COUNTER,
        "needs_identity_check": services.needs_identity_check(spec),
        "identity_checked": identity_checked, "errors": errors,
        "email_field": form.confirmation_email,
        "email": draft.answers.get(form.confirmation_email or "") or "",
    }, status=400 if errors else 200)


def _filed(request: HttpRequest, reference: str) -> Submission:
    """Return a submission this clerk filed (and may still see), for its confirmation."""
    user = _user(request)
    found = (selectors.visible_submissions(user)
             .filter(reference=reference[:20], filed_by=user)
             .select_related("service_version", "department").first())
    if found is None:
        raise Http404
    return found


@on_behalf_required
def done(request: HttpRequest, reference: str) -> HttpResponse:
    submission = _filed(request, reference)
    return render(request, "staff/on_behalf/done.html", {
        "submission": submission, "spec": submission.service_version.spec,
        "at_counter": submission.channel == FilingChannel.COUNTER,
    })


@on_behalf_required
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    return application_views.receipt_response(_filed(request, reference))
