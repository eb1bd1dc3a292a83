"""The identity attributes the portal knows, with the OIDs BundID names them by.

Services name these keys in their field definitions (``prefill``); the SAML request asks
BundID for exactly the keys that the published services use, plus the person key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The stable, pseudonymous person key of a BundID account; never shown, stored only keyed.
BPK2_OID = "urn:oid:1.3.6.1.4.1.25484.494450.3"


@dataclass(frozen=True)
class IdentityAttribute:
    key: str
    oid: str
    label: str | Promise


ATTRIBUTES: tuple[IdentityAttribute, ...] = (
    IdentityAttribute("given_name", "urn:oid:2.5.4.42", _("Given names")),
    IdentityAttribute("family_name", "urn:oid:2.5.4.4", _("Family name")),
    IdentityAttribute("birth_name", "urn:oid:1.2.40.0.10.2.1.1.225566", _("Birth name")),
    IdentityAttribute("title", "urn:oid:0.9.2342.19200300.100.1.40", _("Academic title")),
    IdentityAttribute("date_of_birth", "urn:oid:1.2.40.0.10.2.1.1.55", _("Date of birth")),
    IdentityAttribute("place_of_birth", "urn:oid:1.3.6.1.5.5.7.9.2", _("Place of birth")),
    IdentityAttribute("nationality", "urn:oid:1.2.40.0.10.2.1.1.225577", _("Nationality")),
    # BundID sends street and house number together as postalAddress.
    IdentityAttribute("street_address", "urn:oid:2.5.4.16", _("Street and house number")),
    IdentityAttribute("postal_code", "urn:oid:2.5.4.17", _("Postcode")),
    IdentityAttribute("city", "urn:oid:2.5.4.7", _("Town")),
    IdentityAttribute("country", "urn:oid:1.2.40.0.10.2.1.1.225599", _("Country")),
    IdentityAttribute("email", "urn:oid:0.9.2342.19200300.100.1.3", _("E-mail address")),
    IdentityAttribute("phone", "urn:oid:2.5.4.20", _("Telephone number")),
)

BY_KEY = {attribute.key: attribute for attribute in ATTRIBUTES}
BY_OID = {attribute.oid: attribute for attribute in ATTRIBUTES}

# What a form field's ``identity_attribute`` (service definitions) is filled from.
FIELD_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "name": ("given_name", "family_name"),
    "birth_date": ("date_of_birth",),
    "address": ("street_address", "postal_code", "city"),
}
