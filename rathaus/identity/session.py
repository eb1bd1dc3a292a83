"""Who is signed in: the one place that writes and reads a citizen's sign-in in the session.

BundID (SAML), the development simulator and the e-mail link all end in ``sign_in``; pages ask
``current_citizen``, ``session_trust_level`` (levels.py) and ``session_attributes`` (prefill).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .levels import SESSION_KEY as LEVEL_KEY
from .levels import TrustLevel
from .models import Citizen, SignInSource

CITIZEN_KEY = "identity_citizen"
ATTRIBUTES_KEY = "identity_attributes"
SOURCE_KEY = "identity_source"
IDP_SESSION_KEY = "identity_idp_session"
SIGNED_IN_AT_KEY = "identity_signed_in_at"


@dataclass(frozen=True)
class Attribute:
    """One value the identity provider vouched for, with the level it vouched for it at.

    ``level`` is BundID's per-attribute ``akdb:TrustLevel`` (None when it sent none): a name
    read from the ID card is ``high``, one typed in when the account was opened ``basic``.
    """

    value: str
    level: TrustLevel | None = None

    @property
    def verified(self) -> bool:
        """Read from the ID card or ELSTER, not typed in by the person."""
        return self.level is not None and self.level >= TrustLevel.SUBSTANTIAL


@dataclass(frozen=True)
class SignIn:
    """What a completed sign-in established."""

    source: SignInSource
    person_key: str  # already keyed (people.person_key), never the raw bPK2 or address
    level: TrustLevel
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    email: str = ""
    # What single logout needs to name the IdP session: issuer, NameID (+ format), SessionIndex.
    idp_session: Mapping[str, str] | None = None


def sign_in(request: HttpRequest, signed_in: SignIn) -> Citizen:
    """Record the sign-in in the citizen table and the session; return the citizen.

    The session key changes (no fixation). Whatever else the session held, such as the answers
    of a form being filled in, is kept when the same person signs in again at a higher level,
    and dropped when another person signs in on this browser.
    """
    now = timezone.now()
    citizen, created = Citizen.objects.get_or_create(
        person_key=signed_in.person_key,
        defaults={"source": signed_in.source, "email": signed_in.email,
                  "highest_level": signed_in.level, "last_sign_in_at": now})
    if not created:
        citizen.last_sign_in_at = now
        citizen.highest_level = max(citizen.highest_level, signed_in.level)
        if signed_in.email and not citizen.email:
            citizen.email = signed_in.email
        citizen.save(update_fields=["last_sign_in_at", "highest_level", "email"])
    previous = request.session.get(CITIZEN_KEY)
    if previous is not None and previous != citizen.pk:
        request.session.flush()
    else:
        request.session.cycle_key()
    request.session[CITIZEN_KEY] = citizen.pk
    request.session[LEVEL_KEY] = int(signed_in.level)
    request.session[SOURCE_KEY] = str(signed_in.source)
    request.session[SIGNED_IN_AT_KEY] = now.isoformat()
    request.session[ATTRIBUTES_KEY] = {
        name: {"value": attribute.value,
               "level": None if attribute.level is None else int(attribute.level)}
        for name, attribute in signed_in.attributes.items()}
    if signed_in.idp_session:
        request.session[IDP_SESSION_KEY] = dict(signed_in.idp_session)
    else:
        request.session.pop(IDP_SESSION_KEY, None)
    return citizen


def is_signed_in(request: HttpRequest) -> bool:
    """Say whether the session belongs to a signed-in citizen, without a query.

    A visitor without a session cookie costs nothing; with one, the session is loaded (as the
    page would load it anyway for a form).
    """
    session = getattr(request, "session", None)
    return session is not None and CITIZEN_KEY in session


def current_citizen(request: HttpRequest) -> Citizen | None:
    """Return the signed-in citizen (one query, remembered on the request), or None."""
    session = getattr(request, "session", None)
    if session is None or CITIZEN_KEY not in session:
        return None
    cached: Citizen | None = getattr(request, "_rathaus_citizen", None)
    if cached is None:
        cached = Citizen.objects.filter(pk=session[CITIZEN_KEY]).first()
        if cached is None:  # the account was deleted meanwhile
            _forget(session)
            return None
        request._rathaus_citizen = cached  # type: ignore[attr-defined]
    return cached


def session_attributes(request: HttpRequest) -> dict[str, Attribute]:
    """Return the attributes the identity provider sent at sign-in (empty when anonymous)."""
    raw: Mapping[str, Any] = getattr(request, "session", {}).get(ATTRIBUTES_KEY, {})
    attributes = {}
    for name, item in raw.items():
        level = item.get("level")
        attributes[name] = Attribute(value=str(item.get("value", "")),
                                     level=None if level is None else TrustLevel(int(level)))
    return attributes


def session_source(request: HttpRequest) -> SignInSource | None:
    value = getattr(request, "session", {}).get(SOURCE_KEY)
    return SignInSource(value) if value in SignInSource.values else None


def idp_session(request: HttpRequest) -> dict[str, str] | None:
    """Return what single logout needs, when the sign-in came from an identity provider."""
    value = getattr(request, "session", {}).get(IDP_SESSION_KEY)
    return dict(value) if isinstance(value, dict) else None


def sign_out(request: HttpRequest) -> None:
    """End the portal session: nothing of the sign-in or of unfinished forms stays behind."""
    request.session.flush()
    if hasattr(request, "_rathaus_citizen"):
        del request._rathaus_citizen


def _forget(session: Any) -> None:
    for key in (CITIZEN_KEY, LEVEL_KEY, SOURCE_KEY, SIGNED_IN_AT_KEY, ATTRIBUTES_KEY,
                IDP_SESSION_KEY):
        session.pop(key, None)
