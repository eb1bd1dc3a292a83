"""The migration that keys registrations by mailbox keeps sub-address duplicates on the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rathaus.appointments.people import mailbox_key

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("appointments", "0007_booking_hold_client_key")]
AFTER = [("appointments", "0008_registration_one_per_mailbox")]


def test_existing_variants_keep_their_place_and_the_first_claims_the_mailbox() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    location = apps.get_model("appointments", "Location").objects.create(
        slug="rathaus", name_de="Rathaus", street="Rathausplatz 1", postcode="31000",
        city="Musterstadt")
    calendar = apps.get_model("appointments", "Calendar").objects.create(
        slug="impfung", name_de="Impfung", location=location, mode="draw")
    registration = apps.get_model("appointments", "Registration")
    first = registration.objects.create(calendar=calendar, person_key="1", name="A",
                                        email="erika@example.org", reference="AAAA-AAAA")
    second = registration.objects.create(calendar=calendar, person_key="2", name="B",
                                         email="Erika+2@example.org", reference="BBBB-BBBB")
    gone = registration.objects.create(calendar=calendar, person_key="3", name="C",
                                       email="erika+3@example.org", reference="CCCC-CCCC",
                                       status="withdrawn")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    apps = executor.loader.project_state(AFTER).apps
    keys = dict(apps.get_model("appointments", "Registration").objects.values_list(
        "pk", "mailbox_key"))
    assert keys == {first.pk: mailbox_key("erika@example.org"), second.pk: "",
                    gone.pk: mailbox_key("erika@example.org")}
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
