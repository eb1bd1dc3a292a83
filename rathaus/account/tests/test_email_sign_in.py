"""Signing in with a link sent by e-mail: once, for 30 minutes, after pressing a button."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from rathaus.account import links
from rathaus.account.models import DailyCount, Metric, UsedSignInLink
from rathaus.appointments.tests.pages import h1, summary_links, text
from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.models import Citizen, SignInSource
from rathaus.identity.people import person_key
from rathaus.identity.session import current_citizen

pytestmark = pytest.mark.django_db(transaction=True)  # e-mails go out after commit

ASK = "/en/anmelden/e-mail/"


def ask(client: Client, email: str, **extra: str) -> Any:
    return client.post(ASK, {"email": email, **extra})


def link_from_mail() -> str:
    assert mail.outbox, "no e-mail was sent"
    found = re.search(r"http://\S+/anmelden/e-mail/\S+/", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(0).replace("http://127.0.0.1:8000", "")


def signed_in_citizen(client: Client) -> Citizen | None:
    return current_citizen(client.get("/healthz").wsgi_request)


def test_the_whole_journey_signs_in_at_level_none(client: Client) -> None:
    page = client.get(ASK)
    assert h1(page) == ["Sign in with an e-mail link"]
    assert 'type="email"' in page.content.decode()

    response = ask(client, "Erika.Muster@Example.org")
    assert response.status_code == 302
    sent = client.get(response["Location"])
    assert "Erika.Muster@Example.org" in text(sent)
    assert "30 minutes" in text(sent)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Erika.Muster@Example.org"]
    assert message.subject == "Your sign-in link for Mein Rathaus"
    assert message.body.startswith("Hello,")
    url = link_from_mail()

    # Following the link (as a mail scanner would) signs nobody in; it shows a button.
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Erika.Muster@Example.org" in text(confirm)
    assert re.search(r'<form method="post">', confirm.content.decode())
    assert signed_in_citizen(client) is None
    assert not Citizen.objects.exists()

    done = client.post(url)
    assert done.status_code == 302
    assert done["Location"] == "/en/mein-rathaus/"
    citizen = signed_in_citizen(client)
    assert citizen is not None
    assert citizen.source == SignInSource.EMAIL
    assert citizen.person_key == person_key(email="erika.muster@example.org")
    assert citizen.email == "Erika.Muster@Example.org"
    assert session_trust_level(client.get("/healthz").wsgi_request) == TrustLevel.NONE
    home = client.get(done["Location"])
    assert home.status_code == 200
    assert "Erika.Muster@Example.org" in text(home)
    assert DailyCount.objects.get(metric=Metric.EMAIL_SIGN_IN).value == 1


def test_a_link_works_once(client: Client) -> None:
    ask(client, "erika@example.org")
    url = link_from_mail()
    assert client.post(url).status_code == 302

    again = Client()
    shown = again.get(url)
    assert shown.status_code == 410
    assert h1(shown) == ["This sign-in link has already been used"]
    used = again.post(url)
    assert used.status_code == 410
    assert "works only once" in text(used)
    assert signed_in_citizen(again) is None


def test_an_expired_link_is_refused(client: Client) -> None:
    ask(client, "erika@example.org")
    url = link_from_mail()
    later = __import__("time").time() + links.MAX_AGE + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        shown = client.get(url)
        posted = client.post(url)
    assert shown.status_code == posted.status_code == 410
    assert h1(posted) == ["This sign-in link has expired"]
    assert signed_in_citizen(client) is None
    assert not UsedSignInLink.objects.exists()


def test_an_altered_link_is_refused(client: Client) -> None:
    ask(client, "erika@example.org")
    url = link_from_mail()
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = links.make_token(links.SignInLink(email="mallory@example.org", nonce="x"))
    for bad in (url.replace(token, token[:-3] + "abc"),
                url.replace(token, forged[: forged.rindex(":")] + token[token.rindex(":"):]),
                "/en/anmelden/e-mail/nonsense/"):
        response = client.post(bad)
        assert response.status_code == 404, bad
        assert h1(response) == ["This sign-in link does not work"]
    assert signed_in_citizen(client) is None


def test_the_page_after_asking_is_the_same_for_known_and_unknown_addresses() -> None:
    Client().post(ASK, {"email": "known@example.org"})
    link = link_from_mail()
    Client().post(link)
    assert Citizen.objects.filter(email="known@example.org").exists()

    pages = []
    for email in ("known@example.org", "unknown@example.org"):
        client = Client()
        response = client.post(ASK, {"email": email}, follow=True)
        pages.append(text(response).replace(email, "ADDRESS"))
    assert pages[0] == pages[1]


def neutral(response: Any, email: str) -> str:
    """The page after asking, with the address taken out: the same whatever happened."""
    assert response.status_code == 200, response.status_code
    return text(response).replace(email, "ADDRESS")


def test_a_new_person_behind_a_busy_shared_address_still_gets_a_link() -> None:
    # A town hall's Wi-Fi: forty people ask for links within a few minutes from one address.
    for number in range(40):
        assert Client(REMOTE_ADDR="192.0.2.1").post(ASK, {"email": f"p{number}@example.org"},
                                                    ).status_code == 302
    newcomer = Client(REMOTE_ADDR="192.0.2.1")
    page = newcomer.post(ASK, {"email": "new@example.org"}, follow=True)
    assert "new@example.org" in text(page)
    assert mail.outbox[-1].to == ["new@example.org"]
    assert len(mail.outbox) == 41


def test_one_address_flooded_gets_no_more_links_and_the_page_does_not_say_so() -> None:
    pages = [neutral(Client(REMOTE_ADDR=f"198.51.100.{n}").post(
        ASK, {"email": "victim@example.org"}, follow=True), "victim@example.org")
        for n in range(6)]
    assert len(mail.outbox) == 3, "three links per address in 15 minutes"
    assert len(set(pages)) == 1, "a refused request shows the same page as a sent one"
    other = neutral(Client(REMOTE_ADDR="198.51.100.99").post(
        ASK, {"email": "other@example.org"}, follow=True), "other@example.org")
    assert other == pages[0]
    assert mail.outbox[-1].to == ["other@example.org"]


def test_the_limits_count_in_every_window_and_are_settings(settings: Any) -> None:
    settings.RATHAUS_SIGN_IN_LINKS_PER_ADDRESS = 1
    assert ask(Client(), "a@example.org").status_code == 302
    assert ask(Client(), "a@example.org").status_code == 302
    assert len(mail.outbox) == 1
    later = __import__("time").time() + 15 * 60
    with mock.patch("rathaus.core.limits.time.time", return_value=later):
        assert ask(Client(), "a@example.org").status_code == 302
    assert len(mail.outbox) == 2, "a new window, a new link"


def test_one_client_address_asking_very_often_is_told_to_wait(client: Client,
                                                               settings: Any) -> None:
    settings.RATHAUS_SIGN_IN_REQUESTS_PER_CLIENT = 2
    for number in range(2):
        assert ask(client, f"p{number}@example.org").status_code == 302
    refused = ask(client, "p9@example.org")
    assert refused.status_code == 429
    assert "internet connection" in text(refused)
    assert summary_links(refused) == ["email"]
    assert 'value="p9@example.org"' in refused.content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 300 + "@example.org"])
def test_bad_addresses_are_explained_and_kept(client: Client, email: str) -> None:
    response = ask(client, email)
    assert response.status_code == 200
    assert summary_links(response) == ["email"]
    assert "Enter an e-mail address in the form name@example.de." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    if email:
        assert f'value="{email}"' in response.content.decode()
    assert not mail.outbox


def test_the_link_goes_back_to_where_the_citizen_came_from(client: Client) -> None:
    ask(client, "erika@example.org", next="/en/mein-rathaus/postfach/")
    response = client.post(link_from_mail())
    assert response["Location"] == "/en/mein-rathaus/postfach/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_the_link_never_leads_off_the_site(client: Client, target: str) -> None:
    ask(client, "erika@example.org", next=target)
    response = client.post(link_from_mail())
    assert response["Location"] == "/en/mein-rathaus/"


def test_the_e_mail_is_in_the_language_of_the_page() -> None:
    Client().post("/de/anmelden/e-mail/", {"email": "erika@example.org"})
    message = mail.outbox[-1]
    assert message.body.startswith("Guten Tag,")
    assert "Mit freundlichen Grüßen" in message.body
    assert "/de/anmelden/e-mail/" in message.body
    assert message.subject == "Ihr Anmeldelink für Mein Rathaus"


def test_the_chooser_offers_bundid_and_the_e_mail_link(client: Client) -> None:
    page = client.get("/en/anmelden/?level=high&next=/en/services/hund-anmelden/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'action="/identity/saml/login/"' in body
    assert '<input type="hidden" name="level" value="high">' in body
    assert '<input type="hidden" name="next" value="/en/services/hund-anmelden/">' in body
    # Nothing is above "high": the page does not offer "or higher".
    assert "This service needs the trust level “high (online ID card)”." in text(page)
    assert "signing in with an e-mail link is not enough" in text(page)
    assert 'href="/en/anmelden/e-mail/?next=%2Fen%2Fservices%2Fhund-anmelden%2F"' in body


@pytest.mark.parametrize("query", ["?level=none", "?level=<b>", "?level=", "", "?next=//evil"])
def test_the_chooser_falls_back_to_basic_and_drops_foreign_targets(client: Client,
                                                                   query: str) -> None:
    body = client.get(f"/en/anmelden/{query}").content.decode()
    assert '<input type="hidden" name="level" value="basic">' in body
    assert 'name="next"' not in body
