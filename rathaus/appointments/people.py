"""Who a booking or registration belongs to, and when two e-mail addresses are one mailbox.

Appointments match people by the portal-wide person key (``rathaus.identity.people``): the
BundID person key of a signed-in citizen, else the e-mail address as typed (case aside). That
key decides what a person may see, so it is never loosened.

For the one-registration-per-person rule of a draw a second, looser key is needed: most mail
providers (Gmail, Outlook, iCloud, Proton, Fastmail, Posteo, mailbox.org, ...) deliver
``name+anything@example.org`` to ``name@example.org`` (RFC 5233 sub-addressing), so one person
could otherwise register once per made-up tag. ``mailbox_key`` folds those variants together:

* the local part loses everything from its first ``+`` (unless nothing would be left);
* local part and domain are compared without regard to case (the whole address was folded so
  already, and no mainstream provider tells ``Name`` from ``name``).

Deliberately *not* folded, because it would merge different people at some providers:

* dots in the local part: Gmail ignores them (``e.rika@gmail.com`` is ``erika@gmail.com``), but
  at most providers ``e.rika`` and ``erika`` are two people; so are ``gmail.com`` and
  ``googlemail.com`` not treated as one;
* other tag separators (``-`` at Yahoo and in many qmail/Postfix setups): ``anna-lena@`` is a
  name, not a tag;
* a provider's aliases and forwarding, or several mailboxes of one person: nothing in the
  address shows them.

At the few providers where ``+`` is part of a real mailbox name, two people could share a key;
the second is then told by e-mail that the mailbox is already registered, without the first
one's link. Only a BundID sign-in says reliably who someone is.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac

from rathaus.identity.people import person_key

__all__ = ["mailbox", "mailbox_key", "person_key"]


def mailbox(email: str) -> str:
    """Return the mailbox an address delivers to as far as the address shows ("" for none)."""
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return address
    base = local.split("+", 1)[0]
    return f"{base or local}@{domain}"


def mailbox_key(email: str) -> str:
    """Return a keyed hash of the mailbox behind ``email``, or "" without an address."""
    box = mailbox(email)
    if not box:
        return ""
    return salted_hmac("rathaus.appointments.mailbox", box, algorithm="sha256").hexdigest()
