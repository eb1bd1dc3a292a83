"""The demo pays through the local peers: what ``./rathaus.sh start`` configures and runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.payments import peers
from rathaus.payments.models import Payment, PaymentEvent, PaymentState, Verdict
from rathaus.payments.peers.girocheckout import GiroCheckoutPeer
from rathaus.payments.peers.xbezahldienste import XBezahldienstePeer

from .journeys import birth_certificate, text
from .peer_helpers import browser

ROOT = Path(__file__).resolve().parents[3]


def dev_providers(**environ: str) -> dict[str, dict[str, str]]:
    """RATHAUS_PAYMENT_PROVIDERS as the development settings make it in this environment."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"RATHAUS_PAYMENT_PROVIDERS", "RATHAUS_PAYMENT_PEERS"}}
    env |= {"DJANGO_SETTINGS_MODULE": "rathaus.settings.dev", **environ}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.RATHAUS_PAYMENT_PROVIDERS))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, timeout=60).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_the_development_settings_point_at_the_peers_unless_told_otherwise() -> None:
    demo = dev_providers()
    assert list(demo) == ["giro", "land"]
    assert demo["giro"]["base_url"] == "http://127.0.0.1:8100/girocheckout/api/v2"
    assert demo["giro"]["label"] == "Kreditkarte, PayPal und mehr (GiroCheckout-Testseite)"
    assert demo["land"]["token_url"] == "http://127.0.0.1:8100/xbezahldienste/oauth/token"
    moved = dev_providers(RATHAUS_PAYMENT_PEERS="127.0.0.1:8555")
    assert moved["giro"]["base_url"].startswith("http://127.0.0.1:8555/")
    assert dev_providers(RATHAUS_PAYMENT_PEERS="") == {}
    own = {"pm": {"protocol": "pmpayment", "label": "pmPayment"}}
    assert dev_providers(RATHAUS_PAYMENT_PROVIDERS=json.dumps(own)) == own


@pytest.mark.django_db
def test_a_citizen_pays_on_the_girocheckout_peer_and_its_get_notification_books_it(
        client: Client, catalog: None, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    giro = GiroCheckoutPeer(hold=True)  # notifications are kept: the portal is the test client
    with peers.running(peers.mount({"/xbezahldienste": XBezahldienstePeer(), "": giro})) as url:
        settings.RATHAUS_PAYMENT_PROVIDERS = peers.providers(url)
        journey = birth_certificate(client, copies=2)
        check = text(client.get(journey.step_url))
        assert "Credit card, PayPal and more (GiroCheckout test page)" in check
        assert "The state's payment service (XBezahldienste test page)" in check
        with django_capture_on_commit_callbacks(execute=True):
            submitted = client.post(journey.step_url, {"payment_method": "giro"})
        confirmation = client.get(submitted["Location"]).content.decode()
        found = re.search(r'pay-page-link" href="([^"]+)"', confirmation)
        assert found, "the confirmation links to the pay page"
        status, _, page = browser("GET", found.group(1))
        assert status == 200
        assert "Local test pay page" in page
        assert "24,00 EUR" in page
        status, back, _ = browser("POST", found.group(1), {"result": "pay", "method": "11"})
        assert status == 303
        # GiroCheckout notifies with GET; the portal takes it and answers 200.
        [notification] = giro.pending
        parts = urllib.parse.urlsplit(notification)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.get(f"{parts.path}?{parts.query}")
        assert answer.status_code == 200
        payment = Payment.objects.get()
        assert payment.state == PaymentState.PAID
        assert payment.method == "giro"
        # The citizen's return after the notification changes nothing more.
        parts = urllib.parse.urlsplit(back)
        status_page = client.get(f"{parts.path}?{parts.query}", follow=True)
    assert "paid" in text(status_page)
    assert Submission.objects.get().reference in text(status_page)
    verdicts = list(PaymentEvent.objects.filter(payment=payment).values_list("verdict",
                                                                             flat=True))
    assert verdicts == [Verdict.APPLIED, Verdict.APPLIED, Verdict.DUPLICATE]
