"""Who we are to BundID and who BundID is to us: both from settings, resolved once."""

from __future__ import annotations

import functools
import logging
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .keys import ensure_key_pair, load_key_pair
from .xml import NS, KeyPair, XmlError, certificate_from_base64, parse, q

log = logging.getLogger(__name__)

POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
METADATA_MAX_AGE = 24 * 60 * 60


class ConfigurationError(Exception):
    """BundID sign-in is not configured (no IdP metadata, unreadable key files)."""


@dataclass(frozen=True)
class ServiceProvider:
    entity_id: str
    acs_url: str
    slo_url: str
    signing: KeyPair
    encryption: KeyPair
    decryption_keys: tuple[bytes, ...]
    organization_display_name: str
    online_service_id: str
    clock_skew: int
    want_assertions_signed: bool
    single_logout: bool
    contact_email: str


@dataclass(frozen=True)
class IdentityProvider:
    entity_id: str
    sso_url: str
    slo_url: str
    certificates: tuple[bytes, ...]


def _saml() -> dict[str, Any]:
    return dict(settings.RATHAUS_SAML)


def _pair(name: str, key: str, cert: str, directory: Path) -> KeyPair:
    if key or cert:
        if not (key and cert):
            raise ConfigurationError(f"set both the {name} key and certificate file")
        return load_key_pair(Path(key), Path(cert))
    if getattr(settings, "RATHAUS_PRODUCTION", False):
        raise ConfigurationError(f"the SAML {name} key and certificate files are not set")
    return ensure_key_pair(directory, f"sp-{name}", f"Rathaus development SP ({name})")


@functools.cache
def service_provider() -> ServiceProvider:
    conf = _saml()
    directory = Path(settings.RATHAUS_SAML_DIR)
    signing = _pair("signing", conf["SIGNING_KEY"], conf["SIGNING_CERT"], directory)
    encryption = _pair("encryption", conf["ENCRYPTION_KEY"], conf["ENCRYPTION_CERT"], directory)
    keys = [encryption.key_pem]
    if conf["PREVIOUS_ENCRYPTION_KEY"]:
        keys.append(Path(conf["PREVIOUS_ENCRYPTION_KEY"]).read_bytes())
    base = settings.RATHAUS_BASE_URL
    return ServiceProvider(
        entity_id=conf["SP_ENTITY_ID"],
        acs_url=f"{base}/identity/saml/acs/",
        slo_url=f"{base}/identity/saml/slo/",
        signing=signing, encryption=encryption, decryption_keys=tuple(keys),
        organization_display_name=(conf["ORGANIZATION_DISPLAY_NAME"]
                                   or settings.RATHAUS_TOWN["name"]),
        online_service_id=conf["ONLINE_SERVICE_ID"],
        clock_skew=int(conf["CLOCK_SKEW_SECONDS"]),
        want_assertions_signed=bool(conf["WANT_ASSERTIONS_SIGNED"]),
        single_logout=bool(conf["SINGLE_LOGOUT"]),
        contact_email=conf["CONTACT_EMAIL"],
    )


@functools.cache
def identity_provider() -> IdentityProvider:
    """Read the IdP metadata from the file, the URL (cached a day), or use the simulator."""
    conf = _saml()
    if conf["IDP_METADATA_FILE"]:
        return parse_idp_metadata(Path(conf["IDP_METADATA_FILE"]).read_bytes())
    if conf["IDP_METADATA_URL"]:
        return parse_idp_metadata(_fetch_metadata(conf["IDP_METADATA_URL"]))
    if settings.RATHAUS_BUNDID_SIMULATOR:
        from .simulator import simulator_idp

        return parse_idp_metadata(simulator_idp().metadata())
    raise ConfigurationError("no BundID metadata: set RATHAUS_SAML_IDP_METADATA_FILE or _URL")


def _fetch_metadata(url: str) -> bytes:
    cached = Path(settings.RATHAUS_SAML_DIR) / "idp-metadata.xml"
    if cached.exists() and time.time() - cached.stat().st_mtime < METADATA_MAX_AGE:
        return cached.read_bytes()
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (https URL set by the admin)
            data: bytes = response.read(5 * 1024 * 1024)
        parse_idp_metadata(data)
    except (OSError, XmlError, ConfigurationError) as error:
        if cached.exists():
            log.warning("BundID metadata could not be fetched (%s); using the cached copy", error)
            return cached.read_bytes()
        raise ConfigurationError(f"BundID metadata could not be fetched from {url}") from error
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def parse_idp_metadata(data: bytes) -> IdentityProvider:
    root = parse(data)
    descriptor = root if root.tag == q("md", "EntityDescriptor") else root.find(
        f".//{q('md', 'EntityDescriptor')}")
    if descriptor is None:
        raise ConfigurationError("the IdP metadata has no EntityDescriptor")
    idp = descriptor.find(q("md", "IDPSSODescriptor"))
    if idp is None:
        raise ConfigurationError("the IdP metadata has no IDPSSODescriptor")
    sso = [element.get("Location", "") for element in idp.findall(q("md", "SingleSignOnService"))
           if element.get("Binding") == POST_BINDING]
    if not sso:
        raise ConfigurationError("the IdP metadata offers no HTTP-POST SingleSignOnService")
    slo = [element.get("Location", "") for element in idp.findall(q("md", "SingleLogoutService"))
           if element.get("Binding") in (POST_BINDING, REDIRECT_BINDING)]
    certificates = []
    for key_descriptor in idp.findall(q("md", "KeyDescriptor")):
        if key_descriptor.get("use", "signing") != "signing":
            continue
        for value in key_descriptor.iterfind(f".//{{{NS['ds']}}}X509Certificate"):
            certificates.append(certificate_from_base64(value.text or ""))
    if not certificates:
        raise ConfigurationError("the IdP metadata has no signing certificate")
    return IdentityProvider(entity_id=descriptor.get("entityID", ""), sso_url=sso[0],
                            slo_url=slo[0] if slo else "", certificates=tuple(certificates))


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    if kwargs.get("setting") in {"RATHAUS_SAML", "RATHAUS_SAML_DIR", "RATHAUS_BASE_URL",
                                 "RATHAUS_BUNDID_SIMULATOR", "RATHAUS_TOWN"}:
        forget()


def forget() -> None:
    service_provider.cache_clear()
    identity_provider.cache_clear()
    from .simulator import simulator_idp

    simulator_idp.cache_clear()
