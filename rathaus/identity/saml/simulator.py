"""The development-only BundID stand-in: personas, any level, real SAML messages."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA

from .idp import LocalIdentityProvider
from .keys import ensure_key_pair


@dataclass(frozen=True)
class Persona:
    key: str
    label: str | Promise
    bpk2: str
    attributes: dict[str, str] = field(default_factory=dict)


PERSONAS: tuple[Persona, ...] = (
    # Erika lives outside the demo town (Köln), Max and Ayşe in it (RATHAUS_TOWN_POSTCODES).
    Persona("erika", _("Erika Mustermann (ID card data, lives in Köln: outside the town)"),
            "sim-bpk2-erika-mustermann", ERIKA),
    Persona("max", _("Max Meier (no e-mail address, lives in the town)"), "sim-bpk2-max-meier", {
        "given_name": "Max", "family_name": "Meier", "date_of_birth": "1990-02-28",
        "place_of_birth": "Hannover", "nationality": "D", "street_address": "Am Markt 3a",
        "postal_code": "31000", "city": "Musterstadt", "country": "D"}),
    Persona("ayse", _("Ayşe Yılmaz-Schröder (special characters)"), "sim-bpk2-ayse", {
        "given_name": "Ayşe", "family_name": "Yılmaz-Schröder", "date_of_birth": "1985-11-03",
        "place_of_birth": "İzmir", "nationality": "D", "street_address": "Straße des 17. Juni 135",
        "postal_code": "31000", "city": "Musterstadt", "country": "D",
        "email": "ayse@example.org"}),
)
BY_KEY = {persona.key: persona for persona in PERSONAS}
LEVELS = (TrustLevel.BASIC, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH)


@functools.cache
def simulator_idp() -> LocalIdentityProvider:
    base = settings.RATHAUS_BASE_URL
    return LocalIdentityProvider(
        entity_id=f"{base}/identity/simulator/",
        sso_url=f"{base}/identity/simulator/sso/",
        slo_url=f"{base}/identity/simulator/slo/",
        keys=ensure_key_pair(Path(settings.RATHAUS_SAML_DIR), "simulator-signing",
                             "Rathaus BundID simulator (development only)"))
