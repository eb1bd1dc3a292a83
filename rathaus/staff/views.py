"""Staff sign-in: password, then the second factor (set up on first use), and sign-out.

These views parse input, call the sign-in steps and services, and map failures to messages.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from rathaus.appointments.roles import AGENT_GROUP, BOOK_FOR_CALLERS
from rathaus.appointments.staff_views import ErrorEntry, form_errors
from rathaus.appointments.stats_views import VIEW_STATISTICS
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog.roles import EDIT_SERVICES, EDITOR_GROUP
from rathaus.core.access import is_verified, verified_required
from rathaus.payments.roles import CASH_OFFICE_GROUP, WORK_CASH_OFFICE

from . import lockout, selectors, services, signin
from .forms import CodeForm, PasswordForm, RecoveryCodeForm, WelcomeForm
from .links import user_from_welcome
from .qr import grouped, qr_data_uri

NEW_CODES = "rathaus.staff.new_codes"
AFTER_CODES = "rathaus.staff.after_codes"


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return ""


def locked_out(request: HttpRequest, response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The lock-out page; also what django-axes shows (AXES_LOCKOUT_CALLABLE)."""
    signin.cancel(request)
    return render(request, "staff/locked.html",
                  {"minutes": settings.RATHAUS_STAFF_LOCKOUT_MINUTES}, status=429)


def _refused_while_locked(request: HttpRequest, username: str) -> HttpResponse:
    record(action=Action.SIGNIN_REFUSED_LOCKED, request=request, actor_label=username)
    return locked_out(request)


@never_cache
@sensitive_post_parameters("password")
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if is_verified(request.user):
        return redirect(next_url or "staff:home")
    form = PasswordForm(request.POST if request.method == "POST" else None)
    errors: list[ErrorEntry] = []
    if form.is_bound:
        if form.is_valid():
            username = form.cleaned_data["username"]
            if lockout.is_locked(request, username):
                return _refused_while_locked(request, username)
            user = authenticate(request, username=username,
                                password=form.cleaned_data["password"])
            if isinstance(user, User):
                signin.begin(request, user=user, next_url=next_url)
                return redirect("staff:code" if services.confirmed_app(user) else "staff:enrol")
            record(action=Action.SIGNIN_FAILED, request=request, actor_label=username)
            if lockout.locked_by_this_request(request):
                return locked_out(request)
            # The same words whether the name exists or not.
            errors = [ErrorEntry("id_username",
                                 _("The user name or the password is not correct."))]
        else:
            errors = form_errors(form)
    return render(request, "staff/login.html", {"form": form, "errors": errors, "next": next_url})


def _wrong_code(request: HttpRequest, user: User) -> HttpResponse | None:
    """Log and count a wrong code; return the lock-out page if it was one too many."""
    record(action=Action.CODE_FAILED, request=request, actor=user)
    lockout.count_failed_code(request, user.get_username())
    if lockout.locked_by_this_request(request):
        return locked_out(request)
    return None


WRONG_CODE = gettext_lazy(
    "This code is not correct. Enter the code your app shows now; if it keeps failing, check "
    "that the time on your phone is set automatically.")
WRONG_RECOVERY_CODE = gettext_lazy(
    "This recovery code is not correct or has already been used. Check what you typed, or use "
    "another of your codes.")


@never_cache
@sensitive_post_parameters("code", "recovery")
def code(request: HttpRequest) -> HttpResponse:
    waiting = signin.pending(request)
    if waiting is None:
        return redirect("staff:login")
    user = waiting.user
    app = services.confirmed_app(user)
    if app is None:
        return redirect("staff:enrol")
    posted = request.POST if request.method == "POST" else None
    with_recovery = posted is not None and "recovery" in posted
    form = CodeForm(None if with_recovery else posted)
    recovery_form = RecoveryCodeForm(posted if with_recovery else None)
    errors: list[ErrorEntry] = []
    if posted is not None:
        if lockout.is_locked(request, user.get_username()):
            return _refused_while_locked(request, user.get_username())
        if with_recovery and recovery_form.is_valid():
            recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
            if recovery is not None and recovery.verify_token(
                    recovery_form.cleaned_data["recovery"]):
                signin.complete(request, user=user, device=recovery, how="recovery code")
                left = services.recovery_codes_left(user)
                record(action=Action.RECOVERY_CODE_USED, request=request, actor=user,
                       message=f"{left} recovery codes left")
                messages.warning(request, ngettext(
                    "You signed in with a recovery code, which is now used up. %(count)s "
                    "recovery code is left: create new ones on this page if you need them.",
                    "You signed in with a recovery code, which is now used up. %(count)s "
                    "recovery codes are left: create new ones on this page if you need them.",
                    left) % {"count": left})
                return redirect("staff:home")
            locked = _wrong_code(request, user)
            if locked is not None:
                return locked
            recovery_form.add_error("recovery", str(WRONG_RECOVERY_CODE))
        elif not with_recovery and form.is_valid():
            if app.verify_token(form.cleaned_data["code"]):
                signin.complete(request, user=user, device=app, how="authenticator app")
                return redirect(waiting.next_url or "staff:home")
            locked = _wrong_code(request, user)
            if locked is not None:
                return locked
            form.add_error("code", str(WRONG_CODE))
        errors = form_errors(recovery_form if with_recovery else form)
    return render(request, "staff/code.html", {
        "form": form, "recovery_form": recovery_form, "errors": errors})


@never_cache
@sensitive_post_parameters("code")
def enrol(request: HttpRequest) -> HttpResponse:
    waiting = signin.pending(request)
    if waiting is None:
        return redirect("staff:login")
    user = waiting.user
    if services.confirmed_app(user) is not None:
        return redirect("staff:code")
    device = services.start_enrolment(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    errors: list[ErrorEntry] = []
    if form.is_bound:
        if lockout.is_locked(request, user.get_username()):
            return _refused_while_locked(request, user.get_username())
        if form.is_valid():
            if device.verify_token(form.cleaned_data["code"]):
                codes = services.confirm_enrolment(device=device, request=request)
                signin.complete(request, user=user, device=device, how="after setting up the app")
                request.session[NEW_CODES] = codes
                request.session[AFTER_CODES] = waiting.next_url
                return redirect("staff:recovery_codes")
            locked = _wrong_code(request, user)
            if locked is not None:
                return locked
            form.add_error("code", str(WRONG_CODE))
        errors = form_errors(form)
    secret = b32encode(device.bin_key).decode()
    return render(request, "staff/enrol.html", {
        "form": form, "errors": errors, "qr": qr_data_uri(device.config_url),
        "secret": grouped(secret), "username": user.get_username()})


@verified_required()
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(NEW_CODES, None)
    next_url = _safe_next(request, request.session.pop(AFTER_CODES, "") or "")
    if not codes:
        return redirect("staff:home")
    return render(request, "staff/recovery_codes.html", {
        "codes": [f"{code[:4]}-{code[4:]}" for code in codes], "next": next_url})


@require_POST
@verified_required()
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    request.session[NEW_CODES] = services.renew_recovery_codes(user=request.user,
                                                               request=request)
    return redirect("staff:recovery_codes")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record(action=Action.SIGNOUT, request=request)
    signin.cancel(request)
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("staff:login")


@dataclass(frozen=True)
class Area:
    """A part of the staff pages the signed-in user may open, for the start page."""

    title: str
    url: str
    description: str


def _areas(user: User) -> list[Area]:
    areas = []
    in_department = selectors.works_in_a_department(user)
    if in_department:
        areas.append(Area(_("Workbasket"), reverse("staff:submissions"),
                          _("The cases of your departments: filter, assign and work on "
                            "them.")))
        areas.append(Area(_("New application on behalf"), reverse("staff:on_behalf"),
                          _("File an application for someone at the counter or on the phone, "
                            "with the same form as online.")))
        areas.append(Area(_("Case statistics"), reverse("staff:statistics"),
                          _("Received, open and decided cases, processing times and channels "
                            "per service, department and month.")))
    if in_department or user.is_staff:
        areas.append(Area(_("OZG maturity report"), reverse("staff:maturity"),
                          _("The maturity level of every service, criterion by criterion, "
                            "with what is missing for the next level.")))
    if user.has_perm(BOOK_FOR_CALLERS):
        areas.append(Area(_("Appointments for callers"), reverse("appointments_staff:index"),
                          _("Book, move and cancel appointments for people who call or come "
                            "to the citizens’ office.")))
    if user.has_perm(VIEW_STATISTICS):
        areas.append(Area(_("Appointment statistics"),
                          reverse("appointment_statistics:calendars"),
                          _("Bookings, cancellations and no-shows per calendar.")))
    if user.has_perm(WORK_CASH_OFFICE):
        areas.append(Area(_("Cash office"), reverse("staff:cash_payments"),
                          _("Payments by state and day, bank statement imports, lines to "
                            "check, exports for the finance system.")))
    if user.has_perm(EDIT_SERVICES):
        areas.append(Area(_("Service editor"), reverse("staff:editor_services"),
                          _("Change the texts, fees and forms of services, compare versions "
                            "and publish them.")))
    if user.is_staff:
        areas.append(Area(_("Administration"), reverse("admin:index"),
                          _("Services, calendars, staff accounts and their roles.")))
    if user.is_superuser:
        areas.append(Area(_("Audit log"), reverse("admin:audit_auditevent_changelist"),
                          _("Sign-ins, failures, lock-outs and every view of an application.")))
    return areas


@verified_required()
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(request, "staff/home.html", {
        "areas": _areas(user),
        "memberships": list(selectors.memberships(user)),
        "is_agent": user.groups.filter(name=AGENT_GROUP).exists(),
        "is_cash_office": user.groups.filter(name=CASH_OFFICE_GROUP).exists(),
        "is_editor": user.groups.filter(name=EDITOR_GROUP).exists(),
        "codes_left": services.recovery_codes_left(user)})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set the password of a new account (or a new one) through the link from the IT admin."""
    user = user_from_welcome(uidb64, token)
    if user is None:
        return render(request, "staff/welcome_invalid.html", status=404)
    form = WelcomeForm(user, request.POST if request.method == "POST" else None)
    errors: list[ErrorEntry] = []
    if form.is_bound:
        if form.is_valid():
            services.set_password(user=user, password=form.cleaned_data["new_password1"],
                                  request=request)
            messages.success(request, _(
                "Your password is set. Sign in with it now; if you have not set up two-factor "
                "authentication yet, you will do that next."))
            return redirect("staff:login")
        errors = form_errors(form)
    return render(request, "staff/welcome.html", {
        "form": form, "errors": errors, "username": user.get_username()})
