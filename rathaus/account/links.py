"""The e-mail sign-in link: signed, valid for 30 minutes, and (with UsedSignInLink) used once.

The link carries the address, a random nonce and where to go afterwards, signed with the site
secret. Nothing is stored when a link is sent; when it is used, a hash of its nonce is recorded
so that a second use is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

SALT = "rathaus.account.email-sign-in"
MAX_AGE = 30 * 60


class LinkInvalid(Exception):
    """The link was altered, forged or cut short."""


class LinkExpired(LinkInvalid):
    """The link is genuine but older than MAX_AGE."""


@dataclass(frozen=True)
class SignInLink:
    email: str
    nonce: str
    next: str = ""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.nonce.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def make_token(link: SignInLink) -> str:
    return signing.dumps({"e": link.email, "n": link.nonce, "x": link.next}, salt=SALT,
                         compress=True)


def read_token(token: str) -> SignInLink:
    """Return the link a token stands for; raise LinkExpired or LinkInvalid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError):
        raise LinkInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str) \
            or not isinstance(data.get("n"), str):
        raise LinkInvalid
    return SignInLink(email=data["e"], nonce=data["n"], next=str(data.get("x") or ""))


def sign_in_url(link: SignInLink, *, language: str) -> str:
    with translation.override(language):
        path = reverse("account:email_confirm", kwargs={"token": make_token(link)})
    return f"{settings.RATHAUS_BASE_URL}{path}"
