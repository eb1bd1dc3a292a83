"""GiroCheckout's pay page protocol, end to end against the local peer."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from rathaus.payments.peers import StartResponse, respond, running
from rathaus.payments.peers.girocheckout import API, GiroCheckoutPeer
from rathaus.payments.providers import girocheckout, registry
from rathaus.payments.providers.base import (
    Incoming,
    InvalidMessage,
    Outcome,
    PaymentOrder,
    ProviderError,
)

from .peer_helpers import Receiver, browser, refused_url, return_of, silent_server


@dataclass
class Scene:
    peer: GiroCheckoutPeer
    provider: girocheckout.GiroCheckout
    receiver: Receiver
    notify_url: str

    def order(self, request_id: str = "R-2026-000042-1", amount_cents: int = 2400) -> PaymentOrder:
        return PaymentOrder(
            request_id=request_id, kassenzeichen="5.1234.000042.7", amount_cents=amount_cents,
            purpose="Geburtsurkunde 2 Stueck", description="Geburtsurkunde, 2 Ausfertigungen",
            return_url="https://rathaus.example/zahlung/zurueck?p=42",
            notify_url=self.notify_url)


@pytest.fixture
def scene() -> Iterator[Scene]:
    peer = GiroCheckoutPeer(merchant_id="1234567", project_id="1234", password="secure")
    with running(peer) as peer_url:
        provider = girocheckout.build("giro", {
            "merchant_id": "1234567", "project_id": "1234", "password": "secure",
            "base_url": f"{peer_url}{API}", "timeout": "3"})
        receiver = Receiver(provider)
        with running(receiver) as receiver_url:
            yield Scene(peer, provider, receiver, f"{receiver_url}/zahlung/melden/giro")


def pay(scene: Scene, result: str = "pay", method: str = "11") -> tuple[str, str]:
    """Start, open the pay page, choose; the provider reference and where the browser goes."""
    started = scene.provider.start(scene.order())
    status, _, page = browser("GET", started.redirect_url)
    assert status == 200
    assert "Local test pay page" in page
    status, location, _ = browser("POST", started.redirect_url,
                                  {"result": result, "method": method})
    assert status == 303
    return started.provider_reference, location


def test_the_documented_hash_example() -> None:
    # api.girocheckout.de, "General": merchantId 1234567, projectId 1234, Wert1, Wert2, "secure"
    assert girocheckout.hmac_md5("secure", ["1234567", "1234", "Wert1", "Wert2"]) == \
        "4233d4d15a75d651d60ebabe99b3d846"
    # the German page's example with projectId 123
    assert girocheckout.hmac_md5("secure", ["1234567", "123", "Wert1", "Wert2"]) == \
        "3ecfbd3170fde872b5912da5c2d0e794"


def test_paid_end_to_end(scene: Scene) -> None:
    reference, location = pay(scene, "pay", "14")

    init = scene.peer.requests[0][1]
    assert init["amount"] == "2400"
    assert init["kassenzeichen"] == "5.1234.000042.7"
    assert init["type"] == "SALE"
    assert init["notifyUrl"] == scene.notify_url
    assert "paymethods" not in init  # the pay page offers what the project has

    assert location.startswith("https://rathaus.example/zahlung/zurueck?p=42&")
    returned = scene.provider.parse_return(return_of(location))
    assert returned is not None
    assert (returned.outcome, returned.amount_cents, returned.method) == \
        (Outcome.PAID, 2400, "paypal")
    assert returned.request_id == "R-2026-000042-1"
    assert returned.provider_reference == reference

    [notified] = scene.receiver.reports
    assert notified is not None
    assert notified.outcome is Outcome.PAID
    assert scene.peer.delivered[0][1] == 200  # the platform saw the notification taken

    status = scene.provider.fetch_status(request_id="R-2026-000042-1",
                                         provider_reference=reference)
    assert (status.outcome, status.amount_cents, status.detail) == (Outcome.PAID, 2400, "4000")


def test_cancelled_and_failed(scene: Scene) -> None:
    reference, location = pay(scene, "cancel")
    cancelled = scene.provider.parse_return(return_of(location))
    assert cancelled is not None
    assert cancelled.outcome is Outcome.CANCELLED
    assert cancelled.detail == "4502"
    assert scene.provider.fetch_status(request_id="R-2026-000042-1",
                                       provider_reference=reference).outcome is Outcome.CANCELLED

    _, location = pay(scene, "fail")
    failed = scene.provider.parse_return(return_of(location))
    assert failed is not None
    assert (failed.outcome, failed.detail) == (Outcome.FAILED, "4900")
    assert [r.outcome for r in scene.receiver.reports if r] == [Outcome.CANCELLED, Outcome.FAILED]


def test_open_transaction_is_pending(scene: Scene) -> None:
    started = scene.provider.start(scene.order())
    status = scene.provider.fetch_status(request_id="R-2026-000042-1",
                                         provider_reference=started.provider_reference)
    assert status.outcome is Outcome.PENDING


def test_tampered_notification_is_refused_with_400(scene: Scene) -> None:
    scene.peer.hold = True
    pay(scene, "fail")
    [url] = scene.peer.pending
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    tampered = {**params, "gcResultPayment": "4000"}  # hash kept
    message = Incoming(method="GET", query=tampered, form={}, headers={})
    with pytest.raises(InvalidMessage, match="gcHash"):
        scene.provider.parse_notification(message)
    assert scene.provider.notification_answer(None)[0] == 400

    with pytest.raises(InvalidMessage):  # the amount changed
        scene.provider.parse_return(replace(message, query={**params, "gcAmount": "1"}))
    with pytest.raises(InvalidMessage):  # not even a hex hash
        scene.provider.parse_notification(replace(message, query={**params, "gcHash": "ä" * 32}))
    # the genuine one still reads as failed
    genuine = scene.provider.parse_notification(replace(message, query=params))
    assert genuine.outcome is Outcome.FAILED


def test_notification_with_a_missing_field_is_invalid(scene: Scene) -> None:
    scene.peer.hold = True
    pay(scene)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(scene.peer.pending[0]).query))
    for name in ("gcReference", "gcAmount", "gcResultPayment", "gcHash"):
        partial = {key: value for key, value in params.items() if key != name}
        with pytest.raises(InvalidMessage, match=name):
            scene.provider.parse_notification(Incoming("GET", partial, {}, {}))
    # a return without any gc* parameters carries no status: Rathaus asks
    assert scene.provider.parse_return(Incoming("GET", {"p": "42"}, {}, {})) is None


def test_replayed_late_and_out_of_order_notifications_parse_the_same(scene: Scene) -> None:
    scene.peer.hold = True
    scene.peer.notify_times = 2
    reference, _ = pay(scene)
    assert scene.receiver.reports == []  # nothing arrived yet: late
    assert scene.peer.release(reverse=True) == [200, 200]
    first, second = scene.receiver.reports
    assert first == second
    assert first is not None
    assert first.outcome is Outcome.PAID
    assert first.provider_reference == reference


def test_no_notification_then_the_status_query_tells(scene: Scene) -> None:
    scene.peer.notify_times = 0
    reference, _ = pay(scene)
    assert scene.receiver.reports == []
    assert scene.peer.delivered == []
    assert scene.provider.fetch_status(request_id="R-2026-000042-1",
                                       provider_reference=reference).outcome is Outcome.PAID


def test_a_notification_not_taken_is_repeated(scene: Scene) -> None:
    receiver_url = scene.notify_url
    scene.notify_url = f"{refused_url()}/zahlung/melden/giro"  # Rathaus is down
    pay(scene)
    assert scene.peer.delivered[0][1] == 0
    [url] = scene.peer.pending
    scene.peer.pending = [url.replace(scene.notify_url, receiver_url)]  # ... and back
    assert scene.peer.release() == [200]
    assert scene.peer.pending == []
    [report] = scene.receiver.reports
    assert report is not None
    assert report.outcome is Outcome.PAID


def test_configured_from_the_setting(settings: Any) -> None:
    settings.RATHAUS_PAYMENT_PROVIDERS = {
        "giro": {"protocol": "girocheckout", "merchant_id": "1234567", "project_id": "1234",
                 "password": "secure"},
        "land": {"protocol": "xbezahldienste", "base_url": "https://p.example/",
                 "token_url": "https://p.example/token", "client_id": "c",
                 "client_secret": "s", "originator_id": "o", "endpoint_id": "e"}}
    providers = registry.configured()
    assert list(providers) == ["giro", "land"]
    assert isinstance(providers["giro"], girocheckout.GiroCheckout)
    assert providers["giro"].supports_refund is True
    assert providers["land"].supports_refund is False


def test_refund_in_part_and_no_more_than_paid(scene: Scene) -> None:
    reference, _ = pay(scene)
    refunded = scene.provider.refund(request_id="R-2026-000042-1",
                                     provider_reference=reference, amount_cents=1200)
    assert (refunded.outcome, refunded.amount_cents) == (Outcome.REFUNDED, 1200)
    assert refunded.request_id == "R-2026-000042-1"
    refund_call = scene.peer.requests[-1][1]
    assert refund_call["reference"] == reference  # the paid transaction ...
    assert refund_call["merchantTxId"].startswith("R-2026-000042-1-R")  # ... a refund of its own
    with pytest.raises(ProviderError, match="rc=5030"):
        scene.provider.refund(request_id="R-2026-000042-1", provider_reference=reference,
                              amount_cents=1201)


def test_refund_of_an_unpaid_transaction_is_refused(scene: Scene) -> None:
    reference, _ = pay(scene, "cancel")
    with pytest.raises(ProviderError, match="rc=5004"):
        scene.provider.refund(request_id="R-2026-000042-1", provider_reference=reference,
                              amount_cents=2400)


def test_wrong_password_at_start(scene: Scene) -> None:
    wrong = replace(scene.provider, password="not-the-password")
    with pytest.raises(ProviderError, match="rc=5002"):
        wrong.start(scene.order())
    assert scene.peer.transactions == {}
    # and a notification signed with the real password does not verify with another
    scene.peer.hold = True
    pay(scene)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(scene.peer.pending[0]).query))
    with pytest.raises(InvalidMessage):
        wrong.parse_notification(Incoming("GET", params, {}, {}))


def test_unknown_project_and_invalid_amount_are_refused(scene: Scene) -> None:
    with pytest.raises(ProviderError, match="rc=5000"):
        replace(scene.provider, project_id="9999").start(scene.order())
    with pytest.raises(ProviderError, match="rc=5030"):
        scene.provider.start(scene.order(amount_cents=0))
    with pytest.raises(ProviderError, match="purpose"):
        scene.provider.start(replace(scene.order(), purpose="x" * 28))


def test_an_answer_without_its_valid_hash_header_is_not_believed(scene: Scene) -> None:
    body = b'{"rc": 0, "msg": "", "reference": "abc", "url": "https://evil.example/pay"}'

    def impostor(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        forged = girocheckout.hmac_md5("guessed", [body.decode()])
        return respond(start_response, "200 OK", body, "application/json",
                       headers=[("hash", forged)])

    with running(impostor) as url, pytest.raises(ProviderError, match="without a valid hash"):
        replace(scene.provider, base_url=url).start(scene.order())


def test_provider_down() -> None:
    options = {"merchant_id": "1", "project_id": "2", "password": "p", "timeout": "0.5"}
    refused = girocheckout.build("giro", {**options, "base_url": refused_url()})
    order = PaymentOrder("R-1", "K-1", 500, "Meldebescheinigung", "", "https://r.example/",
                         "https://r.example/n")
    with pytest.raises(ProviderError, match="cannot reach"):
        refused.start(order)
    with silent_server() as url, pytest.raises(ProviderError, match=r"no answer .* within 0\.5 s"):
        girocheckout.build("giro", {**options, "base_url": url}).start(order)


def test_configuration_refuses_giropay_and_keeps_the_password_out_of_repr() -> None:
    with pytest.raises(ImproperlyConfigured, match="giropay, paydirekt ended"):
        girocheckout.build("giro", {"merchant_id": "1", "project_id": "2", "password": "p",
                                    "paymethods": "11,1,23"})
    with pytest.raises(ImproperlyConfigured, match="password"):
        girocheckout.build("giro", {"merchant_id": "1", "project_id": "2"})
    provider = girocheckout.build("giro", {"merchant_id": "1", "project_id": "2",
                                           "password": "s3cret"})
    assert "s3cret" not in repr(provider)
