"""The providers this installation offers, built from settings.

``RATHAUS_PAYMENT_PROVIDERS`` maps a key (shown in the admin and stored on each payment) to the
provider's options; ``protocol`` names the module in this package that speaks its protocol
(``girocheckout``, ``xbezahldienste``, ...) or, for test doubles, a dotted module path. Each
protocol module has ``build(key, options) -> PaymentProvider``. The offered order is the order
of the setting.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Protocol, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import PaymentProvider


class _Builds(Protocol):
    def build(self, key: str, options: Mapping[str, str]) -> PaymentProvider: ...


def _module(protocol: str) -> _Builds:
    path = protocol if "." in protocol else f"{__package__}.{protocol}"
    try:
        return cast(_Builds, importlib.import_module(path))
    except ImportError as error:
        raise ImproperlyConfigured(
            f"RATHAUS_PAYMENT_PROVIDERS: unknown protocol {protocol!r}") from error


@cache
def _build(key: str, items: tuple[tuple[str, str], ...]) -> PaymentProvider:
    options = dict(items)
    protocol = options.get("protocol", "")
    if not protocol:
        raise ImproperlyConfigured(f"RATHAUS_PAYMENT_PROVIDERS[{key!r}]: 'protocol' is missing")
    return _module(protocol).build(key, options)


def configured() -> dict[str, PaymentProvider]:
    """Every configured provider by key, in the configured order.

    Built once per set of options (the setting is read on every call, so tests that override
    it get their own providers); providers hold configuration only, no state."""
    providers: dict[str, dict[str, str]] = getattr(settings, "RATHAUS_PAYMENT_PROVIDERS", {})
    return {key: _build(key, tuple(sorted(options.items())))
            for key, options in providers.items()}


def get(key: str) -> PaymentProvider | None:
    return configured().get(key)
