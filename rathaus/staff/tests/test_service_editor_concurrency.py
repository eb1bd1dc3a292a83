"""On PostgreSQL, with real concurrent clients: two editors saving the same version at once."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.catalog.models import Service
from rathaus.catalog.roles import editor_group
from rathaus.payments.tests.test_concurrency import at_once

from .factories import sign_in_verified, staff_user
from .test_service_editor import BASE, form_of


@pytest.mark.django_db(transaction=True)
def test_postgresql_two_editors_saving_the_same_version_make_one_version(
        postgres: None, catalog: None) -> None:
    clients, forms = [Client(), Client()], []
    for number, client in enumerate(clients):
        user = staff_user(f"redaktion{number}")
        user.groups.add(editor_group())
        sign_in_verified(client, user)
        data = form_of(client, f"{BASE}/fees/")
        data["form.fees[0].amount"] = f"{20 + number},00"
        forms.append(data)

    answers = at_once(2, lambda n: clients[n].post(f"{BASE}/fees/", forms[n]).status_code)

    assert sorted(answers) == [302, 409]
    versions = Service.objects.get(slug="geburtsurkunde").versions.order_by("number")
    assert [version.number for version in versions] == [1, 2]
    winner = answers.index(302)
    assert versions[1].saved_by == f"redaktion{winner}"
    assert versions[1].definition["form"]["fees"][0]["amount"] == f"{20 + winner}.00"
