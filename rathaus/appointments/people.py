"""Appointments match people by the portal-wide person key (rathaus.identity.people)."""

from rathaus.identity.people import person_key

__all__ = ["person_key"]
