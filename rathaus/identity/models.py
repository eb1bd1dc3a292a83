"""A citizen known to the portal: only the keyed person key, never the BundID key itself."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .levels import TrustLevel


class SignInSource(models.TextChoices):
    BUNDID = "bundid", _("BundID")
    EMAIL = "email", _("e-mail link")


class Citizen(models.Model):
    """A person who signed in at least once.

    ``person_key`` is a keyed hash (see ``people.person_key``) of the BundID ``bPK2`` or of a
    verified e-mail address, so that the same person is found again and a leaked table names
    nobody. Names and addresses are not stored here: verified values live in the session for
    prefill and in the submissions the citizen sends.
    """

    person_key = models.CharField(_("person key"), max_length=64, unique=True)
    source = models.CharField(_("signed in with"), max_length=10, choices=SignInSource.choices)
    email = models.EmailField(_("e-mail address for notices"), blank=True)
    highest_level = models.PositiveSmallIntegerField(
        _("highest trust level so far"), choices=TrustLevel.choices, default=TrustLevel.NONE)
    created_at = models.DateTimeField(_("first sign-in"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"))

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"
