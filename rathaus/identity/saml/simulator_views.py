"""The BundID simulator's pages (development only): choose a persona and a level."""

from __future__ import annotations

import base64
import logging

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rathaus.identity.levels import TrustLevel

from .config import service_provider
from .idp import ParsedRequest, logout_response
from .simulator import BY_KEY, LEVELS, PERSONAS, simulator_idp
from .views import post_form
from .xml import SignatureError, XmlError

log = logging.getLogger("rathaus.identity.saml")


class AnswerForm(forms.Form):
    persona = forms.ChoiceField(label=gettext_lazy("Person"), widget=forms.RadioSelect,
                                choices=[(p.key, p.label) for p in PERSONAS], initial="erika")
    level = forms.TypedChoiceField(label=gettext_lazy("Trust level confirmed"),
                                   widget=forms.RadioSelect, coerce=int,
                                   choices=[(int(level), level.label) for level in LEVELS])
    SAMLRequest = forms.CharField(widget=forms.HiddenInput)
    RelayState = forms.CharField(widget=forms.HiddenInput, required=False)


def _enabled() -> None:
    if not settings.RATHAUS_BUNDID_SIMULATOR:
        raise Http404


def _read(request: HttpRequest, saml_request: str) -> ParsedRequest | None:
    try:
        parsed = simulator_idp().read_request(saml_request,
                                              [service_provider().signing.cert_pem])
    except (ValueError, XmlError, SignatureError) as error:
        log.warning("simulator: AuthnRequest refused: %s", error)
        return None
    if parsed.language in {code for code, _name in settings.LANGUAGES}:
        # As BundID does: its pages speak the language the portal names (classic-ui:Lang).
        translation.activate(parsed.language)
        request.LANGUAGE_CODE = parsed.language
    return parsed


def _bad_request(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/simulator_bad_request.html", status=400)


@csrf_exempt  # receives the portal's AuthnRequest as a (possibly cross-site) POST
@never_cache
@require_POST
def sso(request: HttpRequest) -> HttpResponse:
    _enabled()
    saml_request = request.POST.get("SAMLRequest", "")
    parsed = _read(request, saml_request)
    if parsed is None:
        return _bad_request(request)
    form = AnswerForm(initial={"SAMLRequest": saml_request,
                               "RelayState": request.POST.get("RelayState", ""),
                               "level": int(max(parsed.level, TrustLevel.BASIC))})
    return render(request, "identity/simulator.html", {"form": form, "parsed": parsed})


@never_cache
@require_POST
def answer(request: HttpRequest) -> HttpResponse:
    _enabled()
    form = AnswerForm(request.POST)
    parsed = _read(request, request.POST.get("SAMLRequest", ""))
    if parsed is None:
        return _bad_request(request)
    if not form.is_valid():
        return render(request, "identity/simulator.html", {"form": form, "parsed": parsed},
                      status=400)
    persona = BY_KEY[form.cleaned_data["persona"]]
    sp = service_provider()
    xml = simulator_idp().response(
        in_response_to=parsed.request_id, acs_url=parsed.acs_url, audience=parsed.issuer,
        encrypt_for=sp.encryption.cert_pem, level=TrustLevel(form.cleaned_data["level"]),
        bpk2=persona.bpk2, attributes=persona.attributes, requested_oids=parsed.attribute_oids)
    return post_form(request, action=parsed.acs_url,
                     fields={"SAMLResponse": base64.b64encode(xml).decode(),
                             "RelayState": form.cleaned_data["RelayState"]},
                     title=_("BundID simulator"),
                     explanation=_("The simulator has signed you in. You are being taken back "
                                   "to the portal."),
                     button=_("Back to the portal"))


@csrf_exempt  # receives the portal's LogoutRequest as a (possibly cross-site) POST
@never_cache
@require_POST
def slo(request: HttpRequest) -> HttpResponse:
    _enabled()
    sp = service_provider()
    try:
        xml = logout_response(simulator_idp(), saml_request=request.POST.get("SAMLRequest", ""),
                              sp_certificates=[sp.signing.cert_pem], destination=sp.slo_url)
    except (ValueError, XmlError, SignatureError) as error:
        log.warning("simulator: LogoutRequest refused: %s", error)
        return _bad_request(request)
    return post_form(request, action=sp.slo_url,
                     fields={"SAMLResponse": base64.b64encode(xml).decode(),
                             "RelayState": request.POST.get("RelayState", "")},
                     title=_("BundID simulator"),
                     explanation=_("The simulator has ended its session. You are being taken "
                                   "back to the portal."),
                     button=_("Back to the portal"))
