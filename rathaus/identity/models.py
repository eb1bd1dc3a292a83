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


class PendingSignIn(models.Model):
    """An AuthnRequest sent to BundID and not answered yet.

    BundID answers with a cross-site POST, on which browsers do not send the Lax session
    cookie. This row remembers the request (level, where to return, the session to continue)
    and ``browser_hash`` binds it to the browser that started it: the hash of a random value
    in a short-lived cookie that is sent on that POST (login CSRF defence).
    """

    request_id = models.CharField(_("request ID"), max_length=64, primary_key=True)
    browser_hash = models.CharField(_("browser hash"), max_length=64)
    session_key = models.CharField(_("session key"), max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(_("requested level"), choices=TrustLevel.choices)
    next_url = models.CharField(_("return address"), max_length=500, blank=True)
    # The page language the sign-in started in: BundID's answer arrives at an address without
    # a language prefix, and a refusal is explained in that language.
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pending BundID sign-in")
        verbose_name_plural = _("pending BundID sign-ins")

    def __str__(self) -> str:
        return self.request_id


class UsedAssertion(models.Model):
    """An assertion ID already accepted: a second use is a replay (kept until it expires)."""

    assertion_id = models.CharField(_("assertion ID"), max_length=128, primary_key=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("used SAML assertion")
        verbose_name_plural = _("used SAML assertions")

    def __str__(self) -> str:
        return self.assertion_id
