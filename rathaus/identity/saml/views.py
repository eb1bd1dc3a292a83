"""BundID endpoints: metadata, start of a sign-in, the assertion consumer, sign-out."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathaus.identity import session as identity_session
from rathaus.identity.levels import TrustLevel

from . import flow, logout
from .config import ConfigurationError, identity_provider
from .metadata import sp_metadata
from .response import Rejected

log = logging.getLogger("rathaus.identity.saml")

FAILURE_MESSAGES: dict[str, Any] = {
    "level_too_low": gettext_lazy(
        "BundID confirmed a lower trust level than this service needs, so you have not been "
        "signed in for it. Please sign in again with a stronger method, for example the online "
        "ID card."),
    "expired": gettext_lazy(
        "The sign-in took too long and its answer is no longer valid. Please sign in again."),
    "replayed": gettext_lazy(
        "This sign-in answer has already been used. Please start the sign-in again."),
    "unknown_request": gettext_lazy(
        "This sign-in answer does not belong to a sign-in started here, or it is too old. "
        "Please start the sign-in again."),
    "other_browser": gettext_lazy(
        "This sign-in was started in another browser or the browser did not keep its cookie. "
        "Please start the sign-in again in this browser."),
    "missing_person_key": gettext_lazy(
        "BundID did not send the account key this portal needs to recognise you. Please sign "
        "in again; if this happens again, please contact the town hall."),
    "idp_status": gettext_lazy(
        "The sign-in was cancelled or BundID could not complete it. You have not been signed "
        "in."),
}
DEFAULT_FAILURE = gettext_lazy(
    "The answer from BundID could not be verified, so you have not been signed in. Please try "
    "again. If this happens again, please contact the town hall.")


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return ""


def _speak_language_of(request: HttpRequest, url: str) -> None:
    """Answer in the language of the page the citizen came from (these URLs have no prefix)."""
    language = translation.get_language_from_path(urlsplit(url).path) if url else None
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _level(value: str | None) -> TrustLevel:
    try:
        level = TrustLevel.from_name(value or "basic")
    except KeyError:
        return TrustLevel.BASIC
    return max(level, TrustLevel.BASIC)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def post_form(request: HttpRequest, *, action: str, fields: dict[str, str], title: str,
              explanation: str, button: str, status: int = 200) -> HttpResponse:
    """A page whose form carries a SAML message on (HTTP-POST binding).

    With JavaScript the form sends itself; without, the citizen presses the button.
    """
    response = render(request, "identity/post_form.html", {
        "action": action, "fields": fields, "title": title, "explanation": explanation,
        "button": button}, status=status)
    response._csp_update = {"form-action": [_origin(action)]}  # type: ignore[attr-defined]
    return response


def unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/unavailable.html", status=503)


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    try:
        xml = sp_metadata()
    except ConfigurationError:
        log.exception("SAML metadata cannot be built")
        return HttpResponse(status=503)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    level = _level(data.get("level"))
    next_url = _safe_next(request, data.get("next"))
    _speak_language_of(request, next_url)
    try:
        outgoing = flow.start(request, level=level, next_url=next_url)
    except ConfigurationError:
        log.exception("BundID sign-in is not configured")
        return unavailable(request)
    response = post_form(
        request, action=outgoing.action,
        fields={"SAMLRequest": outgoing.saml_request, "RelayState": outgoing.relay_state},
        title=_("Sign in with BundID"),
        explanation=_("You are being taken to BundID, the citizen account of the federal and "
                      "state governments, to sign in at the trust level “%(level)s”.")
        % {"level": level.label},
        button=_("Continue to BundID"))
    secure = bool(settings.SESSION_COOKIE_SECURE)
    response.set_cookie(flow.BROWSER_COOKIE, outgoing.browser_secret,
                        max_age=flow.PENDING_MINUTES * 60, path="/identity/saml/",
                        secure=secure, httponly=True, samesite="None" if secure else "Lax")
    return response


@csrf_exempt  # a cross-site POST from BundID; bound to the browser by flow.BROWSER_COOKIE
@never_cache
@require_POST
def acs(request: HttpRequest) -> HttpResponse:
    language = flow.language_of(request.POST.get("RelayState", ""))
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    try:
        completed = flow.complete(saml_response=request.POST.get("SAMLResponse", ""),
                                  browser_secret=request.COOKIES.get(flow.BROWSER_COOKIE, ""))
    except Rejected as rejected:
        log.warning("SAML response refused: %s (%s)", rejected.code, rejected.detail)
        return render(request, "identity/sign_in_failed.html", {
            "message": FAILURE_MESSAGES.get(rejected.code, DEFAULT_FAILURE),
            "code": rejected.code}, status=400)
    except ConfigurationError:
        log.exception("BundID sign-in is not configured")
        return unavailable(request)
    _continue_session(request, completed.pending.session_key)
    identity_session.sign_in(request, completed.signed_in)
    log.info("SAML sign-in at level %s", completed.signed_in.level.key)
    response = redirect(completed.pending.next_url or _home())
    response.delete_cookie(flow.BROWSER_COOKIE, path="/identity/saml/")
    return response


def _home() -> str:
    try:
        return reverse("account:home")
    except NoReverseMatch:  # the citizen area is not installed
        return reverse("catalog:home")


def _continue_session(request: HttpRequest, session_key: str) -> None:
    """Go on with the session that started the sign-in (answers of a form being filled in).

    BundID's answer is a cross-site POST, on which the browser does not send the Lax session
    cookie; the browser-bound pending request names the session instead.
    """
    current: SessionBase = request.session
    if not session_key or current.session_key == session_key:
        return
    started = type(current)(session_key=session_key)
    if started.exists(session_key):
        request.session = started


@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the portal session, and BundID's where single logout is configured."""
    _speak_language_of(request, request.META.get("HTTP_REFERER", ""))
    outgoing = logout.start(request)
    identity_session.sign_out(request)
    if outgoing is not None:
        return post_form(request, action=outgoing.action,
                         fields={"SAMLRequest": outgoing.saml_request,
                                 "RelayState": outgoing.relay_state},
                         title=_("Signing out"),
                         explanation=_("You have been signed out of the portal. You are now "
                                       "being signed out of BundID as well."),
                         button=_("Continue to BundID"))
    return signed_out(request, _("You have been signed out."))


@csrf_exempt  # BundID's answer to our LogoutRequest (HTTP-POST or HTTP-Redirect binding)
@never_cache
@require_http_methods(["GET", "POST"])
def single_logout(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    outcome = logout.finish(data.get("SAMLResponse", ""))
    identity_session.sign_out(request)
    if outcome:
        return signed_out(request, _("You have been signed out of the portal and of BundID."))
    return signed_out(request, _("You have been signed out of the portal. BundID did not "
                                 "confirm that it ended its session; close the browser to be "
                                 "sure."))


def signed_out(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "identity/signed_out.html", {"message": message})


__all__ = ["acs", "identity_provider", "login", "metadata", "sign_out", "single_logout"]
