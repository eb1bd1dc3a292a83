"""Trust levels of a citizen's identity, ordered: none < basic < substantial < high."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class TrustLevel(models.IntegerChoices):
    # Values follow the STORK QAA levels BundID reports (Level-1, -3, -4), so they sort correctly.
    NONE = 0, _("none (no sign-in)")
    BASIC = 1, _("basic (user name and password)")
    SUBSTANTIAL = 3, _("substantial (e.g. ELSTER certificate)")
    HIGH = 4, _("high (online ID card)")

    @classmethod
    def from_name(cls, name: str) -> TrustLevel:
        return cls[name.upper()]

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def is_highest(self) -> bool:
        """Say whether nothing is above this level (pages then say "high", not "or higher")."""
        return self == max(TrustLevel)


SESSION_KEY = "identity_trust_level"


def session_trust_level(request: HttpRequest) -> TrustLevel:
    """Return the trust level the current session was authenticated at (none when anonymous)."""
    value = request.session.get(SESSION_KEY, TrustLevel.NONE) if hasattr(request, "session") else 0
    try:
        return TrustLevel(int(value))
    except (TypeError, ValueError):
        return TrustLevel.NONE


def satisfies(*, achieved: TrustLevel, required: TrustLevel) -> bool:
    return int(achieved) >= int(required)
