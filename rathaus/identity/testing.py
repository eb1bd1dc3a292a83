"""Sign a test client in as a citizen without the SAML exchange (tests of other features).

The SAML exchange itself is tested end to end in rathaus/identity/tests against the in-process
identity provider; everything else can start from a signed-in session made here, through the
same ``session.sign_in`` a real sign-in ends in.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client

from .levels import TrustLevel
from .models import Citizen, SignInSource
from .people import person_key
from .session import Attribute, SignIn, sign_in

# A person as the ID card describes her (values as BundID sends them).
ERIKA = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birth_name": "Gabler",
    "date_of_birth": "1964-08-12",
    "place_of_birth": "Berlin",
    "nationality": "D",
    "street_address": "Heidestraße 17",
    "postal_code": "51147",
    "city": "Köln",
    "country": "D",
    "email": "erika.mustermann@example.org",
}


def sign_in_client(client: Client, *, level: TrustLevel = TrustLevel.HIGH,
                   bpk2: str = "erika-bpk2", attributes: Mapping[str, str] | None = None,
                   attribute_level: TrustLevel | None = None,
                   source: SignInSource = SignInSource.BUNDID) -> Citizen:
    """Sign ``client`` in as a citizen at ``level``; attributes default to ERIKA's.

    ``attribute_level`` is the per-attribute trust level (default: the sign-in's level, as
    BundID reports for values read from the ID card).
    """
    values = ERIKA if attributes is None else attributes
    per_attribute = level if attribute_level is None else attribute_level
    key = person_key(bundid_key=bpk2) if source == SignInSource.BUNDID else person_key(
        email=values.get("email", ""))
    signed_in = SignIn(
        source=source, person_key=key, level=level, email=values.get("email", ""),
        attributes={name: Attribute(value=value, level=per_attribute)
                    for name, value in values.items()})
    request = HttpRequest()
    SessionMiddleware(lambda _request: HttpResponse()).process_request(request)
    session: SessionBase = request.session
    existing = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if existing is not None:
        session = type(session)(existing.value)
        request.session = session
    citizen = sign_in(request, signed_in)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key or ""
    return citizen
