"""Agents of the citizens' office and their API tokens, for tests."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from rathaus.appointments.models import Channel
from rathaus.appointments.roles import ensure_agent
from rathaus.appointments.tokens import create_api_token
from rathaus.staff.tests.factories import sign_in_verified


def agent(username: str = "agent", *, staff: bool = True) -> User:
    """Return a member of the group Bürgerbüro (a staff account unless ``staff=False``)."""
    user, _ = ensure_agent(username=username)
    if staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def sign_in(client: Client, user: User) -> Client:
    """Sign ``user`` in with password and second factor done, as staff pages require."""
    sign_in_verified(client, user)
    return client


def token_for(user: User, channel: str = Channel.STAFF) -> str:
    return create_api_token(user=user, channel=channel)[1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
