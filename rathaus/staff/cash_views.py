"""The cash office (Stadtkasse): payments by state and day, bank statements, open lines.

Only verified staff with the cash office's permission open these pages (group "Stadtkasse",
docs/staff-accounts.md). The views parse input, call one function of rathaus.payments
(services, statements) and map its errors to messages; the cash record names no applicant,
only the Kassenzeichen, the amount, the booking text and the application's reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.appointments.staff_views import ErrorEntry, form_errors
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog.models import Service
from rathaus.core.access import verified_required
from rathaus.payments import direct_debits, selectors, services, statements
from rathaus.payments.camt import StatementError, return_reason_text
from rathaus.payments.models import (
    DirectDebitExport,
    LineStatus,
    Payment,
    PaymentAttempt,
    PaymentEvent,
    PaymentState,
    StatementImport,
    StatementLine,
)
from rathaus.payments.pain008 import DirectDebitError
from rathaus.payments.providers import registry
from rathaus.payments.providers.base import Outcome
from rathaus.payments.roles import WORK_CASH_OFFICE

from . import cash_export
from .cash_forms import (
    AssignLineForm,
    CollectionForm,
    DismissLineForm,
    PaymentFilterForm,
    RefundForm,
    StatementUploadForm,
)

cash_required = verified_required(permission=WORK_CASH_OFFICE)
PAGE_SIZES = (25, 50, 100)
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def money(cents: int) -> str:
    """``cents`` in euros as the page's language writes them (24,00 € or 24.00 €)."""
    amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


def _services() -> list[tuple[int, str]]:
    """The services that take fees, by title (one query)."""
    english = (get_language() or "de")[:2] == "en"
    return [(pk, title_en if english else title_de)
            for pk, title_de, title_en in Service.objects.filter(
                submissions__payments__isnull=False).distinct().order_by("title_de")
            .values_list("pk", "title_de", "title_en")]


def filter_form(request: HttpRequest) -> PaymentFilterForm:
    query = request.GET.copy()
    for ignored in ("page", "size"):
        query.pop(ignored, None)
    form = PaymentFilterForm(
        query if query else None,
        methods=[(method, selectors.method_label(method))
                 for method in selectors.methods_in_use()],
        services=_services())
    if form.is_bound:
        form.is_valid()
    return form


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    amount: str
    method: str
    service: str
    reference: str


def _rows(found: list[Payment]) -> list[PaymentRow]:
    english = (get_language() or "de")[:2] == "en"
    rows = []
    for payment in found:
        submission = payment.submission
        service = ""
        if submission is not None:
            service = (submission.service.title_en if english else "") or (
                submission.service.title_de)
        rows.append(PaymentRow(payment, money(payment.amount_cents),
                               selectors.method_label(payment.method), service,
                               submission.reference if submission is not None else ""))
    return rows


def listed(found: QuerySet[Payment]) -> QuerySet[Payment]:
    return found.select_related("submission__service")


@cash_required
def payments(request: HttpRequest) -> HttpResponse:
    """Every payment, filtered by state, method, service and day; a page at a time."""
    form = filter_form(request)
    filters = form.filters()
    counts = selectors.state_counts(filters)
    size = request.GET.get("size", "")
    page_size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else PAGE_SIZE
    page = Paginator(listed(selectors.cash_office_payments(filters)), page_size).get_page(
        request.GET.get("page"))
    errors = form_errors(form) if form.is_bound else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "staff/cash/payments.html", {
        "form": form, "errors": errors, "page": page, "rows": _rows(list(page.object_list)),
        "counts": [(PaymentState(state).label, state, count)
                   for state, count in counts.items()],
        "filtered": form.is_bound, "query": query.urlencode(),
        "open_lines": StatementLine.objects.filter(status=LineStatus.OPEN).count(),
    }, status=400 if errors else 200)


@cash_required
def payment(request: HttpRequest, kassenzeichen: str) -> HttpResponse:
    """One payment with every message about it and the statement lines booked on it."""
    found = (Payment.objects.select_related("submission__service")
             .filter(kassenzeichen=kassenzeichen[:40]).first())
    if found is None:
        raise Http404
    return render(request, "staff/cash/payment.html", payment_context(found))


def _online_attempt(found: Payment) -> PaymentAttempt | None:
    """The attempt a paid payment came by, when it came through a configured provider."""
    attempt = (found.attempts.filter(outcome=Outcome.PAID).order_by("-created_at", "-pk")
               .first())
    if attempt is None or registry.get(attempt.provider) is None:
        return None
    return attempt


# What a message reported, in the page's language (PaymentEvent.outcome holds the code).
OUTCOME_WORDS = {
    Outcome.PAID.value: gettext_lazy("paid"),
    Outcome.FAILED.value: gettext_lazy("failed"),
    Outcome.CANCELLED.value: gettext_lazy("cancelled"),
    Outcome.PENDING.value: gettext_lazy("pending"),
    Outcome.REFUNDED.value: gettext_lazy("refunded"),
}


def _event_detail(event: PaymentEvent) -> str:
    if services.is_return(event):
        return f"{_('returned direct debit')} {event.raw.get('return_reason', '')}".strip()
    return event.detail


def payment_context(found: Payment, refund_form: RefundForm | None = None) -> dict[str, Any]:
    events = selectors.events_of(found)
    refundable = 0
    attempt = _online_attempt(found) if found.state == PaymentState.PAID else None
    refunded = services.refunded_cents(found)
    if attempt is not None:
        refundable = max(0, found.paid_cents - refunded)
    return {
        "payment": found, "row": _rows([found])[0],
        "refund_form": refund_form or (RefundForm(most_cents=refundable, initial={
            "amount": f"{refundable // 100},{refundable % 100:02d}"}) if refundable else None),
        "refundable": money(refundable), "refunded": money(refunded) if refunded else "",
        "refunds": list(found.refunds.select_related("requested_by")),
        "provider": selectors.provider_label(attempt.provider) if attempt else "",
        "events": [(event, OUTCOME_WORDS.get(event.outcome, event.outcome),
                    _event_detail(event)) for event in events],
        "returns": [(event.created_at, money(event.amount_cents or 0),
                     return_reason_text(event.raw.get("return_reason", "")))
                    for event in events if services.is_return(event)],
        "lines": list(found.statement_lines.select_related("statement")
                      .order_by("booking_date", "pk")),
        "attempts": list(found.attempts.order_by("created_at", "pk")),
    }


@cash_required
def bookings(request: HttpRequest) -> HttpResponse:
    """The paid (and refunded) payments under the list's filters as CSV, by booking day."""
    form = filter_form(request)
    chosen = form.filters()
    filters = replace(chosen, day="paid", states=tuple(
        state for state in chosen.states if state in BOOKED) or BOOKED)
    found = listed(selectors.cash_office_payments(filters)).order_by("paid_at", "pk")
    data, count = cash_export.bookings_csv(found[:100_000].iterator(chunk_size=2000))
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    first, last = filters.date_from, filters.date_to
    name = "buchungen" + (f"-{first:%Y%m%d}" if first else "") + (
        f"-{last:%Y%m%d}" if last else "") + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    record(action=Action.BOOKINGS_EXPORTED, request=request,
           object_type="payments.payment", object_id=str(count),
           message=request.GET.urlencode()[:500])
    return response


BOOKED = (PaymentState.PAID.value, PaymentState.REFUNDED.value)


REFUND_MESSAGES = {
    "not_paid": gettext_lazy("Only a paid payment can be paid back."),
    "not_online": gettext_lazy("This payment did not come through a payment provider; pay it "
                               "back by bank transfer from the town's account."),
    "amount": gettext_lazy("That is more than was paid and not yet paid back."),
    "not_supported": gettext_lazy("This payment provider does not allow refunds through its "
                                  "interface; pay the money back in the provider's own portal "
                                  "or by bank transfer."),
    "failed": gettext_lazy("The payment provider refused the refund or could not be reached; "
                           "nothing was paid back. Try again later."),
}


@cash_required
@require_POST
def refund(request: HttpRequest, kassenzeichen: str) -> HttpResponse:
    """Ask for the amount, then confirm, then pay it back through the provider."""
    found = (Payment.objects.select_related("submission__service")
             .filter(kassenzeichen=kassenzeichen[:40]).first())
    if found is None:
        raise Http404
    context = payment_context(found)
    if context["refund_form"] is None:
        messages.error(request, str(REFUND_MESSAGES["not_online" if found.state ==
                                                    PaymentState.PAID else "not_paid"]))
        return redirect("staff:cash_payment", kassenzeichen=found.kassenzeichen)
    most = context["refund_form"].most_cents
    form = RefundForm(request.POST, most_cents=most)
    if not form.is_valid():
        context = payment_context(found, form)
        context["errors"] = form_errors(form)
        return render(request, "staff/cash/payment.html", context, status=400)
    cents = form.cleaned_data["amount"]
    if not form.cleaned_data["confirm"]:
        return render(request, "staff/cash/refund_confirm.html", {
            "payment": found, "amount": money(cents), "form": form,
            "cents": f"{cents // 100},{cents % 100:02d}", "provider": context["provider"],
            "whole": cents == most and not context["refunded"]})
    try:
        changed = services.refund_payment(payment_id=found.pk, amount_cents=cents,
                                          actor=_user(request),
                                          reason=form.cleaned_data["reason"], request=request)
    except services.RefundRefused as error:
        messages.error(request, str(REFUND_MESSAGES.get(error.code, REFUND_MESSAGES["failed"])))
    else:
        if changed.state == PaymentState.REFUNDED:
            messages.success(request, _("%(amount)s paid back: the payment is refunded.")
                             % {"amount": money(cents)})
        else:
            messages.success(request, _("%(amount)s paid back; the payment stays paid with "
                                        "the rest.") % {"amount": money(cents)})
    return redirect("staff:cash_payment", kassenzeichen=found.kassenzeichen)


# -- Direct debits ---------------------------------------------------------------------------


def _default_collection_date() -> dt.date:
    """Five days ahead, moved past a weekend: time for the bank and the pre-notification."""
    day = timezone.localdate() + dt.timedelta(days=5)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _debits_context(form: CollectionForm) -> dict[str, Any]:
    found = direct_debits.due()
    return {
        "form": form,
        "due": [(item, money(item.payment.amount_cents)) for item in found
                if item.mandate and not item.returned],
        "without": [item for item in found if item.mandate is None],
        "ended": [(item, return_reason_text(item.returned)) for item in found
                  if item.mandate and item.returned],
        "total": money(sum(item.payment.amount_cents for item in found
                           if item.mandate and not item.returned)),
        "exports": list(DirectDebitExport.objects.defer("data").select_related(
            "created_by")[:20]),
        "creditor": direct_debits.creditor(),
    }


@cash_required
def debits(request: HttpRequest) -> HttpResponse:
    """The collections due by direct debit and the files exported so far."""
    form = CollectionForm(initial={"collection_date": _default_collection_date()})
    return render(request, "staff/cash/debits.html", _debits_context(form))


@cash_required
@require_POST
def export_debits(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST)
    errors: list[ErrorEntry] = []
    if form.is_valid():
        try:
            export = direct_debits.export_collections(
                collection_date=form.cleaned_data["collection_date"], actor=_user(request),
                request=request)
        except DirectDebitError as error:
            errors = [ErrorEntry("id_collection_date", str(error))]
        else:
            messages.success(request, ngettext(
                "%(count)s collection exported as %(id)s; download the file below for the "
                "bank.", "%(count)s collections exported as %(id)s; download the file below "
                "for the bank.", export.count) % {"count": export.count,
                                                   "id": export.message_id})
            return redirect("staff:cash_debits")
    else:
        errors = form_errors(form)
    context = _debits_context(form)
    context["errors"] = errors
    return render(request, "staff/cash/debits.html", context, status=400)


@cash_required
def debit_file(request: HttpRequest, message_id: str) -> HttpResponse:
    found = DirectDebitExport.objects.filter(message_id=message_id[:35]).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.data), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{found.message_id}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- Bank statements -------------------------------------------------------------------------


def _recent_imports() -> list[StatementImport]:
    return list(StatementImport.objects.defer("data").select_related(
        "uploaded_by", "applied_by")[:20])


@cash_required
def statements_page(request: HttpRequest) -> HttpResponse:
    """Upload a day's statement (camt.053); the imports so far."""
    form = StatementUploadForm(max_bytes=statements.max_bytes())
    return render(request, "staff/cash/statements.html", {
        "form": form, "imports": _recent_imports(), "max_bytes": statements.max_bytes()})


@cash_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = StatementUploadForm(request.POST, request.FILES, max_bytes=statements.max_bytes())
    errors: list[ErrorEntry] = []
    if form.is_valid():
        upload_file = form.cleaned_data["statement"]
        try:
            stored = statements.upload_statement(filename=upload_file.name or "",
                                                 data=upload_file.read(),
                                                 actor=_user(request))
        except StatementError as error:
            errors = [ErrorEntry("id_statement", str(error))]
            form.add_error("statement", str(error))
        else:
            return redirect("staff:cash_statement", pk=stored.pk)
    else:
        errors = form_errors(form)
    return render(request, "staff/cash/statements.html", {
        "form": form, "errors": errors, "imports": _recent_imports(),
        "max_bytes": statements.max_bytes()}, status=400)


def _upload_or_404(pk: int) -> StatementImport:
    found = StatementImport.objects.select_related("uploaded_by", "applied_by").filter(
        pk=pk).first()
    if found is None:
        raise Http404
    return found


OUTCOME_LABELS = {
    "matched": gettext_lazy("matched: paid in full"),
    "partial": gettext_lazy("partial payment"),
    "overpaid": gettext_lazy("paid too much"),
    "unmatched": gettext_lazy("unmatched or foreign"),
    "returned": gettext_lazy("returned direct debit"),
    "ignored": gettext_lazy("set aside (debit, return, not booked)"),
}


@cash_required
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """What the statement does (or did): each entry with its reconciliation and the reason."""
    upload_row = _upload_or_404(pk)
    # Once the file is deleted (retention, decision 0036) only its stored lines remain.
    shown = statements.preview(upload_row) if upload_row.file_deleted_at is None else None
    labels = {key: str(label) for key, label in OUTCOME_LABELS.items()}
    stored = []
    if upload_row.applied_at is not None:
        # What it did, as stored: reconciling again now would find the payments it paid.
        stored = [(line, money(line.amount_cents)) for line in StatementLine.objects.filter(
            statement=upload_row).select_related("payment").order_by("pk")]
    return render(request, "staff/cash/statement.html", {
        "upload": upload_row, "preview": shown, "stored": stored,
        "rows": [(row, labels[row.result.outcome.value],
                  money(row.result.entry.amount_cents)) for row in shown.rows] if shown else [],
        "summary": [(labels[outcome], outcome, shown.count(outcome))
                    for outcome in OUTCOME_LABELS] if shown else [],
        "file_days": settings.RATHAUS_CASH_STATEMENT_FILE_DAYS,
    })


@cash_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    upload_row = _upload_or_404(pk)
    try:
        done = statements.apply_statement(upload_id=upload_row.pk, actor=_user(request),
                                          request=request)
    except statements.StatementAlreadyApplied:
        messages.info(request, _("This upload was applied already; nothing changed."))
        return redirect("staff:cash_statement", pk=upload_row.pk)
    except StatementError as error:
        messages.error(request, str(error))
        return redirect("staff:cash_statement", pk=upload_row.pk)
    if done.booked == 0 and done.left_open == 0 and done.ignored == 0 and done.returned == 0:
        messages.info(request, _("Every entry of this statement was imported before; "
                                 "nothing changed."))
    else:
        messages.success(request, _(
            "Statement applied: %(booked)s, %(open)s, %(ignored)s, %(known)s.") % {
            "booked": ngettext("%(n)s payment booked", "%(n)s payments booked",
                               done.booked) % {"n": done.booked},
            "open": ngettext("%(n)s line left open for you", "%(n)s lines left open for you",
                             done.left_open) % {"n": done.left_open},
            "ignored": ngettext("%(n)s entry set aside", "%(n)s entries set aside",
                                done.ignored) % {"n": done.ignored},
            "known": ngettext("%(n)s imported before", "%(n)s imported before",
                              done.known) % {"n": done.known}})
        if done.returned:
            messages.warning(request, ngettext(
                "%(n)s returned direct debit: its payment is due again.",
                "%(n)s returned direct debits: their payments are due again.",
                done.returned) % {"n": done.returned})
    return redirect("staff:cash_statement", pk=upload_row.pk)


# -- Open statement lines --------------------------------------------------------------------

LINE_FILTERS = (LineStatus.OPEN, LineStatus.ASSIGNED, LineStatus.DISMISSED,
                LineStatus.BOOKED, LineStatus.RETURNED, LineStatus.IGNORED)


def _lines_context(request: HttpRequest, status: str,
                   bound: dict[int, tuple[AssignLineForm | None, DismissLineForm | None]]
                   ) -> dict[str, Any]:
    found = list(StatementLine.objects.filter(status=status)
                 .select_related("payment", "resolved_by", "statement")
                 .order_by("-booking_date", "-pk")[:200])
    rows = []
    for line in found:
        assign, dismiss = bound.get(line.pk, (None, None))
        rows.append({
            "line": line, "amount": money(line.amount_cents),
            "assign": assign or AssignLineForm(prefix=f"line{line.pk}",
                                               initial={"kassenzeichen": _first(line)}),
            "dismiss": dismiss or DismissLineForm(prefix=f"dismiss{line.pk}"),
        })
    return {"rows": rows, "status": status,
            "statuses": [(value, LineStatus(value).label) for value in LINE_FILTERS]}


def _first(line: StatementLine) -> str:
    return line.kassenzeichen.split(",")[0].strip()


@cash_required
def lines(request: HttpRequest) -> HttpResponse:
    """The statement lines the cash office still has to look at (or those of another status)."""
    status = request.GET.get("status", LineStatus.OPEN)
    if status not in LINE_FILTERS:
        status = LineStatus.OPEN
    return render(request, "staff/cash/lines.html", _lines_context(request, status, {}))


def _line_or_404(pk: int) -> StatementLine:
    found = StatementLine.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@cash_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line_or_404(pk)
    form = AssignLineForm(request.POST, prefix=f"line{line.pk}")
    if form.is_valid():
        try:
            booked = statements.assign_line(
                line_id=line.pk, kassenzeichen=form.cleaned_data["kassenzeichen"],
                note=form.cleaned_data["note"], actor=_user(request), request=request)
        except statements.NoSuchPayment:
            form.add_error("kassenzeichen", _("No payment has the Kassenzeichen %(kz)s.")
                           % {"kz": form.cleaned_data["kassenzeichen"]})
        except statements.PaymentSettled as error:
            form.add_error("kassenzeichen", _(
                "The payment %(kz)s is paid already; pay the money back to the payer and "
                "dismiss the line with a note.") % {"kz": str(error)})
        except statements.LineNotOpen:
            messages.info(request, _("This line was dealt with already."))
            return redirect("staff:cash_lines")
        else:
            if booked.state == PaymentState.PAID:
                messages.success(request, _("The line is booked on %(kz)s; the payment is "
                                            "paid.") % {"kz": booked.kassenzeichen})
            else:
                messages.success(request, _("The line is booked on %(kz)s; part of the "
                                            "payment is still open.")
                                 % {"kz": booked.kassenzeichen})
            return redirect("staff:cash_lines")
    return _line_error(request, line, form, None)


@cash_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line_or_404(pk)
    form = DismissLineForm(request.POST, prefix=f"dismiss{line.pk}")
    if form.is_valid():
        try:
            statements.dismiss_line(line_id=line.pk, note=form.cleaned_data["note"],
                                    actor=_user(request), request=request)
        except statements.LineNotOpen:
            messages.info(request, _("This line was dealt with already."))
        else:
            messages.success(request, _("The line is dismissed with your note."))
        return redirect("staff:cash_lines")
    return _line_error(request, line, None, form)


def _line_error(request: HttpRequest, line: StatementLine, assign_form: AssignLineForm | None,
                dismiss_form: DismissLineForm | None) -> HttpResponse:
    context = _lines_context(request, LineStatus.OPEN, {line.pk: (assign_form, dismiss_form)})
    context["errors"] = form_errors(assign_form or dismiss_form)  # type: ignore[arg-type]
    return render(request, "staff/cash/lines.html", context, status=400)

