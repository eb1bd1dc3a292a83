"""The key that says two records belong to the same person, without storing who it is twice."""

from __future__ import annotations

import re

from django.utils.crypto import salted_hmac


def person_key(*, email: str = "", phone: str = "", bundid_key: str = "") -> str:
    """Return a keyed hash of the strongest identifier given, or "" when none is given.

    Identity sources rank: the BundID person key (``bPK2``), a verified e-mail address, then a
    phone number that an agent took down. The hash is keyed with the site secret so a leaked
    table does not reveal which people or addresses are in it.
    """
    if bundid_key:
        value = f"bundid:{bundid_key}"
    elif email.strip():
        value = f"email:{email.strip().lower()}"
    elif phone.strip():
        value = "phone:" + re.sub(r"[^0-9+]", "", phone).replace("+49", "0", 1)
    else:
        return ""
    # The salt predates this module (appointments used it first); changing it would orphan
    # every stored key.
    return salted_hmac("rathaus.appointments.person", value, algorithm="sha256").hexdigest()
