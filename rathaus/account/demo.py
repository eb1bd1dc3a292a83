"""Demo content of Mein Rathaus: a welcome message for the simulator's persona Erika."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rathaus.identity.models import Citizen, SignInSource
from rathaus.identity.people import person_key

from .models import Message, MessageKind
from .services import deliver_message


def seed_welcome_message() -> bool:
    """Give the demo persona a welcome message (once); return whether one was delivered."""
    from rathaus.identity.saml.simulator import BY_KEY

    persona = BY_KEY["erika"]
    citizen, _created = Citizen.objects.get_or_create(
        person_key=person_key(bundid_key=persona.bpk2),
        defaults={"source": SignInSource.BUNDID, "email": persona.attributes.get("email", ""),
                  "last_sign_in_at": timezone.now()})
    if Message.objects.filter(citizen=citizen, kind=MessageKind.WELCOME).exists():
        return False
    with translation.override("de"):
        deliver_message(
            citizen=citizen, kind=MessageKind.WELCOME, notify=False,
            subject=_("Welcome to Mein Rathaus"),
            body=_("Hello,\n\nthis is your mailbox in Mein Rathaus. Here you receive messages "
                   "and decisions from the town about your applications. When something new "
                   "arrives, we tell you by e-mail, without saying what it is about.\n\nKind "
                   "regards\nYour town hall"))
    return True
