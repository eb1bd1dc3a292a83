"""Citizen views of the application process: start, steps, check answers, submit, receipt.

Access to a draft or submission is bound to the browser session that created it, or to a
signed link sent by e-mail; a signed-in citizen's draft to that citizen's sign-in. Ids in URLs
alone open nothing. Every request about a draft passes the service's trust gate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rathaus.catalog.selectors import active_services
from rathaus.catalog.views import trust_gate
from rathaus.core.access import is_verified
from rathaus.forms import engine, prefill
from rathaus.forms.fields.base import CleanContext
from rathaus.forms.fields.registry import field_types
from rathaus.forms.rules import compute_fees
from rathaus.forms.schema import FormDef, ServiceDef, StepDef
from rathaus.identity.levels import TrustLevel, satisfies, session_trust_level
from rathaus.identity.session import current_citizen, session_attributes, session_source

from . import hooks, links, sealed, selectors, services
from .models import Draft, Submission, Upload

DRAFTS = "application_drafts"
SUBMISSIONS = selectors.SUBMISSIONS
# Answers of a step POST the trust gate refused: {draft id: {"step": id, "data": {name: [..]}}}.
KEPT = "application_kept_answers"
KEPT_MAX_VALUES = 400
KEPT_MAX_LENGTH = 10_000


# -- session ownership ---------------------------------------------------------------------


def _remember(request: HttpRequest, key: str, value: str) -> None:
    items = [item for item in request.session.get(key, []) if item != value]
    request.session[key] = [*items[-19:], value]


def _owns(request: HttpRequest, key: str, value: str) -> bool:
    return value in request.session.get(key, [])


def _retention() -> dict[str, int]:
    """Return how long drafts are kept, with and without consent, for the pages that say so."""
    return {"kept_days": settings.RATHAUS_DRAFT_RETENTION_DAYS,
            "unsaved_hours": settings.RATHAUS_UNSAVED_DRAFT_HOURS}


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/draft_gone.html", _retention(), status=404)


def _find_draft(request: HttpRequest, draft_id: str) -> Draft | None:
    """Return the draft if this session may open it, at least after signing in.

    An anonymous draft opens in the session that started it. A citizen's draft opens only for
    that citizen: anyone else signed in gets "not found"; a session without a sign-in (say,
    after signing out) gets the draft here only so that the trust gate can ask for the
    sign-in, which it always does for a citizen's draft (at least basic).
    """
    draft = selectors.draft_with_service(draft_id)
    if draft is None or draft.filed_by_id is not None:
        return None  # a draft a clerk files for a caller opens in the staff area only
    if draft.citizen_id is None:
        return draft if _owns(request, DRAFTS, str(draft.pk)) else None
    citizen = current_citizen(request)
    return draft if citizen is None or citizen.pk == draft.citizen_id else None


def _required_level(draft: Draft) -> TrustLevel:
    """The service's level; a citizen's draft needs a sign-in whatever the service asks."""
    required = draft.service_version.spec.required_trust_level
    return max(required, TrustLevel.BASIC) if draft.citizen_id is not None else required


def _gate(request: HttpRequest, draft: Draft, *, kept: bool = False) -> HttpResponse | None:
    """Return the sign-in page when the session's level is below what the draft needs."""
    return trust_gate(request, draft.service_version.service, draft.service_version.spec,
                      at_least=_required_level(draft), kept=kept,
                      owned=draft.citizen_id is not None)


def _open(request: HttpRequest, draft_id: str) -> Draft | HttpResponse:
    """Return the draft when this session may open it at its level, else the page instead."""
    draft = _find_draft(request, draft_id)
    if draft is None:
        return _gone(request)
    gate = _gate(request, draft)
    if gate is not None:
        return gate
    draft.answers = sealed.draft_answers(draft)  # let in: the form engine works on them
    return draft


def _keep_answers(request: HttpRequest, draft: Draft, step: StepDef) -> bool:
    """Keep what was posted for a step in the session, to show again after the sign-in.

    Nothing goes into the draft: the POST was refused. Only the step's own inputs are kept,
    within limits; files are not (they were never looked at).
    """
    names = set()
    for item in step.fields:
        names.add(item.id)
        if item.repeat is None:
            names.update(child.id for child in item.fields or [])
    data: dict[str, list[str]] = {}
    for key in list(request.POST.keys())[:KEPT_MAX_VALUES]:
        if key.split("-", 1)[0] in names:
            data[key] = [value[:KEPT_MAX_LENGTH] for value in request.POST.getlist(key)[:50]]
    if not data:
        return False
    kept = dict(request.session.get(KEPT, {}))
    kept.pop(str(draft.pk), None)
    kept = dict(list(kept.items())[-4:])  # a few drafts at most
    form = draft.service_version.spec.form
    # Typed health data wait in the session (the database) sealed, as in the draft.
    sensitive = form is not None and bool(sealed.sensitive_ids(form) & names)
    hold = sealed.seal_typed(data) if sensitive else data
    kept[str(draft.pk)] = {"step": step.id, "data": hold}
    request.session[KEPT] = kept
    return True


def _take_kept(request: HttpRequest, draft: Draft, step: StepDef) -> QueryDict | None:
    """Return (and forget) the answers kept for this step of the draft, if there are any."""
    kept = request.session.get(KEPT, {})
    entry = kept.get(str(draft.pk)) if isinstance(kept, dict) else None
    if not isinstance(entry, dict) or entry.get("step") != step.id:
        return None
    request.session[KEPT] = {key: value for key, value in kept.items() if key != str(draft.pk)}
    data = QueryDict(mutable=True)
    for key, values in (sealed.open_typed(entry.get("data")) or {}).items():
        if isinstance(key, str) and isinstance(values, list):
            data.setlist(key, [str(value) for value in values])
    return data


def _forget_kept(request: HttpRequest, draft: Draft) -> None:
    kept = request.session.get(KEPT)
    if isinstance(kept, dict) and str(draft.pk) in kept:
        request.session[KEPT] = {key: value for key, value in kept.items()
                                 if key != str(draft.pk)}


def _prefills(request: HttpRequest, step: StepDef) -> dict[str, prefill.Prefill]:
    return prefill.step_prefills(step, session_attributes(request))


@dataclass(frozen=True)
class Route:
    """Where the pages of a draft's way through the form live, and in which layout.

    The citizen's pages and the staff area's (a clerk filing for a caller, decision 0027) walk
    the same steps with the same engine; only the addresses and the frame around them differ.
    """

    step: str = "applications:step"
    check: str = "applications:check"
    stop: str = "applications:stop"
    start: Callable[[Draft], str] = lambda draft: reverse(
        "applications:start", kwargs={"slug": draft.service_version.service.slug})
    layout: str = "base.html"
    on_behalf: bool = False  # no "save for later", no resume link: the clerk finishes now

    def step_url(self, draft: Draft, step: StepDef, *, back_to_check: bool = False) -> str:
        url = reverse(self.step, kwargs={"draft_id": draft.pk, "step_id": step.id})
        return f"{url}?return=check" if back_to_check else url

    def check_url(self, draft: Draft) -> str:
        return reverse(self.check, kwargs={"draft_id": draft.pk})

    def context(self) -> dict[str, Any]:
        return {"layout": self.layout, "on_behalf": self.on_behalf, "step_route": self.step}


CITIZEN = Route()


def _step_url(draft: Draft, step: StepDef, *, back_to_check: bool = False) -> str:
    return CITIZEN.step_url(draft, step, back_to_check=back_to_check)


def _check_url(draft: Draft) -> str:
    return CITIZEN.check_url(draft)


# -- start -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(active_services().select_related("current_version"), slug=slug)
    assert service.current_version is not None
    spec = service.current_version.spec
    if spec.form is None:
        raise Http404
    gate = trust_gate(request, service)
    if gate is not None:
        return gate
    if request.method == "POST":
        draft = services.start_draft(service=service, language=get_language() or "de",
                                     trust_level=session_trust_level(request),
                                     citizen=current_citizen(request))
        _remember(request, DRAFTS, str(draft.pk))
        return redirect(_step_url(draft, spec.form.steps[0]))
    return render(request, "applications/start.html",
                  {"service": service, "spec": spec, **_retention()})


# -- steps -----------------------------------------------------------------------------------


def _step_context(draft: Draft, spec: ServiceDef, step: StepDef, form: engine.StepForm,
                  request: HttpRequest, route: Route) -> dict[str, Any]:
    steps = engine.active_steps(form.form, draft.answers)
    ids = [item.id for item in steps]
    number = ids.index(step.id) + 1 if step.id in ids else 1
    previous = engine.previous_step(form.form, draft.answers, step)
    return {
        **route.context(),
        "draft": draft,
        "spec": spec,
        "step": step,
        "form": form,
        "errors": form.errors,
        "step_number": number,
        "step_total": len(steps),
        "back_url": route.step_url(draft, previous) if previous else route.start(draft),
        "return_to_check": request.GET.get("return") == "check",
    }


def _shifted(data: QueryDict, group_id: str, *, remove: int | None, count: int) -> QueryDict:
    """Copy posted data with one repeated item removed (later items move up) or one added."""
    result = QueryDict(mutable=True)
    for key in data:
        values = data.getlist(key)
        prefix = f"{group_id}-"
        if key.startswith(prefix) and key != f"{group_id}-count":
            index_text, _sep, rest = key[len(prefix):].partition("-")
            if index_text.isdigit() and remove is not None:
                index = int(index_text)
                if index == remove:
                    continue
                if index > remove:
                    key = f"{prefix}{index - 1}-{rest}"
        result.setlist(key, values)
    result[f"{group_id}-count"] = str(count)
    return result


def _group_action(
    request: HttpRequest, draft: Draft, spec: ServiceDef, form: FormDef, step: StepDef,
    action: str, ctx: CleanContext, route: Route, prefills: dict[str, prefill.Prefill],
) -> HttpResponse | None:
    """Handle 'add another' and 'remove' buttons without JavaScript: re-render, keep input."""
    verb, _sep, target = action.partition(":")
    group_id, _sep, index_text = target.partition(":")
    group = next((item for item in step.fields if item.id == group_id and item.repeat), None)
    if verb not in {"add", "remove"} or group is None or group.repeat is None:
        return None
    first = engine.StepForm(form=form, step=step, answers=draft.answers,
                            data=request.POST, files=request.FILES, ctx=ctx, prefills=prefills)
    first.bind(validate=False)
    data = request.POST.copy()
    for bound in first.fields:
        for item in bound.items:
            for child in item.fields:
                if isinstance(child.raw, dict) and child.raw.get("upload"):
                    data[f"{child.name}-current"] = child.raw["upload"]["id"]
        if isinstance(bound.raw, dict) and bound.raw.get("upload"):
            data[f"{bound.name}-current"] = bound.raw["upload"]["id"]
    count = next(b.count for b in first.fields if b.field.id == group_id)
    if verb == "add":
        count = min(count + 1, group.repeat.max)
        data = _shifted(data, group_id, remove=None, count=count)
    else:
        if not index_text.isdigit() or int(index_text) >= count:
            return None
        count = max(count - 1, group.repeat.min)
        data = _shifted(data, group_id, remove=int(index_text), count=count)
    second = engine.StepForm(form=form, step=step, answers=draft.answers, data=data,
                             files=MultiValueDict(), ctx=ctx, prefills=prefills)
    second.bind(validate=False)
    context = _step_context(draft, spec, step, second, request, route)
    context["focus_group"] = group_id
    return render(request, "applications/step.html", context)


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, draft_id: str, step_id: str) -> HttpResponse:
    draft = _find_draft(request, draft_id)
    if draft is None:
        return _gone(request)
    spec = draft.service_version.spec
    assert spec.form is not None
    current = engine.step_by_id(spec.form, step_id)
    if not satisfies(achieved=session_trust_level(request), required=_required_level(draft)):
        # Refused before anything is read into the draft; what was typed waits in the session
        # so that the citizen, back from signing in, finds this step as they left it.
        kept = request.method == "POST" and current is not None and _keep_answers(
            request, draft, current)
        gate = _gate(request, draft, kept=kept)
        assert gate is not None
        return gate
    if current is None:
        raise Http404
    draft.answers = sealed.draft_answers(draft)  # let in: the form engine works on them
    elsewhere = _outside_town(request, draft)
    if elsewhere is not None:
        return elsewhere
    return walk_step(request, draft, current, route=CITIZEN,
                     prefills=_prefills(request, current))


def walk_step(request: HttpRequest, draft: Draft, current: StepDef, *, route: Route,
              prefills: dict[str, prefill.Prefill]) -> HttpResponse:
    """Show or take one step of a draft the caller has let in (its answers opened).

    The one way through a form, for the citizen's pages and the staff area's alike: the
    order of steps, repeated groups, validation with input kept, exit pages, "return to the
    check page". The caller has checked who may open the draft.
    """
    spec = draft.service_version.spec
    form_def = services.form_of(draft)
    current = engine.step_by_id(form_def, current.id) or current
    if current.id not in {item.id for item in engine.active_steps(form_def, draft.answers)}:
        following = engine.first_incomplete(form_def, draft.answers, draft.completed_steps)
        return redirect(route.step_url(draft, following) if following
                        else route.check_url(draft))
    # A later step opens only after the earlier ones are answered (and no exit page applies).
    unanswered = engine.first_incomplete(form_def, draft.answers, draft.completed_steps)
    order = [item.id for item in form_def.steps]
    if unanswered is not None and order.index(unanswered.id) < order.index(current.id):
        return redirect(route.step_url(draft, unanswered,
                                       back_to_check=request.GET.get("return") == "check"))

    if request.method == "GET":
        typed = _take_kept(request, draft, current)
        form = engine.StepForm(form=form_def, step=current, answers=draft.answers, data=typed,
                               kept=typed is not None, prefills=prefills)
        form.bind(validate=False)
        return render(request, "applications/step.html",
                      _step_context(draft, spec, current, form, request, route))

    _forget_kept(request, draft)
    ctx = CleanContext(today=timezone.localdate(), uploads=services.DraftUploads(draft))
    action = request.POST.get("action", "continue")
    if action == "save" and not route.on_behalf:
        # Keep whatever on this page is already valid, then offer the resume link.
        partial = engine.StepForm(form=form_def, step=current, answers=draft.answers,
                                  data=request.POST, files=request.FILES, ctx=ctx,
                                  prefills=prefills)
        partial.bind(validate=True)
        services.save_partial(draft=draft, step=current, values=partial.values)
        return redirect("applications:save", draft_id=draft.pk)
    if action != "continue":
        handled = _group_action(request, draft, spec, form_def, current, action, ctx, route,
                                prefills)
        if handled is not None:
            return handled
    form = engine.StepForm(form=form_def, step=current, answers=draft.answers,
                           data=request.POST, files=request.FILES, ctx=ctx, prefills=prefills)
    if not form.bind(validate=True):
        return render(request, "applications/step.html",
                      _step_context(draft, spec, current, form, request, route))
    draft = services.save_step(draft=draft, step=current, values=form.values)
    stop = engine.triggered_stop(current, draft.answers)
    if stop is not None:
        return redirect(route.stop, draft_id=draft.pk, step_id=current.id)
    if request.GET.get("return") == "check":
        missing = engine.first_incomplete(form_def, draft.answers, draft.completed_steps)
        return redirect(route.step_url(draft, missing, back_to_check=True) if missing
                        else route.check_url(draft))
    following = engine.next_step(form_def, draft.answers, current)
    return redirect(route.step_url(draft, following) if following else route.check_url(draft))


def _outside_town(request: HttpRequest, draft: Draft) -> HttpResponse | None:
    """Return the exit page when a verified address the service needs in the town is not."""
    spec = draft.service_version.spec
    assert spec.form is not None
    found = prefill.outside_town(spec.form, session_attributes(request))
    if found is None:
        return None
    item, offered = found
    ftype = field_types[item.type]
    return render(request, "applications/outside_town.html", {
        "draft": draft, "spec": spec, "field": item,
        "address": ftype.display(item, offered.value, get_language()),
        "town_name": settings.RATHAUS_TOWN["city"],
    })


def stop(request: HttpRequest, draft_id: str, step_id: str) -> HttpResponse:
    draft = _open(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    return show_stop(request, draft, step_id, route=CITIZEN)


def show_stop(request: HttpRequest, draft: Draft, step_id: str, *, route: Route) -> HttpResponse:
    """Show the exit page a step's answer leads to (or the check page when none applies)."""
    spec = draft.service_version.spec
    assert spec.form is not None
    current = engine.step_by_id(spec.form, step_id)
    exit_page = engine.triggered_stop(current, draft.answers) if current else None
    if current is None or exit_page is None:
        return redirect(route.check_url(draft))
    return render(request, "applications/stop.html",
                  {**route.context(), "draft": draft, "spec": spec, "stop": exit_page,
                   "change_url": route.step_url(draft, current),
                   "home_url": route.start(draft) if route.on_behalf else reverse(
                       "catalog:home")})


# -- check and submit ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, draft_id: str) -> HttpResponse:
    if request.method == "POST":
        done = Submission.objects.filter(draft_key=draft_id).first()
        citizen = current_citizen(request)
        if done is not None and (
            _owns(request, DRAFTS, str(draft_id))
            or (citizen is not None and done.citizen_id == citizen.pk)
        ):
            _remember(request, SUBMISSIONS, done.reference)
            return redirect("applications:confirmation", reference=done.reference)
    draft = _open(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    spec = draft.service_version.spec
    assert spec.form is not None
    attributes = session_attributes(request)
    elsewhere = _outside_town(request, draft)
    if elsewhere is not None:
        return elsewhere
    missing = engine.first_incomplete(spec.form, draft.answers, draft.completed_steps)
    if missing is not None:
        return redirect(_step_url(draft, missing, back_to_check=True))
    context = check_context(
        draft, route=CITIZEN,
        verified=prefill.verified_answers(spec.form, draft.answers, attributes))
    if request.method == "POST":
        options = [option.value for option in context["payment_options"]]
        method = request.POST.get("payment_method", "")
        if not method and len(options) == 1:
            method = options[0]  # the one way offered needs no choosing
        if options and method not in options:
            context["errors"] = [engine.ErrorEntry("payment_method-0", _(
                "Choose how you want to pay the fee."))]
            context["payment_error"] = context["errors"][0].message
            context["payment_choice"] = method
            return render(request, "applications/check.html", context, status=400)
        try:
            source = session_source(request)
            submission = services.submit_draft(
                draft_id=str(draft.pk), citizen=current_citizen(request),
                trust_level=session_trust_level(request), identity=attributes,
                identity_source=source.value if source is not None else "bundid",
                payment_method=method)
        except services.ApplicationIncomplete as incomplete:
            return redirect(_step_url(draft, incomplete.step, back_to_check=True))
        except services.DraftGone:
            return _gone(request)
        _remember(request, SUBMISSIONS, submission.reference)
        # Stored and sealed whatever happens next: the pay page, or the confirmation.
        pay_url = hooks.after_submit.call(request, submission=submission)
        return redirect(pay_url or reverse("applications:confirmation",
                                           kwargs={"reference": submission.reference}))
    return render(request, "applications/check.html", context)


def check_context(draft: Draft, *, route: Route,
                  verified: Collection[str] = ()) -> dict[str, Any]:
    """Return what the check page shows of a complete draft: answers by step, fees, and how
    the fee can be paid (citizens only: a clerk filing on behalf takes no payment)."""
    form = services.form_of(draft)
    lines, total = compute_fees(form, draft.answers)
    spec = draft.service_version.spec
    options = [] if route.on_behalf else hooks.payment_methods.call(spec=spec, fee_total=total)
    return {
        **route.context(),
        "draft": draft,
        "spec": spec,
        "sections": engine.summarize(form, draft.answers, get_language(), verified=verified),
        "fee_lines": lines,
        "fee_total": total,
        "payment_options": options,
        "payment_choice": options[0].value if len(options) == 1 else "",
        "back_url": route.step_url(draft, engine.active_steps(form, draft.answers)[-1]),
    }


def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    if not _owns(request, SUBMISSIONS, reference):
        return _gone(request)
    submission = get_object_or_404(Submission.objects.select_related("service_version"),
                                   reference=reference)
    token = links.status_token(submission)
    return render(request, "applications/confirmation.html", {
        "submission": submission,
        "spec": submission.service_version.spec,
        "status_url": links.status_url(submission),
        "receipt_by_mail": not selectors.has_sensitive_answers(submission),
        "payment_sections": hooks.payment_sections.call(
            request, submission=submission, token=token, place="confirmation"),
    })


def receipt_response(submission: Submission) -> HttpResponse:
    """Return the receipt PDF as a download that no cache keeps."""
    pdf = services.ensure_receipt(submission=submission)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = _("receipt-%(reference)s.pdf") % {"reference": submission.reference}
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    if not _owns(request, SUBMISSIONS, reference):
        return _gone(request)
    submission = get_object_or_404(Submission, reference=reference)
    return receipt_response(submission)


def _status_page(request: HttpRequest, submission: Submission, token: str, *,
                 status: int = 200) -> HttpResponse:
    """Show the state; the receipt only to who may open the answers (selectors)."""
    citizen = current_citizen(request)
    receipt_open = selectors.may_open_answers(request, submission)
    response = render(request, "applications/status.html", {
        "submission": submission,
        "spec": submission.service_version.spec,
        "token": token,
        "receipt_open": receipt_open,
        "case_sections": hooks.citizen_case_sections.call(
            request, submission=submission, token=token, answers_open=receipt_open),
        "payment_sections": hooks.payment_sections.call(
            request, submission=submission, token=token, place="status"),
        "sign_in_level": selectors.answers_level(submission),
        "owner_known": submission.citizen_id is not None,
        "signed_in_other": citizen is not None and citizen.pk != submission.citizen_id,
        "current_level": session_trust_level(request),
    }, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def status(request: HttpRequest, token: str) -> HttpResponse:
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    return _status_page(request, submission, token)


def status_receipt(request: HttpRequest, token: str) -> HttpResponse:
    submission = selectors.submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    if not selectors.may_open_answers(request, submission):
        return _status_page(request, submission, token, status=403)
    return receipt_response(submission)


# -- save for later, resume ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def save_for_later(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft = _open(request, draft_id)
    if isinstance(draft, HttpResponse):
        return draft
    spec = draft.service_version.spec
    errors: list[engine.ErrorEntry] = []
    email = draft.resume_email
    if request.method == "POST":
        email = request.POST.get("email", "").strip()[:254]
        consent = request.POST.get("consent") == "yes"
        try:
            validate_email(email)
        except ValidationError:
            errors.append(engine.ErrorEntry("email", _(
                "Enter an e-mail address in the form name@example.de."
            )))
        if not consent:
            errors.append(engine.ErrorEntry("consent", _(
                "Agree that we keep your answers, so that we can send you the link."
            )))
        if not errors:
            services.offer_resume_link(draft=draft, email=email)
            return render(request, "applications/saved.html",
                          {"draft": draft, "spec": spec, "email": email, **_retention()})
    return render(request, "applications/save.html", {
        "draft": draft, "spec": spec, "errors": errors, "email": email,
        "error_map": {error.input_id: error.message for error in errors}, **_retention(),
    })


def resume(request: HttpRequest, token: str) -> HttpResponse:
    draft_id = links.draft_from_token(token)
    draft = Draft.objects.select_related("service_version__service").filter(
        pk=draft_id).first() if (
        draft_id
    ) else None
    if draft is None:
        return render(request, "applications/link_invalid.html", status=404)
    if draft.citizen_id is not None:
        # A citizen's draft: the link alone does not open it, the citizen's sign-in does.
        citizen = current_citizen(request)
        if citizen is not None and citizen.pk != draft.citizen_id:
            return render(request, "applications/link_invalid.html", status=404)
    gate = _gate(request, draft)
    if gate is not None:
        return gate
    _remember(request, DRAFTS, str(draft.pk))
    draft.answers = sealed.draft_answers(draft)
    spec = draft.service_version.spec
    assert spec.form is not None
    missing = engine.first_incomplete(spec.form, draft.answers, draft.completed_steps)
    return redirect(_step_url(draft, missing) if missing else _check_url(draft))


# -- files -----------------------------------------------------------------------------------


def _filer_of_draft(request: HttpRequest, upload: Upload) -> bool:
    """Return whether the upload belongs to a draft this verified clerk files for a caller."""
    if upload.draft_id is None or not is_verified(request.user):
        return False
    return Draft.objects.filter(pk=upload.draft_id, filed_by_id=request.user.pk).exists()


def upload_file(request: HttpRequest, upload_id: str) -> HttpResponseBase:
    key = services.parse_uuid(upload_id)
    upload = Upload.objects.filter(pk=key).first() if key else None
    if upload is None:
        raise Http404
    if _filer_of_draft(request, upload):
        handle = sealed.file_for_citizen(upload.file)  # the clerk's own draft, as for a citizen
    # Staff: signed in with the second factor, in the submission's department; logged.
    elif not hooks.staff_may_download.call(request, upload):
        # Anything but this session's own draft answers exactly as an unknown id does, so that
        # a guessed or forwarded link tells nothing: a citizen's draft without its citizen
        # signed in is "not found" too, not the sign-in page (which would confirm the file).
        draft = _find_draft(request, str(upload.draft_id)) if upload.draft_id else None
        if draft is None or (draft.citizen_id is not None and current_citizen(request) is None):
            raise Http404
        gate = _gate(request, draft)
        if gate is not None:
            return gate  # the owner, signed in below the service's level: step up
        handle = sealed.file_for_citizen(upload.file)
    else:
        handle = sealed.file_for_staff(request, upload)
    response = FileResponse(handle, content_type=upload.content_type,
                            as_attachment=True, filename=upload.original_name)
    response["Cache-Control"] = "private, no-store"
    return response

