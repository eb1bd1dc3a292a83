"""The pay button, the return from the pay page and the providers' notifications.

Only a provider's verified message changes a payment (services.apply_report); the return
and the notification are mapped to ``providers.base.Incoming`` and read by the provider.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rathaus.applications import links
from rathaus.applications.selectors import submission_from_status_token

from . import citizen, selectors, services
from .models import DIRECT_DEBIT, TRANSFER, EventSource
from .providers import registry
from .providers.base import Incoming, InvalidMessage, PaymentProvider, ProviderError

MAX_FIELDS = 200


def _incoming(request: HttpRequest) -> Incoming:
    def flat(data: QueryDict) -> dict[str, str]:
        return {str(key): str(value) for key, value in list(data.items())[:MAX_FIELDS]}

    body = request.body  # first: the form is parsed from it afterwards
    form = flat(request.POST) if request.content_type in {
        "application/x-www-form-urlencoded", "multipart/form-data"} else {}
    return Incoming(method=request.method or "GET", query=flat(request.GET), form=form,
                    headers={key.lower(): value for key, value in request.headers.items()},
                    body=body)


def _provider(key: str) -> PaymentProvider:
    provider = registry.get(key)
    if provider is None:
        raise Http404
    return provider


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """Pay (again) from the status page or the confirmation: online, or by transfer."""
    submission = submission_from_status_token(token)
    if submission is None:
        return render(request, "applications/link_invalid.html", status=404)
    status_url = reverse("applications:status", kwargs={"token": token})
    payment = selectors.payment_of(submission)
    if request.method == "GET" or payment is None:
        return redirect(status_url)  # starting a payment is a POST, never a link
    method = request.POST.get("method", "")[:40]
    if method in {TRANSFER, DIRECT_DEBIT}:
        try:
            services.choose_offline(payment_id=payment.pk, method=method)
        except services.NotPayable:
            messages.success(request, _("This fee is paid already."))
        except services.MethodNotOffered:
            messages.error(request, _("This way to pay is not offered. Choose another."))
        return redirect(status_url)
    # The status page then links to the pay page (a redirect there would break the CSP's
    # form-action 'self'; citizen.after_submit).
    citizen.start_or_say_why(request, payment, method)
    return redirect(status_url)


@csrf_exempt  # some pay pages post the citizen back; only a verified report changes anything
@require_http_methods(["GET", "POST"])
def payment_return(request: HttpRequest, provider: str, request_id: str) -> HttpResponse:
    """The citizen's browser back from the pay page: learn the outcome, show the status."""
    found = _provider(provider)
    attempt = selectors.attempt_by_request_id(request_id=request_id[:64], provider_key=provider)
    if attempt is None:
        return render(request, "applications/link_invalid.html", status=404)
    incoming = _incoming(request)
    try:
        report = found.parse_return(incoming)
        source = EventSource.RETURN
        if report is None:
            report = found.fetch_status(request_id=attempt.request_id,
                                        provider_reference=attempt.provider_reference)
            source = EventSource.STATUS_QUERY
    except InvalidMessage as error:
        services.record_rejected(provider_key=provider, source=EventSource.RETURN,
                                 fields={**incoming.query, **incoming.form}, detail=str(error))
        messages.error(request, _(
            "We could not confirm the payment yet. If you paid, it will show here as soon as "
            "the payment provider tells us."))
    except ProviderError:
        messages.error(request, _(
            "We could not reach the payment provider. If you paid, it will show here as soon "
            "as the payment provider tells us."))
    else:
        if report.request_id != attempt.request_id:
            services.record_rejected(provider_key=provider, source=source,
                                     fields=report.raw, detail="return for another request id")
        else:
            services.apply_report(report=report, source=source, provider_key=provider)
    submission = attempt.payment.submission
    if submission is None:  # purged after its retention period
        return render(request, "applications/link_invalid.html", status=404)
    return redirect(reverse("applications:status",
                            kwargs={"token": links.status_token(submission)}))


@csrf_exempt  # GiroCheckout notifies with GET, XBezahldienste platforms push with POST
@require_http_methods(["GET", "POST"])
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's notification, server to server; answered as the provider expects."""
    found = _provider(provider)
    incoming = _incoming(request)
    try:
        report = found.parse_notification(incoming)
    except InvalidMessage as error:
        services.record_rejected(provider_key=provider, source=EventSource.NOTIFICATION,
                                 fields={**incoming.query, **incoming.form}, detail=str(error))
        status, content_type, body = found.notification_answer(None)
    else:
        services.apply_report(report=report, source=EventSource.NOTIFICATION,
                              provider_key=provider)
        status, content_type, body = found.notification_answer(report)
    return HttpResponse(body, status=status, content_type=content_type)
