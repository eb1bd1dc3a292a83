"""Sign-in with BundID from start to end: the request going out, the answer coming back."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from rathaus.identity.attributes import ATTRIBUTES, FIELD_ATTRIBUTES
from rathaus.identity.hooks import identity_fields_in_use
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import PendingSignIn, SignInSource, UsedAssertion
from rathaus.identity.people import person_key
from rathaus.identity.session import SignIn

from .authn_request import build_authn_request, encode, new_id
from .config import identity_provider, service_provider
from .response import Rejected, Verified, check_response, decode

log = logging.getLogger("rathaus.identity.saml")

BROWSER_COOKIE = "rathaus_saml"
PENDING_MINUTES = 30


@dataclass(frozen=True)
class Outgoing:
    """What the auto-submitting form posts to BundID, and the cookie that binds the answer."""

    action: str
    saml_request: str
    relay_state: str
    browser_secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def requested_attributes() -> list[str]:
    """The attributes the published services prefill, plus the e-mail address for notices."""
    keys: set[str] = {"email"}
    for name in identity_fields_in_use.call():
        keys.update(FIELD_ATTRIBUTES.get(name, ()))
    return [attribute.key for attribute in ATTRIBUTES if attribute.key in keys]


def start(request: HttpRequest, *, level: TrustLevel, next_url: str) -> Outgoing:
    """Prepare the AuthnRequest for ``level`` and remember it for the answer."""
    sp, idp = service_provider(), identity_provider()
    request_id = new_id()
    if request.session.session_key is None:
        request.session.save()
    browser_secret = secrets.token_urlsafe(32)
    PendingSignIn.objects.create(
        request_id=request_id, browser_hash=_hash(browser_secret),
        session_key=request.session.session_key or "", level=level, next_url=next_url[:500],
        language=get_language() or "")
    authn_request = build_authn_request(sp=sp, idp=idp, level=level,
                                        attributes=requested_attributes(),
                                        request_id=request_id, now=timezone.now())
    log.info("SAML AuthnRequest %s at level %s", request_id, level.key)
    return Outgoing(action=idp.sso_url, saml_request=encode(authn_request),
                    relay_state=request_id, browser_secret=browser_secret)


@dataclass(frozen=True)
class Completed:
    signed_in: SignIn
    pending: PendingSignIn


def complete(*, saml_response: str, browser_secret: str) -> Completed:
    """Check BundID's answer against everything we know; raise ``Rejected`` if it fails."""
    now = timezone.now()
    verified = check_response(decode(saml_response), sp=service_provider(),
                              idp=identity_provider(), now=now)
    with transaction.atomic():
        pending = PendingSignIn.objects.select_for_update().filter(
            request_id=verified.in_response_to,
            created_at__gte=now - dt.timedelta(minutes=PENDING_MINUTES)).first()
        if pending is None:
            raise Rejected("unknown_request", f"InResponseTo {verified.in_response_to!r} is "
                                              "not a request of ours (or it is too old)")
        if not browser_secret or not secrets.compare_digest(_hash(browser_secret),
                                                            pending.browser_hash):
            raise Rejected("other_browser", "the answer arrived in another browser")
        if verified.level < pending.level:
            raise Rejected("level_too_low", f"asked for {TrustLevel(pending.level).key}, got "
                                            f"{verified.level.key}")
        _remember_assertion(verified)
        pending.delete()
    return Completed(signed_in=_sign_in(verified), pending=pending)


def _remember_assertion(verified: Verified) -> None:
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(assertion_id=verified.assertion_id[:128],
                                         expires_at=verified.assertion_expires)
    except IntegrityError as error:
        raise Rejected("replayed", f"assertion {verified.assertion_id} was used before") from error


def _sign_in(verified: Verified) -> SignIn:
    email = verified.attributes.get("email")
    return SignIn(
        source=SignInSource.BUNDID, person_key=person_key(bundid_key=verified.bpk2),
        level=verified.level, attributes=verified.attributes,
        email=email.value if email is not None else "",
        idp_session={"issuer": identity_provider().entity_id, "name_id": verified.name_id,
                     "name_id_format": verified.name_id_format,
                     "session_index": verified.session_index})


def purge(now: dt.datetime | None = None) -> int:
    """Delete unanswered requests and expired assertion IDs (housekeeping)."""
    now = now or timezone.now()
    pending, _ = PendingSignIn.objects.filter(
        created_at__lt=now - dt.timedelta(minutes=PENDING_MINUTES)).delete()
    used, _ = UsedAssertion.objects.filter(expires_at__lt=now).delete()
    return pending + used


def language_of(relay_state: str) -> str:
    """The language the sign-in named by ``relay_state`` started in ("" if unknown)."""
    found = PendingSignIn.objects.filter(request_id=relay_state[:64]).values_list(
        "language", flat=True).first()
    return found or ""
