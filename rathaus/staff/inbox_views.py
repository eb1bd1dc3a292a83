"""The department's workbasket and case pages: a clerk works the cases of their departments only.

Every opened case and every opened attachment is in the audit log and the case's timeline.
Asking for a case of another department answers 404, as for one that does not exist, so that
guessing references tells nothing; the attempt is logged too. Writes go through
rathaus.cases.services, which checks the workflow and the version the page was shown with.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.applications import sealed
from rathaus.applications.models import Submission, Upload
from rathaus.applications.selectors import verification_marks
from rathaus.appointments.staff_views import ErrorEntry, form_errors
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.cases import conversation, notice_content, notice_delivery
from rathaus.cases import selectors as cases
from rathaus.cases import services as case_services
from rathaus.cases.models import (
    Attention,
    Case,
    CaseNotice,
    CaseState,
    FeeState,
    NoticeStatus,
    Notified,
    Outcome,
)
from rathaus.cases.services import CaseChanged, CaseError, InvalidInput
from rathaus.cases.text_blocks import blocks_for, fill, values_for
from rathaus.catalog.models import Service
from rathaus.core.access import is_verified, verified_required
from rathaus.forms.engine import summarize
from rathaus.notices.services import NoticeTampered, issued_pdf
from rathaus.payments import selectors as payment_selectors

from . import selectors
from .case_forms import (
    AssignForm,
    HoldForm,
    MessageForm,
    NoteForm,
    NoticeActionForm,
    NoticeDraftForm,
    PostedForm,
    TransitionForm,
    WorkbasketFilterForm,
)

PAGE_SIZES = (10, 25, 50)
PAGE_SIZE = 50


class CountedPaginator(Paginator[dict[str, Any]]):
    """A paginator told how many objects there are, instead of counting them again.

    The workbasket has counted its cases per state under the same filters already; the list's
    length is the sum over the states it shows. On a department with 100,000 cases that saves
    a count over tens of thousands of rows per page (docs/performance.md).
    """

    def __init__(self, object_list: QuerySet[Case, dict[str, Any]], per_page: int, *,
                 count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count

PREVIEW_TYPES = ("application/pdf", "image/jpeg", "image/png")
inbox_required = verified_required(allowed=selectors.works_in_a_department)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _people(department_ids: list[int]) -> list[tuple[int, str]]:
    """Staff of the departments, for the assignee choices (one query)."""
    found = (User.objects.filter(is_active=True,
                                 department_memberships__department_id__in=department_ids)
             .distinct().order_by("last_name", "first_name", "username"))
    return [(person.pk, _name(person)) for person in found]


def _filter_form(request: HttpRequest, department_ids: list[int],
                 people: list[tuple[int, str]]) -> WorkbasketFilterForm:
    language = (get_language() or "de")[:2]
    services = [(pk, title_en if language == "en" else title_de)
                for pk, title_de, title_en in Service.objects.filter(
                    department_id__in=department_ids).order_by("title_de")
                .values_list("pk", "title_de", "title_en")]
    query = request.GET.copy()
    for ignored in ("page", "size"):
        query.pop(ignored, None)
    form = WorkbasketFilterForm(query if query else None, services=services, people=people)
    if form.is_bound:
        form.is_valid()
    return form


def _workbasket_cases(request: HttpRequest, form: WorkbasketFilterForm,
                      department_ids: list[int]) -> QuerySet[Case]:
    filters = form.filters()
    found = cases.filtered(cases.cases_in(department_ids), filters, user_id=_user(request).pk)
    return cases.sorted_cases(found, filters.sort)


# Only the columns a row shows (and the assign buttons post), as plain values: a page has
# fifty rows, and model instances for them and their services and assignees cost more than
# the query (docs/performance.md).
ROW_COLUMNS = ("pk", "reference", "version", "state", "outcome", "attention", "fee",
               "received_at", "due_at", "applicant_name", "service__title_de", "service__title_en",
               "assignee__username", "assignee__first_name", "assignee__last_name")


@inbox_required
def submissions(request: HttpRequest) -> HttpResponse:
    """The workbasket: the departments' cases, filtered, counted per state, a page at a time."""
    user = _user(request)
    staff = selectors.colleagues(user)
    department_ids = [department.pk for department in staff.departments]
    form = _filter_form(request, department_ids, staff.people)
    filters = form.filters()
    counts = cases.counts_for(department_ids, filters, user_id=user.pk)
    size = request.GET.get("size", "")
    page_size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else PAGE_SIZE
    shown = filters.states or tuple(counts)
    page = CountedPaginator(_workbasket_cases(request, form, department_ids)
                            .values(*ROW_COLUMNS), page_size,
                            count=sum(counts[state] for state in shown if state in counts)
                            ).get_page(request.GET.get("page"))
    errors = form_errors(form) if form.is_bound else []
    return render(request, "staff/submissions.html", {
        "page": page, "rows": _rows_html(list(page.object_list)), "form": form,
        "errors": errors, "departments": staff.departments, "leads": staff.leads,
        "people": staff.people,
        "counts": [(CaseState(state).label, state, count) for state, count in counts.items()],
        "filtered": form.is_bound, "back": request.GET.urlencode(),
        "page_size": page_size, "page_sizes": PAGE_SIZES,
    }, status=400 if errors else 200)


_ROW = (
    '<tr class="kern-table__row"><td class="kern-table__cell"><div class="kern-form-check">'
    '<input class="kern-form-check__checkbox" type="checkbox" id="pick-{pk}" name="cases" '
    'value="{pick}"><label class="kern-label" for="pick-{pk}"><span class="kern-sr-only">'
    '{select}</span></label></div></td>'
    '<td class="kern-table__cell"><a class="kern-link reference" href="{url}">{reference}</a>'
    '</td><td class="kern-table__cell">{service}</td>'
    '<td class="kern-table__cell">{applicant}</td><td class="kern-table__cell">{state}{attention}'
    '{fee}</td><td class="kern-table__cell">{received}</td><td class="kern-table__cell">{due}</td>'
    '<td class="kern-table__cell">{assignee}</td></tr>\n')
_TAKE = ('<button class="kern-btn kern-btn--tertiary kern-btn--small" type="submit" '
         'name="take" value="{pick}"><span class="kern-label">{take}<span class="kern-sr-only">'
         ' ({reference})</span></span></button>')


def _rows_html(page: list[dict[str, Any]]) -> SafeString:
    """The table rows of a page of cases (from ROW_COLUMNS), written out in one pass.

    Fifty rows of a dozen cells through the template engine took longer than everything else
    on the page; every value is escaped here as the template would (docs/performance.md).
    """
    now = timezone.now()
    url = reverse("staff:submission", args=["REFERENCE"])
    states = {state: str(label) for state, label in CaseState.choices}
    outcomes = {outcome: str(label) for outcome, label in Outcome.choices}
    attention = {value: str(label) for value, label in Attention.choices}
    fees = {value: escape(label) for value, label in FeeState.choices}
    select, take, late = _("Select %(reference)s"), _("Assign to me"), escape(_("overdue"))
    english = (get_language() or "de")[:2] == "en"
    open_states = set(cases.OPEN_STATES)

    days: dict[date, str] = {}

    def day(moment: datetime | None) -> str:
        # Sorted lists have runs of cases of the same day: format each day once.
        if moment is None:
            return ""
        local = timezone.localtime(moment).date()
        if local not in days:
            days[local] = formats.date_format(local, "SHORT_DATE_FORMAT")
        return days[local]

    lines = []
    for case in page:
        reference = escape(case["reference"])
        pick = f"{case['pk']}:{case['version']}"
        state = states.get(case["state"], case["state"]) + (
            f": {outcomes.get(case['outcome'], case['outcome'])}" if case["outcome"] else "")
        due_at = case["due_at"]
        due = escape(day(due_at)) if due_at else "–"
        if due_at is not None and case["state"] in open_states and due_at < now:
            due += f' <strong class="overdue">{late}</strong>'
        flag = case["attention"]
        name = (" ".join(part for part in (case["assignee__first_name"],
                                           case["assignee__last_name"]) if part)
                or case["assignee__username"])
        lines.append(_ROW.format(
            pk=case["pk"], pick=pick, select=escape(select % {"reference": case["reference"]}),
            url=escape(url.replace("REFERENCE", case["reference"])), reference=reference,
            service=escape((case["service__title_en"] if english else "")
                           or case["service__title_de"]),
            applicant=escape(case["applicant_name"] or "–"), state=escape(state),
            attention=(f' <strong class="attention attention--{escape(flag)}">'
                       f'{escape(attention.get(flag, ""))}</strong>') if flag else "",
            fee=(f' <span class="fee fee--{escape(case["fee"])}">{fees.get(case["fee"], "")}'
                 '</span>') if case["fee"] else "",
            received=escape(day(case["received_at"])), due=due,
            assignee=escape(name) if name else _TAKE.format(
                pick=pick, take=escape(take), reference=reference)))
    return mark_safe("".join(lines))  # every value above is escaped


def _back(request: HttpRequest) -> str:
    """The workbasket with the filters the action was posted from (never another address)."""
    query = QueryDict(request.POST.get("back", "")[:2000])
    return reverse("staff:submissions") + ("?" + query.urlencode() if query else "")


@inbox_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """Assign cases from the workbasket: "assign to me" on a row, or the ticked ones."""
    user = _user(request)
    staff = selectors.colleagues(user)
    department_ids = [department.pk for department in staff.departments]
    take = request.POST.get("take", "")
    if take:
        targets, assignee = [take], user
    else:
        targets = request.POST.getlist("cases")
        chosen = request.POST.get("assignee", "")
        people = dict(staff.people)
        if chosen == "me":
            assignee = user
        elif chosen.isdigit() and int(chosen) in people:
            assignee = User.objects.get(pk=int(chosen))
        else:
            messages.error(request, _("Choose whom to assign the cases to."))
            return redirect(_back(request))
    if not targets:
        messages.error(request, _("Tick at least one case to assign."))
        return redirect(_back(request))
    done = 0
    for target in targets[:200]:
        case_id, _sep, version = target.partition(":")
        case = (cases.cases_in(department_ids).filter(pk=int(case_id)).first()
                if case_id.isdigit() and version.isdigit() else None)
        if case is None:
            messages.error(request, _("A case you chose is no longer there."))
            continue
        try:
            case_services.assign_case(case_id=case.pk, assignee=assignee, actor=user,
                                      expected_version=int(version))
        except CaseChanged as changed:
            messages.error(request, _("%(reference)s: not assigned, because meanwhile %(what)s")
                           % {"reference": case.reference, "what": _changes(changed)})
        except CaseError as error:
            messages.error(request, _("%(reference)s: %(message)s")
                           % {"reference": case.reference, "message": error.message})
        else:
            done += 1
    if done:
        messages.success(request, ngettext(
            "%(count)d case assigned to %(name)s.", "%(count)d cases assigned to %(name)s.",
            done) % {"count": done, "name": _name(assignee)})
    return redirect(_back(request))


def _csv_cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula is quoted.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@inbox_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered workbasket as CSV: the table's columns, no answers (so no health data)."""
    staff = selectors.colleagues(_user(request))
    department_ids = [department.pk for department in staff.departments]
    form = _filter_form(request, department_ids, staff.people)
    found = list(_workbasket_cases(request, form, department_ids)
                 .select_related("service", "assignee")[:100_000])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # spreadsheet programs then read it as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Reference"), _("Service"), _("Applicant"), _("E-mail address"),
                     _("State"), _("Outcome"), _("Assigned to"), _("Received on"),
                     _("Due on")])
    for case in found:
        writer.writerow([_csv_cell(value) for value in (
            case.reference, case.service.title, case.applicant_name, case.email,
            str(case.get_state_display()), str(case.get_outcome_display()),
            _name(case.assignee), timezone.localtime(case.received_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(case.due_at).strftime("%Y-%m-%d") if case.due_at else "")])
    record(action=Action.CASES_EXPORTED, request=request,
           object_type="cases.case", object_id=str(len(found)),
           message=request.GET.urlencode()[:500])
    return response


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    reference = reference.strip().upper()[:20]
    found = (Case.objects.filter(
        submission__in=selectors.visible_submissions(request.user), reference=reference)
        .select_related("submission__service_version", "service", "department", "assignee",
                        "legal_hold_by")
        .first())
    if found is None:
        elsewhere = (Submission.objects.filter(reference=reference)
                     .values_list("department_id", flat=True).first())
        record(action=Action.SUBMISSION_DENIED, request=request,
               object_type="applications.submission", object_id=reference,
               department=elsewhere,
               message="not in the user's departments" if elsewhere else "no such reference")
        raise Http404
    return found


def _changes(changed: CaseChanged) -> str:
    said = [_("%(who)s: %(what)s") % {"who": cases.actor_name(event),
                                      "what": cases.event_text(event)}
            for event in changed.changes]
    return "; ".join(said) or _("the case was changed")


def _act(request: HttpRequest, case: Case) -> tuple[list[ErrorEntry], str, CaseChanged | None]:
    """Carry out the posted action; return errors, the failed transition and a stale write."""
    user = _user(request)
    action = request.POST.get("action", "")
    try:
        if action == "note":
            note = NoteForm(request.POST)
            if not note.is_valid():
                return form_errors(note), "", None
            case_services.add_note(case_id=case.pk, text=note.cleaned_data["text"], actor=user,
                                   expected_version=note.cleaned_data["version"])
            messages.success(request, _("The note is saved."))
        elif action == "transition":
            step = TransitionForm(request.POST)
            if not step.is_valid():
                return [ErrorEntry("transitions", _("This step is not possible."))], "", None
            try:
                case_services.change_state(
                    case_id=case.pk, to=step.cleaned_data["to"], actor=user,
                    expected_version=step.cleaned_data["version"],
                    outcome=step.cleaned_data["outcome"],
                    forwarded_to=step.cleaned_data["forwarded_to"])
            except InvalidInput as error:
                return [ErrorEntry(f"id_{error.field}", str(error.message))], \
                    step.cleaned_data["to"], None
            messages.success(request, _("The case is now “%(state)s”.")
                             % {"state": cases.state_label(step.cleaned_data["to"])})
        elif action in ("hold", "lift_hold"):
            hold = HoldForm(request.POST)
            if not hold.is_valid():
                return form_errors(hold), "", None
            if action == "hold":
                case_services.set_legal_hold(
                    case_id=case.pk, reason=hold.cleaned_data["reason"], actor=user,
                    expected_version=hold.cleaned_data["version"], request=request)
                messages.success(request, _("The case is under legal hold: it is not deleted "
                                            "until the hold is lifted."))
            else:
                case_services.lift_legal_hold(case_id=case.pk, actor=user,
                                              expected_version=hold.cleaned_data["version"],
                                              request=request)
                messages.success(request, _("The legal hold is lifted."))
        elif action == "message":
            return _send(request, case), "", None
        elif action in ("assign", "take", "release"):
            people = _people([case.department_id])
            form = AssignForm(request.POST, people=people)
            if not form.is_valid():
                return form_errors(form), "", None
            chosen = form.cleaned_data["assignee"]
            assignee: User | None
            if action == "take":
                assignee = user
            elif action == "release" or not chosen:
                assignee = None
            else:
                assignee = User.objects.get(pk=int(chosen))
            case_services.assign_case(case_id=case.pk, assignee=assignee, actor=user,
                                      expected_version=form.cleaned_data["version"])
            messages.success(request, _("Assigned to %(name)s.") % {"name": _name(assignee)}
                             if assignee else _("The case is assigned to nobody now."))
        elif action.startswith("notice_"):
            return _act_on_notice(request, case, action), "", None
        else:
            return [ErrorEntry("main", _("This action is not possible."))], "", None
    except CaseChanged as changed:
        return [], "", changed
    except InvalidInput as error:
        return [ErrorEntry(f"id_{error.field}", str(error.message))], "", None
    except CaseError as error:
        anchor = ("transitions" if action == "transition" else "write" if action == "message"
                  else "notice" if action.startswith("notice_") else "main")
        return [ErrorEntry(anchor, str(error.message))], "", None
    return [], "", None


def _message_form(request: HttpRequest, case: Case) -> MessageForm:
    blocks = [(block.pk, block.title) for block in blocks_for(case)]
    return MessageForm(request.POST if request.method == "POST" else None, blocks=blocks)


def _send(request: HttpRequest, case: Case) -> list[ErrorEntry]:
    """Send the clerk's message (or request); return what was wrong with it."""
    form = _message_form(request, case)
    if not form.is_valid():
        return form_errors(form)
    message = conversation.send_message(
        case_id=case.pk, text=form.cleaned_data["message"], actor=_user(request),
        expected_version=form.cleaned_data["version"],
        request_deadline=form.cleaned_data["deadline"],
        requested=form.cleaned_data["requested"])
    if message.notified == Notified.NONE:
        messages.warning(request, _("The message is recorded, but the applicant gave neither "
                                    "an e-mail address nor signed in: please call them or "
                                    "write by post."))
    elif message.is_request:
        messages.success(request, _("The request is sent; the case waits for the applicant."))
    else:
        messages.success(request, _("The message is sent."))
    return []


def _insert_block(request: HttpRequest, case: Case) -> tuple[str, list[ErrorEntry]]:
    """Return the message text with the chosen block filled in after it (no JavaScript needed)."""
    form = _message_form(request, case)
    form.is_valid()
    text = request.POST.get("message", "")
    block_id = form.cleaned_data.get("block") if "block" not in form.errors else None
    block = blocks_for(case).filter(pk=block_id).first() if block_id else None
    if block is None:
        return text, [ErrorEntry("id_block", _("Choose a text block to insert."))]
    language = case.submission.language[:2]
    deadline = form.cleaned_data.get("deadline")
    filled = fill(block.text(language), values_for(case, clerk=_user(request),
                                                   deadline=deadline, language=language))
    return (text.rstrip() + "\n\n" + filled if text.strip() else filled), []


def _act_on_notice(request: HttpRequest, case: Case, action: str) -> list[ErrorEntry]:
    """Draft, send, release or record the posting of the case's notice (raises CaseError)."""
    user = _user(request)
    if action == "notice_draft":
        draft = NoticeDraftForm(request.POST)
        if not draft.is_valid():
            return form_errors(draft)
        notice_delivery.draft_notice(
            case_id=case.pk, actor=user, expected_version=draft.cleaned_data["version"],
            kind=draft.cleaned_data["notice_kind"],
            justification=draft.cleaned_data["justification"], fee_cents=draft.cleaned_data["fee"])
        messages.success(request, _("The notice is drafted. Check the preview, then send it."))
    elif action in ("notice_send", "notice_release"):
        form = NoticeActionForm(request.POST)
        if not form.is_valid():
            return [ErrorEntry("notice", _("This action is not possible."))]
        version = form.cleaned_data["version"]
        if action == "notice_release":
            sent = notice_delivery.release_notice(case_id=case.pk, actor=user,
                                                  expected_version=version, request=request)
        else:
            sent = notice_delivery.send_notice(case_id=case.pk, actor=user,
                                               expected_version=version, request=request)
        if sent.status == NoticeStatus.AWAITING_RELEASE:
            messages.success(request, _("The notice is submitted: a lead of the department "
                                        "releases it before it is sent."))
        elif sent.postal_needed:
            messages.success(request, _("The notice is issued. The applicant cannot receive "
                                        "it online: print it and send it by post."))
        else:
            messages.success(request, _("The notice is issued and provided to the applicant "
                                        "for retrieval online."))
    elif action == "notice_posted":
        posted = PostedForm(request.POST)
        if not posted.is_valid():
            return form_errors(posted)
        notice_delivery.record_posting(
            case_id=case.pk, case_notice_id=posted.cleaned_data["case_notice"],
            posted_on=posted.cleaned_data["posted_on"], actor=user,
            expected_version=posted.cleaned_data["version"])
        messages.success(request, _("The posting is recorded."))
    else:
        return [ErrorEntry("main", _("This action is not possible."))]
    return []


@inbox_required
def submission(request: HttpRequest, reference: str) -> HttpResponse:
    """The case page; its forms post here and come back with the outcome."""
    case = _case_or_404(request, reference)
    errors: list[ErrorEntry] = []
    failed_to = ""
    changed: CaseChanged | None = None
    if request.method == "POST" and request.POST.get("action") == "insert_block":
        text, errors = _insert_block(request, case)
        return _render_case(request, case, errors=errors, failed_to="", changed=None,
                            message_text=text, status=400 if errors else 200)
    if request.method == "POST":
        errors, failed_to, changed = _act(request, case)
        if not errors and changed is None:
            return redirect("staff:submission", reference=case.reference)
        case.refresh_from_db()
    else:
        case_services.record_view(case=case, request=request)
    return _render_case(request, case, errors=errors, failed_to=failed_to, changed=changed)


def _conversation(case: Case) -> list[dict[str, Any]]:
    """The messages with their files, each file with what the staff may do with it."""
    return [{"message": message,
             "files": [{"upload": upload, "previewable": upload.content_type in PREVIEW_TYPES}
                       for upload in message.files.all()]}
            for message in case.messages.order_by("created_at", "pk").prefetch_related("files")]


def _render_case(request: HttpRequest, case: Case, *, errors: list[ErrorEntry], failed_to: str,
                 changed: CaseChanged | None, message_text: str | None = None,
                 status: int | None = None) -> HttpResponse:
    found = case.submission
    spec = found.service_version.spec
    assert spec.form is not None
    language = (get_language() or "de")[:2]
    verified, checked = verification_marks(found)
    role = selectors.role_in(request.user, case.department_id)
    workflow = case_services.workflow_of(spec)
    posted = request.POST if request.method == "POST" else QueryDict()
    transitions = [{"to": state, "label": cases.state_label(state),
                    "lead_only": workflow.roles_for(case.state, state) == {"lead"},
                    "failed": state == failed_to}
                   for state in workflow.allowed(case.state, role)]
    timeline = [{"event": event, "who": cases.actor_name(event), "what": cases.event_text(event)}
                for event in cases.timeline(case).select_related("actor")]
    if status is None:
        status = 409 if changed is not None else 400 if errors else 200
    is_message = posted.get("action") in ("message", "insert_block")
    notice_panel = notice_delivery.panel(case, user_id=_user(request).pk, role=role)
    payment = payment_selectors.payment_of(found)
    delete_after = (case.ended_at + timedelta(days=spec.retention_days)
                    if case.ended_at is not None else None)
    return render(request, "staff/submission.html", {
        "case": case, "submission": found, "spec": spec, "role": role,
        "delete_after": delete_after,
        "hold_reason": posted.get("reason", "") if posted.get("action") == "hold" else "",
        "overdue": cases.overdue(case),
        # Answers taken unchanged from BundID carry the same mark as on the citizen's receipt;
        # those a clerk compared with the ID card say who did (decision 0027).
        "sections": summarize(spec.form, sealed.answers_for_staff(request, found), language,
                              verified=verified, checked=checked),
        "fee_lines": [{**line, "label": line["label"].get(language, ""),
                       "counts_text": line.get("counts", {}).get(language, ""),
                       "amount": Decimal(line["amount"]), "total": Decimal(line["total"])}
                      for line in found.fee_lines],
        "payment": payment,
        "payment_method": payment_selectors.method_label(payment.method) if payment else "",
        "payment_events": payment_selectors.events_of(payment) if payment else [],
        "attachments": [{"upload": upload, "previewable": upload.content_type in PREVIEW_TYPES}
                        for upload in found.attachments.exclude(
                            field_id=conversation.REPLY_FIELD).order_by("created_at")],
        "conversation": _conversation(case),
        "message_errors": {error.input_id: error.message for error in errors}
        if is_message else {},
        "blocks": list(blocks_for(case).values_list("pk", "title")),
        "notify": conversation.notice_channel(found),
        "may_write": conversation.may_reply(case),
        "message_values": {
            "message": message_text if message_text is not None
            else posted.get("message", "") if is_message else "",
            "requested": posted.get("requested", "") if is_message else "",
            "deadline": posted.get("deadline", "") if is_message else "",
            "block": posted.get("block", "") if is_message else "",
        },
        "notes": list(case.notes.order_by("created_at", "pk")),
        "timeline": timeline,
        "transitions": transitions, "outcomes": Outcome.choices,
        "people": _people([case.department_id]) if role == "lead" else [],
        "errors": errors, "changed": _changes(changed) if changed is not None else "",
        "posted": posted,
        "note_text": posted.get("text", "") if posted.get("action") == "note" else "",
        "notice": notice_panel,
        "fee_default": formats.number_format(
            Decimal(notice_panel.draft.fee_cents) / 100 if notice_panel.draft is not None
            else found.fee_total, 2),
        "notice_input": posted if str(posted.get("action", "")).startswith("notice_") else {},
        "notice_errors": {error.input_id: error.message for error in errors},
        "today": timezone.localdate(),
    }, status=status)


def _attachment(request: HttpRequest, reference: str, upload_id: str, *,
                inline: bool) -> FileResponse:
    case = _case_or_404(request, reference)
    upload = case.submission.attachments.filter(pk=upload_id).first()
    if upload is None or (inline and upload.content_type not in PREVIEW_TYPES):
        raise Http404
    case_services.record_download(case=case, upload=upload, request=request, inline=inline)
    response = FileResponse(sealed.file_for_staff(request, upload),
                            content_type=upload.content_type,
                            as_attachment=not inline, filename=upload.original_name)
    response["Cache-Control"] = "private, no-store"
    if inline:
        # Shown by the browser itself: no script, no form, no same-origin access, whatever
        # the file holds.
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
    return response


@inbox_required
def attachment(request: HttpRequest, reference: str, upload_id: str) -> FileResponse:
    return _attachment(request, reference, upload_id, inline=False)


@inbox_required
def attachment_preview(request: HttpRequest, reference: str, upload_id: str) -> FileResponse:
    return _attachment(request, reference, upload_id, inline=True)


def _pdf(data: bytes, name: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    # Shown by the browser's own viewer, sandboxed as the attachments' preview.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@inbox_required
def notice_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The drafted notice as it would be sent now (rendered afresh; nothing is stored)."""
    case = _case_or_404(request, reference)
    draft = notice_delivery.open_notice(case)
    if draft is None:
        raise Http404
    draft.case = case
    try:
        rendered = notice_content.render_draft(draft)
    except CaseError:
        raise Http404 from None
    record(action=Action.NOTICE_PREVIEWED, request=request, target=case.submission,
           department=case.department_id, message=f"{case.reference} {draft.kind}")
    return _pdf(rendered.pdf, f"{case.reference}-preview.pdf", inline=True)


@inbox_required
def notice_pdf(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The issued notice, byte for byte: to read, and print-ready for the postal delivery."""
    case = _case_or_404(request, reference)
    item = (CaseNotice.objects.select_related("notice")
            .filter(pk=pk, case=case, status=NoticeStatus.SENT).first())
    if item is None or item.notice is None:
        raise Http404
    try:
        data = issued_pdf(item.notice)
    except NoticeTampered:
        raise Http404 from None
    record(action=Action.NOTICE_OPENED, request=request, target=case.submission,
           department=case.department_id,
           message=f"{item.notice.reference} sha256={item.notice.sha256}")
    return _pdf(data, f"{case.reference}-{item.notice.kind}.pdf", inline=True)


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

